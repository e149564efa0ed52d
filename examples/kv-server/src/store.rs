//! The shared state: the keys, and the bus every handler publishes to.

use eventwire::{emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What every connection shares, behind an `Arc`.
#[derive(HasBus)]
pub struct Shared {
    /// The bus; `None` runs the server without events.
    pub bus: Option<SharedBus<crate::events::EventType>>,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    value: String,
    expires: Option<Instant>,
}

/// Why a command failed.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The key is longer than the limit.
    KeyTooLong(usize),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::KeyTooLong(n) => write!(f, "key of {n} bytes is over the limit of 64"),
        }
    }
}

impl Shared {
    /// An empty store.
    pub fn new(bus: Option<SharedBus<crate::events::EventType>>) -> Self {
        Shared {
            bus,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value of `key`, if any.
    #[emits(KeyRead, fields(key = %key), ret(hit = ret.is_some()))]
    pub fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries();
        let entry = entries.get(key)?;
        match entry.expires {
            Some(at) if at <= Instant::now() => None,
            _ => Some(entry.value.clone()),
        }
    }

    /// Sets `key`, for `ttl` if given.
    #[emits(KeyWritten, CommandFailed, fields(key = %key, bytes = value.len()))]
    pub fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), StoreError> {
        if key.len() > 64 {
            return Err(StoreError::KeyTooLong(key.len()));
        }
        self.entries().insert(
            key.to_owned(),
            Entry {
                value: value.to_owned(),
                expires: ttl.map(|ttl| Instant::now() + ttl),
            },
        );
        Ok(())
    }

    /// Removes `key`; whether it was there.
    #[emits(KeyDeleted, fields(key = %key), ret(removed = *ret))]
    pub fn delete(&self, key: &str) -> bool {
        self.entries().remove(key).is_some()
    }

    /// Removes the keys whose time is up; how many.
    #[emits(KeysExpired)]
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|_, e| e.expires.is_none_or(|at| at > now));
        let removed = before - entries.len();
        if removed > 0 {
            emit!(KeysExpired, removed);
        }
        removed
    }
}

use eventwire::emit;
