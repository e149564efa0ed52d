//! The claim of the story's pull request, checked: all 38 events are wired.

// Links the library, whose sites this test binary must see.
use agent_services as _;

eventwire::coverage_test!(agent_services::EventType, all_38_events_are_wired);

#[test]
fn there_are_38() {
    use eventwire::EventKind;
    assert_eq!(agent_services::EventType::ALL.len(), 38);
}
