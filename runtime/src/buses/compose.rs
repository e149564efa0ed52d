//! Composition: several buses at once, and a filter by kind.

use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::guard::{panic_message, report, Failure, FailureCause};
use crate::kind::EventKind;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Publishes every event to each of several buses, each in isolation: one
/// that fails or panics is reported through the failure hook and the others
/// still get the event. Each bus is asked whether it accepts a kind; the
/// event is cloned only for the buses after the first that take it.
///
/// ```
/// use eventwire::buses::{Broadcast, Filtered};
/// use eventwire::{emit, EventType, Recorder};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { PaymentTaken, PaymentRefunded }
///
/// let all = Recorder::<EventType>::new();
/// let refunds = Recorder::<EventType>::new();
/// let bus = Broadcast::new([
///     all.bus(),
///     Filtered::new(refunds.bus(), |kind| kind == EventType::PaymentRefunded).shared(),
/// ])
/// .shared();
/// emit!(PaymentTaken, bus = bus);
/// emit!(PaymentRefunded, bus = bus);
/// assert_eq!(all.kinds().len(), 2);
/// assert_eq!(refunds.kinds(), [EventType::PaymentRefunded]);
/// ```
pub struct Broadcast<E: EventKind> {
    buses: Vec<SharedBus<E>>,
}

impl<E: EventKind> fmt::Debug for Broadcast<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broadcast")
            .field("buses", &self.buses.len())
            .finish()
    }
}

impl<E: EventKind> Broadcast<E> {
    /// Publishes to each of `buses`, in order.
    pub fn new(buses: impl IntoIterator<Item = SharedBus<E>>) -> Self {
        Broadcast {
            buses: buses.into_iter().collect(),
        }
    }

    /// As a shared handle.
    pub fn shared(self) -> SharedBus<E> {
        Arc::new(self)
    }
}

impl<E: EventKind> Bus<E> for Broadcast<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let takers: Vec<&SharedBus<E>> = self
            .buses
            .iter()
            .filter(|b| b.accepts(event.kind))
            .collect();
        let Some((last, rest)) = takers.split_last() else {
            return Ok(());
        };
        for bus in rest {
            deliver_isolated(bus.as_ref(), event.clone());
        }
        deliver_isolated(last.as_ref(), event);
        Ok(())
    }

    fn accepts(&self, kind: E) -> bool {
        self.buses.iter().any(|b| b.accepts(kind))
    }

    fn flush(&self) -> Result<(), BusError> {
        let failures: Vec<String> = self
            .buses
            .iter()
            .filter_map(|b| b.flush().err().map(|e| e.to_string()))
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BusError::new(failures.join("; ")))
        }
    }
}

fn deliver_isolated<E: EventKind>(bus: &dyn Bus<E>, event: Event<E>) {
    let report_as = (event.kind, event.phase, event.site.clone());
    let cause = match catch_unwind(AssertUnwindSafe(|| bus.publish(event))) {
        Ok(Ok(())) => return,
        Ok(Err(error)) => FailureCause::Error(error.to_string()),
        Err(payload) => FailureCause::Panic(panic_message(payload.as_ref())),
    };
    let (kind, phase, site) = report_as;
    report(&Failure::of(&Event::new(kind, phase, site), cause));
}

/// Passes on only the kinds a predicate keeps; the others are declined
/// through [`Bus::accepts`], so their payload is never built.
pub struct Filtered<E: EventKind, F> {
    bus: SharedBus<E>,
    keep: F,
}

impl<E: EventKind, F> fmt::Debug for Filtered<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filtered").finish_non_exhaustive()
    }
}

impl<E: EventKind, F: Fn(E) -> bool + Send + Sync + 'static> Filtered<E, F> {
    /// `bus`, receiving only the kinds for which `keep` is true.
    pub fn new(bus: SharedBus<E>, keep: F) -> Self {
        Filtered { bus, keep }
    }

    /// As a shared handle.
    pub fn shared(self) -> SharedBus<E> {
        Arc::new(self)
    }
}

impl<E: EventKind, F: Fn(E) -> bool + Send + Sync> Bus<E> for Filtered<E, F> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        if (self.keep)(event.kind) {
            self.bus.publish(event)
        } else {
            Ok(())
        }
    }

    fn accepts(&self, kind: E) -> bool {
        (self.keep)(kind) && self.bus.accepts(kind)
    }

    fn flush(&self) -> Result<(), BusError> {
        self.bus.flush()
    }
}
