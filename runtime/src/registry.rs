//! The link-time registry of emission sites and event enums.
//!
//! Every event of every `#[emits]` and every `emit!` puts one static
//! [`SiteRecord`] into an `inventory` collection, whether or not the function
//! is ever called; every `#[derive(EventType)]` registers its enum, so that
//! an enum without a single site is still known. The coverage check and
//! `cargo eventwire` read them back.

use crate::event::Site;
use crate::field::FieldType;
use crate::kind::EventKind;
use crate::phase::Phases;
use eventwire_grammar::site::{function_path, short_name};
use eventwire_grammar::SiteKey;
use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;

/// How a site was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteOrigin {
    /// An event listed in `#[emits(..)]`.
    Attribute,
    /// An `emit!(..)`.
    Macro,
}

/// What an event enum declares, for tools that read registries without
/// knowing the enum's type.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnumInfo {
    /// The enum's path, e.g. `agent_services::EventType`.
    pub name: String,
    /// Its variants, in declaration order.
    pub variants: Vec<VariantInfo>,
    /// Whether the enum is declared in test code (an integration test,
    /// `#[cfg(test)]` code): its events are never required to have a site.
    #[serde(default)]
    pub test_only: bool,
    /// Whether it is declared in a documentation example.
    #[serde(default)]
    pub doctest: bool,
    /// Where it is declared, as `file!()` gives it: two enums of one path
    /// (a library's and an integration test's of the same name) are told
    /// apart by it.
    #[serde(default)]
    pub file: String,
    /// The line of its declaration.
    #[serde(default)]
    pub line: u32,
}

/// One variant of an [`EnumInfo`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VariantInfo {
    /// The Rust name, e.g. `ToolInvoked`.
    pub variant: String,
    /// The dotted name, e.g. `tool.invoked`.
    pub name: String,
    /// The reason given with `#[event(unwired = "..")]`.
    pub exemption: Option<String>,
    /// Whether it is test code (under `#[cfg(test)]`): never required to
    /// have a site.
    #[serde(default)]
    pub test_only: bool,
}

impl EnumInfo {
    /// The description of `E`.
    pub fn of<E: EventKind>() -> EnumInfo {
        EnumInfo {
            name: E::ENUM_NAME.to_owned(),
            variants: E::ALL
                .iter()
                .map(|kind| VariantInfo {
                    variant: kind.variant_name().to_owned(),
                    name: kind.dotted_name().to_owned(),
                    exemption: kind.exemption().map(str::to_owned),
                    test_only: E::TEST_ONLY_VARIANTS
                        .get(kind.index())
                        .copied()
                        .unwrap_or(false),
                })
                .collect(),
            test_only: false,
            doctest: false,
            file: E::DECLARED_AT.0.to_owned(),
            line: E::DECLARED_AT.1,
        }
    }

    /// Whether `other` describes the same enum: the same path, declared in
    /// the same place.
    pub fn same_enum(&self, other: &EnumInfo) -> bool {
        self.name == other.name && self.file == other.file && self.line == other.line
    }
}

/// How a field's value is captured.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldCapture {
    /// `name = %value`: its `Display` text.
    Display,
    /// `name = ?value`: its `Debug` text.
    Debug,
    /// `name = value`: as the value's [`FieldValue`](crate::FieldValue) gives it.
    Value,
}

/// Where a field is written, which decides the events that carry it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldOrigin {
    /// `fields(..)` of `#[emits]`: every event of the call, and its `emit!`s.
    Call,
    /// `ret(..)` of `#[emits]`: the call's `ok`, `err` and `exit` events.
    Return,
    /// The `emit!`'s own fields: its event.
    Emit,
}

/// What the macros know of a captured field.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub capture: FieldCapture,
    pub origin: FieldOrigin,
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
    /// Names the enclosing function, as a site's does: fields written once
    /// in a `macro_rules!` that makes several functions share their place.
    pub function: fn() -> &'static str,
}

/// One captured field of one `#[emits]` or `emit!`, shared by the records
/// of the sites whose events carry it. The JSON type of a plain value is
/// the Rust type's, which only the compiled capture knows: it is learned
/// when the field is captured (with the `coverage` feature, which records it).
pub struct FieldDecl {
    spec: FieldSpec,
    seen: AtomicU8,
}

impl FieldDecl {
    #[doc(hidden)]
    pub const fn new(spec: FieldSpec) -> Self {
        FieldDecl {
            spec,
            seen: AtomicU8::new(0),
        }
    }

    /// The field's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// `%`, `?` or a plain value.
    pub fn capture(&self) -> FieldCapture {
        self.spec.capture
    }

    /// `fields(..)`, `ret(..)` or an `emit!`'s own.
    pub fn origin(&self) -> FieldOrigin {
        self.spec.origin
    }

    /// Where its name is written: file, line and column.
    pub fn location(&self) -> (&'static str, u32, u32) {
        (self.spec.file, self.spec.line, self.spec.column)
    }

    /// The full path of the function whose call or `emit!` captures it.
    pub fn function_path(&self) -> String {
        function_path((self.spec.function)())
    }

    /// The JSON types of its values: a string for `%` and `?`; for a plain
    /// value, the types of the values captured in this process so far
    /// ([`FieldType::UNKNOWN`] before any).
    pub fn field_type(&self) -> FieldType {
        match self.spec.capture {
            FieldCapture::Display | FieldCapture::Debug => FieldType::STRING,
            FieldCapture::Value => FieldType::from_bits(self.seen.load(Ordering::Relaxed)),
        }
    }

    /// Notes that a value of type `ty` was captured; true when that is news.
    #[cfg(feature = "coverage")]
    pub(crate) fn saw(&self, ty: FieldType) -> bool {
        let seen = self.seen.load(Ordering::Relaxed);
        seen & ty.bits() != ty.bits() && {
            let before = self.seen.fetch_or(ty.bits(), Ordering::Relaxed);
            before & ty.bits() != ty.bits()
        }
    }
}

impl fmt::Debug for FieldDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldDecl")
            .field("spec", &self.spec)
            .field("type", &self.field_type())
            .finish()
    }
}

/// The event value a record points to: any event enum's variant.
type AnyKind = dyn Any + Send + Sync + RefUnwindSafe + UnwindSafe;

/// What the macros know of a site when they generate its record.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct SiteSpec {
    pub kind: &'static AnyKind,
    pub variant: usize,
    pub enum_info: fn() -> EnumInfo,
    pub phases: Phases,
    pub origin: SiteOrigin,
    pub function: fn() -> &'static str,
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
    pub test_only: bool,
    pub doctest: bool,
    pub package: &'static str,
    pub waiver: Option<&'static str>,
    pub order: u32,
    pub fields: &'static [&'static FieldDecl],
}

impl fmt::Debug for SiteSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteSpec")
            .field("file", &self.file)
            .field("line", &self.line)
            .field("column", &self.column)
            .finish_non_exhaustive()
    }
}

/// One registered emission site.
pub struct SiteRecord {
    spec: SiteSpec,
    hits: AtomicU64,
    names: OnceLock<(String, String)>,
}

impl SiteRecord {
    #[doc(hidden)]
    pub const fn new(spec: SiteSpec) -> Self {
        SiteRecord {
            spec,
            hits: AtomicU64::new(0),
            names: OnceLock::new(),
        }
    }

    /// The event this site emits, if it is of the enum `E`.
    pub fn kind<E: EventKind>(&self) -> Option<E> {
        (self.spec.kind as &dyn Any).downcast_ref::<E>().copied()
    }

    /// The position of its event in the enum's declaration.
    pub fn variant_index(&self) -> usize {
        self.spec.variant
    }

    /// The enum its event belongs to.
    pub fn enum_info(&self) -> EnumInfo {
        (self.spec.enum_info)()
    }

    /// The phases it fires on.
    pub fn phases(&self) -> Phases {
        self.spec.phases
    }

    /// Whether it was written in `#[emits]` or with `emit!`.
    pub fn origin(&self) -> SiteOrigin {
        self.spec.origin
    }

    /// `Type::method`, or `module::function` for a free function.
    pub fn function(&self) -> &str {
        &self.names().0
    }

    /// The full path of the enclosing function.
    pub fn path(&self) -> &str {
        &self.names().1
    }

    /// The source file.
    pub fn file(&self) -> &'static str {
        self.spec.file
    }

    /// The line of the event's name.
    pub fn line(&self) -> u32 {
        self.spec.line
    }

    /// The column of the event's name.
    pub fn column(&self) -> u32 {
        self.spec.column
    }

    /// Whether the site is in test code (an integration test, a benchmark,
    /// an example, or `#[cfg(test)]` / `#[test]` code): it never counts as
    /// wiring its event.
    pub fn is_test_only(&self) -> bool {
        self.spec.test_only
    }

    /// Whether the site is in a documentation example.
    pub fn is_doctest(&self) -> bool {
        self.spec.doctest
    }

    /// The package whose code holds the site (`CARGO_PKG_NAME` where it was
    /// compiled).
    pub fn package(&self) -> &'static str {
        self.spec.package
    }

    /// The fields its events carry, in capture order: the call's, then
    /// `ret(..)`'s (only after the return), then an `emit!`'s own.
    pub fn fields(&self) -> &'static [&'static FieldDecl] {
        self.spec.fields
    }

    /// The reason given with `untested = ".."`: tests need not run this site.
    pub fn waiver(&self) -> Option<&'static str> {
        self.spec.waiver
    }

    /// Its identity: location, enclosing function, event, and an ordinal
    /// among sites of this binary that share all the rest.
    pub fn key(&'static self) -> SiteKey {
        let info = self.enum_info();
        let variant = info
            .variants
            .get(self.variant_index())
            .map_or("?", |v| v.variant.as_str());
        SiteKey {
            file: self.file().to_owned(),
            line: self.line(),
            column: self.column(),
            function: self.path().to_owned(),
            event: format!("{}::{variant}", info.name),
            ordinal: ordinal(self),
        }
    }

    /// How many times this site ran in this process (fired, or would have
    /// with a bus), when the `coverage` feature counts them; always 0
    /// without it.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Counts one run; returns the count so far.
    #[cfg(feature = "coverage")]
    pub(crate) fn count_hit(&self) -> u64 {
        self.hits.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn names(&self) -> &(String, String) {
        self.names.get_or_init(|| {
            let path = function_path((self.spec.function)());
            (short_name(&path).to_owned(), path)
        })
    }

    /// The site as an event carries it.
    pub fn site(&'static self) -> Site {
        let (function, path) = self.names();
        Site {
            function: Cow::Borrowed(function),
            path: Cow::Borrowed(path),
            file: Cow::Borrowed(self.spec.file),
            line: self.spec.line,
            column: self.spec.column,
        }
    }
}

impl fmt::Debug for SiteRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteRecord")
            .field("function", &self.function())
            .field("phases", &self.spec.phases)
            .field("origin", &self.spec.origin)
            .field("file", &self.spec.file)
            .field("line", &self.spec.line)
            .field("column", &self.spec.column)
            .field("test_only", &self.spec.test_only)
            .field("waiver", &self.spec.waiver)
            .finish_non_exhaustive()
    }
}

/// The rank of `site` among the sites of this binary that share its
/// location, function and event, in the order the compiler expanded them.
fn ordinal(site: &'static SiteRecord) -> u32 {
    type Identity = (
        &'static str,
        u32,
        u32,
        String,
        usize,
        String,
        bool,
        std::any::TypeId,
    );
    static ORDINALS: OnceLock<HashMap<usize, u32>> = OnceLock::new();
    let ordinals = ORDINALS.get_or_init(|| {
        let mut groups: HashMap<Identity, Vec<&'static SiteRecord>> = HashMap::new();
        for record in sites() {
            let identity = (
                record.file(),
                record.line(),
                record.column(),
                record.path().to_owned(),
                record.variant_index(),
                record.enum_info().name,
                // Test code ranked apart, so that a site only tests compile
                // never shifts the ordinals of production sites.
                record.is_test_only(),
                // Two copies of one crate in a binary (its test build, and
                // the library a dev-dependency links back in) are two
                // enum types: each copy's sites rank among themselves, and
                // a site keeps one identity whichever copy ran.
                (record.spec.kind as &dyn Any).type_id(),
            );
            groups.entry(identity).or_default().push(record);
        }
        let mut ordinals = HashMap::new();
        for mut group in groups.into_values().filter(|g| g.len() > 1) {
            group.sort_by_key(|r| r.spec.order);
            for (rank, record) in group.into_iter().enumerate() {
                ordinals.insert(address(record), u32::try_from(rank).unwrap_or(u32::MAX));
            }
        }
        ordinals
    });
    ordinals.get(&address(site)).copied().unwrap_or(0)
}

fn address(site: &'static SiteRecord) -> usize {
    std::ptr::from_ref(site) as usize
}

/// What `inventory` collects: the site records of one function's
/// attribute, registered together (one registration for all its events),
/// or the record of one `emit!`.
/// It points at the table the function already has (its sites with their
/// events), rather than at a list of the records made for it: a list of
/// references to statics, which the compiler evaluates and checks once per
/// annotated function, costs it more than the trait object.
#[doc(hidden)]
pub struct Registered(pub &'static dyn SiteTable);

impl fmt::Debug for Registered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.records()).finish()
    }
}

impl Registered {
    /// The records of the registered sites.
    fn records(&self) -> impl Iterator<Item = &'static SiteRecord> + '_ {
        (0..self.0.count()).filter_map(|i| self.0.record(i))
    }
}

/// A table of site records that [`Registered`] points at: an annotated
/// function's sites with their events, or the record of one `emit!`.
#[doc(hidden)]
pub trait SiteTable: Sync {
    /// How many records it holds.
    fn count(&self) -> usize;
    /// The record at `index`, if there is one.
    fn record(&self, index: usize) -> Option<&'static SiteRecord>;
}

impl<E: Sync, const N: usize> SiteTable for [(E, &'static SiteRecord); N] {
    fn count(&self) -> usize {
        N
    }
    fn record(&self, index: usize) -> Option<&'static SiteRecord> {
        self.get(index).map(|(_, record)| *record)
    }
}

impl<const N: usize> SiteTable for [&'static SiteRecord; N] {
    fn count(&self) -> usize {
        N
    }
    fn record(&self, index: usize) -> Option<&'static SiteRecord> {
        self.get(index).copied()
    }
}

inventory::collect!(Registered);

/// What `inventory` collects for each `#[derive(EventType)]`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RegisteredEnum {
    pub info: fn() -> EnumInfo,
    pub test_only: bool,
    pub doctest: bool,
}

inventory::collect!(RegisteredEnum);

/// Every site linked into this binary, of every enum, each once.
pub fn sites() -> impl Iterator<Item = &'static SiteRecord> {
    // An `emit!` in an `#[emits]` body is rewritten before the macros
    // around it expand: one that a `macro_rules!` repeats is one record
    // (declared with the function's) whose registration is repeated.
    let mut seen = std::collections::HashSet::new();
    inventory::iter::<Registered>
        .into_iter()
        .flat_map(Registered::records)
        .filter(move |record| seen.insert(address(record)))
}

/// Every site of the enum `E` linked into this binary, with its event.
pub fn sites_of<E: EventKind>() -> impl Iterator<Item = (E, &'static SiteRecord)> {
    sites().filter_map(|site| site.kind::<E>().map(|kind| (kind, site)))
}

/// Every event enum linked into this binary, whether or not it has a site.
pub fn enums() -> Vec<EnumInfo> {
    let mut enums: Vec<EnumInfo> = Vec::new();
    for registered in inventory::iter::<RegisteredEnum> {
        let mut info = (registered.info)();
        info.test_only = registered.test_only;
        info.doctest = registered.doctest;
        if !enums.contains(&info) {
            enums.push(info);
        }
    }
    enums
}
