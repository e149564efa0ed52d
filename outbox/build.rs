//! Decides whether the tests against real servers can run: `nats-server`
//! (`cfg(nats_server)`, see `nats/nats_server_cfg.rs`) and PostgreSQL's
//! `initdb` and `postgres` (`cfg(postgres_server)`). Without them the tests
//! are compiled as ignored, so `cargo test` shows them as not run, with the
//! reason. `EVENTWIRE_REQUIRE_NATS` and `EVENTWIRE_REQUIRE_POSTGRES` (set by
//! CI) make them run, and fail without the servers.

include!("../nats/nats_server_cfg.rs");

fn main() {
    nats_server_cfg();
    println!("cargo:rustc-check-cfg=cfg(postgres_server)");
    println!("cargo:rerun-if-env-changed=EVENTWIRE_REQUIRE_POSTGRES");
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .any(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
    });
    let debian = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
        versions
            .filter_map(Result::ok)
            .any(|v| v.path().join("bin/initdb").is_file())
    });
    if on_path || debian || std::env::var_os("EVENTWIRE_REQUIRE_POSTGRES").is_some() {
        println!("cargo:rustc-cfg=postgres_server");
    }
}
