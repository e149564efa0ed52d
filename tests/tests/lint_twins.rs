//! Lints about the user's code fire on an annotated function exactly as on
//! its plain twin: clippy runs on `tests/lint-twins`, where each function
//! of `plain.rs` stands on the same line of `annotated.rs` under an
//! `#[emits(..)]`, and says the same of both, suggestions included.
//!
//! The one difference, by design: a method whose bus comes from its
//! receiver uses `self`, so `clippy::unused_self` does not fire on it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// `(lint, line, column, suggestions)` of each diagnostic in `file`.
type Said = BTreeSet<(String, u64, u64, Vec<String>)>;

fn diagnostics() -> (Said, Said) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["clippy", "--message-format=json", "--manifest-path"])
        .arg(workspace.join("tests/lint-twins/Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            workspace.join("target/eventwire-fixtures"),
        )
        .output()
        .expect("cargo clippy runs (clippy is part of the toolchain CI uses)");
    assert!(
        output.status.success(),
        "clippy failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut plain = Said::new();
    let mut annotated = Said::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        let lint = diagnostic["code"]["code"]
            .as_str()
            .unwrap_or("(no code)")
            .to_owned();
        let Some(span) = diagnostic["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        else {
            continue;
        };
        let suggestions: Vec<String> = diagnostic["children"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|child| child["spans"].as_array().into_iter().flatten())
            .filter_map(|s| s["suggested_replacement"].as_str().map(str::to_owned))
            .collect();
        let said = (
            lint,
            span["line_start"].as_u64().unwrap_or(0),
            span["column_start"].as_u64().unwrap_or(0),
            suggestions,
        );
        match span["file_name"].as_str() {
            Some("src/plain.rs") => plain.insert(said),
            Some("src/annotated.rs") => annotated.insert(said),
            _ => false,
        };
    }
    (plain, annotated)
}

#[test]
fn clippy_says_the_same_of_both_twins() {
    let (plain, annotated) = diagnostics();
    let expected: Said = plain
        .iter()
        .filter(|(lint, ..)| lint != "clippy::unused_self")
        .cloned()
        .collect();
    assert_eq!(annotated, expected);
    let lints: BTreeSet<&str> = annotated.iter().map(|(lint, ..)| lint.as_str()).collect();
    for lint in [
        "dead_code",
        "unused_variables",
        "clippy::needless_return",
        "clippy::needless_pass_by_value",
        "clippy::unused_async",
        "clippy::useless_vec",
        "clippy::let_and_return",
    ] {
        assert!(
            lints.contains(lint),
            "{lint} fires on both twins: {lints:?}"
        );
    }
    for (lint, _, _, suggestions) in &annotated {
        for suggestion in suggestions {
            assert!(
                !suggestion.contains("emits") && !suggestion.contains("eventwire_"),
                "{lint} suggests generated code: {suggestion}"
            );
        }
    }
}
