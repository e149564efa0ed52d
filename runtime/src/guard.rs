//! The guard around every publish: failures are caught, counted and
//! reported through a hook, and never reach the annotated method.

use crate::bus::Bus;
use crate::event::{Event, Site};
use crate::kind::EventKind;
use crate::registry::SiteRecord;
use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

static PUBLISHED: AtomicU64 = AtomicU64::new(0);
static ERRORS: AtomicU64 = AtomicU64::new(0);
static PANICS: AtomicU64 = AtomicU64::new(0);
static HOOK_PANICS: AtomicU64 = AtomicU64::new(0);

/// Process-wide counts of what emission did, since the process started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Events a bus took without error.
    pub published: u64,
    /// Events whose `publish` returned an error.
    pub errors: u64,
    /// Events whose `publish` panicked (caught; needs `panic = "unwind"`).
    pub panics: u64,
    /// Failure reports whose hook itself panicked (caught).
    pub hook_panics: u64,
}

impl Stats {
    /// Events that were handed to a bus and not taken: `errors + panics`.
    pub fn failed(&self) -> u64 {
        self.errors + self.panics
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
        hook_panics: HOOK_PANICS.load(Ordering::Relaxed),
    }
}

/// A failure in emission or delivery, as the failure hook receives it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The event concerned, when there is one: its variant name
    /// (`ToolInvoked`), dotted name (`tool.invoked`) and site.
    pub event: Option<FailedEvent>,
    /// What went wrong.
    pub cause: FailureCause,
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

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureCause {
    /// `publish` returned this error.
    Error(String),
    /// `publish`, or a subscriber, panicked with this message.
    Panic(String),
    /// A bounded queue was full; this and later drops are counted in the bus's stats.
    QueueFull(&'static str),
    /// A bus could not deliver this many queued events before its shutdown timeout.
    Undelivered(u64),
    /// A bus failed to flush.
    Flush(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("eventwire: ")?;
        let event = match &self.event {
            Some(e) => format!(
                "{} ({}) from {} at {}:{}",
                e.variant, e.name, e.site.function, e.site.file, e.site.line
            ),
            None => String::new(),
        };
        match &self.cause {
            FailureCause::Error(why) => write!(f, "the bus failed to take {event}: {why}")?,
            FailureCause::Panic(why) => write!(f, "a panic while delivering {event}: {why}")?,
            FailureCause::QueueFull(bus) => write!(
                f,
                "the queue of {bus} is full: dropped {event}; later drops are counted in its stats"
            )?,
            FailureCause::Undelivered(n) => write!(
                f,
                "{n} queued event(s) were not delivered before the shutdown timeout"
            )?,
            FailureCause::Flush(why) => write!(f, "a bus failed to flush: {why}")?,
        }
        f.write_str("; the service was not affected; failures are counted in the stats")
    }
}

impl Failure {
    /// A failure concerning `event`.
    pub(crate) fn of<E: EventKind>(event: &Event<E>, cause: FailureCause) -> Failure {
        Failure {
            event: Some(FailedEvent {
                variant: event.kind.variant_name(),
                name: event.kind.dotted_name(),
                site: event.site.clone(),
            }),
            cause,
        }
    }
}

type Hook = Arc<dyn Fn(&Failure) + Send + Sync>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

/// Replaces the hook that every failed publish is reported to, once per
/// failure. The default writes the first failure of the process to
/// standard error and counts the rest silently.
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
    *HOOK.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(hook));
}

/// Puts the default failure hook back.
pub fn reset_failure_hook() {
    *HOOK.write().unwrap_or_else(|e| e.into_inner()) = None;
}

fn default_hook(failure: &Failure) {
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| eprintln!("{failure}"));
}

/// Hands `failure` to the hook; a panicking hook is contained and counted.
pub(crate) fn report(failure: &Failure) {
    let hook = HOOK.read().unwrap_or_else(|e| e.into_inner()).clone();
    let outcome = catch_unwind(AssertUnwindSafe(|| match hook {
        Some(hook) => hook(failure),
        None => default_hook(failure),
    }));
    if outcome.is_err() {
        HOOK_PANICS.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Hands `event` to `bus`; an error or a panic is counted and reported
/// (naming `record`'s site), and never propagates.
pub(crate) fn deliver<E: EventKind>(
    bus: &dyn Bus<E>,
    event: Event<E>,
    record: &'static SiteRecord,
) {
    let kind = event.kind;
    let cause = match catch_unwind(AssertUnwindSafe(|| bus.publish(event))) {
        Ok(Ok(())) => {
            PUBLISHED.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Ok(Err(error)) => {
            ERRORS.fetch_add(1, Ordering::Relaxed);
            FailureCause::Error(error.to_string())
        }
        Err(payload) => {
            PANICS.fetch_add(1, Ordering::Relaxed);
            FailureCause::Panic(panic_message(payload.as_ref()))
        }
    };
    report(&Failure {
        event: Some(FailedEvent {
            variant: kind.variant_name(),
            name: kind.dotted_name(),
            site: record.site(),
        }),
        cause,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::BusError;
    use crate::event::Event;
    use crate::registry::SiteRecord;
    use crate::{emits, EventType, Phase, Phases};
    use std::sync::Mutex;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        Failing,
    }

    struct Erroring;
    impl Bus<Ev> for Erroring {
        fn publish(&self, _: Event<Ev>) -> Result<(), BusError> {
            Err(BusError::new("disk full"))
        }
    }

    struct Panicking;
    impl Bus<Ev> for Panicking {
        fn publish(&self, _: Event<Ev>) -> Result<(), BusError> {
            panic!("subscriber exploded")
        }
    }

    static SITE: SiteRecord = SiteRecord::new(crate::registry::SiteSpec {
        kind: &Ev::Failing,
        variant: 0,
        enum_info: crate::registry::EnumInfo::of::<Ev>,
        phases: Phases::only(Phase::Body),
        origin: crate::registry::SiteOrigin::Macro,
        function: || "svc::Svc::run::here",
        file: "src/svc.rs",
        line: 7,
        column: 3,
        test_only: false,
        waiver: None,
        order: 0,
    });

    // The hook is process-wide: tests that replace it take this lock.
    static HOOK_LOCK: Mutex<()> = Mutex::new(());

    #[test]
    fn errors_and_panics_are_counted_and_reported_once_each() {
        let _lock = HOOK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&seen);
        set_failure_hook(move |f| sink.lock().unwrap().push(f.to_string()));
        let before = stats();

        deliver(
            &Erroring,
            Event::new(Ev::Failing, Phase::Body, SITE.site()),
            &SITE,
        );
        deliver(
            &Panicking,
            Event::new(Ev::Failing, Phase::Body, SITE.site()),
            &SITE,
        );

        let after = stats();
        reset_failure_hook();
        assert!(after.errors > before.errors);
        assert!(after.panics > before.panics);
        let seen = seen.lock().unwrap();
        let ours: Vec<_> = seen.iter().filter(|m| m.contains("svc.rs:7")).collect();
        assert_eq!(ours.len(), 2, "{seen:?}");
        assert!(
            ours[0].contains("Failing (failing) from Svc::run at src/svc.rs:7: disk full"),
            "{ours:?}"
        );
        assert!(
            ours[1].contains("a panic while delivering Failing (failing)"),
            "{ours:?}"
        );
        assert!(ours[1].contains("subscriber exploded"));
    }

    #[test]
    fn a_panicking_hook_is_contained() {
        let _lock = HOOK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        set_failure_hook(|_| panic!("hook exploded"));
        let before = stats().hook_panics;
        deliver(
            &Erroring,
            Event::new(Ev::Failing, Phase::Body, SITE.site()),
            &SITE,
        );
        reset_failure_hook();
        assert!(stats().hook_panics > before);
    }

    #[emits(Failing, event = Ev, bus = bus)]
    fn fallible(bus: &crate::SharedBus<Ev>, fail: bool) -> Result<u8, String> {
        if fail {
            Err("no".into())
        } else {
            Ok(7)
        }
    }

    #[test]
    fn a_failing_bus_never_changes_the_result() {
        let _lock = HOOK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        set_failure_hook(|_| {});
        let erroring: crate::SharedBus<Ev> = Arc::new(Erroring);
        let panicking: crate::SharedBus<Ev> = Arc::new(Panicking);
        for bus in [&erroring, &panicking] {
            assert_eq!(fallible(bus, false), Ok(7));
            assert_eq!(fallible(bus, true), Err("no".to_owned()));
        }
        reset_failure_hook();
    }
}
