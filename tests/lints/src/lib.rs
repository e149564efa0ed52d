//! Compiled in CI under the strictest lints; see `.ci/run`.
#![deny(warnings)]
#![forbid(unsafe_code)]
#![deny(unused_qualifications)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

use eventwire::{emit, emits, EventType, HasBus, SharedBus};

/// Events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// a
    #[event(on = entry)]
    Started,
    /// b
    Finished,
    /// c
    #[event(on = err)]
    Failed,
    /// d
    #[event(on = body)]
    Stepped,
    /// e
    #[event(on = exit)]
    Left,
}

/// A service.
#[derive(Debug, Default, HasBus)]
pub struct Service {
    bus: Option<SharedBus<EventType>>,
    count: u32,
}

impl Service {
    /// Counts.
    #[emits(Started, Finished, Stepped, Left, fields(count = self.count))]
    pub fn step(&mut self) -> u32 {
        self.count += 1;
        emit!(Stepped, n = self.count);
        self.count
    }

    /// Fails.
    ///
    /// # Errors
    /// Always.
    #[emits(Started, Failed)]
    pub fn fail(&self) -> Result<(), String> {
        Err(format!("{}", self.count))
    }

    /// Nothing returned.
    #[emits(Finished)]
    pub fn unit(&self) {
        let _ = self.count;
    }
}
