//! The files that test processes write when the `coverage` feature records
//! which sites ran, and that `cargo eventwire` reads.
//!
//! Each process appends JSON lines to its own file in the hits directory:
//! one [`Line::Registry`] with every site the process links, then a
//! [`Line::Hit`] when a site first runs in a test, and again each time its
//! count in the process reaches a power of two. The format only grows:
//! readers ignore fields they do not know.

use crate::phase::Phase;
use crate::registry::{EnumInfo, SiteOrigin, SiteRecord};
use serde::{Deserialize, Serialize};

/// One line of a hits file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    /// The sites this process links, and their enums.
    Registry {
        /// The test binary.
        binary: String,
        /// Every enum a site belongs to.
        enums: Vec<EnumInfo>,
        /// Every site.
        sites: Vec<SiteEntry>,
    },
    /// A site ran.
    Hit {
        /// [`SiteEntry::key`] of the site.
        site: String,
        /// The test that ran it, when known.
        test: Option<String>,
        /// How many times it had run in this process at this moment.
        count: u64,
    },
}

/// A site, as the registry line lists it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SiteEntry {
    /// `file:line:column:Enum::Variant`: unique per site.
    pub key: String,
    /// The enum's path.
    pub enum_name: String,
    /// The variant's position in the enum.
    pub variant: usize,
    /// The phases it fires on.
    pub phases: Vec<Phase>,
    /// `#[emits]` or `emit!`.
    pub origin: SiteOrigin,
    /// `Type::method`.
    pub function: String,
    /// The full path of the enclosing function.
    pub path: String,
    /// The source file.
    pub file: String,
    /// The line of the event's name.
    pub line: u32,
    /// Its column.
    pub column: u32,
}

impl SiteEntry {
    /// The entry of a registered site.
    pub fn of(site: &SiteRecord) -> SiteEntry {
        let info = site.enum_info();
        let variant = info
            .variants
            .get(site.variant_index())
            .map_or("?", |v| v.variant.as_str());
        SiteEntry {
            key: format!(
                "{}:{}:{}:{}::{}",
                site.file(),
                site.line(),
                site.column(),
                info.name,
                variant
            ),
            enum_name: info.name.clone(),
            variant: site.variant_index(),
            phases: site.phases().iter().collect(),
            origin: site.origin(),
            function: site.function().to_owned(),
            path: site.path().to_owned(),
            file: site.file().to_owned(),
            line: site.line(),
            column: site.column(),
        }
    }
}
