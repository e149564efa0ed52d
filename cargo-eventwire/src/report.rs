//! The coverage report: per event, its sites, how often the tests ran each,
//! and a status. Its JSON form is the schema other tools read
//! (`target/eventwire/coverage.json`); fields are only ever added.

use crate::merge::Merged;
use crate::scan::SourceSite;
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
    /// One entry per event enum that has at least one registered site.
    pub enums: Vec<EnumReport>,
    /// Sites found in the source that no test binary registered: the crate
    /// holding them was never linked into a test.
    pub unlinked: Vec<SourceSite>,
}

/// Counts over every enum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Event types.
    pub events: usize,
    /// Event types with at least one site.
    pub wired: usize,
    /// Event types at least one of whose sites ran in a test.
    pub exercised: usize,
    /// Event types exempt with `#[event(unwired = "..")]` and without a site.
    pub exempt: usize,
    /// Sites.
    pub sites: usize,
    /// Sites no test ran.
    pub unexercised_sites: usize,
}

/// One enum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumReport {
    /// Its path.
    pub name: String,
    /// Its events, in declaration order.
    pub events: Vec<EventReport>,
}

/// Where an event stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every site ran in at least one test.
    Exercised,
    /// Some of its sites ran, not all.
    PartlyExercised,
    /// It has sites; no test ran any.
    WiredNotExercised,
    /// It has no site.
    NoSite,
    /// It has no site, with a reason.
    Exempt,
    /// It is exempt, yet has a site.
    StaleExemption,
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
    /// Its sites.
    pub sites: Vec<SiteReport>,
}

/// One site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    /// `Type::method`.
    pub function: String,
    /// The file.
    pub file: String,
    /// The line.
    pub line: u32,
    /// The phases it fires on.
    pub phases: Vec<String>,
    /// How many times it ran, summed over the test processes (at least this many).
    pub hits: u64,
    /// How many tests ran it.
    pub test_count: usize,
    /// The first few of those tests, by name.
    pub tests: Vec<String>,
}

impl Report {
    /// The report of what the test processes wrote, checked against the
    /// sites found in the source.
    pub fn build(merged: &Merged, source: &[SourceSite]) -> Report {
        let mut enums = Vec::new();
        let mut totals = Totals::default();
        for info in merged.enums.values() {
            let mut events = Vec::new();
            for (index, variant) in info.variants.iter().enumerate() {
                let mut sites: Vec<SiteReport> = merged
                    .sites
                    .values()
                    .filter(|s| s.enum_name == info.name && s.variant == index)
                    .map(|s| {
                        let hits = merged.hits.get(&s.key);
                        let tests: Vec<String> = hits
                            .map(|h| h.tests.iter().cloned().collect())
                            .unwrap_or_default();
                        SiteReport {
                            function: s.function.clone(),
                            file: s.file.clone(),
                            line: s.line,
                            phases: s.phases.iter().map(ToString::to_string).collect(),
                            hits: hits.map_or(0, |h| h.count),
                            test_count: tests.len(),
                            tests: tests.into_iter().take(TESTS_SHOWN).collect(),
                        }
                    })
                    .collect();
                sites.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
                let ran = sites.iter().filter(|s| s.hits > 0).count();
                let status = match (&variant.exemption, sites.is_empty()) {
                    (Some(_), true) => Status::Exempt,
                    (Some(_), false) => Status::StaleExemption,
                    (None, true) => Status::NoSite,
                    (None, false) if ran == sites.len() => Status::Exercised,
                    (None, false) if ran > 0 => Status::PartlyExercised,
                    (None, false) => Status::WiredNotExercised,
                };
                let functions: BTreeSet<&str> = sites.iter().map(|s| s.function.as_str()).collect();
                let duplicated_in = (sites.len() > 1 && functions.len() == 1)
                    .then(|| functions.into_iter().next().unwrap_or_default().to_owned());
                totals.events += 1;
                totals.wired += usize::from(!sites.is_empty());
                totals.exercised += usize::from(ran > 0);
                totals.exempt += usize::from(status == Status::Exempt);
                totals.sites += sites.len();
                totals.unexercised_sites += sites.len() - ran;
                events.push(EventReport {
                    variant: variant.variant.clone(),
                    name: variant.name.clone(),
                    status,
                    exemption: variant.exemption.clone(),
                    duplicated_in,
                    sites,
                });
            }
            enums.push(EnumReport {
                name: info.name.clone(),
                events,
            });
        }
        let registered: BTreeSet<(&str, u32, u32)> = merged
            .sites
            .values()
            .map(|s| (s.file.as_str(), s.line, s.column))
            .collect();
        let unlinked: Vec<SourceSite> = source
            .iter()
            .filter(|s| !registered.contains(&(s.file.as_str(), s.line, s.column)))
            .cloned()
            .collect();
        let mut summary = format!(
            "{}/{} event types wired · {}/{} exercised by tests",
            totals.wired, totals.events, totals.exercised, totals.events
        );
        if totals.exempt > 0 {
            summary.push_str(&format!(" · {} exempt", totals.exempt));
        }
        Report {
            summary,
            totals,
            enums,
            unlinked,
        }
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
    /// exemption, a site no test binary linked, or (unless allowed) a site
    /// no test ran.
    pub fn fails(&self, allow_unexercised: bool) -> bool {
        let structural = self
            .enums
            .iter()
            .flat_map(|e| &e.events)
            .any(|e| matches!(e.status, Status::NoSite | Status::StaleExemption))
            || !self.unlinked.is_empty();
        structural || (!allow_unexercised && self.totals.unexercised_sites > 0)
    }
}
