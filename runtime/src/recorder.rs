//! A bus for tests that keeps every event and asserts on them.

use crate::bus::{Bus, BusError, HasBus, SharedBus};
use crate::defaults::{set_scoped_default, ScopedDefault};
use crate::event::Event;
use crate::field::Value;
use crate::kind::EventKind;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// A bus that records every event, for tests.
///
/// Cloning gives another handle to the same record. Every `assert_*` method
/// panics with the list of what was actually emitted.
///
/// ```
/// use eventwire::{emits, emit, EventType, Recorder};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType {
///     #[event(on = entry)] JobStarted,
///     #[event(on = body)]  JobRetried,
///     JobFinished,
/// }
///
/// #[emits(JobStarted, JobRetried, JobFinished, fields(job = %name))]
/// fn run(name: &str) -> usize {
///     for attempt in 1..3u32 {
///         emit!(JobRetried, attempt);
///     }
///     3
/// }
///
/// let recorder = Recorder::<EventType>::new();
/// let _guard = recorder.install_scoped();
/// run("nightly");
/// recorder.assert_sequence(&[
///     EventType::JobStarted,
///     EventType::JobRetried,
///     EventType::JobRetried,
///     EventType::JobFinished,
/// ]);
/// recorder.assert_field(EventType::JobFinished, "job", "nightly");
/// recorder.assert_field(EventType::JobRetried, "attempt", 1);
/// ```
pub struct Recorder<E: EventKind> {
    events: Arc<Mutex<Vec<Event<E>>>>,
    bus: SharedBus<E>,
}

struct Sink<E>(Arc<Mutex<Vec<Event<E>>>>);

impl<E: EventKind> Bus<E> for Sink<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        // A test that panicked while holding the lock must not hide later events.
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(event);
        Ok(())
    }
}

impl<E: EventKind> Default for Recorder<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: EventKind> Clone for Recorder<E> {
    fn clone(&self) -> Self {
        Recorder {
            events: Arc::clone(&self.events),
            bus: Arc::clone(&self.bus),
        }
    }
}

impl<E: EventKind> fmt::Debug for Recorder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl<E: EventKind> HasBus<E> for Recorder<E> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        Some(&self.bus)
    }
}

impl<E: EventKind> Recorder<E> {
    /// An empty recorder.
    pub fn new() -> Self {
        let events = Arc::new(Mutex::new(Vec::new()));
        let bus: SharedBus<E> = Arc::new(Sink(Arc::clone(&events)));
        Recorder { events, bus }
    }

    /// A bus handle to give to a service; every event published to it is recorded here.
    pub fn bus(&self) -> SharedBus<E> {
        Arc::clone(&self.bus)
    }

    /// Makes this recorder the scoped default bus of this thread until the guard drops.
    #[must_use = "the recorder stops being the default when the guard is dropped"]
    pub fn install_scoped(&self) -> ScopedDefault<E>
    where
        E: crate::kind::UsesDefaultBus,
    {
        set_scoped_default(self.bus())
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event<E>>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of every event recorded so far, in order.
    pub fn events(&self) -> Vec<Event<E>> {
        self.lock().clone()
    }

    /// The kinds recorded so far, in order.
    pub fn kinds(&self) -> Vec<E> {
        self.lock().iter().map(|e| e.kind).collect()
    }

    /// Every recorded event of `kind`, in order.
    pub fn of(&self, kind: E) -> Vec<Event<E>> {
        self.lock()
            .iter()
            .filter(|e| e.kind == kind)
            .cloned()
            .collect()
    }

    /// How many events of `kind` were recorded.
    pub fn count(&self, kind: E) -> usize {
        self.lock().iter().filter(|e| e.kind == kind).count()
    }

    /// Forgets everything recorded so far.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// What was emitted, one line per event, for failure messages.
    fn emitted(&self) -> String {
        let events = self.lock();
        if events.is_empty() {
            return "nothing was emitted".to_owned();
        }
        let mut out = format!("emitted ({}):", events.len());
        for event in events.iter() {
            out.push_str(&format!(
                "\n  {} ({}) [{}] from {}",
                event.kind.dotted_name(),
                event.kind.variant_name(),
                event.phase,
                event.site
            ));
            if !event.fields.is_empty() {
                let fields: Vec<String> = event
                    .fields
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect();
                out.push_str(&format!(" {{{}}}", fields.join(", ")));
            }
            if let Some(error) = &event.error {
                out.push_str(&format!(" error={error:?}"));
            }
        }
        out
    }

    /// Panics unless at least one event of `kind` was recorded.
    #[track_caller]
    pub fn assert_emitted(&self, kind: E) {
        if self.count(kind) == 0 {
            panic!(
                "expected {} ({}) to be emitted, but it was not; {}",
                kind.variant_name(),
                kind.dotted_name(),
                self.emitted()
            );
        }
    }

    /// Panics if any event of `kind` was recorded.
    #[track_caller]
    pub fn assert_not_emitted(&self, kind: E) {
        if self.count(kind) != 0 {
            panic!(
                "expected {} ({}) not to be emitted, but it was; {}",
                kind.variant_name(),
                kind.dotted_name(),
                self.emitted()
            );
        }
    }

    /// Panics unless exactly `expected` events of `kind` were recorded.
    #[track_caller]
    pub fn assert_count(&self, kind: E, expected: usize) {
        let actual = self.count(kind);
        if actual != expected {
            panic!(
                "expected {} ({}) to be emitted {expected} time(s), but it was emitted {actual} time(s); {}",
                kind.variant_name(),
                kind.dotted_name(),
                self.emitted()
            );
        }
    }

    /// Panics unless the recorded kinds are exactly `expected`, in order.
    #[track_caller]
    pub fn assert_sequence(&self, expected: &[E]) {
        if self.kinds() != expected {
            let names: Vec<&str> = expected.iter().map(|k| k.dotted_name()).collect();
            panic!(
                "expected exactly this sequence: [{}]; {}",
                names.join(", "),
                self.emitted()
            );
        }
    }

    /// Panics unless some event of `kind` has a field `name` equal to `expected`
    /// (compared as text, so `1`, `"1"` and `1u8` all match a field holding 1).
    #[track_caller]
    pub fn assert_field(&self, kind: E, name: &str, expected: impl fmt::Display) {
        let expected = expected.to_string();
        let found = self.lock().iter().any(|e| {
            e.kind == kind
                && e.fields
                    .get(name)
                    .is_some_and(|v| v.to_string() == expected)
        });
        if !found {
            panic!(
                "expected {} ({}) with field {name} = {expected}, but none was emitted; {}",
                kind.variant_name(),
                kind.dotted_name(),
                self.emitted()
            );
        }
    }

    /// Panics unless some event of `kind` carries exactly this error text.
    #[track_caller]
    pub fn assert_error(&self, kind: E, expected: &str) {
        let found = self
            .lock()
            .iter()
            .any(|e| e.kind == kind && e.error.as_deref() == Some(expected));
        if !found {
            panic!(
                "expected {} ({}) with error {expected:?}, but none was emitted; {}",
                kind.variant_name(),
                kind.dotted_name(),
                self.emitted()
            );
        }
    }

    /// The value of field `name` on the last event of `kind`.
    pub fn field(&self, kind: E, name: &str) -> Option<Value> {
        self.lock()
            .iter()
            .rev()
            .find(|e| e.kind == kind)
            .and_then(|e| e.fields.get(name).cloned())
    }
}

#[cfg(test)]
mod tests {
    use crate::{emit, EventType, Recorder};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        Saved,
        Deleted,
    }

    fn failure_of(f: impl FnOnce()) -> String {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .expect_err("the assertion should fail");
        crate::isolate::panic_message(payload.as_ref())
    }

    #[test]
    fn failures_list_what_was_emitted() {
        let recorder = Recorder::<Ev>::new();
        emit!(Ev::Saved, id = 7, bus = recorder);
        let r = recorder.clone();
        let message = failure_of(move || r.assert_emitted(Ev::Deleted));
        assert!(message.starts_with("expected Deleted (deleted) to be emitted, but it was not; emitted (1):\n  saved (Saved) [body] from tests::failures_list_what_was_emitted at runtime/src/recorder.rs:"), "{message}");
        assert!(message.ends_with("{id=7}"), "{message}");

        let r = recorder.clone();
        let message = failure_of(move || r.assert_count(Ev::Saved, 2));
        assert!(message.contains("emitted 2 time(s), but it was emitted 1 time(s)"));
        let r = recorder.clone();
        let message = failure_of(move || r.assert_field(Ev::Saved, "id", 8));
        assert!(message.contains("with field id = 8, but none was emitted"));
        let r = recorder.clone();
        let message = failure_of(move || r.assert_not_emitted(Ev::Saved));
        assert!(message.contains("not to be emitted, but it was"));
        let r = recorder.clone();
        let message = failure_of(move || r.assert_sequence(&[Ev::Deleted]));
        assert!(message.contains("expected exactly this sequence: [deleted]"));

        recorder.assert_field(Ev::Saved, "id", 7);
        recorder.clear();
        let message = failure_of(move || recorder.assert_emitted(Ev::Saved));
        assert!(message.ends_with("nothing was emitted"));
    }
}
