use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ToolInvoked,
}

#[emits(ToolInvoked, ret(size = *ret))]
fn run() -> u32 {
    7
}

fn main() {
    run();
}
