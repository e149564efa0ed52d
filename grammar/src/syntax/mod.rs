//! The parsers: what `#[emits(..)]`, `emit!(..)` and `#[derive(EventType)]`
//! accept, with the messages they give for what they do not.

pub mod emit;
pub mod emits;
pub mod event_enum;
pub mod fields;
pub mod options;
pub mod phases;
