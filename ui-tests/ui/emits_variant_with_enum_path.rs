use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
}

#[emits(EventType::ToolInvoked)]
fn run() {}

fn main() {
    run();
}
