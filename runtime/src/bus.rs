//! The bus trait, and where an annotated method finds its bus.

use crate::event::Event;
use crate::kind::EventKind;
use std::fmt;
use std::sync::Arc;

/// Receives the events that annotated methods emit.
///
/// # Contract
///
/// What an implementer may and may not do, and what happens if it does:
///
/// - `publish` is called on the service's own thread, inside the annotated
///   method, so it **must not block**: hand the event to a queue, a channel
///   or an in-memory subscriber and return. A bus that needs I/O does it on
///   a worker of its own (put it behind a
///   [`BackgroundBus`](crate::buses::BackgroundBus)). eventwire cannot
///   stop a `publish` that blocks: the method waits for it, which is the
///   one way a bus can hurt the service.
/// - `publish` **may fail**: an `Err` counts the event in
///   [`stats().errors`](crate::Stats::errors) and is reported through the
///   [failure hook](crate::set_failure_hook) with the event and its site.
///   It never reaches the service.
/// - `publish`, `accepts` and `flush` **may panic** (with `panic =
///   "unwind"`): the panic is caught, counted in
///   [`stats().panics`](crate::Stats::panics) and reported. A panicking
///   `accepts` is taken as declining: the call's events are not published
///   to that bus. The bus is asked again for the next call.
/// - [`accepts`](Bus::accepts) lets a bus decline kinds it does not want;
///   for a declined kind no payload is built and no field is evaluated. It
///   is asked once per site when an annotated call starts (the answer
///   holds for that call's events) and before each `emit!`, so it must be
///   cheap.
/// - `flush` is called by the queued buses when they are flushed and at
///   shutdown; it may block (it runs on their worker). An `Err` or a panic
///   is counted and reported as a failed flush.
///
/// ```
/// use eventwire::{Bus, BusError, Event, EventType};
/// use std::sync::Mutex;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { UserCreated, UserDeleted }
///
/// /// Keeps the names of audited events; ignores the rest.
/// #[derive(Default)]
/// struct AuditLog(Mutex<Vec<&'static str>>);
///
/// impl Bus<EventType> for AuditLog {
///     fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
///         self.0.lock().map_err(|_| BusError::new("audit log poisoned"))?.push(event.name());
///         Ok(())
///     }
///     fn accepts(&self, kind: EventType) -> bool {
///         kind == EventType::UserDeleted
///     }
/// }
/// ```
pub trait Bus<E: EventKind>: Send + Sync {
    /// Takes one event. Must not block; see the trait's contract.
    fn publish(&self, event: Event<E>) -> Result<(), BusError>;

    /// Whether this bus wants events of `kind`. Must be cheap: it is asked
    /// before any payload is built.
    fn accepts(&self, kind: E) -> bool {
        let _ = kind;
        true
    }

    /// Writes out whatever the bus buffers (a file sink's buffer, say). The
    /// background buses call it when flushed and at shutdown; it may block.
    fn flush(&self) -> Result<(), BusError> {
        Ok(())
    }

    /// Whether this bus contains every panic of the code it calls, so that
    /// an emission site need not catch them: true only for eventwire's own
    /// buses, which isolate their subscribers, sinks and targets.
    #[doc(hidden)]
    fn __eventwire_contained(&self) -> bool {
        false
    }

    /// `publish`, answering `Err` also for an event the bus dropped
    /// instead of taking (a queued bus's full queue, or its shutdown), for
    /// a caller that must know whether it was taken: the outbox relay marks
    /// a row sent only then.
    #[doc(hidden)]
    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        self.publish(event)
    }
}

/// So that services holding a bus can derive `Debug`.
impl<E: EventKind> fmt::Debug for dyn Bus<E> + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dyn Bus<{}>", E::ENUM_NAME)
    }
}

impl<E: EventKind, B: Bus<E> + ?Sized> Bus<E> for Arc<B> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        (**self).publish(event)
    }
    fn accepts(&self, kind: E) -> bool {
        (**self).accepts(kind)
    }
    fn flush(&self) -> Result<(), BusError> {
        (**self).flush()
    }
    fn __eventwire_contained(&self) -> bool {
        (**self).__eventwire_contained()
    }
    fn __eventwire_publish_taken(&self, event: Event<E>) -> Result<(), BusError> {
        (**self).__eventwire_publish_taken(event)
    }
}

/// Why a bus could not take an event.
#[derive(Debug)]
pub struct BusError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// See [`BusError::is_reported`].
    reported: bool,
    /// See [`BusError::permanent`].
    permanent: bool,
}

impl BusError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        BusError {
            message: message.into(),
            source: None,
            reported: false,
            permanent: false,
        }
    }

    /// The same error, for an event this bus can never take, however often
    /// it is retried: it is too large for the server, or cannot be encoded.
    /// Whoever retries gives that event up rather than hold back the ones
    /// after it: the outbox relay parks its row (counted as failed), and
    /// `eventwire-nats` drops it (counted and reported).
    #[must_use]
    pub fn permanent(mut self) -> Self {
        self.permanent = true;
        self
    }

    /// Whether retrying the event cannot help ([`BusError::permanent`]).
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The same error, saying that whoever answers it has counted it in
    /// [`stats`](crate::stats) and reported it through the failure hook
    /// already (a queued bus that dropped the event), so that whoever relays
    /// it (the outbox relay, a `Broadcast`) does not count it again.
    #[must_use]
    pub fn already_reported(mut self) -> Self {
        self.reported = true;
        self
    }

    /// Whether the bus that answered this error has counted it in
    /// [`stats`](crate::stats) and reported it through the failure hook
    /// already (a queued bus that dropped the event, its queue full): whoever
    /// relays the error (the outbox relay) does not report it again.
    pub fn is_reported(&self) -> bool {
        self.reported
    }

    /// An error caused by `source`.
    pub fn from_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        BusError {
            message: message.into(),
            source: Some(Box::new(source)),
            reported: false,
            permanent: false,
        }
    }
}

impl BusError {
    /// What eventwire keeps of an error that code it does not own returned:
    /// the same text and flags, without the source, which is that code's
    /// value (its `Drop` and `Display` may panic). Called inside the
    /// isolation of the call that returned it, so that the source is
    /// dropped there. (Public for `eventwire-outbox`.)
    #[doc(hidden)]
    #[must_use]
    pub fn __eventwire_owned(self) -> BusError {
        if self.source.is_none() {
            return self;
        }
        BusError {
            message: crate::isolate::error_text(&self),
            source: None,
            reported: self.reported,
            permanent: self.permanent,
        }
    }
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A shared handle to a bus, as services hold it.
pub type SharedBus<E> = Arc<dyn Bus<E>>;

/// Something that may hold a bus for events of `E`: the service type an
/// annotated method is called on, or the value given with
/// `#[emits(.., bus = expr)]` and `emit!(.., bus = expr)`.
///
/// For a service struct, derive it: `#[derive(HasBus)]` uses the field
/// marked `#[event_bus]`, or else the field named `bus` or `event_bus`.
/// An empty `impl HasBus<EventType> for Service {}` says the service has
/// no bus of its own: its methods use the scoped or the global default.
///
/// ```
/// use eventwire::{emits, EventType, HasBus, SharedBus};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { SessionCreated }
///
/// #[derive(Default, HasBus)]
/// struct SessionService {
///     bus: Option<SharedBus<EventType>>,
///     open: usize,
/// }
///
/// impl SessionService {
///     #[emits(SessionCreated)]
///     fn create(&mut self) -> usize {
///         self.open += 1;
///         self.open
///     }
/// }
///
/// let recorder = eventwire::Recorder::<EventType>::new();
/// let mut service = SessionService { bus: Some(recorder.bus()), open: 0 };
/// service.create();
/// recorder.assert_emitted(EventType::SessionCreated);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not provide an event bus for events of `{E}`",
    label = "no bus for `{E}` here: `{Self}` does not implement `HasBus<{E}>`",
    note = "a bus is an `Option<SharedBus<{E}>>`, a `SharedBus<{E}>`, a `Recorder<{E}>`, or a value of a type that implements `eventwire::HasBus<{E}>`",
    note = "for a service type: add `#[derive(eventwire::HasBus)]` with a field `bus: Option<eventwire::SharedBus<{E}>>`, or write an empty `impl eventwire::HasBus<{E}> for ..` to use the default bus"
)]
pub trait HasBus<E: EventKind> {
    /// The bus to publish to, if any. The default has none.
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        None
    }

    /// [`event_bus`](HasBus::event_bus) as emission asks it: isolated when
    /// it is code of the user's (a panic is counted, reported against
    /// `site`, and taken as no bus), read directly when it is eventwire's
    /// (the derive's field, a bus, an `Option` or pointer of one). Once per
    /// type, not per annotated function.
    #[doc(hidden)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        crate::private::find_bus(site, || self.event_bus())
    }
}

impl<E: EventKind> HasBus<E> for SharedBus<E> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        Some(self)
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        _: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        Some(self)
    }
}

/// An optional bus, or an optional anything that has one.
impl<E: EventKind, T: HasBus<E>> HasBus<E> for Option<T> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        self.as_ref().and_then(HasBus::event_bus)
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        self.as_ref().and_then(|bus| bus.__eventwire_find(site))
    }
}

/// Shared state that has a bus: `#[event_bus] shared: Arc<Shared>`. (Sized,
/// so that it is apart from `SharedBus<E>`, an `Arc<dyn Bus<E>>`.)
impl<E: EventKind, T: HasBus<E>> HasBus<E> for Arc<T> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        (**self).event_bus()
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        (**self).__eventwire_find(site)
    }
}

impl<E: EventKind, T: HasBus<E>> HasBus<E> for std::rc::Rc<T> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        (**self).event_bus()
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        (**self).__eventwire_find(site)
    }
}

impl<E: EventKind, T: HasBus<E> + ?Sized> HasBus<E> for &T {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        (**self).event_bus()
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        (**self).__eventwire_find(site)
    }
}

impl<E: EventKind, T: HasBus<E> + ?Sized> HasBus<E> for &mut T {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        (**self).event_bus()
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        (**self).__eventwire_find(site)
    }
}

impl<E: EventKind, T: HasBus<E> + ?Sized> HasBus<E> for Box<T> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        (**self).event_bus()
    }
    #[inline(always)]
    fn __eventwire_find(
        &self,
        site: Option<&(E, &'static crate::registry::SiteRecord)>,
    ) -> Option<&SharedBus<E>> {
        (**self).__eventwire_find(site)
    }
}
