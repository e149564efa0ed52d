use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    ToolInvoked,
}

fn main() {
    let run = #[emits(ToolInvoked)]
    || 3;
    let _ = run();
}
