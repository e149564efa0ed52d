//! The event envelope: what a bus receives, and its stable JSON shape.

use crate::field::Fields;
use crate::kind::EventKind;
use crate::lineage::{CorrelationId, Lineage, TraceParent};
use crate::phase::Phase;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// One emitted event.
///
/// Its JSON form (through serde) is stable; a field is only ever added:
///
/// ```json
/// {
///   "id": "5b0e3d1f9c2a4e77000000000000002a",
///   "event": "tool.errored",
///   "variant": "ToolErrored",
///   "phase": "err",
///   "timestamp": "2026-11-23T23:46:53.123456789Z",
///   "site": {
///     "function": "ToolRuntime::execute",
///     "path": "agent_services::tools::ToolRuntime::execute",
///     "file": "src/tools.rs",
///     "line": 42,
///     "column": 12
///   },
///   "fields": { "tool": "grep", "attempt": 3 },
///   "error": "tool `grep` timed out",
///   "elapsed_ns": 1250000,
///   "correlation_id": "request-7",
///   "causation_id": "5b0e3d1f9c2a4e770000000000000029",
///   "traceparent": null
/// }
/// ```
///
/// `error` is `null` except for `err`-phase events; `elapsed_ns` is `null`
/// for `entry` and `body` events; the three [lineage](crate::lineage) ids
/// are `null` when there is none (and may be absent in JSON written before
/// they existed). The same event as a CloudEvent: see
/// [`CloudEvents`](crate::cloudevents::CloudEvents) (feature `cloudevents`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event<E> {
    /// Unique across processes and machines.
    pub id: EventId,
    /// Which event this is.
    pub kind: E,
    /// The phase it fired in.
    pub phase: Phase,
    /// Where it was emitted.
    pub site: Site,
    /// When it was emitted. For the events of an annotated call: the
    /// wall-clock time the call began plus the monotonic time since, so
    /// that the events of one call are in order.
    pub timestamp: SystemTime,
    /// The values captured with `fields(..)` and `emit!(.., name = value)`.
    pub fields: Fields,
    /// The error's Display text, for `err`-phase events.
    pub error: Option<String>,
    /// Time since the call began, for `ok`, `err`, `exit` and `cancel` events.
    pub elapsed: Option<Duration>,
    /// The unit of work this event belongs to: see [`crate::lineage`].
    pub correlation_id: Option<CorrelationId>,
    /// The event that caused this one: see [`crate::lineage`].
    pub causation_id: Option<EventId>,
    /// The W3C trace context it was emitted in: see [`crate::lineage`].
    pub traceparent: Option<TraceParent>,
}

impl<E: EventKind> Event<E> {
    /// A new event of `kind` emitted now, with a fresh id and the
    /// [lineage](crate::lineage) of this thread.
    pub fn new(kind: E, phase: Phase, site: Site) -> Self {
        Self::with_lineage(kind, phase, site, Lineage::current())
    }

    /// A new event of `kind` emitted now, with a fresh id and `lineage`.
    pub fn with_lineage(kind: E, phase: Phase, site: Site, lineage: Lineage) -> Self {
        Event {
            id: EventId::next(),
            kind,
            phase,
            site,
            timestamp: SystemTime::now(),
            fields: Fields::new(),
            error: None,
            elapsed: None,
            correlation_id: lineage.correlation_id,
            causation_id: lineage.causation_id,
            traceparent: lineage.traceparent,
        }
    }

    /// The dotted name of the event's kind, e.g. `tool.invoked`.
    pub fn name(&self) -> &'static str {
        self.kind.dotted_name()
    }
}

/// Where an event was emitted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Site {
    /// `Type::method` for a method, `module::function` for a free function.
    pub function: Cow<'static, str>,
    /// The full path of the enclosing function, e.g. `my_crate::tools::ToolRuntime::execute`.
    pub path: Cow<'static, str>,
    /// The source file, as `file!()` gives it.
    pub file: Cow<'static, str>,
    /// The line of the event's name in `#[emits(..)]` or `emit!(..)`.
    pub line: u32,
    /// The column of the event's name.
    pub column: u32,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.function, self.file, self.line)
    }
}

/// An event id: 64 random bits chosen once per process, then a 64-bit
/// counter. Making one costs an atomic increment and no system call;
/// two processes share an id with probability about n²/2⁶⁵ for n processes.
/// Written as 32 lower-case hex digits.
///
/// A child made by `fork()` that emits without calling `exec` inherits its
/// parent's random bits and counter, so it would repeat the parent's next
/// ids: it calls [`EventId::reseed`] first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId([u64; 2]);

impl EventId {
    /// The next id of this process.
    pub fn next() -> EventId {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut process = PROCESS.load(Ordering::Relaxed);
        if process == 0 {
            process = first_seed();
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        EventId([process, n])
    }

    /// Chooses this process's random bits again: for a child made by
    /// `fork()` that goes on emitting without `exec` (its ids would
    /// otherwise repeat its parent's). Call it in the child before it emits.
    ///
    /// ```
    /// use eventwire::EventId;
    /// let before = EventId::next();
    /// EventId::reseed();
    /// assert_ne!(before.as_u128() >> 64, EventId::next().as_u128() >> 64);
    /// ```
    pub fn reseed() {
        PROCESS.store(process_seed(), Ordering::Relaxed);
    }

    /// The id as a number.
    pub fn as_u128(self) -> u128 {
        (u128::from(self.0[0]) << 64) | u128::from(self.0[1])
    }

    /// The id of a number. Kept as two words rather than a `u128`, whose
    /// 16-byte alignment would make an `Option<EventId>` (the cause every
    /// event and every lineage scope carries) 32 bytes instead of 24;
    /// ordered and compared as the number.
    fn of(n: u128) -> EventId {
        // Truncation is the point: the high and the low word.
        #[allow(clippy::cast_possible_truncation)]
        EventId([(n >> 64) as u64, n as u64])
    }
}

/// This process's random bits; 0 until the first id.
static PROCESS: AtomicU64 = AtomicU64::new(0);

#[cold]
fn first_seed() -> u64 {
    let seed = process_seed();
    match PROCESS.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => seed,
        Err(chosen) => chosen,
    }
}

/// Random bits from the standard library's per-process hash keys (seeded by
/// the operating system), mixed with the process id and the time: never 0
/// (which stands for "not chosen yet"), never the ones in use.
fn process_seed() -> u64 {
    let current = PROCESS.load(Ordering::Relaxed);
    let mut salt = 0u64;
    loop {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        if let Ok(now) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            hasher.write_u128(now.as_nanos());
        }
        hasher.write_u64(salt);
        let seed = hasher.finish();
        if seed != 0 && seed != current {
            return seed;
        }
        salt += 1;
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.as_u128())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({self})")
    }
}

impl FromStr for EventId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u128::from_str_radix(s, 16).map(EventId::of)
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The JSON shape, kept apart from [`Event`] so that the Rust type can grow
/// without changing the wire format by accident.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    id: EventId,
    event: Cow<'a, str>,
    variant: Cow<'a, str>,
    phase: Phase,
    #[serde(with = "timestamp")]
    timestamp: SystemTime,
    site: Site,
    fields: Fields,
    error: Option<Cow<'a, str>>,
    elapsed_ns: Option<u64>,
    #[serde(default)]
    correlation_id: Option<CorrelationId>,
    #[serde(default)]
    causation_id: Option<EventId>,
    #[serde(default)]
    traceparent: Option<TraceParent>,
}

impl<E: EventKind> Serialize for Event<E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            id: self.id,
            event: Cow::Borrowed(self.kind.dotted_name()),
            variant: Cow::Borrowed(self.kind.variant_name()),
            phase: self.phase,
            timestamp: self.timestamp,
            site: self.site.clone(),
            fields: self.fields.clone(),
            error: self.error.as_deref().map(Cow::Borrowed),
            elapsed_ns: self
                .elapsed
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            correlation_id: self.correlation_id.clone(),
            causation_id: self.causation_id,
            traceparent: self.traceparent,
        }
        .serialize(serializer)
    }
}

impl<'de, E: EventKind> Deserialize<'de> for Event<E> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let kind = E::from_dotted_name(&wire.event).ok_or_else(|| {
            serde::de::Error::custom(crate::kind::UnknownEvent::new::<E>(&wire.event))
        })?;
        Ok(Event {
            id: wire.id,
            kind,
            phase: wire.phase,
            site: wire.site,
            timestamp: wire.timestamp,
            fields: wire.fields,
            error: wire.error.map(Cow::into_owned),
            elapsed: wire.elapsed_ns.map(Duration::from_nanos),
            correlation_id: wire.correlation_id,
            causation_id: wire.causation_id,
            traceparent: wire.traceparent,
        })
    }
}

/// RFC 3339 timestamps in UTC with nanoseconds, through `humantime`.
pub(crate) mod timestamp {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// The first instant of year 10000, which RFC 3339 cannot write.
    const YEAR_10000: Duration = Duration::from_secs(253_402_300_800);

    /// `t` in RFC 3339, UTC, with nanoseconds; an error (not the panic of
    /// the formatter) for a time RFC 3339 cannot write: before 1970 as
    /// eventwire writes times, or after year 9999.
    // Only the CloudEvents mapping writes a time as a string of its own.
    #[cfg_attr(not(feature = "cloudevents"), allow(dead_code))]
    pub(crate) fn format(t: SystemTime) -> Result<String, String> {
        writable(t).map(|t| t.to_string())
    }

    /// `t`, ready to be written without a copy, once it is known that
    /// RFC 3339 can write it (see [`format`]).
    fn writable(t: SystemTime) -> Result<humantime::Rfc3339Timestamp, String> {
        match t.duration_since(UNIX_EPOCH) {
            Ok(since) if since < YEAR_10000 => Ok(humantime::format_rfc3339_nanos(t)),
            _ => Err(format!(
                "the time {t:?} cannot be written in RFC 3339 (1970 to 9999)"
            )),
        }
    }

    /// An RFC 3339 time: `Z` or a `±hh:mm` offset, `T`/`t`, `Z`/`z`.
    pub(crate) fn parse(text: &str) -> Result<SystemTime, String> {
        let upper = text.to_ascii_uppercase();
        if upper.ends_with('Z') {
            return humantime::parse_rfc3339(&upper).map_err(|e| e.to_string());
        }
        // `±hh:mm`, ASCII: checked byte by byte before any slicing, so
        // that text from elsewhere cannot cut a character in two.
        let all = upper.as_bytes();
        let Some(bytes) = all.len().checked_sub(6).map(|cut| &all[cut..]) else {
            return Err("it ends with neither `Z` nor a `±hh:mm` offset".to_owned());
        };
        let digit = |i: usize| {
            bytes[i]
                .is_ascii_digit()
                .then(|| u64::from(bytes[i] - b'0'))
        };
        let (Some(h1), Some(h2), Some(m1), Some(m2)) = (digit(1), digit(2), digit(4), digit(5))
        else {
            return Err("it ends with neither `Z` nor a `±hh:mm` offset".to_owned());
        };
        let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
        if !matches!(bytes[0], b'+' | b'-') || bytes[3] != b':' || hours > 23 || minutes > 59 {
            return Err("its offset is not `±hh:mm`".to_owned());
        }
        // Six ASCII bytes end the text: the cut is a character boundary.
        let base = &upper[..upper.len() - 6];
        let local = humantime::parse_rfc3339(&format!("{base}Z")).map_err(|e| e.to_string())?;
        let offset = Duration::from_secs(hours * 3600 + minutes * 60);
        let utc = match bytes.first() {
            Some(b'+') => local.checked_sub(offset),
            Some(b'-') => local.checked_add(offset),
            _ => None,
        };
        utc.ok_or_else(|| "its offset is not `±hh:mm`".to_owned())
    }

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&writable(*t).map_err(serde::ser::Error::custom)?)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = Cow::<'de, str>::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn offsets_and_lowercase_read_as_the_same_instant() {
            let utc = parse("2026-11-25T10:00:00.5Z").unwrap();
            for same in [
                "2026-11-25T12:00:00.5+02:00",
                "2026-11-25T07:30:00.5-02:30",
                "2026-11-25t10:00:00.5z",
                "2026-11-25T10:00:00.5+00:00",
            ] {
                assert_eq!(parse(same).unwrap(), utc, "{same}");
            }
            for bad in [
                "2026-11-25T10:00:00",
                "2026-11-25T10:00:00+2:00",
                "2026-11-25T10:00:00+24:00",
                "2026-11-25T10:00:00++1:00",
                "2026-11-25T10:00:00€12345",
                "2026-11-25T10:00:00+0€:00",
                "€",
                "",
            ] {
                assert!(parse(bad).is_err(), "{bad}");
            }
        }

        #[test]
        fn a_time_rfc_3339_cannot_write_is_an_error_not_a_panic() {
            assert!(format(UNIX_EPOCH - Duration::from_secs(1)).is_err());
            assert!(format(UNIX_EPOCH + YEAR_10000).is_err());
            assert_eq!(
                format(UNIX_EPOCH).unwrap(),
                "1970-01-01T00:00:00.000000000Z"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_round_trip() {
        let a = EventId::next();
        let b = EventId::next();
        assert_ne!(a, b);
        assert_eq!(a.as_u128() >> 64, b.as_u128() >> 64, "one process prefix");
        let text = a.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<EventId>().unwrap(), a);
    }
}

#[cfg(test)]
mod shape_tests {
    use crate::{emits, Event, EventType, Recorder, SharedBus};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        #[event(on = err)]
        UploadFailed,
    }

    #[emits(UploadFailed, event = Ev, bus = bus, fields(file = %name, size))]
    fn upload(bus: &SharedBus<Ev>, name: &str, size: u64) -> std::io::Result<()> {
        Err(std::io::Error::other(format!("{name}: quota exceeded")))
    }

    #[test]
    fn the_json_shape_is_stable_and_round_trips() {
        let recorder = Recorder::<Ev>::new();
        assert!(upload(&recorder.bus(), "a.txt", 12).is_err());
        let event = recorder.events().remove(0);
        let text = serde_json::to_string(&event).unwrap();
        let order = [
            "id",
            "event",
            "variant",
            "phase",
            "timestamp",
            "site",
            "fields",
            "error",
            "elapsed_ns",
            "correlation_id",
            "causation_id",
            "traceparent",
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|key| text.find(&format!("\"{key}\":")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["event"], "upload.failed");
        assert_eq!(json["variant"], "UploadFailed");
        assert_eq!(json["phase"], "err");
        assert_eq!(json["error"], "a.txt: quota exceeded");
        assert_eq!(
            json["fields"],
            serde_json::json!({"file": "a.txt", "size": 12})
        );
        assert_eq!(json["site"]["function"], "shape_tests::upload");
        assert_eq!(
            json["site"]["path"],
            "eventwire::event::shape_tests::upload"
        );
        assert_eq!(json["site"]["file"], "runtime/src/event.rs");
        assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(json["elapsed_ns"].is_u64());
        assert_eq!(json["id"].as_str().unwrap().len(), 32);

        let back: Event<Ev> = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn an_unknown_event_name_is_a_clear_deserialisation_error() {
        let error = serde_json::from_str::<Ev>("\"upload.done\"").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`upload.done` is not an event of"),
            "{error}"
        );
        assert_eq!(
            serde_json::from_str::<Ev>("\"upload.failed\"").unwrap(),
            Ev::UploadFailed
        );
    }
}
