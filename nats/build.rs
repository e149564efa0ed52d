//! Decides whether the NATS tests can run: they need `nats-server` on the
//! `PATH`. Without it they are compiled as ignored, so that `cargo test`
//! shows them as not run (with the reason) instead of passed. With
//! `EVENTWIRE_REQUIRE_NATS` set (as CI does) they always run, and fail
//! without the server.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(nats_server)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_NATS");
    println!("cargo:rerun-if-env-changed=PATH");
    // Installing the server later adds a file to one of these directories.
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path).filter(|d| Path::new(d).is_dir()) {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
    }
    let found = Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found || std::env::var_os("EVENTWIRE_REQUIRE_NATS").is_some() {
        println!("cargo:rustc-cfg=nats_server");
    }
}
