//! The story, reproduced: the agent-services example as the original pull
//! request left it — three events without a site, and without the tests the
//! reviewers later asked for — and `cargo eventwire coverage` naming exactly
//! the 3 unwired and the 8 untested events that three reviewers counted by hand.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use support::{fixtures_target, report_in, run_in, workspace};

/// The workspace's examples share one target directory, so one last
/// coverage report: the tests that run `coverage` there and read that
/// report take turns.
fn workspace_report() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool, edit: &dyn Fn(&str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target, keep, edit);
        } else if keep(&path) {
            std::fs::write(&target, edit(&std::fs::read_to_string(&path).unwrap())).unwrap();
        }
    }
}

/// A standalone copy of the example. As merged (`original == false`): the
/// lines marked `story: unwired` (the three sites the change claimed but
/// never wrote) are gone, and so are the static coverage test and the
/// review's follow-up tests.
fn copy_of_example(root: &Path, original: bool) -> PathBuf {
    copy_named(
        root,
        original,
        if original {
            "agent-services"
        } else {
            "agent-services-as-merged"
        },
    )
}

/// [`copy_of_example`] under the package name `package`, with the
/// committed catalog that the tests check their events against.
fn copy_named(root: &Path, original: bool, package: &str) -> PathBuf {
    let example = workspace().join("examples/agent-services");
    let fixture = root.join(package);
    let _ = std::fs::remove_dir_all(&fixture);
    let unwire = |text: &str| {
        text.lines()
            .filter(|line| original || !line.contains("// story: unwired"))
            .map(|line| format!("{line}\n"))
            .collect::<String>()
    };
    copy_dir(
        &example.join("src"),
        &fixture.join("src"),
        &|_| true,
        &unwire,
    );
    copy_dir(
        &example.join("tests"),
        &fixture.join("tests"),
        &|path| {
            (original && !path.ends_with("nats_flag.rs"))
                || path.ends_with("services.rs")
                || path.ends_with("support/mod.rs")
        },
        &|text| text.to_owned(),
    );
    copy_dir(
        &example.join("catalog"),
        &fixture.join("catalog"),
        &|_| true,
        &|text| text.to_owned(),
    );
    let runtime = workspace().join("runtime");
    // Distinct package names: with one target directory, the same name
    // would share artifacts between the two copies.
    let manifest = format!(
        r#"[package]
name = "{package}"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
name = "agent_services"

[workspace]

[dependencies]
eventwire = {{ path = "{runtime}", features = ["tokio"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["rt", "time", "macros"] }}

[features]
nats = []
persistence = []

[dev-dependencies]
eventwire = {{ path = "{runtime}", features = ["tokio", "coverage"] }}
tokio = {{ version = "1", features = ["rt", "time", "macros", "test-util"] }}
jsonschema = {{ version = "0.61", default-features = false }}
"#,
        runtime = runtime.display(),
    );
    std::fs::write(fixture.join("Cargo.toml"), manifest).unwrap();
    fixture
}

/// Runs `cargo eventwire coverage` on a copy of the example; its exit code,
/// output and JSON report.
fn coverage_of(original: bool) -> (Option<i32>, String, serde_json::Value) {
    let root = fixtures_target().join("story");
    let fixture = copy_of_example(&root, original);
    let manifest = fixture.join("Cargo.toml");
    let run = run_in(
        &workspace(),
        &["coverage", "--manifest-path", manifest.to_str().unwrap()],
        &[],
    );
    let report = report_in(&fixture);
    (
        Some(run.code),
        format!("{}\n{}", run.stdout, run.stderr),
        report,
    )
}

#[test]
fn the_example_is_38_of_38_and_as_merged_it_shows_exactly_the_3_and_the_8() {
    let (code, stdout, report) = coverage_of(true);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(
        report["summary"],
        "38/38 event types wired · 38/38 exercised by tests"
    );

    let (code, stdout, report) = coverage_of(false);
    assert_eq!(code, Some(1), "{stdout}");
    let with_status = |status: &str| -> Vec<String> {
        report["enums"][0]["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == status)
            .map(|e| e["variant"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        with_status("no_site"),
        ["PlanApplied", "PlanCancelled", "SessionCreated"]
    );
    assert_eq!(
        with_status("wired_not_exercised"),
        [
            "ActorErrored",
            "ActorEscalated",
            "ToolRetried",
            "ResourceAccessed",
            "ResourceIndexed",
            "SandboxRolledBack",
            "ContextBuilt",
            "ContextQueryExecuted",
        ]
    );
    assert_eq!(
        report["summary"],
        "35/38 event types wired · 27/38 exercised by tests"
    );
    assert!(
        stdout.contains("35/38 event types wired · 27/38 exercised by tests"),
        "{stdout}"
    );
}

/// The example itself, covered the two ways a user would run it.
#[test]
fn the_example_is_38_of_38_from_its_directory_and_from_the_root() {
    let _turn = workspace_report();
    for (dir, args) in [
        (
            workspace().join("examples/agent-services"),
            vec!["coverage"],
        ),
        (workspace(), vec!["coverage", "-p", "agent-services"]),
    ] {
        let run = run_in(&dir, &args, &[]);
        assert_eq!(run.code, 0, "{args:?} in {}: {run:?}", dir.display());
        assert!(
            run.stdout.contains(
                "eventwire coverage: 38/38 event types wired · 38/38 exercised by tests\n"
            ),
            "{}",
            run.stdout
        );
        let report = report_in(&dir);
        assert_eq!(
            report["scope"]["packages"],
            serde_json::json!(["agent-services"])
        );
        assert_eq!(report["enums"].as_array().unwrap().len(), 1);
        // The committed catalog still describes the code: no breaking
        // change, read from this run's report (no second build).
        let committed = workspace().join("examples/agent-services/catalog");
        let run = run_in(
            &dir,
            &[
                "catalog",
                "--no-run",
                "--type-prefix",
                "com.example.agents",
                "--check",
                committed.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert!(!run.stdout.contains("BREAKING"), "{}", run.stdout);
        assert!(!run.stdout.contains("unchecked"), "{}", run.stdout);
        assert!(
            run.stderr.contains("which tested `agent-services`"),
            "says whose report it read: {}",
            run.stderr
        );
        // The last report is of agent-services: a catalog of another
        // package from it would be false, so it is refused.
        let other = run_in(
            &dir,
            &[
                "catalog",
                "--no-run",
                "--check",
                committed.to_str().unwrap(),
                "-p",
                "kv-server",
            ],
            &[],
        );
        assert_ne!(other.code, 0, "{other:?}");
        assert!(
            other
                .stderr
                .contains("tested `agent-services`, not `kv-server`"),
            "{}",
            other.stderr
        );
    }
}

/// The tokio example: every event wired and exercised, the CI gate a
/// service would put in its pipeline; no other package's test code in it.
#[test]
fn the_tokio_example_passes_the_gate() {
    let _turn = workspace_report();
    let dir = workspace().join("examples/kv-server");
    let run = run_in(&dir, &["coverage"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("eventwire coverage: 10/10 event types wired · 10/10 exercised by tests\n"),
        "{}",
        run.stdout
    );
    let report = report_in(&dir);
    for event in report["enums"][0]["events"].as_array().unwrap() {
        assert!(
            event["test_sites"].as_array().unwrap().is_empty(),
            "no test code of another package: {event}"
        );
    }
}

/// The evolution check on a copy of the example: its committed catalog
/// passes as it is; with a required field removed and another's type
/// changed, the check fails naming both.
#[test]
fn the_catalog_check_fails_naming_a_removed_field_and_a_changed_type() {
    let root = fixtures_target().join("story");
    let fixture = copy_named(&root, true, "agent-services-catalog");
    // The copy's own tests would catch the edits against the committed
    // schemas first; here the check is what is shown.
    std::fs::write(
        fixture.join("tests/support/mod.rs"),
        "pub type Checked = eventwire::Recorder<agent_services::EventType>;\n\
         pub fn recorder() -> Checked {\n    eventwire::Recorder::new()\n}\n",
    )
    .unwrap();
    std::fs::remove_file(fixture.join("tests/schemas.rs")).unwrap();
    let manifest = fixture.join("Cargo.toml");
    let committed = workspace().join("examples/agent-services/catalog");
    let check = |out: &Path, committed: &Path| {
        run_in(
            &workspace(),
            &[
                "catalog",
                "--manifest-path",
                manifest.to_str().unwrap(),
                "--type-prefix",
                "com.example.agents",
                "--out",
                out.to_str().unwrap(),
                "--check",
                committed.to_str().unwrap(),
            ],
            &[],
        )
    };
    let run = check(&root.join("catalog-before"), &committed);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("cargo eventwire: no breaking change from"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("BREAKING"), "{run:?}");

    let edit = |file: &str, from: &str, to: &str| {
        let path = fixture.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from} in {file}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "src/checkpoints.rs",
        "#[emits(SandboxCommitted, fields(sandbox = id))]",
        "#[emits(SandboxCommitted)]",
    );
    edit(
        "src/sessions.rs",
        "#[emits(SessionClosed, fields(session = id))]",
        "#[emits(SessionClosed, fields(session = %id))]",
    );
    // Written over the committed catalog itself (a copy of it): the check
    // still compares with what was committed.
    let in_place = root.join("catalog-in-place");
    let _ = std::fs::remove_dir_all(&in_place);
    copy_dir(&committed, &in_place, &|_| true, &|text| text.to_owned());
    let run = check(&in_place, &in_place);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("BREAKING: `sandbox.committed` (SandboxCommitted), field `sandbox`: a required field was removed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("BREAKING: `session.closed` (SessionClosed), field `session`: its type changed from integer to string"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("cargo eventwire: 2 breaking changes for consumers of"),
        "{}",
        run.stdout
    );
    // The catalog written beside says so too.
    let md = std::fs::read_to_string(in_place.join("catalog.md")).unwrap();
    assert!(
        md.contains("| [`sandbox.committed`](#sandboxcommitted) | `SandboxCommitted` | ok | — |"),
        "{md}"
    );
}
