//! The background bus on a tokio task (feature `tokio`).

use super::queue::{Accounting, Message, QueueStats, ShutdownError, Target};
use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::guard::FailureCause;
use crate::kind::EventKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The [`BackgroundBus`](crate::buses::BackgroundBus) with a tokio task for a
/// worker: the same bounded queue, drop accounting and ordering. `publish`
/// stays synchronous and never blocks, so it is callable from sync and
/// async code alike; [`flush`](TokioBus::flush) and
/// [`shutdown`](TokioBus::shutdown) are `async`.
///
/// When the last handle is dropped the task delivers what is still queued
/// and ends, as long as the runtime keeps running; call `shutdown` before
/// the runtime stops to know that everything was delivered.
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
    sender: mpsc::Sender<Message<E, oneshot::Sender<()>>>,
    worker: Worker<E>,
    closed: AtomicBool,
}

/// What the task delivers to.
enum Worker<E: EventKind> {
    /// A synchronous bus.
    Bus(Arc<Target<E>>),
    /// An asynchronous sink.
    Sink(Arc<SinkTarget<E>>),
}

struct SinkTarget<E: EventKind> {
    sink: Box<dyn AsyncSink<E>>,
    accounting: Accounting,
}

impl<E: EventKind> Worker<E> {
    fn accounting(&self) -> &Accounting {
        match self {
            Worker::Bus(target) => &target.accounting,
            Worker::Sink(target) => &target.accounting,
        }
    }

    fn accepts(&self, kind: E) -> bool {
        match self {
            Worker::Bus(target) => target.bus.accepts(kind),
            Worker::Sink(target) => target.sink.accepts(kind),
        }
    }
}

/// A boxed future of a sink's operation.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BusError>> + Send + 'a>>;

/// A destination that takes events asynchronously (a network client, say),
/// for [`TokioBus::spawn_sink`]. The bus's task awaits one `send` at a
/// time, so events reach the sink in queue order.
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
    /// `capacity` events (at least 1), delivering to `target`.
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
        let (sender, mut receiver) = mpsc::channel(capacity.max(1));
        let target = Arc::new(Target::new(target));
        let worker = Arc::clone(&target);
        runtime.spawn(async move {
            while let Some(message) = receiver.recv().await {
                let message: Message<E, oneshot::Sender<()>> = message;
                if let Some(done) = worker.handle(message) {
                    let _ = done.send(());
                }
            }
            worker.accounting.flush_target(&*worker.bus);
        });
        Self::with_worker(sender, Worker::Bus(target))
    }

    /// Starts the worker task on `runtime`, delivering to an asynchronous
    /// `sink`, one event at a time, with the same bounded queue and accounting.
    pub fn spawn_sink(
        runtime: &tokio::runtime::Handle,
        sink: impl AsyncSink<E>,
        capacity: usize,
    ) -> Self {
        let (sender, mut receiver) = mpsc::channel(capacity.max(1));
        let target = Arc::new(SinkTarget {
            sink: Box::new(sink),
            accounting: Accounting::default(),
        });
        let worker = Arc::clone(&target);
        runtime.spawn(async move {
            while let Some(message) = receiver.recv().await {
                let message: Message<E, oneshot::Sender<()>> = message;
                match message {
                    Message::Event(event) => {
                        let stand_in = Event::new(event.kind, event.phase, event.site.clone());
                        match worker.sink.send(event).await {
                            Ok(()) => worker.accounting.count_delivered(),
                            Err(error) => worker
                                .accounting
                                .count_failed(&stand_in, FailureCause::Error(error.to_string())),
                        }
                    }
                    Message::Flush(done) => {
                        flush_sink(&*worker.sink).await;
                        let _ = done.send(());
                    }
                }
            }
            flush_sink(&*worker.sink).await;
        });
        Self::with_worker(sender, Worker::Sink(target))
    }

    fn with_worker(
        sender: mpsc::Sender<Message<E, oneshot::Sender<()>>>,
        worker: Worker<E>,
    ) -> Self {
        TokioBus {
            inner: Arc::new(Inner {
                sender,
                worker,
                closed: AtomicBool::new(false),
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
        self.inner.worker.accounting().stats()
    }

    /// Waits until everything published before this call is delivered and
    /// the target flushed, or `timeout` expires.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] with what is still queued when `timeout` expires.
    pub async fn flush(&self, timeout: Duration) -> Result<(), ShutdownError> {
        let (done, acknowledged) = oneshot::channel();
        let flushed = tokio::time::timeout(timeout, async {
            self.inner.sender.send(Message::Flush(done)).await.ok()?;
            acknowledged.await.ok()
        })
        .await;
        match flushed {
            Ok(Some(())) => Ok(()),
            _ => Err(ShutdownError {
                undelivered: self.stats().queued,
            }),
        }
    }

    /// Stops taking events (later ones are dropped and counted) and
    /// delivers everything queued, or says how much remained at `timeout`.
    ///
    /// # Errors
    ///
    /// [`ShutdownError`] with what is still queued when `timeout` expires.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.flush(timeout).await
    }
}

impl<E: EventKind> Bus<E> for TokioBus<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let accounting = self.inner.worker.accounting();
        accounting.published();
        if self.inner.closed.load(Ordering::Relaxed) {
            accounting.dropped(&event, "a TokioBus that was shut down");
            return Ok(());
        }
        match self.inner.sender.try_send(Message::Event(event)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Message::Event(event))) => {
                accounting.dropped(&event, "a TokioBus");
            }
            Err(mpsc::error::TrySendError::Closed(Message::Event(event))) => {
                accounting.dropped(&event, "a TokioBus whose task has stopped");
            }
            Err(_) => {}
        }
        Ok(())
    }

    fn accepts(&self, kind: E) -> bool {
        self.inner.worker.accepts(kind)
    }
}

async fn flush_sink<E: EventKind>(sink: &dyn AsyncSink<E>) {
    if let Err(error) = sink.flush().await {
        crate::guard::report(&crate::guard::Failure {
            event: None,
            cause: FailureCause::Flush(error.to_string()),
        });
    }
}
