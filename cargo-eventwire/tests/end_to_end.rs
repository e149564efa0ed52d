//! `cargo eventwire coverage` on a fixture workspace, under `cargo test` and
//! under nextest: its exit code and the exact rows of its JSON report.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop")
}

/// A target directory of the fixture's own, so that its builds never wait
/// on the workspace's.
fn fixture_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/eventwire-fixtures/shop")
        .canonicalize()
        .unwrap_or_else(|_| {
            let dir =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/eventwire-fixtures/shop");
            std::fs::create_dir_all(&dir).unwrap();
            dir.canonicalize().unwrap()
        })
}

fn cargo_eventwire(args: &[&str]) -> (i32, String, String) {
    cargo_eventwire_with(args, None)
}

fn cargo_eventwire_with(args: &[&str], fail: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-eventwire"));
    if let Some(value) = fail {
        command.env("SHOP_FAIL", value);
    } else {
        command.env_remove("SHOP_FAIL");
    }
    let output = command
        .arg("eventwire")
        .args(args)
        .arg("--manifest-path")
        .arg(fixture().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", fixture_target())
        .env_remove("EVENTWIRE_COVERAGE_DIR")
        .env_remove("NEXTEST_TEST_NAME")
        .output()
        .expect("cargo-eventwire runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn report() -> serde_json::Value {
    let path = fixture_target().join("eventwire/coverage.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(variant, status, tests)` of every event.
fn rows(report: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    report["enums"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let tests = e["sites"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["tests"].as_array().unwrap().iter())
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            (
                e["variant"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
                tests,
            )
        })
        .collect()
}

fn row(variant: &str, status: &str, tests: &[&str]) -> (String, String, Vec<String>) {
    (
        variant.to_owned(),
        status.to_owned(),
        tests.iter().map(|t| (*t).to_owned()).collect(),
    )
}

// One test, in order: the runs share the fixture's hits directory.
#[test]
fn coverage_under_cargo_test_and_nextest_with_stale_files_cleaned() {
    // A stale file from an earlier run, claiming OrderShipped ran.
    let hits = fixture_target().join("eventwire/hits");
    std::fs::create_dir_all(&hits).unwrap();
    std::fs::write(
        hits.join("stale-1-1.jsonl"),
        "{\"kind\":\"hit\",\"site\":\"src/lib.rs:29:13:shop::EventType::OrderShipped\",\"test\":\"old\",\"count\":1}\n",
    )
    .unwrap();

    let (code, stdout, stderr) = cargo_eventwire(&["coverage"]);
    assert_eq!(
        code, 1,
        "an event without a site fails the run\n{stdout}\n{stderr}"
    );
    let report = report();
    assert_eq!(
        report["summary"],
        "3/5 event types wired · 2/5 exercised by tests · 1 exempt"
    );
    assert_eq!(
        rows(&report),
        [
            row("OrderPlaced", "exercised", &["places_an_order"]),
            row("OrderPaid", "exercised", &["payment_panics_after_emitting"]),
            row("OrderShipped", "wired_not_exercised", &[]),
            row("OrderRefunded", "no_site", &[]),
            row("OrderAudited", "exempt", &[]),
        ]
    );
    assert_eq!(
        report["enums"][0]["events"][0]["sites"][0]["function"],
        "Shop::place"
    );
    assert_eq!(
        report["enums"][0]["events"][0]["sites"][0]["file"],
        "src/lib.rs"
    );
    let unlinked = report["unlinked"].as_array().unwrap();
    assert_eq!(unlinked.len(), 1, "{unlinked:?}");
    assert_eq!(unlinked[0]["file"], "src/bin/refunds.rs");
    assert_eq!(unlinked[0]["line"], 4);
    assert_eq!(unlinked[0]["event"], "OrderRefunded");
    assert!(stdout.contains("3/5 event types wired"), "{stdout}");
    let markdown = std::fs::read_to_string(fixture_target().join("eventwire/coverage.md")).unwrap();
    assert!(
        markdown.starts_with("**eventwire coverage: 3/5 event types wired"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| `order.refunded` OrderRefunded | NO SITE | — |"),
        "{markdown}"
    );

    let (code, stdout, _) = cargo_eventwire(&["report", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, markdown);

    let (code, stdout, stderr) = cargo_eventwire(&["coverage", "--nextest"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let rows = rows(&report_after_nextest());
    assert_eq!(rows[0].1, "exercised");
    assert_eq!(
        rows[1].1, "exercised",
        "a panicking test's hits are recorded"
    );
    assert!(rows[0].2[0].contains("places_an_order"), "{rows:?}");
    assert!(
        rows[1].2[0].contains("payment_panics_after_emitting"),
        "{rows:?}"
    );
    assert_eq!(rows[2].1, "wired_not_exercised");
    assert_eq!(rows[3].1, "no_site");

    // A failing test: its exit code comes through, and the report is still written.
    let (code, stdout, stderr) =
        cargo_eventwire_with(&["coverage", "--allow-unexercised"], Some("1"));
    assert_eq!(code, 101, "{stdout}\n{stderr}");
    assert!(stdout.contains("3/5 event types wired"), "{stdout}");
}

fn report_after_nextest() -> serde_json::Value {
    report()
}

#[test]
fn unknown_options_are_usage_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-eventwire"))
        .args(["eventwire", "coverage", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown option `--bogus`"));
}
