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
//!   site only when a test made the function fail), bus or no bus;
//! - the run's **scope** is the packages whose tests it ran. An event whose
//!   only sites lie in other packages is "outside this run", never NO SITE.

use crate::binaries::TestBinary;
use crate::merge::{Merged, Runner};
use crate::sources::{Skip, Sources};
use crate::workspace::Workspace;
use eventwire::coverage_data::SiteEntry;
use eventwire_grammar::source::Gate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    /// Whether a test process registered it (false for a site found only
    /// in the source).
    #[serde(default = "yes")]
    pub registered: bool,
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
        Builder { inputs }.build()
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
    /// exemption or waiver, a site no test process registered, or (unless
    /// allowed) a required site no test ran.
    pub fn fails(&self, allow_unexercised: bool) -> bool {
        let structural = self
            .enums
            .iter()
            .flat_map(|e| &e.events)
            .any(|e| matches!(e.status, Status::NoSite | Status::StaleExemption))
            || self.totals.stale_waivers > 0
            || !self.unlinked.is_empty();
        structural || (!allow_unexercised && self.totals.unexercised_sites > 0)
    }
}

/// A variant: Rust name, dotted name, exemption.
type Variant = (String, String, Option<String>);

/// An enum as the registries and the sources know it.
struct KnownEnum {
    variants: Vec<Variant>,
    test_only: bool,
    /// The package whose sources declare it.
    declared_in: Option<String>,
}

struct Builder<'a, 'b> {
    inputs: &'b Inputs<'a>,
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
            let binary = runner.executable.as_ref().and_then(|exe| {
                self.inputs
                    .binaries
                    .iter()
                    .find(|b| b.executable.to_string_lossy() == exe.as_str())
            });
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

    fn site_report(&self, entry: &SiteEntry) -> SiteReport {
        let runs = self.inputs.merged.runs.get(&entry.key);
        let hits = runs.map_or(0, |r| r.count);
        let (tests, unknown_tests) = runs.map_or((Vec::new(), false), |r| self.attribute(&r.by));
        let status = match (&entry.waiver, hits > 0) {
            (Some(_), true) => SiteStatus::StaleWaiver,
            (Some(_), false) => SiteStatus::Waived,
            (None, true) => SiteStatus::Ran,
            (None, false) => SiteStatus::NeverRan,
        };
        SiteReport {
            key: entry.key.clone(),
            function: entry.function.clone(),
            package: self.package_of(&entry.file),
            file: entry.file.clone(),
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
            registered: true,
        }
    }

    fn build(&self) -> Report {
        let merged = self.inputs.merged;
        let sources = self.inputs.sources;
        let registered: BTreeSet<(&str, u32, u32)> = merged
            .sites
            .values()
            .map(|s| (s.file.as_str(), s.line, s.column))
            .collect();

        // Every enum known: from the registries and from the sources.
        let mut enums: BTreeMap<String, KnownEnum> = BTreeMap::new();
        for info in merged.enums.values() {
            let variants = info
                .variants
                .iter()
                .map(|v| (v.variant.clone(), v.name.clone(), v.exemption.clone()))
                .collect();
            enums.insert(
                info.name.clone(),
                KnownEnum {
                    variants,
                    test_only: info.test_only,
                    declared_in: None,
                },
            );
        }
        for found in &sources.enums {
            let entry = enums
                .entry(found.path.clone())
                .or_insert_with(|| KnownEnum {
                    variants: found.variants.clone(),
                    test_only: found.test_only,
                    declared_in: None,
                });
            entry.test_only &= found.test_only;
            entry.declared_in = Some(found.package.clone());
        }

        // Sources' sites in the run's packages that no process registered.
        let unregistered: Vec<&crate::sources::Site> = sources
            .sites
            .iter()
            .filter(|s| !registered.contains(&(s.file.as_str(), s.line, s.column)))
            .collect();
        let unlinked: Vec<UnlinkedSite> = unregistered
            .iter()
            .filter(|s| s.gate == Gate::Production && self.inputs.scope.contains(&s.package))
            .map(|s| UnlinkedSite {
                file: s.file.clone(),
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
        for (name, known) in &enums {
            let variants = &known.variants;
            let package = known
                .declared_in
                .clone()
                .or_else(|| self.package_of_enum(name));
            if known.test_only {
                if self.in_scope(package.as_deref()) {
                    test_only_enums.push(name.clone());
                }
                continue;
            }
            let mut events = Vec::new();
            let mut any_in_scope = self.in_scope(package.as_deref());
            for (index, (variant, dotted, exemption)) in variants.iter().enumerate() {
                let mut placed = Placed::default();
                for entry in merged
                    .sites
                    .values()
                    .filter(|s| s.enum_name == *name && s.variant == index)
                {
                    let report = self.site_report(entry);
                    if entry.test_only {
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
                        package: Some(site.package.clone()),
                        file: site.file.clone(),
                        line: site.line,
                        column: site.column,
                        ordinal: 0,
                        phases: Vec::new(),
                        hits: 0,
                        test_count: 0,
                        tests: Vec::new(),
                        unknown_tests: false,
                        waiver: None,
                        status: SiteStatus::NeverRan,
                        registered: false,
                    };
                    match &site.gate {
                        Gate::Production if self.inputs.scope.contains(&site.package) => {
                            placed.sites.push(report);
                        }
                        Gate::Production | Gate::Undecided(_) => placed.outside.push(report),
                        Gate::TestOnly | Gate::NotCompiled(_) => {}
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
                let functions: BTreeSet<&str> =
                    placed.sites.iter().map(|s| s.function.as_str()).collect();
                let duplicated_in = (placed.sites.len() > 1 && functions.len() == 1)
                    .then(|| functions.into_iter().next().unwrap_or_default().to_owned());
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
                name: name.clone(),
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
            .cloned()
            .chain(unregistered.iter().filter_map(|s| match &s.gate {
                Gate::Undecided(why) if self.inputs.scope.contains(&s.package) => Some(Skip {
                    file: s.file.clone(),
                    line: s.line,
                    what: format!("{} ({})", s.event, syntax_name(s.syntax)),
                    reason: format!(
                        "whether {why} holds in this build cannot be decided; not required"
                    ),
                }),
                Gate::NotCompiled(why) if self.inputs.scope.contains(&s.package) => Some(Skip {
                    file: s.file.clone(),
                    line: s.line,
                    what: format!("{} ({})", s.event, syntax_name(s.syntax)),
                    reason: format!("not compiled in this build: {why} is false"),
                }),
                _ => None,
            }))
            .collect();
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
            let last = name.rsplit("::").next().unwrap_or(name);
            return path.rsplit("::").next() == Some(last)
                && (path.contains("::")
                    || self.enum_package(name).as_deref() == Some(&site.package));
        }
        let candidates: BTreeSet<String> = self
            .inputs
            .merged
            .enums
            .values()
            .filter(|e| !e.test_only && e.variants.iter().any(|v| v.variant == site.event))
            .map(|e| e.name.clone())
            .chain(
                self.inputs
                    .sources
                    .enums
                    .iter()
                    .filter(|e| !e.test_only && e.variants.iter().any(|(v, _, _)| *v == site.event))
                    .map(|e| e.path.clone()),
            )
            .collect();
        let own: Vec<&String> = candidates
            .iter()
            .filter(|c| self.enum_package(c).as_deref() == Some(&site.package))
            .collect();
        match own.as_slice() {
            [] => candidates.len() == 1,
            [one] => *one == name,
            _ => false,
        }
    }

    /// The package that declares the enum `name`.
    fn enum_package(&self, name: &str) -> Option<String> {
        self.inputs
            .sources
            .enums
            .iter()
            .find(|e| e.path == name)
            .map(|e| e.package.clone())
            .or_else(|| self.package_of_enum(name))
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
    let ran = required.iter().filter(|s| s.hits > 0).count();
    if required.is_empty() {
        Status::Waived
    } else if ran == required.len() {
        Status::Exercised
    } else if ran > 0 {
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
        .filter(|s| s.status == SiteStatus::NeverRan)
        .count();
    totals.stale_waivers += event
        .sites
        .iter()
        .filter(|s| s.status == SiteStatus::StaleWaiver)
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
