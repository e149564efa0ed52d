//! Running `cargo eventwire` on fixture workspaces, as a user would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The main workspace's root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds this crate")
        .to_path_buf()
}

/// A fixture workspace under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One target directory for every fixture: dependencies are built once,
/// and it is shared the way a global `CARGO_TARGET_DIR` is.
pub fn fixtures_target() -> PathBuf {
    let dir = workspace().join("target/eventwire-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A `cargo eventwire` command in `dir`, with the fixtures' target directory.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-eventwire"));
    command
        .arg("eventwire")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", fixtures_target())
        .env_remove("EVENTWIRE_COVERAGE_DIR")
        .env_remove("NEXTEST")
        .env_remove("NEXTEST_TEST_NAME")
        .env_remove("NEXTEST_BINARY_ID")
        .env_remove("NEXTEST_RUN_ID");
    command
}

/// Runs `cargo eventwire <args>` in `dir`.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = command(dir, args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("cargo-eventwire runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The last report of the workspace in `dir`, through `cargo eventwire report`.
pub fn report_in(dir: &Path) -> serde_json::Value {
    let run = run_in(dir, &["report", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(&run.stdout).expect("the report is JSON")
}

/// The events of the enum `name` in a report.
pub fn events<'a>(report: &'a serde_json::Value, name: &str) -> &'a Vec<serde_json::Value> {
    report["enums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no enum {name} in {report:#}"))["events"]
        .as_array()
        .unwrap()
}

/// The event `variant` of the enum `name`.
pub fn event<'a>(
    report: &'a serde_json::Value,
    name: &str,
    variant: &str,
) -> &'a serde_json::Value {
    events(report, name)
        .iter()
        .find(|e| e["variant"] == variant)
        .unwrap_or_else(|| panic!("no event {variant} in {name}"))
}

/// `(variant, status)` of each event of the enum `name`.
pub fn statuses(report: &serde_json::Value, name: &str) -> Vec<(String, String)> {
    events(report, name)
        .iter()
        .map(|e| {
            (
                e["variant"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Owned pairs, for comparing with [`statuses`].
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Whether `cargo nextest` can be run here.
pub fn nextest_available() -> bool {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A copy of the shop fixture under the fixtures' target directory, named
/// `name`, depending on this workspace's runtime.
pub fn copy_of_shop(name: &str) -> PathBuf {
    let to = fixtures_target().join(name);
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&fixture("shop"), &to);
    let manifest = to.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "../../../../runtime",
        &workspace().join("runtime").display().to_string(),
    );
    std::fs::write(manifest, text).unwrap();
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
