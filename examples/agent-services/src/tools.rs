//! The tool runtime: runs registered tools, retrying transient failures.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why a tool call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolError {
    /// No tool has this name.
    Unknown(String),
    /// It may pass on a retry.
    Transient(String),
    /// It failed for good.
    Failed(String),
}

impl ToolError {
    /// Whether a retry may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, ToolError::Transient(_))
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Unknown(name) => write!(f, "no tool named `{name}`"),
            ToolError::Transient(why) => write!(f, "transient failure: {why}"),
            ToolError::Failed(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ToolError {}

/// A request to run a tool.
#[derive(Clone, Debug)]
pub struct ToolRequest {
    /// The tool's name.
    pub name: String,
    /// Its input; never captured in events.
    pub input: String,
}

/// The future a tool returns.
pub type ToolFuture = Pin<Box<dyn Future<Output = Result<String, ToolError>> + Send>>;

/// A tool: given the input and the attempt number, does its work.
pub type Tool = Arc<dyn Fn(String, u32) -> ToolFuture + Send + Sync>;

/// Runs tools.
#[derive(HasBus)]
pub struct ToolRuntime {
    bus: Option<SharedBus<EventType>>,
    tools: HashMap<String, Tool>,
    max_attempts: u32,
    backoff: Duration,
}

impl fmt::Debug for ToolRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolRuntime")
            .field("tools", &self.tools.keys().collect::<Vec<_>>())
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl ToolRuntime {
    /// A runtime retrying up to `max_attempts` times, `backoff` apart.
    pub fn new(bus: Option<SharedBus<EventType>>, max_attempts: u32, backoff: Duration) -> Self {
        ToolRuntime {
            bus,
            tools: HashMap::new(),
            max_attempts,
            backoff,
        }
    }

    /// Registers a tool under `name`.
    #[emits(ToolRegistered, fields(tool = %name))]
    pub fn register(&mut self, name: &str, tool: Tool) {
        self.tools.insert(name.to_owned(), tool);
    }

    /// Runs a tool: `tool.invoked` before, `tool.retried` on each retry,
    /// `tool.completed` on success, `tool.errored` on failure and when the
    /// call is cancelled (its future dropped, e.g. by a timeout).
    ///
    /// # Errors
    ///
    /// The tool is unknown, failed, or failed transiently on every attempt.
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(tool = %req.name))]
    pub async fn execute(&self, req: ToolRequest) -> Result<String, ToolError> {
        let tool = self
            .tools
            .get(&req.name)
            .cloned()
            .ok_or_else(|| ToolError::Unknown(req.name.clone()))?;
        let mut attempt = 1;
        loop {
            match tool(req.input.clone(), attempt).await {
                Err(e) if e.is_transient() && attempt < self.max_attempts => {
                    emit!(ToolRetried, attempt, reason = %e);
                    tokio::time::sleep(self.backoff).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// A tool that fails transiently `flaky` times per call series, then answers.
pub fn flaky_tool(flaky: u32, answer: &'static str) -> Tool {
    Arc::new(move |input, attempt| {
        Box::pin(async move {
            if attempt <= flaky {
                Err(ToolError::Transient(format!("attempt {attempt} timed out")))
            } else {
                Ok(format!("{answer}({input})"))
            }
        })
    })
}

/// A tool that always fails.
pub fn broken_tool(reason: &'static str) -> Tool {
    Arc::new(move |_, _| Box::pin(async move { Err(ToolError::Failed(reason.to_owned())) }))
}

/// A tool that takes `delay` before answering.
pub fn slow_tool(delay: Duration) -> Tool {
    Arc::new(move |input, _| {
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            Ok(input)
        })
    })
}
