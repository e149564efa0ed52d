//! `cargo eventwire`: run the tests with site recording on, and report which
//! event sites they ran. See `cargo eventwire --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Cargo runs `cargo-eventwire eventwire <args>`; run directly, it gets `<args>`.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("eventwire") {
        args.remove(0);
    }
    match cargo_eventwire::cli::run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("cargo eventwire: {error}");
            ExitCode::from(2)
        }
    }
}
