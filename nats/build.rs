//! Decides whether the NATS tests can run: they need `nats-server` on the
//! `PATH`. Without it they are compiled as ignored, so that `cargo test`
//! shows them as not run (with the reason) instead of passed. With
//! `EVENTWIRE_REQUIRE_NATS` set (as CI does) they always run, and fail
//! without the server. Likewise the test of a Python consumer needs the
//! `cloudevents` and `nats-py` packages (`EVENTWIRE_REQUIRE_PYTHON`).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(nats_server)");
    println!("cargo:rustc-check-cfg=cfg(python_consumer)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_PYTHON");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_PYTHON");
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
    // The Python consumer's test needs the CloudEvents SDK and nats-py in
    // the interpreter `EVENTWIRE_PYTHON` names (`python3` by default).
    let python = std::env::var("EVENTWIRE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_packages = Command::new(&python)
        .args(["-c", "import cloudevents.core.bindings.http, nats"])
        .output()
        .is_ok_and(|o| o.status.success());
    if (found && has_packages) || std::env::var_os("EVENTWIRE_REQUIRE_PYTHON").is_some() {
        println!("cargo:rustc-cfg=python_consumer");
    }
}
