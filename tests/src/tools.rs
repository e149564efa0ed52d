//! A tool runner that retries transient failures.

use crate::events::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;

/// Why a tool failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolError {
    /// The tool is not registered.
    Unknown(String),
    /// The tool failed in a way that may pass on a retry.
    Transient(String),
    /// The tool failed for good.
    Failed(String),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Unknown(name) => write!(f, "no tool named `{name}`"),
            ToolError::Transient(why) => write!(f, "transient failure: {why}"),
            ToolError::Failed(why) => write!(f, "tool failed: {why}"),
        }
    }
}

impl std::error::Error for ToolError {}

/// This crate's result alias: `ok`/`err` must see through it.
pub type Result<T> = std::result::Result<T, ToolError>;

/// A tool: input text in, output text out; may fail transiently a number of times.
#[derive(Clone, Debug)]
pub struct Tool {
    /// How many calls fail transiently before one succeeds.
    pub flaky_calls: u32,
    /// Whether the tool fails for good.
    pub broken: bool,
}

/// A request to run a tool.
#[derive(Clone, Debug)]
pub struct ToolRequest {
    /// The tool's name.
    pub name: String,
    /// The input; never captured in events.
    pub secret_input: String,
}

/// Runs registered tools, retrying transient failures.
#[derive(Default, Debug, HasBus)]
pub struct ToolRunner {
    bus: Option<SharedBus<EventType>>,
    tools: HashMap<String, Tool>,
    calls: HashMap<String, u32>,
    max_attempts: u32,
}

impl ToolRunner {
    /// A runner publishing to `bus`, retrying up to `max_attempts` times.
    pub fn new(bus: Option<SharedBus<EventType>>, max_attempts: u32) -> Self {
        ToolRunner {
            bus,
            tools: HashMap::new(),
            calls: HashMap::new(),
            max_attempts,
        }
    }

    /// Registers a tool.
    pub fn register(&mut self, name: &str, tool: Tool) {
        self.tools.insert(name.to_owned(), tool);
    }

    fn try_once(&mut self, name: &str) -> Result<String> {
        let tool = self
            .tools
            .get(name)
            .ok_or_else(|| ToolError::Unknown(name.to_owned()))?;
        let calls = self.calls.entry(name.to_owned()).or_default();
        *calls += 1;
        if tool.broken {
            return Err(ToolError::Failed(format!("{name} is broken")));
        }
        if *calls <= tool.flaky_calls {
            return Err(ToolError::Transient(format!(
                "{name} call {calls} timed out"
            )));
        }
        Ok(format!("{name} ok after {calls} call(s)"))
    }

    /// Runs a tool, retrying transient failures.
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(tool = %req.name))]
    pub fn execute(&mut self, req: &ToolRequest) -> Result<String> {
        let mut attempt = 1;
        loop {
            match self.try_once(&req.name) {
                Err(ToolError::Transient(why)) if attempt < self.max_attempts => {
                    emit!(ToolRetried, attempt, reason = %why);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Reads a tool's output file; an `io::Result`, which is a `Result` too.
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, fields(tool = %name))]
    pub fn read_output(&self, name: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(format!("/nonexistent/eventwire/{name}.out"))
    }
}
