//! Against a real `nats-server` on 127.0.0.1, started and stopped by the
//! tests. Without `nats-server` on the `PATH` they are compiled as ignored
//! (see `build.rs`), so `cargo test` lists them as ignored with the reason;
//! `.ci/run` installs the server and sets `EVENTWIRE_REQUIRE_NATS=1`, which
//! makes them run, and fail if the server is missing.

use eventwire::{emit, Event, EventType, Value};
use eventwire_nats::{connect, durable, subscribe, Config, Delivery};
use futures_util::StreamExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
    ToolCompleted,
    PlanCreated,
}

use EventType::*;

#[path = "support/nats_server.rs"]
mod nats_server;
use nats_server::Server;

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

/// An existing stream that does not hold the bus's subjects takes no
/// event: the bus says so through the failure hook, once, naming the
/// stream and what it holds, rather than retrying in silence. A stream
/// name the server would refuse is refused at `connect`.
/// A durable stream of events whose consumer is deleted while it is read
/// says so through the failure hook, once, rather than going quiet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn a_durable_consumer_deleted_while_read_is_reported() {
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&reports);
    eventwire::set_failure_hook(move |failure| {
        let text = failure.to_string();
        if text.contains("the durable consumer vanishing") {
            sink.lock().unwrap().push(text);
        }
    });
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let config = Config {
        delivery: Delivery::JetStream {
            stream: "EVENTS".into(),
        },
        ..Config::default()
    };
    let bus = connect::<EventType>(&server.url(), config).await.unwrap();
    emit!(PlanCreated, bus = bus.shared(), n = 1_i64);
    bus.flush(Duration::from_secs(10)).await.unwrap();
    let reader = client(&server.url()).await;
    let mut events = durable::<EventType>(&reader, "EVENTS", "vanishing", "events.plan.>")
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), events.next()).await;
    assert!(matches!(first, Ok(Some(_))), "the stored event is read");
    async_nats::jetstream::new(reader.clone())
        .get_stream("EVENTS")
        .await
        .unwrap()
        .delete_consumer("vanishing")
        .await
        .unwrap();
    // Nothing more to read: the stream keeps trying, and reports why.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while reports.lock().unwrap().is_empty() && tokio::time::Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(500), events.next()).await;
    }
    eventwire::reset_failure_hook();
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "reported once: {reports:?}");
    assert!(reports[0].contains("reading it failed"), "{}", reports[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn a_stream_that_cannot_take_the_events_is_reported_not_retried_in_silence() {
    let bad = Config {
        delivery: Delivery::JetStream {
            stream: "orders.events".into(),
        },
        ..Config::default()
    };
    let refused = connect::<EventType>("nats://127.0.0.1:1", bad).await;
    assert!(
        refused.is_err_and(|e| e.to_string().contains("not a JetStream stream name")),
        "a dotted name is refused before anything is sent"
    );

    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let js = async_nats::jetstream::new(client(&server.url()).await);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "ELSEWHERE".into(),
        subjects: vec!["other.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = reports.clone();
    eventwire::set_failure_hook(move |f| sink.lock().unwrap().push(f.to_string()));
    let config = Config {
        delivery: Delivery::JetStream {
            stream: "ELSEWHERE".into(),
        },
        // Its own prefix: other tests' reports reach the same hook.
        prefix: "unheld".into(),
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        ..Config::default()
    };
    let bus = connect::<EventType>(&server.url(), config).await.unwrap();
    let shared = bus.shared();
    emit!(ToolCompleted, bus = shared, n = 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let seen = |needle: &str| {
        reports
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(needle))
            .count()
    };
    let publish_failed = |seen: &dyn Fn(&str) -> usize| {
        seen("did not acknowledge an event on unheld.")
            + seen("cannot publish an event to JetStream on unheld.")
    };
    while (seen("ELSEWHERE holds") == 0 || publish_failed(&seen) == 0)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Retried many times by now; each failure reported once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    eventwire::reset_failure_hook();
    let all = reports.lock().unwrap().clone();
    assert_eq!(seen("ELSEWHERE holds"), 1, "{all:#?}");
    assert_eq!(
        publish_failed(&seen),
        1,
        "a failure that persists is reported once: {all:#?}"
    );
    let error = bus.shutdown(Duration::from_millis(200)).await.unwrap_err();
    assert_eq!(error.undelivered, 1, "{error:?}");
}

/// An event larger than the server's `max_payload` can never be published:
/// it is dropped at once, counted and reported, and the events after it
/// are delivered, on JetStream and on core NATS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn an_event_too_large_for_the_server_is_dropped_not_retried_forever() {
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    for delivery in [
        Delivery::JetStream {
            stream: "LARGE".into(),
        },
        Delivery::Core,
    ] {
        let config = Config {
            delivery,
            prefix: "large".into(),
            ..Config::default()
        };
        let mut consumer = subscribe::<EventType>(&client(&server.url()).await, "large.>")
            .await
            .unwrap();
        let bus = connect::<EventType>(&server.url(), config).await.unwrap();
        let shared = bus.shared();
        emit!(ToolCompleted, bus = shared, blob = "x".repeat(2 << 20));
        for n in 0..3 {
            emit!(ToolCompleted, bus = shared, n);
        }
        let error = bus.shutdown(Duration::from_secs(10)).await;
        let stats = bus.stats();
        assert_eq!(
            (stats.failed, stats.delivered),
            (1, 3),
            "{stats:?} {error:?}"
        );
        let mut got = Vec::new();
        while got.len() < 3 {
            let next = tokio::time::timeout(Duration::from_secs(5), consumer.next())
                .await
                .expect("the small events arrive");
            got.push(field(&next.unwrap(), "n"));
        }
        assert_eq!(got, [0, 1, 2]);
    }
}

/// Core NATS judges an event's size by the server's `max_payload`, also
/// for events published before the client first reached the server (the
/// client knows the limit only then; until then the events wait in the
/// bus's queue): an event the server takes is delivered, one larger than
/// it takes is dropped, counted failed, and the events after it arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn core_nats_judges_size_by_the_servers_limit_also_before_it_connects() {
    // (server limit, size of the first event, whether it can be published)
    for (limit, size, fits) in [("8MB", 2 << 20, true), ("512KB", 700 << 10, false)] {
        let store = tempfile::tempdir().unwrap();
        let mut server = Server::start_with(store.path(), Some(&format!("max_payload: {limit}\n")));
        server.stop();
        let config = Config {
            delivery: Delivery::Core,
            prefix: "sized".into(),
            ..Config::default()
        };
        let bus = connect::<EventType>(&server.url(), config).await.unwrap();
        let shared = bus.shared();
        emit!(ToolCompleted, bus = shared, n = 0, blob = "x".repeat(size));
        for n in 1..4 {
            emit!(ToolCompleted, bus = shared, n);
        }
        // Nothing leaves before the server is reached.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(bus.stats().delivered, 0, "{:?}", bus.stats());
        server.restart();
        let reader = client(&server.url()).await;
        let mut consumer = subscribe::<EventType>(&reader, "sized.>").await.unwrap();
        reader.flush().await.unwrap();
        // The bus's task is waiting for its first connection: the consumer
        // subscribed first only if it is still waiting, so read what came.
        let error = bus.shutdown(Duration::from_secs(10)).await;
        let stats = bus.stats();
        let expected = if fits { (0, 4) } else { (1, 3) };
        assert_eq!(
            (stats.failed, stats.delivered),
            expected,
            "limit {limit}, first event {size} bytes: {stats:?} {error:?}"
        );
        assert_eq!(error.is_ok(), fits, "{error:?}");
        let mut got = Vec::new();
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(500), consumer.next()).await
        {
            got.push(field(&event, "n"));
        }
        // Those that arrived after the subscription, in order, the large
        // one among them only when it fits.
        assert!(
            got.windows(2).all(|w| w[0] < w[1]) && (fits || !got.contains(&0)),
            "limit {limit}: {got:?}"
        );
    }
}

/// Core NATS with the server down: the client takes each event into its
/// buffer, so the bus counts them delivered; its flush cannot complete, and
/// the shutdown says so, with how many the target never confirmed, instead
/// of answering `Ok`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn core_nats_with_the_server_down_never_answers_ok() {
    let store = tempfile::tempdir().unwrap();
    let mut server = Server::start(store.path());
    server.stop();
    let bus = connect::<EventType>(&server.url(), Config::default())
        .await
        .unwrap();
    let shared = bus.shared();
    for n in 0..5 {
        emit!(ToolCompleted, bus = shared, n);
    }
    let error = bus
        .shutdown(Duration::from_millis(500))
        .await
        .expect_err("the events never left the client");
    assert!(error.timed_out, "{error:?}");
    let stats = bus.stats();
    assert_eq!(
        error.undelivered + error.unconfirmed,
        5,
        "every event is either still queued or unconfirmed: {error:?} {stats:?}"
    );
    assert!(error.to_string().contains("time ran out"), "{error}");
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

/// A Python consumer, using the official CloudEvents SDK and nats-py, reads
/// what a Rust producer publishes through `eventwire-nats`, in each mode,
/// on core NATS and on JetStream, and checks every attribute and the
/// lineage against the events the producer recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(python_consumer),
    ignore = "needs nats-server and, in `EVENTWIRE_PYTHON` (python3), the PyPI packages `cloudevents` and `nats-py`"
)]
async fn a_python_consumer_reads_every_mode_with_the_cloudevents_sdk() {
    use eventwire::cloudevents::CloudEvents;
    use eventwire::{correlate, Recorder};
    use eventwire_nats::Format;
    use std::io::{BufRead, BufReader};

    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let python = std::env::var("EVENTWIRE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/consumer.py");
    let cloudevents = CloudEvents::new("https://example.com/agents")
        .unwrap()
        .with_type_prefix("com.example")
        .unwrap();
    for (n, (binary, jetstream)) in [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .enumerate()
    {
        let prefix = format!("py{n}");
        let stream = format!("PY{n}");
        let format = if binary {
            Format::CloudEventsBinary(cloudevents.clone())
        } else {
            Format::CloudEventsStructured(cloudevents.clone())
        };
        let delivery = if jetstream {
            Delivery::JetStream {
                stream: stream.clone(),
            }
        } else {
            Delivery::Core
        };
        let bus = connect::<EventType>(
            &server.url(),
            Config {
                prefix: prefix.clone(),
                delivery,
                format,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        if jetstream {
            // The stream exists before the consumer subscribes to it.
            emit!(ToolInvoked, n = -1, bus = bus.shared());
            bus.flush(Duration::from_secs(10)).await.unwrap();
        }
        let mut consumer = Command::new(&python)
            .arg(&script)
            .args([
                server.url().as_str(),
                &format!("{prefix}.>"),
                if jetstream { "4" } else { "3" },
                if jetstream { stream.as_str() } else { "core" },
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the Python consumer starts");
        let mut lines = BufReader::new(consumer.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");

        // Three events of one unit of work, the later two caused by the first.
        let recorder = Recorder::<EventType>::new();
        let both = eventwire::buses::Broadcast::new([bus.shared(), recorder.bus()]).shared();
        correlate(format!("request-{n}"), || {
            emit!(ToolInvoked, n = 1, subject = "plan 7/ü", bus = both);
            let first = recorder.events()[0].clone();
            eventwire::caused_by(&first, || {
                emit!(ToolCompleted, n = 2, bus = both);
                emit!(PlanCreated, n = 3, bus = both);
            });
        });
        bus.flush(Duration::from_secs(10)).await.unwrap();
        let read: Vec<serde_json::Value> = lines
            .by_ref()
            .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
            .filter(|json: &serde_json::Value| json["data"]["fields"]["n"] != -1)
            .collect();
        assert!(consumer.wait().unwrap().success(), "the consumer failed");
        let sent = recorder.events();
        assert_eq!(read.len(), 3, "{read:#?}");
        for (json, event) in read.iter().zip(&sent) {
            let mode = if binary { "binary" } else { "structured" };
            assert_eq!(json["mode"], mode);
            assert_eq!(json["specversion"], "1.0");
            assert_eq!(json["id"], event.id.to_string());
            assert_eq!(json["source"], "https://example.com/agents");
            assert_eq!(json["type"], format!("com.example.{}", event.name()));
            assert_eq!(json["datacontenttype"], "application/json");
            assert_eq!(json["correlationid"], format!("request-{n}"));
            assert_eq!(
                json["causationid"],
                serde_json::to_value(event.causation_id).unwrap()
            );
            assert_eq!(json["data"]["event"], event.name());
            assert_eq!(
                json["data"]["fields"],
                serde_json::to_value(&event.fields).unwrap()
            );
            let expected_msgid = if jetstream {
                serde_json::Value::from(event.id.to_string())
            } else {
                serde_json::Value::Null
            };
            assert_eq!(json["msgid"], expected_msgid);
            assert!(json["time"].as_str().unwrap().starts_with("20"));
        }
        assert_eq!(read[0]["subject"], "plan 7/ü");
        assert_eq!(read[0]["causationid"], serde_json::Value::Null);
        assert_eq!(read[1]["causationid"], sent[0].id.to_string());
        bus.shutdown(Duration::from_secs(10)).await.unwrap();
    }
    drop(server);
}

/// `subscribe` reads all three formats back, lineage included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn subscribe_reads_every_format_with_its_lineage() {
    use eventwire::cloudevents::CloudEvents;
    use eventwire::correlate;
    use eventwire_nats::Format;

    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let consumer = client(&server.url()).await;
    for (n, format) in [
        Format::CloudEventsStructured(CloudEvents::default()),
        Format::CloudEventsBinary(CloudEvents::default()),
        Format::Eventwire,
    ]
    .into_iter()
    .enumerate()
    {
        let prefix = format!("fmt{n}");
        let mut events = subscribe::<EventType>(&consumer, &format!("{prefix}.>"))
            .await
            .unwrap();
        consumer.flush().await.unwrap();
        let bus = connect::<EventType>(
            &server.url(),
            Config {
                prefix,
                format,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        correlate("unit-1", || emit!(ToolInvoked, n = 5, bus = bus.shared()));
        bus.flush(Duration::from_secs(10)).await.unwrap();
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event.kind, ToolInvoked);
        assert_eq!(field(&event, "n"), 5);
        assert_eq!(event.correlation_id.unwrap(), "unit-1");
        bus.shutdown(Duration::from_secs(10)).await.unwrap();
    }
}

/// A message that is not an event is skipped and counted, never lost
/// silently, and the events after it still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs these tests"
)]
async fn a_message_that_is_not_an_event_is_skipped_and_counted() {
    let store = tempfile::tempdir().unwrap();
    let server = Server::start(store.path());
    let consumer = client(&server.url()).await;
    let mut events = subscribe::<EventType>(&consumer, "junk.>").await.unwrap();
    consumer.flush().await.unwrap();
    let before = eventwire_nats::skipped_messages();
    let producer = client(&server.url()).await;
    for junk in [
        &b"not json"[..],
        br#"{"specversion":"1.0","id":"x"}"#,
        br#"{"event":"tool.exploded"}"#,
    ] {
        producer
            .publish("junk.tool.invoked", bytes::Bytes::copy_from_slice(junk))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let bus = connect::<EventType>(
        &server.url(),
        Config {
            prefix: "junk".to_owned(),
            ..Config::default()
        },
    )
    .await
    .unwrap();
    emit!(ToolInvoked, n = 9, bus = bus.shared());
    bus.flush(Duration::from_secs(10)).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(field(&event, "n"), 9);
    assert!(eventwire_nats::skipped_messages() >= before + 3);
    bus.shutdown(Duration::from_secs(10)).await.unwrap();
}
