//! The command line: `cargo eventwire coverage` and `cargo eventwire report`.

use crate::merge::read_dir;
use crate::render::{json, markdown, table, Colour};
use crate::report::Report;
use crate::scan::scan;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;

const HELP: &str = "\
cargo eventwire: which event sites your tests ran

USAGE:
    cargo eventwire coverage [--nextest] [--allow-unexercised] [--manifest-path PATH] [-- <test args>]
    cargo eventwire report [--format table|json|markdown] [--manifest-path PATH]

coverage   cleans target/eventwire/hits, runs `cargo test` (or `cargo nextest run`)
           with site recording on, merges what every test process wrote, prints
           the report and writes target/eventwire/coverage.json and coverage.md.
           Exits 1 when an event has no site, an exemption is stale, a site is in
           no test binary, or a site never ran (unless --allow-unexercised); with
           the tests' own exit code when tests fail.
report     prints the last run's report again.

Recording needs eventwire's `coverage` feature in the tested crates' tests:
    [dev-dependencies]
    eventwire = { version = \"..\", features = [\"coverage\"] }
";

/// Runs the command; returns the exit code.
///
/// # Errors
///
/// Bad arguments, or cargo could not be run or understood.
pub fn run(args: &[String]) -> Result<u8, String> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("--help", &[][..]),
    };
    match command {
        "coverage" => coverage(&CoverageArgs::parse(rest)?),
        "report" => report(&ReportArgs::parse(rest)?),
        "--help" | "-h" | "help" => {
            print!("{HELP}");
            Ok(0)
        }
        other => Err(format!("unknown command `{other}`\n\n{HELP}")),
    }
}

/// The arguments of `coverage`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CoverageArgs {
    /// Run the tests with `cargo nextest run`.
    pub nextest: bool,
    /// Report sites no test ran without failing.
    pub allow_unexercised: bool,
    /// The workspace's manifest.
    pub manifest_path: Option<PathBuf>,
    /// Passed on to the test runner.
    pub test_args: Vec<String>,
}

impl CoverageArgs {
    /// Parses the arguments after `coverage`.
    ///
    /// # Errors
    ///
    /// An unknown flag or a flag without its value.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut parsed = CoverageArgs::default();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--nextest" => parsed.nextest = true,
                "--allow-unexercised" => parsed.allow_unexercised = true,
                "--manifest-path" => {
                    parsed.manifest_path =
                        Some(iter.next().ok_or("--manifest-path needs a path")?.into());
                }
                "--" => {
                    parsed.test_args = iter.cloned().collect();
                    break;
                }
                other => {
                    return Err(format!(
                        "unknown option `{other}` (test runner options go after `--`)"
                    ))
                }
            }
        }
        Ok(parsed)
    }
}

/// The arguments of `report`.
#[derive(Debug, PartialEq, Eq)]
pub struct ReportArgs {
    /// `table`, `json` or `markdown`.
    pub format: String,
    /// The workspace's manifest.
    pub manifest_path: Option<PathBuf>,
}

impl ReportArgs {
    /// Parses the arguments after `report`.
    ///
    /// # Errors
    ///
    /// An unknown flag or format.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut parsed = ReportArgs {
            format: "table".to_owned(),
            manifest_path: None,
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--format" => {
                    let format = iter
                        .next()
                        .ok_or("--format needs table, json or markdown")?;
                    if !["table", "json", "markdown"].contains(&format.as_str()) {
                        return Err(format!(
                            "unknown format `{format}`: use table, json or markdown"
                        ));
                    }
                    parsed.format.clone_from(format);
                }
                "--manifest-path" => {
                    parsed.manifest_path =
                        Some(iter.next().ok_or("--manifest-path needs a path")?.into());
                }
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(parsed)
    }
}

/// What `cargo metadata` says of the workspace.
struct Workspace {
    root: PathBuf,
    target: PathBuf,
    /// Name and directory of each workspace member.
    members: Vec<(String, PathBuf)>,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn workspace(manifest: Option<&Path>) -> Result<Workspace, String> {
    let mut command = cargo();
    command.args(["metadata", "--format-version", "1", "--no-deps"]);
    if let Some(manifest) = manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    let output = command
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("could not read cargo metadata's output: {e}"))?;
    let path = |key: &str| {
        metadata[key]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| format!("cargo metadata gave no {key}"))
    };
    let member_ids: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|id| id.as_str()).collect())
        .unwrap_or_default();
    let members = metadata["packages"]
        .as_array()
        .map(|packages| {
            packages
                .iter()
                .filter(|p| p["id"].as_str().is_some_and(|id| member_ids.contains(&id)))
                .filter_map(|p| {
                    let name = p["name"].as_str()?.to_owned();
                    let dir = Path::new(p["manifest_path"].as_str()?)
                        .parent()?
                        .to_path_buf();
                    Some((name, dir))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Workspace {
        root: path("workspace_root")?,
        target: path("target_directory")?,
        members,
    })
}

/// The packages `-p`/`--package` select among the test arguments; all
/// members when none is named.
fn selected_dirs(workspace: &Workspace, test_args: &[String]) -> Vec<PathBuf> {
    let mut named = Vec::new();
    let mut iter = test_args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-p" || arg == "--package" {
            if let Some(name) = iter.next() {
                named.push(name.clone());
            }
        } else if let Some(name) = arg.strip_prefix("--package=") {
            named.push(name.to_owned());
        }
    }
    workspace
        .members
        .iter()
        .filter(|(name, _)| named.is_empty() || named.contains(name))
        .map(|(_, dir)| dir.clone())
        .collect()
}

fn coverage(args: &CoverageArgs) -> Result<u8, String> {
    let workspace = workspace(args.manifest_path.as_deref())?;
    let out_dir = workspace.target.join("eventwire");
    let hits = out_dir.join("hits");
    // Stale files from an earlier run would count as hits of this one.
    if hits.exists() {
        std::fs::remove_dir_all(&hits)
            .map_err(|e| format!("could not clean {}: {e}", hits.display()))?;
    }
    std::fs::create_dir_all(&hits)
        .map_err(|e| format!("could not create {}: {e}", hits.display()))?;

    let mut command = cargo();
    if args.nextest {
        command.args(["nextest", "run"]);
    } else {
        command.arg("test");
    }
    if let Some(manifest) = &args.manifest_path {
        command.arg("--manifest-path").arg(manifest);
    }
    // Options before `--` belong to cargo; a lone `--` separates the binaries' own.
    command.args(&args.test_args);
    command.env("EVENTWIRE_COVERAGE_DIR", &hits);
    let status = command
        .status()
        .map_err(|e| format!("could not run the tests: {e}"))?;

    let merged = read_dir(&hits).map_err(|e| format!("could not read {}: {e}", hits.display()))?;
    if merged.processes == 0 {
        if !status.success() {
            eprintln!("cargo eventwire: the tests failed before any site was recorded");
            return Ok(exit_code(status));
        }
        return Err(format!(
            "no test process recorded any site in {}.\nEnable eventwire's `coverage` feature for tests:\n    [dev-dependencies]\n    eventwire = {{ version = \"..\", features = [\"coverage\"] }}",
            hits.display()
        ));
    }
    let source = scan(&workspace.root, &selected_dirs(&workspace, &args.test_args));
    let report = Report::build(&merged, &source);
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

fn write_outputs(out_dir: &Path, report: &Report) -> Result<(), String> {
    let write = |name: &str, text: String| {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
    };
    write("coverage.json", json(report))?;
    write("coverage.md", markdown(report))
}

fn report(args: &ReportArgs) -> Result<u8, String> {
    let workspace = workspace(args.manifest_path.as_deref())?;
    let path = workspace.target.join("eventwire").join("coverage.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "could not read {} ({e}): run `cargo eventwire coverage` first",
            path.display()
        )
    })?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    match args.format.as_str() {
        "json" => println!("{}", json(&report)),
        "markdown" => print!("{}", markdown(&report)),
        _ => print!("{}", table(&report, colour())),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn coverage_arguments_split_at_the_double_dash() {
        let args = CoverageArgs::parse(&strings(&[
            "--nextest",
            "--",
            "-p",
            "shop",
            "--",
            "--nocapture",
        ]))
        .unwrap();
        assert!(args.nextest);
        assert_eq!(
            args.test_args,
            strings(&["-p", "shop", "--", "--nocapture"])
        );
        assert!(CoverageArgs::parse(&strings(&["--fast"])).is_err());
    }

    #[test]
    fn report_formats_are_checked() {
        assert_eq!(
            ReportArgs::parse(&strings(&["--format", "json"]))
                .unwrap()
                .format,
            "json"
        );
        assert!(ReportArgs::parse(&strings(&["--format", "html"])).is_err());
    }
}
