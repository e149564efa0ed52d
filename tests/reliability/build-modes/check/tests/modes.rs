//! Every site is registered, whatever the build mode.

use more_sites as _;
use sites as _;

#[test]
fn exactly_the_expected_sites_are_registered() {
    let report = eventwire::coverage::<sites::EventType>();
    let mut found: Vec<(String, String)> = report
        .events()
        .iter()
        .flat_map(|e| {
            e.sites
                .iter()
                .map(move |s| (format!("{:?}", e.kind), s.function().to_owned()))
        })
        .collect();
    found.sort();
    let expected = [
        ("ByHandInPrivate", "hidden::by_hand"),
        ("InAsync", "Service::run"),
        ("InGeneric", "sites::generic"),
        ("InNeverCalled", "sites::never_called"),
        ("InPrivate", "hidden::private"),
        ("InSecondCrate", "more_sites::never_called_either"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, f)| ((*k).to_owned(), (*f).to_owned()))
        .collect();
    assert_eq!(found, expected);
    report.assert_complete();
}
