#[allow(unused_imports)]
use eventwire::{emits, EventType};
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Started,
    Done,
}

// #[emits(Started, Done)]
pub async fn name() -> String {
    ""
}

fn main() {}
