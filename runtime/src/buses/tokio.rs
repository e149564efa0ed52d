//! The background bus on a tokio task (feature `tokio`).

use super::queue::{Message, QueueStats, ShutdownError, Target};
use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::kind::EventKind;
use std::fmt;
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
    target: Arc<Target<E>>,
    closed: AtomicBool,
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
        TokioBus {
            inner: Arc::new(Inner {
                sender,
                target,
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
        self.inner.target.accounting.stats()
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
        let accounting = &self.inner.target.accounting;
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
        self.inner.target.bus.accepts(kind)
    }
}
