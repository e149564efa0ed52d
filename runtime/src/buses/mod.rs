//! Buses to run in production, and sinks.
//!
//! | bus | `publish` | delivery | use it for |
//! | --- | --- | --- | --- |
//! | [`SyncBus`] | calls every subscriber on the emitting thread | in order, before `publish` returns | cheap in-process subscribers: metrics, caches, tests |
//! | [`BackgroundBus`] | enqueues into a bounded queue; drops and counts when full | on a worker thread, in order per producer | subscribers or sinks that may be slow or do I/O |
//! | `TokioBus` (feature `tokio`) | as `BackgroundBus` | on a tokio task | services that already run on tokio |
//! | [`JsonLinesSink`] | appends a line to a file (blocking I/O) | — | an audit trail, behind a `BackgroundBus` |
//! | `TracingBus` (feature `tracing`) | emits a `tracing` event | to the current `tracing` subscriber | logs you already collect with `tracing` |
//! | [`Broadcast`], [`Filtered`] | to several buses; only some kinds | — | composition |

mod background;
mod compose;
mod fanout;
mod json_lines;
mod queue;
#[cfg(feature = "tokio")]
mod tokio;
#[cfg(feature = "tracing")]
mod tracing;

#[cfg(feature = "tokio")]
pub use self::tokio::{AsyncSink, SinkFuture, TokioBus};
#[cfg(feature = "tracing")]
pub use self::tracing::TracingBus;
pub use background::{BackgroundBus, BackgroundBusBuilder};
pub use compose::{Broadcast, Filtered};
pub use fanout::{SubscriptionId, SyncBus, SyncBusStats};
pub use json_lines::JsonLinesSink;
pub(crate) use queue::deadline;
pub use queue::{QueueStats, ShutdownError};
