//! The schemas the catalog writes accept what eventwire really emits, and
//! only that: events built and serialised by the runtime, validated with a
//! JSON Schema validator (`jsonschema`), in the odd forms a value can take.

use cargo_eventwire::catalog::{schema, CatalogEvent, CatalogField, CatalogSite, FieldSource};
use cargo_eventwire::report::{SiteStatus, Status};
use eventwire::registry::{FieldCapture, FieldOrigin};
use eventwire::{Event, EventType, FieldType, FieldValue, Fields, Phase, Site, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    OrderPlaced,
}

fn field(name: &str, types: FieldType, capture: FieldCapture, required: bool) -> CatalogField {
    CatalogField {
        name: name.to_owned(),
        types,
        typed: !types.is_unknown(),
        required,
        phases: vec!["ok".to_owned()],
        from: vec![FieldSource {
            function: "Shop::buy".to_owned(),
            file: "src/lib.rs".to_owned(),
            line: 3,
            capture,
            origin: FieldOrigin::Call,
        }],
    }
}

fn catalog_event(phases: &[&str], fields: Vec<CatalogField>) -> CatalogEvent {
    CatalogEvent {
        name: "order.placed".to_owned(),
        variant: "OrderPlaced".to_owned(),
        enum_name: "shop::EventType".to_owned(),
        status: Status::Exercised,
        exemption: None,
        phases: phases.iter().map(|p| (*p).to_owned()).collect(),
        fields_known: true,
        fields,
        sites: vec![CatalogSite {
            function: "Shop::buy".to_owned(),
            file: "src/lib.rs".to_owned(),
            line: 3,
            phases: phases.iter().map(|p| (*p).to_owned()).collect(),
            status: SiteStatus::Ran,
            registered: true,
            outside: false,
        }],
    }
}

fn event(phase: Phase, fields: &[(&'static str, Value)], error: Option<&str>) -> serde_json::Value {
    let mut event = Event::new(
        EventType::OrderPlaced,
        phase,
        Site {
            function: "Shop::buy".into(),
            path: "shop::Shop::buy".into(),
            file: "src/lib.rs".into(),
            line: 3,
            column: 9,
        },
    );
    let mut set = Fields::new();
    for (name, value) in fields {
        set.push(*name, value.clone());
    }
    event.fields = set;
    event.error = error.map(str::to_owned);
    if phase != Phase::Entry && phase != Phase::Body {
        event.elapsed = Some(std::time::Duration::from_micros(3));
    }
    serde_json::to_value(&event).unwrap()
}

fn errors(schema: &CatalogEvent, instance: &serde_json::Value) -> Vec<String> {
    let schema = schema::standalone(schema);
    jsonschema::meta::validate(&schema).expect("a valid 2020-12 schema");
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn every_form_a_plain_value_takes_is_accepted() {
    let typed = |name, types| field(name, types, FieldCapture::Value, true);
    let schema = catalog_event(
        &["ok"],
        vec![
            typed("n", <u64 as FieldValue>::TYPE),
            typed("ratio", <f64 as FieldValue>::TYPE),
            typed("maybe", <Option<u32> as FieldValue>::TYPE),
            typed("flag", <bool as FieldValue>::TYPE),
            typed("panicked", <i32 as FieldValue>::TYPE),
            field("shown", FieldType::STRING, FieldCapture::Display, true),
        ],
    );
    for ratio in [0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let values = [
            ("n", u64::MAX.to_value()),
            ("ratio", ratio.to_value()),
            ("maybe", None::<u32>.to_value()),
            ("flag", true.to_value()),
            (
                "panicked",
                Value::Str("<could not be rendered: it panicked: boom>".to_owned()),
            ),
            ("shown", Value::Str("x".to_owned())),
        ];
        assert_eq!(
            errors(&schema, &event(Phase::Ok, &values, None)),
            Vec::<String>::new()
        );
    }
    let wrong = [
        ("n", Value::Str("7".to_owned())),
        ("ratio", Value::Str("a half".to_owned())),
        ("maybe", Value::Bool(true)),
        ("flag", Value::I64(1)),
        ("panicked", Value::Str("boom".to_owned())),
        ("shown", Value::I64(1)),
    ];
    let found = errors(&schema, &event(Phase::Ok, &wrong, None));
    for name in ["n", "ratio", "maybe", "flag", "panicked", "shown"] {
        assert!(
            found
                .iter()
                .any(|e| e.ends_with(&format!("/fields/{name}"))),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn the_error_text_is_on_err_and_may_be_on_exit() {
    let schema = catalog_event(&["entry", "ok", "err", "exit"], vec![]);
    assert!(errors(&schema, &event(Phase::Err, &[], Some("boom"))).is_empty());
    assert!(!errors(&schema, &event(Phase::Err, &[], None)).is_empty());
    // `exit` after an `Err` carries the error; after an `Ok`, none.
    assert!(errors(&schema, &event(Phase::Exit, &[], Some("boom"))).is_empty());
    assert!(errors(&schema, &event(Phase::Exit, &[], None)).is_empty());
    assert!(!errors(&schema, &event(Phase::Ok, &[], Some("boom"))).is_empty());
    assert!(errors(&schema, &event(Phase::Entry, &[], None)).is_empty());
    // A phase no site fires on.
    assert!(!errors(&schema, &event(Phase::Cancel, &[], None)).is_empty());
}

#[test]
fn required_fields_must_be_there_and_others_may_be_added() {
    let schema = catalog_event(
        &["ok"],
        vec![
            field("id", FieldType::INTEGER, FieldCapture::Value, true),
            field("note", FieldType::STRING, FieldCapture::Display, false),
        ],
    );
    let found = errors(&schema, &event(Phase::Ok, &[], None));
    assert!(
        found
            .iter()
            .any(|e| e.contains("\"id\" is a required property")),
        "{found:?}"
    );
    let more = [("id", Value::I64(1)), ("extra", Value::Bool(false))];
    assert!(errors(&schema, &event(Phase::Ok, &more, None)).is_empty());
}

#[test]
fn an_unknown_type_accepts_any_scalar() {
    let schema = catalog_event(
        &["ok"],
        vec![field("x", FieldType::UNKNOWN, FieldCapture::Value, true)],
    );
    for value in [
        Value::I64(-1),
        Value::F64(0.5),
        Value::Bool(true),
        Value::Str("s".to_owned()),
    ] {
        assert!(errors(&schema, &event(Phase::Ok, &[("x", value)], None)).is_empty());
    }
}
