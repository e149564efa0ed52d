//! A small key-value server on tokio, wired with eventwire: the second
//! example of the workspace, the shape of many real services. See
//! "Adding eventwire to an existing tokio service" in the README.
//!
//! The package names its enum once (`[package.metadata.eventwire]
//! event-type`), so `#[emits]` needs no `EventType::` here, nor in a
//! documentation example, which is a crate of its own (compiled, not run:
//! its site would be test code in this package's coverage report):
//!
//! ```no_run
//! use eventwire::{emits, Recorder};
//! use kv_server::events::EventType;
//!
//! #[emits(KeyRead)]
//! fn read() -> u8 {
//!     1
//! }
//!
//! let recorder = Recorder::new();
//! let _scope = recorder.install_scoped();
//! assert_eq!(read(), 1);
//! recorder.assert_emitted(EventType::KeyRead);
//! ```

pub mod events;
pub mod server;
pub mod store;

#[cfg(test)]
mod tests {
    // Every event has a production site (checked from the unit tests).
    eventwire::coverage_test!(crate::events::EventType);
}
