//! The agent platform of eventwire's story, in Rust: 38 domain events over
//! eleven services, each holding an optional bus, wired with `#[emits]` and
//! `emit!`, and tested so that `cargo eventwire coverage` reports 38/38
//! wired and 38/38 exercised.

pub mod actors;
pub mod checkpoints;
pub mod context;
pub mod decisions;
pub mod events;
pub mod invariants;
#[cfg(feature = "persistence")]
pub mod persistence;
pub mod plans;
pub mod resources;
pub mod sessions;
pub mod tools;
pub mod validation;

pub use events::EventType;

use eventwire::SharedBus;

/// Every service, sharing one bus.
#[derive(Debug)]
pub struct Platform {
    /// Plans.
    pub plans: plans::PlanService,
    /// Decisions.
    pub decisions: decisions::DecisionService,
    /// Invariants.
    pub invariants: invariants::InvariantService,
    /// Actors.
    pub actors: actors::ActorRuntime,
    /// Tools.
    pub tools: tools::ToolRuntime,
    /// Resources.
    pub resources: resources::ResourceHandler,
    /// The repository indexer.
    pub indexer: resources::RepositoryIndexer,
    /// Sandboxes and checkpoints.
    pub checkpoints: checkpoints::CheckpointService,
    /// Context building.
    pub context_pipeline: context::ContextPipeline,
    /// Context queries.
    pub context: context::ContextService,
    /// Validation.
    pub validation: validation::ValidationPipeline,
    /// Sessions.
    pub sessions: sessions::SessionService,
}

impl Platform {
    /// Every service, publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        Platform {
            plans: plans::PlanService::new(bus.clone()),
            decisions: decisions::DecisionService::new(bus.clone()),
            invariants: invariants::InvariantService::new(bus.clone()),
            actors: actors::ActorRuntime::new(bus.clone(), 4),
            tools: tools::ToolRuntime::new(bus.clone(), 3, std::time::Duration::from_millis(1)),
            resources: resources::ResourceHandler::new(bus.clone()),
            indexer: resources::RepositoryIndexer::new(bus.clone()),
            checkpoints: checkpoints::CheckpointService::new(bus.clone()),
            context_pipeline: context::ContextPipeline::new(bus.clone()),
            context: context::ContextService::new(bus.clone()),
            validation: validation::ValidationPipeline::new(bus.clone()),
            sessions: sessions::SessionService::new(bus),
        }
    }
}
