//! The phase table: when an event fires relative to the annotated call,
//! and how attributes, reports and JSON spell each phase.

use std::fmt;

/// The moment at which an event fires, relative to the annotated call.
///
/// A variant of the user's event enum declares its default phases with
/// `#[event(on = ..)]`; a site may override them with
/// `#[emits(Variant(on = ..))]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Before the body runs (for `async fn`: when the body starts, at first poll).
    Entry,
    /// After a successful return: `Ok(..)` for a `Result`, any return otherwise.
    Ok,
    /// After the function returned `Err(..)`; the event carries the error's text.
    Err,
    /// After any return, successful or not. **Not** when an `async fn`'s
    /// future is dropped before it completes (a task aborted at shutdown, a
    /// timeout): that is `cancel`. For "after any end, return or
    /// cancellation", write `on = exit | cancel`.
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

    /// The names as attributes accept them, for messages.
    pub const NAMES: &'static str = "entry, ok, err, exit, cancel, body";

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

    /// The phase named `name` as attributes spell it, if any.
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// When it fires, in one sentence (the README's phase table).
    pub const fn meaning(self) -> &'static str {
        match self {
            Phase::Entry => "before the body runs (an async fn: at its first poll)",
            Phase::Ok => "after a successful return: `Ok(..)` for a `Result`, any return otherwise",
            Phase::Err => "after an `Err(..)` return, with the error's text",
            Phase::Exit => "after any return, `Ok` or `Err` (not when an async call is cancelled: for any end, write `exit | cancel`)",
            Phase::Cancel => "when an async call's future is dropped before it completes",
            Phase::Body => "wherever the body writes `emit!`",
        }
    }

    /// Whether it fires after the body returned, and so needs the return value.
    pub const fn after_return(self) -> bool {
        matches!(self, Phase::Ok | Phase::Err | Phase::Exit)
    }

    /// Whether it carries the call's elapsed time.
    pub const fn carries_elapsed(self) -> bool {
        matches!(self, Phase::Ok | Phase::Err | Phase::Exit | Phase::Cancel)
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

    /// Whether any phase is in both sets.
    pub const fn intersects(self, other: Phases) -> bool {
        self.0 & other.0 != 0
    }

    /// The phases in the set, in [`Phase::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Phase> {
        Phase::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Phase> for Phases {
    fn from_iter<I: IntoIterator<Item = Phase>>(iter: I) -> Self {
        iter.into_iter().fold(Phases::EMPTY, Phases::with)
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

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{Phase, Phases};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for Phase {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for Phase {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
            Phase::from_name(&name).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown phase `{name}`; expected one of {}",
                    Phase::NAMES
                ))
            })
        }
    }

    /// A list of phase names.
    impl Serialize for Phases {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.iter())
        }
    }

    impl<'de> Deserialize<'de> for Phases {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Ok(Vec::<Phase>::deserialize(deserializer)?
                .into_iter()
                .collect())
        }
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
    fn names_round_trip() {
        for phase in Phase::ALL {
            assert_eq!(Phase::from_name(phase.as_str()), Some(phase));
            assert!(Phase::NAMES.contains(phase.as_str()));
        }
        assert_eq!(Phase::from_name("Entry"), None);
    }
}
