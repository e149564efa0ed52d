use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    #[event(on = body | ok)]
    ToolRetried,
}

fn main() {}
