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
pub fn parse(text: &str) -> Result<u32, Vec<u8>> {
    let value: u32 = text.parse()?;
    Ok(value)
}

fn main() {}
