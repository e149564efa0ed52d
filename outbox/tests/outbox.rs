//! The outbox against real servers: SQLite files, a PostgreSQL server and
//! a `nats-server` with JetStream, started by the tests on free ports with
//! directories of their own and stopped by process id. Without the servers
//! the tests that need them are compiled as ignored, with the reason (see
//! `build.rs`); `.ci/run` installs them and requires them.

#![cfg(all(feature = "sqlite", feature = "postgres", feature = "nats"))]

#[path = "../../nats/tests/support/nats_server.rs"]
mod nats_server;
#[path = "support/postgres.rs"]
mod postgres;

use eventwire::{emits, Event, EventType, Phase, Recorder, Value};
use eventwire_outbox::{
    BusTarget, JetStreamTarget, Outbox, OutboxTx, RelayConfig, Retention, Target,
};
use futures_util::StreamExt;
use nats_server::Server;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    StoreStarted,
    Stored,
    #[event(on = err)]
    StoreFailed,
}

use EventType::*;

/// The service function of each backend: stores `n`, and fails (after
/// writing) when `n` is negative. Written once, by a macro, as a service
/// generating its annotated functions would.
macro_rules! store {
    ($name:ident, $db:ty, $insert:literal) => {
        #[emits(StoreStarted, Stored, StoreFailed, bus = tx, fields(n))]
        async fn $name(tx: &mut OutboxTx<'_, $db, EventType>, n: i64) -> Result<(), String> {
            sqlx::query($insert)
                .bind(n)
                .execute(tx.conn())
                .await
                .map_err(|e| e.to_string())?;
            if n < 0 {
                return Err(format!("{n} is negative"));
            }
            Ok(())
        }
    };
}

store!(
    store_sqlite,
    sqlx::Sqlite,
    "INSERT INTO items (n) VALUES (?)"
);
store!(
    store_postgres,
    sqlx::Postgres,
    "INSERT INTO items (n) VALUES ($1)"
);

/// A deterministic coin: which transactions roll back.
fn coin(n: u64) -> bool {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1_e995;
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (x >> 31) & 1 == 1
}

fn n_of(event: &Event<EventType>) -> i64 {
    match event.fields.get("n") {
        Some(Value::I64(n)) => *n,
        other => panic!("field n: {other:?}"),
    }
}

async fn sqlite(dir: &std::path::Path) -> Outbox<sqlx::Sqlite> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(
            options
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS items (n INTEGER NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    Outbox::new(pool).await.unwrap()
}

async fn postgres(server: &postgres::Postgres) -> Outbox<sqlx::Postgres> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(20)
        .connect(&server.url())
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS items (n BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    Outbox::new(pool).await.unwrap()
}

/// Every event a durable JetStream consumer reads, until `expected` came
/// and nothing more within a second.
async fn consume(url: &str, expected: usize) -> Vec<Event<EventType>> {
    let client = async_nats::connect(url).await.unwrap();
    // The relay creates the stream when it first publishes.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut events = loop {
        match eventwire_nats::durable::<EventType>(&client, "OUTBOX", "reader", "events.>").await {
            Ok(events) => break events,
            Err(e) => assert!(std::time::Instant::now() < deadline, "{e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut got = Vec::new();
    loop {
        let wait = if got.len() >= expected {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(30)
        };
        match tokio::time::timeout(wait, events.next()).await {
            Ok(Some(event)) => got.push(event),
            Ok(None) | Err(_) => return got,
        }
    }
}

/// The `n`s of `events`, checking none came twice.
fn once_each(events: &[Event<EventType>]) -> BTreeSet<i64> {
    let ns: Vec<i64> = events.iter().map(n_of).collect();
    let set: BTreeSet<i64> = ns.iter().copied().collect();
    assert_eq!(set.len(), ns.len(), "an event came twice");
    let ids: BTreeSet<String> = events.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids.len(), events.len(), "an id came twice");
    set
}

fn config() -> RelayConfig {
    RelayConfig {
        lease: Duration::from_secs(1),
        poll: Duration::from_millis(20),
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..RelayConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs this test"
)]
async fn sqlite_of_1000_transactions_exactly_the_committed_half_reaches_jetstream() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let outbox = sqlite(dir.path()).await;
    let mut committed = BTreeSet::new();
    for n in 0..1000_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        assert_eq!(tx.staged(), 2, "entry and ok, held");
        if coin(n as u64) {
            tx.commit().await.unwrap();
            committed.insert(n);
        } else {
            tx.rollback().await.unwrap();
        }
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(outbox.pool())
        .await
        .unwrap();
    assert_eq!(rows as usize, committed.len());
    assert!((400..600).contains(&committed.len()), "{}", committed.len());

    let client = async_nats::connect(server.url()).await.unwrap();
    let relay = outbox.relay::<EventType, _>(JetStreamTarget::new(client, "OUTBOX"), config());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        relay
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    let events = consume(&server.url(), 2 * committed.len()).await;
    let _ = stop.send(());
    running.await.unwrap();

    let stored: Vec<Event<EventType>> = events
        .iter()
        .filter(|e| e.kind == Stored)
        .cloned()
        .collect();
    assert_eq!(once_each(&stored), committed);
    let started: Vec<Event<EventType>> = events
        .iter()
        .filter(|e| e.kind == StoreStarted)
        .cloned()
        .collect();
    assert_eq!(once_each(&started), committed);
    assert_eq!(events.len(), 2 * committed.len());
    let stats = outbox.stats().await.unwrap();
    assert_eq!(stats.written, 2 * committed.len() as u64);
    assert_eq!(stats.rolled_back, 2 * (1000 - committed.len()) as u64);
    assert_eq!(stats.relayed, 2 * committed.len() as u64);
    assert_eq!((stats.unsent, stats.failed), (0, 0));
    assert_eq!(stats.oldest_unsent_age, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(nats_server, postgres_server)),
    ignore = "needs nats-server and PostgreSQL: `apt-get install nats-server postgresql` runs this test"
)]
async fn postgres_two_relays_publish_each_committed_event_once_and_skip_none() {
    let pg = postgres::Postgres::start();
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let outbox = postgres(&pg).await;
    let mut committed = BTreeSet::new();
    for n in 0..1000_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_postgres(&mut tx, n).await.unwrap();
        if coin(n as u64) {
            tx.commit().await.unwrap();
            committed.insert(n);
        } else {
            tx.rollback().await.unwrap();
        }
    }
    // Two relays at once, each counting what it published.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut relays = Vec::new();
    let mut recorders = Vec::new();
    for i in 0..2 {
        let recorder = Recorder::<EventType>::new();
        recorders.push(recorder.clone());
        let client = async_nats::connect(server.url()).await.unwrap();
        let target = Both(
            JetStreamTarget::new(client, "OUTBOX"),
            BusTarget(recorder.bus()),
        );
        let relay = outbox.relay(
            target,
            RelayConfig {
                name: format!("relay-{i}"),
                batch: 16,
                ..config()
            },
        );
        let mut stopped = stopped.clone();
        relays.push(tokio::spawn(async move {
            relay
                .run(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        }));
    }
    let events = consume(&server.url(), 2 * committed.len()).await;
    let _ = stop.send(true);
    for relay in relays {
        relay.await.unwrap();
    }
    let stored: Vec<Event<EventType>> = events
        .iter()
        .filter(|e| e.kind == Stored)
        .cloned()
        .collect();
    assert_eq!(once_each(&stored), committed);
    // In the order committed (one writer here), as the consumer sees them.
    let order: Vec<i64> = stored.iter().map(n_of).collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "out of order: {order:?}"
    );
    // No row was published twice, by either relay: not merely deduplicated.
    let mut published: Vec<Event<EventType>> = Vec::new();
    for recorder in &recorders {
        published.extend(recorder.events());
    }
    assert_eq!(published.len(), 2 * committed.len());
    let stored: Vec<Event<EventType>> = published
        .iter()
        .filter(|e| e.kind == Stored)
        .cloned()
        .collect();
    assert_eq!(once_each(&stored), committed);
    assert!(
        recorders.iter().all(|r| !r.events().is_empty()),
        "both relays worked: {:?}",
        recorders
            .iter()
            .map(|r| r.events().len())
            .collect::<Vec<_>>()
    );
    // Per key (the subject), in the order written.
    for recorder in &recorders {
        let ns: Vec<i64> = recorder.of(Stored).iter().map(n_of).collect();
        assert!(ns.windows(2).all(|w| w[0] < w[1]), "in order: {ns:?}");
    }
    let stats = outbox.stats().await.unwrap();
    assert_eq!(
        (stats.unsent, stats.relayed),
        (0, 2 * committed.len() as u64)
    );
}

/// Publishes to two targets: the first's acknowledgement counts.
struct Both<A, B>(A, B);

impl<A: eventwire_outbox::Target<EventType>, B: eventwire_outbox::Target<EventType>>
    eventwire_outbox::Target<EventType> for Both<A, B>
{
    fn send<'a>(
        &'a self,
        events: &'a [Event<EventType>],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = eventwire_outbox::Sent> + Send + 'a>>
    {
        Box::pin(async move {
            let (acknowledged, error) = self.0.send(events).await;
            let _ = self.1.send(&events[..acknowledged]).await;
            (acknowledged, error)
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs this test"
)]
async fn with_the_broker_down_rows_wait_and_all_arrive_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut server = Server::start(store.path());
    let outbox = sqlite(dir.path()).await;
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(server.url())
        .await
        .unwrap();
    let relay = outbox.relay::<EventType, _>(JetStreamTarget::new(client, "OUTBOX"), config());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        relay
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    server.stop();
    for n in 0..100_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        tx.commit().await.unwrap();
    }
    // The relay tries, fails and backs off; nothing is marked sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stats = outbox.stats().await.unwrap();
        if stats.retried > 0 {
            assert_eq!(stats.unsent, 200);
            assert!(stats.oldest_unsent_age.is_some());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no retry counted: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.restart();
    let events = consume(&server.url(), 200).await;
    let _ = stop.send(());
    running.await.unwrap();
    let stored: Vec<Event<EventType>> = events
        .iter()
        .filter(|e| e.kind == Stored)
        .cloned()
        .collect();
    assert_eq!(once_each(&stored), (0..100).collect());
    assert_eq!(events.len(), 200);
    assert_eq!(outbox.stats().await.unwrap().unsent, 0);
}

/// The relay process of the crash test (run by it, not on its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the relay process the crash test runs and kills; not a test on its own"]
async fn crash_test_relay_process() {
    let Ok(dir) = std::env::var("OUTBOX_CRASH_DIR") else {
        return;
    };
    let url = std::env::var("OUTBOX_CRASH_NATS").unwrap();
    let outbox = sqlite(std::path::Path::new(&dir)).await;
    let client = async_nats::connect(url).await.unwrap();
    let relay = outbox.relay::<EventType, _>(
        JetStreamTarget::new(client, "OUTBOX"),
        RelayConfig {
            abort_after_publish: true,
            ..config()
        },
    );
    let _ = relay.relay_once().await;
    unreachable!("the relay aborts after publishing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs this test"
)]
async fn a_relay_killed_between_publishing_and_marking_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let outbox = sqlite(dir.path()).await;
    for n in 0..50_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        tx.commit().await.unwrap();
    }
    // A relay process publishes the batch and dies before marking it.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_test_relay_process",
            "--nocapture",
        ])
        .env("OUTBOX_CRASH_DIR", dir.path())
        .env("OUTBOX_CRASH_NATS", server.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "the relay process was killed: {status:?}"
    );
    let stats = outbox.stats().await.unwrap();
    assert_eq!(stats.unsent, 100, "nothing was marked sent");
    // And it did publish them: the stream holds the batch already.
    let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut stream = js.get_stream("OUTBOX").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 100);
    // Its successor takes over once the dead relay's lease expires, and
    // publishes them all again; JetStream drops the copies.
    let client = async_nats::connect(server.url()).await.unwrap();
    let relay = outbox.relay::<EventType, _>(JetStreamTarget::new(client, "OUTBOX"), config());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while outbox.stats().await.unwrap().unsent > 0 {
        assert!(std::time::Instant::now() < deadline, "not taken over");
        if relay.relay_once().await.unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let events = consume(&server.url(), 100).await;
    let stored: Vec<Event<EventType>> = events
        .iter()
        .filter(|e| e.kind == Stored)
        .cloned()
        .collect();
    assert_eq!(once_each(&stored), (0..50).collect());
    assert_eq!(events.len(), 100);
}

#[tokio::test]
async fn attempts_go_live_and_facts_wait_for_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let live = Recorder::<EventType>::new();
    // A failure after the write: `entry` and `err` go live at once; the
    // caller rolls back; nothing is in the outbox.
    let mut tx = outbox.begin_with_live(live.bus()).await.unwrap();
    assert!(store_sqlite(&mut tx, -1).await.is_err());
    assert_eq!(live.kinds(), [StoreStarted, StoreFailed]);
    assert_eq!(tx.staged(), 0);
    tx.rollback().await.unwrap();
    // A success: `entry` live, `ok` with the commit.
    let mut tx = outbox.begin_with_live(live.bus()).await.unwrap();
    store_sqlite(&mut tx, 5).await.unwrap();
    assert_eq!(tx.staged(), 1);
    tx.commit().await.unwrap();
    // A transaction dropped without a commit: its events are gone, counted.
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    store_sqlite(&mut tx, 6).await.unwrap();
    drop(tx);
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.written, stats.rolled_back, stats.unsent), (1, 2, 1));

    let relayed = Recorder::<EventType>::new();
    let relay = outbox.relay(BusTarget(relayed.bus()), config());
    assert_eq!(relay.relay_once().await.unwrap(), 1);
    assert_eq!(relay.relay_once().await.unwrap(), 0);
    let events = relayed.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind, events[0].phase, n_of(&events[0])),
        (Stored, Phase::Ok, 5)
    );
    let items: Vec<i64> = sqlx::query_scalar("SELECT n FROM items")
        .fetch_all(outbox.pool())
        .await
        .unwrap();
    assert_eq!(items, [5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_standbys_take_over_a_dead_relay_without_publishing_a_row_twice() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    for n in 0..300_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        tx.commit().await.unwrap();
    }
    let recorders: Vec<Recorder<EventType>> = (0..3).map(|_| Recorder::new()).collect();
    let relay = |i: usize| {
        outbox.relay(
            BusTarget(recorders[i].bus()),
            RelayConfig {
                name: format!("relay-{i}"),
                batch: 8,
                retention: Retention::Delete,
                ..config()
            },
        )
    };
    // The first relay takes the lease, relays one batch and dies without
    // releasing it.
    assert_eq!(relay(0).relay_once().await.unwrap(), 8);
    // Two standbys poll until all is relayed: one takes over when the
    // lease expires; the other stands by.
    let mut tasks = Vec::new();
    for i in 1..3 {
        let relay = relay(i);
        let outbox = outbox.clone();
        tasks.push(tokio::spawn(async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while outbox.stats().await.unwrap().unsent > 0 {
                assert!(std::time::Instant::now() < deadline, "not taken over");
                if relay.relay_once().await.unwrap() == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut all = Vec::new();
    for recorder in &recorders {
        all.extend(recorder.of(Stored));
    }
    assert_eq!(once_each(&all), (0..300).collect());
    assert_eq!(recorders[0].events().len(), 8);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM eventwire_outbox")
        .fetch_one(outbox.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "deleted once relayed");
}

#[tokio::test]
async fn a_row_that_is_not_an_event_is_parked_counted_and_holds_back_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    sqlx::query(
        "INSERT INTO eventwire_outbox (id, name, partition, payload, created_at) VALUES ('x', 'nope', 0, '{', 0)",
    )
    .execute(outbox.pool())
    .await
    .unwrap();
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    store_sqlite(&mut tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    let relayed = Recorder::<EventType>::new();
    let relay = outbox.relay(BusTarget(relayed.bus()), config());
    while relay.relay_once().await.unwrap() > 0 {}
    assert_eq!(relayed.count(Stored), 1);
    // Never marked sent: still unsent, parked, counted once.
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.failed, stats.unsent, stats.parked), (1, 1, 1));
    while relay.relay_once().await.unwrap() > 0 {}
    assert_eq!(outbox.stats().await.unwrap().failed, 1);
    // Returned to the relays, it is tried again (and parked again here).
    assert_eq!(outbox.unpark().await.unwrap(), 1);
    let _ = relay.relay_once().await;
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.failed, stats.parked), (2, 1));
}

/// A `commit` dropped before it completes (a request cancelled while its
/// transaction commits, a timeout) counts its events: rolled back (or, if
/// it completed, written), never lost without a counter, at whichever of
/// its awaits it is dropped.
#[tokio::test]
async fn a_commit_dropped_at_any_await_counts_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let mut completed_at = None;
    for polls in 0..50 {
        let before = outbox.stats().await.unwrap();
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, 1).await.unwrap();
        let staged = tx.staged() as u64;
        assert_eq!(staged, 2);
        use std::future::Future;
        let mut commit = Box::pin(tx.commit());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut done = false;
        for _ in 0..polls {
            if commit.as_mut().poll(&mut cx).is_ready() {
                done = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(commit);
        let after = outbox.stats().await.unwrap();
        let counted = (after.written - before.written) + (after.rolled_back - before.rolled_back);
        assert_eq!(
            counted, staged,
            "dropped after {polls} polls: {before:?} -> {after:?}"
        );
        if done {
            assert_eq!(after.written - before.written, staged);
            completed_at = Some(polls);
            break;
        }
    }
    assert!(
        completed_at.is_some(),
        "the commit completed within 50 polls"
    );
}

/// Stores `n` and commits its own transaction, inside the call.
#[emits(Stored, bus = tx, fields(n))]
async fn store_and_commit(
    mut tx: OutboxTx<'static, sqlx::Sqlite, EventType>,
    n: i64,
) -> Result<(), eventwire_outbox::Error> {
    sqlx::query("INSERT INTO items (n) VALUES (?)")
        .bind(n)
        .execute(tx.conn())
        .await
        .map_err(eventwire_outbox::Error::Database)?;
    tx.commit().await.map(|_| ())
}

#[tokio::test]
async fn a_commit_inside_the_call_is_refused_and_late_events_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let tx = outbox.begin::<EventType>().await.unwrap();
    // Its `ok` event would come after the commit: refused, rolled back.
    let error = store_and_commit(tx, 1).await.unwrap_err();
    assert!(
        matches!(error, eventwire_outbox::Error::CallsRunning),
        "{error}"
    );
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(outbox.pool())
        .await
        .unwrap();
    assert_eq!(items, 0);
    // An event published to a transaction after its commit is not written,
    // and says so.
    let tx = outbox.begin::<EventType>().await.unwrap();
    let bus = eventwire::HasBus::<EventType>::event_bus(&tx)
        .unwrap()
        .clone();
    let late = Event::new(
        Stored,
        Phase::Ok,
        eventwire::Site {
            function: "late".into(),
            path: "late".into(),
            file: "tests/outbox.rs".into(),
            line: 1,
            column: 1,
        },
    );
    // The handle held here is a running call: commit refuses while it lives.
    drop(bus.clone());
    let bus_for_later = bus;
    let stats_before = outbox.stats().await.unwrap();
    let error = tx.commit().await.unwrap_err();
    assert!(matches!(error, eventwire_outbox::Error::CallsRunning));
    assert!(bus_for_later.publish(late).is_err());
    let stats = outbox.stats().await.unwrap();
    assert_eq!(stats.late, stats_before.late + 1);
    assert_eq!(stats.unsent, 0);
}

/// Counts one more on the aggregate row; its `ok` event carries the count.
#[emits(Stored, bus = tx, ret(n = ret.as_ref().map_or(-1, |v| *v)))]
async fn count_up(tx: &mut OutboxTx<'_, sqlx::Postgres, EventType>) -> Result<i64, String> {
    sqlx::query_scalar("UPDATE counter SET v = v + 1 WHERE id = 1 RETURNING v")
        .fetch_one(tx.conn())
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(nats_server, postgres_server)),
    ignore = "needs nats-server and PostgreSQL: `apt-get install nats-server postgresql` runs this test"
)]
async fn concurrent_writers_of_one_aggregate_are_relayed_in_commit_order() {
    let pg = postgres::Postgres::start();
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let outbox = postgres(&pg).await;
    sqlx::query("CREATE TABLE counter (id INT PRIMARY KEY, v BIGINT NOT NULL)")
        .execute(outbox.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO counter VALUES (1, 0)")
        .execute(outbox.pool())
        .await
        .unwrap();
    // Two relays run while four writers commit: the relays see rows as
    // they commit, not after the fact.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut relays = Vec::new();
    for i in 0..2 {
        let client = async_nats::connect(server.url()).await.unwrap();
        let relay = outbox.relay::<EventType, _>(
            JetStreamTarget::new(client, "OUTBOX"),
            RelayConfig {
                name: format!("relay-{i}"),
                batch: 4,
                ..config()
            },
        );
        let mut stopped = stopped.clone();
        relays.push(tokio::spawn(async move {
            relay
                .run(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        }));
    }
    let mut writers = Vec::new();
    for _ in 0..4 {
        let outbox = outbox.clone();
        writers.push(tokio::spawn(async move {
            for _ in 0..50 {
                let mut tx = outbox.begin::<EventType>().await.unwrap();
                count_up(&mut tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let events = consume(&server.url(), 200).await;
    let _ = stop.send(true);
    for relay in relays {
        relay.await.unwrap();
    }
    assert_eq!(events.len(), 200);
    let ids: BTreeSet<String> = events.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids.len(), 200);
    // The writers serialize on the aggregate's row, so the counts are the
    // commit order: the consumer sees them rise one by one.
    let counts: Vec<i64> = events.iter().map(n_of).collect();
    assert_eq!(counts, (1..=200).collect::<Vec<i64>>());
}

/// A queued bus that drops an event (its queue full) has not taken it: the
/// relay keeps the row unsent and relays it again, so nothing committed is
/// lost behind a `BusTarget`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_a_full_queued_bus_dropped_stay_unsent_and_are_relayed_again() {
    rows_dropped_behind(|queue| queue).await;
}

/// The same behind a `Broadcast`, as the example relays: one bus of it
/// that dropped the event makes it not taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_a_full_queued_bus_behind_a_broadcast_dropped_stay_unsent() {
    let other = Recorder::<EventType>::new();
    rows_dropped_behind(move |queue| {
        eventwire::buses::Broadcast::new([other.bus(), queue]).shared()
    })
    .await;
}

async fn rows_dropped_behind(
    wrap: impl FnOnce(eventwire::SharedBus<EventType>) -> eventwire::SharedBus<EventType>,
) {
    use eventwire::buses::BackgroundBus;
    use std::sync::{Arc, Condvar, Mutex};

    /// Holds the worker at the gate until opened; then records.
    struct Gate {
        open: Arc<(Mutex<bool>, Condvar)>,
        seen: Recorder<EventType>,
    }
    impl eventwire::Bus<EventType> for Gate {
        fn publish(&self, event: Event<EventType>) -> Result<(), eventwire::BusError> {
            let (lock, ready) = &*self.open;
            let mut open = lock.lock().unwrap();
            while !*open {
                open = ready.wait(open).unwrap();
            }
            drop(open);
            self.seen.bus().publish(event)
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    for n in 0..5_i64 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(outbox.stats().await.unwrap().unsent, 10);
    let open = Arc::new((Mutex::new(false), Condvar::new()));
    let seen = Recorder::<EventType>::new();
    let queue = BackgroundBus::builder().capacity(2).build(Gate {
        open: Arc::clone(&open),
        seen: seen.clone(),
    });
    let relay = outbox.relay(
        BusTarget(wrap(queue.shared())),
        RelayConfig {
            batch: 10,
            ..config()
        },
    );
    // The worker holds one event at the gate, the queue two: the rest of
    // the batch is dropped, and stays unsent.
    let first = relay.relay_once().await;
    let unsent = outbox.stats().await.unwrap().unsent;
    assert!(
        (7..=8).contains(&unsent),
        "only what the queue took is marked sent: {first:?}, {unsent} unsent"
    );
    {
        let (lock, ready) = &*open;
        *lock.lock().unwrap() = true;
        ready.notify_all();
    }
    for _ in 0..100 {
        let _ = relay.relay_once().await;
        queue.flush(Duration::from_secs(10)).ok();
        if outbox.stats().await.unwrap().unsent == 0 {
            break;
        }
    }
    assert_eq!(outbox.stats().await.unwrap().unsent, 0);
    let mut ids: Vec<_> = seen.events().iter().map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        10,
        "every committed event reached the bus's target"
    );
}

/// A bus or a target that panics is code the relay does not own: the panic
/// is counted and reported, the rows stay unsent, and the relay goes on.
#[tokio::test]
async fn a_panicking_bus_or_target_never_kills_the_relay() {
    use std::future::Future;
    use std::pin::Pin;

    struct Boom;
    impl eventwire::Bus<EventType> for Boom {
        fn publish(&self, _: Event<EventType>) -> Result<(), eventwire::BusError> {
            panic!("bus exploded")
        }
    }
    struct Exploding;
    impl Target<EventType> for Exploding {
        fn send<'a>(
            &'a self,
            _: &'a [Event<EventType>],
        ) -> Pin<Box<dyn Future<Output = eventwire_outbox::Sent> + Send + 'a>> {
            Box::pin(async {
                tokio::task::yield_now().await;
                panic!("target exploded")
            })
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    store_sqlite(&mut tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    let before = eventwire::stats().panics;
    let relay = outbox.relay(BusTarget(std::sync::Arc::new(Boom)), config());
    let error = relay.relay_once().await.unwrap_err().to_string();
    assert!(error.contains("the bus panicked: bus exploded"), "{error}");
    relay.release().await.unwrap();
    let relay = outbox.relay(Exploding, config());
    let error = relay.relay_once().await.unwrap_err().to_string();
    assert!(
        error.contains("the target panicked: target exploded"),
        "{error}"
    );
    relay.release().await.unwrap();
    assert!(eventwire::stats().panics >= before + 2);
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.unsent, stats.relayed, stats.retried), (2, 0, 4));
    // A relay that can publish takes them afterwards.
    let seen = Recorder::<EventType>::new();
    let relay = outbox.relay(BusTarget(seen.bus()), config());
    assert_eq!(relay.relay_once().await.unwrap(), 2);
    assert_eq!(seen.events().len(), 2);
}

/// Publishes the target acknowledged are counted as relayed even when
/// marking them fails (they are published again, and counted again).
#[tokio::test]
async fn acknowledged_publishes_are_counted_when_marking_them_fails() {
    use std::future::Future;
    use std::pin::Pin;

    /// Acknowledges, then takes the outbox's table away.
    struct Vandal {
        pool: sqlx::SqlitePool,
        seen: Recorder<EventType>,
    }
    impl Target<EventType> for Vandal {
        fn send<'a>(
            &'a self,
            events: &'a [Event<EventType>],
        ) -> Pin<Box<dyn Future<Output = eventwire_outbox::Sent> + Send + 'a>> {
            Box::pin(async move {
                for event in events {
                    self.seen.bus().publish(event.clone()).unwrap();
                }
                let rename = format!(
                    "ALTER TABLE {} RENAME TO vandalised",
                    eventwire_outbox::TABLE
                );
                sqlx::query(&rename).execute(&self.pool).await.unwrap();
                (events.len(), None)
            })
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    store_sqlite(&mut tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    let seen = Recorder::<EventType>::new();
    let relay = outbox.relay(
        Vandal {
            pool: outbox.pool().clone(),
            seen: seen.clone(),
        },
        config(),
    );
    assert!(relay.relay_once().await.is_err(), "marking failed");
    assert_eq!(seen.events().len(), 2);
    let rename = format!(
        "ALTER TABLE vandalised RENAME TO {}",
        eventwire_outbox::TABLE
    );
    sqlx::query(&rename).execute(outbox.pool()).await.unwrap();
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.relayed, stats.unsent), (2, 2), "{stats:?}");
}

/// An event JetStream can never take (larger than the server's
/// `max_payload`) is parked, counted as failed and reported, and holds
/// back nothing committed after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs this test"
)]
async fn an_event_jetstream_can_never_take_is_parked_and_holds_back_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let outbox = sqlite(dir.path()).await;
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    eventwire::emit!(Stored, bus = tx, blob = "x".repeat(2 << 20));
    store_sqlite(&mut tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    let client = async_nats::connect(server.url()).await.unwrap();
    let relay = outbox.relay::<EventType, _>(JetStreamTarget::new(client, "OUTBOX"), config());
    // Relays all there is: a parked row counts as one dealt with.
    while relay.relay_once().await.unwrap() > 0 {}
    let stats = outbox.stats().await.unwrap();
    assert_eq!(
        (stats.failed, stats.parked, stats.unsent, stats.relayed),
        (1, 1, 1, 2),
        "{stats:?}"
    );
    let events = consume(&server.url(), 2).await;
    let kinds: Vec<EventType> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [StoreStarted, Stored]);
    assert!(events.iter().all(|e| e.fields.get("blob").is_none()));
}

/// Relays all there is through `BusTarget(bus)`; then the outbox's
/// `(relayed, failed, parked, unsent)`, and its stats.
async fn relay_all_to(
    outbox: &Outbox<sqlx::Sqlite>,
    bus: eventwire::SharedBus<EventType>,
) -> ((u64, u64, u64, u64), eventwire_outbox::Stats) {
    let relay = outbox.relay(BusTarget(bus), config());
    while relay.relay_once().await.unwrap() > 0 {}
    let stats = outbox.stats().await.unwrap();
    let counts = (stats.relayed, stats.failed, stats.parked, stats.unsent);
    (counts, stats)
}

/// A bus behind a `Broadcast` that can never take an event makes the row
/// parked, not retried forever; the other bus got it once.
#[tokio::test]
async fn a_permanent_refusal_behind_a_broadcast_parks_the_row() {
    struct Refuser;
    impl eventwire::Bus<EventType> for Refuser {
        fn publish(&self, event: Event<EventType>) -> Result<(), eventwire::BusError> {
            if event.kind == Stored {
                Err(eventwire::BusError::new("too large for this bus").permanent())
            } else {
                Ok(())
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    for n in 0..2 {
        let mut tx = outbox.begin::<EventType>().await.unwrap();
        store_sqlite(&mut tx, n).await.unwrap();
        tx.commit().await.unwrap();
    }
    let seen = Recorder::<EventType>::new();
    let broadcast =
        eventwire::buses::Broadcast::new([seen.bus(), std::sync::Arc::new(Refuser)]).shared();
    let (counts, stats) = relay_all_to(&outbox, broadcast).await;
    assert_eq!(counts, (2, 2, 2, 2), "{stats:?}");
    assert_eq!(
        seen.events().len(),
        4,
        "each event reached the other bus once"
    );
}

/// A kind the bus declines (a `Filtered` bus) is taken and kept by
/// nothing, as from an emission site: the row is marked sent (documented),
/// and the bus received only what it keeps.
#[tokio::test]
async fn a_kind_the_bus_declines_is_taken_and_kept_by_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = sqlite(dir.path()).await;
    let mut tx = outbox.begin::<EventType>().await.unwrap();
    store_sqlite(&mut tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    let seen = Recorder::<EventType>::new();
    let only_stored = eventwire::buses::Filtered::new(seen.bus(), |kind| kind == Stored).shared();
    let (counts, stats) = relay_all_to(&outbox, only_stored).await;
    assert_eq!(counts, (2, 0, 0, 0), "{stats:?}");
    let kinds: Vec<EventType> = seen.events().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Stored]);
}

/// Every default relay configuration has a name of its own (two relays
/// sharing a name share the SQLite lease), also made in a tight loop on a
/// clock coarser than a nanosecond.
#[test]
fn default_relay_names_are_all_different() {
    let names: BTreeSet<String> = (0..10_000).map(|_| RelayConfig::default().name).collect();
    assert_eq!(names.len(), 10_000);
}
