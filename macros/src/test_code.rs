//! Whether generated code is test code, which never counts as wiring: a
//! site or enum in an integration test, a benchmark or an example, or in
//! `#[cfg(test)]` or `#[test]` code of a library or binary built for its
//! unit tests.
//!
//! The macros run inside the compiler, which says what it is building: its
//! command line carries `--test` for a test harness, the root file and every
//! `--cfg`; Cargo sets `CARGO_TARGET_TMPDIR` for integration tests and
//! benchmarks only, and builds examples into an `examples` directory. In a
//! unit-test build the crate's module tree is read once (with the grammar
//! that `cargo eventwire` uses) to find the code that only tests compile.
//! Anywhere else (another build tool, an IDE's expansion) code counts as
//! production code.

use eventwire_grammar::source::{scan_crate, CfgSet, CrateScan, Position};
use proc_macro2::Span;
use std::path::PathBuf;
use std::sync::OnceLock;

enum Build {
    /// A library or binary as it ships.
    Production,
    /// A documentation example (rustdoc compiles it): an example is a world
    /// of its own to the static check, and test code to `cargo eventwire`.
    Doctest,
    /// An integration test, a benchmark or an example: all of it is test code.
    TestTarget,
    /// A library or binary built for its unit tests; the scan of its sources.
    UnitTests(Option<Box<CrateScan>>),
}

/// Whether the code at `span` is test code.
pub(crate) fn is_test_only(span: Span) -> bool {
    match build() {
        Build::Production | Build::Doctest | Build::UnitTests(None) => false,
        Build::TestTarget => true,
        Build::UnitTests(Some(scan)) => {
            location(span).is_some_and(|(file, position)| scan.is_test_only_at(&file, position))
        }
    }
}

/// Whether the code is a documentation example.
pub(crate) fn is_doctest() -> bool {
    matches!(build(), Build::Doctest)
}

fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| {
        if !proc_macro::is_available() {
            return Build::Production;
        }
        // rustdoc sets this for the compilation of each example.
        if std::env::var_os("UNSTABLE_RUSTDOC_TEST_PATH").is_some() {
            return Build::Doctest;
        }
        let args = command_line();
        if merged_doctests(&args) {
            return Build::Doctest;
        }
        detect(&args, std::env::var_os("CARGO_TARGET_TMPDIR").is_some())
    })
}

/// Whether the compiler builds the examples rustdoc merged into one crate
/// (edition 2024), for which it sets no variable: a crate it names
/// `doctest_bundle_*` or `doctest_runner_*`, in its `rustdoctest…`
/// directory.
fn merged_doctests(args: &[String]) -> bool {
    let in_rustdoctest = |path: &str| {
        std::path::Path::new(path).components().any(|part| {
            part.as_os_str()
                .to_str()
                .is_some_and(|name| name.starts_with("rustdoctest"))
        })
    };
    let named = value_of(args, "--crate-name").is_some_and(|name| {
        name.starts_with("doctest_bundle") || name.starts_with("doctest_runner")
    });
    // Its source file or its output in rustdoc's directory (never a `-L`
    // path, which may be anything).
    let placed = args
        .iter()
        .any(|arg| arg.ends_with(".rs") && in_rustdoctest(arg))
        || value_of(args, "--out-dir").is_some_and(in_rustdoctest)
        || value_of(args, "-o").is_some_and(in_rustdoctest);
    named || placed
}

/// The compiler's arguments, with `@file` argument files (which Cargo uses
/// for long command lines) read in.
fn command_line() -> Vec<String> {
    let mut args = Vec::new();
    for arg in std::env::args() {
        match arg.strip_prefix('@').map(std::fs::read_to_string) {
            Some(Ok(text)) => args.extend(text.lines().map(str::to_owned)),
            _ => args.push(arg),
        }
    }
    args
}

fn detect(args: &[String], cargo_test_target: bool) -> Build {
    let harness = args.iter().any(|a| a == "--test");
    let out_dir = value_of(args, "--out-dir").map(PathBuf::from);
    let example = out_dir
        .as_ref()
        .is_some_and(|dir| dir.file_name().is_some_and(|n| n == "examples"));
    if cargo_test_target || example {
        return Build::TestTarget;
    }
    if !harness {
        return Build::Production;
    }
    Build::UnitTests(scan_this_crate(args).map(Box::new))
}

/// The value of `--flag value` or `--flag=value`.
fn value_of<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(i, arg)| {
        if arg == flag {
            args.get(i + 1).map(String::as_str)
        } else {
            arg.strip_prefix(flag)?.strip_prefix('=')
        }
    })
}

/// Reads the crate being compiled from its root file, under the `--cfg`s the
/// compiler was given, with proc-macro2's own lexer, which records where
/// each token is (the compiler's does not for text parsed by a macro).
fn scan_this_crate(args: &[String]) -> Option<CrateScan> {
    let root = args
        .iter()
        .skip(1)
        .find(|a| {
            std::path::Path::new(a.as_str())
                .extension()
                .is_some_and(|e| e == "rs")
        })
        .map(PathBuf::from)?;
    let crate_name = value_of(args, "--crate-name").unwrap_or("crate").to_owned();
    let mut cfg = if value_of(args, "--target").is_some() {
        CfgSet::unknown()
    } else {
        CfgSet::host()
    }
    .closed_world();
    // `--cfg value` and `--cfg=value`.
    let given: Vec<&str> = args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a.strip_prefix("--cfg=") {
            Some(value) => Some(value),
            None if a == "--cfg" => args.get(i + 1).map(String::as_str),
            None => None,
        })
        .collect();
    cfg = cfg.with_facts(given);
    proc_macro2::fallback::force();
    let scan = std::panic::catch_unwind(|| scan_crate(&root, &crate_name, false, &cfg));
    proc_macro2::fallback::unforce();
    scan.ok()
}

/// The file, line and column where `span` starts in the source. With paths
/// remapped (`--remap-path-prefix`), the file as the compiler names it.
fn location(span: Span) -> Option<(PathBuf, Position)> {
    let span = span.unwrap();
    let file = span
        .local_file()
        .or_else(|| Some(PathBuf::from(span.file())).filter(|f| f.is_file()))?;
    let line = u32::try_from(span.line()).ok()?;
    let column = u32::try_from(span.column()).ok()?;
    Some((file, Position { line, column }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn builds_are_told_apart_by_the_command_line() {
        let lib = "rustc --crate-name shop --edition=2021 src/lib.rs --crate-type lib --out-dir /t/debug/deps";
        assert!(matches!(detect(&args(lib), false), Build::Production));
        let example =
            "rustc --crate-name demo examples/demo.rs --crate-type bin --out-dir /t/debug/examples";
        assert!(matches!(detect(&args(example), false), Build::TestTarget));
        let integration =
            "rustc --crate-name orders tests/orders.rs --test --out-dir /t/debug/deps";
        assert!(matches!(
            detect(&args(integration), true),
            Build::TestTarget
        ));
        let bench = "rustc --crate-name b benches/b.rs --crate-type bin --out-dir /t/debug/deps";
        assert!(matches!(detect(&args(bench), true), Build::TestTarget));
        assert_eq!(
            value_of(&args("a --edition=2021 b"), "--edition"),
            Some("2021")
        );
        assert_eq!(value_of(&args("a --out-dir x b"), "--out-dir"), Some("x"));
        assert_eq!(value_of(&args("a --cfg=loom b"), "--cfg"), Some("loom"));
    }
}
