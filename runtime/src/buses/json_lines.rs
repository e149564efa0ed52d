//! An audit trail: one JSON object per event, appended to a file.

use crate::bus::{Bus, BusError};
use crate::event::Event;
use crate::kind::EventKind;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Appends each event as one line of JSON (the [`Event`] shape) to a file.
///
/// Writing a file blocks, so put the sink behind a
/// [`BackgroundBus`](crate::buses::BackgroundBus), which writes on its worker
/// and flushes the file when flushed or shut down. A write error is returned
/// to the bus that called it, which counts it and reports it through the
/// failure hook; it never reaches the service.
///
/// ```
/// use eventwire::buses::{BackgroundBus, JsonLinesSink};
/// use eventwire::{emit, Event, EventType};
/// use std::time::Duration;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { UserDeleted }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("audit.jsonl");
/// let bus = BackgroundBus::new(JsonLinesSink::append(&path).unwrap());
/// let shared = bus.shared();
/// emit!(UserDeleted, bus = shared, user = 42);
/// bus.shutdown(Duration::from_secs(1)).unwrap();
///
/// let text = std::fs::read_to_string(&path).unwrap();
/// let event: Event<EventType> = serde_json::from_str(text.lines().next().unwrap()).unwrap();
/// assert_eq!(event.kind, EventType::UserDeleted);
/// ```
#[derive(Debug)]
pub struct JsonLinesSink {
    path: PathBuf,
    file: Mutex<BufWriter<File>>,
}

impl JsonLinesSink {
    /// Opens `path` for appending, creating it if needed.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or created.
    pub fn append(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(JsonLinesSink {
            path,
            file: Mutex::new(BufWriter::new(file)),
        })
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, BufWriter<File>> {
        // A panic while writing leaves at worst a partial line; keep writing.
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<E: EventKind> Bus<E> for JsonLinesSink {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let mut line = serde_json::to_vec(&event)
            .map_err(|e| BusError::from_source("could not serialise the event", e))?;
        line.push(b'\n');
        self.writer().write_all(&line).map_err(|e| {
            BusError::from_source(format!("could not append to {}", self.path.display()), e)
        })
    }

    fn flush(&self) -> Result<(), BusError> {
        self.writer().flush().map_err(|e| {
            BusError::from_source(format!("could not flush {}", self.path.display()), e)
        })
    }
}
