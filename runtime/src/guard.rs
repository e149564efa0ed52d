//! The guard at an emission site: the bus is asked and handed the event
//! in isolation; a failure is counted and reported, and never reaches the
//! annotated method.

use crate::bus::Bus;
use crate::event::Event;
use crate::failure::{count_published, fail, FailedEvent, Failure, FailureCause};
use crate::isolate::{isolate, Panicked};
use crate::kind::EventKind;
use crate::registry::SiteRecord;

/// Whether `bus` wants events of `kind`. A panicking `accepts` declines:
/// it is counted and reported, naming `record`'s site.
pub(crate) fn accepts<E: EventKind>(
    bus: &dyn Bus<E>,
    kind: E,
    record: &'static SiteRecord,
) -> bool {
    match isolate(|| bus.accepts(kind)) {
        Ok(accepted) => accepted,
        Err(Panicked(why)) => {
            fail(&Failure::new(
                FailureCause::AcceptsPanicked(why),
                Some(FailedEvent::of(kind, record.site())),
            ));
            false
        }
    }
}

/// Hands `event` to `bus`; an error or a panic is counted and reported
/// (naming `record`'s site), and never propagates.
pub(crate) fn deliver<E: EventKind>(
    bus: &dyn Bus<E>,
    event: Event<E>,
    record: &'static SiteRecord,
) {
    deliver_to(bus, false, event, record);
}

/// Whether `bus` wants events of `kind`, asked directly when the bus
/// contains its own panics (`contained`), else isolated as in [`accepts`].
#[inline]
pub(crate) fn accepts_from<E: EventKind>(
    bus: &dyn Bus<E>,
    contained: bool,
    kind: E,
    record: &'static SiteRecord,
) -> bool {
    if contained {
        bus.accepts(kind)
    } else {
        accepts(bus, kind, record)
    }
}

/// [`deliver`], not isolated again when the bus contains its own panics
/// (`contained`): then the call and the count are all that is inlined
/// where the event is built.
#[inline]
pub(crate) fn deliver_to<E: EventKind>(
    bus: &dyn Bus<E>,
    contained: bool,
    event: Event<E>,
    record: &'static SiteRecord,
) {
    if !contained {
        return deliver_isolated(bus, event, record);
    }
    let kind = event.kind;
    match bus.publish(event) {
        Ok(()) => count_published(),
        Err(error) => refused(kind, Ok(Err(error)), record),
    }
}

/// [`deliver_to`] for a bus that does not contain its own panics.
#[inline(never)]
fn deliver_isolated<E: EventKind>(bus: &dyn Bus<E>, event: Event<E>, record: &'static SiteRecord) {
    let kind = event.kind;
    // The closure borrows the event's slot, so that the event is moved
    // once, into `publish`, rather than into the closure and the
    // unwinding frame.
    let mut slot = Some(event);
    // An error is made eventwire's inside the isolation: its source is the
    // bus's value, whose `Drop` may panic.
    let published = isolate(|| {
        slot.take()
            .map_or(Ok(()), |event| bus.publish(event))
            .map_err(crate::bus::BusError::__eventwire_owned)
    });
    match published {
        Ok(Ok(())) => count_published(),
        failed => refused(kind, failed, record),
    }
}

/// Counts and reports an event a bus refused or panicked on.
#[cold]
#[inline(never)]
fn refused<E: EventKind>(
    kind: E,
    failed: Result<Result<(), crate::bus::BusError>, Panicked>,
    record: &'static SiteRecord,
) {
    let cause = match failed {
        Ok(Ok(())) => return,
        Ok(Err(error)) => FailureCause::Error(crate::isolate::error_text(&error)),
        Err(Panicked(why)) => FailureCause::Panic(why),
    };
    fail(&Failure::new(
        cause,
        Some(FailedEvent::of(kind, record.site())),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::BusError;
    use crate::event::Event;
    use crate::failure::{reset_failure_hook, set_failure_hook, stats};
    use crate::registry::SiteRecord;
    use crate::{emits, EventType, Phase, Phases};
    use std::sync::{Arc, Mutex};

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
        doctest: false,
        package: "svc",
        waiver: None,
        order: 0,
        fields: &[],
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
            ours[1].contains("a panic in a bus while delivering Failing (failing)"),
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
