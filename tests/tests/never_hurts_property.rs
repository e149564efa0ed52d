//! The promise as a property: for any mix of buses whose subscribers,
//! targets, filters and `accepts` succeed, fail, panic or stall, and of
//! fields and errors that cannot be rendered, the annotated method returns
//! exactly what its unannotated twin returns, every queued bus keeps
//! `published == delivered + dropped + failed + queued`, and every failure
//! shows in a counter, exactly. (One test in this binary: the process-wide
//! counters are read as exact differences.)

use eventwire::buses::{BackgroundBus, Broadcast, Filtered, SyncBus};
use eventwire::{emit, emits, Bus, BusError, Event, EventType, HasBus, SharedBus};
use proptest::prelude::*;
use std::fmt;
use std::sync::Arc;
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

/// How a piece of user code behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mood {
    Fine,
    Fails,
    Panics,
}

fn mood() -> impl Strategy<Value = Mood> {
    prop_oneof![Just(Mood::Fine), Just(Mood::Fails), Just(Mood::Panics)]
}

/// A value whose `Display` behaves as its mood says.
struct Shown(Mood);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Mood::Fine => f.write_str("fine"),
            Mood::Fails => Err(fmt::Error),
            Mood::Panics => panic!("display panicked"),
        }
    }
}

#[derive(Debug, PartialEq)]
struct Failed(Mood);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Shown(self.0), f)
    }
}

/// One call: its argument, and how its field and its error render.
#[derive(Clone, Copy, Debug)]
struct Call {
    n: u32,
    field: Mood,
    error: Mood,
}

fn twin(call: Call) -> Result<u32, Failed> {
    if call.n % 3 == 0 {
        Err(Failed(call.error))
    } else {
        Ok(call.n + 1)
    }
}

#[derive(HasBus)]
struct Service {
    bus: Option<SharedBus<EventType>>,
}

impl Service {
    #[emits(CallStarted, CallDone, CallFailed, StepTaken, fields(shown = %Shown(call.field)))]
    fn run(&self, call: Call) -> Result<u32, Failed> {
        emit!(StepTaken, n = call.n);
        if call.n % 3 == 0 {
            Err(Failed(call.error))
        } else {
            Ok(call.n + 1)
        }
    }
}

/// A bus of the mix, as described.
#[derive(Clone, Debug)]
enum Spec {
    /// A `SyncBus` with subscribers of these moods (a failing one is a
    /// subscriber that returns early: it cannot fail otherwise).
    Sync(Vec<Mood>),
    /// A `BackgroundBus` of this capacity, whose target behaves as its
    /// mood says, stalling a little when `slow`.
    Queued {
        capacity: usize,
        target: Mood,
        slow: bool,
    },
    /// A bus whose `accepts` panics.
    PanickingAccepts,
    /// A `Filtered` whose predicate panics, in front of a fine `SyncBus`.
    PanickingFilter,
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        proptest::collection::vec(mood(), 0..4).prop_map(Spec::Sync),
        (1usize..16, mood(), any::<bool>()).prop_map(|(capacity, target, slow)| Spec::Queued {
            capacity,
            target,
            slow
        }),
        Just(Spec::PanickingAccepts),
        Just(Spec::PanickingFilter),
    ]
}

struct Target {
    mood: Mood,
    slow: bool,
}

impl Bus<EventType> for Target {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        if self.slow {
            std::thread::sleep(Duration::from_micros(200));
        }
        match self.mood {
            Mood::Fine => Ok(()),
            Mood::Fails => Err(BusError::new("target refused")),
            Mood::Panics => panic!("target panicked"),
        }
    }
}

struct BadAccepts;

impl Bus<EventType> for BadAccepts {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Ok(())
    }
    fn accepts(&self, _: EventType) -> bool {
        panic!("accepts panicked")
    }
}

/// A built bus, with what it takes to check it afterwards.
enum Built {
    Sync(Arc<SyncBus<EventType>>, Vec<Mood>),
    Queued(BackgroundBus<EventType>, Mood),
    Declining,
}

fn build(spec: &Spec) -> (SharedBus<EventType>, Built) {
    match spec {
        Spec::Sync(moods) => {
            let bus = Arc::new(SyncBus::new());
            for mood in moods {
                let mood = *mood;
                bus.subscribe(move |_| {
                    if mood == Mood::Panics {
                        panic!("subscriber panicked");
                    }
                });
            }
            (bus.clone(), Built::Sync(bus, moods.clone()))
        }
        Spec::Queued {
            capacity,
            target,
            slow,
        } => {
            let bus = BackgroundBus::builder().capacity(*capacity).build(Target {
                mood: *target,
                slow: *slow,
            });
            (bus.shared(), Built::Queued(bus, *target))
        }
        Spec::PanickingAccepts => (Arc::new(BadAccepts), Built::Declining),
        Spec::PanickingFilter => (
            Filtered::new(Arc::new(SyncBus::<EventType>::new()), |_| {
                panic!("predicate panicked")
            })
            .shared(),
            Built::Declining,
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_method_returns_what_its_twin_returns_and_every_failure_is_counted(
        specs in proptest::collection::vec(spec(), 1..4),
        calls in proptest::collection::vec(
            (0u32..30, mood(), mood()).prop_map(|(n, field, error)| Call { n, field, error }),
            1..12,
        ),
    ) {
        eventwire::set_failure_hook(|_| {});
        std::panic::set_hook(Box::new(|_| {}));
        let before = eventwire::stats();
        let (buses, built): (Vec<SharedBus<EventType>>, Vec<Built>) = specs.iter().map(build).unzip();
        let service = Service { bus: Some(Broadcast::new(buses).shared()) };
        for call in &calls {
            prop_assert_eq!(service.run(*call), twin(*call));
        }

        // What the calls must have cost: 3 events each (entry, step, ok or err).
        let events = 3 * calls.len() as u64;
        // The broadcast takes an event when any of its buses does, or may
        // (a panicking `accepts` is asked again, isolated, by its publish).
        let any_taker = built.iter().any(|b| !matches!(b, Built::Sync(_, moods) if moods.is_empty()));
        let mut expect_panics = 0;
        let mut expect_errors = 0;
        let mut expect_dropped = 0;
        for bus in built {
            match bus {
                Built::Sync(bus, moods) => {
                    let stats = bus.stats();
                    let panicking = moods.iter().filter(|m| **m == Mood::Panics).count() as u64;
                    prop_assert_eq!(stats.published, if moods.is_empty() { 0 } else { events });
                    let expected_panics = if moods.is_empty() { 0 } else { events * panicking };
                    prop_assert_eq!(stats.panicked, expected_panics);
                    prop_assert_eq!(
                        stats.delivered,
                        if moods.is_empty() { 0 } else { events * (moods.len() as u64 - panicking) }
                    );
                    expect_panics += expected_panics;
                }
                Built::Queued(bus, target) => {
                    let outcome = bus.shutdown(Duration::from_secs(30));
                    let stats = bus.stats();
                    prop_assert_eq!(stats.published, events);
                    prop_assert_eq!(stats.queued, 0);
                    prop_assert_eq!(stats.published, stats.delivered + stats.dropped + stats.failed);
                    match target {
                        Mood::Fine => prop_assert_eq!(stats.failed, 0),
                        Mood::Fails => expect_errors += stats.failed,
                        Mood::Panics => expect_panics += stats.failed,
                    }
                    expect_dropped += stats.dropped;
                    prop_assert_eq!(outcome.is_ok(), stats.failed + stats.dropped == 0);
                }
                // Asked once per event by the broadcast: each ask panics.
                Built::Declining => expect_panics += events,
            }
        }
        let after = eventwire::stats();
        prop_assert_eq!(after.panics - before.panics, expect_panics);
        prop_assert_eq!(after.errors - before.errors, expect_errors);
        prop_assert_eq!(after.dropped - before.dropped, expect_dropped);
        let unrenderable_fields = calls.iter().filter(|c| c.field != Mood::Fine).count() as u64;
        let unrenderable_errors = calls
            .iter()
            .filter(|c| c.n % 3 == 0 && c.error != Mood::Fine)
            .count() as u64;
        let expected_captures = if any_taker { unrenderable_fields + unrenderable_errors } else { 0 };
        prop_assert_eq!(after.capture_failures - before.capture_failures, expected_captures);
        eventwire::reset_failure_hook();
        let _ = std::panic::take_hook();
    }
}

/// A float of any kind: finite, extreme, infinite, NaN.
fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
    ]
}

fn any_value() -> impl Strategy<Value = eventwire::Value> {
    use eventwire::Value;
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::I64),
        any::<u64>().prop_map(|v| if i64::try_from(v).is_ok() {
            Value::I64(v as i64)
        } else {
            Value::U64(v)
        }),
        any_float().prop_map(Value::F64),
        any::<String>().prop_map(Value::Str),
    ]
}

/// What a value reads back as: a float JSON cannot hold comes back as its text.
fn as_written(value: &eventwire::Value) -> eventwire::Value {
    match value {
        eventwire::Value::F64(v) if !v.is_finite() => eventwire::Value::Str(v.to_string()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every event the library writes, it reads back: any fields, any text,
    /// any float, any error, any elapsed time a `u64` of nanoseconds holds.
    #[test]
    fn every_event_reads_back_from_json(
        kind in 0usize..4,
        fields in proptest::collection::vec((any::<String>(), any_value()), 0..6),
        error in proptest::option::of(any::<String>()),
        elapsed in proptest::option::of(any::<u64>()),
        site in (any::<String>(), any::<String>(), any::<u32>(), any::<u32>()),
        seconds in 0u64..253_402_300_799,
        nanos in 0u32..1_000_000_000,
    ) {
        use eventwire::{Event, EventKind, Fields, Phase, Site};
        let kind = <EventType as EventKind>::ALL[kind];
        let site = Site {
            function: site.0.clone().into(),
            path: format!("{}::{}", site.0, site.1).into(),
            file: site.1.into(),
            line: site.2,
            column: site.3,
        };
        let mut event = Event::new(kind, Phase::Body, site);
        let mut written = Fields::new();
        for (name, value) in &fields {
            event.fields.push(name.clone(), value.clone());
            written.push(name.clone(), as_written(value));
        }
        event.error = error;
        event.elapsed = elapsed.map(Duration::from_nanos);
        event.timestamp = std::time::UNIX_EPOCH + Duration::new(seconds, nanos);
        let text = serde_json::to_string(&event).unwrap();
        let back: Event<EventType> = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{text} does not read back: {e}")))?;
        prop_assert_eq!(back.fields.len(), written.len());
        for ((name, value), (back_name, back_value)) in written.iter().zip(back.fields.iter()) {
            prop_assert_eq!(name, back_name);
            match (value, back_value) {
                (eventwire::Value::F64(a), eventwire::Value::F64(b)) => {
                    prop_assert!(a == b, "{} read back as {}", a, b)
                }
                (a, b) => prop_assert_eq!(a, b),
            }
        }
        let mut expected = event.clone();
        expected.fields = back.fields.clone();
        prop_assert_eq!(back, expected);
        prop_assert_eq!(serde_json::to_string(&serde_json::from_str::<Event<EventType>>(&text).unwrap()).unwrap(), text);
    }
}
