//! The coverage report: per event, its sites, how often the tests ran each
//! and which tests did, and a status. Its JSON form is the schema other
//! tools read (`coverage.json`); fields are only ever added.
//!
//! What counts:
//!
//! - a **site** is one event of one `#[emits]`, or one `emit!`, in
//!   production code: a library or binary, outside `#[cfg(test)]` and
//!   `#[test]` code. Sites in integration tests, benchmarks, examples and
//!   test code are shown apart and never count;
//! - a site is **exercised** when a test ran it: its phase came (an `err`
//!   site only when a test made the function fail), bus or no bus; a site
//!   on several phases (`err | cancel`) when each of them came, else it ran
//!   only partly;
//! - the run's **scope** is the packages whose tests it ran. An event whose
//!   only sites lie in other packages is "outside this run", never NO SITE.

use crate::binaries::TestBinary;
use crate::merge::{Merged, Runner};
use crate::sources::{Skip, Sources};
use crate::workspace::Workspace;
use eventwire::coverage_data::SiteEntry;
use eventwire::registry::{FieldCapture, FieldOrigin};
use eventwire::FieldType;
use eventwire_grammar::source::Gate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How many tests are named per site; `test_count` has the full number.
pub const TESTS_SHOWN: usize = 3;

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `38/38 event types wired · 30/38 exercised by tests`.
    pub summary: String,
    /// The counts behind the summary.
    pub totals: Totals,
    /// What the run covered.
    pub scope: Scope,
    /// Every event enum of the run's packages, and every other enum with a
    /// site in them.
    pub enums: Vec<EnumReport>,
    /// Production sites in the run's packages that no test process
    /// registered: the code that holds them never ran in a test, or is not
    /// linked into one.
    pub unlinked: Vec<UnlinkedSite>,
    /// What the reading of the sources did not follow, and why.
    #[serde(default)]
    pub skipped: Vec<Skip>,
    /// Enums declared in test code: never required to have sites.
    #[serde(default)]
    pub test_only_enums: Vec<String>,
    /// Whether the tests of the run failed: what they recorded may be
    /// incomplete (the catalog is not written from such a run).
    #[serde(default)]
    pub tests_failed: bool,
}

/// What a run covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The workspace's root.
    pub workspace_root: String,
    /// The packages whose tests ran.
    pub packages: Vec<String>,
}

/// Counts over every enum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Event types.
    pub events: usize,
    /// Event types with at least one production site in the run's packages.
    pub wired: usize,
    /// Event types every required site of which ran in a test.
    pub exercised: usize,
    /// Event types some of whose required sites ran, not all.
    #[serde(default)]
    pub partly_exercised: usize,
    /// Event types exempt with `#[event(unwired = "..")]` and without a site.
    pub exempt: usize,
    /// Event types all of whose sites are waived with `untested = ".."`.
    #[serde(default)]
    pub waived: usize,
    /// Event types whose sites all lie outside the run's packages.
    #[serde(default)]
    pub outside: usize,
    /// Production sites in the run's packages.
    pub sites: usize,
    /// Required sites no test ran.
    pub unexercised_sites: usize,
    /// Production sites the sources hold that no test process registered
    /// (those shown under an event are counted among `unexercised_sites`
    /// too; one no enum could be told for is listed in `unlinked` only):
    /// they fail the run even with `--allow-unexercised`.
    #[serde(default)]
    pub unregistered_sites: usize,
    /// Waived sites that a test ran after all.
    #[serde(default)]
    pub stale_waivers: usize,
}

/// One enum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumReport {
    /// Its path.
    pub name: String,
    /// The package that declares it, when it is a workspace member.
    #[serde(default)]
    pub package: Option<String>,
    /// Its events, in declaration order.
    pub events: Vec<EventReport>,
}

/// Where an event stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every required site ran in at least one test.
    Exercised,
    /// Some of its required sites ran, not all.
    PartlyExercised,
    /// It has sites; no test ran any.
    WiredNotExercised,
    /// It has no site.
    NoSite,
    /// It has no site, with a reason.
    Exempt,
    /// It is exempt, yet has a site.
    StaleExemption,
    /// Every site is waived with `untested = ".."`.
    Waived,
    /// Its sites lie only in packages this run did not test.
    OutsideRun,
}

impl Status {
    /// The words the table and the Markdown use.
    pub fn label(self) -> &'static str {
        match self {
            Status::Exercised => "exercised",
            Status::PartlyExercised => "partly exercised",
            Status::WiredNotExercised => "wired, never exercised",
            Status::NoSite => "NO SITE",
            Status::Exempt => "exempt",
            Status::StaleExemption => "stale exemption",
            Status::Waived => "waived",
            Status::OutsideRun => "sites outside this run",
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventReport {
    /// The variant name.
    pub variant: String,
    /// The dotted name.
    pub name: String,
    /// Where it stands.
    pub status: Status,
    /// The exemption's reason.
    pub exemption: Option<String>,
    /// Set when it has several sites, all in this one function (the story's
    /// event emitted from two code paths of one method): information only.
    pub duplicated_in: Option<String>,
    /// Its production sites in the run's packages.
    pub sites: Vec<SiteReport>,
    /// Its sites in test code: shown, never counted.
    #[serde(default)]
    pub test_sites: Vec<SiteReport>,
    /// Its sites in packages this run did not test.
    #[serde(default)]
    pub outside: Vec<SiteReport>,
}

/// Where a site stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    /// A test ran it.
    Ran,
    /// Tests ran it on some of its phases, not all (`never_ran_on` says
    /// which never came).
    PartlyRan,
    /// No test ran it.
    NeverRan,
    /// No test ran it, and it is waived.
    Waived,
    /// It is waived, yet a test ran it: the waiver is stale.
    StaleWaiver,
}

/// One site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    /// Its identity (`eventwire_grammar::SiteKey` as text).
    #[serde(default)]
    pub key: String,
    /// `Type::method`.
    pub function: String,
    /// The full path of the function (from its module, as far as known):
    /// what tells two `Handler::get` of two modules apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The package that holds it.
    #[serde(default)]
    pub package: Option<String>,
    /// The file.
    pub file: String,
    /// The line.
    pub line: u32,
    /// The column.
    #[serde(default)]
    pub column: u32,
    /// The rank among sites that share the rest of the key.
    #[serde(default)]
    pub ordinal: u32,
    /// The phases it fires on.
    pub phases: Vec<String>,
    /// How many times it ran, summed over the test processes (at least this many).
    pub hits: u64,
    /// How many tests ran it.
    pub test_count: usize,
    /// The first few of those tests: binary and full path, as nextest names them.
    pub tests: Vec<String>,
    /// Whether code outside any known test ran it too (a thread a test
    /// spawned, say): the test cannot be known.
    #[serde(default)]
    pub unknown_tests: bool,
    /// The reason of `untested = ".."`.
    #[serde(default)]
    pub waiver: Option<String>,
    /// Where it stands.
    #[serde(default = "never_ran")]
    pub status: SiteStatus,
    /// The phases it fires on that no test run brought, when tests ran it
    /// on others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_ran_on: Vec<String>,
    /// Whether a test process registered it (false for a site found only
    /// in the source).
    #[serde(default = "yes")]
    pub registered: bool,
    /// The fields its events carry (none known for an unregistered site).
    #[serde(default)]
    pub fields: Vec<FieldReport>,
}

/// One field of a site's events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldReport {
    /// Its name.
    pub name: String,
    /// `%`, `?` or a plain value.
    pub capture: FieldCapture,
    /// `fields(..)`, `ret(..)` or an `emit!`'s own.
    pub origin: FieldOrigin,
    /// The file of its name, relative to the workspace's root.
    pub file: String,
    /// The line of its name.
    pub line: u32,
    /// The JSON types of its values: a string for `%` and `?`; for a plain
    /// value, the types the tests captured (unknown when none did).
    pub types: FieldType,
}

fn never_ran() -> SiteStatus {
    SiteStatus::NeverRan
}

fn yes() -> bool {
    true
}

/// A production site in the source that no test process registered.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnlinkedSite {
    /// The file, relative to the workspace's root.
    pub file: String,
    /// The line of the event's name.
    pub line: u32,
    /// Its column.
    pub column: u32,
    /// The event's variant name.
    pub event: String,
    /// `emits` or `emit`.
    pub written_with: String,
    /// The package that holds it.
    #[serde(default)]
    pub package: String,
}

/// What the report is built from.
pub struct Inputs<'a> {
    /// The workspace.
    pub workspace: &'a Workspace,
    /// The packages whose tests ran, by name.
    pub scope: &'a BTreeSet<String>,
    /// What the test processes wrote.
    pub merged: &'a Merged,
    /// What the sources hold.
    pub sources: &'a Sources,
    /// The test binaries, to name the tests that ran a site.
    pub binaries: &'a [TestBinary],
}

impl Report {
    /// The report of a run.
    pub fn build(inputs: &Inputs<'_>) -> Report {
        let mut names: Vec<KnownName> = Vec::new();
        for info in inputs
            .merged
            .enums
            .iter()
            .filter(|e| !e.test_only && !e.doctest)
        {
            names.push(KnownName {
                path: info.name.clone(),
                last: info.name.rsplit("::").next().unwrap_or_default().to_owned(),
                package: None,
                variants: info.variants.iter().map(|v| v.variant.clone()).collect(),
            });
        }
        for found in inputs.sources.enums.iter().filter(|e| !e.test_only) {
            match names.iter_mut().find(|k| k.path == found.path) {
                Some(known) => known.package = Some(found.package.clone()),
                None => names.push(KnownName {
                    path: found.path.clone(),
                    last: found
                        .path
                        .rsplit("::")
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    package: Some(found.package.clone()),
                    variants: found.variants.iter().map(|(v, _, _)| v.clone()).collect(),
                }),
            }
        }
        Builder { inputs, names }.build()
    }

    /// Every event in `status`, as `(enum, event)`.
    pub fn events_with(&self, status: Status) -> Vec<(&EnumReport, &EventReport)> {
        self.enums
            .iter()
            .flat_map(|e| e.events.iter().map(move |ev| (e, ev)))
            .filter(|(_, ev)| ev.status == status)
            .collect()
    }

    /// Whether the report fails the run: an event without a site, a stale
    /// exemption or waiver, a production site no test process registered,
    /// or (unless allowed) a required site no test ran.
    pub fn fails(&self, allow_unexercised: bool) -> bool {
        let structural = self
            .enums
            .iter()
            .flat_map(|e| &e.events)
            .any(|e| matches!(e.status, Status::NoSite | Status::StaleExemption))
            || self.totals.stale_waivers > 0
            || self.totals.unregistered_sites > 0;
        structural || (!allow_unexercised && self.totals.unexercised_sites > 0)
    }
}

/// A variant: Rust name, dotted name, exemption.
type Variant = (String, String, Option<String>);

/// An enum by name, to tell which one an unregistered site means.
struct KnownName {
    path: String,
    last: String,
    package: Option<String>,
    variants: Vec<String>,
}

/// The full paths a written enum path can mean from `module`: `crate::`,
/// `self::`, `super::` and `::` paths resolve exactly; another path is
/// either a module below this one or a crate's; `None` for a single name,
/// which a `use` brought in.
fn resolve(path: &str, module: &str) -> Option<Vec<String>> {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut here: Vec<&str> = module.split("::").collect();
    let krate = here.first().copied().unwrap_or_default();
    match segments.first().copied() {
        _ if segments.len() < 2 && !path.starts_with("::") => None,
        Some("crate") => Some(vec![format!("{krate}::{}", segments[1..].join("::"))]),
        Some("self") => Some(vec![format!("{module}::{}", segments[1..].join("::"))]),
        Some("super") => {
            let mut rest = &segments[..];
            while rest.first() == Some(&"super") {
                here.pop();
                rest = &rest[1..];
            }
            Some(vec![format!("{}::{}", here.join("::"), rest.join("::"))])
        }
        _ if path.starts_with("::") => Some(vec![segments.join("::")]),
        _ => Some(vec![
            format!("{module}::{}", segments.join("::")),
            segments.join("::"),
        ]),
    }
}

/// An enum as the registries and the sources know it.
struct KnownEnum {
    name: String,
    /// Where it is declared, relative to the workspace's root.
    file: String,
    line: u32,
    variants: Vec<Variant>,
    test_only: bool,
    /// The package whose sources declare it.
    declared_in: Option<String>,
}

struct Builder<'a, 'b> {
    inputs: &'b Inputs<'a>,
    /// Every enum not of test code, by name.
    names: Vec<KnownName>,
}

/// An event's sites, sorted into where they count.
#[derive(Default)]
struct Placed {
    sites: Vec<SiteReport>,
    test_sites: Vec<SiteReport>,
    outside: Vec<SiteReport>,
}

impl Builder<'_, '_> {
    fn in_scope(&self, package: Option<&str>) -> bool {
        package.is_some_and(|p| self.inputs.scope.contains(p))
    }

    fn package_of(&self, file: &str) -> Option<String> {
        self.inputs
            .workspace
            .member_of(std::path::Path::new(file))
            .map(|m| m.name.clone())
    }

    /// The tests that ran a site, and whether anything else did.
    fn attribute(&self, runners: &BTreeSet<Runner>) -> (Vec<String>, bool) {
        let mut tests = BTreeSet::new();
        let mut unknown = false;
        for runner in runners {
            let binary = runner
                .executable
                .as_ref()
                .and_then(|exe| self.inputs.binaries.iter().find(|b| b.executable == *exe));
            let name = match (&runner.test, binary) {
                (Some(test), Some(binary)) => Some(format!("{} {test}", binary.id)),
                (None, Some(binary)) => runner
                    .thread
                    .as_ref()
                    .filter(|thread| binary.tests.as_ref().is_some_and(|t| t.contains(*thread)))
                    .map(|thread| format!("{} {thread}", binary.id)),
                _ => None,
            };
            match name {
                Some(name) => {
                    tests.insert(name);
                }
                None => unknown = true,
            }
        }
        (tests.into_iter().collect(), unknown)
    }

    /// Whether a registered site is test code: the process said so, or the
    /// place its macro was invoked is compiled only for tests (a macro
    /// defined in production code, invoked by a test module).
    fn is_test_site(&self, entry: &SiteEntry) -> bool {
        entry.test_only
            || entry.doctest
            || self.inputs.sources.is_test_code_at(
                &self.inputs.workspace.root.join(self.normalize(&entry.file)),
                entry.line,
                entry.column,
            )
    }

    fn site_report(&self, entry: &SiteEntry) -> SiteReport {
        let runs = self.inputs.merged.runs.get(&entry.key);
        let hits = runs.map_or(0, |r| r.count);
        let (tests, unknown_tests) = runs.map_or((Vec::new(), false), |r| self.attribute(&r.by));
        // The phases no run brought, when some run did (a line that did
        // not say which came counts as all).
        let never_ran_on: Vec<String> = match runs {
            Some(runs) if hits > 0 && !runs.any_phase => entry
                .phases
                .iter()
                .filter(|phase| !runs.phases.contains(phase))
                .map(ToString::to_string)
                .collect(),
            _ => Vec::new(),
        };
        let status = match (&entry.waiver, hits > 0) {
            (Some(_), true) => SiteStatus::StaleWaiver,
            (Some(_), false) => SiteStatus::Waived,
            (None, true) if !never_ran_on.is_empty() => SiteStatus::PartlyRan,
            (None, true) => SiteStatus::Ran,
            (None, false) => SiteStatus::NeverRan,
        };
        SiteReport {
            key: entry.key.clone(),
            function: entry.function.clone(),
            path: entry.path.clone(),
            package: if entry.package.is_empty() {
                self.package_of(&entry.file)
            } else {
                Some(entry.package.clone())
            },
            file: self.normalize(&entry.file),
            line: entry.line,
            column: entry.column,
            ordinal: entry.ordinal,
            phases: entry.phases.iter().map(ToString::to_string).collect(),
            hits,
            test_count: tests.len(),
            tests: tests.into_iter().take(TESTS_SHOWN).collect(),
            unknown_tests,
            waiver: entry.waiver.clone(),
            status,
            never_ran_on,
            registered: true,
            fields: entry
                .fields
                .iter()
                .map(|field| FieldReport {
                    name: field.name.clone(),
                    capture: field.capture,
                    origin: field.origin,
                    file: self.normalize(&field.file),
                    line: field.line,
                    types: match field.capture {
                        FieldCapture::Value => self.inputs.merged.field_type(&field.key),
                        FieldCapture::Display | FieldCapture::Debug => FieldType::STRING,
                    },
                })
                .collect(),
        }
    }

    /// `file` as the report writes it: relative to the workspace's root,
    /// symbolic links resolved, with `/`, whichever way it was spelt.
    fn normalize(&self, file: &str) -> String {
        let root = &self.inputs.workspace.root;
        let path = std::path::Path::new(file);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            root.join(path)
        };
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        match absolute.canonicalize() {
            Ok(canonical) => canonical
                .strip_prefix(&canonical_root)
                .unwrap_or(&canonical)
                .to_string_lossy()
                .replace('\\', "/"),
            Err(_) => file.replace('\\', "/"),
        }
    }

    fn build(&self) -> Report {
        let merged = self.inputs.merged;
        let sources = self.inputs.sources;
        // Where production code registered a site: a source site there is
        // registered. (Test code compiled from the same file, a bin's module
        // included by a test, registers nothing for production.)
        let registered: BTreeSet<(String, u32, u32)> = merged
            .sites
            .values()
            .filter(|s| !self.is_test_site(s))
            .map(|s| (self.normalize(&s.file), s.line, s.column))
            .collect();
        let any_registered: BTreeSet<(String, u32, u32)> = merged
            .sites
            .values()
            .map(|s| (self.normalize(&s.file), s.line, s.column))
            .collect();

        // Every enum known: from the registries and from the sources. An
        // enum is its path and where it is declared.
        let mut enums: Vec<KnownEnum> = Vec::new();
        for info in &merged.enums {
            enums.push(KnownEnum {
                name: info.name.clone(),
                file: self.normalize(&info.file),
                line: info.line,
                variants: info
                    .variants
                    .iter()
                    .map(|v| (v.variant.clone(), v.name.clone(), v.exemption.clone()))
                    .collect(),
                test_only: info.test_only || info.doctest,
                declared_in: None,
            });
        }
        for found in &sources.enums {
            let file = self.normalize(&found.file);
            let known = enums.iter_mut().find(|e| {
                e.name == found.path
                    && (e.file.is_empty() || (e.file == file && e.line == found.line))
            });
            match known {
                Some(known) => {
                    known.test_only &= found.test_only;
                    known.declared_in = Some(found.package.clone());
                    // A variant no build of the run compiled (one under
                    // `#[cfg(not(test))]` when only unit tests ran) is in
                    // production's enum all the same.
                    for variant in &found.variants {
                        if !known.variants.iter().any(|v| v.0 == variant.0) {
                            known.variants.push(variant.clone());
                        }
                    }
                }
                None => enums.push(KnownEnum {
                    name: found.path.clone(),
                    file,
                    line: found.line,
                    variants: found.variants.clone(),
                    test_only: found.test_only,
                    declared_in: Some(found.package.clone()),
                }),
            }
        }
        // Two enums of one path in one list (two crates of one name) are
        // named with where they are declared. An enum of test code is only
        // listed apart, so a library's enum keeps its plain name when an
        // integration test of the same crate name declares its own; the
        // test's is always named with its place when the path is shared.
        let production: Vec<String> = enums
            .iter()
            .filter(|e| !e.test_only)
            .map(|e| e.name.clone())
            .collect();
        let shown_name = |known: &KnownEnum| {
            let same = production.iter().filter(|n| **n == known.name).count();
            if same > 1 || (known.test_only && same > 0) {
                format!("{} ({}:{})", known.name, known.file, known.line)
            } else {
                known.name.clone()
            }
        };

        // Sources' sites that no process registered for production.
        let unregistered: Vec<&crate::sources::Site> = sources
            .sites
            .iter()
            .filter(|s| {
                let at = (self.normalize(&s.file), s.line, s.column);
                match s.gate {
                    Gate::Production | Gate::Undecided(_) => !registered.contains(&at),
                    Gate::TestOnly | Gate::NotCompiled(_) => !any_registered.contains(&at),
                }
            })
            .collect();
        // A waived one says why it needs no test: nothing to link.
        let unlinked: Vec<UnlinkedSite> = unregistered
            .iter()
            .filter(|s| {
                matches!(s.gate, Gate::Production | Gate::Undecided(_))
                    && self.inputs.scope.contains(&s.package)
                    && s.waiver.is_none()
            })
            .map(|s| UnlinkedSite {
                file: self.normalize(&s.file),
                line: s.line,
                column: s.column,
                event: s.event.clone(),
                written_with: match s.syntax {
                    eventwire_grammar::source::SiteSyntax::Attribute => "emits".to_owned(),
                    eventwire_grammar::source::SiteSyntax::Macro => "emit".to_owned(),
                },
                package: s.package.clone(),
            })
            .collect();

        let mut report_enums = Vec::new();
        let mut test_only_enums = Vec::new();
        let mut totals = Totals::default();
        for known in &enums {
            let name = &known.name;
            let variants = &known.variants;
            let package = known
                .declared_in
                .clone()
                .or_else(|| self.package_of_enum(name));
            if known.test_only {
                if self.in_scope(package.as_deref()) {
                    test_only_enums.push(shown_name(known));
                }
                continue;
            }
            let mut events = Vec::new();
            let mut any_in_scope = self.in_scope(package.as_deref());
            for (index, (variant, dotted, exemption)) in variants.iter().enumerate() {
                let mut placed = Placed::default();
                for entry in merged.sites.values().filter(|s| {
                    s.enum_name == *name
                        && s.variant == index
                        && (s.enum_file.is_empty()
                            || known.file.is_empty()
                            || (self.normalize(&s.enum_file) == known.file
                                && s.enum_line == known.line))
                }) {
                    let report = self.site_report(entry);
                    if self.is_test_site(entry) {
                        placed.test_sites.push(report);
                    } else if self.in_scope(report.package.as_deref()) {
                        placed.sites.push(report);
                    } else {
                        placed.outside.push(report);
                    }
                }
                // Sites the sources hold that no process registered.
                for site in unregistered
                    .iter()
                    .filter(|s| s.event == *variant && self.names_enum(s, name, variants))
                {
                    let report = SiteReport {
                        key: String::new(),
                        function: eventwire_grammar::site::short_name(&site.function).to_owned(),
                        path: site.function.clone(),
                        package: Some(site.package.clone()),
                        file: self.normalize(&site.file),
                        line: site.line,
                        column: site.column,
                        ordinal: 0,
                        phases: Vec::new(),
                        hits: 0,
                        test_count: 0,
                        tests: Vec::new(),
                        unknown_tests: false,
                        waiver: site.waiver.clone(),
                        status: if site.waiver.is_some() {
                            SiteStatus::Waived
                        } else {
                            SiteStatus::NeverRan
                        },
                        never_ran_on: Vec::new(),
                        registered: false,
                        fields: Vec::new(),
                    };
                    // A site behind a `cfg` this run cannot decide is required
                    // like any other: it may well be compiled.
                    match &site.gate {
                        Gate::Production | Gate::Undecided(_)
                            if self.inputs.scope.contains(&site.package) =>
                        {
                            placed.sites.push(report);
                        }
                        Gate::Production | Gate::Undecided(_) => placed.outside.push(report),
                        // Test code of a package this run did not test says
                        // nothing about this run (and its enum may be another
                        // of the same name).
                        Gate::TestOnly if self.inputs.scope.contains(&site.package) => {
                            placed.test_sites.push(report);
                        }
                        Gate::TestOnly => {}
                        Gate::NotCompiled(_) => {}
                    }
                }
                any_in_scope |= !placed.sites.is_empty();
                for list in [
                    &mut placed.sites,
                    &mut placed.test_sites,
                    &mut placed.outside,
                ] {
                    list.sort_by(|a, b| {
                        (&a.file, a.line, a.column, &a.key)
                            .cmp(&(&b.file, b.line, b.column, &b.key))
                    });
                }
                let status = status_of(exemption.as_deref(), &placed);
                // One function by its full path: two `Handler::get` of two
                // modules are two functions.
                let functions: BTreeSet<(&str, &str)> = placed
                    .sites
                    .iter()
                    .map(|s| (s.path.as_str(), s.function.as_str()))
                    .collect();
                let duplicated_in = (placed.sites.len() > 1 && functions.len() == 1).then(|| {
                    functions
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                        .1
                        .to_owned()
                });
                events.push(EventReport {
                    variant: variant.clone(),
                    name: dotted.clone(),
                    status,
                    exemption: exemption.clone(),
                    duplicated_in,
                    sites: placed.sites,
                    test_sites: placed.test_sites,
                    outside: placed.outside,
                });
            }
            if !any_in_scope {
                continue;
            }
            for event in &events {
                count(&mut totals, event);
            }
            report_enums.push(EnumReport {
                name: shown_name(known),
                package,
                events,
            });
        }
        let mut scope: Vec<String> = self.inputs.scope.iter().cloned().collect();
        scope.sort();
        let skipped = sources
            .skipped
            .iter()
            .filter(|s| {
                self.package_of(&s.file)
                    .is_some_and(|p| self.inputs.scope.contains(&p))
            })
            .map(|s| Skip {
                file: self.normalize(&s.file),
                ..s.clone()
            })
            .chain(unregistered.iter().filter_map(|s| match &s.gate {
                Gate::Undecided(why) if self.inputs.scope.contains(&s.package) => Some(Skip {
                    file: self.normalize(&s.file),
                    line: s.line,
                    what: format!("{} ({})", s.event, syntax_name(s.syntax)),
                    reason: format!(
                        "whether {why} holds in this build cannot be decided; required all the same"
                    ),
                }),
                Gate::NotCompiled(why) if self.inputs.scope.contains(&s.package) => Some(Skip {
                    file: self.normalize(&s.file),
                    line: s.line,
                    what: format!("{} ({})", s.event, syntax_name(s.syntax)),
                    reason: format!("not compiled in this build: {why} is false"),
                }),
                _ => None,
            }))
            .collect();
        // Every production site no test process registered fails the run,
        // also one the table could not place under an enum (an enum named
        // through an alias several enums could answer to).
        totals.unregistered_sites = unlinked.len();
        Report {
            summary: summary(&totals),
            totals,
            scope: Scope {
                workspace_root: self.inputs.workspace.root.display().to_string(),
                packages: scope,
            },
            enums: report_enums,
            unlinked,
            skipped,
            test_only_enums,
            tests_failed: false,
        }
    }

    /// The package of an enum known only from a registry: the member whose
    /// library crate its path starts with.
    fn package_of_enum(&self, name: &str) -> Option<String> {
        let krate = name.split("::").next()?;
        self.inputs
            .workspace
            .members
            .iter()
            .find(|m| m.targets.iter().any(|t| t.name.replace('-', "_") == krate))
            .map(|m| m.name.clone())
    }

    /// Whether a site found in the source is of the enum `name`: the one it
    /// names; else an enum of its own package that has its variant; else
    /// the only enum anywhere that has it.
    fn names_enum(&self, site: &crate::sources::Site, name: &str, variants: &[Variant]) -> bool {
        if !variants.iter().any(|(v, _, _)| *v == site.event) {
            return false;
        }
        if let Some(path) = &site.enum_path {
            if let Some(resolved) = resolve(path, &site.module) {
                if resolved.iter().any(|r| r == name) {
                    return true;
                }
                let declared = self.known_names(&site.event);
                if declared.iter().any(|k| resolved.contains(&k.path)) {
                    return false;
                }
                // A path where no enum is declared: a re-export (`pub use
                // events::EventType;`), a module brought in by `use`, a
                // dependency renamed. The enum of that name in the crate
                // the path starts with; else the only one of that name
                // anywhere (never a guess between several).
                let last = path.rsplit("::").next().unwrap_or(path);
                // The crate it starts from: `crate::`, `self::` and
                // `super::` paths are the site's own crate's.
                let from_root =
                    if matches!(path.split("::").next(), Some("crate" | "self" | "super")) {
                        resolved.first().map(String::as_str).unwrap_or(path)
                    } else {
                        path.as_str()
                    };
                let first = from_root
                    .trim_start_matches("::")
                    .split("::")
                    .next()
                    .unwrap_or("");
                if !declared.iter().any(|k| k.last == last) {
                    // No enum has that name: an alias (`use x::EventType as
                    // Ev;`, `type Ev = ..`) of the only enum with the variant.
                    return self.names_by_variant(site, name, false);
                }
                if name.rsplit("::").next() != Some(last) {
                    return false;
                }
                let same_name: Vec<&KnownName> =
                    declared.into_iter().filter(|k| k.last == last).collect();
                let of_crate: Vec<&&KnownName> = same_name
                    .iter()
                    .filter(|k| k.path.starts_with(&format!("{first}::")))
                    .collect();
                return match of_crate.as_slice() {
                    [one] => one.path == name,
                    [] => same_name.len() == 1 && same_name[0].path == name,
                    _ => false,
                };
            }
            // A name brought in by `use`: the enum of that name declared in
            // the site's own package, or else the only one of that name.
            let last = path.rsplit("::").next().unwrap_or(path);
            let same_name: Vec<&KnownName> = self.known_names(&site.event);
            if !same_name.iter().any(|k| k.last == last) {
                return self.names_by_variant(site, name, false);
            }
            if name.rsplit("::").next() != Some(last) {
                return false;
            }
            let own: Vec<&&KnownName> = same_name
                .iter()
                .filter(|k| k.last == last && k.package.as_deref() == Some(&site.package))
                .collect();
            return match own.as_slice() {
                [one] => one.path == name,
                [] => same_name.iter().filter(|k| k.last == last).count() == 1,
                _ => false,
            };
        }
        self.names_by_variant(site, name, true)
    }

    /// Whether `name` is the enum a site means when only its variant tells:
    /// with `own_first`, the one of its own package that has the variant,
    /// else the only one anywhere; without (an alias, which may name any
    /// enum), only the only one anywhere. Never a guess between several: a
    /// site no enum is told for still fails the run, listed on its own.
    fn names_by_variant(&self, site: &crate::sources::Site, name: &str, own_first: bool) -> bool {
        let candidates = self.known_names(&site.event);
        let own: Vec<&&KnownName> = candidates
            .iter()
            .filter(|k| own_first && k.package.as_deref() == Some(&site.package))
            .collect();
        match own.as_slice() {
            [] => candidates.len() == 1 && candidates[0].path == name,
            [one] => one.path == name,
            _ => false,
        }
    }

    /// The enums, not of test code, that have a variant named `variant`.
    fn known_names(&self, variant: &str) -> Vec<&KnownName> {
        self.names
            .iter()
            .filter(|k| k.variants.iter().any(|v| v == variant))
            .collect()
    }
}

fn syntax_name(syntax: eventwire_grammar::source::SiteSyntax) -> &'static str {
    match syntax {
        eventwire_grammar::source::SiteSyntax::Attribute => "#[emits]",
        eventwire_grammar::source::SiteSyntax::Macro => "emit!",
    }
}

fn status_of(exemption: Option<&str>, placed: &Placed) -> Status {
    if placed.sites.is_empty() {
        return match (exemption, placed.outside.is_empty()) {
            (Some(_), _) => Status::Exempt,
            (None, false) => Status::OutsideRun,
            (None, true) => Status::NoSite,
        };
    }
    if exemption.is_some() {
        return Status::StaleExemption;
    }
    let required: Vec<&SiteReport> = placed.sites.iter().filter(|s| s.waiver.is_none()).collect();
    let ran = required
        .iter()
        .filter(|s| s.status == SiteStatus::Ran)
        .count();
    let touched = required.iter().filter(|s| s.hits > 0).count();
    if required.is_empty() {
        Status::Waived
    } else if ran == required.len() {
        Status::Exercised
    } else if touched > 0 {
        Status::PartlyExercised
    } else {
        Status::WiredNotExercised
    }
}

fn count(totals: &mut Totals, event: &EventReport) {
    totals.events += 1;
    totals.wired += usize::from(!event.sites.is_empty());
    totals.exercised += usize::from(event.status == Status::Exercised);
    totals.partly_exercised += usize::from(event.status == Status::PartlyExercised);
    totals.exempt += usize::from(event.status == Status::Exempt);
    totals.waived += usize::from(event.status == Status::Waived);
    totals.outside += usize::from(event.status == Status::OutsideRun);
    totals.sites += event.sites.len();
    totals.unexercised_sites += event
        .sites
        .iter()
        .filter(|s| matches!(s.status, SiteStatus::NeverRan | SiteStatus::PartlyRan))
        .count();
    totals.stale_waivers += event
        .sites
        .iter()
        .filter(|s| s.status == SiteStatus::StaleWaiver)
        .count();
    totals.unregistered_sites += event
        .sites
        .iter()
        .filter(|s| !s.registered && s.status != SiteStatus::Waived)
        .count();
}

fn summary(totals: &Totals) -> String {
    let mut summary = format!(
        "{}/{} event types wired · {}/{} exercised by tests",
        totals.wired, totals.events, totals.exercised, totals.events
    );
    for (n, what) in [
        (totals.partly_exercised, "partly exercised"),
        (totals.waived, "waived"),
        (totals.exempt, "exempt"),
        (totals.outside, "with sites outside this run"),
    ] {
        if n > 0 {
            summary.push_str(&format!(" · {n} {what}"));
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::resolve;

    fn one(path: &str, module: &str) -> Vec<String> {
        resolve(path, module).unwrap()
    }

    #[test]
    fn written_enum_paths_resolve_from_the_module_of_the_site() {
        assert_eq!(one("crate::EventType", "shop::tools"), ["shop::EventType"]);
        assert_eq!(
            one("self::events::EventType", "shop::tools"),
            ["shop::tools::events::EventType"]
        );
        assert_eq!(
            one("super::EventType", "shop::tools::run"),
            ["shop::tools::EventType"]
        );
        assert_eq!(
            one("super::super::EventType", "shop::tools::run"),
            ["shop::EventType"]
        );
        assert_eq!(one("::billing::EventType", "shop"), ["billing::EventType"]);
        // A relative path is a module below this one or another crate's.
        assert_eq!(
            one("events::EventType", "shop::tools"),
            ["shop::tools::events::EventType", "events::EventType"]
        );
        // A single name came in with a `use`: the path alone cannot say.
        assert_eq!(resolve("EventType", "shop::tools"), None);
    }
}
