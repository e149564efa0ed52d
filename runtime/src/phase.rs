//! When an event fires relative to the annotated call.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The moment at which an event fires, relative to the annotated call.
///
/// A variant of the user's event enum declares its default phases with
/// `#[event(on = ..)]`; a site may override them with
/// `#[emits(Variant(on = ..))]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Before the body runs (for `async fn`: when the body starts, at first poll).
    Entry,
    /// After a successful return: `Ok(..)` for a `Result`, any return otherwise.
    Ok,
    /// After the function returned `Err(..)`; the event carries the error's text.
    Err,
    /// After any return, successful or not.
    Exit,
    /// When the future of an `async fn` is dropped before it completed.
    Cancel,
    /// Written by hand with `emit!` inside the body.
    Body,
}

impl Phase {
    /// Every phase, in the order a call can go through them.
    pub const ALL: [Phase; 6] = [
        Phase::Entry,
        Phase::Ok,
        Phase::Err,
        Phase::Exit,
        Phase::Cancel,
        Phase::Body,
    ];

    /// The lower-case name used in attributes, reports and JSON (`"entry"`, `"ok"`, ..).
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Entry => "entry",
            Phase::Ok => "ok",
            Phase::Err => "err",
            Phase::Exit => "exit",
            Phase::Cancel => "cancel",
            Phase::Body => "body",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A set of [`Phase`]s: `#[event(on = err | cancel)]` fires on both.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Phases(u8);

impl Phases {
    /// The empty set.
    pub const EMPTY: Phases = Phases(0);

    /// The set holding exactly `phase`.
    pub const fn only(phase: Phase) -> Phases {
        Phases(phase.bit())
    }

    /// This set with `phase` added.
    #[must_use]
    pub const fn with(self, phase: Phase) -> Phases {
        Phases(self.0 | phase.bit())
    }

    /// This set with `phase` removed.
    #[must_use]
    pub const fn without(self, phase: Phase) -> Phases {
        Phases(self.0 & !phase.bit())
    }

    /// Whether `phase` is in the set.
    pub const fn contains(self, phase: Phase) -> bool {
        self.0 & phase.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The phases in the set, in [`Phase::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Phase> {
        Phase::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl fmt::Debug for Phases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Written the way attributes spell it: `err | cancel`.
impl fmt::Display for Phases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, phase) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(phase.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for Phases {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_what_was_added() {
        let set = Phases::only(Phase::Err).with(Phase::Cancel);
        assert!(set.contains(Phase::Err));
        assert!(set.contains(Phase::Cancel));
        assert!(!set.contains(Phase::Ok));
        assert_eq!(set.iter().collect::<Vec<_>>(), [Phase::Err, Phase::Cancel]);
        assert_eq!(set.to_string(), "err | cancel");
        assert!(set.without(Phase::Err).without(Phase::Cancel).is_empty());
    }

    #[test]
    fn phases_serialise_lower_case() {
        assert_eq!(serde_json::to_string(&Phase::Cancel).unwrap(), "\"cancel\"");
        let set = Phases::only(Phase::Entry).with(Phase::Exit);
        assert_eq!(serde_json::to_string(&set).unwrap(), "[\"entry\",\"exit\"]");
    }
}
