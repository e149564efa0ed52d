//! Lineage: what ties an event to the unit of work and to the event that
//! caused it, carried from call to call without code in the service.
//!
//! Every event carries three optional ids (CloudEvents extensions on the
//! wire, fields of [`Event`] in Rust):
//!
//! - **`correlation_id`**: one id for everything a unit of work emits. Set
//!   it for a closure with [`correlate`], for a future (a tokio task, a
//!   request handler) with [`correlated`], or until a guard drops with
//!   [`Lineage::enter`]. An event emitted while a subscriber handles event
//!   X inherits X's.
//! - **`causation_id`**: the id of the event that caused this one. The
//!   `ok`, `err`, `exit`, `cancel` and `body` events of an annotated call
//!   are caused by its `entry` event when it has one; an annotated call
//!   made inside the body of another is caused by the outer call's `entry`
//!   event, so nested calls chain; an event emitted while a subscriber
//!   handles event X is caused by X ([`caused_by`] does the same for code
//!   that consumes events from elsewhere, e.g. from NATS).
//! - **`traceparent`**: the W3C Trace Context of the current `tracing`
//!   span, when the `opentelemetry` feature is on and the span has an
//!   OpenTelemetry context; else the one inherited like the correlation id.
//!
//! ```
//! use eventwire::{correlate, emits, EventType, HasBus, Recorder, SharedBus};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
//! enum EventType {
//!     #[event(on = entry)]
//!     OrderReceived,
//!     OrderAccepted,
//!     StockReserved,
//! }
//!
//! #[derive(HasBus)]
//! struct Orders { bus: SharedBus<EventType> }
//!
//! impl Orders {
//!     #[emits(OrderReceived, OrderAccepted)]
//!     fn accept(&self) -> Result<(), String> {
//!         self.reserve()
//!     }
//!
//!     #[emits(StockReserved)]
//!     fn reserve(&self) -> Result<(), String> {
//!         Ok(())
//!     }
//! }
//!
//! let recorder = Recorder::new();
//! let orders = Orders { bus: recorder.bus() };
//! correlate("request-7", || orders.accept()).unwrap();
//! recorder.assert_correlated(EventType::StockReserved, "request-7");
//! recorder.assert_caused_by(EventType::OrderAccepted, EventType::OrderReceived);
//! recorder.assert_caused_by(EventType::StockReserved, EventType::OrderReceived);
//! ```

use crate::event::{Event, EventId};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Names a unit of work: every event it emits carries it. Any text; cloning
/// is a reference count.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationId(Arc<str>);

impl CorrelationId {
    /// A correlation id of the given text.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        CorrelationId(id.into())
    }

    /// A fresh id, unique like an [`EventId`].
    pub fn fresh() -> Self {
        CorrelationId(EventId::next().to_string().into())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorrelationId({:?})", &*self.0)
    }
}

impl From<&str> for CorrelationId {
    fn from(id: &str) -> Self {
        CorrelationId(id.into())
    }
}

impl From<String> for CorrelationId {
    fn from(id: String) -> Self {
        CorrelationId(id.into())
    }
}

impl From<&String> for CorrelationId {
    fn from(id: &String) -> Self {
        CorrelationId(id.as_str().into())
    }
}

impl From<EventId> for CorrelationId {
    fn from(id: EventId) -> Self {
        CorrelationId(id.to_string().into())
    }
}

impl PartialEq<str> for CorrelationId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for CorrelationId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl Serialize for CorrelationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CorrelationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(CorrelationId(text.as_ref().into()))
    }
}

/// A W3C Trace Context `traceparent`: the trace, the span that was current
/// when the event was emitted, and the trace flags. Written as
/// `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// Two words, not a `u128`: see `EventId`'s representation.
    trace_id: [u64; 2],
    parent_id: u64,
    flags: u8,
}

impl TraceParent {
    /// A trace context; `None` if either id is zero, which the W3C format
    /// forbids.
    pub fn new(trace_id: u128, parent_id: u64, flags: u8) -> Option<Self> {
        // Truncation is the point: the high and the low word.
        #[allow(clippy::cast_possible_truncation)]
        let words = [(trace_id >> 64) as u64, trace_id as u64];
        (trace_id != 0 && parent_id != 0).then_some(TraceParent {
            trace_id: words,
            parent_id,
            flags,
        })
    }

    /// The trace's id.
    pub fn trace_id(&self) -> u128 {
        (u128::from(self.trace_id[0]) << 64) | u128::from(self.trace_id[1])
    }

    /// The id of the span the event was emitted in.
    pub fn parent_id(&self) -> u64 {
        self.parent_id
    }

    /// The trace flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id(),
            self.parent_id,
            self.flags
        )
    }
}

impl fmt::Debug for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceParent({self})")
    }
}

/// Why a `traceparent` could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTraceParent(String);

impl fmt::Display for InvalidTraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a W3C traceparent (version-traceid-parentid-flags, lower-case hex, ids not all zero)",
            self.0
        )
    }
}

impl std::error::Error for InvalidTraceParent {}

impl FromStr for TraceParent {
    type Err = InvalidTraceParent;

    /// Reads version `00`, and the first four parts of a later version, as
    /// the W3C recommendation asks of a version-00 reader.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidTraceParent(text.to_owned());
        let hex = |part: &str, len: usize| {
            (part.len() == len
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then_some(())
        };
        let mut parts = text.split('-');
        let (Some(version), Some(trace), Some(parent), Some(flags)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        hex(version, 2).ok_or_else(invalid)?;
        if version == "ff" || (version == "00" && parts.next().is_some()) {
            return Err(invalid());
        }
        hex(trace, 32).ok_or_else(invalid)?;
        hex(parent, 16).ok_or_else(invalid)?;
        hex(flags, 2).ok_or_else(invalid)?;
        let parse = || -> Option<TraceParent> {
            TraceParent::new(
                u128::from_str_radix(trace, 16).ok()?,
                u64::from_str_radix(parent, 16).ok()?,
                u8::from_str_radix(flags, 16).ok()?,
            )
        };
        parse().ok_or_else(invalid)
    }
}

impl Serialize for TraceParent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TraceParent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The lineage an event emitted here and now would carry: see the
/// [module documentation](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Lineage {
    /// The unit of work.
    pub correlation_id: Option<CorrelationId>,
    /// The event that caused what is emitted here.
    pub causation_id: Option<EventId>,
    /// The W3C trace context.
    pub traceparent: Option<TraceParent>,
}

thread_local! {
    // The lineage of this thread, set by the scopes below, in cells rather
    // than one `RefCell<Lineage>`: the `Copy` parts need no destructor, so
    // reaching them is a plain thread-local access, and a scope entered
    // and left (once per subscriber call) is a few moves. The cause has a
    // cell of its own: the body of a synchronous call changes only it.
    static CAUSE: Cell<Option<EventId>> = const { Cell::new(None) };
    static TRACE: Cell<Option<TraceParent>> = const { Cell::new(None) };
    static CORRELATION: Cell<Option<CorrelationId>> = const { Cell::new(None) };
}

impl Lineage {
    /// No correlation, no cause, no trace.
    pub const fn none() -> Self {
        Lineage {
            correlation_id: None,
            causation_id: None,
            traceparent: None,
        }
    }

    /// The lineage of this thread now: the scopes it is in, and, with the
    /// `opentelemetry` feature, the current `tracing` span's trace context.
    pub fn current() -> Self {
        let causation_id = CAUSE.try_with(Cell::get).unwrap_or_default();
        let traceparent = TRACE.try_with(Cell::get).unwrap_or_default();
        let lineage = Lineage {
            correlation_id: CORRELATION
                .try_with(|cell| {
                    let id = cell.take();
                    let copy = id.clone();
                    cell.set(id);
                    copy
                })
                .ok()
                .flatten(),
            causation_id,
            traceparent,
        };
        #[cfg(feature = "opentelemetry")]
        let lineage = match otel::current_span() {
            Some(trace) => lineage.with_traceparent(trace),
            None => lineage,
        };
        lineage
    }

    /// What the events caused by `event` carry: its correlation id and
    /// trace context, and its id as their cause.
    pub fn following<E>(event: &Event<E>) -> Self {
        Lineage {
            correlation_id: event.correlation_id.clone(),
            causation_id: Some(event.id),
            traceparent: event.traceparent,
        }
    }

    /// This lineage with another correlation id.
    pub fn with_correlation(mut self, id: impl Into<CorrelationId>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// This lineage with another cause.
    pub fn with_causation(mut self, id: EventId) -> Self {
        self.causation_id = Some(id);
        self
    }

    /// This lineage with another trace context.
    pub fn with_traceparent(mut self, trace: TraceParent) -> Self {
        self.traceparent = Some(trace);
        self
    }

    /// Makes this the thread's lineage until the guard drops (the previous
    /// one comes back then, also when unwinding). The guard stays on its
    /// thread; for a future, use [`Lineage::instrument`].
    pub fn enter(self) -> LineageGuard {
        let previous = swap(self);
        LineageGuard {
            previous: Some(previous),
            not_send: PhantomData,
        }
    }

    /// Runs `f` with this as the thread's lineage.
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }

    /// A future that runs `future` with this as the lineage of every poll,
    /// on whatever thread polls it.
    pub fn instrument<F: Future>(self, future: F) -> WithLineage<F> {
        WithLineage {
            lineage: Some(self),
            future,
        }
    }
}

/// Replaces the thread's lineage, returning the previous one.
fn swap(lineage: Lineage) -> Lineage {
    let causation_id = swap_cause(lineage.causation_id);
    let traceparent = swap_trace(lineage.traceparent);
    Lineage {
        correlation_id: CORRELATION
            .try_with(|cell| cell.replace(lineage.correlation_id))
            .ok()
            .flatten(),
        causation_id,
        traceparent,
    }
}

/// Replaces the cause of the thread's lineage, returning the previous
/// one: all that the body of a synchronous call changes (its correlation
/// and trace context are the caller's, read when the call opened).
pub(crate) fn swap_cause(cause: Option<EventId>) -> Option<EventId> {
    CAUSE
        .try_with(|cell| cell.replace(cause))
        .unwrap_or_default()
}

/// Replaces the trace context of the thread's lineage, returning the
/// previous one.
pub(crate) fn swap_trace(trace: Option<TraceParent>) -> Option<TraceParent> {
    TRACE
        .try_with(|cell| cell.replace(trace))
        .unwrap_or_default()
}

/// Restores the thread's previous lineage when dropped: see
/// [`Lineage::enter`].
#[must_use = "the lineage is the thread's only while the guard lives"]
pub struct LineageGuard {
    previous: Option<Lineage>,
    not_send: PhantomData<*const ()>,
}

impl fmt::Debug for LineageGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineageGuard").finish_non_exhaustive()
    }
}

impl Drop for LineageGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            swap(previous);
        }
    }
}

pin_project_lite::pin_project! {
    /// A future run with a lineage: see [`Lineage::instrument`],
    /// [`correlated`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WithLineage<F> {
        lineage: Option<Lineage>,
        #[pin]
        future: F,
    }
}

impl<F: fmt::Debug> fmt::Debug for WithLineage<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithLineage")
            .field("lineage", &self.lineage)
            .field("future", &self.future)
            .finish()
    }
}

impl<F: Future> Future for WithLineage<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _guard = this.lineage.clone().map(Lineage::enter);
        this.future.poll(cx)
    }
}

/// Runs `f` with `id` as the correlation id of everything it emits (the
/// cause and the trace context stay as they are).
pub fn correlate<R>(id: impl Into<CorrelationId>, f: impl FnOnce() -> R) -> R {
    Lineage::current().with_correlation(id).scope(f)
}

/// `future`, with `id` as the correlation id of everything it emits, on
/// whatever thread polls it: wrap a tokio task's future to correlate the
/// task.
pub fn correlated<F: Future>(id: impl Into<CorrelationId>, future: F) -> WithLineage<F> {
    Lineage::current().with_correlation(id).instrument(future)
}

/// Runs `f` as the handling of `event`: what it emits is caused by
/// `event` and carries its correlation id and trace context. Subscribers
/// of eventwire's buses run this way already; use it where events arrive
/// from elsewhere (a NATS consumer, a queue, a test).
#[inline]
pub fn caused_by<E, R>(event: &Event<E>, f: impl FnOnce() -> R) -> R {
    Lineage::following(event).scope(f)
}

#[cfg(feature = "opentelemetry")]
mod otel {
    use super::TraceParent;
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    /// The OpenTelemetry context of the current `tracing` span, if it has a
    /// valid one.
    pub(super) fn current_span() -> Option<TraceParent> {
        let span = tracing::Span::current();
        if span.is_none() {
            return None;
        }
        let context = span.context();
        let otel_span = context.span();
        let span_context = otel_span.span_context();
        if !span_context.is_valid() {
            return None;
        }
        TraceParent::new(
            u128::from_be_bytes(span_context.trace_id().to_bytes()),
            u64::from_be_bytes(span_context.span_id().to_bytes()),
            span_context.trace_flags().to_u8(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_reads_and_writes_the_w3c_form() {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let trace: TraceParent = text.parse().unwrap();
        assert_eq!(trace.to_string(), text);
        assert_eq!(trace.flags(), 1);
        assert_eq!(trace.parent_id(), 0x00f0_67aa_0ba9_02b7);
        // A later version's first four parts are read; extra parts of 00 are not.
        assert!(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"
                .parse::<TraceParent>()
                .is_ok()
        );
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-00",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            let error = bad.parse::<TraceParent>().unwrap_err();
            assert!(error.to_string().contains("not a W3C traceparent"), "{bad}");
        }
    }

    #[test]
    fn scopes_nest_and_restore_also_when_unwinding() {
        assert_eq!(Lineage::current(), Lineage::none());
        correlate("outer", || {
            assert_eq!(
                Lineage::current().correlation_id,
                Some(CorrelationId::from("outer"))
            );
            correlate("inner", || {
                assert_eq!(Lineage::current().correlation_id.unwrap(), "inner");
            });
            let caught = std::panic::catch_unwind(|| {
                correlate("panicking", || panic!("boom"));
            });
            assert!(caught.is_err());
            assert_eq!(Lineage::current().correlation_id.unwrap(), "outer");
        });
        assert_eq!(Lineage::current(), Lineage::none());
    }

    #[test]
    fn a_future_has_its_lineage_on_every_poll_and_leaves_none_behind() {
        let future = correlated("task-1", async {
            let first = Lineage::current().correlation_id;
            tokio::task::yield_now().await;
            (first, Lineage::current().correlation_id)
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (first, second) = runtime.block_on(future);
        assert_eq!(first.unwrap(), "task-1");
        assert_eq!(second.unwrap(), "task-1");
        assert_eq!(Lineage::current(), Lineage::none());
    }
}

#[cfg(all(test, feature = "opentelemetry"))]
mod otel_tests {
    use super::*;
    use crate::{emit, EventType, Recorder};
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        Traced,
    }

    #[test]
    fn the_current_spans_opentelemetry_context_is_each_events_traceparent() {
        // The no-op tracer propagates the parent's span context: enough to
        // see that the context of the current span is what events carry.
        let subscriber = tracing_subscriber::registry().with(tracing_opentelemetry::layer());
        tracing::subscriber::with_default(subscriber, || {
            assert_eq!(Lineage::current().traceparent, None, "no span, no trace");
            let parent = SpanContext::new(
                TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
                SpanId::from_hex("00f067aa0ba902b7").unwrap(),
                TraceFlags::SAMPLED,
                true,
                TraceState::default(),
            );
            let span = tracing::info_span!("request");
            span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent))
                .unwrap();
            let recorder = Recorder::<Ev>::new();
            span.in_scope(|| emit!(Ev::Traced, bus = recorder));
            let trace = recorder.events()[0].traceparent.expect("a traceparent");
            assert_eq!(
                trace.to_string(),
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            );
            // Outside the span, none again.
            emit!(Ev::Traced, bus = recorder);
            assert_eq!(recorder.events()[1].traceparent, None);
        });
    }
}
