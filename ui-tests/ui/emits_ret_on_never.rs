use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    #[event(on = entry)]
    Serving,
}

#[emits(Serving, ret(done = true))]
fn serve() -> ! {
    loop {}
}

fn main() {}
