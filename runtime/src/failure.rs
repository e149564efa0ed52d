//! Everything that can go wrong in emission or delivery, counted and
//! reported in one place: every failure of every bus, sink, subscriber or
//! capture goes through [`fail`], which counts it in [`stats`] and hands it
//! to the failure hook. Nothing is lost without a counter saying so.

use crate::event::Site;
use crate::isolate::isolate;
use crate::kind::EventKind;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

static PUBLISHED: AtomicU64 = AtomicU64::new(0);
static ERRORS: AtomicU64 = AtomicU64::new(0);
static PANICS: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);
static LOST: AtomicU64 = AtomicU64::new(0);
static CAPTURE_FAILURES: AtomicU64 = AtomicU64::new(0);
static HOOK_PANICS: AtomicU64 = AtomicU64::new(0);
static UNREPORTED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The failure hook is running on this thread.
    static IN_HOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Process-wide counts of what emission and delivery did, since the
/// process started, over every bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Events handed to a bus at an emission site that it did not refuse
    /// with an error (a queued bus that drops one, its queue full, counts
    /// it in `dropped` too, as does a `SyncBus` nested too deep).
    pub published: u64,
    /// Events a bus or sink refused with an error, at any depth (a bus
    /// behind a `Broadcast` or a queue included), and failed flushes.
    pub errors: u64,
    /// Panics of a bus, subscriber, sink or filter, caught (needs
    /// `panic = "unwind"`). A panicking `accepts` counts here; the events
    /// it was asked about were not published.
    pub panics: u64,
    /// Events dropped: a full queue, a bus already shut down, subscribers
    /// nested deeper than the limit.
    pub dropped: u64,
    /// Events still queued when a bus's shutdown or drop gave up waiting
    /// (then dropped, never delivered), or when the task of a `TokioBus`
    /// was dropped with its runtime.
    pub lost: u64,
    /// Fields and error texts that could not be rendered (their `Display`
    /// or `Debug` panicked or failed); each event still went out, carrying
    /// a marker in place of the value.
    pub capture_failures: u64,
    /// Failure reports whose hook itself panicked (caught).
    pub hook_panics: u64,
    /// Failures that happened while the failure hook ran on the same thread
    /// (a hook that emits into the bus that is failing): counted above like
    /// any other, and not handed to the hook again, which would recurse
    /// without end.
    pub unreported: u64,
}

impl Stats {
    /// Events handed to a bus or sink and not taken: `errors + panics`.
    pub fn failed(&self) -> u64 {
        self.errors + self.panics
    }

    /// Events that did not reach their destination, of every kind:
    /// `errors + panics + dropped + lost`.
    pub fn undelivered(&self) -> u64 {
        self.errors + self.panics + self.dropped + self.lost
    }
}

/// The counts so far.
///
/// ```
/// let before = eventwire::stats();
/// assert!(eventwire::stats().published >= before.published);
/// ```
pub fn stats() -> Stats {
    Stats {
        published: PUBLISHED.load(Ordering::Relaxed),
        errors: ERRORS.load(Ordering::Relaxed),
        panics: PANICS.load(Ordering::Relaxed),
        dropped: DROPPED.load(Ordering::Relaxed),
        lost: LOST.load(Ordering::Relaxed),
        capture_failures: CAPTURE_FAILURES.load(Ordering::Relaxed),
        hook_panics: HOOK_PANICS.load(Ordering::Relaxed),
        unreported: UNREPORTED.load(Ordering::Relaxed),
    }
}

/// Counts an event a bus took at an emission site.
pub(crate) fn count_published() {
    PUBLISHED.fetch_add(1, Ordering::Relaxed);
}

/// A failure in emission or delivery, as the failure hook receives it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// What went wrong.
    pub cause: FailureCause,
    /// The event concerned, when there is one: its variant name
    /// (`ToolInvoked`), dotted name (`tool.invoked`) and site.
    pub event: Option<FailedEvent>,
    /// The bus that reports it, when it is one of eventwire's.
    pub bus: Option<&'static str>,
    /// How many events it concerns (more than one for a shutdown that gave
    /// up on a queue, say).
    pub count: u64,
}

/// The event a [`Failure`] concerns.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FailedEvent {
    /// The variant name, e.g. `ToolInvoked`.
    pub variant: &'static str,
    /// The dotted name, e.g. `tool.invoked`.
    pub name: &'static str,
    /// Where it was emitted.
    pub site: Site,
}

impl FailedEvent {
    /// The event of `kind` emitted at `site`.
    pub fn of<E: EventKind>(kind: E, site: Site) -> FailedEvent {
        FailedEvent {
            variant: kind.variant_name(),
            name: kind.dotted_name(),
            site,
        }
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureCause {
    /// A bus or sink refused the event with this error.
    Error(String),
    /// A bus, subscriber, sink or filter panicked with this message.
    Panic(String),
    /// A bus's `accepts` panicked with this message; the events it was asked
    /// about were not published.
    AcceptsPanicked(String),
    /// Finding the call's bus panicked with this message: a `bus = ..`
    /// expression, or a hand-written `HasBus::event_bus`. The call went on
    /// without a bus of its own (a default bus, if installed, takes its
    /// events).
    BusPanicked(String),
    /// A bounded queue was full: the event was dropped.
    QueueFull,
    /// The event was published to a bus after its shutdown: dropped.
    AfterShutdown,
    /// The event was published from inside subscribers nested deeper than
    /// this limit: dropped.
    NestedTooDeep(usize),
    /// A field or the error text could not be rendered (named here, with
    /// why); the event was published with a marker in its place.
    Capture {
        /// `field `tool``, or `the error`.
        what: String,
        /// Why: its formatting panicked, or returned an error.
        why: String,
    },
    /// Events were still queued when a shutdown or drop stopped waiting.
    Lost,
    /// Flushing a bus or sink failed.
    Flush(String),
    /// A bus shut down after losing events; the counts of its life.
    Summary(String),
}

/// The kinds of [`FailureCause`], for telling them apart without their details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// [`FailureCause::Error`].
    Error,
    /// [`FailureCause::Panic`].
    Panic,
    /// [`FailureCause::AcceptsPanicked`].
    AcceptsPanicked,
    /// [`FailureCause::BusPanicked`].
    BusPanicked,
    /// [`FailureCause::QueueFull`].
    QueueFull,
    /// [`FailureCause::AfterShutdown`].
    AfterShutdown,
    /// [`FailureCause::NestedTooDeep`].
    NestedTooDeep,
    /// [`FailureCause::Capture`].
    Capture,
    /// [`FailureCause::Lost`].
    Lost,
    /// [`FailureCause::Flush`].
    Flush,
    /// [`FailureCause::Summary`].
    Summary,
}

impl FailureCause {
    /// Its kind.
    pub fn kind(&self) -> FailureKind {
        match self {
            FailureCause::Error(_) => FailureKind::Error,
            FailureCause::Panic(_) => FailureKind::Panic,
            FailureCause::AcceptsPanicked(_) => FailureKind::AcceptsPanicked,
            FailureCause::BusPanicked(_) => FailureKind::BusPanicked,
            FailureCause::QueueFull => FailureKind::QueueFull,
            FailureCause::AfterShutdown => FailureKind::AfterShutdown,
            FailureCause::NestedTooDeep(_) => FailureKind::NestedTooDeep,
            FailureCause::Capture { .. } => FailureKind::Capture,
            FailureCause::Lost => FailureKind::Lost,
            FailureCause::Flush(_) => FailureKind::Flush,
            FailureCause::Summary(_) => FailureKind::Summary,
        }
    }
}

impl Failure {
    /// A failure concerning one event, or none.
    pub(crate) fn new(cause: FailureCause, event: Option<FailedEvent>) -> Failure {
        Failure {
            cause,
            event,
            bus: None,
            count: 1,
        }
    }

    /// The same failure, reported by `bus`.
    pub(crate) fn by(mut self, bus: &'static str) -> Failure {
        self.bus = Some(bus);
        self
    }

    /// The same failure, concerning `count` events.
    pub(crate) fn times(mut self, count: u64) -> Failure {
        self.count = count;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("eventwire: ")?;
        let event = match &self.event {
            Some(e) => format!(
                "{} ({}) from {} at {}:{}",
                e.variant, e.name, e.site.function, e.site.file, e.site.line
            ),
            None => "an event".to_owned(),
        };
        let bus = self.bus.unwrap_or("a bus");
        match &self.cause {
            FailureCause::Error(why) => write!(f, "{bus} failed to take {event}: {why}")?,
            FailureCause::Panic(why) => write!(f, "a panic in {bus} while delivering {event}: {why}")?,
            FailureCause::AcceptsPanicked(why) => write!(
                f,
                "{bus}'s `accepts` panicked when asked about {event}: {why}; the call's events were not published to it"
            )?,
            FailureCause::BusPanicked(why) => write!(
                f,
                "finding the bus of the call of {event} panicked (its `bus = ..` expression or its `HasBus::event_bus`): {why}; the call went on without a bus of its own (a default bus, if one is installed, takes its events)"
            )?,
            FailureCause::QueueFull => write!(
                f,
                "the queue of {bus} is full: dropped {event}; size the queue for your bursts (later drops are counted in its stats)"
            )?,
            FailureCause::AfterShutdown => write!(
                f,
                "{event} was published to {bus} after its shutdown: dropped; stop the tasks that emit before shutting the bus down (later ones are counted in its stats)"
            )?,
            FailureCause::NestedTooDeep(limit) => write!(
                f,
                "dropped {event}: published from inside subscribers nested more than {limit} deep"
            )?,
            FailureCause::Capture { what, why } => write!(
                f,
                "{what} of {event} could not be rendered ({why}); the event was published with a marker in its place"
            )?,
            FailureCause::Lost => write!(
                f,
                "{} queued event(s) of {bus} were not delivered before its shutdown or drop timed out, or before its worker was stopped (a tokio runtime that shut down first): they are dropped and counted as lost (one the target was taking then is counted as that ends)",
                self.count
            )?,
            FailureCause::Flush(why) => write!(f, "{bus} failed to flush: {why}")?,
            FailureCause::Summary(counts) => {
                return write!(f, "{bus} shut down having lost events: {counts}");
            }
        }
        f.write_str("; the service was not affected; failures are counted in eventwire::stats()")
    }
}

type Hook = Arc<dyn Fn(&Failure) + Send + Sync>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

/// Replaces the hook that every failure is reported to. The default
/// writes the first failure of each kind to standard error, and every
/// shutdown summary of a bus that lost events; all are counted in
/// [`stats`] either way.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static SEEN: AtomicUsize = AtomicUsize::new(0);
/// eventwire::set_failure_hook(|failure| {
///     SEEN.fetch_add(1, Ordering::Relaxed);
///     eprintln!("{failure}");
/// });
/// # eventwire::reset_failure_hook();
/// ```
pub fn set_failure_hook(hook: impl Fn(&Failure) + Send + Sync + 'static) {
    replace_hook(Some(Arc::new(hook)));
}

/// Puts the default failure hook back.
pub fn reset_failure_hook() {
    replace_hook(None);
}

/// Swaps the hook, and drops the old one after the lock is released: a
/// hook may own a bus whose drop reports a failure (its shutdown summary),
/// which reads the hook.
fn replace_hook(hook: Option<Hook>) {
    let old = std::mem::replace(&mut *HOOK.write().unwrap_or_else(|e| e.into_inner()), hook);
    drop(old);
}

/// Writes the first failure of each kind, and every summary.
fn default_hook(failure: &Failure) {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<FailureKind>>> = Mutex::new(None);
    let kind = failure.cause.kind();
    let first = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        seen.get_or_insert_with(HashSet::new).insert(kind)
    };
    if first || kind == FailureKind::Summary {
        eprintln!("{failure}");
    }
}

/// Counts `failure` in [`stats`] without reporting it: for the repeats of
/// a failure whose first occurrence was reported (a queue that stays full).
pub(crate) fn count_silently(failure: &Failure) {
    let counter = match failure.cause.kind() {
        FailureKind::Error | FailureKind::Flush => Some(&ERRORS),
        FailureKind::Panic | FailureKind::AcceptsPanicked | FailureKind::BusPanicked => {
            Some(&PANICS)
        }
        FailureKind::QueueFull | FailureKind::AfterShutdown | FailureKind::NestedTooDeep => {
            Some(&DROPPED)
        }
        FailureKind::Lost => Some(&LOST),
        FailureKind::Capture => Some(&CAPTURE_FAILURES),
        FailureKind::Summary => None,
    };
    if let Some(counter) = counter {
        counter.fetch_add(failure.count, Ordering::Relaxed);
    }
}

/// Counts one dropped event in [`stats`], without a report.
pub(crate) fn count_dropped() {
    DROPPED.fetch_add(1, Ordering::Relaxed);
}

/// Counts `n` lost events in [`stats`], without a report (a queued bus
/// counts each abandoned event as it drops it; its shutdown reported them).
pub(crate) fn count_lost(n: u64) {
    LOST.fetch_add(n, Ordering::Relaxed);
}

/// Reports a failure of a bus, sink or relay that lives outside this crate
/// (`eventwire-outbox`'s relay, say), named `bus`, concerning `count`
/// events: counted in [`stats`] and handed to the failure hook, like the
/// failures of eventwire's own buses. A `count` of 0 reports a failure
/// that was counted already (by the bus that refused the event), or one
/// that concerns no event (a database's purge that failed, a consumer
/// that could not be read: nothing was lost).
pub fn report_failure(bus: &'static str, cause: FailureCause, count: u64) {
    let mut failure = Failure::new(cause, None).by(bus);
    failure.count = count;
    fail(&failure);
}

/// Counts `failure` in [`stats`] and hands it to the hook; a panicking hook
/// is contained and counted. A failure while the hook runs on this thread
/// (the hook emitted into a failing bus) is counted, not reported again.
/// Out of line: a failure path, kept out of the delivery paths' code.
#[cold]
#[inline(never)]
pub(crate) fn fail(failure: &Failure) {
    count_silently(failure);
    report_only(failure);
}

/// Hands `failure` to the hook without counting it (counted where it
/// happens, one event at a time).
pub(crate) fn report_only(failure: &Failure) {
    if IN_HOOK
        .try_with(|within| within.replace(true))
        .unwrap_or(false)
    {
        UNREPORTED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let hook = HOOK.read().unwrap_or_else(|e| e.into_inner()).clone();
    let reported = isolate(|| match hook {
        Some(hook) => hook(failure),
        None => default_hook(failure),
    });
    let _ = IN_HOOK.try_with(|within| within.set(false));
    if reported.is_err() {
        HOOK_PANICS.fetch_add(1, Ordering::Relaxed);
    }
}
