//! The command line: `cargo eventwire coverage`, `report` and `catalog`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Which event sites your tests ran.
#[derive(Debug, Parser)]
#[command(name = "cargo eventwire", bin_name = "cargo eventwire", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the tests with site recording on, and report which sites they ran.
    ///
    /// Builds and runs `cargo test` (or `cargo nextest run`) with the given
    /// arguments, merges what every test process recorded, prints the
    /// report and writes coverage.json and coverage.md. Exits 1 when an
    /// event has no site, an exemption or a waiver is stale, a site is
    /// registered by no test process (even with --allow-unexercised), or a
    /// required site never ran (unless --allow-unexercised); with the
    /// tests' own exit code when tests fail.
    Coverage(CoverageArgs),
    /// Print the last run's report again.
    Report(ReportArgs),
    /// Write the event catalog: a JSON Schema per event, an AsyncAPI 3.0
    /// document and Markdown, from the code and what its tests captured.
    ///
    /// Runs the tests as `coverage` does (or, with --no-run, reads the last
    /// coverage run's report) and writes catalog.json, asyncapi.json,
    /// catalog.md and schemas/EVENT.schema.json to --out. With --check,
    /// compares the code's catalog with a committed catalog.json and exits
    /// 1 on a change that breaks consumers: an event removed or renamed, a
    /// required field removed, a field's type changed, an optional field
    /// made required.
    Catalog(CatalogArgs),
}

/// The arguments of `catalog`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct CatalogArgs {
    /// Where to write the catalog (default: `catalog` beside the coverage
    /// report, target/eventwire/catalog for a workspace that holds its
    /// target directory; with
    /// --check and no --out, nothing is written).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A committed catalog.json (or the directory holding it) to compare with.
    #[arg(long, value_name = "CATALOG")]
    pub check: Option<PathBuf>,
    /// Read the last `cargo eventwire coverage` run's report instead of running the tests.
    #[arg(long)]
    pub no_run: bool,
    /// The NATS subject prefix (`eventwire-nats`' `Config::prefix`).
    #[arg(long, default_value = "events", value_name = "PREFIX")]
    pub prefix: String,
    /// Describe CloudEvents binary mode (`Format::CloudEventsBinary`) instead of structured.
    #[arg(long)]
    pub binary: bool,
    /// The CloudEvents type prefix (`CloudEvents::with_type_prefix`).
    #[arg(long, default_value = "", value_name = "PREFIX")]
    pub type_prefix: String,
    /// The document's title (default: `<package> events`).
    #[arg(long)]
    pub title: Option<String>,
    /// How to run the tests, as for `coverage`.
    #[command(flatten)]
    pub tests: CoverageArgs,
}

/// The arguments of `coverage`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct CoverageArgs {
    /// Run the tests with `cargo nextest run`.
    #[arg(long)]
    pub nextest: bool,
    /// Report sites no test ran without failing (a site no test process
    /// registered still fails the run).
    #[arg(long)]
    pub allow_unexercised: bool,
    /// The manifest of the workspace (passed on to cargo).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Passed on to `cargo test` (or `cargo nextest run`), e.g. `-p shop`,
    /// `--workspace`, `--features x`; after a further `--`, the test
    /// binaries' own arguments.
    #[arg(
        value_name = "TEST ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub test_args: Vec<String>,
}

impl CoverageArgs {
    /// `coverage -- --nocapture`, as `cargo test -- --nocapture`: arguments
    /// that begin with an option `cargo test` does not have are the test
    /// binaries' (a `--` goes before them), while `coverage -- -p shop`
    /// still names a package. Nextest takes its own options before any
    /// `--`, so its arguments are left as they are.
    fn separate_binary_args(&mut self) {
        let first_is_binarys = self.test_args.first().is_some_and(|first| {
            first.starts_with('-') && first != "--" && !cargo_test_option(first)
        });
        if !self.nextest && first_is_binarys {
            self.test_args.insert(0, "--".to_owned());
        }
    }

    /// The arguments for cargo: `--manifest-path`, if given, then the test arguments.
    pub fn cargo_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.manifest_path {
            args.push("--manifest-path".to_owned());
            args.push(path.display().to_string());
        }
        args.extend(self.test_args.iter().cloned());
        args
    }

    /// The arguments that build the tests (`cargo test --no-run`): with
    /// `cargo test`, all of [`cargo_args`](Self::cargo_args); with nextest,
    /// those of its options that are Cargo's (the packages, targets,
    /// features, profile, target and manifest, `--cargo-profile` and
    /// `--build-jobs` spelled as Cargo spells them), not its own
    /// (`--no-capture`, `--retries 2`, `-E expr`, `--profile ci`).
    pub fn build_args(&self) -> Vec<String> {
        let args = self.cargo_args();
        if !self.nextest {
            return args;
        }
        // Cargo's options as nextest spells them: taking a value or not.
        const WITH_VALUE: &[(&str, &str)] = &[
            ("-p", "-p"),
            ("--package", "--package"),
            ("--exclude", "--exclude"),
            ("--bin", "--bin"),
            ("--example", "--example"),
            ("--test", "--test"),
            ("--bench", "--bench"),
            ("-F", "-F"),
            ("--features", "--features"),
            ("--cargo-profile", "--profile"),
            ("--build-jobs", "--jobs"),
            ("-Z", "-Z"),
            ("--target", "--target"),
            ("--target-dir", "--target-dir"),
            ("--manifest-path", "--manifest-path"),
            ("--config", "--config"),
        ];
        const FLAGS: &[&str] = &[
            "--workspace",
            "--all",
            "--lib",
            "--bins",
            "--examples",
            "--tests",
            "--benches",
            "--all-targets",
            "--all-features",
            "--no-default-features",
            "-r",
            "--release",
            "--frozen",
            "--locked",
            "--offline",
            "--ignore-rust-version",
            "--timings",
        ];
        let mut build = Vec::new();
        let mut rest = args.iter().take_while(|a| *a != "--");
        while let Some(arg) = rest.next() {
            let (name, attached) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value)),
                _ => (arg.as_str(), None),
            };
            if FLAGS.contains(&name) {
                build.push(arg.clone());
            } else if let Some((_, cargo)) = WITH_VALUE.iter().find(|(n, _)| *n == name) {
                let value = match attached {
                    Some(value) => Some(value.to_owned()),
                    None => rest.next().cloned(),
                };
                build.push((*cargo).to_owned());
                build.extend(value);
            } else if let Some(value) = ["-p", "-F", "-Z"]
                .iter()
                .find_map(|short| name.strip_prefix(short).filter(|v| !v.is_empty()))
            {
                // `-pshop`, `-p=shop`, `-Fjson`.
                build.push(name[..2].to_owned());
                build.push(value.strip_prefix('=').unwrap_or(value).to_owned());
            }
        }
        build
    }

    /// A cargo option among the test arguments (before the binaries' own)
    /// that the run cannot pass on, with why: it builds the tests first
    /// (`cargo test --no-run --message-format json`), then runs them.
    pub fn unsupported(&self) -> Option<String> {
        self.test_args
            .iter()
            .take_while(|a| *a != "--")
            .find_map(|arg| {
                let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
                let why = match name {
                    "--no-run" => "a run that runs nothing records nothing: leave it out",
                    "--message-format" => "the run reads cargo's JSON messages itself: leave it out",
                    "--doc" => "documentation examples are built and run with the other tests: leave it out (`--doc` cannot be built apart first)",
                    _ => return None,
                };
                Some(format!("`{name}` cannot be passed on: {why}"))
            })
    }

    /// The packages named with `-p`/`--package` among cargo's arguments
    /// (before the binaries' own); empty when cargo picks them.
    pub fn packages(&self) -> Vec<String> {
        self.values_of(Some("-p"), "--package")
    }

    /// The packages `--exclude` names among Cargo's arguments.
    pub fn excluded(&self) -> Vec<String> {
        self.values_of(None, "--exclude")
    }

    /// The values of a Cargo option among the test arguments (before the
    /// binaries' own): `--long x`, `--long=x`, and `-sx` or `-s x`.
    fn values_of(&self, short: Option<&str>, long: &str) -> Vec<String> {
        let cargo_part: Vec<&String> = self.test_args.iter().take_while(|a| *a != "--").collect();
        let mut values = Vec::new();
        for (i, arg) in cargo_part.iter().enumerate() {
            let named = if Some(arg.as_str()) == short || arg.as_str() == long {
                cargo_part.get(i + 1).map(|s| s.as_str())
            } else {
                arg.strip_prefix(long)
                    .and_then(|rest| rest.strip_prefix('='))
                    .or_else(|| {
                        short
                            .and_then(|short| arg.strip_prefix(short))
                            .filter(|rest| !rest.is_empty())
                    })
            };
            values.extend(named.map(str::to_owned));
        }
        values
    }

    /// The manifest cargo will use: ours, or one given among the test
    /// arguments (before the binaries' own).
    pub fn manifest(&self) -> Option<PathBuf> {
        if let Some(path) = &self.manifest_path {
            return Some(path.clone());
        }
        let cargo_part = self
            .test_args
            .iter()
            .take_while(|a| *a != "--")
            .collect::<Vec<_>>();
        cargo_part.iter().enumerate().find_map(|(i, arg)| {
            if *arg == "--manifest-path" {
                cargo_part.get(i + 1).map(PathBuf::from)
            } else {
                arg.strip_prefix("--manifest-path=").map(PathBuf::from)
            }
        })
    }
}

/// The formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The terminal table.
    Table,
    /// The JSON of `cargo_eventwire::report::Report`.
    Json,
    /// Markdown for a pull request description.
    Markdown,
}

/// The arguments of `report`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct ReportArgs {
    /// How to print it.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The manifest of the workspace.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

/// Parses the command line as cargo hands it over (`cargo-eventwire
/// eventwire <args>`), or as typed when the binary is run directly.
///
/// # Errors
///
/// Clap's error, which prints usage.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, clap::Error> {
    let mut args: Vec<String> = args.into_iter().skip(1).collect();
    if args.first().map(String::as_str) == Some("eventwire") {
        args.remove(0);
    }
    hoist_own_options(&mut args);
    let mut cli = Cli::try_parse_from(std::iter::once("cargo eventwire".to_owned()).chain(args))?;
    match &mut cli.command {
        Command::Coverage(tests) | Command::Catalog(CatalogArgs { tests, .. }) => {
            tests.separate_binary_args();
        }
        Command::Report(_) => {}
    }
    Ok(cli)
}

/// Moves this tool's own options that come after cargo's arguments
/// (`catalog -p shop --check committed`) before them, where they are read
/// as ours: once an argument of cargo's begins the passed-on list,
/// everything after it would be passed on, and `--check` silently not
/// done. Only before a `--` (after it, the test binaries' arguments).
fn hoist_own_options(args: &mut Vec<String>) {
    const BOTH_FLAGS: &[&str] = &["--nextest", "--allow-unexercised"];
    const CATALOG_FLAGS: &[&str] = &["--no-run", "--binary"];
    const CATALOG_VALUED: &[&str] = &["--out", "--check", "--prefix", "--type-prefix", "--title"];
    let catalog = match args.first().map(String::as_str) {
        Some("catalog") => true,
        Some("coverage") => false,
        _ => return,
    };
    let flag =
        |name: &str| BOTH_FLAGS.contains(&name) || (catalog && CATALOG_FLAGS.contains(&name));
    let valued =
        |name: &str| name == "--manifest-path" || (catalog && CATALOG_VALUED.contains(&name));
    let mut own = Vec::new();
    let mut rest = Vec::new();
    let mut iter = args.drain(1..);
    while let Some(arg) = iter.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(iter.by_ref());
            break;
        }
        let name = match arg.split_once('=') {
            Some((name, _)) if name.starts_with("--") => name.to_owned(),
            _ => arg.clone(),
        };
        if flag(&arg) {
            own.push(arg);
        } else if valued(&name) {
            let attached = arg.contains('=');
            own.push(arg);
            if !attached {
                own.extend(iter.next());
            }
        } else {
            rest.push(arg);
        }
    }
    drop(iter);
    args.truncate(1);
    args.extend(own);
    args.extend(rest);
}

/// Whether `arg` is an option of `cargo test` (its name before any `=`;
/// short options with their value attached, `-pshop`, `-j4`).
fn cargo_test_option(arg: &str) -> bool {
    const LONG: &[&str] = &[
        "--no-run",
        "--no-fail-fast",
        "--future-incompat-report",
        "--message-format",
        "--quiet",
        "--verbose",
        "--color",
        "--config",
        "--help",
        "--package",
        "--workspace",
        "--exclude",
        "--all",
        "--lib",
        "--bins",
        "--bin",
        "--examples",
        "--example",
        "--tests",
        "--test",
        "--benches",
        "--bench",
        "--all-targets",
        "--doc",
        "--features",
        "--all-features",
        "--no-default-features",
        "--jobs",
        "--release",
        "--profile",
        "--target",
        "--target-dir",
        "--unit-graph",
        "--timings",
        "--manifest-path",
        "--ignore-rust-version",
        "--locked",
        "--offline",
        "--frozen",
        "--keep-going",
        "--artifact-dir",
    ];
    let name = arg.split('=').next().unwrap_or(arg);
    LONG.contains(&name)
        || (!arg.starts_with("--")
            && matches!(
                arg.chars().nth(1),
                Some('p' | 'q' | 'v' | 'F' | 'j' | 'r' | 'h' | 'Z')
            ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(line: &str) -> CoverageArgs {
        match parse(words(line)).unwrap().command {
            Command::Coverage(args) => args,
            _ => panic!("not coverage"),
        }
    }

    fn catalog(line: &str) -> CatalogArgs {
        match parse(words(line)).unwrap().command {
            Command::Catalog(args) => args,
            _ => panic!("not catalog"),
        }
    }

    /// A command line as cargo passes it: the binary, then `line`'s words.
    fn words(line: &str) -> impl Iterator<Item = String> + '_ {
        std::iter::once("cargo-eventwire".to_owned()).chain(line.split(' ').map(str::to_owned))
    }

    #[test]
    fn the_packages_named_for_cargo_in_every_spelling() {
        let args =
            coverage("eventwire coverage -p a --package b -pc --package=d --features x -- -p e");
        assert_eq!(args.packages(), ["a", "b", "c", "d"]);
        assert!(coverage("eventwire coverage --workspace")
            .packages()
            .is_empty());
    }

    #[test]
    fn test_arguments_pass_through_in_every_spelling() {
        let args = coverage("eventwire coverage --nextest -- -p shop -- --nocapture");
        assert!(args.nextest);
        assert_eq!(args.test_args, ["-p", "shop", "--", "--nocapture"]);
        let args = coverage("eventwire coverage -p shop");
        assert_eq!(args.test_args, ["-p", "shop"]);
        let args = coverage("coverage -pshop --exclude x");
        assert_eq!(args.test_args, ["-pshop", "--exclude", "x"]);
        let args = coverage("eventwire coverage --allow-unexercised --workspace");
        assert!(args.allow_unexercised);
        assert_eq!(args.test_args, ["--workspace"]);
        // The test binaries' own arguments, with no cargo argument before them.
        let args = coverage("eventwire coverage -- --test-threads=1 --nocapture");
        assert_eq!(args.test_args, ["--", "--test-threads=1", "--nocapture"]);
        assert!(args.packages().is_empty());
        let args = coverage("eventwire coverage -- -pshop -- --nocapture");
        assert_eq!(args.test_args, ["-pshop", "--", "--nocapture"]);
        let args = coverage("eventwire coverage -- --features=x -q");
        assert_eq!(args.test_args, ["--features=x", "-q"]);
        let args = coverage("eventwire coverage -- name_filter");
        assert_eq!(args.test_args, ["name_filter"]);
        // Nextest's own options come before any `--`.
        let args = coverage("eventwire coverage --nextest -- --no-capture");
        assert_eq!(args.test_args, ["--no-capture"]);
    }

    #[test]
    fn a_nextest_run_builds_with_cargos_options_only() {
        let args = coverage(
            "eventwire coverage --nextest --no-capture -pshop --retries 2 -E test(x) --profile ci --cargo-profile=dev --features a --workspace --build-jobs 2 -- filter",
        );
        assert_eq!(
            args.build_args(),
            [
                "-p",
                "shop",
                "--profile",
                "dev",
                "--features",
                "a",
                "--workspace",
                "--jobs",
                "2"
            ]
        );
        let args = coverage("eventwire coverage --nextest -p=shop -F=json -Zflag --target x");
        assert_eq!(
            args.build_args(),
            ["-p", "shop", "-F", "json", "-Z", "flag", "--target", "x"]
        );
        let args = coverage("eventwire coverage -p shop -- --nocapture");
        assert_eq!(args.build_args(), args.cargo_args());
    }

    #[test]
    fn the_manifest_is_found_wherever_it_is_given() {
        let args = coverage("eventwire coverage --manifest-path a/Cargo.toml -p x");
        assert_eq!(args.manifest(), Some(PathBuf::from("a/Cargo.toml")));
        assert_eq!(
            args.cargo_args(),
            ["--manifest-path", "a/Cargo.toml", "-p", "x"]
        );
        let args = coverage("eventwire coverage -- --manifest-path=b/Cargo.toml");
        assert_eq!(args.manifest(), Some(PathBuf::from("b/Cargo.toml")));
        let args = coverage("eventwire coverage -- -p x -- --manifest-path c");
        assert_eq!(args.manifest(), None);
    }

    #[test]
    fn catalog_takes_its_own_options_and_the_test_arguments() {
        let args = catalog(
            "eventwire catalog --out cat --check old/catalog.json --binary --type-prefix com.x -p shop -- --nocapture",
        );
        assert_eq!(args.out, Some(PathBuf::from("cat")));
        assert_eq!(args.check, Some(PathBuf::from("old/catalog.json")));
        assert!(args.binary && !args.no_run);
        assert_eq!(args.type_prefix, "com.x");
        assert_eq!(args.prefix, "events");
        assert_eq!(args.tests.test_args, ["-p", "shop", "--", "--nocapture"]);
    }

    /// Cargo options the run cannot pass on are named, with what to do.
    #[test]
    fn options_the_run_cannot_pass_on_are_named() {
        for (line, named) in [
            ("eventwire coverage -p shop --doc", Some("--doc")),
            (
                "eventwire coverage --message-format=short",
                Some("--message-format"),
            ),
            ("eventwire coverage --no-run", Some("--no-run")),
            ("eventwire coverage -p shop -- --doc", None),
            ("eventwire coverage -p shop", None),
        ] {
            let args = coverage(line);
            match named {
                Some(name) => assert!(
                    args.unsupported()
                        .is_some_and(|why| why.contains(name) && why.contains("leave it out")),
                    "{line}"
                ),
                None => assert_eq!(args.unsupported(), None, "{line}"),
            }
        }
    }

    /// The tool's own options after cargo's arguments are still its own
    /// (a `--check` there was passed on to cargo, and no check was made);
    /// after `--` they are the test binaries'.
    #[test]
    fn own_options_after_cargos_arguments_are_still_ours() {
        let args = catalog(
            "eventwire catalog -p shop --check committed --no-run --out=cat --features json --binary -- --nocapture --check",
        );
        assert_eq!(args.check, Some(PathBuf::from("committed")));
        assert_eq!(args.out, Some(PathBuf::from("cat")));
        assert!(args.no_run && args.binary);
        assert_eq!(
            args.tests.test_args,
            [
                "-p",
                "shop",
                "--features",
                "json",
                "--",
                "--nocapture",
                "--check"
            ]
        );
        let args = coverage("eventwire coverage -p shop --allow-unexercised --nextest");
        assert!(args.allow_unexercised && args.nextest);
        assert_eq!(args.test_args, ["-p", "shop"]);
    }

    #[test]
    fn report_formats_are_checked() {
        assert!(matches!(
            parse(words("eventwire report --format json"))
                .unwrap()
                .command,
            Command::Report(ReportArgs {
                format: Format::Json,
                ..
            })
        ));
        assert!(parse(words("eventwire report --format html")).is_err());
    }
}
