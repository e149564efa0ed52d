//! The grammar of eventwire, in one place: what `#[emits(..)]`, `emit!(..)`
//! and `#[derive(EventType)]` accept, the phase table, dotted names, and the
//! identity of an emission site.
//!
//! `eventwire-macros` expands what these parsers read, and `cargo eventwire`
//! reads the sources with the same parsers, so the tool that reports on
//! sites can never read them differently from the macro that generates them
//! (as `serde_derive_internals` serves `serde_derive`).
//!
//! Without features this crate is the phase table, dotted names and site
//! identity, with no dependency beyond `heck`; the runtime uses it so. The
//! feature `syntax` adds the parsers (syn), and `source` adds reading a
//! crate's sources: its module tree from a target's root, `cfg` gates, and
//! the sites and event enums of each file.
#![deny(missing_docs)]

pub mod names;
pub mod phase;
pub mod site;
#[cfg(feature = "source")]
pub mod source;
#[cfg(feature = "syntax")]
pub mod syntax;

pub use phase::{Phase, Phases};
pub use site::SiteKey;
