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
pub async fn check(early: bool) -> Result<u32, String> {
    if early {
        return "";
    }
    Ok(1)
}

fn main() {}
