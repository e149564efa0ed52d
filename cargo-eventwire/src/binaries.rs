//! The test binaries of a run, as Cargo (or nextest) builds them for the
//! arguments given: which packages a run tests is Cargo's own answer to
//! `-p`, `--workspace`, `--exclude` and the current directory, never a
//! reading of those flags here.

use crate::workspace::{Kind, Workspace};
use cargo_metadata::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One test binary.
#[derive(Clone, Debug)]
pub struct TestBinary {
    /// Its id as nextest writes it: `shop`, `shop::orders`, `shop::bin/refunds`.
    pub id: String,
    /// Cargo's id of its package.
    pub package_id: String,
    /// What kind of target it tests.
    pub kind: Kind,
    /// Its path, canonical.
    pub executable: PathBuf,
    /// Whether it has libtest's harness (whose `--list` can be asked).
    pub harness: bool,
    /// Its tests, by full path, when known.
    pub tests: Option<BTreeSet<String>>,
}

/// The nextest-style id of a binary.
fn binary_id(package: &str, kind: Kind, target: &str) -> String {
    match kind {
        Kind::Lib => package.to_owned(),
        Kind::Test => format!("{package}::{target}"),
        Kind::Bin => format!("{package}::bin/{target}"),
        Kind::Bench => format!("{package}::bench/{target}"),
        Kind::Example => format!("{package}::example/{target}"),
    }
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds the test binaries of `cargo test <args>` without running them.
/// (A nextest run builds the same binaries with the same arguments.)
///
/// # Errors
///
/// The build failed (its diagnostics are on standard error), or Cargo's
/// messages could not be read.
pub fn build(ws: &Workspace, args: &[String]) -> Result<Built, Failure> {
    let mut command = cargo();
    command
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .args(args)
        .current_dir(std::env::current_dir().unwrap_or_else(|_| ws.root.clone()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| Failure::Tool(format!("could not run cargo test: {e}")))?;
    let mut built = Built::default();
    if let Some(stdout) = child.stdout.take() {
        for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
            match message {
                Message::CompilerArtifact(artifact) => built.artifact(ws, &artifact),
                Message::BuildScriptExecuted(script) => {
                    if let Some(member) = ws.member(&script.package_id.repr) {
                        built
                            .script_cfgs
                            .entry(member.name.clone())
                            .or_default()
                            .extend(script.cfgs.iter().cloned());
                    }
                }
                _ => {}
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::Tool(format!("could not wait for cargo test: {e}")))?;
    if !status.success() {
        return Err(Failure::Build(status.code().unwrap_or(101)));
    }
    Ok(built)
}

/// What a build made.
#[derive(Clone, Debug, Default)]
pub struct Built {
    /// The test binaries.
    pub binaries: Vec<TestBinary>,
    /// Whether `eventwire` was built with its `coverage` feature.
    pub recording: bool,
    /// The features each workspace member was built with, by name: joined
    /// over its builds (a build dependency's build of it may have fewer).
    pub features: BTreeMap<String, Vec<String>>,
    /// The targets of each workspace member that Cargo built, by name (a
    /// target whose `required-features` are off is not among them).
    pub targets: BTreeMap<String, BTreeSet<String>>,
    /// The `cfg`s each member's build script set, by name.
    pub script_cfgs: BTreeMap<String, Vec<String>>,
    /// Whether the tests were built with debug assertions.
    pub debug_assertions: Option<bool>,
}

impl Built {
    fn artifact(&mut self, ws: &Workspace, artifact: &cargo_metadata::Artifact) {
        if artifact.target.name == "eventwire" && artifact.features.iter().any(|f| f == "coverage")
        {
            self.recording = true;
        }
        let member = ws.member(&artifact.package_id.repr);
        if let Some(member) = member {
            let features = self.features.entry(member.name.clone()).or_default();
            for feature in &artifact.features {
                if !features.contains(feature) {
                    features.push(feature.clone());
                }
            }
            self.targets
                .entry(member.name.clone())
                .or_default()
                .insert(artifact.target.name.clone());
        }
        let (Some(executable), true) = (&artifact.executable, artifact.profile.test) else {
            return;
        };
        let Some(kind) = ws_kind(&artifact.target.kind) else {
            return;
        };
        self.debug_assertions = Some(artifact.profile.debug_assertions);
        let package = member.map_or_else(
            || package_name(&artifact.package_id.repr),
            |m| m.name.clone(),
        );
        let executable = executable.as_std_path();
        self.binaries.push(TestBinary {
            id: binary_id(&package, kind, &artifact.target.name),
            package_id: artifact.package_id.repr.clone(),
            kind,
            executable: executable
                .canonicalize()
                .unwrap_or_else(|_| executable.to_path_buf()),
            harness: member
                .and_then(|m| m.targets.iter().find(|t| t.name == artifact.target.name))
                .is_none_or(|t| t.harness),
            tests: None,
        });
    }
}

fn ws_kind(kinds: &[cargo_metadata::TargetKind]) -> Option<Kind> {
    use cargo_metadata::TargetKind as K;
    kinds.iter().find_map(|k| match k {
        K::Lib | K::RLib | K::DyLib | K::CDyLib | K::StaticLib | K::ProcMacro => Some(Kind::Lib),
        K::Bin => Some(Kind::Bin),
        K::Test => Some(Kind::Test),
        K::Bench => Some(Kind::Bench),
        K::Example => Some(Kind::Example),
        _ => None,
    })
}

/// The name in a package id such as `path+file:///w/shop#0.1.0` or
/// `registry+https://..#serde@1.0.0`.
fn package_name(id: &str) -> String {
    let tail = id.rsplit('#').next().unwrap_or(id);
    let name = tail.split('@').next().unwrap_or(tail);
    if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        // `path+file:///w/shop#0.1.0`: the name is the directory.
        id.split('#')
            .next()
            .and_then(|p| p.rsplit('/').next())
            .unwrap_or(name)
            .to_owned()
    } else {
        name.to_owned()
    }
}

/// The tests of a libtest binary, by full path (`--list --format terse`).
pub fn list_tests(executable: &Path) -> Option<BTreeSet<String>> {
    let output = Command::new(executable)
        .args(["--list", "--format", "terse"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_owned)
            .collect(),
    )
}

/// Why a run could not report.
#[derive(Debug)]
pub enum Failure {
    /// The build failed with this exit code.
    Build(i32),
    /// A tool failed; the message says how.
    Tool(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_ids_are_nextests() {
        assert_eq!(binary_id("shop", Kind::Lib, "shop"), "shop");
        assert_eq!(binary_id("shop", Kind::Test, "orders"), "shop::orders");
        assert_eq!(binary_id("shop", Kind::Bin, "refunds"), "shop::bin/refunds");
        assert_eq!(binary_id("shop", Kind::Bench, "b"), "shop::bench/b");
    }

    #[test]
    fn package_names_come_out_of_ids() {
        assert_eq!(package_name("path+file:///w/shop#0.1.0"), "shop");
        assert_eq!(package_name("path+file:///w/x#shop@0.1.0"), "shop");
        assert_eq!(
            package_name("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0"),
            "serde"
        );
    }
}
