//! Small realistic services wired with eventwire, exercised by the tests in
//! `tests/`: a tool runner with retries and a workflow state machine.

pub mod events;
pub mod tools;
pub mod workflow;

pub use events::EventType;

/// An enum with one event wired and one not: the static check fails on it.
pub mod unwired {
    use eventwire::{emits, EventType};

    /// Two events; only `PlanCreated` has a site.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    pub enum EventType {
        /// Emitted by [`create_plan`].
        PlanCreated,
        /// Emitted nowhere in this crate (the integration test emits it,
        /// which does not count).
        PlanApplied,
    }

    /// The one site.
    #[emits(PlanCreated)]
    pub fn create_plan() {}
}

/// Sites that are registered although nothing ever calls them.
mod hidden {
    use eventwire::{emit, emits, EventType};

    /// Events whose only sites sit in a private module, in a generic
    /// function and in functions that are never called.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    pub enum HiddenEvent {
        InGeneric,
        InNeverCalled,
        ByHandInNeverCalled,
    }

    #[allow(dead_code)]
    #[emits(InGeneric, event = HiddenEvent)]
    fn generic<T: Default + Clone>(value: &T) -> T {
        value.clone()
    }

    #[allow(dead_code)]
    #[emits(InNeverCalled, event = HiddenEvent)]
    fn never_called() {}

    #[allow(dead_code)]
    fn never_called_by_hand() {
        emit!(HiddenEvent::ByHandInNeverCalled);
    }
}

pub use hidden::HiddenEvent;
