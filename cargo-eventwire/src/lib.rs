//! The library behind `cargo eventwire`: merging the hits files that test
//! processes write (feature `coverage` of `eventwire`), scanning the sources
//! for sites, and rendering the report.

pub mod cli;
pub mod merge;
pub mod render;
pub mod report;
pub mod scan;
