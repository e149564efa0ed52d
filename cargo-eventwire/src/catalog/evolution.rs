//! Does a new catalog break the consumers of an old one?
//!
//! Events are matched by dotted name, the name on the wire (and by enum,
//! when two enums share one). Breaking:
//!
//! - an event removed or renamed;
//! - a required field removed, or made optional (some events now lack it);
//! - a field's type changed so that it may now hold a value it could not
//!   before (`integer` to `string`; `integer` to `integer | none`);
//! - an optional field made required (events written before lack it);
//! - an event that now comes in a phase it did not before;
//! - another subject prefix, CloudEvents type prefix or mode.
//!
//! Compatible: a new event, a new field (required or not), an optional
//! field removed, a type narrowed, a phase dropped. What one side could not
//! know cannot be compared: a field whose type no test captured, and a
//! field's being required where the committed catalog did not know every
//! site's fields; those are reported as unchecked, and do not fail.

use super::{Catalog, CatalogEvent, CatalogField};
use eventwire::FieldType;
use std::fmt;

/// How a change affects consumers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// It breaks them: the check fails.
    Breaking,
    /// It could not be compared.
    Unchecked,
    /// It does not break them.
    Compatible,
}

/// One difference between the catalogs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// How it affects consumers.
    pub impact: Impact,
    /// The event's dotted name.
    pub event: String,
    /// The event's variant.
    pub variant: String,
    /// The field, if the change is of a field.
    pub field: Option<String>,
    /// What changed, and what to do.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.impact {
            Impact::Breaking => "BREAKING",
            Impact::Unchecked => "unchecked",
            Impact::Compatible => "compatible",
        };
        write!(f, "{label}: `{}` ({})", self.event, self.variant)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every difference from `old` (the committed catalog) to `new` (the
/// code's), breaking ones first.
pub fn compare(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut changes = transport(old, new);
    for before in &old.events {
        let same = |e: &&CatalogEvent| e.name == before.name;
        let found = new
            .events
            .iter()
            .filter(same)
            .find(|e| e.enum_name == before.enum_name)
            .or_else(|| new.events.iter().find(same));
        match found {
            None => changes.push(change(
                Impact::Breaking,
                before,
                None,
                format!(
                    "the event is gone (removed, or renamed{}): its consumers receive nothing. Keep the variant, or give the new one `#[event(name = \"{}\")]`",
                    renamed_to(before, new).map_or_else(String::new, |n| format!(" to `{n}`?")),
                    before.name
                ),
            )),
            Some(after) => {
                phases(before, after, &mut changes);
                fields(before, after, &mut changes);
            }
        }
    }
    for after in &new.events {
        if !old.events.iter().any(|e| e.name == after.name) {
            changes.push(change(
                Impact::Compatible,
                after,
                None,
                "a new event".to_owned(),
            ));
        }
    }
    changes.sort_by_key(|c| c.impact);
    changes
}

/// What every consumer on NATS depends on: subjects, types and mode.
fn transport(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let (was, is) = (&old.transport, &new.transport);
    let mut changes = Vec::new();
    let mut differ = |what: &str, before: String, after: String, option: &str| {
        let shown = |text: &str| {
            if text.is_empty() {
                "(none)".to_owned()
            } else {
                format!("`{text}`")
            }
        };
        if before != after {
            changes.push(breaks_every_event(format!(
                "the {what} changed from {} to {}: consumers that select by it receive nothing. If it did not change, pass `{option} {before}`",
                shown(&before),
                shown(&after)
            )));
        }
    };
    differ(
        "NATS subject prefix",
        was.prefix.clone(),
        is.prefix.clone(),
        "--prefix",
    );
    differ(
        "CloudEvents type prefix",
        was.type_prefix.trim_end_matches('.').to_owned(),
        is.type_prefix.trim_end_matches('.').to_owned(),
        "--type-prefix",
    );
    let mode = |m: super::Mode| match m {
        super::Mode::Structured => "structured",
        super::Mode::Binary => "binary",
    };
    if was.mode != is.mode {
        changes.push(breaks_every_event(format!(
                "the CloudEvents mode changed from {} to {}: consumers that read the body as it was cannot. If it did not change, pass{}",
                mode(was.mode),
                mode(is.mode),
                if was.mode == super::Mode::Binary { " --binary" } else { " no --binary" }
            )));
    }
    changes
}

/// A change of the transport: it breaks every event's consumers.
fn breaks_every_event(message: String) -> Change {
    Change {
        impact: Impact::Breaking,
        event: "*".to_owned(),
        variant: "every event".to_owned(),
        field: None,
        message,
    }
}

/// Phases the event comes in now and did not before.
fn phases(before: &CatalogEvent, after: &CatalogEvent, changes: &mut Vec<Change>) {
    let new: Vec<&String> = after
        .phases
        .iter()
        .filter(|p| !before.phases.contains(p))
        .collect();
    if new.is_empty() {
        return;
    }
    let names: Vec<String> = new.iter().map(|p| format!("`{p}`")).collect();
    if before.phases.is_empty() {
        // No site emitted it (an exempt or an unwired event): the committed
        // schema allows any phase, so its first site breaks nobody.
        changes.push(change(
            Impact::Compatible,
            after,
            None,
            format!(
                "it now comes in phase {} (no site emitted it before)",
                names.join(", ")
            ),
        ));
    } else if before.fields_known {
        changes.push(change(
            Impact::Breaking,
            after,
            None,
            format!(
                "it now also comes in phase {}: consumers (and the committed schema) expect only {}",
                names.join(", "),
                before.phases.join(", ")
            ),
        ));
    } else {
        changes.push(change(
            Impact::Unchecked,
            after,
            None,
            format!("its phases cannot be compared: the committed catalog did not know every site ({} now)", names.join(", ")),
        ));
    }
}

/// A new event of the same variant or enum position: what `before` was
/// probably renamed to.
fn renamed_to<'a>(before: &CatalogEvent, new: &'a Catalog) -> Option<&'a str> {
    new.events
        .iter()
        .find(|e| e.variant == before.variant && e.enum_name == before.enum_name)
        .map(|e| e.name.as_str())
}

fn change(impact: Impact, event: &CatalogEvent, field: Option<&str>, message: String) -> Change {
    Change {
        impact,
        event: event.name.clone(),
        variant: event.variant.clone(),
        field: field.map(str::to_owned),
        message,
    }
}

fn fields(before: &CatalogEvent, after: &CatalogEvent, changes: &mut Vec<Change>) {
    for old in &before.fields {
        let Some(new) = after.fields.iter().find(|f| f.name == old.name) else {
            let (impact, message) = if old.required {
                (
                    Impact::Breaking,
                    "a required field was removed: consumers that read it fail. Capture it again in `fields(..)`, or publish a new event".to_owned(),
                )
            } else {
                (
                    Impact::Compatible,
                    "an optional field was removed".to_owned(),
                )
            };
            changes.push(change(impact, after, Some(&old.name), message));
            continue;
        };
        types(old, new, after, changes);
        if old.required && !new.required {
            changes.push(change(
                Impact::Breaking,
                after,
                Some(&old.name),
                "a required field is now optional: some events of the kind lack it (a site or a phase without it, or a site no test linked). Capture it at every site".to_owned(),
            ));
        }
        if !old.required && new.required {
            let (impact, message) = if before.fields_known {
                (
                    Impact::Breaking,
                    "an optional field is now required: events written before may lack it",
                )
            } else {
                (
                    Impact::Unchecked,
                    "it is now required; the committed catalog did not know every site's fields, so whether it was cannot be told",
                )
            };
            changes.push(change(impact, after, Some(&old.name), message.to_owned()));
        }
    }
    for new in &after.fields {
        if !before.fields.iter().any(|f| f.name == new.name) {
            changes.push(change(
                Impact::Compatible,
                after,
                Some(&new.name),
                format!(
                    "a new {} field",
                    if new.required { "required" } else { "optional" }
                ),
            ));
        }
    }
}

fn types(old: &CatalogField, new: &CatalogField, event: &CatalogEvent, changes: &mut Vec<Change>) {
    if !old.typed || !new.typed {
        let side = match (old.typed, new.typed) {
            (false, false) => "either catalog",
            (false, true) => "the committed catalog",
            _ => "this run",
        };
        changes.push(change(
            Impact::Unchecked,
            event,
            Some(&old.name),
            format!("its type cannot be compared: no test captured it in {side}. Run the site in a test with a bus that takes the event"),
        ));
        return;
    }
    // A JSON integer is a number: a committed `number` accepts integers.
    // `none` is the text "none": a committed `string` accepts it.
    let mut accepted = old.types;
    if old.types.contains(FieldType::NUMBER) {
        accepted = accepted.union(FieldType::INTEGER);
    }
    if old.types.contains(FieldType::STRING) {
        accepted = accepted.union(FieldType::NONE);
    }
    if !accepted.contains(new.types) {
        changes.push(change(
            Impact::Breaking,
            event,
            Some(&old.name),
            format!(
                "its type changed from {} to {}: consumers may now receive values they cannot read",
                old.types, new.types
            ),
        ));
    } else if old.types != new.types {
        changes.push(change(
            Impact::Compatible,
            event,
            Some(&old.name),
            format!("its type narrowed from {} to {}", old.types, new.types),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{event_of, field, site};
    use crate::catalog::{Transport, FORMAT};
    use eventwire::registry::FieldOrigin;
    use eventwire::FieldType;

    fn catalog(events: Vec<CatalogEvent>) -> Catalog {
        Catalog {
            format: FORMAT,
            title: String::new(),
            version: String::new(),
            transport: Transport::default(),
            events,
        }
    }

    fn one(fields: Vec<crate::report::FieldReport>) -> Catalog {
        catalog(vec![event_of(
            "order.placed",
            vec![site("Shop::buy", &["ok"], fields)],
        )])
    }

    fn breaking(old: &Catalog, new: &Catalog) -> Vec<String> {
        compare(old, new)
            .into_iter()
            .filter(|c| c.impact == Impact::Breaking)
            .map(|c| c.to_string())
            .collect()
    }

    #[test]
    fn the_same_catalog_has_no_change() {
        let c = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        assert!(compare(&c, &c).is_empty());
    }

    #[test]
    fn removing_an_event_or_a_required_field_breaks() {
        let old = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        assert_eq!(
            breaking(&old, &catalog(vec![])),
            ["BREAKING: `order.placed` (OrderPlaced): the event is gone (removed, or renamed): its consumers receive nothing. Keep the variant, or give the new one `#[event(name = \"order.placed\")]`"]
        );
        let mut renamed = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        renamed.events[0].name = "order.made".to_owned();
        assert!(breaking(&old, &renamed)[0].contains("renamed to `order.made`?"));
        let found = breaking(&old, &one(vec![]));
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("field `n`: a required field was removed"));
    }

    #[test]
    fn changing_a_type_or_requiring_an_optional_field_breaks() {
        let old = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        let new = one(vec![field("n", FieldOrigin::Call, FieldType::STRING)]);
        assert!(breaking(&old, &new)[0].contains("type changed from integer to string"));
        let widened = one(vec![field(
            "n",
            FieldOrigin::Call,
            FieldType::INTEGER.union(FieldType::NONE),
        )]);
        assert_eq!(breaking(&old, &widened).len(), 1);
        assert!(breaking(&widened, &old).is_empty());
        // `ret(..)` is optional (not on `entry`); made a call field, required.
        let optional = catalog(vec![event_of(
            "order.placed",
            vec![site(
                "Shop::buy",
                &["entry", "ok"],
                vec![field("n", FieldOrigin::Return, FieldType::INTEGER)],
            )],
        )]);
        let required = catalog(vec![event_of(
            "order.placed",
            vec![site(
                "Shop::buy",
                &["entry", "ok"],
                vec![field("n", FieldOrigin::Call, FieldType::INTEGER)],
            )],
        )]);
        assert!(breaking(&optional, &required)[0].contains("an optional field is now required"));
        assert!(breaking(&required, &optional)[0].contains("a required field is now optional"));
        // What the committed catalog could not know is not held against the code.
        let mut unknown = optional.clone();
        unknown.events[0].fields_known = false;
        let changes = compare(&unknown, &required);
        assert!(
            changes.iter().all(|c| c.impact != Impact::Breaking),
            "{changes:?}"
        );
        assert!(changes.iter().any(|c| c.impact == Impact::Unchecked));
    }

    #[test]
    fn an_integer_where_a_number_was_is_a_narrowing_not_a_break() {
        let number = one(vec![field("amount", FieldOrigin::Call, FieldType::NUMBER)]);
        for now in [
            FieldType::INTEGER,
            FieldType::INTEGER.union(FieldType::NUMBER),
        ] {
            let new = one(vec![field("amount", FieldOrigin::Call, now)]);
            assert!(breaking(&number, &new).is_empty(), "{now}");
        }
        // The other way, a number where integers were, breaks.
        let integer = one(vec![field("amount", FieldOrigin::Call, FieldType::INTEGER)]);
        assert!(breaking(&integer, &number)[0].contains("type changed from integer to number"));
    }

    /// `none` is written as the text "none": where strings were, it is
    /// one more string, and the schema does not change.
    #[test]
    fn none_where_strings_were_breaks_nobody() {
        let string = one(vec![field("name", FieldOrigin::Call, FieldType::STRING)]);
        let optional = one(vec![field(
            "name",
            FieldOrigin::Call,
            FieldType::STRING.union(FieldType::NONE),
        )]);
        assert!(breaking(&string, &optional).is_empty());
        assert_eq!(
            crate::catalog::schema::field_schema(&string.events[0].fields[0]),
            crate::catalog::schema::field_schema(&optional.events[0].fields[0])
        );
        // Where integers were, `none` is a string: it breaks.
        let integer = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        let maybe = one(vec![field(
            "n",
            FieldOrigin::Call,
            FieldType::INTEGER.union(FieldType::NONE),
        )]);
        assert!(!breaking(&integer, &maybe).is_empty());
    }

    #[test]
    fn the_first_site_of_an_event_that_had_none_breaks_nobody() {
        let mut unwired = one(vec![]);
        unwired.events[0].phases.clear();
        unwired.events[0].fields_known = true;
        let wired = one(vec![]);
        let changes = compare(&unwired, &wired);
        assert!(
            changes.iter().all(|c| c.impact != Impact::Breaking),
            "{changes:?}"
        );
    }

    #[test]
    fn a_new_phase_or_another_transport_breaks() {
        let old = one(vec![]);
        let mut new = old.clone();
        new.events[0].phases.push("err".to_owned());
        assert!(breaking(&old, &new)[0].contains("it now also comes in phase `err`"));
        assert!(breaking(&new, &old).is_empty(), "a phase dropped");
        for edit in [
            |c: &mut Catalog| c.transport.prefix = "acme".to_owned(),
            |c: &mut Catalog| c.transport.type_prefix = "com.acme.".to_owned(),
            |c: &mut Catalog| c.transport.mode = crate::catalog::Mode::Binary,
        ] {
            let mut new = old.clone();
            edit(&mut new);
            let found = breaking(&old, &new);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].contains("If it did not change, pass"), "{found:?}");
        }
    }

    #[test]
    fn two_enums_of_one_name_are_matched_by_enum() {
        let mut a = event_of("order.placed", vec![site("Shop::buy", &["ok"], vec![])]);
        a.enum_name = "a::EventType".to_owned();
        let mut b = event_of(
            "order.placed",
            vec![site(
                "Shop::buy",
                &["ok"],
                vec![field("n", FieldOrigin::Call, FieldType::INTEGER)],
            )],
        );
        b.enum_name = "b::EventType".to_owned();
        let old = catalog(vec![a.clone(), b.clone()]);
        // `b`'s field removed: found on `b`, not hidden by `a`.
        b.fields.clear();
        let found = breaking(&old, &catalog(vec![a, b]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("field `n`"));
    }

    #[test]
    fn additions_pass_and_unknown_types_are_unchecked() {
        let old = one(vec![]);
        let new = one(vec![field("n", FieldOrigin::Call, FieldType::INTEGER)]);
        let changes = compare(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].impact, Impact::Compatible);
        let mut more = new.clone();
        more.events.push(event_of("order.paid", vec![]));
        assert!(breaking(&new, &more).is_empty());
        let unknown = one(vec![field("n", FieldOrigin::Call, FieldType::UNKNOWN)]);
        let changes = compare(&new, &unknown);
        assert_eq!(changes[0].impact, Impact::Unchecked);
        assert!(changes[0]
            .message
            .contains("no test captured it in this run"));
    }
}
