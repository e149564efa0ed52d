//! The static coverage check: does every event kind have an emission site?

use crate::kind::EventKind;
use crate::registry::SiteRecord;
use std::fmt::{self, Write as _};

/// Which sites each event of `E` has in this binary's registry.
///
/// ```
/// use eventwire::{emits, EventType};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType {
///     ReportBuilt,
///     #[event(unwired = "emitted by the legacy exporter, outside Rust")]
///     ReportExported,
/// }
///
/// #[emits(ReportBuilt)]
/// fn build_report() {}
///
/// let report = eventwire::coverage::<EventType>();
/// assert!(report.is_complete());
/// assert_eq!(report.sites(EventType::ReportBuilt).len(), 1);
/// report.assert_complete();
/// ```
pub fn coverage<E: EventKind>() -> Coverage<E> {
    #[cfg(feature = "coverage")]
    crate::hits::write_registry();
    coverage_of(crate::registry::sites())
}

/// [`coverage`] over the given sites instead of this binary's registry
/// (for tools and benchmarks that build registries of their own).
#[doc(hidden)]
pub fn coverage_of<E: EventKind>(sites: impl Iterator<Item = &'static SiteRecord>) -> Coverage<E> {
    let mut events: Vec<EventCoverage<E>> = E::ALL
        .iter()
        .map(|&kind| EventCoverage {
            kind,
            sites: Vec::new(),
            test_sites: Vec::new(),
        })
        .collect();
    for (kind, site) in sites.filter_map(|site| site.kind::<E>().map(|kind| (kind, site))) {
        if let Some(entry) = events.get_mut(kind.index()) {
            if site.is_test_only() {
                entry.test_sites.push(site);
            } else {
                entry.sites.push(site);
            }
        }
    }
    let order = |a: &&SiteRecord, b: &&SiteRecord| {
        (a.file(), a.line(), a.column(), a.path()).cmp(&(b.file(), b.line(), b.column(), b.path()))
    };
    for entry in &mut events {
        entry.sites.sort_by(order);
        entry.test_sites.sort_by(order);
    }
    Coverage { events }
}

/// The result of [`coverage`].
#[derive(Debug)]
pub struct Coverage<E> {
    events: Vec<EventCoverage<E>>,
}

/// One event kind and its sites.
#[derive(Debug)]
pub struct EventCoverage<E> {
    /// The event.
    pub kind: E,
    /// Its registered sites in production code, ordered by file and line.
    pub sites: Vec<&'static SiteRecord>,
    /// Its sites in test code (integration tests, benchmarks, examples,
    /// `#[cfg(test)]` and `#[test]` code): shown, never counted as wiring.
    pub test_sites: Vec<&'static SiteRecord>,
}

/// Where an event kind stands in the static check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It has at least one site.
    Wired,
    /// It has no site and no exemption: the check fails.
    Missing,
    /// It has no site, and `#[event(unwired = "..")]` says why.
    Exempt(&'static str),
    /// It is exempt, yet it has a site: the exemption is stale and the check fails.
    StaleExemption(&'static str),
}

impl<E: EventKind> EventCoverage<E> {
    /// Where this event stands.
    pub fn status(&self) -> Status {
        match (self.kind.exemption(), self.sites.is_empty()) {
            (None, false) => Status::Wired,
            (None, true) => Status::Missing,
            (Some(why), true) => Status::Exempt(why),
            (Some(why), false) => Status::StaleExemption(why),
        }
    }
}

impl<E: EventKind> Coverage<E> {
    /// Every event of `E`, in declaration order.
    pub fn events(&self) -> &[EventCoverage<E>] {
        &self.events
    }

    /// The sites of one event.
    pub fn sites(&self, kind: E) -> &[&'static SiteRecord] {
        self.events
            .get(kind.index())
            .map_or(&[], |e| e.sites.as_slice())
    }

    /// Events with no site and no exemption.
    pub fn missing(&self) -> Vec<E> {
        self.with_status(|s| s == Status::Missing)
    }

    /// Exempt events that have a site after all.
    pub fn stale_exemptions(&self) -> Vec<E> {
        self.with_status(|s| matches!(s, Status::StaleExemption(_)))
    }

    /// Events with at least one site.
    pub fn wired(&self) -> Vec<E> {
        self.with_status(|s| matches!(s, Status::Wired | Status::StaleExemption(_)))
    }

    fn with_status(&self, keep: impl Fn(Status) -> bool) -> Vec<E> {
        self.events
            .iter()
            .filter(|e| keep(e.status()))
            .map(|e| e.kind)
            .collect()
    }

    /// How many production sites of `E` this binary holds in all.
    pub fn site_count(&self) -> usize {
        self.events.iter().map(|e| e.sites.len()).sum()
    }

    /// Whether the check passes: no event is missing and no exemption is
    /// stale. The same verdict as [`check`](Coverage::check).
    pub fn is_complete(&self) -> bool {
        self.check().is_ok()
    }

    /// `Ok` when the check passes, else the message that
    /// [`assert_complete`](Coverage::assert_complete) panics with.
    pub fn check(&self) -> Result<(), String> {
        let test_sites: usize = self.events.iter().map(|e| e.test_sites.len()).sum();
        if self.site_count() == 0 && test_sites == 0 {
            let exempt_only = self.events.iter().all(|e| e.kind.exemption().is_some());
            if !exempt_only {
                return Err(self.nothing_linked_message());
            }
        }
        if self.missing().is_empty() && self.stale_exemptions().is_empty() {
            return Ok(());
        }
        Err(self.failure_message())
    }

    /// Panics, naming each missing event and each stale exemption, unless
    /// the check passes.
    #[track_caller]
    pub fn assert_complete(&self) {
        if let Err(message) = self.check() {
            panic!("{message}");
        }
    }

    fn failure_message(&self) -> String {
        let total = self.events.len();
        let wired = self.wired().len();
        let exempt = self
            .events
            .iter()
            .filter(|e| matches!(e.status(), Status::Exempt(_)))
            .count();
        let mut out = format!(
            "eventwire: {wired} of {total} event types of {} have an emission site",
            E::ENUM_NAME
        );
        if exempt > 0 {
            let _ = write!(out, " ({exempt} exempt)");
        }
        let missing = self.missing();
        let width = self.name_width();
        if !missing.is_empty() {
            let _ = write!(out, "\nmissing ({}):", missing.len());
            for kind in &missing {
                let _ = write!(
                    out,
                    "\n  {:width$}{}",
                    kind.variant_name(),
                    kind.dotted_name()
                );
                let in_tests = self
                    .events
                    .get(kind.index())
                    .map_or(&[][..], |e| e.test_sites.as_slice());
                if !in_tests.is_empty() {
                    let _ = write!(
                        out,
                        "  (only in test code, which does not count: {})",
                        in_tests
                            .iter()
                            .map(|s| format!("{} ({}:{})", s.function(), s.file(), s.line()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            out.push_str(
                "\nadd #[emits(..)] or emit!(..) for each, or exempt it with #[event(unwired = \"why\")]",
            );
        }
        let stale = self.stale_exemptions();
        if !stale.is_empty() {
            let _ = write!(out, "\nexempt, yet emitted ({}):", stale.len());
            for kind in &stale {
                let _ = write!(
                    out,
                    "\n  {:width$}{}  unwired = {:?}, but emitted at {}",
                    kind.variant_name(),
                    kind.dotted_name(),
                    kind.exemption().unwrap_or_default(),
                    self.sites(*kind)
                        .iter()
                        .map(|s| format!("{} ({}:{})", s.function(), s.file(), s.line()))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            out.push_str("\nremove #[event(unwired = ..)] from each: it is wired now");
        }
        out
    }

    fn nothing_linked_message(&self) -> String {
        format!(
            "eventwire: this binary has no emission site of {enum_name} at all, so its {total} \
             event types cannot be checked.\n\
             The sites are registered by the crate that holds the #[emits] methods, and only \
             when that crate is linked into this binary. A test file that never names it does \
             not link it.\n\
             Fix: add `use your_service_crate as _;` to this test file (the crate with the \
             #[emits] methods), or run this check from a test inside that crate.",
            enum_name = E::ENUM_NAME,
            total = self.events.len()
        )
    }

    fn name_width(&self) -> usize {
        self.events
            .iter()
            .map(|e| e.kind.variant_name().len())
            .max()
            .unwrap_or(0)
            + 3
    }
}

/// A table: one row per site (an event without a site gets one row), with
/// the event's status.
impl<E: EventKind> fmt::Display for Coverage<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}/{} event types of {} wired",
            self.wired().len(),
            self.events.len(),
            E::ENUM_NAME
        )?;
        let width = |text: &dyn Fn(&EventCoverage<E>) -> usize| {
            self.events.iter().map(text).max().unwrap_or(0) + 2
        };
        let variant_w = width(&|e| e.kind.variant_name().len());
        let dotted_w = width(&|e| e.kind.dotted_name().len());
        let function_w = width(&|e| {
            e.sites
                .iter()
                .chain(&e.test_sites)
                .map(|s| s.function().len())
                .max()
                .unwrap_or(0)
        });
        for event in &self.events {
            let status = match event.status() {
                Status::Wired => "wired",
                Status::Missing => "MISSING",
                Status::Exempt(_) => "exempt",
                Status::StaleExemption(_) => "STALE",
            };
            let mut row = format!(
                "  {:variant_w$}{:dotted_w$}{status:9}",
                event.kind.variant_name(),
                event.kind.dotted_name()
            );
            if let Status::Exempt(why) = event.status() {
                row.push_str(why);
            }
            for (i, site) in event.sites.iter().enumerate() {
                if i > 0 {
                    row.push_str(&format!("\n  {:variant_w$}{:dotted_w$}{:9}", "", "", ""));
                }
                row.push_str(&format!(
                    "{:function_w$}{}:{}  on {}",
                    site.function(),
                    site.file(),
                    site.line(),
                    site.phases()
                ));
            }
            for site in &event.test_sites {
                row.push_str(&format!(
                    "\n  {:variant_w$}{:dotted_w$}{:9}{:function_w$}{}:{}  in test code, not counted",
                    "",
                    "",
                    "",
                    site.function(),
                    site.file(),
                    site.line(),
                ));
            }
            writeln!(f, "{}", row.trim_end())?;
        }
        Ok(())
    }
}

/// Writes the static coverage test for an event enum: one line in a test
/// file or a `#[cfg(test)]` module of the crate that holds the sites.
///
/// ```
/// use eventwire::{emits, EventType};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { Started }
///
/// #[emits(Started)]
/// fn start() {}
///
/// eventwire::coverage_test!(EventType);
/// // or with a name of your choice:
/// eventwire::coverage_test!(EventType, every_event_is_wired);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! coverage_test {
    ($event:ty) => {
        $crate::coverage_test!($event, every_event_type_has_an_emission_site);
    };
    ($event:ty, $name:ident) => {
        #[test]
        fn $name() {
            $crate::coverage::<$event>().assert_complete();
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::registry::{EnumInfo, SiteOrigin, SiteRecord, SiteSpec};
    use crate::{emit, emits, EventKind, EventType, Phase, Phases};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Partly {
        Wired,
        MissingOne,
        AlsoMissing,
        #[event(unwired = "sent by the billing system")]
        Exempt,
        #[event(unwired = "was never sent")]
        StaleOne,
    }

    /// A site as production code registers it (this module is test code,
    /// whose own sites never count).
    fn production(kind: Partly, function: fn() -> &'static str, line: u32) -> &'static SiteRecord {
        let kinds: &'static [Partly] = Partly::ALL;
        Box::leak(Box::new(SiteRecord::new(SiteSpec {
            kind: &kinds[kind.index()],
            variant: kind.index(),
            enum_info: EnumInfo::of::<Partly>,
            phases: Phases::only(Phase::Ok),
            origin: SiteOrigin::Attribute,
            function,
            file: "src/svc.rs",
            line,
            column: 5,
            test_only: false,
            doctest: false,
            package: "svc",
            waiver: None,
            order: 0,
            fields: &[],
        })))
    }

    fn partly() -> super::Coverage<Partly> {
        let registered = crate::registry::sites();
        let made = [
            production(Partly::Wired, || "svc::wired::here", 10),
            production(Partly::StaleOne, || "svc::never_called::here", 20),
        ];
        super::coverage_of(registered.chain(made))
    }

    // Sites in test code: registered, shown, never counted.
    #[emits(MissingOne, event = Partly)]
    fn in_test_code() {}

    #[allow(dead_code)]
    fn also_in_test_code() {
        emit!(Partly::AlsoMissing);
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Unlinked {
        Alpha,
        Beta,
    }

    #[test]
    fn names_each_missing_event_and_each_stale_exemption() {
        in_test_code();
        let report = partly();
        assert!(!report.is_complete());
        assert_eq!(report.missing(), [Partly::MissingOne, Partly::AlsoMissing]);
        assert_eq!(report.stale_exemptions(), [Partly::StaleOne]);
        let message = report.check().unwrap_err();
        let expected_head = "eventwire: 2 of 5 event types of eventwire::coverage::tests::Partly have an emission site (1 exempt)\n\
                             missing (2):\n  \
                             MissingOne    missing.one  (only in test code, which does not count: tests::in_test_code (runtime/src/coverage.rs:";
        assert!(message.starts_with(expected_head), "{message}");
        assert!(
            message.contains("\n  AlsoMissing   also.missing  (only in test code, which does not count: tests::also_in_test_code (runtime/src/coverage.rs:"),
            "{message}"
        );
        assert!(
            message.contains("add #[emits(..)] or emit!(..) for each, or exempt it with #[event(unwired = \"why\")]\n\
                              exempt, yet emitted (1):\n  \
                              StaleOne      stale.one  unwired = \"was never sent\", but emitted at svc::never_called (src/svc.rs:20)"),
            "{message}"
        );
        assert!(message.ends_with("remove #[event(unwired = ..)] from each: it is wired now"));
    }

    #[test]
    #[should_panic(expected = "missing (2):")]
    fn assert_complete_panics_with_the_message() {
        partly().assert_complete();
    }

    #[test]
    fn zero_sites_explain_linking_instead_of_listing_everything() {
        let message = crate::coverage::<Unlinked>().check().unwrap_err();
        assert!(
            message.contains("has no emission site of eventwire::coverage::tests::Unlinked at all")
        );
        assert!(message.contains("use your_service_crate as _;"));
        assert!(!message.contains("missing ("), "{message}");
    }

    #[test]
    fn test_code_alone_never_completes_the_check() {
        let report = crate::coverage::<Partly>();
        assert_eq!(report.site_count(), 0);
        assert!(!report.is_complete());
        let message = report.check().unwrap_err();
        assert!(message.contains("only in test code"), "{message}");
    }

    #[test]
    fn every_variant_exempt_is_complete_and_says_so_everywhere() {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
        enum AllExempt {
            #[event(unwired = "sent by another service")]
            Elsewhere,
        }
        let report = crate::coverage::<AllExempt>();
        assert!(report.check().is_ok());
        assert!(report.is_complete());
        report.assert_complete();
    }

    #[test]
    fn a_failing_check_can_be_caught_as_a_panic() {
        let report = partly();
        let outcome = std::panic::catch_unwind(move || report.assert_complete());
        assert!(outcome.is_err());
    }

    #[test]
    fn the_table_lists_sites_and_statuses() {
        let table = partly().to_string();
        assert!(table.starts_with("2/5 event types of eventwire::coverage::tests::Partly wired"));
        assert!(table.contains("MISSING"));
        assert!(
            table.contains("exempt   sent by the billing system"),
            "{table}"
        );
        let wired_row = table.lines().nth(1).unwrap_or_default();
        assert!(
            wired_row.starts_with("  Wired        wired         wired    svc::wired "),
            "{table}"
        );
        assert!(wired_row.contains("src/svc.rs:10"), "{table}");
        assert!(
            table.contains("  MissingOne   missing.one   MISSING"),
            "{table}"
        );
    }
}
