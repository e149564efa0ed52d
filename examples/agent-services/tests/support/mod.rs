//! The recorder the service tests use: every event it records is checked,
//! as it is published, against its JSON Schema in the committed catalog
//! (`catalog/schemas/`, written by `cargo eventwire catalog`), as eventwire
//! JSON and as the `data` of a CloudEvent. A test whose events do not match
//! fails when its recorder is dropped, naming the event and the mismatch.

#![allow(dead_code)]

use agent_services::EventType;
use eventwire::EventKind as _;
use eventwire::{Bus, BusError, Event, Recorder, SharedBus};
use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The schemas of the committed catalog, by dotted name.
fn schemas() -> &'static HashMap<String, jsonschema::Validator> {
    static SCHEMAS: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let dir = schema_dir();
        let mut schemas = HashMap::new();
        for entry in std::fs::read_dir(&dir).expect("the committed catalog's schemas") {
            let path = entry.expect("a schema file").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(event) = name.strip_suffix(".schema.json") else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Err(error) = jsonschema::meta::validate(&schema) {
                panic!("{} is not a valid JSON Schema: {error}", path.display());
            }
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            schemas.insert(event.to_owned(), validator);
        }
        schemas
    })
}

/// Where the committed schemas are.
pub fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog/schemas")
}

/// The mismatches of `json`, the payload of an event `name`, with its schema.
pub fn mismatches(name: &str, json: &serde_json::Value) -> Vec<String> {
    match schemas().get(name) {
        None => vec![format!(
            "`{name}` has no schema in {}: run `cargo eventwire catalog --out catalog -p agent-services` and commit it",
            schema_dir().display()
        )],
        Some(validator) => validator
            .iter_errors(json)
            .map(|e| format!("`{name}`: {e} at {}", e.instance_path()))
            .collect(),
    }
}

/// Every mismatch of an event with its schema, in both of its forms.
pub fn check(event: &Event<EventType>) -> Vec<String> {
    let name = event.kind.dotted_name();
    let json = serde_json::to_value(event).expect("an event serialises");
    let mut found = mismatches(name, &json);
    #[cfg(feature = "nats")]
    {
        let format = eventwire::cloudevents::CloudEvents::default();
        let bytes = format.to_structured(event).expect("a CloudEvent");
        let cloud: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        found.extend(
            mismatches(name, &cloud["data"])
                .into_iter()
                .map(|m| format!("CloudEvents data: {m}")),
        );
    }
    found
}

/// A bus that checks each event and hands it on.
struct Checking {
    inner: SharedBus<EventType>,
    mismatches: Arc<Mutex<Vec<String>>>,
}

impl Bus<EventType> for Checking {
    fn publish(&self, event: Event<EventType>) -> Result<(), BusError> {
        let found = check(&event);
        self.mismatches.lock().unwrap().extend(found);
        self.inner.publish(event)
    }

    fn accepts(&self, kind: EventType) -> bool {
        self.inner.accepts(kind)
    }
}

/// A [`Recorder`] whose bus checks every event against the catalog.
pub struct Checked {
    recorder: Recorder<EventType>,
    bus: SharedBus<EventType>,
    mismatches: Arc<Mutex<Vec<String>>>,
}

/// A recorder for a test; its events are checked against their schemas.
pub fn recorder() -> Checked {
    let recorder = Recorder::new();
    let mismatches = Arc::default();
    let bus: SharedBus<EventType> = Arc::new(Checking {
        inner: recorder.bus(),
        mismatches: Arc::clone(&mismatches),
    });
    Checked {
        recorder,
        bus,
        mismatches,
    }
}

impl Checked {
    /// The bus to give the services: the recorder's, through the check.
    pub fn bus(&self) -> SharedBus<EventType> {
        Arc::clone(&self.bus)
    }

    /// How many events were checked and did not match.
    pub fn mismatches(&self) -> Vec<String> {
        self.mismatches.lock().unwrap().clone()
    }
}

impl Deref for Checked {
    type Target = Recorder<EventType>;

    fn deref(&self) -> &Recorder<EventType> {
        &self.recorder
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        let found = self.mismatches();
        if !found.is_empty() && !std::thread::panicking() {
            panic!(
                "{} recorded event(s) do not match the catalog's schemas:\n{}",
                found.len(),
                found.join("\n")
            );
        }
    }
}
