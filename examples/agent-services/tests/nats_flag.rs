//! `agent-services --nats URL` publishes its 64 events as CloudEvents: run
//! against a `nats-server` this test starts on a free port (ignored, with
//! the reason, where the server is missing; see `build.rs`). Every message's
//! data matches its event's schema in the committed catalog, and every
//! structured message the payload its AsyncAPI message describes.

use agent_services::EventType;
use futures_util::StreamExt;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

/// The payload schema of each message of the committed AsyncAPI document.
fn asyncapi_payloads() -> std::collections::HashMap<String, jsonschema::Validator> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/asyncapi.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["components"]["messages"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, message)| {
            let validator = jsonschema::validator_for(&message["payload"]).unwrap();
            (id.clone(), validator)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(nats_server),
    ignore = "nats-server is not installed: `apt-get install nats-server` runs this test"
)]
async fn the_nats_flag_publishes_the_64_events_as_cloudevents() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut server = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("nats://127.0.0.1:{port}");
    let client = async_nats::connect(&url).await.expect("connects");
    // Raw messages, to see the wire format, and typed events, to count them.
    let mut raw = client.subscribe("events.>").await.unwrap();
    let mut typed = eventwire_nats::subscribe::<EventType>(&client, "events.>")
        .await
        .unwrap();
    client.flush().await.unwrap();

    let payloads = asyncapi_payloads();
    for binary in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agent-services"));
        command.args(["--json", "--nats", &url]);
        if binary {
            command.arg("--binary");
        }
        let output = command.output().expect("agent-services runs");
        assert!(output.status.success(), "{output:?}");
        let report = String::from_utf8_lossy(&output.stderr);
        let mode = if binary { "binary" } else { "structured" };
        assert!(
            report.contains(&format!(
                "NATS: 64 events sent to {url} as CloudEvents ({mode} mode), 0 dropped, 0 failed"
            )),
            "{report}"
        );
        let mut kinds = Vec::new();
        for _ in 0..64 {
            let message = tokio::time::timeout(Duration::from_secs(10), raw.next())
                .await
                .unwrap()
                .unwrap();
            let headers = message.headers.clone().unwrap_or_default();
            if binary {
                assert_eq!(
                    headers.get("ce-source").unwrap().as_str(),
                    "/agent-services"
                );
                assert!(headers
                    .get("ce-type")
                    .unwrap()
                    .as_str()
                    .starts_with("com.example.agents."));
            } else {
                assert_eq!(
                    headers.get("content-type").unwrap().as_str(),
                    "application/cloudevents+json"
                );
                let json: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
                assert_eq!(json["specversion"], "1.0");
                assert_eq!(json["source"], "/agent-services");
                let name = json["data"]["event"].as_str().unwrap();
                let errors: Vec<String> = payloads[name]
                    .iter_errors(&json)
                    .map(|e| format!("{e} at {}", e.instance_path()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "`{name}` against its AsyncAPI payload: {errors:?}"
                );
            }
            let data: serde_json::Value = if binary {
                serde_json::from_slice(&message.payload).unwrap()
            } else {
                serde_json::from_slice::<serde_json::Value>(&message.payload).unwrap()["data"]
                    .clone()
            };
            let name = data["event"].as_str().unwrap().to_owned();
            let mismatches = support::mismatches(&name, &data);
            assert!(mismatches.is_empty(), "{mismatches:?}");
            let event = tokio::time::timeout(Duration::from_secs(10), typed.next())
                .await
                .unwrap()
                .unwrap();
            kinds.push(event.kind);
        }
        assert_eq!(kinds.len(), 64);
        assert!(kinds.contains(&EventType::PlanApplied), "{kinds:?}");
    }
    let _ = server.kill();
    let _ = server.wait();
}
