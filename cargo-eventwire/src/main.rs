//! `cargo eventwire`: run the tests with site recording on, and report which
//! event sites they ran; write the event catalog. See `cargo eventwire --help`.

use cargo_eventwire::cli::{parse, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match parse(std::env::args()) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match &cli.command {
        Command::Coverage(args) => cargo_eventwire::run::coverage(args),
        Command::Report(args) => cargo_eventwire::run::report(args),
        Command::Catalog(args) => cargo_eventwire::run::catalog(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("cargo eventwire: {error}");
            ExitCode::from(2)
        }
    }
}
