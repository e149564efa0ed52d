//! The services on their success and failure paths, observed with a
//! recorder. Twenty-seven of the 38 events are asserted here; the other
//! eleven — the three the story's change never wired and the eight it never
//! tested — in `review_followups.rs`.

use agent_services::actors::{ActorOutcome, ActorRuntime, Step};
use agent_services::checkpoints::CheckpointService;
use agent_services::decisions::{DecisionService, Verdict};
use agent_services::invariants::{InvariantService, Record};
use agent_services::plans::{PlanError, PlanService, PlanState};
use agent_services::resources::ResourceHandler;
use agent_services::sessions::{SessionClosedError, SessionService};
use agent_services::tools::{
    broken_tool, flaky_tool, slow_tool, ToolError, ToolRequest, ToolRuntime,
};
use agent_services::validation::ValidationPipeline;
use agent_services::EventType::*;
use eventwire::Phase;
use std::time::Duration;
use support::recorder;

mod support;

#[test]
fn a_plan_goes_through_its_lifecycle() {
    let events = recorder();
    let mut plans = PlanService::new(Some(events.bus()));
    let id = plans.create("migrate the index");
    plans.transition(id, PlanState::Proposed).unwrap();
    plans.transition(id, PlanState::Approved).unwrap();
    assert_eq!(plans.apply(id), Ok(PlanState::Applied));
    assert_eq!(
        events.kinds()[..4],
        [
            PlanCreated,
            PlanStateChanged,
            PlanStateChanged,
            PlanStateChanged
        ]
    );
    events.assert_field(PlanCreated, "title", "migrate the index");
    events.assert_field(PlanStateChanged, "to", "Applied");
}

#[test]
fn a_plan_can_be_cancelled_but_not_applied_twice() {
    let events = recorder();
    let mut plans = PlanService::new(Some(events.bus()));
    let id = plans.create("rename things");
    assert_eq!(plans.cancel(id), Ok(PlanState::Cancelled));
    let refused = plans.apply(id).unwrap_err();
    assert_eq!(
        refused,
        PlanError::Illegal {
            plan: id,
            from: PlanState::Cancelled,
            to: PlanState::Applied
        }
    );
    events.assert_error(PlanErrored, "plan 1 cannot go from Cancelled to Applied");
    assert_eq!(plans.state(id), Some(PlanState::Cancelled));
}

#[test]
fn decisions_are_approved_or_corrected_and_both_supersede() {
    let events = recorder();
    let mut decisions = DecisionService::new(Some(events.bus()));
    let first = decisions.record(7, "use sqlite");
    decisions.review(first, Verdict::Approve).unwrap();
    events.assert_count(DecisionSuperseded, 0);

    // The approve path supersedes the plan's previously approved decision.
    let second = decisions.record(7, "use postgres");
    decisions.review(second, Verdict::Approve).unwrap();
    events.assert_field(DecisionSuperseded, "superseded", first);

    // The correct path supersedes the decision it corrects.
    let third = decisions.record(7, "use postgres 16");
    let corrected = decisions
        .review(third, Verdict::Correct("use postgres 17".into()))
        .unwrap();
    assert_eq!(decisions.text(corrected), Some("use postgres 17"));
    events.assert_field(DecisionCorrected, "corrected_by", corrected);
    events.assert_count(DecisionRecorded, 3);
    events.assert_count(DecisionApproved, 2);
    events.assert_count(DecisionSuperseded, 2);
    // One emission site serves both paths.
    let sites: std::collections::HashSet<u32> = events
        .of(DecisionSuperseded)
        .iter()
        .map(|e| e.site.line)
        .collect();
    assert_eq!(sites.len(), 1);
    assert!(decisions.review(third, Verdict::Approve).is_err());
}

#[test]
fn invariants_fire_per_record_per_violation_and_per_batch() {
    let events = recorder();
    let mut invariants = InvariantService::new(Some(events.bus()));
    invariants.register("amount is not negative", |r| r.amount >= 0);
    invariants.register("owner is named", |r| !r.owner.is_empty());
    let batch = [
        Record {
            id: 1,
            amount: 5,
            owner: "ada".into(),
        },
        Record {
            id: 2,
            amount: -3,
            owner: String::new(),
        },
        Record {
            id: 3,
            amount: -1,
            owner: "bob".into(),
        },
    ];
    let result = invariants.reconcile(&batch);
    assert_eq!(result.checked, 3);
    assert_eq!(result.violations.len(), 3);
    events.assert_count(InvariantRegistered, 2);
    events.assert_count(InvariantEnforced, 3);
    events.assert_count(InvariantViolated, 3);
    events.assert_count(InvariantReconciled, 1);
    events.assert_field(InvariantViolated, "invariant", "owner is named");
    events.assert_field(InvariantReconciled, "batch", 3);
}

#[test]
fn an_actor_calls_tools_until_it_is_done() {
    let events = recorder();
    let runtime = ActorRuntime::new(Some(events.bus()), 5);
    let outcome = runtime
        .run(
            "summarise the logs",
            |seen| {
                if seen.len() < 2 {
                    Step::Call("grep".into(), "ERROR".into())
                } else {
                    Step::Done(format!("{} matches", seen.len()))
                }
            },
            |_, input| Ok(format!("found {input}")),
        )
        .unwrap();
    assert_eq!(outcome, ActorOutcome::Completed("2 matches".into()));
    events.assert_sequence(&[ActorInvoked, ActorCompleted]);
    events.assert_field(ActorCompleted, "iterations", 2);
}

fn tool_runtime(events: &support::Checked) -> ToolRuntime {
    let mut tools = ToolRuntime::new(Some(events.bus()), 3, Duration::from_millis(1));
    tools.register("grep", flaky_tool(0, "grep"));
    tools.register("rm", broken_tool("permission denied"));
    tools.register("sleep", slow_tool(Duration::from_secs(60)));
    tools
}

fn request(name: &str) -> ToolRequest {
    ToolRequest {
        name: name.into(),
        input: "secret: hunter2".into(),
    }
}

#[tokio::test]
async fn a_tool_runs_and_completes() {
    let events = recorder();
    let tools = tool_runtime(&events);
    events.assert_count(ToolRegistered, 3);
    events.clear();
    let output = tools.execute(request("grep")).await.unwrap();
    assert_eq!(output, "grep(secret: hunter2)");
    events.assert_sequence(&[ToolInvoked, ToolCompleted]);
    events.assert_field(ToolCompleted, "tool", "grep");
    let json = serde_json::to_string(&events.events()).unwrap();
    assert!(!json.contains("hunter2"), "the input is never captured");
}

#[tokio::test]
async fn a_failing_tool_emits_errored_with_the_error_text() {
    let events = recorder();
    let tools = tool_runtime(&events);
    events.clear();
    let error = tools.execute(request("rm")).await.unwrap_err();
    assert_eq!(error, ToolError::Failed("permission denied".into()));
    events.assert_sequence(&[ToolInvoked, ToolErrored]);
    events.assert_error(ToolErrored, "permission denied");
    assert_eq!(events.of(ToolErrored)[0].phase, Phase::Err);
}

#[tokio::test]
async fn a_cancelled_tool_call_emits_errored_too() {
    let events = recorder();
    let tools = tool_runtime(&events);
    events.clear();
    let timed_out =
        tokio::time::timeout(Duration::from_millis(10), tools.execute(request("sleep"))).await;
    assert!(timed_out.is_err());
    events.assert_sequence(&[ToolInvoked, ToolErrored]);
    let cancelled = &events.of(ToolErrored)[0];
    assert_eq!(cancelled.phase, Phase::Cancel);
    assert!(cancelled.elapsed.unwrap() >= Duration::from_millis(10));
}

#[test]
fn resources_are_registered() {
    let events = recorder();
    let mut resources = ResourceHandler::new(Some(events.bus()));
    resources.register("repo://README.md", "how to deploy");
    resources.register("repo://src/lib.rs", "fn deploy() {}");
    events.assert_count(ResourceRegistered, 2);
    events.assert_field(ResourceRegistered, "uri", "repo://src/lib.rs");
}

#[test]
fn a_sandbox_is_committed_and_a_checkpoint_restored() {
    let events = recorder();
    let mut service = CheckpointService::new(Some(events.bus()));
    let before = service.checkpoint();
    let sandbox = service.create_sandbox();
    service
        .sandbox(sandbox)
        .unwrap()
        .push("add an index".into());
    assert_eq!(service.commit(sandbox), Ok(1));
    assert_eq!(service.state(), ["add an index"]);
    assert_eq!(service.restore(before).unwrap().len(), 0);
    events.assert_sequence(&[
        CheckpointCreated,
        SandboxCreated,
        SandboxCommitted,
        CheckpointRestored,
    ]);
    assert!(service.commit(sandbox).is_err(), "a sandbox commits once");
}

#[test]
fn validation_passes_or_fails_with_every_problem() {
    let events = recorder();
    let validation = ValidationPipeline::new(Some(events.bus()));
    assert_eq!(validation.validate(&["build", "deploy to staging"]), Ok(2));
    assert!(validation.validate(&["", "deploy to prod"]).is_err());
    events.assert_sequence(&[
        ValidationStarted,
        ValidationPassed,
        ValidationStarted,
        ValidationFailed,
    ]);
    events.assert_error(ValidationFailed, "step 1 is empty; step 2 touches prod");
}

#[test]
fn a_session_opens_carries_messages_and_closes() {
    let events = recorder();
    let mut sessions = SessionService::new(Some(events.bus()));
    let id = sessions.create("ada");
    assert_eq!(sessions.send(id, "hello"), Ok(1));
    assert_eq!(sessions.send(id, "deploy the plan"), Ok(2));
    assert_eq!(sessions.close(id).unwrap().len(), 2);
    assert_eq!(
        sessions.send(id, "still there?"),
        Err(SessionClosedError(id))
    );
    let kinds = events.kinds();
    assert_eq!(
        kinds[kinds.len() - 3..],
        [SessionMessageSent, SessionMessageSent, SessionClosed]
    );
    events.assert_field(SessionMessageSent, "length", 15);
}
