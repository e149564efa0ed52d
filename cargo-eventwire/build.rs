//! Decides whether the AsyncAPI documents can be checked with the official
//! parser: it needs `node` and `npm install` run in `tests/asyncapi`.
//! Without them the test is compiled as ignored, so that `cargo test` shows
//! it as not run (with the reason) instead of passed. With
//! `EVENTWIRE_REQUIRE_NODE` set (as CI does) it always runs, and fails
//! without them.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(asyncapi_parser)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_NODE");
    println!("cargo:rerun-if-changed=tests/asyncapi");
    let installed =
        std::path::Path::new("tests/asyncapi/node_modules/@asyncapi/parser/package.json").is_file();
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if (installed && node) || std::env::var_os("EVENTWIRE_REQUIRE_NODE").is_some() {
        println!("cargo:rustc-cfg=asyncapi_parser");
    }
}
