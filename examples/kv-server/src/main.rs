//! `cargo run -p kv-server [addr]`: serves until Ctrl-C, every event
//! written to the terminal through `tracing`.

use eventwire::buses::TracingBus;
use kv_server::events::EventType;
use kv_server::server::Server;
use kv_server::store::Shared;
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_target(false).init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6380".to_owned());
    let bus = TracingBus::<EventType>::new().shared();
    let server = Server::start(&addr, Arc::new(Shared::new(Some(bus)))).await?;
    println!(
        "listening on {} (try: printf 'SET a 1\\nGET a\\nQUIT\\n' | nc {} {})",
        server.addr,
        server.addr.ip(),
        server.addr.port()
    );
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
