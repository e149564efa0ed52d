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

struct Request {
    name: String,
}

#[emits(ToolInvoked, fields(request))]
fn run(request: &Request) {
    let _ = &request.name;
}

fn main() {
    run(&Request { name: "grep".into() });
}
