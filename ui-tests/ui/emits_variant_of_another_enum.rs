use eventwire::{emits, EventType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum Lifecycle {
    Started,
}

#[emits(Lifecycle::Started)]
fn run() {}

fn main() {
    run();
}
