//! Sites that nothing calls, in every place a linker might drop them.
#![allow(dead_code)]

use eventwire::{emit, emits, EventType, HasBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    InNeverCalled,
    InGeneric,
    InAsync,
    InPrivate,
    ByHandInPrivate,
    InSecondCrate,
}

#[emits(InNeverCalled)]
fn never_called() {}

#[emits(InGeneric)]
fn generic<T: Clone>(value: &T) -> T {
    value.clone()
}

pub struct Service;

impl HasBus<EventType> for Service {}

impl Service {
    #[emits(InAsync)]
    async fn run(&self) -> u8 {
        1
    }
}

mod hidden {
    use super::*;

    #[emits(InPrivate)]
    fn private() {}

    fn by_hand() {
        emit!(EventType::ByHandInPrivate);
    }
}
