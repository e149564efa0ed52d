use eventwire::{emits, EventType, HasBus};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    ToolInvoked,
}

struct Shared {
    _name: String,
}

#[derive(HasBus)]
struct Service {
    #[event_bus]
    shared: Arc<Shared>,
}

impl Service {
    #[emits(ToolInvoked)]
    fn invoke(&self) {}
}

fn main() {}
