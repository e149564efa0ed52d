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

mod billing {
    use eventwire::EventType;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    pub enum EventType {
        InvoiceSent,
    }
}

#[emits(ToolInvoked, bus = bus)]
fn run(bus: &eventwire::SharedBus<billing::EventType>) {
    let _ = bus;
}

fn main() {}
