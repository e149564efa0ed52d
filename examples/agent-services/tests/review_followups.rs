//! The tests the story's reviewers found missing: for the three events the
//! change claimed but never wired, and for the eight it wired but never
//! exercised.

use agent_services::actors::{ActorError, ActorOutcome, ActorRuntime, Step};
use agent_services::checkpoints::CheckpointService;
use agent_services::context::{ContextPipeline, ContextService};
use agent_services::plans::{PlanService, PlanState};
use agent_services::resources::{NotFound, RepositoryIndexer, ResourceHandler};
use agent_services::sessions::SessionService;
use agent_services::tools::{flaky_tool, ToolRequest, ToolRuntime};
use agent_services::EventType::*;
use support::recorder;

mod support;
use std::time::Duration;

#[test]
fn reading_and_indexing_resources() {
    let events = recorder();
    let mut resources = ResourceHandler::new(Some(events.bus()));
    resources.register("repo://README.md", "How to deploy the index");
    resources.register("repo://src/index.rs", "fn rebuild_index() {}");
    resources.register("repo://logo.png", "binary");
    assert_eq!(
        resources.read("repo://README.md"),
        Ok("How to deploy the index")
    );
    assert_eq!(
        resources.read("repo://nope"),
        Err(NotFound("repo://nope".into()))
    );
    events.assert_count(ResourceAccessed, 1);

    let mut indexer = RepositoryIndexer::new(Some(events.bus()));
    assert_eq!(indexer.index(&resources), 2);
    events.assert_count(ResourceIndexed, 2);
    events.assert_field(ResourceIndexed, "uri", "repo://src/index.rs");

    let context = ContextPipeline::new(Some(events.bus())).build("deploy index", &indexer);
    assert_eq!(context.facts.len(), 2);
    events.assert_count(ContextBuilt, 1);
    let found = ContextService::new(Some(events.bus())).query(&context, "deploy");
    assert_eq!(found, ["deploy: repo://README.md"]);
    events.assert_field(ContextQueryExecuted, "term", "deploy");
}

#[test]
fn a_sandbox_is_rolled_back() {
    let events = recorder();
    let mut service = CheckpointService::new(Some(events.bus()));
    let sandbox = service.create_sandbox();
    service
        .sandbox(sandbox)
        .unwrap()
        .push("drop the table".into());
    assert_eq!(service.roll_back(sandbox), Ok(1));
    assert!(service.state().is_empty());
    events.assert_sequence(&[SandboxCreated, SandboxRolledBack]);
}

#[tokio::test]
async fn a_flaky_tool_is_retried_twice_then_completes() {
    let events = recorder();
    let mut tools = ToolRuntime::new(Some(events.bus()), 3, Duration::from_millis(1));
    tools.register("fetch", flaky_tool(2, "fetch"));
    events.clear();
    let request = ToolRequest {
        name: "fetch".into(),
        input: "url".into(),
    };
    assert_eq!(tools.execute(request).await, Ok("fetch(url)".into()));
    events.assert_sequence(&[ToolInvoked, ToolRetried, ToolRetried, ToolCompleted]);
    events.assert_field(ToolRetried, "attempt", 2);
    events.assert_field(
        ToolRetried,
        "reason",
        "transient failure: attempt 2 timed out",
    );
}

#[test]
fn an_actor_errors_when_a_tool_fails() {
    let events = recorder();
    let runtime = ActorRuntime::new(Some(events.bus()), 5);
    let error = runtime
        .run(
            "clean up",
            |_| Step::Call("rm".into(), "-rf /tmp/x".into()),
            |_, _| Err("permission denied".into()),
        )
        .unwrap_err();
    assert_eq!(
        error,
        ActorError {
            tool: "rm".into(),
            reason: "permission denied".into()
        }
    );
    events.assert_sequence(&[ActorInvoked, ActorErrored]);
    events.assert_error(ActorErrored, "tool `rm` failed: permission denied");
}

#[test]
fn an_actor_escalates_at_its_iteration_limit() {
    let events = recorder();
    let runtime = ActorRuntime::new(Some(events.bus()), 3);
    let outcome = runtime
        .run(
            "find the bug",
            |_| Step::Call("grep".into(), "bug".into()),
            |_, _| Ok("nothing".into()),
        )
        .unwrap();
    assert_eq!(outcome, ActorOutcome::Escalated { iterations: 3 });
    events.assert_sequence(&[ActorInvoked, ActorEscalated]);
    events.assert_field(ActorEscalated, "iterations", 3);
}

#[test]
fn applying_and_cancelling_plans() {
    let events = recorder();
    let mut plans = PlanService::new(Some(events.bus()));
    let applied = plans.create("ship it");
    plans.transition(applied, PlanState::Proposed).unwrap();
    plans.transition(applied, PlanState::Approved).unwrap();
    assert_eq!(plans.apply(applied), Ok(PlanState::Applied));
    events.assert_field(PlanApplied, "plan", applied);
    let cancelled = plans.create("scrap it");
    assert_eq!(plans.cancel(cancelled), Ok(PlanState::Cancelled));
    events.assert_field(PlanCancelled, "plan", cancelled);
    assert!(
        plans.cancel(applied).is_err(),
        "an applied plan cannot be cancelled"
    );
    events.assert_count(PlanCancelled, 1);
}

#[test]
fn opening_a_session() {
    let events = recorder();
    let mut sessions = SessionService::new(Some(events.bus()));
    let id = sessions.create("ada");
    events.assert_sequence(&[SessionCreated]);
    events.assert_field(SessionCreated, "user", "ada");
    assert_eq!(sessions.close(id).map(|m| m.len()), Ok(0));
}
