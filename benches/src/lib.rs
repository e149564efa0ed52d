//! The services the benchmarks compare: the same `#[inline(never)]` method
//! doing the same work, with no emission, with hand-written emission, with
//! `#[emits]`, and with `tracing`.

use eventwire::{
    emits, Bus, BusError, Event, EventId, EventType, HasBus, Lineage, Phase, SharedBus, Site,
};
use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The events the benchmarks emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before the work.
    #[event(on = entry)]
    WorkStarted,
    /// After it succeeded.
    WorkDone,
    /// After it failed.
    #[event(on = err)]
    WorkFailed,
}

/// The same events, for services that opted out of default buses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
#[event(default_bus = false)]
pub enum Quiet {
    /// Before the work.
    #[event(on = entry)]
    WorkStarted,
    /// After it succeeded.
    WorkDone,
    /// After it failed.
    #[event(on = err)]
    WorkFailed,
}

/// A service whose events opted out of default buses.
#[derive(Debug, Default, HasBus)]
pub struct QuietService {
    /// The bus, if any.
    pub bus: Option<SharedBus<Quiet>>,
}

impl QuietService {
    /// `#[emits]` with three events of an enum without default buses.
    #[inline(never)]
    #[emits(WorkStarted, WorkDone, WorkFailed, event = Quiet)]
    pub fn with_emits(&self, x: u64) -> Result<u64, String> {
        work(x)
    }
}

/// The work every variant does: a few arithmetic steps, kept opaque.
#[inline(always)]
fn work(x: u64) -> Result<u64, String> {
    let y = black_box(x)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    if y == 1 {
        Err("unlucky".to_owned())
    } else {
        Ok(y)
    }
}

/// A service holding an optional bus, as services do.
#[derive(Debug, Default, HasBus)]
pub struct Service {
    /// The bus, if any.
    pub bus: Option<SharedBus<EventType>>,
}

fn hand_site() -> Site {
    Site {
        function: Cow::Borrowed("Service::hand_written"),
        path: Cow::Borrowed("eventwire_benches::Service::hand_written"),
        file: Cow::Borrowed(file!()),
        line: line!(),
        column: column!(),
    }
}

/// The hand-written emission path, kept out of line as a careful author would.
/// `cause`, when given, is the event the new one was caused by; the new
/// event's id is returned when the bus took it.
#[cold]
#[inline(never)]
fn hand_emit(
    bus: &SharedBus<EventType>,
    kind: EventType,
    phase: Phase,
    start: Option<Instant>,
    cause: Option<EventId>,
) -> Option<EventId> {
    if !bus.accepts(kind) {
        return None;
    }
    let mut event = Event::new(kind, phase, hand_site());
    event.elapsed = start.map(|s| s.elapsed());
    if cause.is_some() {
        event.causation_id = cause;
    }
    let id = event.id;
    let _ = bus.publish(event);
    Some(id)
}

impl Service {
    /// No emission at all.
    #[inline(never)]
    pub fn plain(&self, x: u64) -> Result<u64, String> {
        work(x)
    }

    /// The guard written inline, as the story's codebase copied it.
    #[inline(never)]
    pub fn hand_inline(&self, x: u64) -> Result<u64, String> {
        if let Some(bus) = &self.bus {
            let _ = bus.publish(Event::new(
                EventType::WorkStarted,
                Phase::Entry,
                hand_site(),
            ));
        }
        let result = work(x);
        if let Some(bus) = &self.bus {
            let kind = if result.is_ok() {
                EventType::WorkDone
            } else {
                EventType::WorkFailed
            };
            let phase = if result.is_ok() {
                Phase::Ok
            } else {
                Phase::Err
            };
            let _ = bus.publish(Event::new(kind, phase, hand_site()));
        }
        result
    }

    /// The guard with a cold, out-of-line emission path: the best hand-written code.
    #[inline(never)]
    pub fn hand_written(&self, x: u64) -> Result<u64, String> {
        let start = self.bus.as_ref().map(|bus| {
            hand_emit(bus, EventType::WorkStarted, Phase::Entry, None, None);
            Instant::now()
        });
        let result = work(x);
        if let Some(bus) = &self.bus {
            let (kind, phase) = if result.is_ok() {
                (EventType::WorkDone, Phase::Ok)
            } else {
                (EventType::WorkFailed, Phase::Err)
            };
            hand_emit(bus, kind, phase, start, None);
        }
        result
    }

    /// Hand-written emission of the envelope `#[emits]` writes: as
    /// [`Service::hand_written`], and the `ok`/`err` event is caused by the
    /// `entry` event, and the body runs in a lineage whose cause is the
    /// `entry` event (what the body emits, or calls that emit, is caused by
    /// it), through the public `Lineage` API.
    #[inline(never)]
    pub fn hand_written_linked(&self, x: u64) -> Result<u64, String> {
        let (entry, start) = match &self.bus {
            Some(bus) => (
                hand_emit(bus, EventType::WorkStarted, Phase::Entry, None, None),
                Some(Instant::now()),
            ),
            None => (None, None),
        };
        let result = match entry {
            Some(cause) => {
                let mut lineage = Lineage::current();
                lineage.causation_id = Some(cause);
                lineage.scope(|| work(x))
            }
            None => work(x),
        };
        if let Some(bus) = &self.bus {
            let (kind, phase) = if result.is_ok() {
                (EventType::WorkDone, Phase::Ok)
            } else {
                (EventType::WorkFailed, Phase::Err)
            };
            hand_emit(bus, kind, phase, start, entry);
        }
        result
    }

    /// `#[emits]` with three events.
    #[inline(never)]
    #[emits(WorkStarted, WorkDone, WorkFailed)]
    pub fn with_emits(&self, x: u64) -> Result<u64, String> {
        work(x)
    }

    /// `tracing`'s `#[instrument]`.
    #[inline(never)]
    #[tracing::instrument(skip_all)]
    pub fn with_instrument(&self, x: u64) -> Result<u64, String> {
        work(x)
    }

    /// `tracing::info!` at entry and exit.
    #[inline(never)]
    pub fn with_info(&self, x: u64) -> Result<u64, String> {
        tracing::info!(event = "work.started");
        let result = work(x);
        tracing::info!(event = "work.done", ok = result.is_ok());
        result
    }

    /// `#[emits]` capturing no field.
    #[inline(never)]
    #[emits(WorkDone)]
    pub fn fields_0(&self, x: u64) -> u64 {
        x.wrapping_add(1)
    }

    /// `#[emits]` capturing three fields.
    #[inline(never)]
    #[emits(WorkDone, fields(x, name = %"work", twice = x * 2))]
    pub fn fields_3(&self, x: u64) -> u64 {
        x.wrapping_add(1)
    }

    /// `#[emits]` capturing eight fields.
    #[inline(never)]
    #[emits(WorkDone, fields(a = x, b = x + 1, c = x + 2, d = x + 3, e = %"e", f = ?x, g = true, h = 0.5))]
    pub fn fields_8(&self, x: u64) -> u64 {
        x.wrapping_add(1)
    }
}

/// A plain `async fn`.
pub async fn plain_async(x: u64) -> Result<u64, String> {
    YieldOnce(false).await;
    work(x)
}

/// The same, annotated.
#[emits(WorkStarted, WorkDone, WorkFailed)]
pub async fn annotated_async(x: u64) -> Result<u64, String> {
    YieldOnce(false).await;
    work(x)
}

/// Pending once: a stand-in for I/O.
#[derive(Debug)]
pub struct YieldOnce(pub bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Polls a future to completion on this thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// A subscriber that does nothing.
#[derive(Debug)]
pub struct NoOp;

impl Bus<EventType> for NoOp {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        black_box(event);
        Ok(())
    }
}

/// A bus that declines every event.
#[derive(Debug)]
pub struct Declining;

impl Bus<EventType> for Declining {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        black_box(event);
        Ok(())
    }
    fn accepts(&self, _: EventType) -> bool {
        false
    }
}

/// A subscriber that takes `delay` per event: a slow consumer.
#[derive(Debug)]
pub struct Slow(pub Duration);

impl Bus<EventType> for Slow {
    fn publish(&self, _: Event<EventType>) -> Result<(), BusError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// A `tracing` subscriber that takes every event and does nothing with it.
#[derive(Debug)]
pub struct NoOpSubscriber;

impl tracing::Subscriber for NoOpSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        black_box(event);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// An event like the ones the benchmarks publish.
pub fn sample_event() -> Event<EventType> {
    Event::new(EventType::WorkDone, Phase::Ok, hand_site())
}

/// An event as a service sends it: three fields, a correlation id and a
/// cause, for the envelope benchmarks.
pub fn wire_event() -> Event<EventType> {
    let mut event = eventwire::Lineage::none()
        .with_correlation("request-7f3a")
        .with_causation(eventwire::EventId::next())
        .scope(sample_event);
    event
        .fields
        .push("tool", eventwire::Value::Str("grep".to_owned()));
    event.fields.push("attempt", eventwire::Value::I64(3));
    event
        .fields
        .push("subject", eventwire::Value::Str("plan-7".to_owned()));
    event.elapsed = Some(std::time::Duration::from_micros(1250));
    event
}

/// The 1,000-variant enum of the coverage-check benchmark.
pub mod big {
    include!(concat!(env!("OUT_DIR"), "/big.rs"));
}

/// `count` site records spread over the kinds of [`big::Big`], made once.
pub fn big_registry(count: usize) -> Vec<&'static eventwire::registry::SiteRecord> {
    use eventwire::registry::{EnumInfo, SiteOrigin, SiteRecord, SiteSpec};
    use eventwire::{EventKind, Phases};
    (0..count)
        .map(|i| {
            let kind: &'static big::Big = &big::Big::ALL[i % big::Big::ALL.len()];
            let record: &'static SiteRecord = Box::leak(Box::new(SiteRecord::new(SiteSpec {
                kind,
                variant: kind.index(),
                enum_info: EnumInfo::of::<big::Big>,
                phases: Phases::only(Phase::Ok),
                origin: SiteOrigin::Attribute,
                function: || "benches::generated::site::here",
                file: "src/generated.rs",
                line: u32::try_from(i).unwrap_or(u32::MAX),
                column: 1,
                test_only: false,
                doctest: false,
                package: "svc",
                waiver: None,
                order: 0,
                fields: &[],
            })));
            record
        })
        .collect()
}
