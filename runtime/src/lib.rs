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
#![warn(missing_debug_implementations)]

// Lets the derives' `::eventwire::..` paths resolve in this crate's own tests.
#[cfg(test)]
extern crate self as eventwire;

mod bus;
mod coverage;
mod defaults;
mod event;
mod field;
mod guard;
mod kind;
mod phase;
mod private;
mod recorder;
pub mod registry;

pub use bus::{Bus, BusError, HasBus, SharedBus};
pub use coverage::{coverage, Coverage, EventCoverage, Status};
pub use defaults::{clear_global_default, set_global_default, set_scoped_default, ScopedDefault};
pub use event::{Event, EventId, Site};
pub use field::{FieldValue, Fields, Value};
pub use guard::{reset_failure_hook, set_failure_hook, stats, Failure, FailureCause, Stats};
pub use kind::{EventKind, UnknownEvent};
pub use phase::{Phase, Phases};
pub use recorder::Recorder;

pub use eventwire_macros::{emit, emits, EventType, HasBus};

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
