//! The trait that `#[derive(EventType)]` implements for a user's event enum.

use crate::phase::Phases;
use std::fmt;
use std::hash::Hash;

/// An enum of domain-event kinds, implemented by `#[derive(EventType)]`.
///
/// Users name their enum `EventType`; this trait has another name so that
/// `use eventwire::EventType` can bring in the derive without a clash.
/// Implement it through the derive only: the macros rely on the hidden items.
///
/// ```
/// use eventwire::{EventKind, EventType, Phase};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType {
///     #[event(on = entry)]
///     ToolInvoked,
///     HTTPRequestSent,
///     #[event(name = "tool.failed", on = err | cancel)]
///     ToolErrored,
/// }
///
/// assert_eq!(EventType::ALL.len(), 3);
/// assert_eq!(EventType::HTTPRequestSent.dotted_name(), "http.request.sent");
/// assert_eq!(EventType::ToolErrored.to_string(), "tool.failed");
/// assert!(EventType::ToolErrored.default_phases().contains(Phase::Cancel));
/// assert_eq!("tool.invoked".parse::<EventType>(), Ok(EventType::ToolInvoked));
/// ```
pub trait EventKind: Copy + Eq + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The enum's path, `module::path::EventType`, as written in reports.
    const ENUM_NAME: &'static str;

    /// Every variant, in declaration order.
    const ALL: &'static [Self];

    /// Where the enum is declared, as `file!()` and `line!()` give it.
    #[doc(hidden)]
    const DECLARED_AT: (&'static str, u32) = ("", 0);

    /// Per variant (by index), whether it is test code: a variant under
    /// `#[cfg(test)]`, compiled only in its crate's own unit tests.
    #[doc(hidden)]
    const TEST_ONLY_VARIANTS: &'static [bool] = &[];

    /// Whether sites look for a default bus (scoped or global) when they
    /// have none of their own: `false` with `#[event(default_bus = false)]`
    /// on the enum, which takes the one load of that lookup off every call
    /// without a bus.
    const DEFAULT_BUS: bool = true;

    /// How many default buses for this enum are installed (scoped on any
    /// thread, or global). The derive gives each enum its own counter.
    #[doc(hidden)]
    fn __installed_defaults() -> &'static std::sync::atomic::AtomicUsize {
        static SHARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        &SHARED
    }

    /// This variant's position in [`EventKind::ALL`].
    fn index(self) -> usize;

    /// The variant's Rust name, e.g. `ToolInvoked`.
    fn variant_name(self) -> &'static str;

    /// The dotted name, e.g. `tool.invoked` (or the `#[event(name = "..")]` override).
    fn dotted_name(self) -> &'static str;

    /// The phases the variant fires on when a site does not override them.
    fn default_phases(self) -> Phases;

    /// The reason given with `#[event(unwired = "..")]`, which exempts the
    /// variant from the coverage check.
    fn exemption(self) -> Option<&'static str>;

    /// The variant with this dotted name, if any.
    fn from_dotted_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.dotted_name() == name)
    }
}

/// The error of `FromStr` on a derived enum: the input is not a dotted name of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEvent {
    input: String,
    enum_name: &'static str,
}

impl UnknownEvent {
    /// An error saying that `input` is not an event of `E`.
    pub fn new<E: EventKind>(input: &str) -> Self {
        UnknownEvent {
            input: input.to_owned(),
            enum_name: E::ENUM_NAME,
        }
    }

    /// The text that was parsed.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an event of {} (expected a dotted name such as `tool.invoked`)",
            self.input, self.enum_name
        )
    }
}

impl std::error::Error for UnknownEvent {}

/// An event enum whose sites look for a default bus: every enum that
/// derives `EventType` without `#[event(default_bus = false)]`. Installing
/// a default (scoped or global) needs it, so that a default for an enum
/// whose sites never look for one fails to compile. A hand-written
/// [`EventKind`] implements it to use default buses.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `#[event(default_bus = false)]`: its sites never look for a default bus",
    label = "a default bus for `{Self}` would receive nothing",
    note = "give the service its bus (a field with #[event_bus], or `bus = ..` on the site), or remove `default_bus = false` from the enum"
)]
pub trait UsesDefaultBus: EventKind {}
