//! Writes the 1,000-variant event enum that the coverage-check benchmark uses.

use std::fmt::Write as _;

fn main() {
    let mut code = String::from(
        "/// 1,000 event kinds.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, eventwire::EventType)]\npub enum Big {\n",
    );
    for i in 0..1000 {
        let _ = writeln!(code, "    /// Kind {i}.\n    Kind{i},");
    }
    code.push_str("}\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&out).join("big.rs"), code).expect("OUT_DIR is writable");
}
