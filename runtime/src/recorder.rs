//! A bus for tests that keeps every event and asserts on them.

use crate::bus::{Bus, BusError, HasBus, SharedBus};
use crate::defaults::{set_scoped_default, ScopedDefault};
use crate::event::Event;
use crate::field::Value;
use crate::kind::EventKind;
use crate::lineage::CorrelationId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

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
    events: Arc<Record<E>>,
    bus: SharedBus<E>,
}

/// The events, and who waits for more.
struct Record<E> {
    events: Mutex<Vec<Event<E>>>,
    /// Threads in [`Recorder::wait_for_blocking`].
    arrived: Condvar,
    /// Tasks in [`Recorder::wait_for`].
    wakers: Mutex<Vec<Waker>>,
}

struct Sink<E>(Arc<Record<E>>);

impl<E: EventKind> Bus<E> for Sink<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        // A test that panicked while holding the lock must not hide later events.
        self.0
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
        self.0.arrived.notify_all();
        let wakers = std::mem::take(&mut *self.0.wakers.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in wakers {
            waker.wake();
        }
        Ok(())
    }

    /// Recording takes a lock and wakes waiters: nothing here panics.
    fn __eventwire_contained(&self) -> bool {
        true
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
    #[inline(always)]
    fn __eventwire_find(
        &self,
        _: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        Some(&self.bus)
    }
}

impl<E: EventKind> Recorder<E> {
    /// An empty recorder.
    pub fn new() -> Self {
        let events = Arc::new(Record {
            events: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            wakers: Mutex::new(Vec::new()),
        });
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
        self.events.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first event of `kind`, recorded already or when it comes, from
    /// any thread or task; `None` if none came within `timeout`. For events
    /// that another task emits: no polling loop in the test.
    ///
    /// Works on any executor (the timeout runs on a thread of its own).
    ///
    /// ```
    /// # use eventwire::{emit, EventType, Recorder};
    /// # use std::time::Duration;
    /// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    /// enum EventType { JobFinished }
    ///
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// let recorder = Recorder::<EventType>::new();
    /// let bus = recorder.bus();
    /// std::thread::spawn(move || emit!(JobFinished, bus = bus));
    /// let event = block_on(recorder.wait_for(EventType::JobFinished, Duration::from_secs(5)));
    /// assert!(event.is_some());
    /// ```
    pub fn wait_for(&self, kind: E, timeout: Duration) -> WaitFor<E> {
        WaitFor {
            record: Arc::clone(&self.events),
            kind,
            deadline: crate::buses::deadline(timeout),
            timer: false,
        }
    }

    /// [`Recorder::wait_for`], blocking this thread.
    pub fn wait_for_blocking(&self, kind: E, timeout: Duration) -> Option<Event<E>> {
        // (`Duration::MAX`: as long as it takes.)
        let deadline = crate::buses::deadline(timeout);
        let mut events = self.lock();
        loop {
            if let Some(event) = events.iter().find(|e| e.kind == kind) {
                return Some(event.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            events = self
                .events
                .arrived
                .wait_timeout(events, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
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
            if let Some(cause) = event.causation_id {
                match events.iter().position(|e| e.id == cause) {
                    Some(n) => out.push_str(&format!(
                        " caused_by={} (event {} above)",
                        events[n].kind.dotted_name(),
                        n + 1
                    )),
                    None => out.push_str(&format!(" caused_by={cause}")),
                }
            }
            if let Some(correlation) = &event.correlation_id {
                out.push_str(&format!(" correlation={correlation:?}"));
            }
        }
        out
    }

    /// Panics unless every recorded event of `effect` (and there is at
    /// least one) was caused by a recorded event of `cause`: its
    /// `causation_id` is the id of such an event. See [`crate::lineage`].
    #[track_caller]
    pub fn assert_caused_by(&self, effect: E, cause: E) {
        let wrong = {
            let events = self.lock();
            let effects: Vec<&Event<E>> = events.iter().filter(|e| e.kind == effect).collect();
            let caused = |e: &&Event<E>| {
                e.causation_id
                    .is_some_and(|id| events.iter().any(|c| c.id == id && c.kind == cause))
            };
            if effects.is_empty() {
                Some("none was emitted".to_owned())
            } else {
                let uncaused = effects.iter().filter(|e| !caused(e)).count();
                (uncaused > 0).then(|| format!("{uncaused} of {} were not", effects.len()))
            }
        };
        if let Some(wrong) = wrong {
            panic!(
                "expected every {} ({}) to be caused by {} ({}), but {wrong}; {}",
                effect.variant_name(),
                effect.dotted_name(),
                cause.variant_name(),
                cause.dotted_name(),
                self.emitted()
            );
        }
    }

    /// Panics unless every recorded event of `kind` (and there is at least
    /// one) carries the correlation id `id`. See [`crate::lineage`].
    #[track_caller]
    pub fn assert_correlated(&self, kind: E, id: impl Into<CorrelationId>) {
        let id = id.into();
        let wrong = {
            let events = self.lock();
            let of_kind: Vec<&Event<E>> = events.iter().filter(|e| e.kind == kind).collect();
            if of_kind.is_empty() {
                Some("none was emitted".to_owned())
            } else {
                let other = of_kind
                    .iter()
                    .filter(|e| e.correlation_id.as_ref() != Some(&id))
                    .count();
                (other > 0).then(|| format!("{other} of {} did not", of_kind.len()))
            }
        };
        if let Some(wrong) = wrong {
            panic!(
                "expected every {} ({}) to carry correlation id {:?}, but {wrong}; {}",
                kind.variant_name(),
                kind.dotted_name(),
                id.as_str(),
                self.emitted()
            );
        }
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

/// The future of [`Recorder::wait_for`].
#[must_use = "a future does nothing unless awaited"]
pub struct WaitFor<E: EventKind> {
    record: Arc<Record<E>>,
    kind: E,
    deadline: Instant,
    /// Whether the thread that wakes the task at the deadline runs.
    timer: bool,
}

impl<E: EventKind> fmt::Debug for WaitFor<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor").field("kind", &self.kind).finish()
    }
}

// Nothing in it is pinned.
impl<E: EventKind> Unpin for WaitFor<E> {}

impl<E: EventKind> Future for WaitFor<E> {
    type Output = Option<Event<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The waker is registered under the events' lock, so that an event
        // recorded meanwhile wakes it.
        let events = this.record.events.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(event) = events.iter().find(|e| e.kind == this.kind) {
            return Poll::Ready(Some(event.clone()));
        }
        if Instant::now() >= this.deadline {
            return Poll::Ready(None);
        }
        this.record
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(cx.waker().clone());
        drop(events);
        if !this.timer {
            this.timer = true;
            let waker = cx.waker().clone();
            let deadline = this.deadline;
            std::thread::spawn(move || {
                if let Some(left) = deadline.checked_duration_since(Instant::now()) {
                    std::thread::sleep(left);
                }
                waker.wake();
            });
        }
        Poll::Pending
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

    /// `Duration::MAX` waits as long as it takes (it overflowed `Instant`).
    #[test]
    fn waiting_without_a_bound_finds_what_was_recorded() {
        let recorder = Recorder::<Ev>::new();
        emit!(Ev::Saved, bus = recorder);
        let found = recorder.wait_for_blocking(Ev::Saved, std::time::Duration::MAX);
        assert!(found.is_some());
        let waiting = recorder.wait_for(Ev::Saved, std::time::Duration::MAX);
        drop(waiting);
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
