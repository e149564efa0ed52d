//! A workflow state machine mutated through `&mut self`.

use crate::events::EventType;
use eventwire::{emits, HasBus, SharedBus};

/// The states of a workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created, not started.
    Draft,
    /// Running.
    Running,
    /// Finished.
    Done,
}

/// A workflow whose transitions are events.
#[derive(Debug, HasBus)]
pub struct Workflow {
    #[event_bus]
    events: Option<SharedBus<EventType>>,
    state: State,
    history: Vec<State>,
}

/// An illegal transition.
#[derive(Debug, PartialEq, Eq)]
pub struct IllegalTransition {
    /// Where the workflow was.
    pub from: State,
    /// Where it was asked to go.
    pub to: State,
}

impl std::fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot go from {:?} to {:?}", self.from, self.to)
    }
}

impl Workflow {
    /// A draft workflow.
    pub fn new(events: Option<SharedBus<EventType>>) -> Self {
        Workflow {
            events,
            state: State::Draft,
            history: Vec::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Moves to `to`, returning a borrow of the recorded history.
    #[emits(WorkflowAdvanced, WorkflowTouched, fields(from = ?self.state, to = ?to))]
    pub fn advance(&mut self, to: State) -> Result<&mut Vec<State>, IllegalTransition> {
        let allowed = matches!(
            (self.state, to),
            (State::Draft, State::Running) | (State::Running, State::Done)
        );
        if !allowed {
            return Err(IllegalTransition {
                from: self.state,
                to,
            });
        }
        self.history.push(self.state);
        self.state = to;
        Ok(&mut self.history)
    }
}
