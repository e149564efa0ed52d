//! The static coverage check, passing on the test services and failing on
//! an enum with an event that has no site.

use eventwire::{emits, Status};
// The services' sites are registered by the `eventwire_tests` library; naming
// it links it into this test binary.
use eventwire_tests as _;

#[test]
fn every_event_of_the_services_has_a_site() {
    let report = eventwire::coverage::<eventwire_tests::EventType>();
    report.assert_complete();
    let archived = &report.events()[eventwire_tests::EventType::WorkflowArchived as usize];
    assert!(matches!(archived.status(), Status::Exempt(_)));
    // ToolInvoked is listed by execute and by read_output.
    assert_eq!(
        report.sites(eventwire_tests::EventType::ToolInvoked).len(),
        2
    );
}

eventwire::coverage_test!(eventwire_tests::EventType, generated_coverage_test_passes);

use eventwire_tests::unwired;

#[test]
fn the_check_fails_naming_exactly_the_event_without_a_site() {
    let report = eventwire::coverage::<unwired::EventType>();
    assert_eq!(report.missing(), [unwired::EventType::PlanApplied]);
    let message = report.check().unwrap_err();
    // This binary also holds a site of PlanApplied in test code (below),
    // which the message names as not counting.
    let (head, note) = message
        .split_once("  (only in test code")
        .unwrap_or((&message, ""));
    assert_eq!(
        head,
        "eventwire: 1 of 2 event types of eventwire_tests::unwired::EventType have an emission site\n\
         missing (1):\n  \
         PlanApplied   plan.applied"
    );
    assert!(note.ends_with(
        ")\nadd #[emits(..)] or emit!(..) for each, or exempt it with #[event(unwired = \"why\")]"
    ));
}

/// A site written in a test (here, an integration test) proves nothing
/// about the service: it is shown, and never counts as wiring.
mod emitted_by_the_test {
    use super::*;

    #[emits(PlanApplied, event = unwired::EventType)]
    pub fn pretend_to_apply() {}

    #[test]
    fn a_site_in_test_code_does_not_wire_its_event() {
        pretend_to_apply();
        let report = eventwire::coverage::<unwired::EventType>();
        assert_eq!(report.missing(), [unwired::EventType::PlanApplied]);
        let applied = &report.events()[unwired::EventType::PlanApplied as usize];
        assert!(applied.sites.is_empty());
        assert_eq!(applied.test_sites.len(), 1);
        assert!(applied.test_sites[0].is_test_only());
        let message = report.check().unwrap_err();
        assert!(
            message.contains("PlanApplied   plan.applied  (only in test code, which does not count: emitted_by_the_test::pretend_to_apply (tests/tests/coverage_check.rs:"),
            "{message}"
        );
    }
}

#[test]
#[should_panic(expected = "missing (1):\n  PlanApplied   plan.applied")]
fn assert_complete_panics_on_the_unwired_enum() {
    unwired::create_plan();
    eventwire::coverage::<unwired::EventType>().assert_complete();
}

#[test]
fn sites_in_private_generic_and_never_called_functions_are_registered() {
    let report = eventwire::coverage::<eventwire_tests::HiddenEvent>();
    report.assert_complete();
    let functions: Vec<&str> = report
        .events()
        .iter()
        .flat_map(|e| e.sites.iter().map(|s| s.function()))
        .collect();
    assert_eq!(
        functions,
        [
            "hidden::generic",
            "hidden::never_called",
            "hidden::never_called_by_hand"
        ]
    );
}
