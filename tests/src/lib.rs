//! Small realistic services wired with eventwire, exercised by the tests in
//! `tests/`: a tool runner with retries and a workflow state machine.

pub mod events;
pub mod tools;
pub mod workflow;

pub use events::EventType;
