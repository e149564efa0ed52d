//! Against a real `nats-server` on 127.0.0.1, started and stopped by the
//! tests. Without `nats-server` on the `PATH` they are compiled as ignored
//! (see `build.rs`), so `cargo test` lists them as ignored with the reason;
//! `.ci/run` installs the server and sets `EVENTWIRE_REQUIRE_NATS=1`, which
//! makes them run, and fail if the server is missing.

use eventwire::{emit, Event, EventType, Value};
use eventwire_nats::{connect, durable, subscribe, Config, Delivery};
use futures_util::StreamExt;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
    ToolCompleted,
    PlanCreated,
}

use EventType::*;

/// A `nats-server` with JetStream on a free port, with a store of its own.
struct Server {
    port: u16,
    store: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn start(store: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut server = Server {
            port,
            store: store.to_path_buf(),
            child: None,
        };
        server.restart();
        server
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn field(event: &Event<EventType>, name: &str) -> i64 {
    match event.fields.get(name) {
        Some(Value::I64(v)) => *v,
        other => panic!("field {name}: {other:?}"),
    }
}

async fn client(url: &str) -> async_nats::Client {
    async_nats::connect(url)
        .await
        .expect("the test client connects")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn two_producers_reach_a_consumer_in_order_with_their_fields() {
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let reader = client(&server.url()).await;
    let mut events = subscribe::<EventType>(&reader, "events.>").await.unwrap();
    reader.flush().await.unwrap();

    let per_producer = 200;
    let mut producers = Vec::new();
    for producer in 0..2i64 {
        let bus = connect::<EventType>(&server.url(), Config::default())
            .await
            .unwrap();
        producers.push(tokio::task::spawn_blocking(move || {
            let shared = bus.shared();
            for n in 0..per_producer {
                emit!(ToolInvoked, bus = shared, producer, n, tool = "grep");
            }
            bus
        }));
    }
    for producer in producers {
        let bus = producer.await.unwrap();
        bus.shutdown(Duration::from_secs(10)).await.unwrap();
        assert_eq!(bus.stats().delivered, per_producer as u64);
    }
    let mut seen: Vec<Vec<i64>> = vec![Vec::new(), Vec::new()];
    while seen.iter().map(Vec::len).sum::<usize>() < 2 * per_producer as usize {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("every event arrives")
            .unwrap();
        assert_eq!(event.kind, ToolInvoked);
        assert_eq!(event.fields.get("tool"), Some(&Value::Str("grep".into())));
        seen[field(&event, "producer") as usize].push(field(&event, "n"));
    }
    for numbers in seen {
        assert_eq!(
            numbers,
            (0..per_producer).collect::<Vec<_>>(),
            "in order per producer"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn jetstream_survives_a_server_restart_without_duplicates() {
    let store = tempfile::tempdir().unwrap();
    let mut server = Server::start(store.path());
    let config = Config {
        delivery: Delivery::JetStream {
            stream: "EVENTS".into(),
        },
        ..Config::default()
    };
    let bus = connect::<EventType>(&server.url(), config).await.unwrap();
    let shared = bus.shared();
    let total = 300;
    for n in 0..total / 2 {
        emit!(PlanCreated, bus = shared, n);
    }
    bus.flush(Duration::from_secs(10)).await.unwrap();
    server.stop();
    for n in total / 2..total {
        emit!(PlanCreated, bus = shared, n);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.restart();
    bus.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_eq!(bus.stats().delivered, total as u64);
    assert_eq!(bus.stats().dropped, 0);

    let reader = client(&server.url()).await;
    let mut events = durable::<EventType>(&reader, "EVENTS", "audit", "events.plan.>")
        .await
        .unwrap();
    let mut numbers = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(3), events.next()).await {
        numbers.push(field(&event, "n"));
    }
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (0..total).collect::<Vec<_>>(),
        "all arrive, none twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn a_server_down_at_start_bounds_the_queue_then_delivery_resumes() {
    let store = tempfile::tempdir().unwrap();
    let mut server = Server::start(store.path());
    server.stop();
    let config = Config {
        delivery: Delivery::JetStream {
            stream: "LATE".into(),
        },
        capacity: 10,
        ..Config::default()
    };
    let bus = connect::<EventType>(&server.url(), config).await.unwrap();
    let shared = bus.shared();
    // Every publish returns while the server is down: all are counted, and
    // what the queue cannot hold is dropped rather than waited for.
    for n in 0..50 {
        emit!(ToolCompleted, bus = shared, n);
    }
    let stats = bus.stats();
    assert_eq!(stats.published, 50);
    // The queue holds 10 and the task holds at most one being retried.
    assert!(stats.dropped >= 39, "{stats:?}");
    server.restart();
    // The shutdown answers for the drops, and for nothing else.
    let error = bus.shutdown(Duration::from_secs(30)).await.unwrap_err();
    let stats = bus.stats();
    assert_eq!(
        (error.dropped, error.failed, error.undelivered),
        (stats.dropped, 0, 0)
    );
    assert_eq!(stats.delivered + stats.dropped, 50);
    assert_eq!(stats.queued, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn consumers_subscribe_by_event_family() {
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let reader = client(&server.url()).await;
    let mut tools = subscribe::<EventType>(&reader, "events.tool.>")
        .await
        .unwrap();
    reader.flush().await.unwrap();
    let bus = connect::<EventType>(&server.url(), Config::default())
        .await
        .unwrap();
    let shared = bus.shared();
    emit!(PlanCreated, bus = shared);
    emit!(ToolInvoked, bus = shared);
    emit!(PlanCreated, bus = shared);
    emit!(ToolCompleted, bus = shared);
    bus.shutdown(Duration::from_secs(10)).await.unwrap();
    let mut kinds = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(2), tools.next()).await {
        kinds.push(event.kind);
    }
    assert_eq!(kinds, [ToolInvoked, ToolCompleted]);
}
