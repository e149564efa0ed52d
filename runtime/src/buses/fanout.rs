//! The synchronous fan-out bus: every subscriber is called on the emitting
//! thread, each in isolation.

use crate::bus::{Bus, BusError};
use crate::event::Event;
use crate::failure::{fail, FailedEvent, Failure, FailureCause};
use crate::isolate::{isolate, Panicked};
use crate::kind::EventKind;
use crate::lineage::caused_by;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

type Callback<E> = Arc<dyn Fn(&Event<E>) + Send + Sync>;

struct Subscriber<E> {
    id: u64,
    /// `None`: every kind. Otherwise indexed by `EventKind::index`.
    kinds: Option<Box<[bool]>>,
    callback: Callback<E>,
}

impl<E: EventKind> Subscriber<E> {
    fn wants(&self, kind: E) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|k| k.get(kind.index()).copied().unwrap_or(false))
    }
}

/// Identifies a subscription, to [`SyncBus::unsubscribe`] it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

/// What a [`SyncBus`] did, since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncBusStats {
    /// Events published to it.
    pub published: u64,
    /// Deliveries to a subscriber that returned normally.
    pub delivered: u64,
    /// Deliveries to a subscriber that panicked (caught).
    pub panicked: u64,
    /// Events published from inside subscribers nested deeper than the
    /// limit, dropped.
    pub dropped_nested: u64,
}

#[derive(Default)]
struct Counters {
    published: AtomicU64,
    delivered: AtomicU64,
    panicked: AtomicU64,
    dropped_nested: AtomicU64,
}

/// How many `SyncBus` publishes, of any buses, may nest on one thread (or a
/// bus's own limit, if higher): what bounds a ring of many buses.
const MAX_NESTED_PUBLISHES: usize = 64;

thread_local! {
    /// How many `SyncBus::publish` calls are on this thread's stack.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The bus of the outermost of them.
    static OUTERMOST: Cell<usize> = const { Cell::new(0) };
    /// The buses of the others, innermost last: only a nested publish,
    /// rare, reads them, to count its own bus's depth.
    static NESTED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Calls every subscriber on the emitting thread.
///
/// - Each delivery is isolated: a panicking subscriber is caught, counted
///   and reported through the failure hook; the others still get the event.
/// - A subscriber may emit events itself; nesting deeper than
///   [`SyncBus::DEFAULT_MAX_DEPTH`] (or [`SyncBus::with_max_depth`]) is
///   dropped and counted instead of overflowing the stack.
/// - Subscribing and unsubscribing are safe while other threads publish: each
///   publish delivers to the subscribers of the moment it started, and no
///   lock is held while a subscriber runs.
///
/// It calls subscribers on the caller's thread, so they must be quick; put a
/// slow one behind a [`BackgroundBus`](crate::buses::BackgroundBus).
///
/// ```
/// use eventwire::buses::SyncBus;
/// use eventwire::{emit, EventType};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { OrderPlaced, OrderShipped }
///
/// let bus = SyncBus::<EventType>::new();
/// let shipped = Arc::new(AtomicUsize::new(0));
/// let counter = Arc::clone(&shipped);
/// bus.subscribe_to(&[EventType::OrderShipped], move |_| {
///     counter.fetch_add(1, Ordering::Relaxed);
/// });
/// bus.subscribe(|_| panic!("a broken subscriber")); // caught and counted
///
/// let bus = bus.shared();
/// emit!(OrderPlaced, bus = bus);
/// emit!(OrderShipped, bus = bus);
/// assert_eq!(shipped.load(Ordering::Relaxed), 1);
/// ```
pub struct SyncBus<E: EventKind> {
    subscribers: RwLock<Arc<[Subscriber<E>]>>,
    /// Per kind (by index), whether any subscriber wants it: `accepts` is
    /// asked before every event is built, so it is one atomic load.
    wanted: Box<[AtomicBool]>,
    next_id: AtomicU64,
    max_depth: usize,
    counters: Counters,
    /// Lists of subscribers the bus no longer publishes to that a publish
    /// still held when they were replaced: what they own (a removed
    /// callback's state) is user code to drop, dropped by a later change of
    /// the subscribers or with the bus, never on the publishing call.
    retired: std::sync::Mutex<Vec<Arc<[Subscriber<E>]>>>,
}

impl<E: EventKind> Default for SyncBus<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: EventKind> fmt::Debug for SyncBus<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncBus")
            .field("subscribers", &self.snapshot().len())
            .field("stats", &self.stats())
            .finish()
    }
}

impl<E: EventKind> SyncBus<E> {
    /// How deep subscribers may publish from inside subscribers, by default.
    pub const DEFAULT_MAX_DEPTH: usize = 8;

    /// A bus without subscribers.
    pub fn new() -> Self {
        Self::with_max_depth(Self::DEFAULT_MAX_DEPTH)
    }

    /// A bus that drops events published to it from its own subscribers
    /// nested deeper than `max_depth`: the depth counts this bus's
    /// publishes in progress on the thread (its outermost is 1), so that
    /// a bus published to from inside another's subscriber starts at 1.
    /// However buses nest, it also drops an event that would make more
    /// than 64 `SyncBus` publishes nested on the thread: a ring of buses
    /// ends, and never overflows the stack. A `max_depth` above 64 is 64.
    pub fn with_max_depth(max_depth: usize) -> Self {
        SyncBus {
            subscribers: RwLock::new(Arc::from(Vec::new())),
            wanted: E::ALL.iter().map(|_| AtomicBool::new(false)).collect(),
            next_id: AtomicU64::new(1),
            max_depth: max_depth.min(MAX_NESTED_PUBLISHES),
            counters: Counters::default(),
            retired: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// This bus as a shared handle, to give to services.
    pub fn shared(self) -> crate::SharedBus<E> {
        Arc::new(self)
    }

    fn snapshot(&self) -> Arc<[Subscriber<E>]> {
        // A poisoned lock still holds a whole list: writers replace it at once.
        Arc::clone(&self.subscribers.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn add(&self, kinds: Option<Box<[bool]>>, callback: Callback<E>) -> SubscriptionId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut list = self.subscribers.write().unwrap_or_else(|e| e.into_inner());
        let mut next: Vec<Subscriber<E>> = list
            .iter()
            .map(|s| Subscriber {
                id: s.id,
                kinds: s.kinds.clone(),
                callback: Arc::clone(&s.callback),
            })
            .collect();
        next.push(Subscriber {
            id,
            kinds,
            callback,
        });
        self.refresh_wanted(&next);
        let old = std::mem::replace(&mut *list, Arc::from(next));
        drop(list);
        self.retire(old);
        SubscriptionId(id)
    }

    /// Keeps `old`, a list the bus no longer publishes to, until no publish
    /// holds it, and drops, here and outside any lock, the kept lists none
    /// holds any more. A publish never holds the last handle of a list, so
    /// what a removed subscriber owns is never dropped on the publishing
    /// call; and a list can only lose holders once replaced (publishes take
    /// the current one), so one held by nothing else stays so.
    fn retire(&self, old: Arc<[Subscriber<E>]>) {
        let unheld: Vec<Arc<[Subscriber<E>]>> = {
            let mut retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
            retired.push(old);
            let (unheld, held) = std::mem::take(&mut *retired)
                .into_iter()
                .partition(|list| Arc::strong_count(list) == 1);
            *retired = held;
            unheld
        };
        // One at a time, isolated: two removed subscribers whose `Drop`
        // panics would otherwise panic while unwinding, an abort.
        for list in unheld {
            crate::isolate::dispose(list, "a removed subscriber");
        }
    }

    /// Calls `callback` with every event.
    pub fn subscribe(
        &self,
        callback: impl Fn(&Event<E>) + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add(None, Arc::new(callback))
    }

    /// Calls `callback` with the events of these kinds only.
    pub fn subscribe_to(
        &self,
        kinds: &[E],
        callback: impl Fn(&Event<E>) + Send + Sync + 'static,
    ) -> SubscriptionId {
        let mut wanted = vec![false; E::ALL.len()].into_boxed_slice();
        for kind in kinds {
            if let Some(slot) = wanted.get_mut(kind.index()) {
                *slot = true;
            }
        }
        self.add(Some(wanted), Arc::new(callback))
    }

    /// Removes a subscription; `false` if it was already gone. A publish
    /// already under way may still deliver to it once.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut list = self.subscribers.write().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|s| s.id == id.0) {
            return false;
        }
        let next: Vec<Subscriber<E>> = list
            .iter()
            .filter(|s| s.id != id.0)
            .map(|s| Subscriber {
                id: s.id,
                kinds: s.kinds.clone(),
                callback: Arc::clone(&s.callback),
            })
            .collect();
        self.refresh_wanted(&next);
        // The old list holds the removed callback, perhaps its last handle:
        // dropped after the lock is released, since dropping what it owns
        // is user code (a bus it kept draining, say), and not while a
        // publish holds it.
        let old = std::mem::replace(&mut *list, Arc::from(next));
        drop(list);
        self.retire(old);
        true
    }

    /// Recomputes which kinds any subscriber wants; called with the list's
    /// write lock held, so that updates do not interleave.
    fn refresh_wanted(&self, subscribers: &[Subscriber<E>]) {
        for (kind, flag) in E::ALL.iter().zip(self.wanted.iter()) {
            flag.store(
                subscribers.iter().any(|s| s.wants(*kind)),
                Ordering::Release,
            );
        }
    }

    /// How many subscriptions there are.
    pub fn subscriber_count(&self) -> usize {
        self.snapshot().len()
    }

    /// The counts so far.
    pub fn stats(&self) -> SyncBusStats {
        let c = &self.counters;
        SyncBusStats {
            published: c.published.load(Ordering::Relaxed),
            delivered: c.delivered.load(Ordering::Relaxed),
            panicked: c.panicked.load(Ordering::Relaxed),
            dropped_nested: c.dropped_nested.load(Ordering::Relaxed),
        }
    }
}

/// Restores the nesting depth when a publish ends, even by unwinding.
struct DepthGuard {
    nested: bool,
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        if self.nested {
            let _ = NESTED.try_with(|nested| nested.borrow_mut().pop());
        }
    }
}

/// Enters a publish of the bus `id` on this thread: its depth, counted
/// over this bus's own publishes (the outermost is 1), the depth of all
/// `SyncBus` publishes on the thread, and the guard that leaves it.
#[inline]
fn enter(id: usize) -> (usize, usize, DepthGuard) {
    let depth = DEPTH.with(|d| {
        let depth = d.get() + 1;
        d.set(depth);
        depth
    });
    if depth == 1 {
        OUTERMOST.with(|outermost| outermost.set(id));
        return (1, 1, DepthGuard { nested: false });
    }
    (enter_nested(id), depth, DepthGuard { nested: true })
}

#[cold]
fn enter_nested(id: usize) -> usize {
    let outer = usize::from(OUTERMOST.with(Cell::get) == id);
    let nested = NESTED
        .try_with(|nested| {
            let mut nested = nested.borrow_mut();
            let own = nested.iter().filter(|bus| **bus == id).count();
            nested.push(id);
            own
        })
        .unwrap_or(0);
    1 + outer + nested
}

impl<E: EventKind> SyncBus<E> {
    /// Delivers `event` to each subscriber that wants it; `false` when it
    /// was dropped instead, nested too deep (counted and reported).
    #[inline]
    fn deliver(&self, event: Event<E>) -> bool {
        // The bus's address names it while it publishes (it is borrowed).
        let (depth, all, _restore) = enter(std::ptr::from_ref(self).cast::<()>() as usize);
        // However buses nest (a ring of many), the thread's stack holds at
        // most this many publishes.
        let bound = MAX_NESTED_PUBLISHES;
        if depth > self.max_depth || all > bound {
            // A drop, counted as one in `eventwire::stats()` (not an error
            // of the bus) and reported here, with the event and the limit
            // it passed.
            let limit = if depth > self.max_depth {
                self.max_depth
            } else {
                bound
            };
            self.counters.dropped_nested.fetch_add(1, Ordering::Relaxed);
            fail(
                &Failure::new(
                    FailureCause::NestedTooDeep(limit),
                    Some(FailedEvent::of(event.kind, event.site.clone())),
                )
                .by("a SyncBus"),
            );
            return false;
        }
        self.counters.published.fetch_add(1, Ordering::Relaxed);
        let subscribers = self.snapshot();
        for subscriber in subscribers.iter().filter(|s| s.wants(event.kind)) {
            // What a subscriber emits is caused by the event it handles.
            match isolate(|| caused_by(&event, || (subscriber.callback)(&event))) {
                Ok(()) => {
                    self.counters.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(Panicked(why)) => {
                    self.counters.panicked.fetch_add(1, Ordering::Relaxed);
                    let why = format!("subscriber {} panicked: {why}", subscriber.id);
                    fail(
                        &Failure::new(
                            FailureCause::Panic(why),
                            Some(FailedEvent::of(event.kind, event.site.clone())),
                        )
                        .by("a SyncBus"),
                    );
                }
            }
        }
        // Never the last handle of the list (see `retire`).
        drop(subscribers);
        true
    }
}

impl<E: EventKind> Bus<E> for SyncBus<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        self.deliver(event);
        Ok(())
    }

    /// Taken unless dropped for nesting too deep (a subscriber that panics
    /// is counted by the bus; the bus took the event).
    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        if self.deliver(event) {
            Ok(())
        } else {
            Err(BusError::new(
                "a SyncBus dropped the event: published from subscribers nested too deep",
            )
            .already_reported())
        }
    }

    fn accepts(&self, kind: E) -> bool {
        self.wanted
            .get(kind.index())
            .is_some_and(|flag| flag.load(Ordering::Acquire))
    }

    /// Each subscriber is isolated here; `accepts` reads flags.
    fn __eventwire_contained(&self) -> bool {
        true
    }
}
