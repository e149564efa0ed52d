//! The context an actor works with: built by a pipeline, queried by a service.

use crate::resources::RepositoryIndexer;
use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};

/// What an actor knows about its task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The goal.
    pub goal: String,
    /// Facts gathered for it.
    pub facts: Vec<String>,
}

/// Builds contexts from a goal and the repository index.
#[derive(Debug, Default, HasBus)]
pub struct ContextPipeline {
    bus: Option<SharedBus<EventType>>,
}

impl ContextPipeline {
    /// A pipeline publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        ContextPipeline { bus }
    }

    /// Gathers, for each word of the goal, the resources that mention it.
    #[emits(ContextBuilt, fields(goal = %goal))]
    pub fn build(&self, goal: &str, index: &RepositoryIndexer) -> Context {
        let mut facts: Vec<String> = goal
            .split_whitespace()
            .flat_map(|word| {
                index
                    .lookup(word)
                    .iter()
                    .map(move |uri| format!("{word}: {uri}"))
            })
            .collect();
        facts.sort();
        facts.dedup();
        Context {
            goal: goal.to_owned(),
            facts,
        }
    }
}

/// Answers queries against a context.
#[derive(Debug, Default, HasBus)]
pub struct ContextService {
    bus: Option<SharedBus<EventType>>,
}

impl ContextService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        ContextService { bus }
    }

    /// The facts of `context` that mention `term`.
    #[emits(ContextQueryExecuted, fields(term = %term))]
    pub fn query<'c>(&self, context: &'c Context, term: &str) -> Vec<&'c str> {
        context
            .facts
            .iter()
            .filter(|f| f.contains(term))
            .map(String::as_str)
            .collect()
    }
}
