//! The bounded background bus: `publish` enqueues; a worker thread delivers.

use super::queue::{deadline, Core, QueueStats, ShutdownError};
use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::kind::EventKind;
use crossbeam_channel::{Receiver, Sender};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const DEFAULT_CAPACITY: usize = 4096;

/// A bus whose `publish` never blocks: it puts the event in a bounded queue,
/// and a worker thread delivers it to the target bus (a [`SyncBus`] with
/// subscribers, a [`JsonLinesSink`], any [`Bus`]).
///
/// - **Full queue**: the event is dropped and counted, never waited for; the
///   first drop is reported through the failure hook, and every drop counts
///   in the bus's stats and in [`eventwire::stats`](crate::stats). Size the
///   queue for your bursts with [`BackgroundBus::builder`]. An event
///   published after [`shutdown`](BackgroundBus::shutdown) is dropped and
///   counted apart (`dropped_after_shutdown`).
/// - **Order**: one worker takes events in the order they were enqueued, so
///   the events of one producer are delivered in the order published.
/// - **Accounting**: [`stats`](BackgroundBus::stats) obeys
///   `published == delivered + dropped + failed + lost + queued`. A target that
///   fails or panics is isolated; each such event counts as failed.
/// - **Shutdown**: [`shutdown`](BackgroundBus::shutdown) and
///   [`flush`](BackgroundBus::flush) deliver everything queued before them
///   and flush the target, and return an error naming how many events were
///   not delivered (refused by the target, dropped, or still queued at the
///   timeout): `flush` since the previous flush, `shutdown` over the bus's
///   life. Dropping the bus shuts it down with a bounded wait (one second
///   unless configured); what was still queued then counts as lost in
///   [`eventwire::stats`](crate::stats) and is reported, with a summary of
///   the bus's losses: nothing queued is lost silently.
///
/// The queue is a `crossbeam-channel` bounded channel: it is lock-free on
/// the fast path, allows many producers, can report its length for the
/// stats, and waits with a timeout, which the standard library's channel
/// cannot all do.
///
/// [`SyncBus`]: crate::buses::SyncBus
/// [`JsonLinesSink`]: crate::buses::JsonLinesSink
///
/// ```
/// use eventwire::buses::{BackgroundBus, SyncBus};
/// use eventwire::{emit, EventType};
/// use std::time::Duration;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { ReportRequested }
///
/// let subscribers = SyncBus::<EventType>::new();
/// subscribers.subscribe(|event| println!("{}", event.name()));
/// let bus = BackgroundBus::builder().capacity(1024).build(subscribers);
///
/// let shared = bus.shared();
/// emit!(ReportRequested, bus = shared);
/// bus.shutdown(Duration::from_secs(1)).expect("delivered in time");
/// assert_eq!(bus.stats().delivered, 1);
/// ```
pub struct BackgroundBus<E: EventKind> {
    inner: Arc<Inner<E>>,
}

struct Inner<E: EventKind> {
    events: Sender<Event<E>>,
    /// Flushes, each with the sender of its answer.
    flushes: Sender<Sender<()>>,
    shared: Arc<Shared<E>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// The worker's thread: a flush asked on it (from a failure hook or a
    /// subscriber behind the bus) cannot wait for it.
    worker_thread: std::thread::ThreadId,
    drop_timeout: Duration,
}

/// What the publisher and the worker share.
struct Shared<E: EventKind> {
    core: Core,
    target: Box<dyn Bus<E>>,
}

impl<E: EventKind> fmt::Debug for BackgroundBus<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackgroundBus")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Configures a [`BackgroundBus`].
pub struct BackgroundBusBuilder<E> {
    capacity: usize,
    drop_timeout: Duration,
    thread_name: String,
    _kind: std::marker::PhantomData<fn(E)>,
}

impl<E> fmt::Debug for BackgroundBusBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackgroundBusBuilder")
            .field("capacity", &self.capacity)
            .field("drop_timeout", &self.drop_timeout)
            .field("thread_name", &self.thread_name)
            .finish()
    }
}

impl<E: EventKind> BackgroundBusBuilder<E> {
    /// How many events the queue holds (at least 1); the default is 4096.
    #[must_use]
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How long dropping the bus waits for the queue to drain; the default is one second.
    #[must_use]
    pub fn drop_timeout(mut self, timeout: Duration) -> Self {
        self.drop_timeout = timeout;
        self
    }

    /// The worker thread's name; the default is `eventwire-bus`.
    #[must_use]
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Starts the worker, delivering to `target`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot start a thread.
    pub fn build(self, target: impl Bus<E> + 'static) -> BackgroundBus<E> {
        let (events, event_queue) = crossbeam_channel::bounded(self.capacity);
        let (flushes, flush_queue) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            core: Core::new("a BackgroundBus"),
            target: Box::new(target),
        });
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name(self.thread_name)
            .spawn(move || work(&worker_shared, &event_queue, &flush_queue))
            .expect("eventwire: could not start the background bus's worker thread");
        BackgroundBus {
            inner: Arc::new(Inner {
                events,
                flushes,
                shared,
                worker_thread: worker.thread().id(),
                worker: Mutex::new(Some(worker)),
                drop_timeout: self.drop_timeout,
            }),
        }
    }
}

/// Delivers events in queue order; answers a flush once the events queued
/// when it is taken are delivered. Ends when every handle is gone.
fn work<E: EventKind>(
    shared: &Shared<E>,
    events: &Receiver<Event<E>>,
    flushes: &Receiver<Sender<()>>,
) {
    loop {
        crossbeam_channel::select! {
            recv(events) -> event => match event {
                Ok(_) if shared.core.abandoned() => shared.core.lose(1),
                Ok(event) => shared.core.deliver(&*shared.target, event),
                Err(_) => break,
            },
            recv(flushes) -> ack => {
                let Ok(ack) = ack else {
                    // The last handle is gone: both channels closed at
                    // once, and what is still queued is delivered.
                    for event in events {
                        if shared.core.abandoned() {
                            shared.core.lose(1);
                        } else {
                            shared.core.deliver(&*shared.target, event);
                        }
                    }
                    break;
                };
                // Every event published before the flush was asked for is
                // in the queue now (or was dropped, and counted).
                for _ in 0..events.len() {
                    match events.recv() {
                        Ok(_) if shared.core.abandoned() => shared.core.lose(1),
                        Ok(event) => shared.core.deliver(&*shared.target, event),
                        Err(_) => break,
                    }
                }
                shared.core.flush_target(&*shared.target);
                let _ = ack.send(());
            }
        }
    }
    shared.core.flush_target(&*shared.target);
}

impl<E: EventKind> BackgroundBus<E> {
    /// The queue's capacity unless configured.
    pub const DEFAULT_CAPACITY: usize = DEFAULT_CAPACITY;

    /// Configures a bus.
    pub fn builder() -> BackgroundBusBuilder<E> {
        BackgroundBusBuilder {
            capacity: DEFAULT_CAPACITY,
            drop_timeout: Duration::from_secs(1),
            thread_name: "eventwire-bus".to_owned(),
            _kind: std::marker::PhantomData,
        }
    }

    /// A bus with the default configuration, delivering to `target`.
    pub fn new(target: impl Bus<E> + 'static) -> Self {
        Self::builder().build(target)
    }

    /// A handle to give to services; this bus keeps control of shutdown.
    pub fn shared(&self) -> SharedBus<E> {
        Arc::new(BackgroundBus {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The counts so far.
    pub fn stats(&self) -> QueueStats {
        self.inner.shared.core.stats()
    }

    /// Waits until everything published before this call is delivered and
    /// the target flushed, or `timeout` expires.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] when events published since the previous flush
    /// were not all delivered: refused by the target, dropped, or still
    /// queued when `timeout` expired.
    pub fn flush(&self, timeout: Duration) -> Result<(), ShutdownError> {
        let timed_out = !self.inner.wait(timeout);
        self.inner.shared.core.flushed(timed_out)
    }

    /// Stops taking events (later ones are dropped, counted and reported),
    /// delivers everything queued and flushes the target, or gives up when
    /// `timeout` expires: what is still queued then is counted lost and
    /// dropped, never delivered later. The worker thread ends when the last
    /// handle to the bus is dropped.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] when any event of the bus's life was not
    /// delivered: refused by the target, dropped, or still queued when
    /// `timeout` expired.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        self.inner.shared.core.close();
        let timed_out = !self.inner.drain(timeout);
        self.inner.shared.core.ended(timed_out)
    }
}

impl<E: EventKind> Inner<E> {
    /// Sends a flush and waits for it; false when `timeout` expired first.
    fn wait(&self, timeout: Duration) -> bool {
        self.wait_until(deadline(timeout))
    }

    fn wait_until(&self, deadline: Instant) -> bool {
        // On the worker itself, the flush would wait for the thread that
        // waits: it answers at once that the time ran out.
        if std::thread::current().id() == self.worker_thread {
            return false;
        }
        let (ack, acknowledged) = crossbeam_channel::bounded(1);
        self.flushes.send(ack).is_ok() && acknowledged.recv_deadline(deadline).is_ok()
    }

    /// After the bus closed: flushes until nothing is queued, or `timeout`
    /// expires (false). An event counted before the close may still be on
    /// its way into the queue (its publisher is in the middle of
    /// `publish`); the next flush takes it.
    fn drain(&self, timeout: Duration) -> bool {
        let deadline = deadline(timeout);
        loop {
            if !self.wait_until(deadline) {
                return false;
            }
            if self.shared.core.settled() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::yield_now();
        }
    }
}

impl<E: EventKind> Bus<E> for BackgroundBus<E> {
    /// One counter and one `try_send` (the queued-bus core's `enqueue`), inlined where
    /// called directly.
    #[inline(always)]
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let _ = self.inner.shared.core.enqueue(&self.inner.events, event);
        Ok(())
    }

    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        let core = &self.inner.shared.core;
        core.enqueue(&self.inner.events, event)
            .map_err(|why| why.error(core.name()))
    }

    fn accepts(&self, kind: E) -> bool {
        self.inner.shared.target.accepts(kind)
    }

    /// What a `Broadcast` or another queued bus in front of this one asks:
    /// waits as [`BackgroundBus::flush`] does, for as long as the bus's
    /// drop timeout (one second unless configured).
    fn flush(&self) -> Result<(), BusError> {
        BackgroundBus::flush(self, self.inner.drop_timeout)
            .map_err(|error| BusError::new(format!("a BackgroundBus's flush: {error}")))
    }
}

impl<E: EventKind> Drop for Inner<E> {
    fn drop(&mut self) {
        // The last handle is gone: drain with a bounded wait, then let the
        // worker end and wait for it.
        self.shared.core.close();
        let drained = self.drain(self.drop_timeout);
        let _ = self.shared.core.ended(!drained);
        if !drained {
            // Abandoned: the worker drops what is queued, each counted lost.
            // It is detached, not waited for.
            return;
        }
        // Closing the channels ends the worker's loop.
        let (closed_events, _) = crossbeam_channel::bounded(1);
        drop(std::mem::replace(&mut self.events, closed_events));
        let (closed_flushes, _) = crossbeam_channel::bounded(1);
        drop(std::mem::replace(&mut self.flushes, closed_flushes));
        // The worker's last step flushes the target once more: waited for
        // as long as the drain could have been, no longer (a flush that
        // hangs, a server that is down, never holds the drop). Past that,
        // the worker finishes on its own.
        if let Some(worker) = self.worker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let until = deadline(self.drop_timeout);
            while !worker.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
            if worker.is_finished() {
                let _ = worker.join();
            }
        }
    }
}
