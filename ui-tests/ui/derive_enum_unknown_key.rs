use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
#[event(on = ok)]
enum EventType {
    ToolInvoked,
}

fn main() {}
