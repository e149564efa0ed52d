//! The files that test processes write when a coverage run records which
//! sites ran, and that `cargo eventwire` reads.
//!
//! Each process appends JSON lines to its own file in the run's hits
//! directory: one [`Line::Registry`] with every site and event enum the
//! process links, then a [`Line::Hit`] when a site first runs in a test, at
//! each of its first runs and then each time its count in the process
//! reaches a power of two. The format only grows: readers ignore fields
//! they do not know.

use crate::field::FieldType;
use crate::phase::Phase;
use crate::registry::{EnumInfo, FieldCapture, FieldDecl, FieldOrigin, SiteOrigin, SiteRecord};
use serde::{Deserialize, Serialize};

/// One line of a hits file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    /// The sites and enums this process links.
    Registry {
        /// The test binary's file name, e.g. `orders-3f2a1b`.
        binary: String,
        /// The test binary's path, so that its tests can be listed.
        #[serde(default)]
        executable: Option<String>,
        /// Every event enum linked, with or without sites.
        enums: Vec<EnumInfo>,
        /// Every site.
        sites: Vec<SiteEntry>,
    },
    /// A site ran.
    Hit {
        /// [`SiteEntry::key`] of the site.
        site: String,
        /// The test that ran it, when the runner names it (nextest runs one
        /// test per process, named on its command line).
        test: Option<String>,
        /// The thread it ran on, by name: under `cargo test`, the name of the
        /// test whose thread it is, or of any other thread.
        #[serde(default)]
        thread: Option<String>,
        /// How many times it had run in this process at this moment.
        count: u64,
        /// The phases of the site that came in this run (empty in lines
        /// written before phases were recorded: then any).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        phases: Vec<Phase>,
    },
    /// A plain field was captured with a value of types not seen before
    /// in this process.
    FieldTyped {
        /// [`FieldEntry::key`] of the field.
        field: String,
        /// Every type seen so far.
        types: FieldType,
    },
}

/// A captured field of a site, as the registry line lists it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldEntry {
    /// Its identity: where its name is written, the function that
    /// captures it, and the name (see [`field_key`]).
    pub key: String,
    /// The name.
    pub name: String,
    /// `%`, `?` or a plain value.
    pub capture: FieldCapture,
    /// `fields(..)`, `ret(..)` or an `emit!`'s own.
    pub origin: FieldOrigin,
    /// The file of its name.
    pub file: String,
    /// The line of its name.
    pub line: u32,
    /// The types known when the line was written (see [`Line::FieldTyped`]).
    pub types: FieldType,
}

impl FieldEntry {
    /// The entry of a registered field.
    pub fn of(field: &FieldDecl) -> FieldEntry {
        let (file, line, _) = field.location();
        FieldEntry {
            key: field_key(field),
            name: field.name().to_owned(),
            capture: field.capture(),
            origin: field.origin(),
            file: file.to_owned(),
            line,
            types: field.field_type(),
        }
    }
}

/// [`FieldEntry::key`] of a field: where its name is written, the function
/// that captures it (functions one `macro_rules!` invocation makes share the
/// place) and its name.
pub fn field_key(field: &FieldDecl) -> String {
    let (file, line, column) = field.location();
    format!(
        "{file}:{line}:{column}:{}:{}",
        field.function_path(),
        field.name()
    )
}

/// A site, as the registry line lists it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SiteEntry {
    /// The site's identity (`eventwire_grammar::SiteKey` as text): unique per site.
    pub key: String,
    /// The enum's path.
    pub enum_name: String,
    /// Where the enum is declared (with `enum_name`, its identity).
    #[serde(default)]
    pub enum_file: String,
    /// The line of its declaration.
    #[serde(default)]
    pub enum_line: u32,
    /// The variant's position in the enum, as the build that wrote it
    /// numbers them (another build may number them otherwise: a variant
    /// under `#[cfg(test)]`).
    pub variant: usize,
    /// The variant's Rust name, which every build agrees on.
    #[serde(default)]
    pub variant_name: String,
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
    /// The rank among sites that share the rest of the key.
    #[serde(default)]
    pub ordinal: u32,
    /// Whether it is in test code, which never counts as wiring.
    #[serde(default)]
    pub test_only: bool,
    /// Whether it is in a documentation example.
    #[serde(default)]
    pub doctest: bool,
    /// The package whose code holds it.
    #[serde(default)]
    pub package: String,
    /// The reason of `untested = ".."`.
    #[serde(default)]
    pub waiver: Option<String>,
    /// The fields its events carry.
    #[serde(default)]
    pub fields: Vec<FieldEntry>,
}

impl SiteEntry {
    /// The entry of a registered site.
    pub fn of(site: &'static SiteRecord) -> SiteEntry {
        let key = site.key();
        let info = site.enum_info();
        SiteEntry {
            enum_name: info.name,
            enum_file: info.file,
            variant_name: info
                .variants
                .get(site.variant_index())
                .map(|v| v.variant.clone())
                .unwrap_or_default(),
            enum_line: info.line,
            variant: site.variant_index(),
            phases: site.phases().iter().collect(),
            origin: site.origin(),
            function: site.function().to_owned(),
            path: site.path().to_owned(),
            file: site.file().to_owned(),
            line: site.line(),
            column: site.column(),
            ordinal: key.ordinal,
            test_only: site.is_test_only(),
            doctest: site.is_doctest(),
            package: site.package().to_owned(),
            waiver: site.waiver().map(str::to_owned),
            fields: site.fields().iter().map(|f| FieldEntry::of(f)).collect(),
            key: key.to_string(),
        }
    }
}
