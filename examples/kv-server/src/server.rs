//! The accept loop, the per-connection handlers and the background sweeper.
//!
//! The protocol is one command per line: `GET key`, `SET key value [ttl_ms]`,
//! `DEL key`, `QUIT`. Replies are `VALUE v`, `NONE`, `OK`, `DELETED`,
//! `MISSING` or `ERR why`.

use crate::store::Shared;
use eventwire::{emit, emits, HasBus};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::instrument;

/// A running server: where it listens, and how to stop it.
pub struct Server {
    /// Its address.
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

/// The server's own events go through the shared state's bus.
#[derive(HasBus)]
struct Acceptor {
    #[event_bus]
    shared: Arc<Shared>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free one) and serves until [`Server::shutdown`].
    pub async fn start(addr: &str, shared: Arc<Shared>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let acceptor = Acceptor { shared };
        acceptor.started(addr);
        let done = tokio::spawn(acceptor.run(listener, stopped));
        Ok(Server { addr, stop, done })
    }

    /// Stops accepting, drops every connection's task, and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.done.await;
    }
}

impl Acceptor {
    #[emits(ServerStarted, fields(addr = %addr))]
    fn started(&self, addr: SocketAddr) {
        let _ = addr;
    }

    /// The accept loop, with the sweeper beside it; on stop, every handler
    /// task is aborted, which ends its call with `cancel`.
    #[emits(ServerStopped)]
    async fn run(self, listener: TcpListener, mut stopped: watch::Receiver<bool>) {
        let mut handlers = JoinSet::new();
        let sweeper = tokio::spawn(sweep_every(
            Arc::clone(&self.shared),
            Duration::from_millis(50),
        ));
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let handler = Handler { shared: Arc::clone(&self.shared) };
                    handlers.spawn(async move { handler.serve(stream, peer).await });
                }
                _ = stopped.changed() => break,
            }
        }
        sweeper.abort();
        handlers.shutdown().await;
    }
}

/// Removes expired keys now and then, until aborted.
async fn sweep_every(shared: Arc<Shared>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        shared.sweep();
    }
}

/// One connection's handler.
#[derive(HasBus)]
struct Handler {
    #[event_bus]
    shared: Arc<Shared>,
}

impl Handler {
    // `#[instrument]` above `#[emits]`: the events are in the span.
    #[instrument(skip_all, fields(peer = %peer))]
    #[emits(ConnectionOpened, ConnectionClosed, CommandReceived, fields(peer = %peer))]
    async fn serve(&self, stream: TcpStream, peer: SocketAddr) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        while let Some(line) = lines.next_line().await? {
            let mut words = line.split_whitespace();
            let command = words.next().unwrap_or("").to_ascii_uppercase();
            emit!(CommandReceived, command = %command);
            let reply = match (command.as_str(), words.next(), words.next()) {
                ("GET", Some(key), None) => match self.shared.get(key) {
                    Some(value) => format!("VALUE {value}"),
                    None => "NONE".to_owned(),
                },
                ("SET", Some(key), Some(value)) => {
                    let ttl = words
                        .next()
                        .and_then(|t| t.parse().ok())
                        .map(Duration::from_millis);
                    match self.shared.set(key, value, ttl) {
                        Ok(()) => "OK".to_owned(),
                        Err(why) => format!("ERR {why}"),
                    }
                }
                ("DEL", Some(key), None) => if self.shared.delete(key) {
                    "DELETED"
                } else {
                    "MISSING"
                }
                .to_owned(),
                ("QUIT", None, None) => break,
                _ => "ERR unknown command".to_owned(),
            };
            write.write_all(reply.as_bytes()).await?;
            write.write_all(b"\n").await?;
        }
        Ok(())
    }
}
