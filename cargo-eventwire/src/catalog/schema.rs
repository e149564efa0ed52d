//! The JSON Schema of an event's payload.
//!
//! One schema fits both payloads eventwire writes: the `data` of a
//! CloudEvent (`event`, `variant`, `phase`, `site`, `fields`, `error`,
//! `elapsed_ns`, all required) and the eventwire JSON of an event, which
//! adds `id`, `timestamp` and the lineage (described, not required). It
//! uses only keywords that mean the same in draft 2020-12 and in the
//! AsyncAPI Schema Object (a superset of draft 07), so that the AsyncAPI
//! document embeds the same schema; the standalone file declares 2020-12.
//! Other fields than those listed are allowed: adding a field is not a
//! breaking change.

use super::{Catalog, CatalogEvent, CatalogField};
use eventwire::registry::FieldCapture;
use eventwire::FieldType;
use serde_json::{json, Map, Value};

/// The dialect the standalone files declare.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The text eventwire publishes in place of a value that could not be
/// rendered (a panicking expression or `Display`), as a pattern.
const UNRENDERED: &str = "^<could not be rendered: ";

/// The schema of the event's payload, without `$schema`.
pub fn payload(event: &CatalogEvent) -> Value {
    let mut fields = Map::new();
    for field in &event.fields {
        fields.insert(field.name.clone(), field_schema(field));
    }
    let required: Vec<&str> = event
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    let mut fields_schema = json!({
        "type": "object",
        "description": "The values the sites capture. Fields not listed may be added later.",
        "properties": fields,
    });
    if !required.is_empty() {
        fields_schema["required"] = json!(required);
    }
    if !event.fields_known {
        fields_schema["description"] = json!(
            "Some sites of this event were not linked into a test, so their fields are unknown: no field is required."
        );
    }
    let phases: Vec<&str> = event.phases.iter().map(String::as_str).collect();
    let phase = if phases.is_empty() {
        json!({"type": "string", "description": "No site emits this event."})
    } else {
        json!({"enum": phases})
    };
    let description = match &event.exemption {
        Some(reason) if event.sites.is_empty() => format!(
            "`{}::{}`. Not emitted by Rust code: {reason}",
            event.enum_name, event.variant
        ),
        _ => format!(
            "`{}::{}`, emitted by {}.",
            event.enum_name,
            event.variant,
            if event.sites.is_empty() {
                "no site".to_owned()
            } else {
                event
                    .sites
                    .iter()
                    .map(|s| format!("`{}` ({}:{})", s.function, s.file, s.line))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    };
    json!({
        "title": event.name,
        "description": description,
        "type": "object",
        "required": ["event", "variant", "phase", "site", "fields", "error", "elapsed_ns"],
        "properties": {
            "event": {"const": event.name, "description": "The dotted name."},
            "variant": {
                "type": "string",
                "description": format!("The Rust variant (`{}` when this was written): a Rust name, not part of the contract.", event.variant),
            },
            "phase": phase,
            "site": {
                "type": "object",
                "description": "Where in the code the event was emitted.",
                "required": ["function", "path", "file", "line", "column"],
                "properties": {
                    "function": {"type": "string"},
                    "path": {"type": "string"},
                    "file": {"type": "string"},
                    "line": {"type": "integer", "minimum": 0},
                    "column": {"type": "integer", "minimum": 0},
                },
            },
            "fields": fields_schema,
            "error": {
                "type": ["string", "null"],
                "description": "The error's text on `err` events, and on `exit` events after an `Err`; null on the others.",
            },
            "elapsed_ns": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Nanoseconds since the call began, on `ok`, `err`, `exit` and `cancel` events; null on `entry` and `body`.",
            },
            "id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "The event's id (the CloudEvents `id`)."},
            "timestamp": {"type": "string", "description": "RFC 3339, UTC, with nanoseconds (the CloudEvents `time`)."},
            "correlation_id": {"type": ["string", "null"]},
            "causation_id": {"type": ["string", "null"], "pattern": "^[0-9a-f]{32}$"},
            "traceparent": {"type": ["string", "null"], "description": "W3C Trace Context."},
        },
        "allOf": [
            {
                "if": {"properties": {"phase": {"const": "err"}}, "required": ["phase"]},
                "then": {"properties": {"error": {"type": "string"}}},
            },
            {
                "if": {"properties": {"phase": {"enum": ["entry", "ok", "cancel", "body"]}}, "required": ["phase"]},
                "then": {"properties": {"error": {"type": "null"}}},
            },
        ],
    })
}

/// The standalone schema file of the event: draft 2020-12.
pub fn standalone(event: &CatalogEvent) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".to_owned(), json!(DRAFT_2020_12));
    if let Value::Object(body) = payload(event) {
        schema.extend(body);
    }
    Value::Object(schema)
}

/// The file name of an event's schema: `tool.errored.schema.json` (its
/// message id: qualified by its enum when two enums share the name).
pub fn file_name(catalog: &Catalog, event: &CatalogEvent) -> String {
    format!("{}.schema.json", catalog.message_id(event))
}

/// The schema of one field's values.
pub fn field_schema(field: &CatalogField) -> Value {
    let mut alternatives: Vec<Value> = Vec::new();
    let types = if field.typed {
        field.types
    } else {
        FieldType::ANY
    };
    let string = types.contains(FieldType::STRING);
    let mut simple: Vec<&str> = Vec::new();
    for name in types.names() {
        match name {
            "none" if !string => alternatives.push(json!({"const": "none"})),
            "none" => {}
            "number" => {
                simple.push("number");
                if !string {
                    alternatives.push(json!({"enum": ["NaN", "inf", "-inf"]}));
                }
            }
            other => simple.push(other),
        }
    }
    // A plain value that panics is published as a marker text.
    let plain = field.from.iter().any(|f| f.capture == FieldCapture::Value);
    if plain && !string {
        alternatives.push(json!({"type": "string", "pattern": UNRENDERED}));
    }
    let base = match simple.as_slice() {
        [one] => json!({"type": one}),
        many => json!({"type": many}),
    };
    let mut schema = if alternatives.is_empty() {
        base
    } else {
        alternatives.insert(0, base);
        json!({"anyOf": alternatives})
    };
    schema["description"] = json!(describe(field));
    schema
}

/// What a field is and where it comes from, for people.
fn describe(field: &CatalogField) -> String {
    let mut text = String::new();
    if !field.typed {
        text.push_str("Type unknown: no test captured this field. ");
    }
    let from: Vec<String> = field
        .from
        .iter()
        .map(|f| {
            let how = match f.capture {
                FieldCapture::Display => "Display text",
                FieldCapture::Debug => "Debug text",
                FieldCapture::Value => "value",
            };
            format!("`{}` ({}:{}, {how})", f.function, f.file, f.line)
        })
        .collect();
    text.push_str("From ");
    text.push_str(&from.join(", "));
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{event_of, field, site};
    use eventwire::registry::FieldOrigin;

    #[test]
    fn field_types_become_schemas() {
        let event = event_of(
            "order.placed",
            vec![site(
                "Shop::buy",
                &["ok"],
                vec![
                    field("n", FieldOrigin::Call, FieldType::INTEGER),
                    field("ratio", FieldOrigin::Call, FieldType::NUMBER),
                    field(
                        "maybe",
                        FieldOrigin::Call,
                        FieldType::BOOLEAN.union(FieldType::NONE),
                    ),
                    field(
                        "name",
                        FieldOrigin::Call,
                        FieldType::STRING.union(FieldType::NONE),
                    ),
                    field("what", FieldOrigin::Call, FieldType::UNKNOWN),
                ],
            )],
        );
        let schema = payload(&event);
        let fields = &schema["properties"]["fields"];
        assert_eq!(
            fields["required"],
            json!(["n", "ratio", "maybe", "name", "what"])
        );
        let props = &fields["properties"];
        assert_eq!(props["n"]["anyOf"][0], json!({"type": "integer"}));
        assert_eq!(
            props["ratio"]["anyOf"][1],
            json!({"enum": ["NaN", "inf", "-inf"]})
        );
        assert_eq!(props["maybe"]["anyOf"][1], json!({"const": "none"}));
        assert_eq!(props["name"]["type"], json!("string"));
        assert_eq!(
            props["what"]["type"],
            json!(["integer", "number", "boolean", "string"])
        );
        assert!(props["what"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Type unknown"));
        assert_eq!(schema["properties"]["variant"]["type"], "string");
        let file = standalone(&event);
        assert_eq!(file["$schema"], DRAFT_2020_12);
    }
}
