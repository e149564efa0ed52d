//! The static coverage check, passing on the test services and failing on
//! an enum with an event that has no site.

use eventwire::{emits, EventType, Status};
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

mod unwired {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    pub enum EventType {
        PlanCreated,
        PlanApplied,
    }

    #[emits(PlanCreated)]
    pub fn create_plan() {}
}

#[test]
fn the_check_fails_naming_exactly_the_event_without_a_site() {
    let report = eventwire::coverage::<unwired::EventType>();
    assert_eq!(report.missing(), [unwired::EventType::PlanApplied]);
    let message = report.check().unwrap_err();
    assert_eq!(
        message,
        "eventwire: 1 of 2 event types of coverage_check::unwired::EventType have an emission site\n\
         missing (1):\n  \
         PlanApplied   plan.applied\n\
         add #[emits(..)] or emit!(..) for each, or exempt it with #[event(unwired = \"why\")]"
    );
}

#[test]
#[should_panic(expected = "missing (1):\n  PlanApplied   plan.applied\n")]
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
