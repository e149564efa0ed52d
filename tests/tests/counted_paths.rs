//! Every way a synchronous call can go — no bus, a bus that declines, a bus
//! that takes the events, a default bus, `ret(..)` fields, a plain return,
//! a generic function, a panic — counts its sites the same, as the coverage
//! report reads them: the `entry` site per call, the `ok` site per `Ok` (or
//! plain return), the `err` site per `Err`. Each case is its own method, so
//! that the tests, which run at once, count apart.

use eventwire::registry::sites_of;
use eventwire::{
    emits, set_scoped_default, Bus, BusError, Event, EventType, HasBus, Recorder, SharedBus,
};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Started,
    Done,
    #[event(on = err)]
    Failed,
    #[event(on = entry | exit)]
    Spanned,
}

/// A bus that takes nothing.
struct Declining;

impl Bus<EventType> for Declining {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Ok(())
    }
    fn accepts(&self, _: EventType) -> bool {
        false
    }
}

#[derive(Default, HasBus)]
struct Svc {
    bus: Option<SharedBus<EventType>>,
}

/// The same method under several names, one per case; written by a
/// `macro_rules`, so that `#[emits]` also meets generated input.
macro_rules! fallible {
    ($($name:ident),*) => {
        impl Svc {
            $(
                #[emits(Started, Done, Failed)]
                fn $name(&self, fail: bool) -> Result<u8, String> {
                    if fail {
                        return Err("no".into());
                    }
                    Ok(1)
                }
            )*
        }
    };
}

fallible!(idle, declined, accepted, defaulted);

impl Svc {
    #[emits(Started, Done, Failed, ret(len = ret.as_ref().map_or(0, |s: &String| s.len())))]
    fn with_ret(&self, fail: bool) -> Result<String, String> {
        if fail {
            Err("no".into())
        } else {
            Ok("yes".into())
        }
    }

    #[emits(Started, Done)]
    fn plain(&self, n: u8) -> u8 {
        n + 1
    }

    #[emits(Started, Done, Failed)]
    fn generic<T: Clone>(&self, value: &T, fail: bool) -> Result<T, String> {
        if fail {
            Err("no".into())
        } else {
            Ok(value.clone())
        }
    }

    #[emits(Started, Done, Failed)]
    fn panics(&self, fail: bool) -> Result<u8, String> {
        if fail {
            panic!("the body panicked");
        }
        Ok(1)
    }
}

/// How many times the site of `kind` in `function` (`Svc::method`) ran.
fn hits(function: &str, kind: EventType) -> u64 {
    let found: Vec<u64> = sites_of::<EventType>()
        .filter(|(k, site)| *k == kind && site.function() == function)
        .map(|(_, site)| site.hits())
        .collect();
    assert_eq!(found.len(), 1, "one site of {kind:?} in {function}");
    found[0]
}

/// Calls `f` `oks` times with `false` and `errs` times with `true`, then
/// checks the counts of `function`'s three sites.
fn check(function: &str, oks: u64, errs: u64, mut f: impl FnMut(bool)) {
    for _ in 0..oks {
        f(false);
    }
    for _ in 0..errs {
        f(true);
    }
    assert_eq!(
        hits(function, EventType::Started),
        oks + errs,
        "{function}: entry"
    );
    assert_eq!(hits(function, EventType::Done), oks, "{function}: ok");
    assert_eq!(hits(function, EventType::Failed), errs, "{function}: err");
}

#[test]
fn without_a_bus() {
    let svc = Svc::default();
    check("Svc::idle", 3, 2, |fail| {
        let _ = svc.idle(fail);
    });
}

#[test]
fn with_a_bus_that_declines_every_event() {
    let svc = Svc {
        bus: Some(Arc::new(Declining)),
    };
    check("Svc::declined", 2, 3, |fail| {
        let _ = svc.declined(fail);
    });
}

#[test]
fn with_a_bus_that_takes_them() {
    let recorder = Recorder::<EventType>::new();
    let svc = Svc {
        bus: Some(recorder.bus()),
    };
    check("Svc::accepted", 4, 1, |fail| {
        let _ = svc.accepted(fail);
    });
    assert_eq!(
        recorder.events().len(),
        4 * 2 + 2,
        "entry and ok or err, per call"
    );
}

#[test]
fn with_a_default_bus() {
    let recorder = Recorder::<EventType>::new();
    let _default = set_scoped_default(recorder.bus());
    let svc = Svc::default();
    check("Svc::defaulted", 1, 4, |fail| {
        let _ = svc.defaulted(fail);
    });
    assert_eq!(recorder.events().len(), 5 * 2);
}

#[test]
fn with_ret_fields_with_and_without_a_bus() {
    let recorder = Recorder::<EventType>::new();
    let mut svc = Svc::default();
    check("Svc::with_ret", 2, 2, |fail| {
        let _ = svc.with_ret(fail);
    });
    svc.bus = Some(recorder.bus());
    let _ = svc.with_ret(false);
    let _ = svc.with_ret(true);
    assert_eq!(hits("Svc::with_ret", EventType::Done), 3);
    assert_eq!(hits("Svc::with_ret", EventType::Failed), 3);
    assert_eq!(recorder.events().len(), 4);
}

#[test]
fn a_plain_return_counts_as_ok() {
    let recorder = Recorder::<EventType>::new();
    let mut svc = Svc::default();
    assert_eq!(svc.plain(1), 2);
    svc.bus = Some(recorder.bus());
    assert_eq!(svc.plain(2), 3);
    assert_eq!(hits("Svc::plain", EventType::Started), 2);
    assert_eq!(hits("Svc::plain", EventType::Done), 2);
}

#[test]
fn a_generic_function_counts_over_its_instances() {
    let recorder = Recorder::<EventType>::new();
    let mut svc = Svc::default();
    assert_eq!(svc.generic(&7u8, false), Ok(7));
    assert!(svc.generic(&"x", true).is_err());
    svc.bus = Some(recorder.bus());
    assert_eq!(svc.generic(&String::from("s"), false), Ok("s".to_owned()));
    assert_eq!(hits("Svc::generic", EventType::Started), 3);
    assert_eq!(hits("Svc::generic", EventType::Done), 2);
    assert_eq!(hits("Svc::generic", EventType::Failed), 1);
}

#[test]
fn a_panicking_body_counts_its_entry_only_and_the_panic_is_the_callers() {
    let recorder = Recorder::<EventType>::new();
    let svc = Svc {
        bus: Some(recorder.bus()),
    };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| svc.panics(true)));
    assert!(
        caught.is_err(),
        "the body's panic reaches the caller as before"
    );
    assert_eq!(svc.panics(false), Ok(1));
    assert_eq!(hits("Svc::panics", EventType::Started), 2);
    assert_eq!(hits("Svc::panics", EventType::Done), 1);
    assert_eq!(hits("Svc::panics", EventType::Failed), 0);
    // The thread's lineage is the caller's again after the unwind.
    assert_eq!(eventwire::Lineage::current(), eventwire::Lineage::none());
}

impl Svc {
    #[emits(Spanned, Started(on = entry | ok | err), Failed(on = err | exit))]
    fn spanned(&self, fail: bool) -> Result<u8, String> {
        if fail {
            return Err("no".into());
        }
        Ok(1)
    }
}

/// A site on several phases runs once per call, whichever phases of it a
/// call reaches: `ran 3x` for three calls, never once per phase.
#[test]
fn a_site_on_several_phases_counts_one_run_per_call() {
    let recorder = Recorder::new();
    let svc = Svc {
        bus: Some(recorder.bus()),
    };
    for fail in [false, true, false] {
        let _ = svc.spanned(fail);
    }
    let _ = Svc::default().spanned(true);
    assert_eq!(hits("Svc::spanned", EventType::Spanned), 4);
    assert_eq!(hits("Svc::spanned", EventType::Started), 4);
    // On `err | exit`: every call reaches `exit`, once.
    assert_eq!(hits("Svc::spanned", EventType::Failed), 4);
    assert_eq!(recorder.count(EventType::Spanned), 6);
}
