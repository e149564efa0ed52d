//! `cargo eventwire coverage` and `cargo eventwire report`.

use crate::binaries::{build, cargo, list_tests, Failure};
use crate::cli::{CoverageArgs, Format, ReportArgs};
use crate::merge::read_dir;
use crate::render::{json, markdown, table, Colour};
use crate::report::{Inputs, Report};
use crate::sources::{self, MemberFacts};
use crate::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The hits directory of one run, inside the target directory and unique
/// to it (two runs sharing a target directory never read each other's
/// hits); removed when the run ends.
struct RunDir(PathBuf);

impl RunDir {
    fn create(target: &Path) -> Result<RunDir, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = target
            .join("eventwire")
            .join("runs")
            .join(format!("{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        Ok(RunDir(dir))
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `coverage`; returns the exit code.
///
/// # Errors
///
/// Cargo could not be run or understood.
pub fn coverage(args: &CoverageArgs) -> Result<u8, String> {
    let ws = Workspace::load(args.manifest().as_deref())?;
    let cargo_args = args.cargo_args();
    let run = RunDir::create(&ws.target)?;
    // Both runners test what `cargo test` builds for these arguments.
    let built = match build(&ws, &cargo_args) {
        Ok(built) => built,
        Err(Failure::Build(code)) => {
            eprintln!("cargo eventwire: building the tests failed (cargo exited with {code}); nothing was run");
            return Ok(u8::try_from(code).unwrap_or(101));
        }
        Err(Failure::Tool(message)) => return Err(message),
    };

    let mut command = cargo();
    if args.nextest {
        command.args(["nextest", "run"]);
    } else {
        command.arg("test");
    }
    command
        .args(&cargo_args)
        .env("EVENTWIRE_COVERAGE_DIR", &run.0);
    if !args.nextest {
        // A run started from inside nextest must not name its tests after
        // the outer one.
        for variable in [
            "NEXTEST",
            "NEXTEST_TEST_NAME",
            "NEXTEST_BINARY_ID",
            "NEXTEST_RUN_ID",
        ] {
            command.env_remove(variable);
        }
    }
    let status = command
        .status()
        .map_err(|e| format!("could not run the tests: {e}"))?;

    let merged =
        read_dir(&run.0).map_err(|e| format!("could not read {}: {e}", run.0.display()))?;
    if merged.processes == 0 && !built.recording {
        if !status.success() {
            eprintln!("cargo eventwire: the tests failed before any site was recorded");
            return Ok(exit_code(status));
        }
        return Err(
            "no test process recorded anything. Enable eventwire's `coverage` feature for tests:\n    [dev-dependencies]\n    eventwire = { version = \"..\", features = [\"coverage\"] }".to_owned(),
        );
    }

    let mut binaries = built.binaries;
    // Under `cargo test` a test runs on a thread named after it: to tell a
    // test from another thread, ask the binaries that ran a site for their
    // tests (only those with libtest's harness, which answers `--list`).
    for binary in binaries
        .iter_mut()
        .filter(|b| b.harness && b.tests.is_none())
    {
        if merged.executables.contains(&binary.executable) {
            binary.tests = list_tests(&binary.executable);
        }
    }
    let scope: BTreeSet<String> = binaries
        .iter()
        .filter_map(|b| ws.member(&b.package_id).map(|m| m.name.clone()))
        .collect();
    let mut facts: BTreeMap<String, MemberFacts> = BTreeMap::new();
    for (name, features) in &built.features {
        facts.entry(name.clone()).or_default().features = features.clone();
    }
    for (name, cfgs) in &built.script_cfgs {
        facts.entry(name.clone()).or_default().script_cfgs = cfgs.clone();
    }
    let build_cfg = sources::build_cfg(&ws, scope.iter().next().map(String::as_str), &cargo_args);
    let sources = sources::read(&ws, &facts, &build_cfg);
    let report = Report::build(&Inputs {
        workspace: &ws,
        scope: &scope,
        merged: &merged,
        sources: &sources,
        binaries: &binaries,
    });
    let out_dir = ws.report_dir();
    write_outputs(&out_dir, &report)?;
    print!("{}", table(&report, colour()));
    println!(
        "\nwrote {} and {}",
        out_dir.join("coverage.json").display(),
        out_dir.join("coverage.md").display()
    );
    if !status.success() {
        return Ok(exit_code(status));
    }
    Ok(u8::from(report.fails(args.allow_unexercised)))
}

/// The test run's own exit code (101 if it was killed by a signal).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(101)
}

fn colour() -> Colour {
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Colour::On
    } else {
        Colour::Off
    }
}

/// Writes each file whole: a temporary file renamed over the old one, so
/// that a reader never sees half of a report.
fn write_outputs(out_dir: &Path, report: &Report) -> Result<(), String> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| format!("could not create {}: {e}", out_dir.display()))?;
    let write = |name: &str, text: String| {
        let path = out_dir.join(name);
        let partial = out_dir.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| format!("could not write {}: {e}", path.display()))
    };
    write("coverage.json", json(report))?;
    write("coverage.md", markdown(report))
}

/// Runs `report`; returns the exit code.
///
/// # Errors
///
/// No report of this workspace was written yet, or it cannot be read.
pub fn report(args: &ReportArgs) -> Result<u8, String> {
    let ws = Workspace::load(args.manifest_path.as_deref())?;
    let path = ws.report_dir().join("coverage.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "could not read {} ({e}): run `cargo eventwire coverage` first",
            path.display()
        )
    })?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let root = ws.root.display().to_string();
    if !report.scope.workspace_root.is_empty() && report.scope.workspace_root != root {
        return Err(format!(
            "{} is the report of another workspace ({}); run `cargo eventwire coverage` here first",
            path.display(),
            report.scope.workspace_root
        ));
    }
    match args.format {
        Format::Json => println!("{}", json(&report)),
        Format::Markdown => print!("{}", markdown(&report)),
        Format::Table => print!("{}", table(&report, colour())),
    }
    Ok(0)
}
