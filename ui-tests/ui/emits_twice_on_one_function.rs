use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
    ToolCompleted,
}

#[emits(ToolInvoked)]
#[emits(ToolCompleted)]
fn run() {}

fn main() {
    run();
}
