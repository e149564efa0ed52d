//! The tool runner and the workflow, observed through a `Recorder`.

use eventwire::{Phase, Recorder, Value};
use eventwire_tests::tools::{Tool, ToolError, ToolRequest, ToolRunner};
use eventwire_tests::workflow::{State, Workflow};
use eventwire_tests::EventType::{self, *};

fn runner(recorder: &Recorder<EventType>) -> ToolRunner {
    let mut runner = ToolRunner::new(Some(recorder.bus()), 3);
    runner.register(
        "grep",
        Tool {
            flaky_calls: 2,
            broken: false,
        },
    );
    runner.register(
        "rm",
        Tool {
            flaky_calls: 0,
            broken: true,
        },
    );
    runner.register(
        "slow",
        Tool {
            flaky_calls: 5,
            broken: false,
        },
    );
    runner
}

fn request(name: &str) -> ToolRequest {
    ToolRequest {
        name: name.to_owned(),
        secret_input: "password=hunter2".to_owned(),
    }
}

#[test]
fn retries_then_success_emit_invoked_retried_twice_completed() {
    let recorder = Recorder::new();
    let mut runner = runner(&recorder);
    let output = runner.execute(&request("grep"));
    assert_eq!(output, Ok("grep ok after 3 call(s)".to_owned()));
    recorder.assert_sequence(&[ToolInvoked, ToolRetried, ToolRetried, ToolCompleted]);
    let retried = recorder.of(ToolRetried);
    assert_eq!(retried[0].fields.get("attempt"), Some(&Value::I64(1)));
    assert_eq!(retried[1].fields.get("attempt"), Some(&Value::I64(2)));
    assert_eq!(
        retried[1].fields.get("reason"),
        Some(&Value::Str("grep call 2 timed out".into()))
    );
    // The function's own fields come first on every event of the call.
    assert_eq!(
        retried[0].fields.iter().next().map(|(n, _)| n),
        Some("tool")
    );
    recorder.assert_field(ToolCompleted, "tool", "grep");
}

#[test]
fn a_failure_emits_errored_with_the_error_text_and_elapsed_time() {
    let recorder = Recorder::new();
    let mut runner = runner(&recorder);
    assert_eq!(
        runner.execute(&request("rm")),
        Err(ToolError::Failed("rm is broken".into()))
    );
    recorder.assert_sequence(&[ToolInvoked, ToolErrored]);
    recorder.assert_error(ToolErrored, "tool failed: rm is broken");
    let errored = &recorder.of(ToolErrored)[0];
    assert_eq!(errored.phase, Phase::Err);
    assert!(errored.elapsed.is_some());
    assert!(recorder.of(ToolInvoked)[0].elapsed.is_none());
    assert_eq!(errored.site.function, "ToolRunner::execute");
    assert_eq!(errored.site.file, "tests/src/tools.rs");
}

#[test]
fn retries_exhausted_end_in_errored() {
    let recorder = Recorder::new();
    let mut runner = runner(&recorder);
    assert!(matches!(
        runner.execute(&request("slow")),
        Err(ToolError::Transient(_))
    ));
    recorder.assert_sequence(&[ToolInvoked, ToolRetried, ToolRetried, ToolErrored]);
}

#[test]
fn nothing_is_captured_that_fields_did_not_name() {
    let recorder = Recorder::new();
    let mut runner = runner(&recorder);
    let _ = runner.execute(&request("grep"));
    for event in recorder.events() {
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
    }
}

#[test]
fn io_result_is_a_result_too() {
    let recorder = Recorder::new();
    let runner = runner(&recorder);
    assert!(runner.read_output("grep").is_err());
    recorder.assert_sequence(&[ToolInvoked, ToolErrored]);
    let error = recorder.of(ToolErrored)[0].error.clone().unwrap();
    assert!(error.contains("No such file"), "{error}");
}

#[test]
fn a_runner_without_a_bus_runs_the_same_and_emits_nothing() {
    let recorder = Recorder::new();
    let mut with_bus = runner(&recorder);
    let mut without = ToolRunner::new(None, 3);
    without.register(
        "grep",
        Tool {
            flaky_calls: 2,
            broken: false,
        },
    );
    without.register(
        "rm",
        Tool {
            flaky_calls: 0,
            broken: true,
        },
    );
    for name in ["grep", "rm", "nope"] {
        assert_eq!(
            without.execute(&request(name)),
            with_bus.execute(&request(name))
        );
    }
    // No scoped default is installed on this thread: the bus-less runner emitted nothing,
    // while the recorder saw only the runner that holds it.
    assert_eq!(recorder.count(ToolInvoked), 3);
}

#[test]
fn workflow_transitions_return_borrows_of_self_and_emit_on_ok_and_exit() {
    let recorder = Recorder::new();
    let mut workflow = Workflow::new(Some(recorder.bus()));
    let history = workflow.advance(State::Running).unwrap();
    history.push(State::Draft); // a `&mut` borrow of the workflow, returned through #[emits]
    assert_eq!(history.len(), 2);
    let illegal = workflow.advance(State::Draft).unwrap_err();
    assert_eq!(illegal.to.clone(), State::Draft);
    assert_eq!(workflow.state(), State::Running);
    recorder.assert_sequence(&[WorkflowAdvanced, WorkflowTouched, WorkflowTouched]);
    recorder.assert_field(WorkflowAdvanced, "from", "Draft");
    recorder.assert_field(WorkflowAdvanced, "to", "Running");
    let touched = recorder.of(WorkflowTouched);
    assert_eq!(touched[0].error, None);
    assert_eq!(
        touched[1].error.as_deref(),
        Some("cannot go from Running to Draft")
    );
    assert!(touched.iter().all(|e| e.phase == Phase::Exit));
}

#[test]
fn the_scoped_default_serves_services_without_a_bus() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    let mut workflow = Workflow::new(None);
    workflow.advance(State::Running).unwrap();
    recorder.assert_sequence(&[WorkflowAdvanced, WorkflowTouched]);
}

#[test]
fn the_receivers_bus_wins_over_the_scoped_default() {
    let scoped = Recorder::<EventType>::new();
    let own = Recorder::new();
    let _guard = scoped.install_scoped();
    let mut workflow = Workflow::new(Some(own.bus()));
    workflow.advance(State::Running).unwrap();
    assert_eq!(own.kinds().len(), 2);
    assert!(scoped.kinds().is_empty());
}
