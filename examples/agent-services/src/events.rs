//! The 38 domain events of the agent platform.

use eventwire::EventType;

/// Every domain event of the platform. Phases say when each fires; `body`
/// events are written with `emit!` where they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    // plans
    /// A plan was created.
    PlanCreated,
    /// A plan moved to another state.
    PlanStateChanged,
    /// A plan was applied.
    PlanApplied,
    /// A plan was cancelled.
    PlanCancelled,
    /// A plan transition was refused.
    #[event(on = err)]
    PlanErrored,
    // decisions
    /// A decision was recorded.
    DecisionRecorded,
    /// A decision was approved.
    #[event(on = body)]
    DecisionApproved,
    /// A decision was corrected by a new one.
    #[event(on = body)]
    DecisionCorrected,
    /// A decision was superseded by another.
    #[event(on = body)]
    DecisionSuperseded,
    // invariants
    /// An invariant was registered.
    InvariantRegistered,
    /// The invariants were enforced on one record.
    #[event(on = body)]
    InvariantEnforced,
    /// A batch of records was reconciled.
    InvariantReconciled,
    /// One invariant was violated by one record.
    #[event(on = body)]
    InvariantViolated,
    // actors
    /// An actor started its loop.
    #[event(on = entry)]
    ActorInvoked,
    /// An actor reached its goal.
    #[event(on = body)]
    ActorCompleted,
    /// An actor failed because a tool failed.
    #[event(on = err)]
    ActorErrored,
    /// An actor hit its iteration limit.
    #[event(on = body)]
    ActorEscalated,
    // tools
    /// A tool was registered.
    ToolRegistered,
    /// A tool is about to run.
    #[event(on = entry)]
    ToolInvoked,
    /// A tool succeeded.
    ToolCompleted,
    /// A tool failed, or its call was cancelled.
    #[event(on = err | cancel)]
    ToolErrored,
    /// A transient failure is retried.
    #[event(on = body)]
    ToolRetried,
    // resources
    /// A resource was registered.
    ResourceRegistered,
    /// A resource was read.
    ResourceAccessed,
    /// A resource was indexed.
    #[event(on = body)]
    ResourceIndexed,
    // sandbox and checkpoints
    /// A sandbox was created.
    SandboxCreated,
    /// A sandbox's changes were committed.
    SandboxCommitted,
    /// A sandbox's changes were rolled back.
    SandboxRolledBack,
    /// A checkpoint was taken.
    CheckpointCreated,
    /// A checkpoint was restored.
    CheckpointRestored,
    // context
    /// A context was built for an actor.
    ContextBuilt,
    /// A context query ran.
    ContextQueryExecuted,
    // validation
    /// Validation began.
    #[event(on = entry)]
    ValidationStarted,
    /// Validation passed.
    ValidationPassed,
    /// Validation failed.
    #[event(on = err)]
    ValidationFailed,
    // sessions
    /// A session was opened.
    SessionCreated,
    /// A message was sent in a session.
    SessionMessageSent,
    /// A session was closed.
    SessionClosed,
}
