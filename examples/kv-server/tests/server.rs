//! The server, driven over TCP as a client would, its events recorded.

use eventwire::{Phase, Recorder, Value};
use kv_server::events::EventType;
use kv_server::server::Server;
use kv_server::store::Shared;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let (read, write) = stream.into_split();
        Client {
            lines: BufReader::new(read).lines(),
            write,
        }
    }

    async fn say(&mut self, command: &str) -> String {
        self.write.write_all(command.as_bytes()).await.unwrap();
        self.write.write_all(b"\n").await.unwrap();
        self.lines.next_line().await.unwrap().unwrap()
    }

    async fn quit(mut self) {
        self.write.write_all(b"QUIT\n").await.unwrap();
        assert_eq!(self.lines.next_line().await.unwrap(), None);
    }
}

async fn serve() -> (Server, Recorder<EventType>) {
    let recorder = Recorder::<EventType>::new();
    let shared = Arc::new(Shared::new(Some(recorder.bus())));
    let server = Server::start("127.0.0.1:0", shared).await.unwrap();
    (server, recorder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_served_and_each_step_is_an_event() {
    let (server, recorder) = serve().await;
    let mut client = Client::connect(&server).await;
    assert_eq!(client.say("GET a").await, "NONE");
    assert_eq!(client.say("SET a 1").await, "OK");
    assert_eq!(client.say("GET a").await, "VALUE 1");
    assert_eq!(client.say("DEL a").await, "DELETED");
    assert_eq!(client.say("DEL a").await, "MISSING");
    let long = "k".repeat(65);
    assert_eq!(
        client.say(&format!("SET {long} 1")).await,
        "ERR key of 65 bytes is over the limit of 64"
    );
    client.quit().await;

    let closed = recorder
        .wait_for(EventType::ConnectionClosed, WAIT)
        .await
        .unwrap();
    assert_eq!(
        closed.phase,
        Phase::Exit,
        "the client left: the call returned"
    );
    recorder.assert_count(EventType::ServerStarted, 1);
    recorder.assert_count(EventType::ConnectionOpened, 1);
    recorder.assert_count(EventType::CommandReceived, 7);
    let hits: Vec<_> = recorder
        .of(EventType::KeyRead)
        .iter()
        .map(|e| e.fields.get("hit").cloned())
        .collect();
    assert_eq!(hits, [Some(Value::Bool(false)), Some(Value::Bool(true))]);
    let removed: Vec<_> = recorder
        .of(EventType::KeyDeleted)
        .iter()
        .map(|e| e.fields.get("removed").cloned())
        .collect();
    assert_eq!(removed, [Some(Value::Bool(true)), Some(Value::Bool(false))]);
    recorder.assert_error(
        EventType::CommandFailed,
        "key of 65 bytes is over the limit of 64",
    );
    // The handler's fields are on every event of its call.
    let peer = recorder.field(EventType::ConnectionOpened, "peer");
    assert_eq!(recorder.field(EventType::ConnectionClosed, "peer"), peer);
    server.shutdown().await;
    recorder.assert_count(EventType::ServerStopped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_reports_what_expired() {
    let (server, recorder) = serve().await;
    let mut client = Client::connect(&server).await;
    assert_eq!(client.say("SET session x 10").await, "OK");
    let expired = recorder
        .wait_for(EventType::KeysExpired, WAIT)
        .await
        .unwrap();
    assert_eq!(expired.fields.get("removed"), Some(&Value::I64(1)));
    assert_eq!(client.say("GET session").await, "NONE");
    client.quit().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_connections_with_cancel() {
    let (server, recorder) = serve().await;
    let mut client = Client::connect(&server).await;
    assert_eq!(client.say("SET a 1").await, "OK");
    // The client stays connected; shutdown drops its handler's task.
    server.shutdown().await;
    let closed = recorder
        .wait_for(EventType::ConnectionClosed, WAIT)
        .await
        .unwrap();
    assert_eq!(
        closed.phase,
        Phase::Cancel,
        "`exit | cancel`: the call is over, by cancellation"
    );
    assert!(closed.elapsed.is_some());
    recorder.assert_count(EventType::ConnectionClosed, 1);
    recorder.assert_count(EventType::ServerStopped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_bus_the_server_serves_the_same() {
    let server = Server::start("127.0.0.1:0", Arc::new(Shared::new(None)))
        .await
        .unwrap();
    let mut client = Client::connect(&server).await;
    assert_eq!(client.say("SET a 1").await, "OK");
    assert_eq!(client.say("GET a").await, "VALUE 1");
    client.quit().await;
    server.shutdown().await;
}
