//! The bounded background bus: `publish` enqueues; a worker thread delivers.

use super::queue::{QueueStats, ShutdownError, Target};
use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::guard::{report, Failure, FailureCause};
use crate::kind::EventKind;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const DEFAULT_CAPACITY: usize = 4096;

type Message<E> = super::queue::Message<E, Sender<()>>;

/// A bus whose `publish` never blocks: it puts the event in a bounded queue,
/// and a worker thread delivers it to the target bus (a [`SyncBus`] with
/// subscribers, a [`JsonLinesSink`], any [`Bus`]).
///
/// - **Full queue**: the event is dropped and counted, never waited for; the
///   first drop is reported through the failure hook. Size the queue for
///   your bursts with [`BackgroundBus::builder`].
/// - **Order**: one worker takes events in the order they were enqueued, so
///   the events of one producer are delivered in the order published.
/// - **Accounting**: [`stats`](BackgroundBus::stats) obeys
///   `published == delivered + dropped + failed + queued`.
/// - **Shutdown**: [`shutdown`](BackgroundBus::shutdown) and
///   [`flush`](BackgroundBus::flush) deliver everything queued before them,
///   or say how much remained when the timeout expired. Dropping the bus
///   shuts it down with a bounded wait (one second unless configured) and
///   reports anything left through the failure hook: nothing queued is lost
///   silently.
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
    sender: Sender<Message<E>>,
    shared: Arc<Target<E>>,
    closed: AtomicBool,
    worker: Mutex<Option<JoinHandle<()>>>,
    drop_timeout: Duration,
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
        let (sender, receiver) = crossbeam_channel::bounded(self.capacity);
        let shared = Arc::new(Target::new(target));
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name(self.thread_name)
            .spawn(move || work(&worker_shared, &receiver))
            .expect("eventwire: could not start the background bus's worker thread");
        BackgroundBus {
            inner: Arc::new(Inner {
                sender,
                shared,
                closed: AtomicBool::new(false),
                worker: Mutex::new(Some(worker)),
                drop_timeout: self.drop_timeout,
            }),
        }
    }
}

fn work<E: EventKind>(target: &Target<E>, receiver: &Receiver<Message<E>>) {
    // Ends when every sender is gone: the last handle was dropped.
    for message in receiver {
        if let Some(done) = target.handle(message) {
            let _ = done.send(());
        }
    }
    target.accounting.flush_target(&*target.bus);
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
        self.inner.shared.accounting.stats()
    }

    /// Waits until everything published before this call is delivered and
    /// the target flushed, or `timeout` expires.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] with what is still queued when `timeout` expires.
    pub fn flush(&self, timeout: Duration) -> Result<(), ShutdownError> {
        let deadline = Instant::now() + timeout;
        let (done, acknowledged) = crossbeam_channel::bounded(1);
        let undelivered = || ShutdownError {
            undelivered: self.stats().queued,
        };
        self.inner
            .sender
            .send_deadline(super::queue::Message::Flush(done), deadline)
            .map_err(|_| undelivered())?;
        acknowledged
            .recv_deadline(deadline)
            .map_err(|_| undelivered())
    }

    /// Stops taking events (later ones are dropped and counted), delivers
    /// everything queued and flushes the target — or gives up when `timeout`
    /// expires, saying how many were left. The worker thread ends when the
    /// last handle to the bus is dropped.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] with what is still queued when `timeout` expires.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.flush(timeout)?;
        // Everything is delivered; the worker ends once the last sender is gone.
        Ok(())
    }
}

impl<E: EventKind> Bus<E> for BackgroundBus<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let accounting = &self.inner.shared.accounting;
        accounting.published();
        if self.inner.closed.load(Ordering::Relaxed) {
            accounting.dropped(&event, "a BackgroundBus that was shut down");
            return Ok(());
        }
        match self
            .inner
            .sender
            .try_send(super::queue::Message::Event(event))
        {
            Ok(()) => {}
            Err(TrySendError::Full(super::queue::Message::Event(event))) => {
                accounting.dropped(&event, "a BackgroundBus");
            }
            Err(TrySendError::Disconnected(super::queue::Message::Event(event))) => {
                accounting.dropped(&event, "a BackgroundBus whose worker has stopped");
            }
            Err(_) => {}
        }
        Ok(())
    }

    fn accepts(&self, kind: E) -> bool {
        self.inner.shared.bus.accepts(kind)
    }
}

impl<E: EventKind> Drop for Inner<E> {
    fn drop(&mut self) {
        // The last handle is gone: drain with a bounded wait, then let the
        // worker end and wait for it.
        self.closed.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + self.drop_timeout;
        let (done, acknowledged) = crossbeam_channel::bounded(1);
        let drained = self
            .sender
            .send_deadline(super::queue::Message::Flush(done), deadline)
            .is_ok()
            && acknowledged.recv_deadline(deadline).is_ok();
        if !drained {
            let undelivered = self.shared.accounting.stats().queued;
            report(&Failure {
                event: None,
                cause: FailureCause::Undelivered(undelivered),
            });
            // The worker keeps the rest; it is detached, not waited for.
            return;
        }
        // Closing the channel ends the worker's loop.
        let (closed_sender, _) = crossbeam_channel::bounded(1);
        drop(std::mem::replace(&mut self.sender, closed_sender));
        if let Some(worker) = self.worker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = worker.join();
        }
    }
}
