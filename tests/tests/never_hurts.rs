//! Emission never hurts the service, tried where user code runs inside
//! emission: a bus's `accepts`, a filter's predicate, the `Display` and
//! `Debug` of fields and errors, the expressions of `fields(..)`; the drop
//! order of the arguments; and nothing lost without a counter: a
//! `Broadcast`'s failures, losses at shutdown, events that could not be
//! read back.

mod support;
use support::block_on;

use eventwire::buses::{BackgroundBus, Broadcast, Filtered};
use eventwire::{
    emit, emits, Bus, BusError, Event, EventType, Failure, FailureKind, HasBus, Recorder,
    SharedBus, Value,
};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    CallStarted,
    CallDone,
    #[event(on = err)]
    CallFailed,
    #[event(on = body)]
    StepTaken,
}

use EventType::*;

/// The failure hook and the process-wide counters are shared: these tests
/// take turns, and each sees the failures reported during its turn.
static TURN: Mutex<()> = Mutex::new(());

struct Turn {
    failures: Arc<Mutex<Vec<(FailureKind, String)>>>,
    _turn: MutexGuard<'static, ()>,
}

impl Turn {
    fn take() -> Turn {
        let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
        let failures: Arc<Mutex<Vec<(FailureKind, String)>>> = Arc::default();
        let sink = Arc::clone(&failures);
        eventwire::set_failure_hook(move |f: &Failure| {
            sink.lock().unwrap().push((f.cause.kind(), f.to_string()));
        });
        Turn {
            failures,
            _turn: turn,
        }
    }

    fn reported(&self, kind: FailureKind) -> Vec<String> {
        self.failures
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, text)| text.clone())
            .collect()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        eventwire::reset_failure_hook();
    }
}

// ---- accepts and predicates ----

struct PanickingAccepts;

impl Bus<EventType> for PanickingAccepts {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Ok(())
    }
    fn accepts(&self, _: EventType) -> bool {
        panic!("accepts exploded")
    }
}

#[emits(CallStarted, CallDone, CallFailed, StepTaken, bus = bus, fields(n))]
fn compute(bus: &SharedBus<EventType>, n: u32) -> Result<u32, String> {
    emit!(StepTaken, half = n / 2);
    if n == 13 {
        return Err("unlucky".to_owned());
    }
    Ok(n * 2)
}

fn twin(n: u32) -> Result<u32, String> {
    if n == 13 {
        return Err("unlucky".to_owned());
    }
    Ok(n * 2)
}

#[test]
fn a_panicking_accepts_or_predicate_never_reaches_the_method() {
    let turn = Turn::take();
    let recorder = Recorder::<EventType>::new();
    let buses: Vec<(&str, SharedBus<EventType>)> = vec![
        ("accepts", Arc::new(PanickingAccepts)),
        (
            "predicate",
            Filtered::new(recorder.bus(), |_| panic!("predicate exploded")).shared(),
        ),
        (
            "predicate behind a broadcast",
            Broadcast::new([
                Filtered::new(recorder.bus(), |_| panic!("predicate exploded")).shared(),
                recorder.bus(),
            ])
            .shared(),
        ),
    ];
    for (name, bus) in buses {
        let before = eventwire::stats().panics;
        for n in [1, 13] {
            assert_eq!(compute(&bus, n), twin(n), "{name}");
        }
        assert!(eventwire::stats().panics > before, "{name}: counted");
    }
    // Behind the broadcast, the other bus still got every event.
    assert_eq!(recorder.count(CallStarted), 2);
    assert_eq!(recorder.count(StepTaken), 2);
    let reported = turn.reported(FailureKind::AcceptsPanicked);
    assert!(!reported.is_empty());
    assert!(
        reported[0].contains("`accepts` panicked when asked about"),
        "{reported:?}"
    );
}

// ---- fields and errors that cannot be rendered ----

/// A value whose `Display` and `Debug` misbehave on demand.
struct Moody(&'static str);

impl fmt::Display for Moody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            "panic" => panic!("display exploded"),
            "error" => Err(fmt::Error),
            text => f.write_str(text),
        }
    }
}

impl fmt::Debug for Moody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An error whose `Display` misbehaves the same way.
#[derive(Debug, PartialEq)]
struct MoodyError(&'static str);

impl fmt::Display for MoodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Moody(self.0), f)
    }
}

fn explode() -> u32 {
    panic!("field expression exploded")
}

#[derive(HasBus)]
struct Service {
    bus: Option<SharedBus<EventType>>,
}

impl Service {
    #[emits(CallStarted, CallDone, CallFailed, fields(who = %who, seen = ?who))]
    fn greet(&self, who: &Moody, fail: Option<&'static str>) -> Result<u32, MoodyError> {
        match fail {
            Some(mood) => Err(MoodyError(mood)),
            None => Ok(42),
        }
    }

    #[emits(CallDone, fields(n = explode()))]
    fn with_a_panicking_field(&self) -> u32 {
        7
    }
}

#[test]
fn a_field_or_error_that_cannot_be_rendered_leaves_a_marker_and_a_count() {
    let turn = Turn::take();
    let recorder = Recorder::<EventType>::new();
    let service = Service {
        bus: Some(recorder.bus()),
    };
    let before = eventwire::stats().capture_failures;
    for mood in ["panic", "error"] {
        assert_eq!(service.greet(&Moody(mood), None), Ok(42), "{mood}");
        assert_eq!(
            service.greet(&Moody("ok"), Some(mood)),
            Err(MoodyError(mood)),
            "{mood}"
        );
    }
    assert_eq!(service.with_a_panicking_field(), 7);
    // Two fields in two calls, two errors, one expression.
    assert_eq!(eventwire::stats().capture_failures - before, 2 * 2 + 2 + 1);
    // The events still went out, with markers.
    assert_eq!(recorder.count(CallDone), 3);
    assert_eq!(recorder.count(CallFailed), 2);
    let done = recorder.of(CallDone);
    let who = done[0].fields.get("who").map(ToString::to_string).unwrap();
    assert!(
        who.starts_with("<could not be rendered: its formatting panicked: display exploded"),
        "{who}"
    );
    let n = done[2].fields.get("n").map(ToString::to_string).unwrap();
    assert!(n.contains("field expression exploded"), "{n}");
    let failed = recorder.of(CallFailed);
    assert!(failed[0]
        .error
        .as_deref()
        .unwrap()
        .starts_with("<could not be rendered"));
    assert!(failed[1]
        .error
        .as_deref()
        .unwrap()
        .contains("returned an error"));
    let reported = turn.reported(FailureKind::Capture);
    assert_eq!(reported.len(), 7, "{reported:?}");
    assert!(reported
        .iter()
        .any(|r| r.contains("field `who` of CallStarted (call.started) from Service::greet")));
    assert!(reported
        .iter()
        .any(|r| r.contains("the error of CallFailed")));
}

// ---- drop order ----

type Log = Arc<Mutex<Vec<&'static str>>>;

struct Noisy(&'static str, Log);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

struct Pair {
    // Only dropped: the order of its drop is what is tested.
    #[allow(dead_code)]
    first: Noisy,
    second: Noisy,
}

fn pair(log: &Log) -> Pair {
    Pair {
        first: Noisy("pair.first", log.clone()),
        second: Noisy("pair.second", log.clone()),
    }
}

fn plain(pair: Pair, _: Noisy, last: Noisy) -> usize {
    let _ = &pair.second;
    last.0.len()
}

#[emits(CallDone, bus = bus)]
fn annotated(bus: &SharedBus<EventType>, pair: Pair, _: Noisy, last: Noisy) -> usize {
    let _ = &pair.second;
    last.0.len()
}

async fn plain_async(pair: Pair, _: Noisy, last: Noisy) -> usize {
    let _ = &pair.second;
    last.0.len()
}

#[emits(CallDone, bus = bus)]
async fn annotated_async(bus: &SharedBus<EventType>, pair: Pair, _: Noisy, last: Noisy) -> usize {
    let _ = &pair.second;
    last.0.len()
}

#[test]
fn arguments_drop_in_the_order_they_would_without_the_attribute() {
    let bus = Recorder::<EventType>::new().bus();
    let run = |f: &dyn Fn(&Log) -> usize| {
        let log = Log::default();
        assert_eq!(f(&log), 4);
        let order = log.lock().unwrap().clone();
        order
    };
    let expected = run(&|log| {
        plain(
            pair(log),
            Noisy("unnamed", log.clone()),
            Noisy("last", log.clone()),
        )
    });
    assert_eq!(expected, ["last", "unnamed", "pair.first", "pair.second"]);
    assert_eq!(
        run(&|log| annotated(
            &bus,
            pair(log),
            Noisy("unnamed", log.clone()),
            Noisy("last", log.clone())
        )),
        expected,
        "sync"
    );
    assert_eq!(
        run(&|log| block_on(plain_async(
            pair(log),
            Noisy("unnamed", log.clone()),
            Noisy("last", log.clone())
        ))),
        expected,
        "the unannotated async twin"
    );
    assert_eq!(
        run(&|log| block_on(annotated_async(
            &bus,
            pair(log),
            Noisy("unnamed", log.clone()),
            Noisy("last", log.clone())
        ))),
        expected,
        "async"
    );
}

// ---- nothing lost without a counter ----

struct Refusing;

impl Bus<EventType> for Refusing {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Err(BusError::new("refused"))
    }
}

#[test]
fn a_broadcast_counts_the_failures_of_each_bus() {
    let turn = Turn::take();
    let recorder = Recorder::<EventType>::new();
    let bus = Broadcast::new([Arc::new(Refusing) as SharedBus<EventType>, recorder.bus()]).shared();
    let before = eventwire::stats();
    assert_eq!(compute(&bus, 2), Ok(4));
    let after = eventwire::stats();
    assert_eq!(
        after.errors - before.errors,
        3,
        "entry, step and ok, each refused once"
    );
    assert_eq!(recorder.count(CallDone), 1);
    assert_eq!(turn.reported(FailureKind::Error).len(), 3);
}

struct Stuck(Arc<Mutex<()>>);

impl Bus<EventType> for Stuck {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        drop(self.0.lock());
        Ok(())
    }
}

#[test]
fn events_still_queued_when_a_bus_is_dropped_are_counted_after_an_earlier_failure() {
    let turn = Turn::take();
    let gate = Arc::new(Mutex::new(()));
    let closed = gate.lock().unwrap();
    let before = eventwire::stats();
    {
        let bus = BackgroundBus::builder()
            .capacity(2)
            .drop_timeout(Duration::from_millis(20))
            .build(Stuck(Arc::clone(&gate)));
        let shared = bus.shared();
        for n in 0..10u32 {
            emit!(StepTaken, bus = shared, n);
        }
        // A queue-full report came first; the drop must still be counted.
        assert!(!turn.reported(FailureKind::QueueFull).is_empty());
    }
    // The worker, unstuck, drops what the drop gave up on, counting each.
    drop(closed);
    std::thread::sleep(Duration::from_millis(200));
    let after = eventwire::stats();
    // Of the ten, the worker holds one (not counted lost: it is counted as
    // it ends); the others were dropped at a full queue, or lost at the drop.
    assert!(after.dropped - before.dropped >= 7, "{after:?}");
    assert!(after.lost - before.lost >= 1, "{after:?}");
    assert!(
        (after.dropped - before.dropped) + (after.lost - before.lost) >= 9,
        "{after:?}"
    );
    assert_eq!(turn.reported(FailureKind::Lost).len(), 1);
    let summary = turn.reported(FailureKind::Summary);
    assert_eq!(summary.len(), 1);
    assert!(
        summary[0].contains("shut down having lost events: published 10"),
        "{summary:?}"
    );
}

#[test]
fn an_event_published_after_shutdown_is_its_own_kind_of_loss() {
    let turn = Turn::take();
    let bus = BackgroundBus::new(Recorder::<EventType>::new().bus());
    bus.shutdown(Duration::from_secs(5)).unwrap();
    let shared = bus.shared();
    emit!(StepTaken, bus = shared);
    assert_eq!(bus.stats().dropped_after_shutdown, 1);
    let reported = turn.reported(FailureKind::AfterShutdown);
    assert_eq!(reported.len(), 1);
    assert!(
        reported[0].contains("was published to a BackgroundBus after its shutdown"),
        "{reported:?}"
    );
    assert!(!reported[0].contains("is full"), "{reported:?}");
}

// ---- every event written reads back ----

#[test]
fn events_with_any_float_read_back() {
    let recorder = Recorder::<EventType>::new();
    let bus = recorder.bus();
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300] {
        emit!(StepTaken, bus = bus, x);
    }
    for event in recorder.events() {
        let text = serde_json::to_string(&event).unwrap();
        let back: Event<EventType> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{text} does not read back: {e}"));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            text,
            "the same event, written again"
        );
    }
    let infinite = recorder.events()[1].fields.get("x").cloned();
    assert_eq!(infinite, Some(Value::Str("inf".to_owned())));
}

// ---- finding the bus: `bus = ..` and a hand-written `HasBus` are user code ----

macro_rules! bail {
    ($e:expr) => {
        $e?
    };
}

/// A service whose own bus lookup panics, and which routes some calls to
/// an audit bus that may be missing.
struct Routed {
    bus: Option<SharedBus<EventType>>,
    audit: Option<SharedBus<EventType>>,
    explode: bool,
}

impl HasBus<EventType> for Routed {
    fn event_bus(&self) -> Option<&SharedBus<EventType>> {
        assert!(!self.explode, "registry not loaded");
        self.bus.as_ref()
    }
}

impl Routed {
    fn pick(&self) -> Option<SharedBus<EventType>> {
        assert!(!self.explode, "audit registry not loaded");
        self.audit.clone()
    }

    fn bus_or_err(&self) -> Result<Option<SharedBus<EventType>>, String> {
        if self.explode {
            return Err("no bus".to_owned());
        }
        Ok(self.audit.clone())
    }

    #[emits(CallDone)]
    fn own(&self) -> u32 {
        7
    }

    #[emits(CallDone, bus = self.pick())]
    fn picked(&self) -> u32 {
        8
    }

    #[emits(CallDone, bus = self.audit)]
    fn audited(&self) -> u32 {
        9
    }

    // A `?` in `bus = ..` leaves the function, as it would written by hand.
    #[emits(CallDone, bus = self.bus_or_err()?)]
    fn fallible(&self) -> Result<u32, String> {
        Ok(10)
    }

    fn lookup(&self) -> Option<Option<SharedBus<EventType>>> {
        (!self.explode).then(|| self.audit.clone())
    }

    // A `?` hidden in a macro leaves the function, as written by hand.
    #[emits(CallDone, bus = bail!(self.lookup()))]
    fn hidden(&self) -> Option<u32> {
        Some(12)
    }

    // Its only events are `emit!`s: a failure names the first.
    #[emits(StepTaken)]
    fn stepped(&self) -> u32 {
        emit!(StepTaken);
        13
    }

    fn emits_freely(&self) -> u32 {
        emit!(StepTaken, bus = self.pick());
        11
    }
}

#[test]
fn a_panicking_bus_lookup_never_reaches_the_method() {
    let turn = Turn::take();
    let recorder = Recorder::<EventType>::new();
    let routed = Routed {
        bus: Some(recorder.bus()),
        audit: Some(recorder.bus()),
        explode: true,
    };
    let before = eventwire::stats().panics;
    assert_eq!(routed.own(), 7);
    assert_eq!(routed.picked(), 8);
    assert_eq!(routed.emits_freely(), 11);
    assert_eq!(routed.fallible(), Err("no bus".to_owned()));
    assert_eq!(routed.hidden(), None);
    assert_eq!(routed.stepped(), 13);
    assert_eq!(eventwire::stats().panics - before, 4, "each lookup counted");
    assert_eq!(recorder.events().len(), 0, "no bus, no event");
    let reported = turn.reported(FailureKind::BusPanicked);
    assert_eq!(reported.len(), 4, "{reported:?}");
    assert!(
        reported[0].contains("CallDone (call.done) from Routed::own")
            && reported[0].contains("registry not loaded")
            && reported[0].contains("the call went on without a bus of its own"),
        "{reported:?}"
    );
    assert!(
        reported[2].contains("StepTaken (step.taken)")
            && reported[3].contains("StepTaken (step.taken) from Routed::stepped"),
        "{reported:?}"
    );
}

#[test]
fn a_bus_expression_that_names_none_falls_back_to_the_receivers_bus() {
    let _turn = Turn::take();
    let main = Recorder::<EventType>::new();
    let audit = Recorder::<EventType>::new();
    let routed = Routed {
        bus: Some(main.bus()),
        audit: Some(audit.bus()),
        explode: false,
    };
    assert_eq!(routed.audited(), 9);
    assert_eq!(routed.fallible(), Ok(10));
    assert_eq!((audit.count(CallDone), main.count(CallDone)), (2, 0));
    let unrouted = Routed {
        audit: None,
        ..routed
    };
    assert_eq!(unrouted.audited(), 9);
    assert_eq!(unrouted.picked(), 8);
    assert_eq!(unrouted.fallible(), Ok(10));
    assert_eq!(unrouted.hidden(), Some(12));
    assert_eq!((audit.count(CallDone), main.count(CallDone)), (2, 4));
}
