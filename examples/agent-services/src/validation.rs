//! Validation of plans before they are approved.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};
use std::fmt;

/// Why a plan is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError(pub Vec<String>);

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.join("; "))
    }
}

impl std::error::Error for ValidationError {}

/// Checks a plan's steps.
#[derive(Debug, Default, HasBus)]
pub struct ValidationPipeline {
    bus: Option<SharedBus<EventType>>,
}

impl ValidationPipeline {
    /// A pipeline publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        ValidationPipeline { bus }
    }

    /// Every step must be non-empty and none may touch `prod`.
    ///
    /// # Errors
    ///
    /// Each problem found.
    #[emits(ValidationStarted, ValidationPassed, ValidationFailed, fields(steps = steps.len()))]
    pub fn validate(&self, steps: &[&str]) -> Result<usize, ValidationError> {
        let mut problems = Vec::new();
        if steps.is_empty() {
            problems.push("a plan needs at least one step".to_owned());
        }
        for (i, step) in steps.iter().enumerate() {
            if step.trim().is_empty() {
                problems.push(format!("step {} is empty", i + 1));
            }
            if step.contains("prod") {
                problems.push(format!("step {} touches prod", i + 1));
            }
        }
        if problems.is_empty() {
            Ok(steps.len())
        } else {
            Err(ValidationError(problems))
        }
    }
}
