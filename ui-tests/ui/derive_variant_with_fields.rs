use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    ToolInvoked,
    ToolErrored { reason: &'static str },
}

fn main() {}
