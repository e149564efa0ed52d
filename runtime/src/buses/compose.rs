//! Composition: several buses at once, and a filter by kind.

use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::failure::{fail, FailedEvent, Failure, FailureCause};
use crate::isolate::{isolate, Panicked};
use crate::kind::EventKind;
use std::fmt;
use std::sync::Arc;

/// Publishes every event to each of several buses, each in isolation: one
/// that fails or panics (in `publish` or in `accepts`) is counted in
/// [`eventwire::stats`](crate::stats) and reported through the failure
/// hook, and the others still get the event. Each bus is asked whether it
/// accepts a kind; the event is cloned only for the buses after the first
/// that take it.
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

impl<E: EventKind> Broadcast<E> {
    /// Hands `event` to each bus that accepts it, each in isolation;
    /// `taken` asks each whether it took it (not dropped it). Says how the
    /// buses that did not take it failed.
    fn deliver(&self, event: Event<E>, taken: bool) -> Outcome {
        let mut outcome = Outcome::default();
        let mut takers: Vec<&SharedBus<E>> = Vec::with_capacity(self.buses.len());
        for bus in &self.buses {
            match accepts_isolated(bus.as_ref(), event.kind, &event) {
                Some(true) => takers.push(bus),
                Some(false) => {}
                // A bus whose `accepts` panicked did not take the event
                // (counted and reported): not taken, to whoever asks.
                None => outcome.add(Delivered::Failed { permanent: false }),
            }
        }
        let Some((last, rest)) = takers.split_last() else {
            return outcome;
        };
        for bus in rest {
            outcome.add(deliver_isolated(bus.as_ref(), event.clone(), taken));
        }
        outcome.add(deliver_isolated(last.as_ref(), event, taken));
        outcome
    }
}

/// How a `Broadcast`'s buses took an event.
#[derive(Default)]
struct Outcome {
    /// Some bus did not take it.
    failed: bool,
    /// Some bus can never take it ([`BusError::permanent`]).
    permanent: bool,
}

impl Outcome {
    fn add(&mut self, delivered: Delivered) {
        match delivered {
            Delivered::Taken => {}
            Delivered::Failed { permanent } => {
                self.failed = true;
                self.permanent |= permanent;
            }
        }
    }
}

/// How one bus took an event.
enum Delivered {
    Taken,
    /// It did not (counted and reported, by it or here).
    Failed {
        permanent: bool,
    },
}

impl<E: EventKind> Bus<E> for Broadcast<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        self.deliver(event, false);
        Ok(())
    }

    /// Taken only when every bus that accepts it took it: one that dropped
    /// it, failed or panicked makes it not taken (the outbox relays the row
    /// again, to every bus), and one that can never take it makes it a
    /// permanent failure (the outbox parks the row). Each failure has been
    /// counted and reported already.
    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        let outcome = self.deliver(event, true);
        if !outcome.failed {
            return Ok(());
        }
        let error = BusError::new(
            "a bus behind the Broadcast did not take the event (reported through the failure hook)",
        )
        .already_reported();
        Err(if outcome.permanent {
            error.permanent()
        } else {
            error
        })
    }

    /// Whether any bus accepts `kind`. A bus whose `accepts` panics counts
    /// as accepting here; `publish` asks it again, isolated, and reports.
    fn accepts(&self, kind: E) -> bool {
        self.buses
            .iter()
            .any(|b| isolate(|| b.accepts(kind)).unwrap_or(true))
    }

    /// Each bus is asked and handed events in isolation here.
    fn __eventwire_contained(&self) -> bool {
        true
    }

    fn flush(&self) -> Result<(), BusError> {
        let failures: Vec<String> = self
            .buses
            .iter()
            .filter_map(
                |b| match isolate(|| b.flush().map_err(BusError::__eventwire_owned)) {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(crate::isolate::error_text(&e)),
                    Err(Panicked(why)) => Some(format!("a bus's flush panicked: {why}")),
                },
            )
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BusError::new(failures.join("; ")))
        }
    }
}

/// Whether `bus` accepts the kind of `event`; `None` when `accepts`
/// panicked, which is counted and reported (the event is not its).
fn accepts_isolated<E: EventKind>(bus: &dyn Bus<E>, kind: E, event: &Event<E>) -> Option<bool> {
    match isolate(|| bus.accepts(kind)) {
        Ok(accepted) => Some(accepted),
        Err(Panicked(why)) => {
            fail(
                &Failure::new(
                    FailureCause::AcceptsPanicked(why),
                    Some(FailedEvent::of(kind, event.site.clone())),
                )
                .by("a bus behind a Broadcast"),
            );
            None
        }
    }
}

/// Hands `event` to `bus` in isolation (asking, with `taken`, whether it
/// took it rather than dropped it). A failure or a panic is counted and
/// reported here, unless the bus did (a drop).
fn deliver_isolated<E: EventKind>(bus: &dyn Bus<E>, event: Event<E>, taken: bool) -> Delivered {
    let (kind, site) = (event.kind, event.site.clone());
    let published = isolate(|| {
        if taken {
            bus.__eventwire_publish_taken(event)
        } else {
            bus.publish(event)
        }
        .map_err(BusError::__eventwire_owned)
    });
    let (cause, permanent) = match published {
        Ok(Ok(())) => return Delivered::Taken,
        Ok(Err(error)) if error.is_reported() => {
            return Delivered::Failed {
                permanent: error.is_permanent(),
            }
        }
        Ok(Err(error)) => (
            FailureCause::Error(crate::isolate::error_text(&error)),
            error.is_permanent(),
        ),
        Err(Panicked(why)) => (FailureCause::Panic(why), false),
    };
    fail(&Failure::new(cause, Some(FailedEvent::of(kind, site))).by("a bus behind a Broadcast"));
    Delivered::Failed { permanent }
}

/// Passes on only the kinds a predicate keeps; the others are declined
/// through [`Bus::accepts`], so their payload is never built. A predicate
/// that panics is isolated by whoever asks (the emission site, a
/// `Broadcast`, a queue): the event is declined, counted and reported.
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

    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        if (self.keep)(event.kind) {
            self.bus.__eventwire_publish_taken(event)
        } else {
            Ok(())
        }
    }
}
