// Shared by the build scripts of the crates whose tests start `nats-server`
// (`include!`d): sets `cfg(nats_server)` when the server is on the `PATH`
// or `EVENTWIRE_REQUIRE_NATS` is set, and says whether it was found.

/// Emits `cfg(nats_server)` when the NATS tests can (or must) run.
fn nats_server_cfg() -> bool {
    println!("cargo:rustc-check-cfg=cfg(nats_server)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_NATS");
    println!("cargo:rerun-if-env-changed=PATH");
    // Installing the server later adds a file to one of these directories.
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path).filter(|d| std::path::Path::new(d).is_dir()) {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
    }
    let found = std::process::Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found || std::env::var_os("EVENTWIRE_REQUIRE_NATS").is_some() {
        println!("cargo:rustc-cfg=nats_server");
    }
    found
}
