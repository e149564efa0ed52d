//! Relay throughput: events per second from committed outbox rows to
//! JetStream acknowledgements, on SQLite and on PostgreSQL, per batch size.
//! Starts its own `nats-server` and PostgreSQL (as the tests do) and prints
//! a table; `cargo bench -p eventwire-outbox --bench relay_throughput`.
//! Each run prefills `EVENTS` rows (not timed), then times one relay
//! draining them with its target's acknowledgements awaited.

#[path = "../../nats/tests/support/nats_server.rs"]
mod nats_server;
#[path = "../tests/support/postgres.rs"]
mod postgres;

use eventwire::{Event, EventType, Phase, Site};
use eventwire_outbox::{Backend, JetStreamTarget, Outbox, RelayConfig, Retention};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    OrderPlaced,
}

const EVENTS: usize = 20_000;
/// Events per prefill transaction.
const PER_TX: usize = 100;

fn event(n: usize) -> Event<EventType> {
    let mut event = Event::new(
        EventType::OrderPlaced,
        Phase::Ok,
        Site {
            function: "Shop::place".into(),
            path: "shop::Shop::place".into(),
            file: "src/lib.rs".into(),
            line: 12,
            column: 9,
        },
    );
    event.fields.push("order", eventwire::Value::I64(n as i64));
    event
        .fields
        .push("customer", eventwire::Value::Str("ada".into()));
    event
}

async fn prefill<DB: Backend>(outbox: &Outbox<DB>) {
    for chunk in 0..EVENTS / PER_TX {
        let tx = outbox.begin::<EventType>().await.unwrap();
        let bus = eventwire::HasBus::<EventType>::event_bus(&tx)
            .unwrap()
            .clone();
        for n in 0..PER_TX {
            bus.publish(event(chunk * PER_TX + n)).unwrap();
        }
        drop(bus);
        tx.commit().await.unwrap();
    }
}

async fn drain<DB: Backend>(outbox: &Outbox<DB>, nats: &str, stream: &str, batch: u32) -> f64 {
    let client = async_nats::connect(nats).await.unwrap();
    let relay = outbox.relay::<EventType, _>(
        JetStreamTarget::new(client, stream)
            .with_prefix(&stream.to_lowercase())
            .with_duplicate_window(Duration::from_secs(1)),
        RelayConfig {
            batch,
            retention: Retention::Delete,
            ..RelayConfig::default()
        },
    );
    let start = Instant::now();
    let mut relayed = 0;
    while relayed < EVENTS {
        relayed += relay.relay_once().await.unwrap();
    }
    EVENTS as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs benchmarks with `--bench` absent: skip.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let nats = nats_server::Server::start(store.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("relay throughput: {EVENTS} events, outbox -> JetStream ack (structured CloudEvents)");
    println!("{:<12} {:>6} {:>14}", "backend", "batch", "events/s");
    runtime.block_on(async {
        for batch in [32, 256, 1024] {
            let dir = tempfile::tempdir().unwrap();
            let options: sqlx::sqlite::SqliteConnectOptions = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            )
            .parse()
            .unwrap();
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal))
                .await
                .unwrap();
            let outbox = Outbox::new(pool).await.unwrap();
            prefill(&outbox).await;
            let rate = drain(&outbox, &nats.url(), &format!("SQLITE{batch}"), batch).await;
            println!("{:<12} {:>6} {:>14.0}", "sqlite", batch, rate);
        }
        if postgres::bin_dir().is_none() {
            println!("postgres     not installed: not measured");
            return;
        }
        let pg = postgres::Postgres::start();
        for batch in [32, 256, 1024] {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(8)
                .connect(&pg.url())
                .await
                .unwrap();
            sqlx::query("DROP TABLE IF EXISTS eventwire_outbox")
                .execute(&pool)
                .await
                .unwrap();
            let outbox = Outbox::new(pool).await.unwrap();
            prefill(&outbox).await;
            let rate = drain(&outbox, &nats.url(), &format!("PG{batch}"), batch).await;
            println!("{:<12} {:>6} {:>14.0}", "postgres", batch, rate);
        }
    });
}
