//! The event kinds of the test services.

use eventwire::EventType;

/// Every domain event the test services emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before a tool runs.
    #[event(on = entry)]
    ToolInvoked,
    /// A tool returned `Ok`.
    ToolCompleted,
    /// A tool returned `Err`.
    #[event(on = err)]
    ToolErrored,
    /// A transient failure is retried.
    #[event(on = body)]
    ToolRetried,
    /// A workflow moved to another state.
    WorkflowAdvanced,
    /// A workflow call ended, whatever its outcome.
    #[event(on = exit)]
    WorkflowTouched,
    /// A workflow was archived; emitted by a batch job outside these services.
    #[event(unwired = "emitted by the nightly archiver, which is not part of this crate")]
    WorkflowArchived,
}
