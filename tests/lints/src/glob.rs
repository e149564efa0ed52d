//! A module whose glob import shadows the prelude names generated code
//! could use: `Option`, `Some`, `None`, `Result`, `Ok`, `Err`, `Box`, `Fn`.

#[allow(clippy::wildcard_imports)]
use shadows::*;

/// Names that shadow the prelude's.
#[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)]
pub mod shadows {
    /// Not `std`'s.
    pub struct Option;
    /// Not `std`'s.
    pub struct Some;
    /// Not `std`'s.
    pub struct None;
    /// Not `std`'s.
    pub struct Result;
    /// Not `std`'s.
    pub struct Ok;
    /// Not `std`'s.
    pub struct Err;
    /// Not `std`'s.
    pub struct Box;
    /// Not `std`'s.
    pub struct Fn;
    /// Not `std`'s.
    pub struct String;
    /// Not `std`'s.
    pub struct Vec;
}

/// Events of this module, derived amid the shadows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, eventwire::EventType)]
pub enum EventType {
    /// One event.
    Shadowed,
}

/// An annotated function amid the shadows.
#[must_use]
#[eventwire::emits(Shadowed, fields(value))]
pub fn shadowed(value: u8) -> u8 {
    let _ = (Option, Some, None, Result, Ok, Err, Box, Fn, String, Vec);
    value
}

#[cfg(test)]
mod tests {
    #[test]
    fn shadowed_names_do_not_reach_the_expansion() {
        let recorder = eventwire::Recorder::new();
        let _guard = recorder.install_scoped();
        assert_eq!(super::shadowed(3), 3);
        recorder.assert_field(super::EventType::Shadowed, "value", 3);
        eventwire::coverage::<super::EventType>().assert_complete();
    }
}
