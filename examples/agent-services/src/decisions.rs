//! Decisions about plans: recorded, then approved or corrected; a newer
//! decision supersedes the older one.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;

/// A decision's identifier.
pub type DecisionId = u32;

/// What a reviewer says of a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accept it as it is.
    Approve,
    /// Replace it with this text.
    Correct(String),
}

/// A decision that cannot be reviewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownDecision(pub DecisionId);

impl fmt::Display for UnknownDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no open decision {}", self.0)
    }
}

impl std::error::Error for UnknownDecision {}

#[derive(Debug)]
struct Decision {
    plan: u32,
    text: String,
    approved: bool,
    superseded_by: Option<DecisionId>,
}

/// Records and reviews decisions.
#[derive(Debug, Default, HasBus)]
pub struct DecisionService {
    bus: Option<SharedBus<EventType>>,
    decisions: HashMap<DecisionId, Decision>,
    next: DecisionId,
}

impl DecisionService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        DecisionService {
            bus,
            ..DecisionService::default()
        }
    }

    /// Records a decision about a plan.
    #[emits(DecisionRecorded, fields(plan))]
    pub fn record(&mut self, plan: u32, text: &str) -> DecisionId {
        self.next += 1;
        self.decisions.insert(
            self.next,
            Decision {
                plan,
                text: text.to_owned(),
                approved: false,
                superseded_by: None,
            },
        );
        self.next
    }

    /// The text of a decision.
    pub fn text(&self, id: DecisionId) -> Option<&str> {
        self.decisions.get(&id).map(|d| d.text.as_str())
    }

    /// Approves a decision (superseding the plan's previously approved one)
    /// or corrects it (superseding it with a new decision). Both paths
    /// supersede, through one emission.
    ///
    /// # Errors
    ///
    /// The decision does not exist or is already superseded.
    #[emits(DecisionApproved, DecisionCorrected, DecisionSuperseded, fields(decision = id))]
    pub fn review(
        &mut self,
        id: DecisionId,
        verdict: Verdict,
    ) -> Result<DecisionId, UnknownDecision> {
        let plan = match self.decisions.get(&id) {
            Some(d) if d.superseded_by.is_none() => d.plan,
            _ => return Err(UnknownDecision(id)),
        };
        let (current, superseded) = match verdict {
            Verdict::Approve => {
                let previous = self
                    .decisions
                    .iter()
                    .find(|(other, d)| {
                        **other != id && d.plan == plan && d.approved && d.superseded_by.is_none()
                    })
                    .map(|(other, _)| *other);
                if let Some(d) = self.decisions.get_mut(&id) {
                    d.approved = true;
                }
                emit!(DecisionApproved, plan);
                (id, previous)
            }
            Verdict::Correct(text) => {
                self.next += 1;
                let corrected = self.next;
                self.decisions.insert(
                    corrected,
                    Decision {
                        plan,
                        text,
                        approved: false,
                        superseded_by: None,
                    },
                );
                emit!(DecisionCorrected, plan, corrected_by = corrected);
                (corrected, Some(id))
            }
        };
        if let Some(old) = superseded {
            if let Some(d) = self.decisions.get_mut(&old) {
                d.superseded_by = Some(current);
            }
            emit!(DecisionSuperseded, superseded = old, by = current);
        }
        Ok(current)
    }
}
