//! Two services on one NATS server: one emits events, the other reacts to
//! the `tool.*` family. Start a server first (`nats-server -js`), then:
//!
//!     cargo run -p eventwire-nats --example relay -- nats://127.0.0.1:4222

use eventwire::{emits, EventType, HasBus, SharedBus};
use eventwire_nats::{connect, subscribe, Config};
use futures_util::StreamExt;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ToolInvoked,
    ToolCompleted,
    PlanCreated,
}

#[derive(HasBus)]
struct ToolRuntime {
    bus: Option<SharedBus<EventType>>,
}

impl ToolRuntime {
    #[emits(ToolInvoked, ToolCompleted, fields(tool = %name))]
    fn run(&self, name: &str) -> usize {
        name.len()
    }

    #[emits(PlanCreated)]
    fn plan(&self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "nats://127.0.0.1:4222".to_owned());

    // The reacting service: every tool event, wherever it was emitted.
    let reader = async_nats::connect(&url).await?;
    let mut tools = subscribe::<EventType>(&reader, "events.tool.>").await?;
    reader.flush().await?;

    // The emitting service.
    let bus = connect::<EventType>(&url, Config::default()).await?;
    let runtime = ToolRuntime {
        bus: Some(bus.shared()),
    };
    runtime.plan();
    for tool in ["grep", "sed", "awk"] {
        runtime.run(tool);
    }
    bus.shutdown(Duration::from_secs(5)).await?;

    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(1), tools.next()).await {
        let tool = event
            .fields
            .get("tool")
            .map(ToString::to_string)
            .unwrap_or_default();
        println!(
            "received {} from {} (tool={tool})",
            event.name(),
            event.site.function
        );
    }
    let stats = bus.stats();
    println!("sent {} events, {} dropped", stats.delivered, stats.dropped);
    Ok(())
}
