//! What the queued buses share: their accounting, and how the worker
//! delivers one event.

use crate::bus::Bus;
use crate::event::Event;
use crate::guard::{panic_message, report, Failure, FailureCause};
use crate::kind::EventKind;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What a queued bus did, since it was made.
///
/// At any moment `published == delivered + dropped + failed + queued`, where
/// `queued` counts the events waiting or being delivered; after a flush or a
/// shutdown that has delivered everything, `queued` is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Events handed to `publish` (taken or dropped).
    pub published: u64,
    /// Events the target took without error.
    pub delivered: u64,
    /// Events dropped because the queue was full or the bus was shut down.
    pub dropped: u64,
    /// Events the target refused with an error or a panic.
    pub failed: u64,
    /// Events waiting in the queue or being delivered.
    pub queued: u64,
}

/// The counters behind [`QueueStats`].
#[derive(Default)]
pub(crate) struct Accounting {
    published: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    /// Whether the first drop has been reported through the hook.
    drop_reported: AtomicBool,
}

impl Accounting {
    /// Counts a publish; call before the event is enqueued, so that the
    /// worker can never count it done before it is counted published.
    pub(crate) fn published(&self) {
        self.published.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a dropped event; the first drop is reported through the hook.
    pub(crate) fn dropped<E: EventKind>(&self, event: &Event<E>, bus: &'static str) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        if !self.drop_reported.swap(true, Ordering::Relaxed) {
            report(&Failure::of(event, FailureCause::QueueFull(bus)));
        }
    }

    /// A snapshot; `queued` is derived from the other counts, read in the
    /// order they are written so that it is never negative.
    pub(crate) fn stats(&self) -> QueueStats {
        let delivered = self.delivered.load(Ordering::SeqCst);
        let failed = self.failed.load(Ordering::SeqCst);
        let dropped = self.dropped.load(Ordering::SeqCst);
        let published = self.published.load(Ordering::SeqCst);
        QueueStats {
            published,
            delivered,
            dropped,
            failed,
            queued: published.saturating_sub(delivered + dropped + failed),
        }
    }

    /// Delivers one dequeued event to `target`, counting the outcome; an
    /// error or a panic is reported through the hook.
    pub(crate) fn deliver<E: EventKind>(&self, target: &dyn Bus<E>, event: Event<E>) {
        let report_as = (event.kind, event.site.clone(), event.phase);
        let cause = match catch_unwind(AssertUnwindSafe(|| target.publish(event))) {
            Ok(Ok(())) => {
                self.delivered.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Ok(Err(error)) => FailureCause::Error(error.to_string()),
            Err(payload) => FailureCause::Panic(panic_message(payload.as_ref())),
        };
        self.failed.fetch_add(1, Ordering::SeqCst);
        let (kind, site, phase) = report_as;
        let stand_in = Event::new(kind, phase, site);
        report(&Failure::of(&stand_in, cause));
    }

    /// Counts an event a sink took.
    #[cfg(feature = "tokio")]
    pub(crate) fn count_delivered(&self) {
        self.delivered.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts an event a sink refused, and reports it.
    #[cfg(feature = "tokio")]
    pub(crate) fn count_failed<E: EventKind>(&self, refused: &Event<E>, cause: FailureCause) {
        self.failed.fetch_add(1, Ordering::SeqCst);
        report(&Failure::of(refused, cause));
    }

    /// Flushes `target`; a failure is reported through the hook.
    pub(crate) fn flush_target<E: EventKind>(&self, target: &dyn Bus<E>) {
        let outcome = catch_unwind(AssertUnwindSafe(|| target.flush()));
        let why = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(payload) => panic_message(payload.as_ref()),
        };
        report(&Failure {
            event: None,
            cause: FailureCause::Flush(why),
        });
    }
}

/// A flush or shutdown that did not finish in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownError {
    /// Events still queued or being delivered when the time ran out.
    pub undelivered: u64,
}

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} event(s) were still queued when the timeout expired",
            self.undelivered
        )
    }
}

impl std::error::Error for ShutdownError {}

/// What travels through a queued bus's channel; `A` acknowledges a flush.
pub(crate) enum Message<E, A> {
    Event(Event<E>),
    /// Everything before it has been delivered once it is acknowledged.
    Flush(A),
}

/// The delivering side of a queued bus: its target and its accounting.
pub(crate) struct Target<E: EventKind> {
    pub(crate) bus: Box<dyn Bus<E>>,
    pub(crate) accounting: Accounting,
}

impl<E: EventKind> Target<E> {
    pub(crate) fn new(bus: impl Bus<E> + 'static) -> Self {
        Target {
            bus: Box::new(bus),
            accounting: Accounting::default(),
        }
    }

    /// Handles one message on the worker; returns the flush acknowledgement
    /// to send, if it was a flush.
    pub(crate) fn handle<A>(&self, message: Message<E, A>) -> Option<A> {
        match message {
            Message::Event(event) => {
                self.accounting.deliver(&*self.bus, event);
                None
            }
            Message::Flush(ack) => {
                self.accounting.flush_target(&*self.bus);
                Some(ack)
            }
        }
    }
}
