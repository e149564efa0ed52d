#[allow(unused_imports)]
use eventwire::{emits, EventType};
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Started,
    Done,
}

#[emits(Started, Done)]
pub fn total(attempts: u32) -> String {
    let total: u32 = attempts + 1;
    total
}

fn main() {}
