//! Emission never hurts the service: for every bus and every fault, an
//! annotated method returns exactly what its unannotated twin returns, no
//! panic escapes, and every event that was not delivered is counted and
//! reported through the hook.

use eventwire::buses::{BackgroundBus, SyncBus};
use eventwire::{emit, emits, Bus, BusError, Event, EventType, Failure, HasBus, SharedBus};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ComputeStarted,
    ComputeDone,
    #[event(on = err)]
    ComputeFailed,
    #[event(on = body)]
    ComputeStep,
}

use EventType::*;

/// The logic, without eventwire.
fn twin(x: u64) -> Result<u64, String> {
    if x % 7 == 3 {
        Err(format!("{x} is unlucky"))
    } else {
        Ok(x * 2 + 1)
    }
}

#[derive(HasBus)]
struct Service {
    bus: Option<SharedBus<EventType>>,
}

impl Service {
    #[emits(ComputeStarted, ComputeDone, ComputeFailed, ComputeStep, fields(x))]
    fn compute(&self, x: u64) -> Result<u64, String> {
        emit!(ComputeStep, half = x / 2);
        twin(x)
    }
}

/// Runs the service over a range of inputs and checks each result against the twin.
fn agrees(bus: SharedBus<EventType>, inputs: std::ops::Range<u64>) {
    let service = Service { bus: Some(bus) };
    for x in inputs {
        assert_eq!(service.compute(x), twin(x), "input {x}");
    }
}

static HOOK: Mutex<()> = Mutex::new(());

/// Counts the failures reported while it lives.
struct Reports {
    count: Arc<AtomicUsize>,
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl Reports {
    fn capture() -> Reports {
        let lock = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        let count = Arc::new(AtomicUsize::new(0));
        let sink = Arc::clone(&count);
        eventwire::set_failure_hook(move |_: &Failure| {
            sink.fetch_add(1, Ordering::SeqCst);
        });
        Reports { count, _lock: lock }
    }
    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for Reports {
    fn drop(&mut self) {
        eventwire::reset_failure_hook();
    }
}

struct AlwaysFails;
impl Bus<EventType> for AlwaysFails {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        Err(BusError::new("unavailable"))
    }
}

struct AlwaysPanics;
impl Bus<EventType> for AlwaysPanics {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        panic!("bus exploded")
    }
}

#[test]
fn a_bus_that_always_fails_or_panics() {
    for (name, bus) in [
        ("fails", Arc::new(AlwaysFails) as SharedBus<EventType>),
        ("panics", Arc::new(AlwaysPanics) as SharedBus<EventType>),
    ] {
        let reports = Reports::capture();
        let before = eventwire::stats();
        agrees(bus, 0..100);
        let after = eventwire::stats();
        // Per call: entry, step, then ok or err: three events, each refused once.
        let refused = (after.errors + after.panics) - (before.errors + before.panics);
        assert!(refused >= 300, "{name}: {refused}");
        assert!(reports.count() >= 300, "{name}: each failure is reported");
    }
}

#[test]
fn subscribers_that_panic_emit_recursively_or_hold_a_poisoned_lock() {
    let reports = Reports::capture();
    let bus = Arc::new(SyncBus::<EventType>::with_max_depth(4));
    let shared: SharedBus<EventType> = bus.clone();
    bus.subscribe_to(&[ComputeStarted], |_| panic!("subscriber bug"));
    // A subscriber whose own lock a panic poisoned.
    let poisoned = Arc::new(Mutex::new(0u64));
    let p = Arc::clone(&poisoned);
    let _ = std::thread::spawn(move || {
        let _guard = p.lock().unwrap();
        panic!("poison the lock");
    })
    .join();
    let p = Arc::clone(&poisoned);
    bus.subscribe_to(&[ComputeDone], move |_| *p.lock().unwrap() += 1);
    // A subscriber that emits through the same bus, without end.
    let inner = shared.clone();
    bus.subscribe_to(&[ComputeStep], move |_| emit!(ComputeStep, bus = inner));
    agrees(shared, 0..50);
    let stats = bus.stats();
    assert!(stats.panicked > 0);
    assert!(stats.dropped_nested > 0, "{stats:?}");
    assert!(reports.count() as u64 >= stats.panicked + stats.dropped_nested);
}

#[test]
fn emission_from_eight_threads_at_once() {
    let bus = Arc::new(SyncBus::<EventType>::new());
    let seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&seen);
    bus.subscribe(move |_| {
        s.fetch_add(1, Ordering::Relaxed);
    });
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let bus: SharedBus<EventType> = bus.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                agrees(bus, t * 1000..t * 1000 + 500);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(seen.load(Ordering::Relaxed), 8 * 500 * 3);
}

struct Stalled(Duration);
impl Bus<EventType> for Stalled {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

#[test]
fn a_full_queue_shutdown_and_drop_while_producers_publish() {
    let _reports = Reports::capture();
    let bus = BackgroundBus::builder()
        .capacity(32)
        .drop_timeout(Duration::from_millis(200))
        .build(Stalled(Duration::from_micros(200)));
    let barrier = Arc::new(Barrier::new(5));
    let producers: Vec<_> = (0..4)
        .map(|t| {
            let shared = bus.shared();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                agrees(shared, t * 1000..t * 1000 + 300);
            })
        })
        .collect();
    barrier.wait();
    // Shut down while they publish: later events are dropped and counted.
    let _ = bus.shutdown(Duration::from_millis(50));
    for producer in producers {
        producer.join().unwrap();
    }
    let stats = bus.stats();
    assert_eq!(stats.published, 4 * 300 * 3);
    assert_eq!(
        stats.published,
        stats.delivered + stats.dropped + stats.failed + stats.queued
    );
    assert!(stats.dropped > 0);
    // Dropping the bus while its last events are queued: bounded wait, nothing silent.
    drop(bus);
}

/// Load: producers against a slow consumer, with exact accounting. CI runs
/// 8 × 20,000 events; `cargo test --release -p eventwire-tests --test faults
/// -- --ignored` runs the full 8 × 1,000,000.
fn load(per_producer: u64) {
    let consumer_calls = Arc::new(AtomicUsize::new(0));
    struct Counting(Arc<AtomicUsize>);
    impl Bus<EventType> for Counting {
        fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
            if self.0.fetch_add(1, Ordering::Relaxed) % 1024 == 0 {
                std::thread::sleep(Duration::from_micros(50));
            }
            Ok(())
        }
    }
    let bus = BackgroundBus::builder()
        .capacity(4096)
        .build(Counting(Arc::clone(&consumer_calls)));
    let producers: Vec<_> = (0..8)
        .map(|_| {
            let shared = bus.shared();
            std::thread::spawn(move || {
                for n in 0..per_producer {
                    emit!(ComputeStep, bus = shared, n);
                }
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    let outcome = bus.shutdown(Duration::from_secs(60));
    let stats = bus.stats();
    // The shutdown answers for every event the bus dropped, and for nothing else.
    match outcome {
        Ok(()) => assert_eq!(stats.dropped, 0),
        Err(error) => assert_eq!(
            (error.dropped, error.failed, error.undelivered),
            (stats.dropped, 0, 0)
        ),
    }
    assert_eq!(stats.published, 8 * per_producer);
    assert_eq!(stats.queued, 0);
    assert_eq!(
        stats.published,
        stats.delivered + stats.dropped + stats.failed
    );
    assert_eq!(
        stats.delivered as usize,
        consumer_calls.load(Ordering::Relaxed)
    );
}

#[test]
fn load_with_a_slow_consumer_accounts_for_every_event() {
    load(20_000);
}

#[test]
#[ignore = "full size: 8 × 1,000,000 events; run with --ignored, in release"]
fn load_full_size() {
    load(1_000_000);
}

#[test]
fn with_a_fast_enough_consumer_nothing_is_dropped() {
    struct Fast;
    impl Bus<EventType> for Fast {
        fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
            Ok(())
        }
    }
    let bus = BackgroundBus::builder().capacity(1 << 20).build(Fast);
    let shared = bus.shared();
    agrees(shared, 0..10_000);
    bus.shutdown(Duration::from_secs(30)).unwrap();
    let stats = bus.stats();
    assert_eq!(
        (stats.published, stats.delivered, stats.dropped),
        (30_000, 30_000, 0)
    );
}
