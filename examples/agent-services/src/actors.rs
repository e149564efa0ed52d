//! The actor runtime: a tool-calling loop driven by a policy.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::fmt;

/// What the policy decides at each step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Call this tool with this input.
    Call(String, String),
    /// The goal is reached, with this answer.
    Done(String),
}

/// How an actor's run ended, when it did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorOutcome {
    /// It reached its goal.
    Completed(String),
    /// It hit the iteration limit and handed over to a human.
    Escalated {
        /// Steps taken.
        iterations: u32,
    },
}

/// An actor's run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorError {
    /// The tool that failed.
    pub tool: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tool `{}` failed: {}", self.tool, self.reason)
    }
}

impl std::error::Error for ActorError {}

/// Runs actors: asks the policy for a step, calls the tool, feeds the
/// result back, until the policy is done or the limit is hit.
#[derive(Debug, HasBus)]
pub struct ActorRuntime {
    bus: Option<SharedBus<EventType>>,
    max_iterations: u32,
}

impl ActorRuntime {
    /// A runtime allowing `max_iterations` tool calls per run.
    pub fn new(bus: Option<SharedBus<EventType>>, max_iterations: u32) -> Self {
        ActorRuntime {
            bus,
            max_iterations,
        }
    }

    /// Runs an actor towards `goal`.
    ///
    /// # Errors
    ///
    /// A tool failed.
    #[emits(ActorInvoked, ActorCompleted, ActorErrored, ActorEscalated, fields(goal = %goal))]
    pub fn run(
        &self,
        goal: &str,
        mut policy: impl FnMut(&[String]) -> Step,
        mut tool: impl FnMut(&str, &str) -> Result<String, String>,
    ) -> Result<ActorOutcome, ActorError> {
        let mut observations = Vec::new();
        for iteration in 1..=self.max_iterations {
            match policy(&observations) {
                Step::Done(answer) => {
                    emit!(ActorCompleted, iterations = iteration - 1);
                    return Ok(ActorOutcome::Completed(answer));
                }
                Step::Call(name, input) => {
                    let output = tool(&name, &input).map_err(|reason| ActorError {
                        tool: name.clone(),
                        reason,
                    })?;
                    observations.push(output);
                }
            }
        }
        emit!(ActorEscalated, iterations = self.max_iterations);
        Ok(ActorOutcome::Escalated {
            iterations: self.max_iterations,
        })
    }
}
