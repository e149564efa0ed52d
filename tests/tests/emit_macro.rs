//! `emit!` inside and outside #[emits], and when fields are evaluated.

use eventwire::{emit, emits, Bus, BusError, Event, EventType, Recorder, SharedBus};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = body)]
    InvariantViolated,
    #[event(on = body)]
    InvariantChecked,
    InvariantReconciled,
    CacheCleared,
}

use EventType::*;

#[emits(InvariantViolated, InvariantChecked, InvariantReconciled, fields(batch = batch.len()))]
fn reconcile(batch: &[i32]) -> usize {
    let mut violated = 0;
    for (index, value) in batch.iter().enumerate() {
        // emit! inside a closure inside a loop.
        let check = |v: &i32| {
            emit!(InvariantChecked, index);
            *v >= 0
        };
        if !check(value) {
            violated += 1;
            eventwire::emit!(InvariantViolated, index, value = *value);
        }
    }
    violated
}

#[test]
fn emit_in_loops_and_closures_publishes_through_the_functions_bus() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(reconcile(&[1, -2, 3, -4]), 2);
    recorder.assert_count(InvariantChecked, 4);
    recorder.assert_count(InvariantViolated, 2);
    recorder.assert_count(InvariantReconciled, 1);
    let violated = recorder.of(InvariantViolated);
    assert_eq!(
        violated[1].fields.get("value").map(ToString::to_string),
        Some("-4".into())
    );
    assert_eq!(
        violated[1].fields.get("batch").map(ToString::to_string),
        Some("4".into())
    );
    assert_eq!(violated[0].site.function, "emit_macro::reconcile");
}

#[emits(InvariantViolated)]
fn emit_inside_another_macro(values: &[i32]) -> Vec<bool> {
    vec![values.is_empty(), {
        emit!(InvariantViolated, count = values.len());
        true
    }]
}

#[test]
fn emit_inside_another_macros_tokens_is_rewritten_too() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(emit_inside_another_macro(&[1]), [false, true]);
    recorder.assert_field(InvariantViolated, "count", 1);
}

#[test]
fn emit_outside_emits_uses_an_explicit_bus_or_the_default() {
    let explicit = Recorder::<EventType>::new();
    let scoped = Recorder::<EventType>::new();
    emit!(CacheCleared, reason = "explicit", bus = explicit);
    emit!(CacheCleared); // no default yet: nothing happens
    let _guard = scoped.install_scoped();
    emit!(EventType::CacheCleared, reason = %"scoped");
    explicit.assert_count(CacheCleared, 1);
    explicit.assert_field(CacheCleared, "reason", "explicit");
    scoped.assert_count(CacheCleared, 1);
    scoped.assert_field(CacheCleared, "reason", "scoped");
    let site = &scoped.events()[0].site;
    assert_eq!(
        site.function,
        "emit_macro::emit_outside_emits_uses_an_explicit_bus_or_the_default"
    );
}

static DISPLAYED: AtomicUsize = AtomicUsize::new(0);

struct Costly;

impl fmt::Display for Costly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        DISPLAYED.fetch_add(1, Ordering::SeqCst);
        f.write_str("costly")
    }
}

/// Declines everything but `CacheCleared`.
struct OnlyCacheCleared(Recorder<EventType>);

impl Bus<EventType> for OnlyCacheCleared {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        self.0.bus().publish(event)
    }
    fn accepts(&self, kind: EventType) -> bool {
        kind == CacheCleared
    }
}

#[emits(InvariantReconciled, bus = bus, fields(value = %costly))]
fn with_costly_field(bus: &Option<SharedBus<EventType>>, costly: &Costly) -> u8 {
    let _ = costly;
    1
}

#[test]
fn fields_are_evaluated_only_when_a_bus_takes_the_event() {
    let costly = Costly;
    let before = DISPLAYED.load(Ordering::SeqCst);
    assert_eq!(with_costly_field(&None, &costly), 1);
    assert_eq!(DISPLAYED.load(Ordering::SeqCst), before, "no bus: no field");

    let recorder = Recorder::new();
    let declining: SharedBus<EventType> = Arc::new(OnlyCacheCleared(recorder.clone()));
    assert_eq!(with_costly_field(&Some(declining), &costly), 1);
    assert_eq!(
        DISPLAYED.load(Ordering::SeqCst),
        before,
        "declined: no field"
    );
    assert!(recorder.kinds().is_empty());

    assert_eq!(with_costly_field(&Some(recorder.bus()), &costly), 1);
    assert_eq!(
        DISPLAYED.load(Ordering::SeqCst),
        before + 1,
        "taken: evaluated once"
    );
    recorder.assert_field(InvariantReconciled, "value", "costly");
}

/// `bus` is reserved in `emit!`, but a field of that name can still be
/// captured, with `%bus`, `?bus` or `"bus" = ..` (the shorthand `bus` alone
/// is a compile error: `ui-tests/ui/emit_bus_shorthand.rs`).
#[test]
fn a_field_named_bus_is_captured_when_written_as_one() {
    let recorder = Recorder::<EventType>::new();
    let _guard = recorder.install_scoped();
    let bus = "the 42";
    emit!(InvariantReconciled, %bus);
    emit!(InvariantReconciled, ?bus);
    emit!(InvariantReconciled, "bus" = 7);
    let seen: Vec<String> = recorder
        .events()
        .iter()
        .map(|e| {
            e.fields
                .get("bus")
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(seen, ["the 42", "\"the 42\"", "7"]);
}
