//! Each file in `ui/` is one misuse; its `.stderr` is the message users see.
//!
//! The messages come from rustc as well as from eventwire, so the snapshots
//! are pinned to the stable toolchain this workspace is tested on (see the
//! README); on another compiler version the test is skipped with a note
//! rather than failing on wording that is not ours.

#[test]
fn ui() {
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
    if !rustc.starts_with(PINNED) {
        eprintln!("skipping the UI snapshots: they are pinned to {PINNED}, this is {rustc}");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}

/// The toolchain whose messages the snapshots hold.
const PINNED: &str = "rustc 1.95.";
