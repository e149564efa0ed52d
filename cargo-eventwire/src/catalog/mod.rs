//! The event catalog: what each event carries, where it goes, who emits it
//! and whether the tests ran it, built from a coverage run's report (the
//! registries of the test processes, with the field types the tests
//! captured). Written as `catalog.json` (this model, which
//! [`evolution`] compares), a JSON Schema per event ([`schema`]), an
//! AsyncAPI 3.0 document ([`asyncapi`]) and Markdown ([`markdown`]).
//!
//! The rules:
//!
//! - an event's fields are those its production sites capture; a field is
//!   **required** when every event of the kind carries it: every site
//!   captures it, on every phase the site fires on (`ret(..)` fields ride
//!   only on `ok`, `err` and `exit`). A site no test process registered has
//!   fields nobody knows, so no field of its event is required;
//! - a field's **type** is the JSON type of its values: a string for `%`
//!   and `?`; for a plain value, the types of the values the tests captured
//!   (the Rust type's, through `FieldValue::TYPE`), joined over every site;
//!   **unknown** when no test captured one, and then any scalar.

pub mod asyncapi;
pub mod evolution;
pub mod markdown;
pub mod schema;

use crate::report::{EventReport, FieldReport, Report, SiteReport, SiteStatus, Status};
use eventwire::registry::{FieldCapture, FieldOrigin};
use eventwire::{FieldType, Phase};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The version of `catalog.json`'s shape.
pub const FORMAT: u32 = 1;

/// How the events travel, as the AsyncAPI document describes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transport {
    /// NATS subjects are `<prefix>.<dotted name>`.
    pub prefix: String,
    /// The CloudEvents mode of `eventwire-nats`.
    pub mode: Mode,
    /// The CloudEvents `type` is this prefix, then the dotted name.
    pub type_prefix: String,
}

impl Default for Transport {
    /// `eventwire-nats`' defaults: subjects under `events`, structured
    /// CloudEvents, no type prefix.
    fn default() -> Self {
        Transport {
            prefix: "events".to_owned(),
            mode: Mode::Structured,
            type_prefix: String::new(),
        }
    }
}

/// A CloudEvents mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The whole event in the body, `application/cloudevents+json`.
    Structured,
    /// The attributes as `ce-` headers, the data as the body.
    Binary,
}

/// The catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// [`FORMAT`].
    pub format: u32,
    /// What the document is called.
    pub title: String,
    /// The version of the API it describes (the package's).
    pub version: String,
    /// How the events travel.
    pub transport: Transport,
    /// Every event of the run's enums, in declaration order.
    pub events: Vec<CatalogEvent>,
}

/// One event kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogEvent {
    /// The dotted name, `tool.errored`: its identity on the wire.
    pub name: String,
    /// The Rust variant, `ToolErrored`.
    pub variant: String,
    /// The enum's path.
    pub enum_name: String,
    /// The coverage status.
    pub status: Status,
    /// The reason of `#[event(unwired = "..")]`.
    #[serde(default)]
    pub exemption: Option<String>,
    /// The phases its events come in, over every site.
    pub phases: Vec<String>,
    /// Whether every site's fields are known (every site was registered):
    /// if not, the event may come in any phase, no field is required and
    /// no field's type is known.
    pub fields_known: bool,
    /// Its fields, in the order the first site captures them.
    pub fields: Vec<CatalogField>,
    /// Its production sites.
    pub sites: Vec<CatalogSite>,
}

/// One field of an event kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogField {
    /// Its name.
    pub name: String,
    /// The JSON types of its values ([`FieldType::UNKNOWN`] if not known).
    pub types: FieldType,
    /// Whether every capture of it has a known type.
    pub typed: bool,
    /// Whether every event of the kind carries it.
    pub required: bool,
    /// The phases of the events that carry it, at some site.
    pub phases: Vec<String>,
    /// Where it is captured.
    pub from: Vec<FieldSource>,
}

/// Where a field is captured.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldSource {
    /// `Type::method` of the site.
    pub function: String,
    /// The file of the field's name.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// `%`, `?` or a plain value.
    pub capture: FieldCapture,
    /// `fields(..)`, `ret(..)` or an `emit!`'s own.
    pub origin: FieldOrigin,
}

/// One production site of an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogSite {
    /// `Type::method`.
    pub function: String,
    /// The file, relative to the workspace's root.
    pub file: String,
    /// The line of the event's name.
    pub line: u32,
    /// The phases it fires on.
    pub phases: Vec<String>,
    /// Whether a test ran it, was waived, ...
    pub status: SiteStatus,
    /// Whether a test process registered it (its fields are known).
    pub registered: bool,
    /// Whether it lies in a package whose tests the run did not run: it
    /// emits the event, but is not this run's wiring.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside: bool,
}

impl CatalogSite {
    /// Whether a test ran it.
    pub fn exercised(&self) -> bool {
        matches!(self.status, SiteStatus::Ran | SiteStatus::StaleWaiver)
    }
}

/// Whether a field of `origin` rides on events of `phase`.
fn carried_on(origin: FieldOrigin, phase: &str) -> bool {
    match origin {
        FieldOrigin::Call | FieldOrigin::Emit => true,
        FieldOrigin::Return => matches!(phase, "ok" | "err" | "exit"),
    }
}

impl Catalog {
    /// The catalog of a coverage run's report.
    pub fn of(report: &Report, title: String, version: String, transport: Transport) -> Catalog {
        let events = report
            .enums
            .iter()
            .flat_map(|e| e.events.iter().map(move |ev| event(&e.name, ev)))
            .collect();
        Catalog {
            format: FORMAT,
            title,
            version,
            transport,
            events,
        }
    }

    /// The NATS subject of an event.
    pub fn subject(&self, event: &CatalogEvent) -> String {
        format!("{}.{}", self.transport.prefix, event.name)
    }

    /// The CloudEvents `type` of an event.
    pub fn cloudevents_type(&self, event: &CatalogEvent) -> String {
        format!("{}{}", self.transport.type_prefix, event.name)
    }

    /// The id of an event's message and channel in the AsyncAPI document:
    /// its dotted name, with the enum's name before it when two enums
    /// share the dotted name.
    pub fn message_id(&self, event: &CatalogEvent) -> String {
        let shared = self.events.iter().filter(|e| e.name == event.name).count() > 1;
        if !shared {
            return event.name.clone();
        }
        // The enum's path (and, for two enums of one path, where it is
        // declared), in the characters AsyncAPI keys and file names allow.
        let qualified = format!("{}.{}", event.enum_name.replace("::", "."), event.name);
        let mut id = String::new();
        for c in qualified.chars() {
            match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => id.push(c),
                _ if id.ends_with('_') => {}
                _ => id.push('_'),
            }
        }
        id
    }
}

fn event(enum_name: &str, report: &EventReport) -> CatalogEvent {
    let reports: Vec<&SiteReport> = report.sites.iter().chain(&report.outside).collect();
    let sites: Vec<CatalogSite> = reports
        .iter()
        .enumerate()
        .map(|(i, site)| CatalogSite {
            function: site.function.clone(),
            file: site.file.clone(),
            line: site.line,
            phases: site.phases.clone(),
            status: site.status,
            registered: site.registered,
            outside: i >= report.sites.len(),
        })
        .collect();
    let fields_known = reports.iter().all(|s| s.registered);
    // A site no test linked may fire on any phase.
    let phases = Phase::ALL
        .iter()
        .map(ToString::to_string)
        .filter(|p| !fields_known || reports.iter().any(|s| s.phases.contains(p)))
        .collect();
    CatalogEvent {
        name: report.name.clone(),
        variant: report.variant.clone(),
        enum_name: enum_name.to_owned(),
        status: report.status,
        exemption: report.exemption.clone(),
        phases,
        fields: fields(&reports, fields_known),
        fields_known,
        sites,
    }
}

/// The fields of an event's sites, joined by name.
fn fields(sites: &[&SiteReport], fields_known: bool) -> Vec<CatalogField> {
    let mut names: Vec<&str> = Vec::new();
    for field in sites.iter().flat_map(|s| &s.fields) {
        if !names.contains(&field.name.as_str()) {
            names.push(&field.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mut types = FieldType::UNKNOWN;
            // A site no test linked may capture it with any type.
            let mut typed = fields_known;
            let mut phases = BTreeSet::new();
            let mut from = BTreeSet::new();
            // Carried on every phase of every site.
            let mut required = fields_known;
            for site in sites {
                let own: Vec<&FieldReport> =
                    site.fields.iter().filter(|f| f.name == name).collect();
                for phase in &site.phases {
                    let carried = own.iter().any(|f| carried_on(f.origin, phase));
                    required &= carried;
                    if carried {
                        phases.insert(phase.clone());
                    }
                }
                if site.phases.is_empty() {
                    required = false;
                }
                for field in own {
                    types = types.union(field.types);
                    typed &= !field.types.is_unknown();
                    from.insert(FieldSource {
                        function: site.function.clone(),
                        file: field.file.clone(),
                        line: field.line,
                        capture: field.capture,
                        origin: field.origin,
                    });
                }
            }
            CatalogField {
                name: name.to_owned(),
                types: if typed { types } else { FieldType::UNKNOWN },
                typed,
                required,
                phases: Phase::ALL
                    .iter()
                    .map(ToString::to_string)
                    .filter(|p| phases.contains(p))
                    .collect(),
                from: from.into_iter().collect(),
            }
        })
        .collect()
}

/// Reads a `catalog.json`: the file, or a directory holding one.
///
/// # Errors
///
/// It cannot be read, or is not a catalog of this format.
pub fn read(path: &std::path::Path) -> Result<Catalog, String> {
    let file = if path.is_dir() {
        path.join("catalog.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("could not read the catalog {}: {e}", file.display()))?;
    let catalog: Catalog = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not an eventwire catalog ({e}); write one with `cargo eventwire catalog --out DIR`",
            file.display()
        )
    })?;
    if catalog.format != FORMAT {
        return Err(format!(
            "{} is a catalog of format {}; this cargo-eventwire reads format {FORMAT}",
            file.display(),
            catalog.format
        ));
    }
    Ok(catalog)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn field(name: &str, origin: FieldOrigin, types: FieldType) -> FieldReport {
        FieldReport {
            name: name.to_owned(),
            capture: FieldCapture::Value,
            origin,
            file: "src/lib.rs".to_owned(),
            line: 7,
            types,
        }
    }

    pub(crate) fn site(function: &str, phases: &[&str], fields: Vec<FieldReport>) -> SiteReport {
        SiteReport {
            key: String::new(),
            function: function.to_owned(),
            path: String::new(),
            package: Some("shop".to_owned()),
            file: "src/lib.rs".to_owned(),
            line: 3,
            column: 9,
            ordinal: 0,
            phases: phases.iter().map(|p| (*p).to_owned()).collect(),
            hits: 1,
            test_count: 1,
            tests: Vec::new(),
            unknown_tests: false,
            waiver: None,
            status: SiteStatus::Ran,
            never_ran_on: Vec::new(),
            registered: true,
            fields,
        }
    }

    pub(crate) fn event_of(name: &str, sites: Vec<SiteReport>) -> CatalogEvent {
        event(
            "shop::EventType",
            &EventReport {
                variant: "OrderPlaced".to_owned(),
                name: name.to_owned(),
                status: Status::Exercised,
                exemption: None,
                duplicated_in: None,
                sites,
                test_sites: Vec::new(),
                outside: Vec::new(),
            },
        )
    }

    #[test]
    fn a_field_every_event_carries_is_required() {
        let event = event_of(
            "order.placed",
            vec![
                site(
                    "Shop::buy",
                    &["entry", "ok"],
                    vec![
                        field("id", FieldOrigin::Call, FieldType::INTEGER),
                        field("total", FieldOrigin::Return, FieldType::NUMBER),
                    ],
                ),
                site(
                    "Shop::gift",
                    &["ok"],
                    vec![
                        field("id", FieldOrigin::Call, FieldType::STRING),
                        field("total", FieldOrigin::Return, FieldType::NUMBER),
                    ],
                ),
            ],
        );
        let id = &event.fields[0];
        assert!(id.required && id.typed);
        assert_eq!(id.types, FieldType::INTEGER.union(FieldType::STRING));
        assert_eq!(id.from.len(), 2);
        // `ret(..)` is not on `entry` events: not required.
        let total = &event.fields[1];
        assert!(!total.required);
        assert_eq!(total.phases, ["ok"]);
        assert_eq!(event.phases, ["entry", "ok"]);
    }

    #[test]
    fn a_field_some_site_lacks_or_an_unknown_site_makes_optional() {
        let event = event_of(
            "order.placed",
            vec![
                site(
                    "Shop::buy",
                    &["ok"],
                    vec![field("id", FieldOrigin::Call, FieldType::INTEGER)],
                ),
                site("Shop::gift", &["ok"], vec![]),
            ],
        );
        assert!(!event.fields[0].required);
        let mut unregistered = site("Shop::gift", &[], vec![]);
        unregistered.registered = false;
        let event = event_of(
            "order.placed",
            vec![
                site(
                    "Shop::buy",
                    &["ok"],
                    vec![field("id", FieldOrigin::Call, FieldType::INTEGER)],
                ),
                unregistered,
            ],
        );
        assert!(!event.fields_known);
        assert!(!event.fields[0].required);
        assert!(!event.fields[0].typed);
        assert_eq!(event.phases.len(), Phase::ALL.len());
    }

    #[test]
    fn events_of_one_name_in_two_enums_get_ids_of_their_own() {
        let mut a = event_of("order.placed", vec![]);
        a.enum_name = "shop::EventType (src/a.rs:3)".to_owned();
        let mut b = a.clone();
        b.enum_name = "shop::EventType (src/b.rs:9)".to_owned();
        let c = event_of("order.paid", vec![]);
        let catalog = Catalog {
            format: FORMAT,
            title: String::new(),
            version: String::new(),
            transport: Transport::default(),
            events: vec![a, b, c],
        };
        let ids: Vec<String> = catalog
            .events
            .iter()
            .map(|e| catalog.message_id(e))
            .collect();
        assert_eq!(
            ids,
            [
                "shop.EventType_src_a.rs_3_.order.placed",
                "shop.EventType_src_b.rs_9_.order.placed",
                "order.paid"
            ]
        );
    }

    #[test]
    fn a_type_no_test_captured_is_unknown() {
        let event = event_of(
            "order.placed",
            vec![
                site(
                    "Shop::buy",
                    &["ok"],
                    vec![field("id", FieldOrigin::Call, FieldType::INTEGER)],
                ),
                site(
                    "Shop::gift",
                    &["ok"],
                    vec![field("id", FieldOrigin::Call, FieldType::UNKNOWN)],
                ),
            ],
        );
        assert!(!event.fields[0].typed);
        assert!(event.fields[0].types.is_unknown());
    }
}
