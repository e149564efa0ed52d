use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
}

#[emits(ToolInvoked)]
trait Runner {
    fn run(&self);
}

fn main() {}
