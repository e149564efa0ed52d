//! Reading a crate's sources as the compiler would: the module tree from a
//! target's root, honouring `cfg` where it can be decided, with the sites
//! and event enums each file holds.

pub mod cfg;
pub mod scan;

pub use cfg::CfgSet;
pub use scan::{
    scan_crate, scan_crate_with, CrateScan, Gate, Position, SiteSyntax, Skipped, SourceEnum,
    SourceSite,
};
