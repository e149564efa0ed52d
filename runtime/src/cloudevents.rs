//! Events as [CloudEvents 1.0](https://github.com/cloudevents/spec): the
//! JSON event format (structured mode), and attributes apart from the data
//! (binary mode, as message headers), both ways. Feature `cloudevents`.
//!
//! | CloudEvents attribute | from the [`Event`] |
//! | --- | --- |
//! | `specversion` | `1.0` |
//! | `id` | [`Event::id`], 32 hex digits |
//! | `source` | [`CloudEvents::new`]'s source, per process or service |
//! | `type` | the dotted name after the [type prefix](CloudEvents::with_type_prefix): `com.example.tool.invoked` |
//! | `time` | [`Event::timestamp`], RFC 3339 in UTC with nanoseconds |
//! | `subject` | the field named `subject` ([`CloudEvents::with_subject_field`]), as text, when the event has one |
//! | `datacontenttype` | `application/json` |
//! | `correlationid`, `causationid`, `traceparent` | the [lineage](crate::lineage), when there is one |
//! | `data` | `{"event", "variant", "phase", "site", "fields", "error", "elapsed_ns"}` |
//!
//! ```
//! # use eventwire::{EventType, Event, Phase, Site};
//! use eventwire::cloudevents::CloudEvents;
//! # #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
//! # enum EventType { ToolInvoked }
//! # let site = Site { function: "Tools::run".into(), path: "svc::Tools::run".into(),
//! #     file: "src/tools.rs".into(), line: 1, column: 1 };
//! let event = Event::new(EventType::ToolInvoked, Phase::Entry, site);
//! let format = CloudEvents::new("https://example.com/agents")?.with_type_prefix("com.example")?;
//! let json: serde_json::Value = serde_json::from_slice(&format.to_structured(&event)?)?;
//! assert_eq!(json["specversion"], "1.0");
//! assert_eq!(json["type"], "com.example.tool.invoked");
//! assert_eq!(json["data"]["phase"], "entry");
//! let back: Event<EventType> = CloudEvents::from_structured(&format.to_structured(&event)?)?;
//! assert_eq!(back, event);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::event::{timestamp, Event, EventId, Site};
use crate::field::Fields;
use crate::kind::EventKind;
use crate::lineage::{CorrelationId, TraceParent};
use crate::phase::Phase;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

/// The content type of a structured-mode message.
pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json";

/// The content type of the data: `datacontenttype`, and a binary-mode
/// message's `content-type` header.
pub const DATA_CONTENT_TYPE: &str = "application/json";

/// The prefix of a binary-mode header that holds an attribute.
pub const HEADER_PREFIX: &str = "ce-";

/// How this process writes its events as CloudEvents: its `source`, the
/// prefix of each `type`, and which field becomes the `subject`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudEvents {
    source: String,
    type_prefix: String,
    subject_field: Option<String>,
}

/// A setting or a message that is not valid CloudEvents, or not an event
/// of the enum asked for; the text says which attribute and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudEventsError(String);

impl CloudEventsError {
    fn new(message: impl Into<String>) -> Self {
        CloudEventsError(message.into())
    }
}

impl fmt::Display for CloudEventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CloudEventsError {}

impl Default for CloudEvents {
    /// Source `/<name of the executable>` (`/agent-services`), no type
    /// prefix, subject from the field `subject`.
    fn default() -> Self {
        let name = std::env::current_exe()
            .ok()
            .and_then(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "eventwire".to_owned());
        CloudEvents {
            source: format!("/{}", percent_encode(&name, false)),
            type_prefix: String::new(),
            subject_field: Some("subject".to_owned()),
        }
    }
}

impl CloudEvents {
    /// Events from `source`: a URI-reference naming the producer, e.g.
    /// `https://example.com/billing`, `urn:example:billing` or `/billing`.
    ///
    /// # Errors
    ///
    /// `source` is empty or not a URI-reference (RFC 3986).
    pub fn new(source: &str) -> Result<Self, CloudEventsError> {
        if source.is_empty() {
            return Err(CloudEventsError::new(
                "the CloudEvents source is empty; name the producer with a URI-reference such as `/billing` or `https://example.com/billing`",
            ));
        }
        fluent_uri::UriRef::parse(source).map_err(|e| {
            CloudEventsError::new(format!(
                "the CloudEvents source `{source}` is not a URI-reference ({e}); percent-encode what is not allowed, e.g. `/my%20service`"
            ))
        })?;
        Ok(CloudEvents {
            source: source.to_owned(),
            ..CloudEvents::default()
        })
    }

    /// Each `type` is `prefix.` followed by the dotted name:
    /// `com.example` gives `com.example.tool.invoked`. A trailing dot is
    /// optional; an empty prefix leaves the dotted name alone.
    ///
    /// # Errors
    ///
    /// The prefix has whitespace or control characters, or is only dots.
    pub fn with_type_prefix(mut self, prefix: &str) -> Result<Self, CloudEventsError> {
        let trimmed = prefix.strip_suffix('.').unwrap_or(prefix);
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
            || (!prefix.is_empty() && trimmed.is_empty())
        {
            return Err(CloudEventsError::new(format!(
                "the CloudEvents type prefix `{prefix}` is not a dotted name; use reverse-DNS such as `com.example`"
            )));
        }
        self.type_prefix = if trimmed.is_empty() {
            String::new()
        } else {
            format!("{trimmed}.")
        };
        Ok(self)
    }

    /// The field whose value becomes the `subject` (`subject` by default);
    /// `None` for no subject. The field stays in the data as well.
    pub fn with_subject_field(mut self, field: Option<&str>) -> Self {
        self.subject_field = field.map(str::to_owned);
        self
    }

    /// The `source` of every event.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The `type` of an event of `kind`.
    pub fn type_of<E: EventKind>(&self, kind: E) -> String {
        format!("{}{}", self.type_prefix, kind.dotted_name())
    }

    /// The `subject`: the field's text, with control characters and
    /// noncharacters (which CloudEvents strings may not hold) as U+FFFD; none when empty (an
    /// empty `subject` is not allowed).
    fn subject<E>(&self, event: &Event<E>) -> Option<String> {
        let field = self.subject_field.as_deref()?;
        let text = event.fields.get(field)?.to_string();
        if text.is_empty() {
            return None;
        }
        Some(match ce_string(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(replaced) => replaced,
        })
    }

    /// The event in the JSON event format: the body of a structured-mode
    /// message (content type [`STRUCTURED_CONTENT_TYPE`]).
    ///
    /// # Errors
    ///
    /// The JSON cannot be written (it always can for events eventwire
    /// builds; the error is kept rather than a panic).
    pub fn to_structured<E: EventKind>(
        &self,
        event: &Event<E>,
    ) -> Result<Vec<u8>, CloudEventsError> {
        let structured = StructuredOut {
            specversion: "1.0",
            id: event.id,
            source: &self.source,
            ty: self.type_of(event.kind),
            time: event.timestamp,
            subject: self.subject(event),
            datacontenttype: DATA_CONTENT_TYPE,
            correlationid: event
                .correlation_id
                .as_ref()
                .map(|id| ce_string(id.as_str())),
            causationid: event.causation_id,
            traceparent: event.traceparent,
            data: DataOut::of(event),
        };
        serde_json::to_vec(&structured)
            .map_err(|e| CloudEventsError::new(format!("cannot write the CloudEvent: {e}")))
    }

    /// The event in binary mode: its attributes as `ce-` headers (values
    /// percent-encoded where the HTTP and NATS bindings ask for it), a
    /// `content-type` header of [`DATA_CONTENT_TYPE`], and the data as the
    /// body.
    ///
    /// # Errors
    ///
    /// As [`CloudEvents::to_structured`].
    pub fn to_binary<E: EventKind>(&self, event: &Event<E>) -> Result<Binary, CloudEventsError> {
        let mut headers = vec![
            ("ce-specversion", "1.0".to_owned()),
            ("ce-id", event.id.to_string()),
            ("ce-source", percent_encode(&self.source, true)),
            ("ce-type", percent_encode(&self.type_of(event.kind), true)),
            (
                "ce-time",
                timestamp::format(event.timestamp).map_err(CloudEventsError::new)?,
            ),
        ];
        if let Some(subject) = self.subject(event) {
            headers.push(("ce-subject", percent_encode(&subject, true)));
        }
        if let Some(id) = &event.correlation_id {
            headers.push((
                "ce-correlationid",
                percent_encode(&ce_string(id.as_str()), true),
            ));
        }
        if let Some(id) = event.causation_id {
            headers.push(("ce-causationid", id.to_string()));
        }
        if let Some(trace) = event.traceparent {
            headers.push(("ce-traceparent", trace.to_string()));
        }
        headers.push(("content-type", DATA_CONTENT_TYPE.to_owned()));
        let body = serde_json::to_vec(&DataOut::of(event))
            .map_err(|e| CloudEventsError::new(format!("cannot write the event's data: {e}")))?;
        Ok(Binary { headers, body })
    }

    /// Reads a structured-mode message back into an event of `E`, lineage
    /// included.
    ///
    /// # Errors
    ///
    /// The body is not a CloudEvent 1.0 in JSON, or not one eventwire wrote
    /// for an event of `E`; the error names the attribute.
    pub fn from_structured<E: EventKind>(body: &[u8]) -> Result<Event<E>, CloudEventsError> {
        // The data is read in place, not through a JSON value, so that the
        // fields keep their order.
        let structured: StructuredIn = serde_json::from_slice(body).map_err(|e| {
            CloudEventsError::new(format!(
                "not a CloudEvent in JSON with an eventwire event's data: {e}"
            ))
        })?;
        let data = structured.data.ok_or_else(|| {
            CloudEventsError::new("the CloudEvent has no `data`, so it is not an eventwire event")
        })?;
        Attributes {
            specversion: Some(structured.specversion),
            id: Some(structured.id),
            ty: Some(structured.ty),
            time: structured.time,
            datacontenttype: structured.datacontenttype,
            correlationid: structured.correlationid,
            causationid: structured.causationid,
            traceparent: structured.traceparent,
        }
        .event(data)
    }

    /// Reads a binary-mode message (its headers, in any case, and its body)
    /// back into an event of `E`, lineage included.
    ///
    /// # Errors
    ///
    /// As [`CloudEvents::from_structured`].
    pub fn from_binary<'h, E: EventKind>(
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &[u8],
    ) -> Result<Event<E>, CloudEventsError> {
        let mut attributes = Attributes::default();
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            let value = || percent_decode(value);
            match name.as_str() {
                "ce-specversion" => attributes.specversion = Some(value()?),
                "ce-id" => attributes.id = Some(value()?),
                "ce-type" => attributes.ty = Some(value()?),
                "ce-time" => attributes.time = Some(value()?),
                "ce-correlationid" => attributes.correlationid = Some(value()?),
                "ce-causationid" => attributes.causationid = Some(value()?),
                "ce-traceparent" => attributes.traceparent = Some(value()?),
                "content-type" => attributes.datacontenttype = Some(value()?),
                _ => {}
            }
        }
        let data: DataIn = serde_json::from_slice(body).map_err(|e| {
            CloudEventsError::new(format!(
                "the body of the binary-mode CloudEvent is not an eventwire event's data: {e}"
            ))
        })?;
        attributes.event(data)
    }
}

/// A binary-mode message: headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Binary {
    /// `ce-` headers and `content-type`, in this order: `ce-specversion`,
    /// `ce-id`, `ce-source`, `ce-type`, `ce-time`, then those the event has.
    pub headers: Vec<(&'static str, String)>,
    /// The data, in JSON.
    pub body: Vec<u8>,
}

#[derive(Serialize)]
struct StructuredOut<'a> {
    specversion: &'static str,
    id: EventId,
    source: &'a str,
    #[serde(rename = "type")]
    ty: String,
    #[serde(with = "timestamp")]
    time: SystemTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    datacontenttype: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlationid: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    causationid: Option<EventId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    traceparent: Option<TraceParent>,
    data: DataOut<'a>,
}

#[derive(Serialize)]
struct DataOut<'a> {
    event: &'static str,
    variant: &'static str,
    phase: Phase,
    site: &'a Site,
    fields: &'a Fields,
    error: Option<&'a str>,
    elapsed_ns: Option<u64>,
}

impl<'a> DataOut<'a> {
    fn of<E: EventKind>(event: &'a Event<E>) -> Self {
        DataOut {
            event: event.kind.dotted_name(),
            variant: event.kind.variant_name(),
            phase: event.phase,
            site: &event.site,
            fields: &event.fields,
            error: event.error.as_deref(),
            elapsed_ns: event
                .elapsed
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        }
    }
}

#[derive(Deserialize)]
struct StructuredIn {
    specversion: String,
    id: String,
    #[serde(rename = "type")]
    ty: String,
    time: Option<String>,
    datacontenttype: Option<String>,
    correlationid: Option<String>,
    causationid: Option<String>,
    traceparent: Option<String>,
    data: Option<DataIn>,
}

#[derive(Deserialize)]
struct DataIn {
    event: Option<String>,
    phase: Phase,
    site: Site,
    #[serde(default)]
    fields: Fields,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    elapsed_ns: Option<u64>,
}

/// The attributes eventwire reads back, from either mode.
#[derive(Default)]
struct Attributes {
    specversion: Option<String>,
    id: Option<String>,
    ty: Option<String>,
    time: Option<String>,
    datacontenttype: Option<String>,
    correlationid: Option<String>,
    causationid: Option<String>,
    traceparent: Option<String>,
}

impl Attributes {
    fn event<E: EventKind>(self, data: DataIn) -> Result<Event<E>, CloudEventsError> {
        let missing = |name: &str| CloudEventsError::new(format!("the CloudEvent has no `{name}`"));
        match self.specversion.as_deref() {
            Some("1.0") => {}
            Some(other) => {
                return Err(CloudEventsError::new(format!(
                    "the CloudEvent's `specversion` is `{other}`; eventwire reads 1.0"
                )))
            }
            None => return Err(missing("specversion")),
        }
        if let Some(content_type) = &self.datacontenttype {
            let essence = content_type.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case(DATA_CONTENT_TYPE) {
                return Err(CloudEventsError::new(format!(
                    "the CloudEvent's data is `{content_type}`; eventwire's is {DATA_CONTENT_TYPE}"
                )));
            }
        }
        let ty = self.ty.ok_or_else(|| missing("type"))?;
        let name = match data.event.as_deref() {
            Some(name) => name,
            None => E::ALL
                .iter()
                .map(|kind| kind.dotted_name())
                .filter(|name| {
                    ty == *name
                        || ty
                            .strip_suffix(name)
                            .is_some_and(|rest| rest.ends_with('.'))
                })
                .max_by_key(|name| name.len())
                .unwrap_or(ty.as_str()),
        };
        let kind = E::from_dotted_name(name).ok_or_else(|| {
            CloudEventsError::new(crate::kind::UnknownEvent::new::<E>(name).to_string())
        })?;
        if !(ty == name
            || ty
                .strip_suffix(name)
                .is_some_and(|rest| rest.ends_with('.')))
        {
            return Err(CloudEventsError::new(format!(
                "the CloudEvent's `type` `{ty}` does not end with its event's name `{name}`"
            )));
        }
        let id = self.id.ok_or_else(|| missing("id"))?;
        let id = id.parse::<EventId>().map_err(|_| {
            CloudEventsError::new(format!(
                "the CloudEvent's `id` `{id}` is not an eventwire event id (32 hex digits)"
            ))
        })?;
        let time = self.time.ok_or_else(|| missing("time"))?;
        let timestamp = timestamp::parse(&time).map_err(|e| {
            CloudEventsError::new(format!(
                "the CloudEvent's `time` `{time}` is not RFC 3339: {e}"
            ))
        })?;
        let causation_id = self
            .causationid
            .map(|id| {
                id.parse::<EventId>().map_err(|_| {
                    CloudEventsError::new(format!(
                        "the CloudEvent's `causationid` `{id}` is not an eventwire event id"
                    ))
                })
            })
            .transpose()?;
        let traceparent = self
            .traceparent
            .map(|t| {
                t.parse::<TraceParent>().map_err(|e| {
                    CloudEventsError::new(format!("the CloudEvent's `traceparent`: {e}"))
                })
            })
            .transpose()?;
        let mut event = Event::with_lineage(kind, data.phase, data.site, Default::default());
        event.id = id;
        event.timestamp = timestamp;
        event.fields = data.fields;
        event.error = data.error;
        event.elapsed = data.elapsed_ns.map(Duration::from_nanos);
        event.correlation_id = self.correlationid.map(CorrelationId::from);
        event.causation_id = causation_id;
        event.traceparent = traceparent;
        Ok(event)
    }
}

/// `text` as a CloudEvents string: the characters it may not hold (the
/// control characters U+0000–U+001F and U+007F–U+009F, and the
/// noncharacters U+FDD0–U+FDEF and U+xFFFE, U+xFFFF of every plane) as
/// U+FFFD. (A Rust string holds no surrogate, the third kind.)
fn ce_string(text: &str) -> std::borrow::Cow<'_, str> {
    let forbidden = |c: char| {
        matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fdd0}'..='\u{fdef}')
            || u32::from(c) & 0xfffe == 0xfffe
    };
    if text.chars().any(forbidden) {
        std::borrow::Cow::Owned(
            text.chars()
                .map(|c| if forbidden(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Percent-encodes what may not stand as it is: in a header value
/// (`header`), space, `"`, `%` and anything outside printable ASCII, as
/// the HTTP binding asks; in a URI path segment, all but unreserved
/// characters.
fn percent_encode(text: &str, header: bool) -> String {
    let keep = |b: u8| {
        if header {
            (0x21..=0x7e).contains(&b) && b != b'"' && b != b'%'
        } else {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
        }
    };
    if text.bytes().all(keep) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for b in text.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reverses [`percent_encode`] (any percent-encoding, in fact). A value
/// that is not valid percent-encoding (`50%`, written raw by a producer
/// that does not encode) is taken as it is.
fn percent_decode(text: &str) -> Result<String, CloudEventsError> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                None => return Ok(text.to_owned()),
            }
        }
        out.push(b);
        i += 1;
    }
    Ok(String::from_utf8(out).unwrap_or_else(|_| text.to_owned()))
}

impl<'de> Deserialize<'de> for CloudEvents {
    /// From `{"source": .., "type_prefix": .., "subject_field": ..}`, each
    /// optional, validated as by the setters.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Settings<'a> {
            #[serde(borrow, default)]
            source: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            type_prefix: Option<Cow<'a, str>>,
            #[serde(default = "subject")]
            subject_field: Option<String>,
        }
        fn subject() -> Option<String> {
            Some("subject".to_owned())
        }
        let settings = Settings::deserialize(deserializer)?;
        let format = match settings.source {
            Some(source) => CloudEvents::new(&source).map_err(serde::de::Error::custom)?,
            None => CloudEvents::default(),
        };
        let format = format
            .with_type_prefix(settings.type_prefix.as_deref().unwrap_or(""))
            .map_err(serde::de::Error::custom)?;
        Ok(format.with_subject_field(settings.subject_field.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{correlate, emits, EventType, Recorder, SharedBus};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        #[event(on = entry)]
        PlanStarted,
        #[event(on = err)]
        PlanFailed,
        Plan,
    }

    #[emits(PlanStarted, PlanFailed, event = Ev, bus = bus, fields(subject = %id, note = "a \"quoted\" ünïcode %value"))]
    fn apply(bus: &SharedBus<Ev>, id: u32) -> Result<(), String> {
        Err(format!("plan {id} conflicts"))
    }

    fn recorded() -> Vec<Event<Ev>> {
        let recorder = Recorder::new();
        let _ = correlate("request 1/ü", || apply(&recorder.bus(), 7));
        recorder.events()
    }

    #[test]
    fn both_modes_round_trip_every_attribute_and_the_lineage() {
        let format = CloudEvents::new("urn:example:plans")
            .unwrap()
            .with_type_prefix("com.example.")
            .unwrap();
        for event in recorded() {
            let structured = format.to_structured(&event).unwrap();
            let json: serde_json::Value = serde_json::from_slice(&structured).unwrap();
            assert_eq!(json["type"], format!("com.example.{}", event.name()));
            assert_eq!(json["source"], "urn:example:plans");
            assert_eq!(json["subject"], "7");
            assert_eq!(json["correlationid"], "request 1/ü");
            assert_eq!(
                CloudEvents::from_structured::<Ev>(&structured).unwrap(),
                event
            );

            let binary = format.to_binary(&event).unwrap();
            let headers: Vec<(&str, &str)> = binary
                .headers
                .iter()
                .map(|(n, v)| (*n, v.as_str()))
                .collect();
            assert!(headers.contains(&("ce-correlationid", "request%201/%C3%BC")));
            assert!(headers.contains(&("content-type", "application/json")));
            assert_eq!(
                CloudEvents::from_binary::<Ev>(headers, &binary.body).unwrap(),
                event
            );
        }
    }

    #[test]
    fn strings_stay_cloudevents_strings_and_times_out_of_range_are_errors() {
        let format = CloudEvents::new("urn:example:plans").unwrap();
        let mut event = recorded().remove(0);
        // An empty subject is left out; control characters are replaced.
        let subject = |text: &str| {
            let mut fields = crate::field::Fields::new();
            fields.push("subject", crate::field::Value::Str(text.to_owned()));
            fields
        };
        event.fields = subject("");
        let json: serde_json::Value =
            serde_json::from_slice(&format.to_structured(&event).unwrap()).unwrap();
        assert!(json.get("subject").is_none(), "{json}");
        event.fields = subject("a\nb\u{85}");
        event.correlation_id = Some(CorrelationId::new("req\t1"));
        let json: serde_json::Value =
            serde_json::from_slice(&format.to_structured(&event).unwrap()).unwrap();
        assert_eq!(json["subject"], "a\u{fffd}b\u{fffd}");
        assert_eq!(json["correlationid"], "req\u{fffd}1");
        let binary = format.to_binary(&event).unwrap();
        assert!(binary
            .headers
            .iter()
            .any(|(n, v)| *n == "ce-correlationid" && v == "req%EF%BF%BD1"));
        // Noncharacters too, in every plane; their neighbours stay.
        event.fields =
            subject("a\u{ffff}b\u{fdd0}c\u{fdef}d\u{1fffe}e\u{10ffff}f\u{fdcf}\u{fdf0}\u{fffd}");
        event.correlation_id = Some(CorrelationId::new("r\u{fffe}"));
        let json: serde_json::Value =
            serde_json::from_slice(&format.to_structured(&event).unwrap()).unwrap();
        assert_eq!(
            json["subject"],
            "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}f\u{fdcf}\u{fdf0}\u{fffd}"
        );
        assert_eq!(json["correlationid"], "r\u{fffd}");
        // A time RFC 3339 cannot write: an error, in both modes.
        event.timestamp = std::time::UNIX_EPOCH - Duration::from_secs(1);
        assert!(format.to_structured(&event).is_err());
        assert!(format.to_binary(&event).is_err());
    }

    #[test]
    fn the_lineage_is_absent_rather_than_null_when_there_is_none() {
        let recorder = Recorder::new();
        let _ = apply(&recorder.bus(), 1);
        let entry = recorder.of(Ev::PlanStarted).remove(0);
        let json: serde_json::Value =
            serde_json::from_slice(&CloudEvents::default().to_structured(&entry).unwrap()).unwrap();
        for absent in ["correlationid", "causationid", "traceparent"] {
            assert!(json.get(absent).is_none(), "{json}");
        }
        let failed = recorder.of(Ev::PlanFailed).remove(0);
        let json: serde_json::Value =
            serde_json::from_slice(&CloudEvents::default().to_structured(&failed).unwrap())
                .unwrap();
        assert_eq!(json["causationid"], entry.id.to_string());
        assert_eq!(json["data"]["error"], "plan 1 conflicts");
    }

    #[test]
    fn a_prefix_and_a_name_that_end_alike_are_told_apart() {
        // `plan` is both a variant and the end of `plan.started`'s prefix.
        let recorder = Recorder::new();
        let _ = apply(&recorder.bus(), 1);
        let event = recorder.of(Ev::PlanStarted).remove(0);
        let format = CloudEvents::default().with_type_prefix("plan").unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&format.to_structured(&event).unwrap()).unwrap();
        json["data"].as_object_mut().unwrap().remove("event");
        let back: Event<Ev> = CloudEvents::from_structured(json.to_string().as_bytes()).unwrap();
        assert_eq!(back.kind, Ev::PlanStarted);
    }

    #[test]
    fn bad_settings_and_bad_messages_are_named() {
        for (source, why) in [
            ("", "is empty"),
            ("a b", "not a URI-reference"),
            ("http://[", "not a URI-reference"),
        ] {
            let error = CloudEvents::new(source).unwrap_err().to_string();
            assert!(error.contains(why), "{source}: {error}");
        }
        assert!(CloudEvents::new("/billing").is_ok());
        assert!(CloudEvents::default()
            .with_type_prefix("com example")
            .is_err());
        assert!(CloudEvents::default().with_type_prefix(".").is_err());
        assert!(CloudEvents::default().source().starts_with('/'));

        let event = recorded().remove(0);
        let good: serde_json::Value =
            serde_json::from_slice(&CloudEvents::default().to_structured(&event).unwrap()).unwrap();
        let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut json = good.clone();
            edit(&mut json);
            CloudEvents::from_structured::<Ev>(json.to_string().as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert!(broken(&|j| j["specversion"] = "0.3".into()).contains("`specversion` is `0.3`"));
        assert!(broken(&|j| j["id"] = "A234-1234".into()).contains("not an eventwire event id"));
        assert!(broken(&|j| j["type"] = "other.thing".into()).contains("does not end with"));
        assert!(broken(&|j| j["data"]["event"] = "plan.gone".into())
            .contains("`plan.gone` is not an event of"));
        assert!(broken(&|j| j["time"] = "yesterday".into()).contains("not RFC 3339"));
        assert!(broken(&|j| j["datacontenttype"] = "text/xml".into()).contains("text/xml"));
        assert!(broken(&|j| j["traceparent"] = "00-1".into()).contains("traceparent"));
        assert!(broken(&|j| {
            j.as_object_mut().unwrap().remove("data");
        })
        .contains("no `data`"));
        // Not percent-encoding: taken as written, then found not to be an id.
        let error = CloudEvents::from_binary::<Ev>(
            [("ce-specversion", "1.0"), ("ce-type", "plan"), ("ce-id", "50%zz")],
            br#"{"phase":"ok","site":{"function":"f","path":"f","file":"f.rs","line":1,"column":1}}"#,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`50%zz` is not an eventwire event id"),
            "{error}"
        );
        assert_eq!(percent_decode("50%").unwrap(), "50%");
        assert_eq!(percent_decode("a%20b%C3%BC").unwrap(), "a bü");
        assert_eq!(percent_decode("%FF").unwrap(), "%FF");
    }

    #[test]
    fn settings_read_from_configuration_are_validated() {
        let format: CloudEvents =
            serde_json::from_str(r#"{"source": "/plans", "type_prefix": "com.example"}"#).unwrap();
        assert_eq!(format.type_of(Ev::Plan), "com.example.plan");
        let error = serde_json::from_str::<CloudEvents>(r#"{"source": "a b"}"#).unwrap_err();
        assert!(error.to_string().contains("not a URI-reference"), "{error}");
    }
}
