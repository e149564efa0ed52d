//! Sandboxes for tentative changes, and checkpoints to go back to.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;

/// A sandbox's identifier.
pub type SandboxId = u32;
/// A checkpoint's identifier.
pub type CheckpointId = u32;

/// A sandbox or checkpoint operation that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// No open sandbox has this id.
    NoSandbox(SandboxId),
    /// No checkpoint has this id.
    NoCheckpoint(CheckpointId),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::NoSandbox(id) => write!(f, "no open sandbox {id}"),
            CheckpointError::NoCheckpoint(id) => write!(f, "no checkpoint {id}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

/// Keeps a state (a list of lines), sandboxes over it, and checkpoints of it.
#[derive(Debug, Default, HasBus)]
pub struct CheckpointService {
    bus: Option<SharedBus<EventType>>,
    state: Vec<String>,
    sandboxes: HashMap<SandboxId, Vec<String>>,
    checkpoints: HashMap<CheckpointId, Vec<String>>,
    next: u32,
}

impl CheckpointService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        CheckpointService {
            bus,
            ..CheckpointService::default()
        }
    }

    /// The committed state.
    pub fn state(&self) -> &[String] {
        &self.state
    }

    /// Opens a sandbox holding a copy of the state.
    #[emits(SandboxCreated)]
    pub fn create_sandbox(&mut self) -> SandboxId {
        self.next += 1;
        self.sandboxes.insert(self.next, self.state.clone());
        self.next
    }

    /// The sandbox's lines, to change them.
    ///
    /// # Errors
    ///
    /// No open sandbox `id`.
    pub fn sandbox(&mut self, id: SandboxId) -> Result<&mut Vec<String>, CheckpointError> {
        self.sandboxes
            .get_mut(&id)
            .ok_or(CheckpointError::NoSandbox(id))
    }

    /// Makes the sandbox's lines the state.
    ///
    /// # Errors
    ///
    /// No open sandbox `id`.
    #[emits(SandboxCommitted, fields(sandbox = id))]
    pub fn commit(&mut self, id: SandboxId) -> Result<usize, CheckpointError> {
        self.state = self
            .sandboxes
            .remove(&id)
            .ok_or(CheckpointError::NoSandbox(id))?;
        Ok(self.state.len())
    }

    /// Throws the sandbox away.
    ///
    /// # Errors
    ///
    /// No open sandbox `id`.
    #[emits(SandboxRolledBack, fields(sandbox = id))]
    pub fn roll_back(&mut self, id: SandboxId) -> Result<usize, CheckpointError> {
        let discarded = self
            .sandboxes
            .remove(&id)
            .ok_or(CheckpointError::NoSandbox(id))?;
        Ok(discarded.len())
    }

    /// Saves the state.
    #[emits(CheckpointCreated)]
    pub fn checkpoint(&mut self) -> CheckpointId {
        self.next += 1;
        self.checkpoints.insert(self.next, self.state.clone());
        self.next
    }

    /// Puts a saved state back.
    ///
    /// # Errors
    ///
    /// No checkpoint `id`.
    #[emits(CheckpointRestored, fields(checkpoint = id))]
    pub fn restore(&mut self, id: CheckpointId) -> Result<&[String], CheckpointError> {
        self.state = self
            .checkpoints
            .get(&id)
            .cloned()
            .ok_or(CheckpointError::NoCheckpoint(id))?;
        Ok(&self.state)
    }
}
