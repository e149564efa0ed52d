use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    #[event(name = "Tool.Invoked")]
    ToolInvoked,
}

fn main() {}
