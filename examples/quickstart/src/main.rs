//! eventwire in one file: run it with `cargo run -p quickstart`.

use eventwire::{emit, emits, EventType, HasBus, Recorder, SharedBus};
use std::fmt;

/// The domain events of a tiny tool runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before a tool runs.
    #[event(on = entry)]
    ToolInvoked,
    /// The tool succeeded (no phase given: `ok`).
    ToolCompleted,
    /// The tool failed; carries the error's text.
    #[event(on = err)]
    ToolErrored,
    /// A transient failure is retried; written with `emit!`.
    #[event(on = body)]
    ToolRetried,
}

/// Why a tool failed.
#[derive(Debug)]
pub struct ToolError(String);

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The service: it holds an optional bus, like any service in the codebase.
#[derive(Debug, Default, HasBus)]
pub struct ToolRuntime {
    bus: Option<SharedBus<EventType>>,
}

impl ToolRuntime {
    /// Runs a tool whose first `flaky` attempts fail transiently.
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(tool = %name))]
    pub fn execute(&self, name: &str, flaky: u32) -> Result<String, ToolError> {
        for attempt in 1..=flaky {
            if attempt == 3 {
                return Err(ToolError(format!("{name} timed out 3 times")));
            }
            emit!(ToolRetried, attempt);
        }
        Ok(format!("{name}: done"))
    }
}

fn main() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };

    println!("execute(\"grep\", 2) -> {:?}", runtime.execute("grep", 2));
    println!("execute(\"curl\", 5) -> {:?}", runtime.execute("curl", 5));
    println!(
        "without a bus      -> {:?}",
        ToolRuntime::default().execute("ls", 0)
    );

    println!("\nevents:");
    for event in recorder.events() {
        let fields: Vec<String> = event
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "  {:<15} {:<6} {:<22} {}{}",
            event.name(),
            event.phase,
            event.site.function,
            fields.join(" "),
            event
                .error
                .as_deref()
                .map(|e| format!("  error: {e}"))
                .unwrap_or_default()
        );
    }

    if let Some(last) = recorder.events().last() {
        let json = serde_json::to_string_pretty(last).unwrap_or_default();
        println!("\nthe last event as JSON:\n{json}");
    }

    println!("\ncoverage:\n{}", eventwire::coverage::<EventType>());
}

#[cfg(test)]
mod tests {
    use super::*;

    eventwire::coverage_test!(EventType);

    #[test]
    fn a_failure_after_retries_is_reported_with_its_text() {
        let recorder = Recorder::new();
        let runtime = ToolRuntime {
            bus: Some(recorder.bus()),
        };
        assert!(runtime.execute("curl", 5).is_err());
        use EventType::*;
        recorder.assert_sequence(&[ToolInvoked, ToolRetried, ToolRetried, ToolErrored]);
        recorder.assert_error(ToolErrored, "curl timed out 3 times");
    }
}
