//! Ways the coverage report could be made to say something false, each
//! tried on a member of the `cases` fixture workspace.

mod support;

use support::{event, events, fixture, nextest_available, pairs, report_in, run_in, statuses, Run};

fn cases() -> std::path::PathBuf {
    fixture("cases")
}

/// The tests take turns: each reads the report of the run it made, which
/// lives in the workspace's report directory.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn coverage(args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["coverage"];
    all.extend_from_slice(args);
    let run = run_in(&cases(), &all, &[]);
    let report = report_in(&cases());
    (run, report)
}

fn site_rows(event: &serde_json::Value) -> Vec<(String, u64, u64)> {
    event["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["function"].as_str().unwrap().to_owned(),
                s["ordinal"].as_u64().unwrap(),
                s["hits"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sites_that_one_macro_invocation_generates_stay_apart() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "macro_sites"]);
    assert_eq!(run.code, 1, "two handlers never ran: {run:?}");
    let handler = event(&report, "macro_sites::EventType", "HandlerRan");
    assert_eq!(handler["status"], "partly_exercised");
    assert_eq!(
        site_rows(handler),
        [
            ("Router::delete".to_owned(), 0, 0),
            ("Router::get".to_owned(), 0, 1),
            ("Router::put".to_owned(), 0, 0),
        ]
    );
    let lines: Vec<u64> = handler["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].as_u64().unwrap())
        .collect();
    assert!(
        lines.windows(2).all(|w| w[0] == w[1]),
        "one location: {lines:?}"
    );
    let step = event(&report, "macro_sites::EventType", "StepTaken");
    assert_eq!(
        site_rows(step),
        [
            ("Router::walk".to_owned(), 0, 1),
            ("Router::walk".to_owned(), 1, 1),
            ("Router::stroll".to_owned(), 0, 0),
            ("Router::stroll".to_owned(), 1, 0),
        ]
    );
    let keys: std::collections::BTreeSet<&str> = step["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 4, "every site has a key of its own");
    assert!(
        run.stdout
            .contains("Router::put macro_sites/src/lib.rs:31 on ok  ran 0x"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_enum_without_any_site_is_in_the_report() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "billing"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        statuses(&report, "billing::EventType"),
        pairs(&[
            ("InvoiceSent", "no_site"),
            ("InvoicePaid", "no_site"),
            ("InvoiceVoided", "no_site"),
        ])
    );
    assert_eq!(
        report["summary"],
        "1/4 event types wired · 1/4 exercised by tests"
    );
    // `tests/billing.rs` is a crate named `billing` with its own
    // `billing::EventType`: test code, not required, and not mixed with the
    // library's enum of the same path.
    assert_eq!(
        report["test_only_enums"],
        serde_json::json!(["billing::EventType (billing/tests/billing.rs:8)"])
    );
    let sent = event(&report, "billing::EventType", "InvoiceSent");
    assert!(sent["test_sites"].as_array().unwrap().is_empty(), "{sent}");
    // A documentation example that emits is test code, and ran.
    let paid = event(&report, "billing::EventType", "InvoicePaid");
    let in_doc: Vec<&serde_json::Value> = paid["test_sites"].as_array().unwrap().iter().collect();
    assert_eq!(in_doc.len(), 1, "{paid}");
    assert_eq!(in_doc[0]["file"], "billing/src/lib.rs");
    assert_eq!(paid["status"], "no_site");
}

#[test]
fn sites_in_test_code_never_count_as_wiring() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "test_only"]);
    assert_eq!(run.code, 1, "PlanApplied has no production site: {run:?}");
    assert!(
        run.stdout
            .contains("the_static_check_is_not_fooled_by_test_code ... ok"),
        "the static check in the unit tests fails on test-only sites: {}",
        run.stdout
    );
    let applied = event(&report, "test_only::EventType", "PlanApplied");
    assert_eq!(applied["status"], "no_site");
    assert!(applied["sites"].as_array().unwrap().is_empty());
    let in_tests: Vec<(&str, &str)> = applied["test_sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["function"].as_str().unwrap(), s["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        in_tests,
        [
            ("tests::pretend_to_apply", "test_only/src/lib.rs"),
            (
                "test_only::a_test_function_outside_a_test_module",
                "test_only/src/lib.rs"
            ),
            (
                "apply::applying_is_pretended_here",
                "test_only/tests/apply.rs"
            ),
        ]
    );
    assert!(applied["test_sites"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["hits"].as_u64() > Some(0)));
    assert!(
        run.stdout.contains("in test code, not counted"),
        "{}",
        run.stdout
    );
    assert_eq!(
        event(&report, "test_only::EventType", "PlanCreated")["status"],
        "exercised"
    );
    // A `#[cfg(test)]` block inside a production function, and a production
    // macro that only a test module invokes: test code, both.
    for (variant, function) in [
        ("PlanReverted", "Plans::revert"),
        ("PlanArchived", "tests::pretend_to_apply"),
    ] {
        let found = event(&report, "test_only::EventType", variant);
        assert_eq!(found["status"], "no_site", "{found}");
        let in_tests = found["test_sites"].as_array().unwrap();
        assert_eq!(in_tests.len(), 1, "{found}");
        assert_eq!(in_tests[0]["function"], function, "{found}");
    }
    // A test helper behind `cfg_if!`'s `cfg(test)` branch, and a module that
    // tests build from another file (`#[cfg_attr(test, path = ..)]`): test
    // code too, though no `#[cfg(test)]` is written on them.
    for (variant, file) in [
        ("PlanPaid", "test_only/src/lib.rs"),
        ("PlanCharged", "test_only/src/fake_gateway.rs"),
    ] {
        let found = event(&report, "test_only::EventType", variant);
        assert_eq!(found["status"], "no_site", "{found}");
        let in_tests = found["test_sites"].as_array().unwrap();
        assert_eq!(in_tests.len(), 1, "{found}");
        assert_eq!(in_tests[0]["file"], file, "{found}");
        assert!(in_tests[0]["hits"].as_u64() > Some(0), "{found}");
    }
}

#[test]
fn the_sources_are_read_as_the_compiler_reads_them() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "scanner"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        report["unlinked"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    assert_eq!(
        statuses(&report, "scanner::EventType"),
        pairs(&[("Fetched", "exercised"), ("Retried", "exercised")])
    );
    let skipped: Vec<String> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{} {}: {}",
                s["file"].as_str().unwrap(),
                s["line"],
                s["what"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        skipped.contains(&"scanner/src/windows.rs:3 NoSuchEvent (emit!): not compiled in this build: #[cfg(windows)] is false".to_owned()),
        "{skipped:#?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("scanner/src/lib.rs:29 emit! in macro_rules! retry")),
        "{skipped:#?}"
    );
    let text = report.to_string();
    for invented in ["\"String\"", "Imaginary", "not_a_module", "misuse.rs"] {
        assert!(!text.contains(invented), "{invented} in {report:#}");
    }
}

#[test]
fn a_run_reports_on_the_packages_it_tested() {
    let _turn = turn();
    let expected = pairs(&[
        ("OrderTaken", "exercised"),
        ("OrderShipped", "outside_run"),
        ("OrderLost", "no_site"),
    ]);
    // From the workspace's root with `-p`, `-pX`, after `--`, and from the
    // member's own directory without arguments: the same report.
    for (dir, args) in [
        (cases(), vec!["coverage", "-p", "service"]),
        (cases(), vec!["coverage", "-pservice"]),
        (cases(), vec!["coverage", "--", "-p", "service"]),
        (cases().join("service"), vec!["coverage"]),
    ] {
        let run = run_in(&dir, &args, &[]);
        assert_eq!(run.code, 1, "OrderLost has no site anywhere: {run:?}");
        let report = report_in(&cases());
        assert_eq!(
            statuses(&report, "events::EventType"),
            expected,
            "{args:?} in {}",
            dir.display()
        );
        assert_eq!(report["scope"]["packages"], serde_json::json!(["service"]));
        let shipped = event(&report, "events::EventType", "OrderShipped");
        assert_eq!(shipped["outside"][0]["package"], "other_service");
        assert!(report["unlinked"].as_array().unwrap().is_empty());
        assert!(
            report["enums"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["name"] == "events::EventType"),
            "only the enum the tested package uses: {report:#}"
        );
    }
    let (run, report) = coverage(&["-p", "service", "-p", "other_service"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        statuses(&report, "events::EventType"),
        pairs(&[
            ("OrderTaken", "exercised"),
            ("OrderShipped", "exercised"),
            ("OrderLost", "no_site")
        ])
    );
    let (_, report) = coverage(&[
        "--workspace",
        "--exclude",
        "other_service",
        "--exclude",
        "macro_sites",
    ]);
    assert_eq!(
        event(&report, "events::EventType", "OrderShipped")["status"],
        "outside_run"
    );
    let scope = report["scope"]["packages"].as_array().unwrap();
    assert!(!scope.contains(&serde_json::json!("other_service")));
    assert!(scope.contains(&serde_json::json!("billing")));
}

#[test]
fn tests_are_named_by_binary_and_full_path() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "attribution"]);
    assert_eq!(run.code, 0, "{run:?}");
    let set = &event(&report, "attribution::EventType", "KeySet")["sites"][0];
    assert_eq!(
        set["tests"],
        serde_json::json!([
            "attribution::client key_value_get_set",
            "attribution::server key_value_get_set"
        ])
    );
    assert_eq!(set["test_count"], 2);
    assert_eq!(set["unknown_tests"], false);
    let read = &event(&report, "attribution::EventType", "KeyRead")["sites"][0];
    assert_eq!(
        read["tests"],
        serde_json::json!([]),
        "a spawned thread is not a test"
    );
    assert_eq!(read["unknown_tests"], true);
    assert!(!report.to_string().contains("tokio-runtime-worker"));

    if nextest_available() {
        // One test per process: the test is known, whatever the thread.
        let (run, report) = coverage(&["--nextest", "-p", "attribution"]);
        assert_eq!(run.code, 0, "{run:?}");
        let read = &event(&report, "attribution::EventType", "KeyRead")["sites"][0];
        assert_eq!(
            read["tests"],
            serde_json::json!(["attribution::server key_value_get_set"])
        );
        assert_eq!(read["unknown_tests"], false);
    } else {
        eprintln!("cargo-nextest is not installed: the nextest half of this test did not run");
    }
}

#[test]
fn a_waiver_is_shown_and_reported_stale_once_a_test_runs_its_site() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "waivers"]);
    assert_eq!(run.code, 0, "waived sites may stay unexercised: {run:?}");
    let failed = event(&report, "waivers::EventType", "AcceptFailed");
    assert_eq!(failed["status"], "waived");
    assert_eq!(failed["sites"][0]["status"], "waived");
    assert_eq!(
        failed["sites"][0]["waiver"],
        "needs 127 s of backoff\nbefore it fails | really"
    );
    assert_eq!(
        event(&report, "waivers::EventType", "BackoffExhausted")["sites"][0]["waiver"],
        "only after an hour"
    );
    assert!(
        run.stdout
            .contains("waived: needs 127 s of backoff before it fails | really"),
        "{}",
        run.stdout
    );
    assert!(
        report["summary"].as_str().unwrap().ends_with("· 2 waived"),
        "{report:#}"
    );
    let markdown = run_in(&cases(), &["report", "--format", "markdown"], &[]).stdout;
    for row in markdown.lines().filter(|l| l.starts_with("| `")) {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "a reason never breaks a row: {row}");
    }

    let run = run_in(
        &cases(),
        &["coverage", "-p", "waivers"],
        &[("WAIVERS_RUN_WAIVED", "1")],
    );
    assert_eq!(run.code, 1, "a stale waiver fails the run: {run:?}");
    let report = report_in(&cases());
    let failed = event(&report, "waivers::EventType", "AcceptFailed");
    assert_eq!(failed["sites"][0]["status"], "stale_waiver");
    assert_eq!(report["totals"]["stale_waivers"], 1);
    assert!(run.stdout.contains("STALE WAIVER"), "{}", run.stdout);
}

#[test]
fn runs_that_share_a_target_directory_do_not_mix() {
    let _turn = turn();
    // Two workspaces, one target directory, at the same time. The shop is a
    // copy of its own, so that no other test reads its report meanwhile.
    let shop_copy = support::copy_of_shop("shop-concurrent");
    let billing = support::command(&cases(), &["coverage", "-p", "billing"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let shop = support::command(&shop_copy, &["coverage"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let billing = billing.wait_with_output().unwrap();
    let shop = shop.wait_with_output().unwrap();
    let billing = String::from_utf8_lossy(&billing.stdout);
    let shop = String::from_utf8_lossy(&shop.stdout);
    assert!(
        billing.contains("eventwire coverage: 1/4 event types wired · 1/4 exercised by tests\n"),
        "{billing}"
    );
    assert!(!billing.contains("shop::EventType"), "{billing}");
    assert!(
        shop.contains(
            "eventwire coverage: 4/5 event types wired · 2/5 exercised by tests · 1 exempt\n"
        ),
        "{shop}"
    );
    assert!(!shop.contains("billing"), "{shop}");
    assert_eq!(events(&report_in(&shop_copy), "shop::EventType").len(), 5);
    assert_eq!(events(&report_in(&cases()), "billing::EventType").len(), 3);
}

#[test]
fn a_test_build_with_the_feature_records_nothing_unless_a_run_asks() {
    let _turn = turn();
    let target = support::fixtures_target().join("eventwire");
    let before = listing(&target);
    let output =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["test", "-q", "-p", "billing"])
            .current_dir(cases())
            .env("CARGO_TARGET_DIR", support::fixtures_target())
            .env_remove("EVENTWIRE_COVERAGE_DIR")
            .output()
            .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(listing(&target), before, "the tests wrote no hits file");
}

/// Every hits file under `dir`, but those of runs in progress (other tests'
/// coverage runs record under `runs/`).
fn listing(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "runs") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A site on `err | cancel` whose tests only made the function fail is
/// not exercised: its `cancel` never came. An `exit` site is, on either
/// return.
#[test]
fn a_site_on_two_phases_is_exercised_only_when_both_came() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "phases"]);
    assert_eq!(run.code, 1, "a phase never came: {run:?}");
    let errored = event(&report, "phases::EventType", "ToolErrored");
    assert_eq!(errored["status"], "partly_exercised", "{errored:#}");
    let site = &errored["sites"][0];
    assert_eq!(site["status"], "partly_ran", "{site:#}");
    assert_eq!(site["never_ran_on"], serde_json::json!(["cancel"]));
    assert!(site["hits"].as_u64().unwrap() >= 1);
    for exercised in ["ToolInvoked", "ToolRetried"] {
        let event = event(&report, "phases::EventType", exercised);
        assert_eq!(event["status"], "exercised", "{event:#}");
    }
    assert!(
        run.stdout.contains("NEVER ON cancel"),
        "the table says which phase never came: {}",
        run.stdout
    );
}

/// A dev-dependency that depends back on the crate links a second copy of
/// it into the unit tests: its sites are the same sites, not a second,
/// never-run `#1` each.
#[test]
fn a_crate_linked_twice_into_its_tests_has_each_site_once() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "cycle"]);
    assert_eq!(run.code, 0, "{run:?}");
    let placed = event(&report, "cycle::EventType", "OrderPlaced");
    assert_eq!(placed["status"], "exercised", "{placed:#}");
    // Each copy counts its own runs; the count is a lower bound.
    assert_eq!(
        site_rows(placed),
        [("Orders::place".to_owned(), 0, 1)],
        "{placed:#}"
    );
}

/// A site no test process registered, in a binary that names the enum
/// through a re-export or a module alias, is the enum's site all the same:
/// "registered by no test process", never NO SITE.
#[test]
fn an_enum_named_through_a_re_export_keeps_its_unregistered_sites() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "reexport"]);
    assert_eq!(run.code, 1, "sites no test process registered: {run:?}");
    for (variant, file) in [
        ("ServiceStarted", "server"),
        ("ServiceStopped", "server"),
        // Named through `use .. as Ev` and `type Events = ..`.
        ("ServiceReloaded", "ops"),
        ("ServiceDrained", "ops"),
    ] {
        let found = event(&report, "reexport::events::EventType", variant);
        assert_eq!(found["status"], "wired_not_exercised", "{found:#}");
        let sites = found["sites"].as_array().unwrap();
        assert_eq!(sites.len(), 1, "{found:#}");
        assert_eq!(sites[0]["registered"], false, "{found:#}");
        assert_eq!(
            sites[0]["file"],
            format!("reexport/src/bin/{file}.rs"),
            "{found:#}"
        );
    }
    assert_eq!(
        event(&report, "reexport::events::EventType", "Pinged")["status"],
        "exercised"
    );
    assert_eq!(report["totals"]["unregistered_sites"], 4, "{report:#}");
    assert_eq!(
        report["unlinked"].as_array().unwrap().len(),
        4,
        "{report:#}"
    );
    // `--allow-unexercised` lets sites that never ran pass, not sites no
    // test process registered.
    let (run, _) = coverage(&["--allow-unexercised", "-p", "reexport"]);
    assert_eq!(run.code, 1, "unregistered sites still fail: {run:?}");
}

/// The build's profile decides `debug_assertions`: under `-r` or
/// `--profile release`, the site behind `cfg(debug_assertions)` is not
/// compiled (not required) and the one behind `cfg(not(..))` is, and ran.
#[test]
fn the_profile_given_decides_which_sites_are_compiled() {
    let _turn = turn();
    for profile in [&["-r"][..], &["--profile", "release"][..], &[][..]] {
        let mut args = vec!["-p", "profiles"];
        args.extend_from_slice(profile);
        let (run, report) = coverage(&args);
        assert_eq!(run.code, 0, "{profile:?}: {run:?}");
        let checked = event(&report, "profiles::EventType", "Checked");
        assert_eq!(checked["status"], "exercised", "{checked:#}");
        let sites = checked["sites"].as_array().unwrap();
        assert_eq!(sites.len(), 1, "{profile:?}: {checked:#}");
        assert_eq!(report["totals"]["unregistered_sites"], 0, "{report:#}");
        let skipped = report["skipped"].to_string();
        assert!(
            skipped.contains("debug_assertions"),
            "{profile:?}: the other module is listed as not compiled: {skipped}"
        );
    }
}

/// A package whose own targets are never tested (`test = false`), tested
/// through another's tests, is in the run: its event without a site is
/// NO SITE and fails the run (it once fell out of scope: "0/0", exit 0).
#[test]
fn a_package_tested_only_through_another_is_checked() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "linked_tests"]);
    assert_eq!(run.code, 1, "{run:?}");
    let linked = event(&report, "linked_only::EventType", "Linked");
    assert_eq!(linked["status"], "exercised", "{linked:#}");
    let forgotten = event(&report, "linked_only::EventType", "Forgotten");
    assert_eq!(forgotten["status"], "no_site", "{forgotten:#}");
    // The member that joined the run is no difference in what was asked:
    // the catalog of the same packages reads that run.
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let catalog = run_in(
        &cases(),
        &[
            "catalog",
            "--no-run",
            "-p",
            "linked_tests",
            "--out",
            out_dir,
        ],
        &[],
    );
    assert_eq!(catalog.code, 0, "{catalog:?}");
}

/// Edition 2024 merges documentation examples into one crate, and rustdoc
/// sets no variable for its build: a site an example writes is still test
/// code (its event has no site), and a library site an example runs ran.
#[test]
fn a_site_written_in_a_merged_doctest_is_test_code() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "doc_only"]);
    assert_eq!(run.code, 1, "an event without a site: {run:?}");
    assert!(
        run.stderr.contains("Doc-tests doc_only"),
        "the doctest ran: {run:?}"
    );
    let only = event(&report, "doc_only::EventType", "OnlyInDocs");
    assert_eq!(only["status"], "no_site", "{only:#}");
    assert_eq!(only["test_sites"].as_array().unwrap().len(), 1, "{only:#}");
    let documented = event(&report, "doc_only::EventType", "Documented");
    assert_eq!(documented["status"], "exercised", "{documented:#}");
}

/// The note that an event's sites all sit in one function names one
/// function, by its path: two `Handler::get` of two modules are two.
#[test]
fn one_function_is_one_path_not_one_short_name() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "samename"]);
    assert_eq!(run.code, 0, "{run:?}");
    let read = event(&report, "samename::EventType", "KeyRead");
    assert_eq!(read["sites"].as_array().unwrap().len(), 2, "{read:#}");
    assert_eq!(read["duplicated_in"], serde_json::Value::Null, "{read:#}");
    assert!(
        !run.stdout.contains("every site of KeyRead"),
        "{}",
        run.stdout
    );
    let set = event(&report, "samename::EventType", "KeySet");
    assert_eq!(set["duplicated_in"], "Store::set", "{set:#}");
    // A site no test process registered that says why it needs no test is
    // waived, and fails nothing.
    let dumped = event(&report, "samename::EventType", "KeysDumped");
    assert_eq!(dumped["status"], "waived", "{dumped:#}");
    assert_eq!(dumped["sites"][0]["registered"], false, "{dumped:#}");
    assert_eq!(dumped["sites"][0]["status"], "waived", "{dumped:#}");
    assert_eq!(report["totals"]["unregistered_sites"], 0, "{report:#}");
    assert_eq!(report["unlinked"], serde_json::json!([]), "{report:#}");
    assert!(
        run.stdout
            .contains("registered by no test process; waived: an operator's tool, run by hand"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("note: every site of KeySet is in Store::set"),
        "{}",
        run.stdout
    );
}

/// A site's enum is the one its `use` brings in: the binary's waived
/// `emit!(Stopped)`, under `use lifecycle::EventType;`, is a site of
/// `lifecycle::EventType`, not of the package's own enum with a variant of
/// that name, whose `Stopped` has no site and fails the run.
#[test]
fn a_site_of_an_imported_enum_is_not_credited_to_the_packages_own() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "importer"]);
    assert_eq!(run.code, 1, "an event with no site: {run:?}");
    let own = event(&report, "importer::EventType", "Stopped");
    assert_eq!(own["status"], "no_site", "{own:#}");
    assert!(own["sites"].as_array().unwrap().is_empty(), "{own:#}");
    assert_eq!(
        event(&report, "importer::EventType", "Opened")["status"],
        "exercised"
    );
}

/// A field written once in a `macro_rules!` that makes several functions
/// has the types its own function captured: `count`'s `input` is an
/// integer, `label`'s (never captured) is unknown, not `count`'s type.
#[test]
fn fields_of_functions_one_macro_makes_keep_their_own_types() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "typed_fields"]);
    assert_eq!(run.code, 0, "{run:?}");
    let handler = event(&report, "typed_fields::EventType", "HandlerRan");
    let types: Vec<(String, serde_json::Value)> = handler["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["function"].as_str().unwrap().to_owned(),
                s["fields"][0]["types"].clone(),
            )
        })
        .collect();
    assert_eq!(types.len(), 2, "{handler:#}");
    let of = |f: &str| {
        types
            .iter()
            .find(|(function, _)| function == f)
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(of("Router::count"), of("Router::label"), "{handler:#}");
    assert!(
        of("Router::count").to_string().contains("integer"),
        "{handler:#}"
    );
    assert!(
        !of("Router::label").to_string().contains("integer"),
        "{handler:#}"
    );
}

/// A variant only one build compiles (`#[cfg(test)]`, in the unit tests of
/// the enum's crate) numbers the variants after it otherwise there than in
/// every other build: each site stays with its own event, and the event
/// with no site anywhere is NO SITE, whichever build's hits are read first.
#[test]
fn a_variant_only_the_test_build_has_moves_no_site_onto_another_event() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "cfg_variant_events", "-p", "cfg_variant_shop"]);
    assert_eq!(run.code, 1, "Paid has no site: {run:?}");
    let name = "cfg_variant_events::EventType";
    assert_eq!(
        event(&report, name, "Paid")["status"],
        "no_site",
        "{report:#}"
    );
    let shipped = event(&report, name, "Shipped");
    let mut functions: Vec<&str> = shipped["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["function"].as_str().unwrap())
        .collect();
    functions.sort_unstable();
    assert_eq!(
        functions,
        ["Shop::ship", "cfg_variant_events::resend"],
        "{shipped:#}"
    );
    assert_eq!(event(&report, name, "Started")["status"], "exercised");
    // The variant only the test build has is test code, not required; the
    // one only production builds have is required.
    let probe = event(&report, name, "Probe");
    assert!(
        probe["status"].as_str().unwrap().contains("exempt"),
        "{probe:#}"
    );
    assert_eq!(
        event(&report, name, "Refunded")["status"],
        "no_site",
        "{report:#}"
    );
    assert_eq!(
        event(&report, name, "Voided")["status"],
        "no_site",
        "an exemption only the test build has is not production's: {report:#}"
    );
}

/// A binary Cargo builds only with a feature (`required-features`) is not
/// in a build without it: its site does not wire its event (even waived),
/// and is listed as not compiled.
#[test]
fn a_site_in_a_binary_the_build_leaves_out_wires_nothing() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "gated_bin"]);
    assert_eq!(run.code, 1, "Audited has no site in this build: {run:?}");
    let audited = event(&report, "gated_bin::EventType", "Audited");
    assert_eq!(audited["status"], "no_site", "{audited:#}");
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("required-features = [\\\"ops\\\"]` of the target `ops`"),
        "{skipped}"
    );
    assert!(
        !run.stdout.contains("OpsEvent"),
        "an enum the left-out binary declares is not in the build: {}",
        run.stdout
    );
}

/// `emit!` and `#[emits]` written under other names (a `use .. as`, a
/// renamed dependency) are production sites like any: ones no test runs
/// fail the run, never left out of the report.
#[test]
fn sites_written_under_other_names_are_in_the_report() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "renamed"]);
    assert_eq!(run.code, 1, "the binary's sites never ran: {run:?}");
    let tool = "renamed/src/bin/tool.rs";
    let lib = "renamed/src/lib.rs";
    for (variant, expected) in [
        ("Placed", vec![(tool, 16), (lib, 16)]),
        ("Paid", vec![(tool, 11), (tool, 17), (lib, 20)]),
    ] {
        let found = event(&report, "renamed::EventType", variant);
        assert_eq!(found["status"], "partly_exercised", "{found:#}");
        let mut seen: Vec<(&str, u64)> = found["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["file"].as_str().unwrap(), s["line"].as_u64().unwrap()))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, expected, "{found:#}");
    }
}

/// A variant only production compiles (`#[cfg(not(test))]`) is in the
/// report when only unit tests ran (whose build lacks it), and required;
/// the `#[cfg(test)]` one is test code.
#[test]
fn a_variant_no_build_of_the_run_has_is_still_required() {
    let _turn = turn();
    let (run, report) = coverage(&["-p", "unit_only"]);
    assert_eq!(run.code, 1, "Shutdown has no site: {run:?}");
    let name = "unit_only::EventType";
    assert_eq!(
        event(&report, name, "Shutdown")["status"],
        "no_site",
        "{report:#}"
    );
    assert_eq!(event(&report, name, "Started")["status"], "exercised");
    let probe = event(&report, name, "Probe");
    assert!(
        probe["status"].as_str().unwrap().contains("exempt"),
        "{probe:#}"
    );
}
