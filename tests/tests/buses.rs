//! The production buses: fan-out, background (thread and tokio), sinks and
//! composition, each under the faults they promise to survive.

use eventwire::buses::{
    AsyncSink, BackgroundBus, Broadcast, Filtered, JsonLinesSink, SinkFuture, SyncBus, TokioBus,
};
use eventwire::{emit, emits, Bus, BusError, Event, EventType, Failure, Recorder, SharedBus};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    OrderPlaced,
    OrderShipped,
    AuditWritten,
}

use EventType::*;

/// Tests that replace the process-wide failure hook take this lock.
static HOOK: Mutex<()> = Mutex::new(());

/// Collects the failures reported while it lives.
struct Failures {
    seen: Arc<Mutex<Vec<String>>>,
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl Failures {
    fn capture() -> Failures {
        let lock = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&seen);
        eventwire::set_failure_hook(move |f: &Failure| sink.lock().unwrap().push(f.to_string()));
        Failures { seen, _lock: lock }
    }

    fn messages(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Failures {
    fn drop(&mut self) {
        eventwire::reset_failure_hook();
    }
}

fn event(kind: EventType, n: u64) -> Event<EventType> {
    let recorder = Recorder::new();
    emit!(EventType::OrderPlaced, bus = recorder, n = n);
    let mut event = recorder.events().remove(0);
    event.kind = kind;
    event
}

// ---- SyncBus ----

#[test]
fn a_panicking_subscriber_is_isolated_counted_and_reported() {
    let failures = Failures::capture();
    let bus = SyncBus::<EventType>::new();
    let before = Arc::new(AtomicUsize::new(0));
    let after = Arc::new(AtomicUsize::new(0));
    let b = Arc::clone(&before);
    bus.subscribe(move |_| {
        b.fetch_add(1, Ordering::SeqCst);
    });
    bus.subscribe(|_| panic!("subscriber bug"));
    let a = Arc::clone(&after);
    bus.subscribe(move |_| {
        a.fetch_add(1, Ordering::SeqCst);
    });
    let bus = Arc::new(bus);
    let shared: SharedBus<EventType> = bus.clone();
    emit!(OrderPlaced, bus = shared);
    assert_eq!(before.load(Ordering::SeqCst), 1);
    assert_eq!(after.load(Ordering::SeqCst), 1);
    let stats = bus.stats();
    assert_eq!(
        (stats.published, stats.delivered, stats.panicked),
        (1, 2, 1)
    );
    let messages = failures.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("subscriber bug"), "{messages:?}");
    assert!(
        messages[0].contains("OrderPlaced (order.placed)"),
        "{messages:?}"
    );
}

/// A failure hook that emits into the bus that is failing (a subscriber
/// that always panics) does not recurse: the failures raised while the
/// hook runs are counted, and not handed to it again.
#[test]
fn a_failure_hook_that_emits_into_the_failing_bus_ends() {
    let _lock = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let bus = SyncBus::<EventType>::new();
    bus.subscribe(|_| panic!("a subscriber that always fails"));
    let shared = bus.shared();
    let into = shared.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    eventwire::set_failure_hook(move |failure: &Failure| {
        seen.fetch_add(1, Ordering::SeqCst);
        emit!(AuditWritten, bus = into, why = %failure);
    });
    let before = eventwire::stats();
    emit!(OrderPlaced, bus = shared);
    let after = eventwire::stats();
    eventwire::reset_failure_hook();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the hook ran once");
    assert!(after.panics - before.panics >= 2, "{after:?}");
    assert!(after.unreported - before.unreported >= 1, "{after:?}");
}

/// Unsubscribing a callback that owns the last handle of another bus runs
/// that bus's drop (a bounded drain) with no lock held: publishers on the
/// same `SyncBus` are not held up behind it.
#[test]
fn unsubscribing_drops_the_callback_outside_the_lock() {
    let bus = Arc::new(SyncBus::<EventType>::new());
    let inner = SyncBus::<EventType>::new();
    let publisher: SharedBus<EventType> = bus.clone();
    // A subscriber whose callback, when dropped, publishes through the bus
    // it was removed from: it would wait on the lock if the drop held it.
    struct OnDrop(SharedBus<EventType>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            emit!(OrderPlaced, bus = self.0);
        }
    }
    let owned = OnDrop(publisher.clone());
    let keep_inner = inner.shared();
    let id = bus.subscribe(move |event| {
        let _ = (&owned, &keep_inner);
        let _ = event;
    });
    let (done, finished) = std::sync::mpsc::channel();
    let unsubscriber = std::thread::spawn(move || {
        let removed = bus.unsubscribe(id);
        let _ = done.send(removed);
    });
    let removed = finished
        .recv_timeout(Duration::from_secs(10))
        .expect("unsubscribe returned: no deadlock on its own lock");
    assert!(removed);
    unsubscriber.join().unwrap();
}

#[test]
fn subscribers_for_some_kinds_see_only_those_and_can_leave() {
    let bus = SyncBus::<EventType>::new();
    let shipped = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&shipped);
    let id = bus.subscribe_to(&[OrderShipped], move |e| {
        assert_eq!(e.kind, OrderShipped);
        s.fetch_add(1, Ordering::SeqCst);
    });
    assert!(!bus.accepts(OrderPlaced));
    assert!(bus.accepts(OrderShipped));
    bus.publish(event(OrderPlaced, 1)).unwrap();
    bus.publish(event(OrderShipped, 2)).unwrap();
    assert!(bus.unsubscribe(id));
    assert!(!bus.unsubscribe(id));
    bus.publish(event(OrderShipped, 3)).unwrap();
    assert_eq!(shipped.load(Ordering::SeqCst), 1);
    assert_eq!(bus.subscriber_count(), 0);
}

#[derive(eventwire::HasBus)]
struct Warehouse {
    bus: Option<SharedBus<EventType>>,
}

impl Warehouse {
    #[emits(OrderShipped)]
    fn ship(&self) {}
}

#[test]
fn a_subscriber_may_emit_through_the_same_bus() {
    let bus = Arc::new(SyncBus::<EventType>::new());
    let shared: SharedBus<EventType> = bus.clone();
    let warehouse = Warehouse {
        bus: Some(shared.clone()),
    };
    let shipped = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&shipped);
    bus.subscribe_to(&[OrderShipped], move |_| {
        s.fetch_add(1, Ordering::SeqCst);
    });
    // Placing an order ships it, from inside the subscriber.
    bus.subscribe_to(&[OrderPlaced], move |_| warehouse.ship());
    emit!(OrderPlaced, bus = shared);
    assert_eq!(shipped.load(Ordering::SeqCst), 1);
}

#[test]
fn endless_re_entrancy_is_cut_at_the_depth_limit_and_counted() {
    let failures = Failures::capture();
    let bus = Arc::new(SyncBus::<EventType>::with_max_depth(5));
    let shared: SharedBus<EventType> = bus.clone();
    let inner = shared.clone();
    bus.subscribe(move |_| emit!(OrderPlaced, bus = inner));
    emit!(OrderPlaced, bus = shared);
    let stats = bus.stats();
    assert_eq!(stats.published, 5);
    assert_eq!(stats.dropped_nested, 1);
    let messages = failures.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("nested more than 5 deep") && messages[0].contains("order.placed"),
        "{messages:?}"
    );
    // Reported as a drop, not as an error of the bus.
    assert!(
        messages[0].contains("dropped") && !messages[0].contains("error"),
        "{messages:?}"
    );
}

/// The depth limit is each bus's own: a bus published to from inside
/// another bus's subscriber starts at depth 1, and a cycle between two
/// buses still ends, at each one's limit.
#[test]
fn each_bus_counts_its_own_depth_and_a_cycle_between_buses_ends() {
    let _failures = Failures::capture();
    let outer = Arc::new(SyncBus::<EventType>::new());
    let inner = Arc::new(SyncBus::<EventType>::with_max_depth(1));
    let got = Arc::new(AtomicUsize::new(0));
    let g = Arc::clone(&got);
    inner.subscribe(move |_| {
        g.fetch_add(1, Ordering::SeqCst);
    });
    let to_inner: SharedBus<EventType> = inner.clone();
    outer.subscribe(move |_| emit!(OrderPlaced, bus = to_inner));
    let to_outer: SharedBus<EventType> = outer.clone();
    emit!(OrderPlaced, bus = to_outer);
    assert_eq!(got.load(Ordering::SeqCst), 1);
    assert_eq!(inner.stats().dropped_nested, 0);

    // a -> b -> a -> b ..: each stops at its own limit of 3.
    let a = Arc::new(SyncBus::<EventType>::with_max_depth(3));
    let b = Arc::new(SyncBus::<EventType>::with_max_depth(3));
    let (to_a, to_b): (SharedBus<EventType>, SharedBus<EventType>) = (a.clone(), b.clone());
    a.subscribe(move |_| emit!(OrderPlaced, bus = to_b));
    b.subscribe(move |_| emit!(OrderPlaced, bus = to_a));
    let start: SharedBus<EventType> = a.clone();
    emit!(OrderPlaced, bus = start);
    assert_eq!((a.stats().published, b.stats().published), (3, 3));
    assert_eq!(a.stats().dropped_nested + b.stats().dropped_nested, 1);

    // A default bus published to from inside another's subscriber has its
    // own 8 levels.
    let outer = Arc::new(SyncBus::<EventType>::new());
    let inner = Arc::new(SyncBus::<EventType>::new());
    let again: SharedBus<EventType> = inner.clone();
    inner.subscribe(move |event| {
        let _ = again.publish(event.clone());
    });
    let to_inner: SharedBus<EventType> = inner.clone();
    outer.subscribe(move |event| {
        let _ = to_inner.publish(event.clone());
    });
    let start: SharedBus<EventType> = outer.clone();
    emit!(OrderPlaced, bus = start);
    assert_eq!(
        (inner.stats().published, inner.stats().dropped_nested),
        (8, 1)
    );

    // A ring of 100 buses, each at the default limit: no more than 64
    // publishes nest on the thread, whichever bus is next.
    let slots: Vec<Arc<std::sync::OnceLock<SharedBus<EventType>>>> =
        (0..100).map(|_| Arc::default()).collect();
    let ring: Vec<Arc<SyncBus<EventType>>> = (0..100).map(|_| Arc::new(SyncBus::new())).collect();
    for (i, bus) in ring.iter().enumerate() {
        let next = Arc::clone(&slots[(i + 1) % 100]);
        bus.subscribe(move |event| {
            if let Some(next) = next.get() {
                let _ = next.publish(event.clone());
            }
        });
        let shared: SharedBus<EventType> = bus.clone();
        let _ = slots[i].set(shared);
    }
    let first = slots[0].get().cloned();
    emit!(OrderPlaced, bus = first);
    let published: u64 = ring.iter().map(|bus| bus.stats().published).sum();
    let dropped: u64 = ring.iter().map(|bus| bus.stats().dropped_nested).sum();
    assert_eq!((published, dropped), (64, 1));
}

#[test]
fn subscribing_and_unsubscribing_while_eight_threads_publish() {
    let bus = Arc::new(SyncBus::<EventType>::new());
    let seen = Arc::new(AtomicU64::new(0));
    let s = Arc::clone(&seen);
    bus.subscribe(move |_| {
        s.fetch_add(1, Ordering::Relaxed);
    });
    let barrier = Arc::new(Barrier::new(9));
    let publishers: Vec<_> = (0..8)
        .map(|_| {
            let bus = Arc::clone(&bus);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for n in 0..2_000 {
                    bus.publish(event(OrderPlaced, n)).unwrap();
                }
            })
        })
        .collect();
    barrier.wait();
    for _ in 0..200 {
        let id = bus.subscribe(|_| {});
        assert!(bus.unsubscribe(id));
    }
    for publisher in publishers {
        publisher.join().unwrap();
    }
    assert_eq!(
        seen.load(Ordering::Relaxed),
        16_000,
        "the standing subscriber saw every event"
    );
    assert_eq!(bus.stats().published, 16_000);
}

// ---- BackgroundBus ----

/// A target that records `(producer, n)` pairs and can be held shut.
#[derive(Clone, Default)]
struct Gate {
    seen: Arc<Mutex<Vec<(u64, u64)>>>,
    open: Arc<(Mutex<bool>, std::sync::Condvar)>,
    delay: Option<Duration>,
}

impl Gate {
    fn closed() -> Gate {
        Gate::default()
    }
    fn opened() -> Gate {
        let gate = Gate::default();
        gate.open();
        gate
    }
    fn open(&self) {
        let (lock, ready) = &*self.open;
        *lock.lock().unwrap() = true;
        ready.notify_all();
    }
    fn seen(&self) -> Vec<(u64, u64)> {
        self.seen.lock().unwrap().clone()
    }
}

impl Bus<EventType> for Gate {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        let (lock, ready) = &*self.open;
        let mut open = lock.lock().unwrap();
        while !*open {
            open = ready.wait(open).unwrap();
        }
        drop(open);
        if let Some(delay) = self.delay {
            std::thread::sleep(delay);
        }
        let number = |name| match event.fields.get(name) {
            Some(eventwire::Value::I64(v)) => *v as u64,
            _ => u64::MAX,
        };
        self.seen
            .lock()
            .unwrap()
            .push((number("producer"), number("n")));
        Ok(())
    }
}

fn produce(bus: &SharedBus<EventType>, producer: u64, count: u64) {
    for n in 0..count {
        emit!(OrderPlaced, bus = bus, producer, n);
    }
}

/// [`produce`], of `OrderShipped`: the reports of a test that uses it are
/// told apart from other tests' (the failure hook is the process's).
fn ship(bus: &SharedBus<EventType>, producer: u64, count: u64) {
    for n in 0..count {
        emit!(OrderShipped, bus = bus, producer, n);
    }
}

/// `producers` threads, each publishing `count` numbered events, joined.
fn produce_from_threads(bus: &SharedBus<EventType>, producers: u64, count: u64) {
    let handles: Vec<_> = (0..producers)
        .map(|producer| {
            let shared = bus.clone();
            std::thread::spawn(move || produce(&shared, producer, count))
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

/// Every producer's events were seen, all of them, in the order published.
fn assert_in_order(seen: &[(u64, u64)], producers: u64, count: u64) {
    assert_eq!(seen.len() as u64, producers * count);
    for producer in 0..producers {
        let mine: Vec<u64> = seen
            .iter()
            .filter(|(p, _)| *p == producer)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(mine, (0..count).collect::<Vec<_>>(), "producer {producer}");
    }
}

#[test]
fn events_of_each_producer_arrive_in_order() {
    let gate = Gate::opened();
    let bus = BackgroundBus::builder()
        .capacity(100_000)
        .build(gate.clone());
    produce_from_threads(&bus.shared(), 4, 5_000);
    bus.shutdown(Duration::from_secs(30)).unwrap();
    assert_in_order(&gate.seen(), 4, 5_000);
}

#[test]
fn a_full_queue_drops_and_counts_exactly_under_many_producers() {
    let failures = Failures::capture();
    let gate = Gate::closed();
    let bus = BackgroundBus::builder().capacity(64).build(gate.clone());
    produce_from_threads(&bus.shared(), 8, 1_000);
    let stats = bus.stats();
    assert_eq!(stats.published, 8_000);
    assert_eq!(
        stats.delivered + stats.dropped + stats.failed + stats.queued,
        8_000
    );
    // The worker holds at most one event out of the queue while the gate is shut.
    assert!(stats.queued <= 65, "{stats:?}");
    assert!(stats.dropped >= 8_000 - 65, "{stats:?}");
    gate.open();
    let error = bus.shutdown(Duration::from_secs(10)).unwrap_err();
    let stats = bus.stats();
    assert_eq!(stats.queued, 0);
    assert_eq!(stats.delivered + stats.dropped + stats.failed, 8_000);
    assert_eq!(stats.dropped, stats.dropped_full);
    assert_eq!(
        (error.dropped, error.failed, error.undelivered),
        (stats.dropped, 0, 0),
        "the shutdown names what its bus lost: {error}"
    );
    assert_eq!(gate.seen().len() as u64, stats.delivered);
    let reported: Vec<_> = failures
        .messages()
        .into_iter()
        .filter(|m| m.contains("is full"))
        .collect();
    assert_eq!(
        reported.len(),
        1,
        "the first drop is reported, the rest counted"
    );
}

#[test]
fn shutdown_delivers_everything_queued_and_drops_what_comes_after() {
    let gate = Gate {
        delay: Some(Duration::from_micros(50)),
        ..Gate::opened()
    };
    let bus = BackgroundBus::builder().capacity(1_000).build(gate.clone());
    produce(&bus.shared(), 0, 500);
    bus.shutdown(Duration::from_secs(30)).unwrap();
    assert_eq!(gate.seen().len(), 500);
    produce(&bus.shared(), 0, 3);
    let stats = bus.stats();
    assert_eq!((stats.delivered, stats.dropped, stats.queued), (500, 3, 0));
    assert_eq!(stats.dropped_after_shutdown, 3);
}

/// A flush answers for every event published before it, whatever is
/// published, and dropped, while it waits: drops of later events must not
/// count for the earlier ones still queued.
#[test]
fn a_flush_waits_for_what_was_queued_before_it_not_for_later_drops() {
    for round in 0..12 {
        // Its bus reports the drops when it ends: to this hook, not to
        // another test's.
        let _failures = Failures::capture();
        // Each delivery takes a while, so that one still under way when
        // the flush returns is seen as such.
        let gate = Gate {
            delay: Some(Duration::from_millis(30)),
            ..Gate::closed()
        };
        let bus = BackgroundBus::builder().capacity(1).build(gate.clone());
        // A worker that picks among ready messages at random picks
        // differently each round.
        for _ in 0..round {
            bus.flush(Duration::from_secs(10)).unwrap();
        }
        let shared = bus.shared();
        produce(&shared, 0, 1);
        // The worker takes the first and waits at the gate; the second
        // fills the queue.
        std::thread::sleep(Duration::from_millis(20));
        produce(&shared, 1, 1);
        let flusher = std::thread::scope(|scope| {
            let waiting = scope.spawn(|| {
                let answer = bus.flush(Duration::from_secs(10));
                (answer, gate.seen())
            });
            std::thread::sleep(Duration::from_millis(20));
            // Published after the flush began, and dropped: the queue is full.
            produce(&shared, 2, 2);
            gate.open();
            waiting.join().unwrap()
        });
        let (answer, seen_when_flushed) = flusher;
        assert_eq!(
            seen_when_flushed,
            vec![(0, 0), (1, 0)],
            "round {round}: the flush returned ({answer:?}) before the event queued before it was delivered"
        );
        let error = answer.unwrap_err();
        assert_eq!((error.undelivered, error.dropped), (0, 2), "round {round}");
    }
}

/// Four threads, each shipping 2,000 events once all are ready and the
/// caller is: the publishers of the racing tests below.
fn racing_shippers(bus: &SharedBus<EventType>) -> (Arc<Barrier>, Vec<std::thread::JoinHandle<()>>) {
    let start = Arc::new(Barrier::new(5));
    let producers = (0..4)
        .map(|producer| {
            let shared = bus.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                ship(&shared, producer, 2_000);
            })
        })
        .collect();
    (start, producers)
}

/// After a shutdown raced by [`racing_shippers`], joined: nothing was left
/// undelivered, every one of the 8,000 events is delivered or counted
/// dropped, and the target saw exactly the delivered ones.
fn assert_raced_shutdown_accounted(
    round: u64,
    error: Option<eventwire::buses::ShutdownError>,
    stats: eventwire::buses::QueueStats,
    gate: &Gate,
) {
    // An event counted before the shutdown closed the bus, whose publisher
    // was still in the middle of `publish`, was waited for.
    assert_eq!(error.map_or(0, |e| e.undelivered), 0, "round {round}");
    assert_eq!(stats.published, 8_000, "round {round}: {stats:?}");
    assert_eq!(stats.queued, 0, "round {round}: {stats:?}");
    assert_eq!(
        stats.delivered + stats.dropped_full + stats.dropped_after_shutdown + stats.failed,
        8_000,
        "round {round}: {stats:?}"
    );
    assert_eq!(gate.seen().len() as u64, stats.delivered, "round {round}");
}

/// Publishers that keep going while the bus shuts down: every event is
/// delivered or counted dropped (full, or after the shutdown), none is
/// counted twice or lost, and the first of each kind of drop is reported
/// naming the event.
#[test]
fn publishers_racing_a_shutdown_lose_nothing_uncounted() {
    for round in 0..20 {
        let failures = Failures::capture();
        let gate = Gate::opened();
        let bus = BackgroundBus::builder().capacity(16).build(gate.clone());
        let (start, producers) = racing_shippers(&bus.shared());
        start.wait();
        std::thread::sleep(Duration::from_micros(50 * round));
        let error = bus.shutdown(Duration::from_secs(30)).err();
        for producer in producers {
            producer.join().unwrap();
        }
        let stats = bus.stats();
        assert_raced_shutdown_accounted(round, error, stats, &gate);
        // What the shutdown answered for was dropped before it returned;
        // what came after it is counted since.
        let answered = error.map_or(0, |e| e.dropped);
        assert_eq!(error.map_or(0, |e| e.failed), 0, "round {round}");
        assert!(answered <= stats.dropped, "round {round}: {stats:?}");
        let messages = failures.messages();
        for (cause, count) in [
            ("is full", stats.dropped_full),
            ("after", stats.dropped_after_shutdown),
        ] {
            let reported: Vec<_> = messages
                .iter()
                .filter(|m| m.contains(cause) && m.contains("order.shipped"))
                .collect();
            assert_eq!(
                reported.len(),
                usize::from(count > 0),
                "round {round}: the first drop of each kind is reported, naming the event: {messages:?}"
            );
        }
    }
}

#[test]
fn a_flush_that_times_out_says_how_many_are_left() {
    let gate = Gate::closed();
    let bus = BackgroundBus::builder().capacity(10).build(gate.clone());
    produce(&bus.shared(), 0, 5);
    let error = bus.flush(Duration::from_millis(50)).unwrap_err();
    assert_eq!(error.undelivered, 5);
    gate.open();
    bus.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(gate.seen().len(), 5);
}

#[test]
fn dropping_the_bus_drains_it() {
    let gate = Gate {
        delay: Some(Duration::from_micros(20)),
        ..Gate::opened()
    };
    {
        let bus = BackgroundBus::new(gate.clone());
        produce(&bus.shared(), 0, 200);
    }
    assert_eq!(gate.seen().len(), 200);
}

#[test]
fn dropping_a_stuck_bus_reports_what_was_not_delivered() {
    let failures = Failures::capture();
    let gate = Gate::closed();
    {
        let bus = BackgroundBus::builder()
            .capacity(10)
            .drop_timeout(Duration::from_millis(20))
            .build(gate.clone());
        produce(&bus.shared(), 0, 4);
    }
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("4 queued event(s) of a BackgroundBus were not delivered")),
        "{messages:?}"
    );
    // Let the detached worker finish: what the drop gave up on stays
    // undelivered (the worker drops it, counted lost); only the one it was
    // taking when the time ran out lands.
    gate.open();
    std::thread::sleep(Duration::from_millis(200));
    assert!(gate.seen().len() <= 1, "{:?}", gate.seen());
}

/// "As long as it takes" is a timeout too: no overflow, no panic.
#[test]
fn a_shutdown_may_wait_as_long_as_it_takes() {
    let gate = Gate::opened();
    let bus = BackgroundBus::builder()
        .drop_timeout(Duration::MAX)
        .build(gate.clone());
    ship(&bus.shared(), 0, 3);
    bus.flush(Duration::MAX).unwrap();
    bus.shutdown(Duration::MAX).unwrap();
    assert_eq!(gate.seen().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokio_shutdown_may_wait_as_long_as_it_takes() {
    let gate = Gate::opened();
    let bus = TokioBus::spawn(gate.clone(), 16);
    ship(&bus.shared(), 0, 3);
    bus.flush(Duration::MAX).await.unwrap();
    bus.shutdown(Duration::MAX).await.unwrap();
    assert_eq!(gate.seen().len(), 3);
}

struct Refusing;

impl Bus<EventType> for Refusing {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Err(BusError::new("downstream refused"))
    }
}

#[test]
fn a_failing_target_is_counted_as_failed_and_reported() {
    let failures = Failures::capture();
    let bus = BackgroundBus::new(Refusing);
    produce(&bus.shared(), 0, 3);
    let error = bus.shutdown(Duration::from_secs(5)).unwrap_err();
    assert_eq!(error.failed, 3);
    let stats = bus.stats();
    assert_eq!((stats.published, stats.failed, stats.delivered), (3, 3, 0));
    let messages = failures.messages();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("downstream refused"))
            .count(),
        3
    );
}

// ---- TokioBus ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tokio_bus_orders_accounts_and_drains() {
    let gate = Gate::opened();
    let bus = TokioBus::spawn(gate.clone(), 100_000);
    let producers: Vec<_> = (0..4)
        .map(|producer| {
            let shared = bus.shared();
            tokio::task::spawn_blocking(move || produce(&shared, producer, 1_000))
        })
        .collect();
    for producer in producers {
        producer.await.unwrap();
    }
    bus.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_in_order(&gate.seen(), 4, 1_000);
    produce(&bus.shared(), 9, 2);
    let stats = bus.stats();
    assert_eq!(
        (
            stats.published,
            stats.delivered,
            stats.dropped,
            stats.queued
        ),
        (4_002, 4_000, 2, 0)
    );
}

/// The tokio bus's flush waits for the events queued before it, not for
/// later drops: see the thread bus's test of the same name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokio_flush_waits_for_what_was_queued_before_it_not_for_later_drops() {
    let _failures = Failures::capture();
    let gate = Gate {
        delay: Some(Duration::from_millis(30)),
        ..Gate::closed()
    };
    let bus = Arc::new(TokioBus::spawn(gate.clone(), 1));
    let shared = bus.shared();
    produce(&shared, 0, 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    produce(&shared, 1, 1);
    let flushing = {
        let gate = gate.clone();
        let bus = Arc::clone(&bus);
        tokio::spawn(async move {
            let answer = TokioBus::flush(&bus, Duration::from_secs(10)).await;
            (answer, gate.seen())
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    produce(&shared, 2, 2);
    gate.open();
    let (answer, seen_when_flushed) = flushing.await.unwrap();
    assert_eq!(seen_when_flushed, vec![(0, 0), (1, 0)], "{answer:?}");
    assert_eq!(answer.unwrap_err().dropped, 2);
}

/// The tokio bus under publishers racing its shutdown: see the thread
/// bus's test of the same name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_publishers_racing_a_shutdown_lose_nothing_uncounted() {
    for round in 0..10 {
        // Its reports go to the hook the other racing test reads.
        let _failures = Failures::capture();
        let gate = Gate::opened();
        let bus = TokioBus::spawn(gate.clone(), 16);
        let (start, producers) = racing_shippers(&bus.shared());
        start.wait();
        tokio::time::sleep(Duration::from_micros(100 * round)).await;
        let error = bus.shutdown(Duration::from_secs(30)).await.err();
        for producer in producers {
            producer.join().unwrap();
        }
        assert_raced_shutdown_accounted(round, error, bus.stats(), &gate);
    }
}

#[tokio::test]
async fn the_tokio_bus_drops_when_full() {
    let gate = Gate::closed();
    let bus = TokioBus::spawn(gate.clone(), 8);
    produce(&bus.shared(), 0, 100);
    let stats = bus.stats();
    assert_eq!(stats.published, 100);
    assert!(stats.dropped >= 100 - 9, "{stats:?}");
    gate.open();
    let error = bus.shutdown(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(bus.stats().queued, 0);
    assert_eq!(error.dropped, bus.stats().dropped);
}

// ---- JSON Lines ----

#[test]
fn the_audit_file_reads_back_event_by_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let bus = BackgroundBus::new(JsonLinesSink::append(&path).unwrap());
    let shared = bus.shared();
    for n in 0..100u64 {
        emit!(AuditWritten, bus = shared, n, note = %format!("entry {n}"));
    }
    bus.shutdown(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let events: Vec<Event<EventType>> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 100);
    assert!(events.iter().all(|e| e.kind == AuditWritten));
    assert_eq!(
        events[42].fields.get("note").map(ToString::to_string),
        Some("entry 42".into())
    );
    assert_eq!(events[42].site.file, "tests/tests/buses.rs");
}

/// A file that ends mid-line when the sink opens it (a line cut short by a
/// crash) keeps that fragment on a line of its own: every line the sink
/// writes after it reads back.
#[test]
fn a_line_cut_short_before_the_sink_opened_the_file_holds_back_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, b"{\"id\":\"00").unwrap();
    let bus = BackgroundBus::new(JsonLinesSink::append(&path).unwrap());
    let shared = bus.shared();
    for n in 0..3u64 {
        emit!(AuditWritten, bus = shared, n);
    }
    bus.shutdown(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("{\"id\":\"00"));
    let events: Vec<Event<EventType>> = lines
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 3);
}

/// A file deleted while the sink writes to it never has events counted
/// delivered into the deleted file: each such event fails; the file is
/// made again at its path, and what follows is in it; with its directory
/// gone too, every event fails until it can be made again.
#[cfg(unix)]
#[test]
fn an_audit_file_deleted_under_the_sink_counts_no_line_delivered_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("audit");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("audit.jsonl");
    let sink = JsonLinesSink::append(&path).unwrap();
    let bus: &dyn Bus<EventType> = &sink;
    bus.publish(event(AuditWritten, 0)).unwrap();
    std::fs::remove_file(&path).unwrap();
    let error = bus.publish(event(AuditWritten, 1)).unwrap_err().to_string();
    assert!(error.contains("was deleted"), "{error}");
    bus.publish(event(AuditWritten, 2)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().count(),
        1,
        "only the event after the new file: {text}"
    );

    std::fs::remove_dir_all(&folder).unwrap();
    let bus = BackgroundBus::new(sink);
    let shared = bus.shared();
    for n in 3..6u64 {
        emit!(AuditWritten, bus = shared, n);
    }
    let error = bus.shutdown(Duration::from_secs(10)).unwrap_err();
    assert_eq!((error.failed, bus.stats().delivered), (3, 0), "{error}");
}

#[test]
fn a_write_error_is_counted_and_reported_never_propagated() {
    let failures = Failures::capture();
    // Every write to /dev/full fails with "no space left on device".
    let bus = BackgroundBus::new(JsonLinesSink::append("/dev/full").unwrap());
    let recorder_service = Warehouse {
        bus: Some(bus.shared()),
    };
    recorder_service.ship();
    let error = bus.shutdown(Duration::from_secs(5)).unwrap_err();
    assert_eq!(error.failed, 1, "{error}");
    assert_eq!((bus.stats().delivered, bus.stats().failed), (0, 1));
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("could not append to /dev/full")),
        "{messages:?}"
    );
}

/// A shutdown that gives up counts what is queued as lost, and then does
/// not deliver it after all; the event the target was taking is not
/// counted lost, and is counted delivered when it gets there: each event
/// is counted once, delivered or lost.
#[test]
fn a_shutdown_that_gives_up_loses_what_it_counted_lost() {
    let failures = Failures::capture();
    let gate = Gate::closed();
    let bus = BackgroundBus::new(gate.clone());
    ship(&bus.shared(), 0, 5);
    // The worker takes the first event and waits at the closed gate.
    std::thread::sleep(Duration::from_millis(50));
    let error = bus.shutdown(Duration::from_millis(50)).unwrap_err();
    assert!(error.timed_out, "{error}");
    assert_eq!(error.undelivered, 5, "{error}");
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("5 queued event(s) of a BackgroundBus were not delivered")),
        "{messages:?}"
    );
    gate.open();
    std::thread::sleep(Duration::from_millis(300));
    let stats = bus.stats();
    // The one the worker was taking arrives and is counted delivered; the
    // others are dropped, each counted lost, never delivered after all.
    assert!(gate.seen().len() <= 1, "{:?}", gate.seen());
    assert_eq!(stats.delivered as usize, gate.seen().len(), "{stats}");
    assert_eq!(stats.delivered + stats.lost, 5, "{stats}");
    assert_eq!(stats.queued, 0, "{stats}");
    // A bus that gave up is settled: a later shutdown or drop does not wait.
    let started = std::time::Instant::now();
    let _ = bus.shutdown(Duration::from_secs(5));
    drop(bus);
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// A bus behind a `Broadcast` whose `accepts` panics did not take the
/// event: a queued bus in front does not count it delivered (nor would the
/// outbox mark its row sent); the panic is reported once.
#[test]
fn a_panicking_accepts_behind_a_broadcast_is_not_a_delivery() {
    struct Moody;
    impl Bus<EventType> for Moody {
        fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
            Ok(())
        }
        fn accepts(&self, _: EventType) -> bool {
            panic!("accepts failed")
        }
    }
    let failures = Failures::capture();
    let bus = BackgroundBus::new(Broadcast::new([Arc::new(Moody) as SharedBus<EventType>]));
    ship(&bus.shared(), 0, 1);
    let error = bus.shutdown(Duration::from_secs(5)).unwrap_err();
    assert_eq!((error.failed, bus.stats().delivered), (1, 0), "{error}");
    let panics = failures
        .messages()
        .iter()
        .filter(|m| m.contains("accepts failed"))
        .count();
    assert_eq!(panics, 1, "{:?}", failures.messages());
}

/// Dropping a drained bus waits for its worker's last flush of the target
/// no longer than the drop's own bound: a flush that hangs (a server that
/// is down) does not hold the service that drops the bus.
#[test]
fn a_hanging_last_flush_does_not_hold_the_drop() {
    struct HangsSecondTime {
        flushes: AtomicUsize,
        release: Arc<(Mutex<bool>, std::sync::Condvar)>,
    }
    impl Bus<EventType> for HangsSecondTime {
        fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
            Ok(())
        }
        fn flush(&self) -> Result<(), BusError> {
            if self.flushes.fetch_add(1, Ordering::SeqCst) >= 1 {
                let (lock, released) = &*self.release;
                let mut done = lock.lock().unwrap();
                while !*done {
                    done = released.wait(done).unwrap();
                }
            }
            Ok(())
        }
    }
    let release = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let bus = BackgroundBus::builder()
        .drop_timeout(Duration::from_millis(200))
        .build(HangsSecondTime {
            flushes: AtomicUsize::new(0),
            release: Arc::clone(&release),
        });
    ship(&bus.shared(), 0, 3);
    let started = std::time::Instant::now();
    drop(bus);
    let waited = started.elapsed();
    let (lock, released) = &*release;
    *lock.lock().unwrap() = true;
    released.notify_all();
    assert!(
        waited < Duration::from_secs(5),
        "the drop waited {waited:?}"
    );
}

/// A `TokioBus` whose runtime stops before its task delivered what was
/// queued (a `#[tokio::main]` that returns without `shutdown`) loses those
/// events with a counter saying so, and a report; later publishes are
/// dropped as after a shutdown.
#[test]
fn a_tokio_bus_whose_runtime_stops_first_counts_what_it_lost() {
    let failures = Failures::capture();
    // A current-thread runtime never polls its tasks unless blocked on: the
    // task holds every event when the runtime goes.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let recorder = Recorder::new();
    let bus = TokioBus::spawn_on(runtime.handle(), recorder.bus(), 64);
    let shared = bus.shared();
    for n in 0..10u64 {
        emit!(AuditWritten, bus = shared, n);
    }
    let lost_before = eventwire::stats().lost;
    drop(runtime);
    assert!(eventwire::stats().lost - lost_before >= 10);
    assert_eq!(bus.stats().lost, 10, "{}", bus.stats());
    assert!(recorder.events().is_empty());
    let stats = bus.stats();
    assert_eq!((stats.published, stats.delivered), (10, 0), "{stats}");
    emit!(AuditWritten, bus = shared, n = 11u64);
    assert_eq!(bus.stats().dropped_after_shutdown, 1);
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("10 queued event(s) of a TokioBus were not delivered")),
        "{messages:?}"
    );
}

/// An audit file behind a `Broadcast` (as the README's example wires it):
/// a write that fails is not "delivered" by the queue, and `shutdown` says
/// so; the failure is reported once, by the `Broadcast`, not twice.
#[test]
fn a_failing_sink_behind_a_broadcast_is_not_counted_delivered() {
    let failures = Failures::capture();
    let recorder = Recorder::new();
    let bus = BackgroundBus::new(Broadcast::new([
        recorder.bus(),
        Arc::new(JsonLinesSink::append("/dev/full").unwrap()) as SharedBus<EventType>,
    ]));
    let shared = bus.shared();
    for n in 0..3u64 {
        emit!(AuditWritten, bus = shared, n);
    }
    let error = bus.shutdown(Duration::from_secs(5)).unwrap_err();
    assert_eq!(error.failed, 3, "{error}");
    assert_eq!((bus.stats().delivered, bus.stats().failed), (0, 3));
    // The other bus behind the Broadcast took each one.
    assert_eq!(recorder.events().len(), 3);
    // Counted and reported by one call each: a second report would be a
    // second count.
    let appends = failures
        .messages()
        .iter()
        .filter(|m| m.contains("could not append to /dev/full"))
        .count();
    assert_eq!(
        appends,
        3,
        "each failure reported once: {:?}",
        failures.messages()
    );
}

// ---- tracing ----

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `tracing` subscriber that emits into the `TracingBus` while a new
/// callsite is registered with it (user code the bus calls) does not
/// deadlock the bus.
#[test]
fn a_subscriber_registering_a_callsite_may_emit_into_the_bus() {
    use tracing_subscriber::layer::SubscriberExt;
    struct Echo {
        bus: SharedBus<EventType>,
        once: AtomicUsize,
    }
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Echo {
        fn register_callsite(
            &self,
            metadata: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            if metadata.target() == "eventwire" && self.once.fetch_add(1, Ordering::SeqCst) == 0 {
                emit!(
                    AuditWritten,
                    bus = self.bus,
                    why = "a callsite was registered"
                );
            }
            tracing::subscriber::Interest::always()
        }
    }
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let bus = eventwire::buses::TracingBus::<EventType>::new().shared();
        let subscriber = tracing_subscriber::registry().with(Echo {
            bus: bus.clone(),
            once: AtomicUsize::new(0),
        });
        tracing::subscriber::with_default(subscriber, || {
            emit!(OrderPlaced, bus = bus, order = 7);
        });
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .expect("the emission returned: no deadlock on the bus's callsites");
}

/// What `tracing`'s fmt subscriber, at `level` and above, writes while
/// `run` runs.
fn tracing_output(level: tracing::Level, run: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    output
}

#[test]
fn the_tracing_bridge_emits_structured_events_at_the_configured_level() {
    let output = tracing_output(tracing::Level::INFO, || {
        let bus = eventwire::buses::TracingBus::<EventType>::new()
            .level(OrderShipped, tracing::Level::WARN)
            .level(AuditWritten, tracing::Level::DEBUG)
            .shared();
        emit!(OrderPlaced, bus = bus, order = 7, customer = "ada");
        emit!(OrderShipped, bus = bus, carrier = %"post");
        emit!(AuditWritten, bus = bus); // DEBUG: below the subscriber's level
    });
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 2, "{output}");
    assert!(
        lines[0].contains(" INFO eventwire: order.placed"),
        "{output}"
    );
    assert!(lines[0].contains("event=\"order.placed\""), "{output}");
    assert!(lines[0].contains("variant=\"OrderPlaced\""), "{output}");
    assert!(lines[0].contains("order=7"), "{output}");
    assert!(lines[0].contains("customer=\"ada\""), "{output}");
    assert!(
        lines[0].contains(
            "site=\"buses::the_tracing_bridge_emits_structured_events_at_the_configured_level\""
        ),
        "{output}"
    );
    assert!(
        lines[1].contains(" WARN eventwire: order.shipped"),
        "{output}"
    );
    assert!(lines[1].contains("carrier=\"post\""), "{output}");
}

/// A field named like one of the envelope's (`event`, `phase`) is carried
/// as `field.<name>`: the envelope's `event` stays the event's name.
#[test]
fn the_tracing_bridge_keeps_the_envelope_apart_from_fields_of_the_same_name() {
    let output = tracing_output(tracing::Level::INFO, || {
        let bus = eventwire::buses::TracingBus::<EventType>::new().shared();
        emit!(OrderPlaced, bus = bus, event = "checkout", phase = 2);
    });
    assert!(output.contains("event=\"order.placed\""), "{output}");
    assert!(output.contains("field.event=\"checkout\""), "{output}");
    assert!(output.contains("field.phase=2"), "{output}");
    assert!(!output.contains(" event=\"checkout\""), "{output}");
}

// ---- composition ----

#[test]
fn broadcast_isolates_each_bus_and_filtered_declines_kinds() {
    let failures = Failures::capture();
    let all = Recorder::<EventType>::new();
    let shipped_only = Recorder::<EventType>::new();
    let bus = Broadcast::new([
        Arc::new(Refusing) as SharedBus<EventType>,
        all.bus(),
        Filtered::new(shipped_only.bus(), |k| k == OrderShipped).shared(),
    ])
    .shared();
    emit!(OrderPlaced, bus = bus);
    emit!(OrderShipped, bus = bus);
    assert_eq!(all.kinds(), [OrderPlaced, OrderShipped]);
    assert_eq!(shipped_only.kinds(), [OrderShipped]);
    assert_eq!(
        failures
            .messages()
            .iter()
            .filter(|m| m.contains("downstream refused"))
            .count(),
        2
    );
}

// ---- What flush and shutdown answer, when the target fails in other ways ----

/// An error whose text cannot be had: its `Display` panics.
#[derive(Debug)]
struct Unprintable;

impl std::fmt::Display for Unprintable {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("the error's Display panicked")
    }
}

impl std::error::Error for Unprintable {}

/// A target that takes every event, fails each flush, and whose errors
/// cannot be printed when `unprintable`.
struct FailingFlush {
    unprintable: bool,
}

impl Bus<EventType> for FailingFlush {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        if self.unprintable {
            return Err(BusError::from_source("refused", Unprintable));
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), BusError> {
        if self.unprintable {
            return Err(BusError::from_source("flush refused", Unprintable));
        }
        Err(BusError::new("the disk is gone"))
    }
}

#[test]
fn a_flush_and_a_shutdown_whose_target_fails_to_flush_say_so() {
    let failures = Failures::capture();
    let bus = BackgroundBus::new(FailingFlush { unprintable: false });
    ship(&bus.shared(), 0, 3);
    let error = bus.flush(Duration::from_secs(10)).unwrap_err();
    assert_eq!(
        (
            error.flush_failed,
            error.failed,
            error.dropped,
            error.undelivered
        ),
        (1, 0, 0, 0)
    );
    assert!(error.to_string().contains("flush failed 1 time"), "{error}");
    // The next flush answers for its own period: one more failure.
    assert_eq!(
        bus.flush(Duration::from_secs(10)).unwrap_err().flush_failed,
        1
    );
    let error = bus.shutdown(Duration::from_secs(10)).unwrap_err();
    assert!(error.flush_failed >= 3, "{error:?}");
    assert_eq!(bus.stats().delivered, 3);
    assert!(failures
        .messages()
        .iter()
        .any(|m| m.contains("the disk is gone")));
}

#[test]
fn an_error_whose_display_panics_is_reported_not_unwound() {
    let failures = Failures::capture();
    // At the emission site: a bus refusing with it.
    let direct: SharedBus<EventType> = Arc::new(FailingFlush { unprintable: true });
    ship(&direct, 0, 1);
    // In a worker: delivering and flushing keep going.
    let bus = BackgroundBus::new(FailingFlush { unprintable: true });
    ship(&bus.shared(), 0, 3);
    let error = bus.shutdown(Duration::from_secs(10)).unwrap_err();
    assert_eq!((error.failed, error.undelivered), (3, 0), "{error:?}");
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .filter(|m| m.contains("could not be had") && m.contains("panicked"))
            .count()
            >= 5,
        "{messages:#?}"
    );
}

/// A sink whose `send` and `flush` panic before they return a future.
struct PanicsBeforeItsFuture;

impl AsyncSink<EventType> for PanicsBeforeItsFuture {
    fn send(&self, _: Event<EventType>) -> SinkFuture<'_> {
        panic!("send panicked before making its future")
    }

    fn flush(&self) -> SinkFuture<'_> {
        panic!("flush panicked before making its future")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_panicking_before_its_future_is_isolated_and_the_task_goes_on() {
    let failures = Failures::capture();
    let bus = TokioBus::spawn_sink(
        &tokio::runtime::Handle::current(),
        PanicsBeforeItsFuture,
        16,
    );
    ship(&bus.shared(), 0, 5);
    let error = bus.shutdown(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!((error.failed, error.undelivered), (5, 0), "{error:?}");
    assert!(error.flush_failed >= 1, "{error:?}");
    let stats = bus.stats();
    assert_eq!((stats.failed, stats.queued), (5, 0));
    let messages = failures.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("send panicked before making its future")),
        "{messages:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_handle_of_a_tokio_bus_delivers_what_is_queued() {
    for _ in 0..20 {
        let gate = Gate {
            delay: Some(Duration::from_micros(200)),
            ..Gate::opened()
        };
        let bus = TokioBus::spawn(gate.clone(), 1_000);
        ship(&bus.shared(), 0, 50);
        drop(bus);
        // The task goes on alone; it is done when all 50 are seen.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while gate.seen().len() < 50 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(gate.seen().len(), 50);
    }
}

/// Publishers racing a runtime that stops: whatever the moment (a
/// publisher may hold room in the queue when the task is dropped), every
/// event ends counted — delivered, dropped or lost — and nothing stays
/// "queued" on a bus whose task is gone.
#[test]
fn publishers_racing_a_runtime_that_stops_leave_nothing_uncounted() {
    let _failures = Failures::capture();
    for _ in 0..200 {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let recorder = Recorder::new();
        let bus = TokioBus::spawn_on(runtime.handle(), recorder.bus(), 4096);
        let shared = bus.shared();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let publisher = {
            let (shared, stop) = (shared.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    emit!(AuditWritten, bus = shared);
                }
            })
        };
        std::thread::sleep(Duration::from_micros(200));
        drop(runtime);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        publisher.join().unwrap();
        let stats = bus.stats();
        assert_eq!(stats.queued, 0, "{stats}");
        assert_eq!(
            stats.published,
            stats.delivered + stats.dropped + stats.failed + stats.lost,
            "{stats}"
        );
    }
}

/// A failure hook that owns a queued bus (an audit bus its failures go
/// to) can be replaced: dropping the old hook drops the bus, whose
/// shutdown summary is a failure reported through the hook. It deadlocked
/// on the hook's lock.
#[test]
fn replacing_a_hook_that_owns_a_bus_with_losses_does_not_deadlock() {
    let _lock = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let audit = BackgroundBus::new(Refusing);
    let shared = audit.shared();
    emit!(AuditWritten, bus = shared);
    assert_eq!(audit.flush(Duration::from_secs(5)).unwrap_err().failed, 1);
    drop(audit);
    eventwire::set_failure_hook(move |_| {
        let _ = &shared;
    });
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        eventwire::reset_failure_hook();
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(20)).is_ok(),
        "resetting the hook deadlocked"
    );
}

/// A subscriber that removes itself while it handles an event: what it
/// owns is not dropped on the call that published the event (a `Drop` that
/// panics, or one that waits, would reach the service), but by the next
/// change of the bus's subscribers, in isolation.
#[test]
fn a_subscriber_removed_during_a_publish_is_dropped_off_the_publishing_call() {
    struct Bomb(Arc<AtomicUsize>);
    impl Drop for Bomb {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            panic!("the subscriber's state panics as it drops");
        }
    }
    let bus = Arc::new(SyncBus::<EventType>::new());
    let dropped = Arc::new(AtomicUsize::new(0));
    let slot: Arc<Mutex<Option<eventwire::buses::SubscriptionId>>> = Arc::default();
    let (weak, mine, bomb) = (
        Arc::downgrade(&bus),
        Arc::clone(&slot),
        Bomb(Arc::clone(&dropped)),
    );
    let id = bus.subscribe(move |_| {
        let _ = &bomb;
        if let (Some(bus), Some(id)) = (weak.upgrade(), mine.lock().unwrap().take()) {
            bus.unsubscribe(id);
        }
    });
    *slot.lock().unwrap() = Some(id);
    let warehouse = Warehouse {
        bus: Some(bus.clone() as SharedBus<EventType>),
    };
    let shipped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| warehouse.ship()));
    assert!(shipped.is_ok(), "the annotated call returned");
    assert_eq!(dropped.load(Ordering::SeqCst), 0, "not dropped on the call");
    // The next change of the subscribers drops it, isolated: its panic is
    // counted and reported, not unwound into that call (two such panics
    // unwinding at once would abort the process).
    let panics = eventwire::stats().panics;
    let changed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        bus.subscribe(|_| {});
    }));
    assert!(changed.is_ok());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert!(eventwire::stats().panics > panics);
}

/// A failure hook that flushes the queued bus whose worker reports the
/// failure runs on that worker: the flush cannot wait for itself, so it
/// answers at once that the time ran out, and the worker goes on (it
/// stalled for the hook's whole timeout).
#[test]
fn a_flush_asked_on_the_buss_own_worker_answers_at_once() {
    let _lock = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let audit = Arc::new(BackgroundBus::new(Refusing));
    let answers: Arc<Mutex<Vec<bool>>> = Arc::default();
    let (bus, seen) = (Arc::downgrade(&audit), Arc::clone(&answers));
    eventwire::set_failure_hook(move |_| {
        if let Some(bus) = bus.upgrade() {
            let timed_out = BackgroundBus::flush(&bus, Duration::from_secs(60))
                .is_err_and(|error| error.timed_out);
            seen.lock().unwrap().push(timed_out);
        }
    });
    let shared = audit.shared();
    emit!(AuditWritten, bus = shared);
    let flushed = {
        let audit = Arc::clone(&audit);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(BackgroundBus::flush(&audit, Duration::from_secs(60)));
        });
        finished.recv_timeout(Duration::from_secs(20))
    };
    eventwire::reset_failure_hook();
    // (The hook's flush answered for the failure: flushes share them out.)
    let _ = flushed.expect("the worker went on: the flush answered");
    let answers = answers.lock().unwrap().clone();
    assert!(
        !answers.is_empty() && answers.iter().all(|timed_out| *timed_out),
        "{answers:?}"
    );
    assert_eq!(audit.stats().failed, 1);
}

// ---- Values of user code that eventwire drops ----

/// An error whose source panics when it is dropped.
#[derive(Debug)]
struct DropBomb;

impl std::fmt::Display for DropBomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a bomb")
    }
}

impl std::error::Error for DropBomb {}

impl Drop for DropBomb {
    fn drop(&mut self) {
        panic!("the error's source panics as it drops");
    }
}

/// Refuses every event with an error whose source panics when dropped.
struct RefusesWithBomb;

impl Bus<EventType> for RefusesWithBomb {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Err(BusError::from_source("refused", DropBomb))
    }

    fn flush(&self) -> Result<(), BusError> {
        Err(BusError::from_source("not flushed", DropBomb))
    }
}

#[derive(eventwire::HasBus)]
struct Orders {
    bus: Option<SharedBus<EventType>>,
}

impl Orders {
    #[emits(OrderPlaced)]
    fn place(&self, n: u32) -> u32 {
        n * 2
    }
}

/// The error a bus returns is user code too: its source's `Drop` may
/// panic. Directly, behind a `Broadcast` and behind a `BackgroundBus`, the
/// service's call returns, the other bus still gets the event, and the
/// queue's worker lives on.
#[test]
fn an_error_whose_source_panics_when_dropped_never_reaches_the_service() {
    let failures = Failures::capture();
    let direct = Orders {
        bus: Some(Arc::new(RefusesWithBomb)),
    };
    assert_eq!(direct.place(21), 42);

    let recorder = Recorder::<EventType>::new();
    let broadcast = Broadcast::new([
        Arc::new(RefusesWithBomb) as SharedBus<EventType>,
        recorder.bus(),
    ]);
    let fanned = Orders {
        bus: Some(broadcast.shared()),
    };
    assert_eq!(fanned.place(21), 42);
    assert_eq!(recorder.events().len(), 1, "the other bus got the event");
    assert!(
        Broadcast::new([Arc::new(RefusesWithBomb) as SharedBus<EventType>])
            .flush()
            .is_err()
    );

    let queued = BackgroundBus::new(RefusesWithBomb);
    let behind = Orders {
        bus: Some(queued.shared()),
    };
    for n in 0..5 {
        assert_eq!(behind.place(n), n * 2);
    }
    let error = queued.shutdown(Duration::from_secs(10)).unwrap_err();
    assert!(!error.timed_out, "the worker lived on: {error}");
    assert_eq!(queued.stats().failed, 5, "{:?}", queued.stats());
    assert!(!failures.messages().is_empty());
}

/// A sink's future that panics when it is dropped, after it answered, is
/// isolated: counted, and the task goes on delivering.
#[test]
fn a_sink_future_that_panics_when_dropped_never_ends_the_task() {
    struct Bombed;
    impl Drop for Bombed {
        fn drop(&mut self) {
            panic!("the future panics as it drops");
        }
    }
    /// Answers at once, and keeps its bomb until it is dropped.
    struct Answered {
        _bomb: Bombed,
    }
    impl std::future::Future for Answered {
        type Output = Result<(), BusError>;
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Self::Output> {
            std::task::Poll::Ready(Ok(()))
        }
    }
    struct Sink;
    impl AsyncSink<EventType> for Sink {
        fn send(&self, _: Event<EventType>) -> SinkFuture<'_> {
            Box::pin(Answered { _bomb: Bombed })
        }
    }
    let _failures = Failures::capture();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bus = TokioBus::spawn_sink(&tokio::runtime::Handle::current(), Sink, 64);
        let shared = bus.shared();
        let panics = eventwire::stats().panics;
        for n in 0..5u64 {
            emit!(OrderPlaced, bus = shared, n);
        }
        let error = bus.shutdown(Duration::from_secs(10)).await.unwrap_err();
        assert!(!error.timed_out, "the task lived on: {error}");
        assert_eq!(bus.stats().failed, 5, "{:?}", bus.stats());
        assert!(eventwire::stats().panics >= panics + 5);
    });
}

/// A subscriber removed while events are published: what it owns is never
/// dropped on a publishing call (a service's call), whatever the timing.
#[test]
fn a_removed_subscriber_is_never_dropped_on_the_publishing_call() {
    struct State(Arc<Mutex<Vec<std::thread::ThreadId>>>);
    impl Drop for State {
        fn drop(&mut self) {
            self.0.lock().unwrap().push(std::thread::current().id());
        }
    }
    let bus = Arc::new(SyncBus::<EventType>::new());
    let orders = Arc::new(Orders {
        bus: Some(Arc::clone(&bus) as SharedBus<EventType>),
    });
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publisher = {
        let (orders, stop) = (Arc::clone(&orders), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(orders.place(21), 42);
            }
            std::thread::current().id()
        })
    };
    let dropped_on: Arc<Mutex<Vec<std::thread::ThreadId>>> = Arc::default();
    for _ in 0..2_000 {
        let state = State(Arc::clone(&dropped_on));
        let id = bus.subscribe(move |_| {
            let _ = &state;
        });
        std::thread::yield_now();
        bus.unsubscribe(id);
    }
    stop.store(true, Ordering::Relaxed);
    let publishing = publisher.join().unwrap();
    drop(orders);
    drop(bus);
    let dropped_on = dropped_on.lock().unwrap();
    assert_eq!(dropped_on.len(), 2_000, "every state was dropped");
    assert!(
        dropped_on.iter().all(|id| *id != publishing),
        "a removed subscriber's state was dropped on the publishing thread"
    );
}

/// `Bus::flush` of a queued bus, as a `Broadcast` asks it, waits for its
/// queue and answers with what its own flush would: never `Ok` for events
/// it did not deliver.
#[cfg(unix)]
#[test]
fn bus_flush_of_a_queued_bus_answers_for_its_queue() {
    let recorder = Recorder::<EventType>::new();
    let delivered = BackgroundBus::new(recorder.bus());
    let shared = delivered.shared();
    for n in 0..100u64 {
        emit!(OrderPlaced, bus = shared, n);
    }
    Broadcast::new([delivered.shared()]).flush().unwrap();
    assert_eq!(recorder.events().len(), 100, "flushed means delivered");

    let _failures = Failures::capture();
    let full = BackgroundBus::new(JsonLinesSink::append("/dev/full").unwrap());
    let shared = full.shared();
    for n in 0..10u64 {
        emit!(OrderPlaced, bus = shared, n);
    }
    let error = shared.flush().unwrap_err().to_string();
    assert!(error.contains("10 event(s) were not delivered"), "{error}");
    assert!(
        Broadcast::new([full.shared()]).flush().is_ok(),
        "nothing new failed since"
    );
}
