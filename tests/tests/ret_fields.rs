//! `ret(..)`: fields computed from the return value, for the events
//! published after the body returned; evaluated only when a bus takes one.

use eventwire::{emits, EventType, HasBus, Recorder, SharedBus, Value};
use std::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    LookupStarted,
    LookupDone,
    #[event(on = err)]
    LookupFailed,
    #[event(on = exit)]
    LookupEnded,
}

thread_local! {
    // Per thread: the tests run at once, each on its own thread.
    static EVALUATED: Cell<usize> = const { Cell::new(0) };
}

fn counted<T>(value: T) -> T {
    EVALUATED.set(EVALUATED.get() + 1);
    value
}

#[derive(Default, HasBus)]
struct Cache {
    bus: Option<SharedBus<EventType>>,
}

impl Cache {
    #[emits(LookupStarted, LookupDone, fields(key = %key), ret(hit = counted(ret.is_some())))]
    fn get(&self, key: &str) -> Option<u32> {
        (key == "a").then_some(1)
    }

    #[emits(LookupDone, LookupFailed, LookupEnded, ret(found = ret.as_ref().map_or(0, |v| v.len())))]
    fn list(&self, fail: bool) -> Result<Vec<u8>, String> {
        if fail {
            return Err("gone".to_owned());
        }
        Ok(vec![1, 2, 3])
    }

    #[emits(LookupDone, ret(doubled = *ret * 2))]
    async fn size(&self) -> u32 {
        tokio::task::yield_now().await;
        21
    }

    #[track_caller]
    #[emits(LookupDone, ret(len = ret.len()))]
    fn name(&self) -> String {
        "grep".to_owned()
    }

    #[emits(LookupDone, ret(bad = panics(ret)))]
    fn fragile(&self) -> u8 {
        5
    }
}

fn panics(_: &u8) -> u8 {
    panic!("no field for you")
}

#[test]
fn ret_fields_come_from_the_value_returned() {
    let recorder = Recorder::<EventType>::new();
    let cache = Cache {
        bus: Some(recorder.bus()),
    };
    assert_eq!(cache.get("a"), Some(1));
    assert_eq!(cache.get("b"), None);
    let done = recorder.of(EventType::LookupDone);
    assert_eq!(done[0].fields.get("hit"), Some(&Value::Bool(true)));
    assert_eq!(done[1].fields.get("hit"), Some(&Value::Bool(false)));
    assert_eq!(done[0].fields.get("key"), Some(&Value::Str("a".into())));
    // The entry event has the call's fields only: nothing was returned yet.
    let started = recorder.of(EventType::LookupStarted);
    assert_eq!(started[0].fields.get("hit"), None);

    recorder.clear();
    cache.list(false).unwrap();
    cache.list(true).unwrap_err();
    assert_eq!(
        recorder.field(EventType::LookupDone, "found"),
        Some(Value::I64(3))
    );
    assert_eq!(
        recorder.field(EventType::LookupFailed, "found"),
        Some(Value::I64(0))
    );
    let ended: Vec<_> = recorder
        .of(EventType::LookupEnded)
        .iter()
        .map(|e| e.fields.get("found").cloned())
        .collect();
    assert_eq!(ended, [Some(Value::I64(3)), Some(Value::I64(0))]);

    recorder.clear();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(cache.size()), 21);
    assert_eq!(cache.name(), "grep");
    let done = recorder.of(EventType::LookupDone);
    assert_eq!(done[0].fields.get("doubled"), Some(&Value::I64(42)));
    assert_eq!(done[1].fields.get("len"), Some(&Value::I64(4)));
}

#[test]
fn ret_fields_are_not_evaluated_without_a_bus_that_takes_the_event() {
    let before = EVALUATED.get();
    let cache = Cache::default();
    assert_eq!(cache.get("a"), Some(1));
    assert_eq!(EVALUATED.get(), before);
}

/// Takes only the entry events.
struct EntryOnly(Recorder<EventType>);

impl eventwire::Bus<EventType> for EntryOnly {
    fn publish(&self, event: eventwire::Event<EventType>) -> Result<(), eventwire::BusError> {
        eventwire::Bus::publish(&*self.0.bus(), event)
    }
    fn accepts(&self, kind: EventType) -> bool {
        kind == EventType::LookupStarted
    }
}

#[test]
fn ret_fields_are_not_evaluated_when_no_event_after_the_return_is_taken() {
    let recorder = Recorder::<EventType>::new();
    let cache = Cache {
        bus: Some(std::sync::Arc::new(EntryOnly(recorder.clone()))),
    };
    let before = EVALUATED.get();
    assert_eq!(cache.get("a"), Some(1));
    assert_eq!(EVALUATED.get(), before);
    recorder.assert_count(EventType::LookupStarted, 1);
}

#[test]
fn a_ret_field_that_panics_leaves_a_marker_and_the_value_returned() {
    let recorder = Recorder::<EventType>::new();
    let cache = Cache {
        bus: Some(recorder.bus()),
    };
    let before = eventwire::stats().capture_failures;
    assert_eq!(cache.fragile(), 5);
    let Some(Value::Str(marker)) = recorder.field(EventType::LookupDone, "bad") else {
        panic!("a marker in place of the field: {:?}", recorder.events());
    };
    assert!(marker.contains("no field for you"), "{marker}");
    assert!(eventwire::stats().capture_failures > before);
}
