//! The events of one transaction, held in memory until it commits: the bus
//! an [`OutboxTx`](crate::OutboxTx) gives the annotated methods. Taking an
//! event is a push onto a vector, so the call's own path stays synchronous
//! and never waits on the database.

use crate::outbox::Counters;
use eventwire::{Bus, BusError, Event, EventKind, Phase, SharedBus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Where the events of a call made inside a transaction go.
pub(crate) struct Staged<E: EventKind> {
    events: Mutex<Vec<Event<E>>>,
    /// The live bus of `entry`, `err` and `cancel` events, if one is given.
    live: Option<SharedBus<E>>,
    /// Where events never committed are counted, when dropped.
    counters: Arc<Counters>,
    /// Set by the commit or the rollback: later events are not written.
    closed: AtomicBool,
}

impl<E: EventKind> Staged<E> {
    pub(crate) fn new(live: Option<SharedBus<E>>, counters: Arc<Counters>) -> Self {
        Staged {
            events: Mutex::new(Vec::new()),
            live,
            counters,
            closed: AtomicBool::new(false),
        }
    }

    /// The transaction ended: events published from now on are counted
    /// and reported as late, never written.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// The staged events, taken.
    pub(crate) fn take(&self) -> Vec<Event<E>> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many events are staged.
    pub(crate) fn len(&self) -> usize {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Whether an event of `phase` says what a call tried or how it failed,
/// rather than what it did: not a fact of the transaction.
pub(crate) fn is_attempt(phase: Phase) -> bool {
    matches!(phase, Phase::Entry | Phase::Err | Phase::Cancel)
}

impl<E: EventKind> Bus<E> for Staged<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        match &self.live {
            Some(live) if is_attempt(event.phase) => live.publish(event),
            _ if self.closed.load(Ordering::SeqCst) => {
                self.counters.late.fetch_add(1, Ordering::Relaxed);
                Err(BusError::new(format!(
                    "`{}` ({}) was published to a transaction that had already ended: it is not in the outbox. Commit after the calls made in the transaction return",
                    event.kind.variant_name(),
                    event.kind.dotted_name()
                )))
            }
            _ => {
                self.events
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(event);
                Ok(())
            }
        }
    }

    fn accepts(&self, kind: E) -> bool {
        // The outbox takes every event; the live bus is asked at publish.
        let _ = kind;
        true
    }
}

/// Events still staged when the transaction is gone were never committed
/// (a rollback, a failed commit, a transaction dropped, or an event
/// published after the commit): counted as rolled back.
impl<E: EventKind> Drop for Staged<E> {
    fn drop(&mut self) {
        let left = self.take().len() as u64;
        self.counters.rolled_back.fetch_add(left, Ordering::Relaxed);
    }
}
