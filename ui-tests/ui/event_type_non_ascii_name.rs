use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
    ÉvénementReçu,
}

fn main() {}
