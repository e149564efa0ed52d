//! Shared pieces of the benchmarks in `benches/`.

use eventwire::{Bus, BusError, Event, EventType};
use std::time::Duration;

/// The events the benchmarks emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before the work.
    #[event(on = entry)]
    WorkStarted,
    /// After it succeeded.
    WorkDone,
    /// After it failed.
    #[event(on = err)]
    WorkFailed,
}

/// A subscriber that takes `delay` per event: a slow consumer.
#[derive(Debug)]
pub struct Slow(pub Duration);

impl Bus<EventType> for Slow {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// A subscriber that does nothing.
#[derive(Debug)]
pub struct NoOp;

impl Bus<EventType> for NoOp {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        std::hint::black_box(event);
        Ok(())
    }
}

/// An event like the ones the benchmarks publish.
pub fn sample_event() -> Event<EventType> {
    let recorder = eventwire::Recorder::new();
    eventwire::emit!(EventType::WorkDone, bus = recorder, n = 1);
    recorder.events().remove(0)
}
