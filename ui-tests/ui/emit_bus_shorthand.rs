use eventwire::{emit, EventType, SharedBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = body)]
    ToolRetried,
}

fn main() {
    let bus: Option<SharedBus<EventType>> = None;
    emit!(ToolRetried, bus);
}
