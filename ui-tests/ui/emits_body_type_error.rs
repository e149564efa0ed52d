use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ToolInvoked,
    ToolCompleted,
    #[event(on = err)]
    ToolErrored,
    #[event(on = body)]
    ToolRetried,
    #[event(on = cancel)]
    ToolCancelled,
}

#[emits(ToolInvoked, ToolCompleted)]
fn run(attempts: u32) -> String {
    let total: u32 = attempts + 1;
    total
}

fn main() {
    let _ = run(1);
}
