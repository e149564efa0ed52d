//! Annotate a service method once; eventwire emits its domain events,
//! guarded and fire-and-forget, and `cargo test` proves every event kind
//! has an emission site.
//!
//! ```
//! use eventwire::{emit, emits, EventType, HasBus, Recorder, SharedBus};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
//! pub enum EventType {
//!     #[event(on = entry)] ToolInvoked,   // "tool.invoked", before the body
//!     ToolCompleted,                      // no phase: fires on success (`ok`)
//!     #[event(on = err)]   ToolErrored,   // on an `Err` return, with its text
//!     #[event(on = body)]  ToolRetried,   // written with `emit!` in the body
//! }
//!
//! #[derive(Default, HasBus)]
//! pub struct ToolRuntime {
//!     bus: Option<SharedBus<EventType>>,
//! }
//!
//! impl ToolRuntime {
//!     #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(tool = %name))]
//!     pub fn execute(&self, name: &str, flaky: u32) -> Result<String, String> {
//!         for attempt in 1..=flaky {
//!             emit!(ToolRetried, attempt);
//!         }
//!         if name.is_empty() {
//!             return Err("no tool named".into());
//!         }
//!         Ok(format!("ran {name}"))
//!     }
//! }
//!
//! let recorder = Recorder::new();
//! let runtime = ToolRuntime { bus: Some(recorder.bus()) };
//! assert_eq!(runtime.execute("grep", 2), Ok("ran grep".into()));
//! assert!(runtime.execute("", 0).is_err());
//!
//! use EventType::*;
//! recorder.assert_sequence(&[
//!     ToolInvoked, ToolRetried, ToolRetried, ToolCompleted,
//!     ToolInvoked, ToolErrored,
//! ]);
//! recorder.assert_field(ToolRetried, "attempt", 2);
//! recorder.assert_error(ToolErrored, "no tool named");
//!
//! // In a test: fails if any variant has no #[emits] or emit! site.
//! eventwire::coverage::<EventType>().assert_complete();
//! ```
//!
//! # The pieces
//!
//! - [`#[derive(EventType)]`](derive@EventType) on a unit-only enum gives each
//!   variant a dotted name (`ToolInvoked` → `tool.invoked`), default phases,
//!   `Display`/`FromStr`/serde by dotted name, and implements [`EventKind`].
//! - [`#[emits(..)]`](macro@emits) on a function or method emits the listed
//!   events at their phases: `entry`, `ok`, `err`, `exit`, `cancel`, `body`.
//! - [`emit!`](macro@emit) emits one event by hand, inside or outside an
//!   `#[emits]` function.
//! - A [`Bus`] receives the events. [`Recorder`] is the one for tests.
//! - [`coverage`] checks that every variant has a site; [`coverage_test!`]
//!   writes that test in one line.
//!
//! # Where the bus comes from
//!
//! In order, the first that has one: `bus = expr` on the attribute; the
//! receiver, through [`HasBus`] (derive it on a struct with a field
//! `bus: Option<SharedBus<EventType>>`); the thread's scoped default
//! ([`set_scoped_default`], for tests); the process-wide default
//! ([`set_global_default`]); otherwise nothing is emitted, at the cost of
//! one branch, and no field is evaluated.
//!
//! # Guarantees
//!
//! Emission never changes what the method returns. A bus error or a
//! panicking `publish` is caught, counted in [`stats`] and reported through
//! the [failure hook](set_failure_hook). Fields are evaluated only when a
//! bus will take one of the call's events. Nothing is captured from the
//! arguments unless named in `fields(..)`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

// Lets the derives' `::eventwire::..` paths resolve in this crate's own tests.
#[cfg(test)]
extern crate self as eventwire;

mod bus;
pub mod buses;
#[cfg(feature = "cloudevents")]
pub mod cloudevents;
mod coverage;
pub mod coverage_data;
mod defaults;
mod event;
mod failure;
mod field;
mod guard;
#[cfg(feature = "coverage")]
mod hits;
mod isolate;
mod kind;
pub mod lineage;
/// The phase table lives in the grammar, shared with the macros and `cargo eventwire`.
mod phase {
    pub use eventwire_grammar::{Phase, Phases};
}
mod private;
mod recorder;
pub mod registry;

pub use bus::{Bus, BusError, HasBus, SharedBus};
pub use coverage::{coverage, coverage_of, Coverage, EventCoverage, Status};
pub use defaults::{clear_global_default, set_global_default, set_scoped_default, ScopedDefault};
pub use event::{Event, EventId, Site};
pub use eventwire_grammar::{Phase, Phases};
pub use failure::{
    report_failure, reset_failure_hook, set_failure_hook, stats, FailedEvent, Failure,
    FailureCause, FailureKind, Stats,
};
pub use field::{FieldType, FieldValue, Fields, Value};
pub use kind::{EventKind, UnknownEvent, UsesDefaultBus};
pub use lineage::{caused_by, correlate, correlated, CorrelationId, Lineage, TraceParent};
pub use recorder::{Recorder, WaitFor};

/// Emits the listed events around a function or method.
///
/// `#[emits(Event, Event(on = phases), event = path::Enum, bus = expr, fields(..))]`
///
/// - A bare `Event` is a variant of the `EventType` in scope; `event = path`
///   picks another enum. A misspelt name is a compile error at that name.
/// - Each event fires on its variant's phases (`#[event(on = ..)]`, `ok` by
///   default), or on those given here: `ToolErrored(on = err | cancel)`.
/// - `fields(name = %display, name = ?debug, name = value, shorthand)` are
///   evaluated once, before the body, and only when a bus takes an event.
/// - `bus = expr` names the bus; otherwise the receiver's ([`HasBus`]), then
///   the scoped and the global default.
///
/// Events of this function written by hand with [`emit!`](macro@emit) must be
/// listed too; they fire where the `emit!`s are.
///
/// ```
/// use eventwire::{emits, EventType, Recorder};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType {
///     #[event(on = entry)] FileOpened,
///     #[event(on = err)]   FileFailed,
///     #[event(on = exit)]  FileClosed,
/// }
///
/// #[emits(FileOpened, FileFailed, FileClosed, fields(path = %path))]
/// fn read(path: &str) -> std::io::Result<String> {
///     std::fs::read_to_string(path)
/// }
///
/// let recorder = Recorder::new();
/// let _guard = recorder.install_scoped();
/// assert!(read("/no/such/file").is_err());
/// use EventType::*;
/// recorder.assert_sequence(&[FileOpened, FileFailed, FileClosed]);
/// recorder.assert_field(FileFailed, "path", "/no/such/file");
/// assert!(recorder.of(FileFailed)[0].error.is_some());
/// ```
pub use eventwire_macros::emits;

/// Emits one event by hand: `emit!(Event, fields.., bus = expr)`.
///
/// Inside an [`#[emits]`](macro@emits) function it publishes through that
/// function's bus, with the function's fields first; the event must be listed
/// in the attribute. Elsewhere it publishes to `bus = expr`, else to the
/// scoped or global default bus. `Event` is a variant of the `EventType` in
/// scope, or a path such as `billing::EventType::InvoiceSent`.
///
/// ```
/// use eventwire::{emit, emits, EventType, Recorder};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType {
///     #[event(on = body)] InvariantViolated,
///     InvariantReconciled,
/// }
///
/// #[emits(InvariantViolated, InvariantReconciled)]
/// fn reconcile(values: &[i32]) -> usize {
///     let mut bad = 0;
///     for (index, value) in values.iter().enumerate() {
///         if *value < 0 {
///             bad += 1;
///             emit!(InvariantViolated, index, value = *value);
///         }
///     }
///     bad
/// }
///
/// let recorder = Recorder::new();
/// let _guard = recorder.install_scoped();
/// assert_eq!(reconcile(&[1, -1, -2]), 2);
/// recorder.assert_count(EventType::InvariantViolated, 2);
/// recorder.assert_count(EventType::InvariantReconciled, 1);
///
/// // Outside #[emits]: to a named bus.
/// emit!(InvariantReconciled, bus = recorder, batch = "manual");
/// recorder.assert_field(EventType::InvariantReconciled, "batch", "manual");
/// ```
pub use eventwire_macros::emit;

/// Derives [`EventKind`], `Display`, `FromStr` and serde by dotted name for
/// an enum of unit variants. See [`EventKind`] for an example and the
/// README for the `#[event(on = .., name = "..", unwired = "..")]` keys.
pub use eventwire_macros::EventType;

/// Derives [`HasBus`](trait@HasBus) for a service struct from its bus field:
/// the one marked `#[event_bus]`, else the one named `bus` or `event_bus`.
/// See the trait for an example.
pub use eventwire_macros::HasBus;

/// Used by generated code only; not public API. Its name carries the
/// runtime's version so that mismatched `eventwire` and `eventwire-macros`
/// fail to compile.
#[doc(hidden)]
pub mod __private_v0_1_0 {
    pub use crate::private::*;
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn private_module_is_named_for_this_version() {
        let expected = format!("__private_v{}", env!("CARGO_PKG_VERSION").replace('.', "_"));
        assert_eq!(expected, "__private_v0_1_0", "rename the module in lib.rs");
    }
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
