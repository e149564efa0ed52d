//! An audit trail: one JSON object per event, appended to a file.

use crate::bus::{Bus, BusError};
use crate::event::Event;
use crate::kind::EventKind;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Appends each event as one line of JSON (the [`Event`] shape) to a file.
///
/// Each event is written straight to the file (one `write` of its whole
/// line, no buffer): when `publish` returns `Ok`, its bytes are in the file
/// (the operating system's cache of it). A file deleted while the sink
/// writes to it (its directory removed, say) is noticed after each write
/// (on Unix): that event fails, and the file is made again at its path for
/// the next ones where that can be done. A write that fails (a full disk,
/// `/dev/full`) returns the error, so the bus that called counts that event
/// as failed and reports it; a line cut short by the failure is removed (or,
/// where the file cannot be cut back, ended), and a file that ends mid-line
/// when it is opened (cut short by a crash) gets a line break first, so
/// that every line this sink writes reads back as an event, whole and on a
/// line of its own. One sink per file: its lines are whole only among
/// themselves. With
/// [`sync_on_flush`](JsonLinesSink::sync_on_flush), every flush and
/// shutdown also waits until the data is on the disk.
///
/// Writing a file blocks, so put the sink behind a
/// [`BackgroundBus`](crate::buses::BackgroundBus), which writes on its worker.
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
/// let bus = BackgroundBus::new(JsonLinesSink::append(&path).unwrap().sync_on_flush(true));
/// let shared = bus.shared();
/// emit!(UserDeleted, bus = shared, user = 42);
/// bus.shutdown(Duration::from_secs(1)).expect("on disk");
///
/// let text = std::fs::read_to_string(&path).unwrap();
/// let event: Event<EventType> = serde_json::from_str(text.lines().next().unwrap()).unwrap();
/// assert_eq!(event.kind, EventType::UserDeleted);
/// ```
#[derive(Debug)]
pub struct JsonLinesSink {
    path: PathBuf,
    file: Mutex<Output>,
    sync: bool,
}

/// The file, and whether it may end in the middle of a line (a line cut
/// short that could not be removed): the next line starts on a line of
/// its own.
#[derive(Debug)]
struct Output {
    file: File,
    mid_line: bool,
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
        let mid_line = ends_mid_line(&path);
        Ok(JsonLinesSink {
            path,
            file: Mutex::new(Output { file, mid_line }),
            sync: false,
        })
    }

    /// Also waits, at every flush and shutdown, until the data is on the
    /// disk (`fsync`), so that a crash of the machine loses nothing flushed.
    #[must_use]
    pub fn sync_on_flush(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// After a line went to a file that was deleted (its directory entry
    /// gone: the line goes with it): the error for that event, and the
    /// file made again at the path for the next ones, where it can be.
    #[cold]
    #[inline(never)]
    fn reopen(&self, output: &mut Output) -> BusError {
        let path = self.path.display();
        let again = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path);
        let next = match again {
            Ok(file) => {
                output.file = file;
                output.mid_line = ends_mid_line(&self.path);
                "the next events go to a new file at that path".to_owned()
            }
            Err(e) => {
                format!("it cannot be made again ({e}): the next events fail too until it can")
            }
        };
        BusError::new(format!(
            "{path} was deleted while this sink wrote to it, and the event's line went with it; {next}"
        ))
    }

    fn file(&self) -> std::sync::MutexGuard<'_, Output> {
        // A panic while writing leaves no partial line (see `write_line`).
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether `file` has been deleted (no name in any directory holds it any
/// more): what is written to it is gone when it is closed. Only Unix says.
fn deleted(file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        file.metadata().is_ok_and(|meta| meta.nlink() == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}

/// Whether the file at `path` ends without a line break (a line cut short
/// by a crash); `false` when it is empty or cannot be read.
fn ends_mid_line(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let mut last = [0u8];
    file.seek(SeekFrom::End(-1)).is_ok() && file.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

/// Writes `line` whole or not at all: on an error after part of it was
/// written, the file is cut back to where the line began (if it cannot be,
/// it is left mid-line, and the next line starts with a line break).
fn write_line(output: &mut Output, line: &[u8]) -> std::io::Result<()> {
    if output.mid_line {
        write_all(output, b"\n")?;
        output.mid_line = false;
    }
    write_all(output, line)
}

fn write_all(output: &mut Output, bytes: &[u8]) -> std::io::Result<()> {
    let mut written = 0;
    while written < bytes.len() {
        match output.file.write(&bytes[written..]) {
            Ok(0) => {
                return Err(undo(output, written, std::io::ErrorKind::WriteZero.into()));
            }
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(undo(output, written, e)),
        }
    }
    Ok(())
}

fn undo(output: &mut Output, written: usize, error: std::io::Error) -> std::io::Error {
    if written > 0 {
        let cut = output.file.metadata().and_then(|meta| {
            output
                .file
                .set_len(meta.len().saturating_sub(written as u64))
        });
        // Not cut back (an append-only file): the next line starts afresh.
        output.mid_line = cut.is_err();
    }
    error
}

impl<E: EventKind> Bus<E> for JsonLinesSink {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let mut line = serde_json::to_vec(&event)
            .map_err(|e| BusError::from_source("could not serialise the event", e))?;
        line.push(b'\n');
        let mut output = self.file();
        write_line(&mut output, &line).map_err(|e| {
            BusError::from_source(format!("could not append to {}", self.path.display()), e)
        })?;
        if deleted(&output.file) {
            return Err(self.reopen(&mut output));
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), BusError> {
        if !self.sync {
            return Ok(());
        }
        self.file().file.sync_data().map_err(|e| {
            BusError::from_source(format!("could not sync {} to disk", self.path.display()), e)
        })
    }
}
