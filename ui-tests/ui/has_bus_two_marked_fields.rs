use eventwire::{EventType, HasBus, SharedBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    ToolInvoked,
}

#[derive(HasBus)]
struct Runner {
    #[event_bus]
    audit: Option<SharedBus<EventType>>,
    #[event_bus]
    metrics: Option<SharedBus<EventType>>,
}

fn main() {}
