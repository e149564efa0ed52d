//! `cargo eventwire coverage` and `cargo eventwire report`.

use crate::binaries::{build, cargo, list_tests, Failure};
use crate::catalog::{self, evolution, Catalog, Mode, Transport};
use crate::cli::{CatalogArgs, CoverageArgs, Format, ReportArgs};
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

/// What a coverage run ended with.
enum Ran {
    /// The report, and the tests' exit code if they failed.
    Report {
        ws: Workspace,
        report: Box<Report>,
        tests_failed: Option<u8>,
    },
    /// Nothing to report: exit with this code.
    Exit(u8),
}

/// Runs `coverage`; returns the exit code.
///
/// # Errors
///
/// Cargo could not be run or understood.
pub fn coverage(args: &CoverageArgs) -> Result<u8, String> {
    match run_tests(args)? {
        Ran::Exit(code) => Ok(code),
        Ran::Report {
            tests_failed: Some(code),
            ..
        } => Ok(code),
        Ran::Report { report, .. } => Ok(u8::from(report.fails(args.allow_unexercised))),
    }
}

/// Runs the tests with site recording on; writes and prints the report.
fn run_tests(args: &CoverageArgs) -> Result<Ran, String> {
    let ws = Workspace::load(args.manifest().as_deref())?;
    if let Some(why) = args.unsupported() {
        return Err(why);
    }
    // Asked before anything is built or removed: a missing runner is not a
    // failure of the tests.
    if args.nextest
        && !cargo()
            .args(["nextest", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    {
        return Err("`--nextest` runs the tests with cargo-nextest, which is not installed: install it (`cargo install cargo-nextest`), or leave out `--nextest` to run `cargo test`".to_owned());
    }
    let cargo_args = args.cargo_args();
    // The last report speaks for the code it was made of: a run that ends
    // without one (a build that fails) leaves none behind, so that
    // `report` and `catalog --no-run` never read the previous code's.
    for name in ["coverage.json", "coverage.md"] {
        let _ = std::fs::remove_file(ws.report_dir().join(name));
    }
    let run = RunDir::create(&ws.target)?;
    // Both runners test what `cargo test` builds for these arguments.
    let built = match build(&ws, &args.build_args()) {
        Ok(built) => built,
        Err(Failure::Build(code)) => {
            eprintln!("cargo eventwire: building the tests failed (cargo exited with {code}); nothing was run");
            return Ok(Ran::Exit(u8::try_from(code).unwrap_or(101)));
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
            return Ok(Ran::Exit(exit_code(status)));
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
    let mut scope: BTreeSet<String> = binaries
        .iter()
        .filter_map(|b| ws.member(&b.package_id).map(|m| m.name.clone()))
        .collect();
    // A member that no target of its own tests (`test = false` on each) is
    // tested only through others: when this run's test processes linked its
    // sites or its enums, it is this run's too (else a workspace whose
    // tests live in a package of their own would check nothing, and pass).
    let excluded = args.excluded();
    for member in &ws.members {
        if scope.contains(&member.name)
            || excluded.contains(&member.name)
            || member.targets.iter().any(|t| t.tested)
        {
            continue;
        }
        let krate = member
            .targets
            .iter()
            .find(|t| t.kind == crate::workspace::Kind::Lib)
            .map(|t| t.name.replace('-', "_"));
        let linked = merged.sites.values().any(|s| s.package == member.name)
            || krate.is_some_and(|krate| {
                merged
                    .enums
                    .iter()
                    .any(|e| e.name.split("::").next() == Some(krate.as_str()))
            });
        if linked {
            scope.insert(member.name.clone());
        }
    }
    let mut facts: BTreeMap<String, MemberFacts> = BTreeMap::new();
    for (name, features) in &built.features {
        facts.entry(name.clone()).or_default().features = features.clone();
    }
    for (name, cfgs) in &built.script_cfgs {
        facts.entry(name.clone()).or_default().script_cfgs = cfgs.clone();
    }
    for (name, targets) in &built.targets {
        facts.entry(name.clone()).or_default().built = Some(targets.clone());
    }
    let build_cfg = sources::build_cfg(
        &ws,
        scope.iter().next().map(String::as_str),
        &args.build_args(),
    );
    let sources = sources::read(&ws, &facts, &build_cfg);
    let mut report = Report::build(&Inputs {
        workspace: &ws,
        scope: &scope,
        merged: &merged,
        sources: &sources,
        binaries: &binaries,
    });
    report.tests_failed = !status.success();
    let out_dir = ws.report_dir();
    write_outputs(&out_dir, &report)?;
    print!("{}", table(&report, colour()));
    println!(
        "\nwrote {} and {}",
        out_dir.join("coverage.json").display(),
        out_dir.join("coverage.md").display()
    );
    Ok(Ran::Report {
        ws,
        report: Box::new(report),
        tests_failed: (!status.success()).then(|| exit_code(status)),
    })
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

/// Writes a file whole: a temporary file renamed over the old one, so
/// that a reader never sees half of it.
fn write_whole(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.{}", std::process::id()));
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!("could not write {}: {e}", path.display())
        })
}

fn write_outputs(out_dir: &Path, report: &Report) -> Result<(), String> {
    write_whole(out_dir, "coverage.json", &json(report))?;
    write_whole(out_dir, "coverage.md", &markdown(report))
}

/// `a, b` with each name in backquotes, or "no package".
fn list_or_none(names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        return "no package".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last coverage run's report of `ws`.
fn last_report(ws: &Workspace) -> Result<Report, String> {
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
    Ok(report)
}

/// Runs `catalog`; returns the exit code.
///
/// # Errors
///
/// Cargo could not be run, a report or the committed catalog cannot be
/// read, or the catalog cannot be written.
pub fn catalog(args: &CatalogArgs) -> Result<u8, String> {
    let transport = transport(args)?;
    // The committed catalog is read first: `--out` may name the same place.
    let committed = match &args.check {
        Some(path) => Some((path, catalog::read(path)?)),
        None => None,
    };
    let (ws, report) = if args.no_run {
        let ws = Workspace::load(args.tests.manifest().as_deref())?;
        let report = last_report(&ws)?;
        if report.tests_failed {
            return Err("the last coverage run's tests failed, so its field types may be incomplete: run `cargo eventwire coverage` (or `catalog` without --no-run) again once they pass".to_owned());
        }
        // The last run may have tested other packages (another directory,
        // another `-p`): a catalog of those would be a false one.
        let named: BTreeSet<String> = args.tests.packages().into_iter().collect();
        let covered: BTreeSet<String> = report.scope.packages.iter().cloned().collect();
        // Members tested only through others join a run's scope by
        // themselves: not a difference in what was asked.
        let joined = |name: &String| {
            ws.members
                .iter()
                .any(|m| &m.name == name && !m.targets.iter().any(|t| t.tested))
        };
        let asked_for = |covered: &BTreeSet<String>| {
            named.is_subset(covered) && covered.difference(&named).all(joined)
        };
        if !named.is_empty() && !asked_for(&covered) {
            return Err(format!(
                "the last coverage run tested {}, not {}: run `catalog` without --no-run, or `cargo eventwire coverage` with the same packages first",
                list_or_none(&covered),
                list_or_none(&named)
            ));
        }
        eprintln!(
            "cargo eventwire: the catalog of the last coverage run, which tested {}",
            list_or_none(&covered)
        );
        (ws, report)
    } else {
        match run_tests(&args.tests)? {
            Ran::Exit(code) => return Ok(code),
            Ran::Report {
                tests_failed: Some(code),
                ..
            } => {
                eprintln!("cargo eventwire: the tests failed, so no catalog was written: a failed run's field types may be incomplete");
                return Ok(code);
            }
            Ran::Report { ws, report, .. } => (ws, *report),
        }
    };
    let packages = &report.scope.packages;
    let title = args.title.clone().unwrap_or_else(|| {
        if packages.is_empty() {
            "Events".to_owned()
        } else {
            format!("{} events", packages.join(", "))
        }
    });
    let version = packages
        .first()
        .and_then(|name| ws.members.iter().find(|m| m.name == *name))
        .map_or_else(|| "0.0.0".to_owned(), |m| m.version.clone());
    let catalog = Catalog::of(&report, title, version, transport);
    let out = match (&args.out, &args.check) {
        (Some(out), _) => Some(out.clone()),
        (None, None) => Some(ws.report_dir().join("catalog")),
        (None, Some(_)) => None,
    };
    if let Some(out) = &out {
        write_catalog(out, &catalog)?;
        println!(
            "wrote the catalog of {} events to {}",
            catalog.events.len(),
            out.display()
        );
    }
    let Some((committed, old)) = committed else {
        return Ok(0);
    };
    let changes = evolution::compare(&old, &catalog);
    for change in &changes {
        println!("{change}");
    }
    let breaking = changes
        .iter()
        .filter(|c| c.impact == evolution::Impact::Breaking)
        .count();
    if breaking > 0 {
        println!(
            "\ncargo eventwire: {breaking} breaking change{} for consumers of {}",
            if breaking == 1 { "" } else { "s" },
            committed.display()
        );
        return Ok(1);
    }
    println!(
        "\ncargo eventwire: no breaking change from {} ({} change{} in all)",
        committed.display(),
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// The transport the options describe. Prefixes are NATS subject tokens
/// and CloudEvents types, written as they are in headers: letters, digits,
/// `.`, `-` and `_` only.
fn transport(args: &CatalogArgs) -> Result<Transport, String> {
    let plain = |value: &str| {
        value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    let prefix = args.prefix.trim_end_matches('.');
    if prefix.is_empty() || !plain(prefix) || prefix.starts_with('.') || prefix.contains("..") {
        return Err(format!(
            "--prefix `{}` is not a NATS subject prefix: use dot-separated words of letters, digits, `-` and `_`, as in `events` or `acme.prod`",
            args.prefix
        ));
    }
    let type_prefix = args.type_prefix.trim_end_matches('.');
    if !plain(type_prefix) || type_prefix.starts_with('.') || type_prefix.contains("..") {
        return Err(format!(
            "--type-prefix `{}` is not a CloudEvents type prefix this catalog can describe: use dot-separated words of letters, digits, `-` and `_`, as in `com.example`",
            args.type_prefix
        ));
    }
    Ok(Transport {
        prefix: prefix.to_owned(),
        mode: if args.binary {
            Mode::Binary
        } else {
            Mode::Structured
        },
        type_prefix: if type_prefix.is_empty() {
            String::new()
        } else {
            format!("{type_prefix}.")
        },
    })
}

/// Writes `catalog.json`, `asyncapi.json`, `catalog.md` and one schema per
/// event; the schemas the previous catalog in `out` wrote for events no
/// longer in it are removed (never another file of that directory).
fn write_catalog(out: &Path, catalog: &Catalog) -> Result<(), String> {
    let pretty = |value: &serde_json::Value| {
        let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
        text.push('\n');
        text
    };
    let schemas = out.join("schemas");
    // What the previous catalog written here wrote, read before it is
    // replaced: only those schemas are this tool's to remove.
    let previous: Vec<String> = std::fs::read_to_string(out.join("catalog.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Catalog>(&text).ok())
        .map(|previous| {
            previous
                .events
                .iter()
                .map(|event| catalog::schema::file_name(&previous, event))
                .collect()
        })
        .unwrap_or_default();
    let mut written = BTreeSet::new();
    for event in &catalog.events {
        let name = catalog::schema::file_name(catalog, event);
        write_whole(
            &schemas,
            &name,
            &pretty(&catalog::schema::standalone(event)),
        )?;
        written.insert(name);
    }
    for name in previous.iter().filter(|name| !written.contains(*name)) {
        let _ = std::fs::remove_file(schemas.join(name));
    }
    let model = serde_json::to_value(catalog).map_err(|e| e.to_string())?;
    write_whole(out, "catalog.json", &pretty(&model))?;
    write_whole(
        out,
        "asyncapi.json",
        &pretty(&catalog::asyncapi::document(catalog)),
    )?;
    write_whole(out, "catalog.md", &catalog::markdown::render(catalog))
}

/// Runs `report`; returns the exit code.
///
/// # Errors
///
/// No report of this workspace was written yet, or it cannot be read.
pub fn report(args: &ReportArgs) -> Result<u8, String> {
    let ws = Workspace::load(args.manifest_path.as_deref())?;
    let report = last_report(&ws)?;
    match args.format {
        Format::Json => println!("{}", json(&report)),
        Format::Markdown => print!("{}", markdown(&report)),
        Format::Table => print!("{}", table(&report, colour())),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{parse, Command};

    fn args(line: &str) -> CatalogArgs {
        let args = ["x", "eventwire", "catalog"]
            .into_iter()
            .map(str::to_owned)
            .chain(line.split_whitespace().map(str::to_owned));
        match parse(args).unwrap().command {
            Command::Catalog(args) => args,
            _ => panic!("not catalog"),
        }
    }

    /// Writing a catalog removes the schemas of events it no longer has,
    /// which the catalog written there before listed, and never another
    /// file of the directory.
    #[test]
    fn a_catalog_removes_only_the_schemas_it_wrote() {
        use crate::catalog::tests::{event_of, site};
        let out = tempfile::tempdir().unwrap();
        let catalog = |names: &[&str]| Catalog {
            format: crate::catalog::FORMAT,
            title: "shop events".to_owned(),
            version: "1.0.0".to_owned(),
            transport: Transport::default(),
            events: names
                .iter()
                .map(|name| event_of(name, vec![site("Shop::buy", &["ok"], vec![])]))
                .collect(),
        };
        let schemas = out.path().join("schemas");
        std::fs::create_dir_all(&schemas).unwrap();
        std::fs::write(schemas.join("user-config.schema.json"), "{}").unwrap();
        write_catalog(out.path(), &catalog(&["order.placed", "order.paid"])).unwrap();
        let listed = || {
            let mut names: Vec<String> = std::fs::read_dir(&schemas)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(listed().len(), 3, "{:?}", listed());
        write_catalog(out.path(), &catalog(&["order.placed"])).unwrap();
        let left = listed();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(
            left.contains(&"user-config.schema.json".to_owned()),
            "{left:?}"
        );
        assert!(!left.iter().any(|n| n.contains("paid")), "{left:?}");
    }

    #[test]
    fn prefixes_are_subject_tokens_and_types_as_sent() {
        let t = transport(&args("--prefix acme.prod --type-prefix com.example.")).unwrap();
        assert_eq!(
            (t.prefix.as_str(), t.type_prefix.as_str()),
            ("acme.prod", "com.example.")
        );
        assert_eq!(transport(&args("")).unwrap(), Transport::default());
        for bad in [
            "--prefix events.>",
            "--prefix a..b",
            "--prefix .a",
            "--type-prefix cöm",
            "--type-prefix a/b",
        ] {
            let error = transport(&args(bad)).unwrap_err();
            assert!(error.contains("dot-separated words"), "{bad}: {error}");
        }
    }
}
