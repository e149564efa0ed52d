//! What the site records say of their fields, for the event catalog: each
//! field's name, how it is captured, where it comes from, and the JSON
//! types of the values captured (with the `coverage` feature, which the
//! catalog's runs use).

use eventwire::registry::{sites, FieldCapture, FieldOrigin, SiteRecord};
use eventwire::{emit, emits, EventType, FieldType, FieldValue, HasBus, Recorder, SharedBus};
use EventType::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry | ok)]
    Stored,
    Noted,
    Audited,
    Skipped,
    Unrun,
}

#[derive(Default, HasBus)]
struct Store {
    bus: Option<SharedBus<EventType>>,
    audit: Option<SharedBus<EventType>>,
}

impl Store {
    #[emits(Stored, Noted, Audited, fields(key, size = %size), ret(found = ret.is_some()))]
    fn put<K: FieldValue + ?Sized>(&self, key: &K, size: usize) -> Option<u8> {
        emit!(Noted, extra = size as f64 / 2.0);
        emit!(Audited, bus = self.audit, who = "me");
        None
    }

    #[emits(Skipped, fields(maybe = Option::<u32>::None))]
    fn skip(&self) {}

    // Compiled, registered, never called.
    #[allow(dead_code)]
    #[emits(Unrun, fields(count = 3u8))]
    fn never_called(&self) {}
}

fn site_of(kind: EventType) -> &'static SiteRecord {
    let found: Vec<_> = sites()
        .filter(|s| s.kind::<EventType>() == Some(kind))
        .collect();
    assert_eq!(found.len(), 1, "{kind:?}");
    found[0]
}

fn fields_of(kind: EventType) -> Vec<(&'static str, FieldCapture, FieldOrigin, FieldType)> {
    site_of(kind)
        .fields()
        .iter()
        .map(|f| (f.name(), f.capture(), f.origin(), f.field_type()))
        .collect()
}

#[test]
fn each_site_lists_the_fields_its_events_carry() {
    let recorder = Recorder::new();
    let store = Store {
        bus: Some(recorder.bus()),
        audit: Some(recorder.bus()),
    };
    // A generic function: each instance captures its own type.
    store.put(&7u32, 3);
    store.put("seven", 3);
    store.skip();

    let integer_or_string = FieldType::INTEGER.union(FieldType::STRING);
    assert_eq!(
        fields_of(Stored),
        [
            (
                "key",
                FieldCapture::Value,
                FieldOrigin::Call,
                integer_or_string
            ),
            (
                "size",
                FieldCapture::Display,
                FieldOrigin::Call,
                FieldType::STRING
            ),
            (
                "found",
                FieldCapture::Value,
                FieldOrigin::Return,
                FieldType::BOOLEAN
            ),
        ]
    );
    // An `emit!` in the body carries the call's fields, then its own.
    assert_eq!(
        fields_of(Noted),
        [
            (
                "key",
                FieldCapture::Value,
                FieldOrigin::Call,
                integer_or_string
            ),
            (
                "size",
                FieldCapture::Display,
                FieldOrigin::Call,
                FieldType::STRING
            ),
            (
                "extra",
                FieldCapture::Value,
                FieldOrigin::Emit,
                FieldType::NUMBER
            ),
        ]
    );
    // One with a bus of its own carries only its own.
    assert_eq!(
        fields_of(Audited),
        [(
            "who",
            FieldCapture::Value,
            FieldOrigin::Emit,
            FieldType::STRING
        )]
    );
    assert_eq!(
        fields_of(Skipped),
        [(
            "maybe",
            FieldCapture::Value,
            FieldOrigin::Call,
            FieldType::INTEGER.union(FieldType::NONE)
        )]
    );
    // What the events carried agrees with the records.
    let noted = recorder.of(Noted);
    let names: Vec<&str> = noted[0].fields.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["key", "size", "extra"]);
}

#[test]
fn a_field_no_call_captured_has_no_type_yet_but_text_is_always_a_string() {
    assert_eq!(
        fields_of(Unrun),
        [(
            "count",
            FieldCapture::Value,
            FieldOrigin::Call,
            FieldType::UNKNOWN
        )]
    );
    let (file, line, _) = site_of(Unrun).fields()[0].location();
    assert!(file.ends_with("field_types.rs"));
    assert!(line > 30);
}

#[test]
fn a_call_without_a_bus_captures_nothing_and_learns_no_type() {
    #[derive(Default, HasBus)]
    struct Quiet {
        bus: Option<SharedBus<EventType2>>,
    }
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    #[event(default_bus = false)]
    pub enum EventType2 {
        Hushed,
    }
    impl Quiet {
        #[emits(Hushed, event = EventType2, fields(n = 1i32))]
        fn run(&self) {}
    }
    Quiet::default().run();
    let site = sites()
        .find(|s| s.kind::<EventType2>() == Some(EventType2::Hushed))
        .unwrap();
    assert_eq!(site.fields()[0].field_type(), FieldType::UNKNOWN);
}
