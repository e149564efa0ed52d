use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    #[event(on = entry, on = ok)]
    ToolInvoked,
}

fn main() {}
