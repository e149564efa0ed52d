//! Decides whether the NATS tests can run: they need `nats-server` on the
//! `PATH`. Without it they are compiled as ignored, so that `cargo test`
//! shows them as not run (with the reason) instead of passed. With
//! `EVENTWIRE_REQUIRE_NATS` set (as CI does) they always run, and fail
//! without the server. Likewise the test of a Python consumer needs the
//! `cloudevents` and `nats-py` packages (`EVENTWIRE_REQUIRE_PYTHON`).

use std::process::Command;

include!("nats_server_cfg.rs");

fn main() {
    let found = nats_server_cfg();
    println!("cargo:rustc-check-cfg=cfg(python_consumer)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_PYTHON");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_PYTHON");
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
