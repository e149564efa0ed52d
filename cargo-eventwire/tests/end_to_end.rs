//! `cargo eventwire coverage` on the shop fixture, under `cargo test` and
//! under nextest: its exit code and the exact rows of its JSON report.

mod support;

use support::{
    event, fixture, fixtures_target, nextest_available, pairs, report_in, run_in, statuses,
};

const SHOP: &str = "shop::EventType";

// One test, in order: the runs share the fixture's report.
#[test]
fn coverage_under_cargo_test_and_nextest() {
    let shop = fixture("shop");
    // Files an earlier, killed run left behind, claiming OrderShipped ran:
    // each run reads only the hits directory it made.
    for stale in ["eventwire/hits", "eventwire/runs/1-1"] {
        let dir = fixtures_target().join(stale);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("stale-1-1.jsonl"),
            "{\"kind\":\"hit\",\"site\":\"src/lib.rs:31:13 shop::Shop::ship shop::EventType::OrderShipped\",\"test\":\"old\",\"count\":1}\n",
        )
        .unwrap();
    }

    let run = run_in(&shop, &["coverage"], &[]);
    assert_eq!(
        run.code, 1,
        "a site no test process registered fails the run\n{run:?}"
    );
    let report = report_in(&shop);
    assert_eq!(
        report["summary"],
        "4/5 event types wired · 2/5 exercised by tests · 1 exempt"
    );
    assert_eq!(
        statuses(&report, SHOP),
        pairs(&[
            ("OrderPlaced", "exercised"),
            ("OrderPaid", "exercised"),
            ("OrderShipped", "wired_not_exercised"),
            ("OrderRefunded", "wired_not_exercised"),
            ("OrderAudited", "exempt"),
        ])
    );
    let placed = &event(&report, SHOP, "OrderPlaced")["sites"][0];
    assert_eq!(placed["function"], "Shop::place");
    assert_eq!(placed["file"], "src/lib.rs");
    assert_eq!(
        placed["tests"],
        serde_json::json!(["shop::orders places_an_order"])
    );
    assert_eq!(
        event(&report, SHOP, "OrderPaid")["sites"][0]["tests"],
        serde_json::json!(["shop::orders payment_panics_after_emitting"]),
        "a panicking test's hits are recorded"
    );
    let refunded = &event(&report, SHOP, "OrderRefunded")["sites"][0];
    assert_eq!(refunded["registered"], false);
    assert_eq!(refunded["file"], "src/bin/refunds.rs");
    let unlinked = report["unlinked"].as_array().unwrap();
    assert_eq!(unlinked.len(), 1, "{unlinked:?}");
    assert_eq!(unlinked[0]["file"], "src/bin/refunds.rs");
    assert_eq!(unlinked[0]["line"], 4);
    assert_eq!(unlinked[0]["event"], "OrderRefunded");
    assert!(run.stdout.contains("4/5 event types wired"), "{run:?}");
    assert!(
        run.stdout
            .contains("Shop::place src/lib.rs:22 on ok  ran 1x by shop::orders places_an_order"),
        "{}",
        run.stdout
    );

    // The test binaries' own arguments after `--`, as with `cargo test`.
    let threads = run_in(&shop, &["coverage", "--", "--test-threads=1"], &[]);
    assert_eq!(threads.code, run.code, "{threads:?}");
    assert!(
        threads.stdout.contains("4/5 event types wired"),
        "{threads:?}"
    );

    let markdown = run_in(&shop, &["report", "--format", "markdown"], &[]);
    assert_eq!(markdown.code, 0);
    assert!(
        markdown
            .stdout
            .starts_with("**eventwire coverage: 4/5 event types wired"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown.stdout.contains(
            "| `order.refunded` OrderRefunded | wired, never exercised | `refunds::main` src/bin/refunds.rs:4 (0×, 0 tests) registered by no test process |"
        ),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown.stdout.contains(
            "| `order.audited` OrderAudited | exempt: sent by the warehouse system | — |"
        ),
        "{}",
        markdown.stdout
    );

    if nextest_available() {
        let run = run_in(&shop, &["coverage", "--nextest"], &[]);
        assert_eq!(run.code, 1, "{run:?}");
        let report = report_in(&shop);
        assert_eq!(
            event(&report, SHOP, "OrderPaid")["sites"][0]["tests"],
            serde_json::json!(["shop::orders payment_panics_after_emitting"]),
        );
        assert_eq!(
            statuses(&report, SHOP)[2],
            ("OrderShipped".to_owned(), "wired_not_exercised".to_owned())
        );
        // Nextest's own options go to nextest, not to the build.
        let own = run_in(
            &shop,
            &["coverage", "--nextest", "--no-capture", "--retries", "0"],
            &[],
        );
        assert_eq!(own.code, 1, "{own:?}");
        assert!(own.stdout.contains("4/5 event types wired"), "{own:?}");
    } else {
        eprintln!("cargo-nextest is not installed: the nextest half of this test did not run");
    }

    // A failing test: its exit code comes through, and the report is still written.
    let run = run_in(
        &shop,
        &["coverage", "--allow-unexercised"],
        &[("SHOP_FAIL", "1")],
    );
    assert_eq!(run.code, 101, "{run:?}");
    assert!(run.stdout.contains("4/5 event types wired"), "{run:?}");
    assert_eq!(report_in(&shop)["tests_failed"], true);
    // The table, and the Markdown a pull request quotes, say so first.
    assert!(run.stdout.contains("TESTS FAILED in this run"), "{run:?}");
    let markdown = run_in(&shop, &["report", "--format", "markdown"], &[]).stdout;
    assert!(
        markdown.contains("**TESTS FAILED in this run"),
        "{markdown}"
    );
    // Nor is a catalog written from it, then or later.
    let run = run_in(&shop, &["catalog"], &[("SHOP_FAIL", "1")]);
    assert_eq!(run.code, 101, "{run:?}");
    assert!(
        run.stderr
            .contains("the tests failed, so no catalog was written"),
        "{run:?}"
    );
    let run = run_in(&shop, &["catalog", "--no-run"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("the last coverage run's tests failed"),
        "{run:?}"
    );
    // Once they pass, it is.
    let run = run_in(&shop, &["catalog"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("wrote the catalog of 5 events to"),
        "{run:?}"
    );
}

#[test]
fn options_cargo_does_not_know_are_cargos_errors() {
    // An option `cargo test` does not have goes to the test binaries (as
    // after `cargo test --`), which refuse it: the run fails, saying why.
    let run = run_in(&fixture("shop"), &["coverage", "--bogus"], &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("bogus"), "{run:?}");
    // One it has, misused, is cargo's own error.
    let run = run_in(&fixture("shop"), &["coverage", "--features"], &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--features"), "{run:?}");
    let run = run_in(&fixture("shop"), &["report", "--format", "html"], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("html"), "{run:?}");
}
