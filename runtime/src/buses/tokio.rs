//! The background bus on a tokio task (feature `tokio`).

use super::queue::{deadline, Core, QueueStats, ShutdownError};
use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::failure::FailureCause;
use crate::isolate::{error_text, isolate, Isolated, Panicked};
use crate::kind::EventKind;
use crate::lineage::Lineage;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The [`BackgroundBus`](crate::buses::BackgroundBus) with a tokio task for a
/// worker: the same bounded queue, drop accounting and ordering. `publish`
/// stays synchronous and never blocks, so it is callable from sync and
/// async code alike; [`flush`](TokioBus::flush) and
/// [`shutdown`](TokioBus::shutdown) are `async`.
///
/// It is built on the same queued-bus core as `BackgroundBus`: the same
/// accounting (`published == delivered + dropped + failed + lost + queued`), the
/// same drop and shutdown reports, the same answers from `flush` and
/// `shutdown`. A target or sink that fails or panics is isolated (an
/// `AsyncSink` whose future panics included).
///
/// When the last handle is dropped the task delivers what is still queued
/// and ends, as long as the runtime keeps running; call `shutdown` before
/// the runtime stops to know that everything was delivered. A runtime that
/// stops first drops the task: what it had not delivered is counted as
/// lost (`eventwire::stats().lost`) and reported, and events published
/// after that are dropped as after a shutdown.
///
/// ```
/// use eventwire::buses::{SyncBus, TokioBus};
/// use eventwire::{emit, EventType};
/// use std::time::Duration;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { JobQueued }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let subscribers = SyncBus::<EventType>::new();
/// subscribers.subscribe(|event| println!("{}", event.name()));
/// let bus = TokioBus::spawn(subscribers, 1024);
/// let shared = bus.shared();
/// emit!(JobQueued, bus = shared);
/// bus.shutdown(Duration::from_secs(1)).await.unwrap();
/// assert_eq!(bus.stats().delivered, 1);
/// # });
/// ```
pub struct TokioBus<E: EventKind> {
    inner: Arc<Inner<E>>,
}

struct Inner<E: EventKind> {
    events: mpsc::Sender<Event<E>>,
    /// Flushes, each with the sender of its answer.
    flushes: mpsc::UnboundedSender<oneshot::Sender<()>>,
    shared: Arc<Shared<E>>,
}

/// What the publisher and the task share.
struct Shared<E: EventKind> {
    core: Core,
    target: Target<E>,
}

/// What the task delivers to.
enum Target<E: EventKind> {
    /// A synchronous bus.
    Bus(Box<dyn Bus<E>>),
    /// An asynchronous sink.
    Sink(Box<dyn AsyncSink<E>>),
}

impl<E: EventKind> Shared<E> {
    fn accepts(&self, kind: E) -> bool {
        match &self.target {
            Target::Bus(bus) => bus.accepts(kind),
            Target::Sink(sink) => sink.accepts(kind),
        }
    }

    async fn deliver(&self, event: Event<E>) {
        match &self.target {
            Target::Bus(bus) => self.core.deliver(&**bus, event),
            Target::Sink(sink) => {
                let (kind, site) = (event.kind, event.site.clone());
                // What the sink emits while it sends the event is caused by it.
                let lineage = Lineage::following(&event);
                // Making the future is the sink's code too: isolated like
                // its polls.
                let sent = match isolate(|| lineage.clone().scope(|| sink.send(event))) {
                    // The sink's error is made eventwire's inside the
                    // isolation: its source's `Drop` is the sink's code.
                    Ok(sending) => {
                        let sending = lineage.instrument(sending);
                        Isolated::new(
                            async move { sending.await.map_err(BusError::__eventwire_owned) },
                        )
                        .await
                    }
                    Err(panicked) => Err(panicked),
                };
                let outcome = match sent {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(FailureCause::Error(error_text(&error))),
                    Err(Panicked(why)) => Err(FailureCause::Panic(why)),
                };
                self.core.delivered_or(outcome, kind, site);
            }
        }
    }

    async fn flush_target(&self) {
        match &self.target {
            Target::Bus(bus) => self.core.flush_target(&**bus),
            Target::Sink(sink) => {
                let delivered = self.core.flushing();
                let flushed = match isolate(|| sink.flush()) {
                    Ok(flushing) => {
                        Isolated::new(
                            async move { flushing.await.map_err(BusError::__eventwire_owned) },
                        )
                        .await
                    }
                    Err(panicked) => Err(panicked),
                };
                match flushed {
                    Ok(Ok(())) => self.core.flushed_target(delivered),
                    Ok(Err(error)) => self.core.flush_failed(error_text(&error)),
                    Err(Panicked(why)) => self.core.flush_failed(format!("it panicked: {why}")),
                }
            }
        }
    }
}

/// A boxed future of a sink's operation.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BusError>> + Send + 'a>>;

/// A destination that takes events asynchronously (a network client, say),
/// for [`TokioBus::spawn_sink`]. The bus's task awaits one `send` at a
/// time, so events reach the sink in queue order.
///
/// `send` may take as long as it needs (the queue absorbs bursts, and
/// drops are counted); an `Err`, or a panic while it is polled, counts the
/// event as failed and is reported. `flush` is awaited on every flush and
/// at shutdown.
pub trait AsyncSink<E: EventKind>: Send + Sync + 'static {
    /// Takes one event. An error counts it as failed and is reported.
    fn send(&self, event: Event<E>) -> SinkFuture<'_>;

    /// Finishes what `send` started (outstanding acknowledgements, say).
    fn flush(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(()) })
    }

    /// Whether the sink wants events of `kind`; asked before they are built.
    fn accepts(&self, kind: E) -> bool {
        let _ = kind;
        true
    }
}

impl<E: EventKind> fmt::Debug for TokioBus<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioBus")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<E: EventKind> TokioBus<E> {
    /// Starts the worker task on the current tokio runtime, with a queue of
    /// `capacity` events (at least 1, at most tokio's
    /// `Semaphore::MAX_PERMITS`), delivering to `target`.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime; use [`TokioBus::spawn_on`] there.
    pub fn spawn(target: impl Bus<E> + 'static, capacity: usize) -> Self {
        Self::spawn_on(&tokio::runtime::Handle::current(), target, capacity)
    }

    /// Starts the worker task on `runtime`.
    pub fn spawn_on(
        runtime: &tokio::runtime::Handle,
        target: impl Bus<E> + 'static,
        capacity: usize,
    ) -> Self {
        Self::start(runtime, Target::Bus(Box::new(target)), capacity)
    }

    /// Starts the worker task on `runtime`, delivering to an asynchronous
    /// `sink`, one event at a time, with the same bounded queue and accounting.
    pub fn spawn_sink(
        runtime: &tokio::runtime::Handle,
        sink: impl AsyncSink<E>,
        capacity: usize,
    ) -> Self {
        Self::start(runtime, Target::Sink(Box::new(sink)), capacity)
    }

    fn start(runtime: &tokio::runtime::Handle, target: Target<E>, capacity: usize) -> Self {
        // tokio's channel takes at most `Semaphore::MAX_PERMITS` (and panics
        // past it): a larger capacity is that.
        let capacity = capacity.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        let (events, event_queue) = mpsc::channel(capacity);
        let (flushes, flush_queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            core: Core::new("a TokioBus"),
            target,
        });
        let stopped = Stopped {
            shared: Arc::clone(&shared),
            events: event_queue,
            delivering: false,
            ended: false,
        };
        runtime.spawn(work(stopped, flush_queue));
        TokioBus {
            inner: Arc::new(Inner {
                events,
                flushes,
                shared,
            }),
        }
    }

    /// A handle to give to services.
    pub fn shared(&self) -> SharedBus<E> {
        Arc::new(TokioBus {
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
    pub async fn flush(&self, timeout: Duration) -> Result<(), ShutdownError> {
        let timed_out = !self.wait(timeout).await;
        self.inner.shared.core.flushed(timed_out)
    }

    /// Stops taking events (later ones are dropped, counted and reported)
    /// and delivers everything queued, or says how much remained at
    /// `timeout`: that is counted lost and dropped, never delivered later.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] when any event of the bus's life was not
    /// delivered: refused by the target, dropped, or still queued when
    /// `timeout` expired.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        self.inner.shared.core.close();
        let timed_out = !self.drain(timeout).await;
        self.inner.shared.core.ended(timed_out)
    }

    /// Sends a flush and waits for it; false when `timeout` expired first.
    async fn wait(&self, timeout: Duration) -> bool {
        let (ack, acknowledged) = oneshot::channel();
        if self.inner.flushes.send(ack).is_err() {
            return false;
        }
        matches!(
            tokio::time::timeout(timeout, acknowledged).await,
            Ok(Ok(()))
        )
    }

    /// After the bus closed: flushes until nothing is queued, or `timeout`
    /// expires (false). An event counted before the close may still be on
    /// its way into the queue (its publisher is in the middle of
    /// `publish`); the next flush takes it.
    async fn drain(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::from_std(deadline(timeout));
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !self.wait(left).await {
                return false;
            }
            if self.inner.shared.core.settled() {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::task::yield_now().await;
        }
    }
}

/// Delivers events in queue order; answers a flush once the events queued
/// when it is taken are delivered. Ends when every handle is gone.
async fn work<E: EventKind>(
    mut stopped: Stopped<E>,
    mut flushes: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
) {
    let shared = Arc::clone(&stopped.shared);
    loop {
        tokio::select! {
            event = stopped.events.recv() => match event {
                // A shutdown gave up on it: dropped, counted lost.
                Some(_) if shared.core.abandoned() => shared.core.lose(1),
                Some(event) => {
                    stopped.delivering = true;
                    shared.deliver(event).await;
                    stopped.delivering = false;
                }
                None => break,
            },
            ack = flushes.recv() => {
                let Some(ack) = ack else {
                    // The last handle is gone: both channels closed at
                    // once, and what is still queued is delivered.
                    while let Some(event) = stopped.events.recv().await {
                        if shared.core.abandoned() {
                            shared.core.lose(1);
                        } else {
                            stopped.delivering = true;
                            shared.deliver(event).await;
                            stopped.delivering = false;
                        }
                    }
                    break;
                };
                // Every event published before the flush was asked for is
                // in the queue now (or was dropped, and counted).
                for _ in 0..stopped.events.len() {
                    match stopped.events.recv().await {
                        Some(_) if shared.core.abandoned() => shared.core.lose(1),
                        Some(event) => {
                            stopped.delivering = true;
                            shared.deliver(event).await;
                            stopped.delivering = false;
                        }
                        None => break,
                    }
                }
                shared.flush_target().await;
                let _ = ack.send(());
            }
        }
    }
    shared.flush_target().await;
    stopped.ended = true;
}

/// Counts what the task leaves behind when it is dropped before it ends,
/// polled or not: its runtime shut down (a `#[tokio::main]` that returned)
/// or the task was aborted. The events still queued, or being delivered,
/// are lost with the task: counted as lost (`eventwire::stats().lost`),
/// reported with the bus's summary, and later publishes are dropped as
/// after a shutdown. (An argument of the task's future, so that it is
/// dropped with a future never polled too.)
struct Stopped<E: EventKind> {
    shared: Arc<Shared<E>>,
    /// The queue's receiving end: what is still in it when the task is
    /// dropped is counted from it, one by one.
    events: mpsc::Receiver<Event<E>>,
    /// An event taken from the queue is being delivered (a sink's future
    /// may be dropped in the middle of sending it).
    delivering: bool,
    ended: bool,
}

impl<E: EventKind> Drop for Stopped<E> {
    fn drop(&mut self) {
        if !self.ended {
            let core = &self.shared.core;
            core.close();
            let _ = core.ended(true);
            // Nothing will take what is queued, nor what the task was
            // delivering (it went with its future): counted lost here, one
            // by one from the closed queue, since no worker is left to
            // count it. A publisher that reserves room from now on is
            // refused and counts its event itself
            // (`dropped_after_shutdown`); one that holds room already sends
            // into the closed queue, so the queue is read until it says no
            // room is held any more (`Disconnected`), not only until it is
            // empty. A publisher holds room for a few instructions.
            self.events.close();
            let mut lost = u64::from(self.delivering);
            loop {
                match self.events.try_recv() {
                    Ok(_) => lost += 1,
                    Err(mpsc::error::TryRecvError::Empty) => std::thread::yield_now(),
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                }
            }
            core.lose(lost);
        }
    }
}

impl<E: EventKind> Bus<E> for TokioBus<E> {
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
        self.inner.shared.accepts(kind)
    }

    /// What a `Broadcast` or a `BackgroundBus` in front of this bus asks:
    /// off the runtime's threads, waits as [`TokioBus::flush`] does, for
    /// up to a second; on one of them it cannot wait without blocking the
    /// runtime, and says so (an error: nothing was flushed).
    fn flush(&self) -> Result<(), BusError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(BusError::new(
                "a TokioBus cannot be flushed through `Bus::flush` on a thread of a tokio runtime (waiting would block it): call its own `flush(timeout).await`",
            ));
        }
        let (ack, mut acknowledged) = oneshot::channel();
        let mut answered = self.inner.flushes.send(ack).is_ok();
        if answered {
            let until = deadline(Duration::from_secs(1));
            answered = loop {
                match acknowledged.try_recv() {
                    Ok(()) => break true,
                    Err(oneshot::error::TryRecvError::Closed) => break false,
                    Err(oneshot::error::TryRecvError::Empty) if Instant::now() >= until => {
                        break false
                    }
                    Err(oneshot::error::TryRecvError::Empty) => {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            };
        }
        self.inner
            .shared
            .core
            .flushed(!answered)
            .map_err(|error| BusError::new(format!("a TokioBus's flush: {error}")))
    }
}
