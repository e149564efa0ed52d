//! Each function of `plain.rs` is in `annotated.rs` on the same line, with
//! an `#[emits(..)]` where `plain.rs` has a comment. Clippy must say the
//! same of both.
#![warn(clippy::pedantic)]

mod annotated;
mod plain;

use eventwire::EventType;

/// The events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// One.
    Noted,
}

/// A request whose fields are named like parameters.
pub struct Req {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
}

/// A value held for its drop.
pub struct Permit;

/// An await point.
pub async fn tick() {}
