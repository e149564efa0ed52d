//! The test of `--nats` needs `nats-server`: without it, it is compiled as
//! ignored (see `nats/nats_server_cfg.rs`).

include!("../../nats/nats_server_cfg.rs");

fn main() {
    nats_server_cfg();
}
