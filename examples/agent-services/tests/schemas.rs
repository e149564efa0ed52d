//! The committed catalog's schemas catch events that do not match them: the
//! check every service test runs (`support::recorder`) is not vacuous.

use agent_services::plans::{PlanService, PlanState};
use agent_services::EventType::{self, *};
use support::{check, recorder};

mod support;

fn applied() -> eventwire::Event<EventType> {
    let events = recorder();
    let mut plans = PlanService::new(Some(events.bus()));
    let id = plans.create("ship it");
    plans.transition(id, PlanState::Proposed).unwrap();
    plans.transition(id, PlanState::Approved).unwrap();
    plans.apply(id).unwrap();
    assert!(events.mismatches().is_empty(), "{:?}", events.mismatches());
    events.of(PlanApplied).remove(0)
}

#[test]
fn an_event_as_emitted_matches_its_schema() {
    assert_eq!(check(&applied()), Vec::<String>::new());
}

#[test]
fn a_field_of_another_type_does_not() {
    let mut event = applied();
    let mut fields = eventwire::Fields::new();
    fields.push("plan", eventwire::Value::Str("seven".to_owned()));
    event.fields = fields;
    let found = check(&event);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|m| m.contains("/fields/plan")),
        "{found:?}"
    );
}

#[test]
fn a_missing_required_field_does_not() {
    let mut event = applied();
    event.fields = eventwire::Fields::new();
    let found = check(&event);
    assert!(
        found
            .iter()
            .any(|m| m.contains("\"plan\" is a required property")),
        "{found:?}"
    );
}

#[test]
fn an_error_outside_err_or_none_on_err_does_not() {
    let mut event = applied();
    event.error = Some("boom".to_owned());
    assert!(!check(&event).is_empty());
    let mut errored = applied();
    errored.kind = PlanErrored;
    errored.phase = eventwire::Phase::Err;
    errored
        .fields
        .push("to", eventwire::Value::Str("Applied".to_owned()));
    assert!(
        !check(&errored).is_empty(),
        "an err event without its error text"
    );
    errored.error = Some("illegal".to_owned());
    assert_eq!(check(&errored), Vec::<String>::new());
}

#[test]
fn an_event_in_a_phase_it_never_has_does_not() {
    let mut event = applied();
    event.phase = eventwire::Phase::Entry;
    assert!(check(&event).iter().any(|m| m.contains("/phase")));
}
