//! Each file in `ui/` is one misuse; its `.stderr` is the message users see.
//!
//! `ui/twins/` holds mistakes in the user's own code, each twice: annotated
//! (`x.rs`) and plain (`x_plain.rs`, the attribute commented out on the
//! same line). The compiler must report the same errors of both, with the
//! same messages at the same places: the attribute adds no error, moves
//! none, and hides none. (The context around an error may differ a little:
//! in an `async fn` that awaits, a mismatched return is explained by a note
//! pointing at the declared return type instead of a label on it; a `?`
//! whose error does not convert loses the label on the return type.)
//!
//! The messages come from rustc as well as from eventwire, so the snapshots
//! are pinned to the stable toolchain this workspace is tested on (see the
//! README); on another compiler version the test is skipped with a note
//! rather than failing on wording that is not ours.

use std::path::Path;

fn pinned() -> bool {
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
    if !rustc.starts_with(PINNED) {
        eprintln!("skipping the UI snapshots: they are pinned to {PINNED}, this is {rustc}");
        return false;
    }
    true
}

#[test]
fn ui() {
    if !pinned() {
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.compile_fail("ui/twins/*.rs");
}

/// The errors the compiler gave a twin: each message with the place it
/// points at, with the file named as the annotated twin.
fn said(case: &str, twin: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/twins");
    let text = std::fs::read_to_string(dir.join(format!("{twin}.stderr")))
        .unwrap_or_else(|e| panic!("{twin}.stderr: {e}"));
    let text = text.replace(&format!("{twin}.rs"), &format!("{case}.rs"));
    let lines: Vec<&str> = text.lines().collect();
    let mut errors = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("error") || line.starts_with("warning") {
            let place = lines
                .get(i + 1)
                .filter(|next| next.trim_start().starts_with("-->"))
                .map_or("", |next| next.trim());
            errors.push(format!("{line} {place}"));
        }
    }
    errors
}

#[test]
fn annotated_twins_get_exactly_the_diagnostics_of_plain_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/twins");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let case = name.strip_suffix(".rs")?;
            (!case.ends_with("_plain")).then(|| case.to_owned())
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    for case in cases {
        assert_eq!(
            said(&case, &case),
            said(&case, &format!("{case}_plain")),
            "{case}: the attribute changed what the compiler says"
        );
    }
}

/// The toolchain whose messages the snapshots hold.
const PINNED: &str = "rustc 1.95.";
