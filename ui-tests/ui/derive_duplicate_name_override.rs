use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    ToolInvoked,
    #[event(name = "tool.invoked")]
    ToolStarted,
}

fn main() {}
