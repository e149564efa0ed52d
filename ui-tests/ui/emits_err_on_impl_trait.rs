// A `-> impl Trait` function is no `Result` to its callers, whatever it
// hides: an `err` site on one never fires, and is refused.
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

#[emits(ToolInvoked, ToolErrored)]
fn run() -> impl std::fmt::Debug {
    Ok::<u32, String>(3)
}

fn main() {
    let _ = run();
}
