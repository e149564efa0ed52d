//! The plan lifecycle: a state machine whose transitions are events.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;

/// A plan's identifier.
pub type PlanId = u32;

/// The states of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanState {
    /// Being written.
    Draft,
    /// Waiting for validation and approval.
    Proposed,
    /// Approved, ready to apply.
    Approved,
    /// Applied: final.
    Applied,
    /// Cancelled: final.
    Cancelled,
}

/// A refused transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// No plan has this id.
    Unknown(PlanId),
    /// The plan cannot go there from where it is.
    Illegal {
        /// The plan.
        plan: PlanId,
        /// Where it is.
        from: PlanState,
        /// Where it was asked to go.
        to: PlanState,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Unknown(id) => write!(f, "no plan {id}"),
            PlanError::Illegal { plan, from, to } => {
                write!(f, "plan {plan} cannot go from {from:?} to {to:?}")
            }
        }
    }
}

impl std::error::Error for PlanError {}

/// Creates plans and moves them through their lifecycle.
#[derive(Debug, Default, HasBus)]
pub struct PlanService {
    bus: Option<SharedBus<EventType>>,
    plans: HashMap<PlanId, (String, PlanState)>,
    next: PlanId,
}

impl PlanService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        PlanService {
            bus,
            ..PlanService::default()
        }
    }

    /// Creates a draft plan.
    #[emits(PlanCreated, fields(title = %title))]
    pub fn create(&mut self, title: &str) -> PlanId {
        self.next += 1;
        self.plans
            .insert(self.next, (title.to_owned(), PlanState::Draft));
        self.next
    }

    /// The state of a plan.
    pub fn state(&self, id: PlanId) -> Option<PlanState> {
        self.plans.get(&id).map(|(_, state)| *state)
    }

    /// Moves a plan to `to`, if the lifecycle allows it.
    ///
    /// # Errors
    ///
    /// An unknown plan, or a transition the lifecycle forbids.
    #[emits(PlanStateChanged, PlanErrored, fields(plan = id, to = ?to))]
    pub fn transition(&mut self, id: PlanId, to: PlanState) -> Result<PlanState, PlanError> {
        let (_, state) = self.plans.get_mut(&id).ok_or(PlanError::Unknown(id))?;
        let from = *state;
        let allowed = matches!(
            (from, to),
            (PlanState::Draft, PlanState::Proposed)
                | (PlanState::Proposed, PlanState::Approved | PlanState::Draft)
                | (PlanState::Approved, PlanState::Applied)
                | (
                    PlanState::Draft | PlanState::Proposed | PlanState::Approved,
                    PlanState::Cancelled
                )
        );
        if !allowed {
            return Err(PlanError::Illegal { plan: id, from, to });
        }
        *state = to;
        Ok(to)
    }

    /// Applies an approved plan.
    ///
    /// # Errors
    ///
    /// The plan is unknown or not approved.
    #[emits(PlanApplied, fields(plan = id))] // story: unwired
    pub fn apply(&mut self, id: PlanId) -> Result<PlanState, PlanError> {
        self.transition(id, PlanState::Applied)
    }

    /// Cancels a plan that is not final.
    ///
    /// # Errors
    ///
    /// The plan is unknown or final.
    #[emits(PlanCancelled, fields(plan = id))] // story: unwired
    pub fn cancel(&mut self, id: PlanId) -> Result<PlanState, PlanError> {
        self.transition(id, PlanState::Cancelled)
    }
}
