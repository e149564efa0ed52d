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

struct Runner {
    name: String,
}

impl Runner {
    #[emits(ToolInvoked)]
    fn run(&self) -> usize {
        self.name.len()
    }
}

fn main() {
    let _ = Runner { name: "grep".into() }.run();
}
