//! Conversations between a user and the platform.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;

/// A session's identifier.
pub type SessionId = u32;

/// A session that is not open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClosedError(pub SessionId);

impl fmt::Display for SessionClosedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session {} is not open", self.0)
    }
}

impl std::error::Error for SessionClosedError {}

/// Opens sessions and carries their messages.
#[derive(Debug, Default, HasBus)]
pub struct SessionService {
    bus: Option<SharedBus<EventType>>,
    open: HashMap<SessionId, Vec<String>>,
    next: SessionId,
}

impl SessionService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        SessionService {
            bus,
            ..SessionService::default()
        }
    }

    /// Opens a session for `user`.
    #[emits(SessionCreated, fields(user = %user))] // story: unwired
    pub fn create(&mut self, user: &str) -> SessionId {
        self.next += 1;
        self.open.insert(self.next, Vec::new());
        self.next
    }

    /// Sends a message; returns how many the session holds.
    ///
    /// # Errors
    ///
    /// The session is not open.
    #[emits(SessionMessageSent, fields(session = id, length = text.len()))]
    pub fn send(&mut self, id: SessionId, text: &str) -> Result<usize, SessionClosedError> {
        let messages = self.open.get_mut(&id).ok_or(SessionClosedError(id))?;
        messages.push(text.to_owned());
        Ok(messages.len())
    }

    /// Closes a session; returns its messages.
    ///
    /// # Errors
    ///
    /// The session is not open.
    #[emits(SessionClosed, fields(session = id))]
    pub fn close(&mut self, id: SessionId) -> Result<Vec<String>, SessionClosedError> {
        self.open.remove(&id).ok_or(SessionClosedError(id))
    }
}
