//! eventwire's CloudEvents against the CNCF Rust SDK (`cloudevents-sdk`),
//! which nobody here wrote: every attribute is read by the SDK as eventwire
//! meant it, in both modes, and what the SDK writes eventwire reads back.

use cloudevents::event::{AttributesReader, Data, ExtensionValue};
use cloudevents::message::{BinaryDeserializer, BinarySerializer, MessageAttributeValue};
use eventwire::cloudevents::CloudEvents;
use eventwire::{
    correlate, emits, Event, EventType, HasBus, Lineage, Recorder, SharedBus, TraceParent,
};
use std::time::UNIX_EPOCH;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    PlanApplying,
    #[event(on = err)]
    PlanFailed,
    PlanApplied,
}

#[derive(HasBus)]
struct Plans {
    bus: SharedBus<EventType>,
}

impl Plans {
    #[emits(PlanApplying, PlanApplied, PlanFailed, fields(subject = %plan, steps, ratio, dry_run, note = "é \"q\" %20"))]
    fn apply(&self, plan: &str, steps: u32, ratio: f64, dry_run: bool) -> Result<(), String> {
        if plan == "bad" {
            return Err(format!("plan {plan} conflicts"));
        }
        Ok(())
    }
}

/// Events with every attribute: lineage (a trace context included), a
/// subject, an error, an elapsed time, fields of every JSON type.
fn events() -> Vec<Event<EventType>> {
    let recorder = Recorder::new();
    let plans = Plans {
        bus: recorder.bus(),
    };
    let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        .parse::<TraceParent>()
        .unwrap();
    Lineage::none()
        .with_correlation("req 42/ü")
        .with_traceparent(trace)
        .scope(|| {
            plans.apply("p-7", 3, 0.5, false).unwrap();
            plans.apply("bad", 1, -2.25, true).unwrap_err();
        });
    correlate("plain", || plans.apply("p-8", 0, 1.0, true)).unwrap();
    let events = recorder.events();
    assert_eq!(events.len(), 6);
    events
}

fn format() -> CloudEvents {
    CloudEvents::new("https://example.com/plans?region=eu")
        .unwrap()
        .with_type_prefix("com.example")
        .unwrap()
}

fn text(value: Option<&ExtensionValue>) -> Option<String> {
    value.map(ToString::to_string)
}

/// Every attribute of the SDK's event is what eventwire meant.
fn check(sdk: &cloudevents::Event, event: &Event<EventType>) {
    assert_eq!(sdk.specversion().to_string(), "1.0");
    assert_eq!(sdk.id(), event.id.to_string());
    assert_eq!(
        sdk.source().to_string(),
        "https://example.com/plans?region=eu"
    );
    assert_eq!(sdk.ty(), format!("com.example.{}", event.name()));
    let nanos = event
        .timestamp
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    assert_eq!(
        sdk.time().unwrap().timestamp_nanos_opt().map(i128::from),
        Some(nanos as i128)
    );
    assert_eq!(
        sdk.subject(),
        event
            .fields
            .get("subject")
            .map(|v| v.to_string())
            .as_deref()
    );
    assert_eq!(sdk.datacontenttype(), Some("application/json"));
    assert_eq!(
        text(sdk.extension("correlationid")),
        event.correlation_id.as_ref().map(ToString::to_string)
    );
    assert_eq!(
        text(sdk.extension("causationid")),
        event.causation_id.map(|id| id.to_string())
    );
    assert_eq!(
        text(sdk.extension("traceparent")),
        event.traceparent.map(|t| t.to_string())
    );
    let data = match sdk.data() {
        Some(Data::Json(json)) => json.clone(),
        Some(Data::Binary(bytes)) => serde_json::from_slice(bytes).unwrap(),
        other => panic!("data is JSON: {other:?}"),
    };
    assert_eq!(data["event"], event.name());
    assert_eq!(data["variant"], format!("{:?}", event.kind));
    assert_eq!(data["phase"], event.phase.to_string());
    assert_eq!(data["site"]["function"], &*event.site.function);
    assert_eq!(data["site"]["line"], event.site.line);
    assert_eq!(data["fields"], serde_json::to_value(&event.fields).unwrap());
    assert_eq!(data["error"], serde_json::to_value(&event.error).unwrap());
    assert_eq!(
        data["elapsed_ns"].as_u64().map(u128::from),
        event.elapsed.map(|d| d.as_nanos())
    );
}

/// Compares an event read back, its fields as a set: the SDK keeps JSON
/// objects in key order.
fn same(back: &Event<EventType>, event: &Event<EventType>) {
    let sorted = |e: &Event<EventType>| {
        let mut fields: Vec<(String, String)> = e
            .fields
            .iter()
            .map(|(n, v)| (n.to_owned(), serde_json::to_string(v).unwrap()))
            .collect();
        fields.sort();
        fields
    };
    assert_eq!(sorted(back), sorted(event));
    let mut back = back.clone();
    back.fields = event.fields.clone();
    assert_eq!(&back, event);
}

#[test]
fn structured_mode_reads_and_writes_like_the_sdk() {
    for event in events() {
        let body = format().to_structured(&event).unwrap();
        let sdk: cloudevents::Event = serde_json::from_slice(&body).unwrap();
        check(&sdk, &event);
        // What the SDK writes, eventwire reads.
        let written = serde_json::to_vec(&sdk).unwrap();
        same(&CloudEvents::from_structured(&written).unwrap(), &event);
    }
}

#[test]
fn binary_mode_headers_read_by_the_sdks_http_binding() {
    for event in events() {
        let binary = format().to_binary(&event).unwrap();
        let mut headers = http::HeaderMap::new();
        for (name, value) in &binary.headers {
            headers.insert(*name, value.parse().unwrap());
        }
        let sdk = cloudevents::binding::http::to_event(&headers, binary.body.clone()).unwrap();
        // The Rust SDK hands header values over as they are on the wire:
        // percent-encoded, as the binding asks of a producer for space, `"`,
        // `%` and what is not printable ASCII (the Python SDK decodes them).
        // Decoded here, every attribute must be eventwire's.
        let mut decoded = sdk.clone();
        for name in ["correlationid", "subject"] {
            let value = match name {
                "subject" => decoded.subject().map(str::to_owned),
                _ => text(decoded.extension(name)),
            };
            if let Some(value) = value {
                let value = percent_decode(&value);
                match name {
                    "subject" => {
                        cloudevents::event::AttributesWriter::set_subject(
                            &mut decoded,
                            Some(value),
                        );
                    }
                    _ => decoded.set_extension(name, value),
                }
            }
        }
        check(&decoded, &event);
    }
}

/// Collects the attributes the SDK writes in binary mode, as `ce-` headers.
#[derive(Default)]
struct Headers {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl BinarySerializer<Headers> for Headers {
    fn set_spec_version(
        mut self,
        version: cloudevents::event::SpecVersion,
    ) -> cloudevents::message::Result<Self> {
        self.headers
            .push(("ce-specversion".to_owned(), version.to_string()));
        Ok(self)
    }

    fn set_attribute(
        mut self,
        name: &str,
        value: MessageAttributeValue,
    ) -> cloudevents::message::Result<Self> {
        let name = if name == "datacontenttype" {
            "content-type".to_owned()
        } else {
            format!("ce-{name}")
        };
        self.headers.push((name, value.to_string()));
        Ok(self)
    }

    fn set_extension(
        mut self,
        name: &str,
        value: MessageAttributeValue,
    ) -> cloudevents::message::Result<Self> {
        self.headers.push((format!("ce-{name}"), value.to_string()));
        Ok(self)
    }

    fn end_with_data(mut self, bytes: Vec<u8>) -> cloudevents::message::Result<Headers> {
        self.body = bytes;
        Ok(self)
    }

    fn end(self) -> cloudevents::message::Result<Headers> {
        Ok(self)
    }
}

#[test]
fn binary_mode_as_the_sdk_writes_it_is_read_back() {
    for event in events() {
        let body = format().to_structured(&event).unwrap();
        let sdk: cloudevents::Event = serde_json::from_slice(&body).unwrap();
        let written = sdk.deserialize_binary(Headers::default()).unwrap();
        let pairs = written
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        same(
            &CloudEvents::from_binary(pairs, &written.body).unwrap(),
            &event,
        );
    }
}

/// Percent-decoding, for the values the Rust SDK leaves encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
