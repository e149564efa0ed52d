//! The queued-bus core that `BackgroundBus` and `TokioBus` share: the
//! admission of an event on the publisher's side, the delivery of one on
//! the worker's, the accounting between them, what a flush waits for, and
//! what a shutdown reports.
//!
//! The event channel carries events only; a flush travels on a control
//! channel of its own. The worker, when it takes a flush, delivers the
//! events in the queue at that moment (its length then) and answers: every
//! event whose `publish` returned before the flush was asked for is among
//! them, or was dropped and counted. (Counting instead — "delivered, failed
//! and dropped reached the count published when the flush began" — let
//! drops of events published later stand in for earlier ones still queued,
//! and a flush answered "all delivered" too soon.) So the publisher's path
//! is one counter and one `try_send`.

use crate::bus::{Bus, BusError};
use crate::event::{Event, Site};
use crate::failure::{fail, FailedEvent, Failure, FailureCause};
use crate::isolate::{error_text, isolate, Panicked};
use crate::kind::EventKind;
use crate::lineage::Lineage;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a queued bus did, since it was made.
///
/// At any moment `published == delivered + dropped + failed + lost + queued`,
/// where `queued` counts the events waiting or being delivered, and
/// `dropped == dropped_full + dropped_after_shutdown`. After a flush or a
/// shutdown that delivered everything, `queued` is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Events handed to `publish` (taken or dropped).
    pub published: u64,
    /// Events the target took without error. A `Broadcast` took an event
    /// only when every bus behind it that accepts it took it (one that
    /// failed, a sink on a full disk, makes the event `failed` here, reported
    /// once, by the `Broadcast`). A `SyncBus` took it when it handed it to
    /// its subscribers, even if one of them panicked (counted in
    /// `eventwire::stats().panics` and reported by the `SyncBus`).
    pub delivered: u64,
    /// Events dropped: `dropped_full + dropped_after_shutdown`.
    pub dropped: u64,
    /// Events dropped because the queue was full.
    pub dropped_full: u64,
    /// Events published after the bus was shut down (or its worker
    /// stopped), dropped.
    pub dropped_after_shutdown: u64,
    /// Events the target refused with an error or a panic, or did not take
    /// (a `Broadcast` one of whose buses failed).
    pub failed: u64,
    /// Events a shutdown or drop that timed out gave up on, dropped by the
    /// worker instead of delivered (or dropped with a `TokioBus`'s task).
    pub lost: u64,
    /// Events waiting in the queue or being delivered.
    pub queued: u64,
}

impl fmt::Display for QueueStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "published {}, delivered {}, failed {}, dropped {} (queue full {}, after shutdown {}), lost {}, queued {}",
            self.published,
            self.delivered,
            self.failed,
            self.dropped,
            self.dropped_full,
            self.dropped_after_shutdown,
            self.lost,
            self.queued
        )
    }
}

/// A flush or shutdown whose events were not all delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownError {
    /// Events still queued or being delivered when the time ran out.
    pub undelivered: u64,
    /// Events the target refused (an error or a panic), in the period the
    /// flush or shutdown answers for. A flush's period begins where the
    /// previous flush, from any thread, ended: two threads flushing at once
    /// share out the failures between their answers.
    pub failed: u64,
    /// Events dropped (a full queue, published after shutdown, or given up
    /// on by a shutdown that timed out: `lost`), in that period.
    pub dropped: u64,
    /// Times the target's own flush failed (an error or a panic) in that
    /// period: events it took may not have reached their destination (a
    /// file's data not on disk, a server's acknowledgement not received).
    pub flush_failed: u64,
    /// Whether the time ran out before the flush completed (the queue not
    /// drained, or the target still flushing: a server that is down, say).
    pub timed_out: bool,
    /// Events the target took that no completed flush of it has confirmed,
    /// when its flush failed or had not finished: a client's buffer not
    /// written out, a file not synced. They may not have arrived.
    pub unconfirmed: u64,
}

impl ShutdownError {
    /// Every event not delivered: `undelivered + failed + dropped`.
    pub fn total(&self) -> u64 {
        self.undelivered + self.failed + self.dropped
    }
}

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} event(s) were not delivered: {} refused by the target, {} dropped, {} still queued when the timeout expired",
            self.total(),
            self.failed,
            self.dropped,
            self.undelivered
        )?;
        if self.flush_failed > 0 {
            write!(
                f,
                "; the target's flush failed {} time(s)",
                self.flush_failed
            )?;
        }
        if self.timed_out {
            f.write_str("; the time ran out before the flush completed")?;
        }
        if self.unconfirmed > 0 {
            write!(
                f,
                "; {} event(s) the target took were not confirmed by its flush and may not have arrived",
                self.unconfirmed
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ShutdownError {}

/// The bounded channel a queued bus sends its events into.
pub(crate) trait EventQueue<E> {
    /// A place in the queue, where the channel can promise one before the
    /// event is handed over (`tokio`'s permit), or the sender itself.
    type Room<'a>
    where
        Self: 'a;

    /// A place for one event, or why there is none.
    fn room(&self) -> Result<Self::Room<'_>, Refused>;

    /// Queues `event` in `room`; a refused one is counted by `core`,
    /// borrowed, and dropped where it lies, so that it is never copied.
    fn send(room: Self::Room<'_>, core: &Core, event: Event<E>) -> Result<(), Refused>;
}

impl<E: EventKind> EventQueue<E> for crossbeam_channel::Sender<Event<E>> {
    type Room<'a> = &'a Self;

    #[inline(always)]
    fn room(&self) -> Result<&Self, Refused> {
        Ok(self)
    }

    #[inline(always)]
    fn send(room: &Self, core: &Core, event: Event<E>) -> Result<(), Refused> {
        use crossbeam_channel::TrySendError;
        let sent = room.try_send(event);
        let (event, why) = match &sent {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(event)) => (event, Refused::Full),
            Err(TrySendError::Disconnected(event)) => (event, Refused::Stopped),
        };
        core.refused(event, why);
        Err(why)
    }
}

/// `tokio`'s room is a permit: the event is not moved until the queue has a
/// place for it (`try_send` moves it into its own frame before asking: one
/// copy more of the whole event, measured).
#[cfg(feature = "tokio")]
impl<E: EventKind> EventQueue<E> for tokio::sync::mpsc::Sender<Event<E>> {
    type Room<'a> = tokio::sync::mpsc::Permit<'a, Event<E>>;

    #[inline(always)]
    fn room(&self) -> Result<Self::Room<'_>, Refused> {
        use tokio::sync::mpsc::error::TrySendError;
        self.try_reserve().map_err(|error| match error {
            TrySendError::Full(()) => Refused::Full,
            TrySendError::Closed(()) => Refused::Stopped,
        })
    }

    #[inline(always)]
    fn send(room: Self::Room<'_>, _: &Core, event: Event<E>) -> Result<(), Refused> {
        room.send(event);
        Ok(())
    }
}

/// Why a `try_send` did not enqueue.
#[derive(Clone, Copy)]
pub(crate) enum Refused {
    /// The queue is full.
    Full,
    /// The worker is gone.
    Stopped,
}

impl Refused {
    /// The error of a publish that must say the event was not taken.
    pub(crate) fn error(self, bus: &str) -> BusError {
        BusError::new(match self {
            Refused::Full => format!("the queue of {bus} is full: the event was dropped"),
            Refused::Stopped => format!("{bus} is shut down: the event was dropped"),
        })
        .already_reported()
    }
}

/// The bit of `Core::published` that says the bus stopped taking events.
const CLOSED: u64 = 1 << 63;

/// `Core::admitted_before_close` before the close.
const NOT_CLOSED: u64 = u64::MAX;

/// `timeout` from now, or a time too far to reach when it overflows (a
/// `Duration::MAX` means "wait as long as it takes").
pub(crate) fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The state both sides of a queued bus share.
pub(crate) struct Core {
    /// `BackgroundBus` or `TokioBus`, for reports.
    name: &'static str,
    /// Events handed to `publish`, with [`CLOSED`] set once the bus stops
    /// taking them: one atomic on the publisher's path for both.
    published: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped_full: AtomicU64,
    dropped_after_shutdown: AtomicU64,
    /// Whether the first drop of each kind was reported through the hook.
    reported_full: AtomicBool,
    reported_after_shutdown: AtomicBool,
    /// Failed flushes of the target.
    flush_failures: AtomicU64,
    /// `delivered` when the last flush of the target that succeeded began:
    /// the events that flush confirmed.
    confirmed: AtomicU64,
    /// `failed`, `dropped` and `flush_failures` at the end of the last flush.
    flushed_failed: AtomicU64,
    flushed_dropped: AtomicU64,
    flushed_flush_failures: AtomicU64,
    /// Whether the end of the bus was reported.
    ended: AtomicBool,
    /// Events counted before the close ([`NOT_CLOSED`] until then).
    admitted_before_close: AtomicU64,
    /// The events still queued were given up (counted lost).
    abandoned: AtomicBool,
    /// Events dropped as abandoned (see [`Core::lose`]).
    lost: AtomicU64,
}

impl Core {
    pub(crate) fn new(name: &'static str) -> Core {
        Core {
            name,
            published: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped_full: AtomicU64::new(0),
            dropped_after_shutdown: AtomicU64::new(0),
            reported_full: AtomicBool::new(false),
            reported_after_shutdown: AtomicBool::new(false),
            flush_failures: AtomicU64::new(0),
            confirmed: AtomicU64::new(0),
            flushed_failed: AtomicU64::new(0),
            flushed_dropped: AtomicU64::new(0),
            flushed_flush_failures: AtomicU64::new(0),
            ended: AtomicBool::new(false),
            admitted_before_close: AtomicU64::new(NOT_CLOSED),
            abandoned: AtomicBool::new(false),
            lost: AtomicU64::new(0),
        }
    }

    /// The publisher's side: counts the event, and says whether the bus
    /// still takes events; if not, the caller drops it and reports
    /// [`Refused::Stopped`].
    #[inline]
    pub(crate) fn admit(&self) -> bool {
        // Counted before it is enqueued, so that the worker can never count
        // it done before it is counted published.
        self.published.fetch_add(1, Ordering::SeqCst) & CLOSED == 0
    }

    /// The publisher's path: counts `event` and queues it, or drops it
    /// (counted and reported) and says why. Always inlined, so that the
    /// event is moved once, into the queue; a refused event is counted by
    /// one cold call and dropped where it lies.
    #[inline(always)]
    pub(crate) fn enqueue<E: EventKind, Q: EventQueue<E>>(
        &self,
        queue: &Q,
        event: Event<E>,
    ) -> Result<(), Refused> {
        if !self.admit() {
            self.refused(&event, Refused::Stopped);
            return Err(Refused::Stopped);
        }
        match queue.room() {
            Ok(room) => Q::send(room, self, event),
            Err(why) => {
                self.refused(&event, why);
                Err(why)
            }
        }
    }

    /// Counts an event the queue would not take, and reports the first of
    /// each kind through the hook; every one counts in `eventwire::stats()`.
    /// Cold and out of line, and the event is only borrowed: the caller
    /// drops it where it lies, so that it is never copied on this path.
    #[cold]
    #[inline(never)]
    pub(crate) fn refused<E: EventKind>(&self, event: &Event<E>, why: Refused) {
        let (counter, reported) = match why {
            Refused::Full => (&self.dropped_full, &self.reported_full),
            Refused::Stopped => (&self.dropped_after_shutdown, &self.reported_after_shutdown),
        };
        counter.fetch_add(1, Ordering::SeqCst);
        // Only the first of each kind is reported; the rest are counted,
        // at the cost of two counters, since a full queue is the path a
        // publisher takes when the consumer is slow.
        if reported.load(Ordering::Relaxed) || reported.swap(true, Ordering::Relaxed) {
            crate::failure::count_dropped();
        } else {
            let cause = match why {
                Refused::Full => FailureCause::QueueFull,
                Refused::Stopped => FailureCause::AfterShutdown,
            };
            let failed = FailedEvent::of(event.kind, event.site.clone());
            fail(&Failure::new(cause, Some(failed)).by(self.name));
        }
    }

    /// The worker's side: hands `event` to `target`, isolated, and counts it.
    /// Delivered only when the target took it: a `Broadcast` one of whose
    /// buses failed (a sink on a full disk behind it), or a `SyncBus` that
    /// dropped it, answers that it did not; such a failure was reported by
    /// the target, and is counted here as failed without a second report.
    pub(crate) fn deliver<E: EventKind>(&self, target: &dyn Bus<E>, event: Event<E>) {
        let about = (event.kind, event.site.clone());
        // What the target emits while it takes the event is caused by it.
        let lineage = Lineage::following(&event);
        // An error is made eventwire's inside the isolation: its source is
        // the target's value, whose `Drop` may panic.
        let taken = isolate(|| {
            lineage
                .scope(|| target.__eventwire_publish_taken(event))
                .map_err(BusError::__eventwire_owned)
        });
        let outcome = match taken {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) if error.is_reported() => {
                self.failed.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Ok(Err(error)) => Err(FailureCause::Error(error_text(&error))),
            Err(Panicked(why)) => Err(FailureCause::Panic(why)),
        };
        self.delivered_or(outcome, about.0, about.1);
    }

    /// The worker's side, for an event a shutdown gave up on (see
    /// [`abandoned`](Core::abandoned)): dropped instead of delivered, and
    /// counted lost. Also `n` events a `TokioBus`'s task dropped with it.
    pub(crate) fn lose(&self, n: u64) {
        self.lost.fetch_add(n, Ordering::SeqCst);
        crate::failure::count_lost(n);
    }

    /// Counts the outcome of one delivery; a failure is reported.
    pub(crate) fn delivered_or<E: EventKind>(
        &self,
        outcome: Result<(), FailureCause>,
        kind: E,
        site: Site,
    ) {
        match outcome {
            Ok(()) => {
                self.delivered.fetch_add(1, Ordering::SeqCst);
            }
            Err(cause) => {
                self.failed.fetch_add(1, Ordering::SeqCst);
                fail(&Failure::new(cause, Some(FailedEvent::of(kind, site))).by(self.name));
            }
        }
    }

    /// Flushes `target`, isolated; a failure is reported.
    pub(crate) fn flush_target<E: EventKind>(&self, target: &dyn Bus<E>) {
        let delivered = self.flushing();
        let why = match isolate(|| target.flush().map_err(BusError::__eventwire_owned)) {
            Ok(Ok(())) => return self.flushed_target(delivered),
            Ok(Err(error)) => error_text(&error),
            Err(Panicked(why)) => format!("it panicked: {why}"),
        };
        self.flush_failed(why);
    }

    /// Before a flush of the target: the events it will confirm.
    pub(crate) fn flushing(&self) -> u64 {
        self.delivered.load(Ordering::SeqCst)
    }

    /// After a flush of the target that succeeded, begun when `delivered`
    /// events had been delivered.
    pub(crate) fn flushed_target(&self, delivered: u64) {
        self.confirmed.fetch_max(delivered, Ordering::SeqCst);
    }

    /// Delivered events no completed flush of the target confirmed, when
    /// that is what is in doubt: the target's flush failed, or the time ran
    /// out with nothing left in the queue (the target was still flushing).
    /// A time that ran out on a long queue says nothing of the target.
    fn unconfirmed_when(&self, timed_out: bool, flush_failed: u64, s: &QueueStats) -> u64 {
        if flush_failed > 0 || (timed_out && s.queued == 0) {
            s.delivered
                .saturating_sub(self.confirmed.load(Ordering::SeqCst))
        } else {
            0
        }
    }

    /// Counts and reports a failed flush of the target: the flush or
    /// shutdown that asked for it answers with an error.
    pub(crate) fn flush_failed(&self, why: String) {
        self.flush_failures.fetch_add(1, Ordering::SeqCst);
        fail(&Failure::new(FailureCause::Flush(why), None).by(self.name));
    }

    /// `BackgroundBus` or `TokioBus`, for errors.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Stops taking events: later ones are dropped, counted and reported.
    pub(crate) fn close(&self) {
        let before = self.published.fetch_or(CLOSED, Ordering::SeqCst);
        if before & CLOSED == 0 {
            self.admitted_before_close.store(before, Ordering::SeqCst);
        }
    }

    /// After [`close`](Core::close): whether every event counted before it
    /// is delivered, refused by the target or dropped as the queue was
    /// full. Events published after the close are dropped as such, and
    /// never make this true early (as a `queued` of 0 read while one of
    /// them is between its count and its drop could).
    pub(crate) fn settled(&self) -> bool {
        let before = self.admitted_before_close.load(Ordering::SeqCst);
        before != NOT_CLOSED
            && self.delivered.load(Ordering::SeqCst)
                + self.failed.load(Ordering::SeqCst)
                + self.dropped_full.load(Ordering::SeqCst)
                + self.lost.load(Ordering::SeqCst)
                >= before
    }

    /// Gives up the events still queued, which [`ended`](Core::ended)
    /// reported: the worker drops each, counted lost ([`lose`](Core::lose)),
    /// rather than deliver it after the shutdown answered.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
    }

    /// Whether [`abandon`](Core::abandon) was called.
    pub(crate) fn abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }

    /// A snapshot; `queued` is derived from the other counts, read in the
    /// order they are written so that it is never negative.
    pub(crate) fn stats(&self) -> QueueStats {
        let delivered = self.delivered.load(Ordering::SeqCst);
        let failed = self.failed.load(Ordering::SeqCst);
        let dropped_full = self.dropped_full.load(Ordering::SeqCst);
        let dropped_after_shutdown = self.dropped_after_shutdown.load(Ordering::SeqCst);
        let lost = self.lost.load(Ordering::SeqCst);
        let published = self.published.load(Ordering::SeqCst) & !CLOSED;
        let dropped = dropped_full + dropped_after_shutdown;
        QueueStats {
            published,
            delivered,
            dropped,
            dropped_full,
            dropped_after_shutdown,
            failed,
            lost,
            queued: published.saturating_sub(delivered + dropped + failed + lost),
        }
    }

    /// What a flush answers for: the events refused or dropped since the
    /// previous flush, the target's failed flushes since then, and what is
    /// still queued (`timed_out`).
    pub(crate) fn flushed(&self, timed_out: bool) -> Result<(), ShutdownError> {
        let s = self.stats();
        // `fetch_max`: a flush that read its totals earlier never moves a
        // mark back, which would have the next flush answer for them again.
        let since = |total: u64, mark: &AtomicU64| {
            total - mark.fetch_max(total, Ordering::SeqCst).min(total)
        };
        let failed = since(s.failed, &self.flushed_failed);
        // Events a shutdown gave up on were dropped too.
        let dropped = since(s.dropped + s.lost, &self.flushed_dropped);
        let flush_failed = since(
            self.flush_failures.load(Ordering::SeqCst),
            &self.flushed_flush_failures,
        );
        let undelivered = if timed_out { s.queued } else { 0 };
        let unconfirmed = self.unconfirmed_when(timed_out, flush_failed, &s);
        if failed + dropped + undelivered + flush_failed == 0 && !timed_out {
            Ok(())
        } else {
            Err(ShutdownError {
                undelivered,
                failed,
                dropped,
                flush_failed,
                timed_out,
                unconfirmed,
            })
        }
    }

    /// What a shutdown answers for: every event of the bus's life that was
    /// not delivered. Reports what was still queued, and a summary if
    /// anything was not delivered, once. A shutdown that gave up
    /// (`timed_out`) abandons what is queued: the worker drops each event,
    /// counted lost, rather than deliver it after the shutdown answered
    /// (the one the target is taking then is counted as it ends).
    pub(crate) fn ended(&self, timed_out: bool) -> Result<(), ShutdownError> {
        if timed_out {
            self.abandon();
        }
        let s = self.stats();
        let undelivered = if timed_out { s.queued } else { 0 };
        if !self.ended.swap(true, Ordering::SeqCst) {
            if undelivered > 0 {
                // Counted as the worker drops them, one at a time.
                crate::failure::report_only(
                    &Failure::new(FailureCause::Lost, None)
                        .by(self.name)
                        .times(undelivered),
                );
            }
            if s.failed + s.dropped + s.lost + undelivered > 0 {
                fail(&Failure::new(FailureCause::Summary(s.to_string()), None).by(self.name));
            }
        }
        let flush_failed = self.flush_failures.load(Ordering::SeqCst);
        let unconfirmed = self.unconfirmed_when(timed_out, flush_failed, &s);
        if s.failed + s.dropped + s.lost + undelivered + flush_failed == 0 && !timed_out {
            Ok(())
        } else {
            Err(ShutdownError {
                undelivered,
                failed: s.failed,
                dropped: s.dropped + s.lost,
                flush_failed,
                timed_out,
                unconfirmed,
            })
        }
    }
}
