//! The library behind `cargo eventwire`: building and running the tests
//! with site recording on, merging what every test process wrote, reading
//! the sources with the macros' own grammar (`eventwire-grammar`), and
//! rendering the report and the event catalog.

pub mod binaries;
pub mod catalog;
pub mod cli;
pub mod merge;
pub mod render;
pub mod report;
pub mod run;
pub mod sources;
pub mod workspace;
