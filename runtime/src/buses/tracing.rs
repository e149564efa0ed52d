//! The bridge to `tracing` (feature `tracing`): each event becomes a
//! `tracing` event.

use crate::bus::{Bus, BusError, SharedBus};
use crate::event::Event;
use crate::field::Value as FieldValue;
use crate::kind::EventKind;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use tracing::callsite::{Callsite, Identifier};
use tracing::field::{Field, FieldSet, Value};
use tracing::metadata::{Kind, Level, Metadata};
use tracing::subscriber::Interest;

/// The most fields one `tracing` event carries: seven of the envelope,
/// the rest the event's own. Fields past it are left out.
const MAX_FIELDS: usize = 32;
const ENVELOPE: [&str; 7] = [
    "message",
    "event",
    "variant",
    "phase",
    "site",
    "error",
    "elapsed_us",
];

/// Turns each event into a `tracing` event with target `eventwire`, the
/// dotted name as its message and name, the event's site as its file, line
/// and module, and these fields: `event`, `variant`, `phase`, `site`
/// (`Type::method`), `error` and `elapsed_us` when present, then the event's
/// own fields, structured (numbers stay numbers); one named like a field of
/// the envelope is carried as `field.<name>`. At most 25 of the event's own
/// fields are carried.
///
/// The level is `INFO` unless set per kind with [`TracingBus::level`].
///
/// ```
/// use eventwire::buses::TracingBus;
/// use eventwire::{emit, EventType};
/// use tracing::Level;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { LoginFailed }
///
/// let bus = TracingBus::<EventType>::new()
///     .level(EventType::LoginFailed, Level::WARN)
///     .shared();
/// emit!(LoginFailed, bus = bus, user = "ada"); // a WARN event, target "eventwire"
/// ```
pub struct TracingBus<E: EventKind> {
    levels: Vec<Level>,
    default: Level,
    callsites: Mutex<HashMap<CallsiteKey, &'static Metadata<'static>>>,
    _kind: std::marker::PhantomData<fn(E)>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct CallsiteKey {
    name: &'static str,
    level: Level,
    file: String,
    line: u32,
    column: u32,
    fields: Vec<String>,
}

impl<E: EventKind> fmt::Debug for TracingBus<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingBus")
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

impl<E: EventKind> Default for TracingBus<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: EventKind> TracingBus<E> {
    /// Every kind at `INFO`.
    pub fn new() -> Self {
        TracingBus {
            levels: vec![Level::INFO; E::ALL.len()],
            default: Level::INFO,
            callsites: Mutex::new(HashMap::new()),
            _kind: std::marker::PhantomData,
        }
    }

    /// Events of `kind` at `level`.
    #[must_use]
    pub fn level(mut self, kind: E, level: Level) -> Self {
        if let Some(slot) = self.levels.get_mut(kind.index()) {
            *slot = level;
        }
        self
    }

    /// As a shared handle.
    pub fn shared(self) -> SharedBus<E> {
        Arc::new(self)
    }

    fn level_of(&self, kind: E) -> Level {
        self.levels
            .get(kind.index())
            .copied()
            .unwrap_or(self.default)
    }

    /// The callsite for this site, level and set of field names, made and
    /// registered with `tracing` once.
    fn metadata(&self, event: &Event<E>, level: Level) -> &'static Metadata<'static> {
        let own: Vec<&str> = event
            .fields
            .iter()
            .map(|(name, _)| name)
            .take(MAX_FIELDS - ENVELOPE.len())
            .collect();
        let key = CallsiteKey {
            name: event.kind.dotted_name(),
            level,
            file: event.site.file.to_string(),
            line: event.site.line,
            column: event.site.column,
            fields: own.iter().map(|s| (*s).to_owned()).collect(),
        };
        let mut callsites = self.callsites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(metadata) = callsites.get(&key) {
            return metadata;
        }
        // A field named like one of the envelope's (`fields(phase = ..)`)
        // is carried as `field.phase`: two fields of one name would let
        // the event's own value stand in for the envelope's.
        let names: Vec<&'static str> = ENVELOPE
            .iter()
            .copied()
            .chain(own.iter().map(|name| {
                if ENVELOPE.contains(name) {
                    leak_str(&format!("field.{name}"))
                } else {
                    leak_str(name)
                }
            }))
            .collect();
        let (callsite, metadata) = DynamicCallsite::make(
            key.name,
            level,
            leak_cow(&event.site.file),
            event.site.line,
            leak_cow(&event.site.path),
            Box::leak(names.into_boxed_slice()),
        );
        callsites.insert(key, metadata);
        // Registering calls every subscriber's `register_callsite` (user
        // code, which may emit into this bus): with the lock released.
        drop(callsites);
        tracing::callsite::register(callsite);
        metadata
    }
}

/// Names live as long as the callsites that hold them: made once per site
/// and set of field names, so what is leaked is bounded by the sites (and,
/// for events that come from elsewhere, by the field names they carry).
fn leak_str(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

#[allow(clippy::ptr_arg)] // a borrowed `Cow` is what tells static text apart
fn leak_cow(text: &Cow<'static, str>) -> &'static str {
    match text {
        Cow::Borrowed(text) => text,
        Cow::Owned(text) => leak_str(text),
    }
}

/// A callsite made at run time, one per site and level.
struct DynamicCallsite {
    metadata: OnceLock<Metadata<'static>>,
}

impl DynamicCallsite {
    fn make(
        name: &'static str,
        level: Level,
        file: &'static str,
        line: u32,
        module: &'static str,
        fields: &'static [&'static str],
    ) -> (&'static DynamicCallsite, &'static Metadata<'static>) {
        let callsite: &'static DynamicCallsite = Box::leak(Box::new(DynamicCallsite {
            metadata: OnceLock::new(),
        }));
        let metadata = callsite.metadata.get_or_init(|| {
            Metadata::new(
                name,
                "eventwire",
                level,
                Some(file),
                Some(line),
                Some(module),
                FieldSet::new(fields, Identifier(callsite)),
                Kind::EVENT,
            )
        });
        (callsite, metadata)
    }
}

impl Callsite for DynamicCallsite {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        // Set before the callsite is registered or used, in `make`.
        self.metadata
            .get()
            .unwrap_or_else(|| unreachable!("a callsite is used only once made"))
    }
}

fn as_value(value: &FieldValue) -> &dyn Value {
    match value {
        FieldValue::Bool(v) => v,
        FieldValue::I64(v) => v,
        FieldValue::U64(v) => v,
        FieldValue::F64(v) => v,
        FieldValue::Str(v) => v,
    }
}

impl<E: EventKind> Bus<E> for TracingBus<E> {
    fn publish(&self, event: Event<E>) -> Result<(), BusError> {
        let level = self.level_of(event.kind);
        if tracing::level_filters::LevelFilter::current() < level {
            return Ok(());
        }
        let metadata = self.metadata(&event, level);
        let enabled = tracing::dispatcher::get_default(|d| d.enabled(metadata));
        if !enabled {
            return Ok(());
        }
        let fields = metadata.fields();
        let Some(first) = fields.iter().next() else {
            return Ok(());
        };
        let name = event.kind.dotted_name();
        let variant = event.kind.variant_name();
        let phase = event.phase.as_str();
        let function: &str = &event.site.function;
        let elapsed = event
            .elapsed
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        let all: Vec<Field> = fields.iter().collect();
        let mut values: [(&Field, Option<&dyn Value>); MAX_FIELDS] = [(&first, None); MAX_FIELDS];
        let envelope: [Option<&dyn Value>; 7] = [
            Some(&name),
            Some(&name),
            Some(&variant),
            Some(&phase),
            Some(&function),
            event.error.as_ref().map(|e| e as &dyn Value),
            elapsed.as_ref().map(|e| e as &dyn Value),
        ];
        for (slot, (field, value)) in values.iter_mut().zip(all.iter().zip(envelope)) {
            *slot = (field, value);
        }
        for (slot, (field, (_, value))) in values
            .iter_mut()
            .skip(ENVELOPE.len())
            .zip(all.iter().skip(ENVELOPE.len()).zip(event.fields.iter()))
        {
            *slot = (field, Some(as_value(value)));
        }
        let value_set = fields.value_set(&values);
        tracing::Event::dispatch(metadata, &value_set);
        Ok(())
    }

    fn accepts(&self, kind: E) -> bool {
        tracing::level_filters::LevelFilter::current() >= self.level_of(kind)
    }
}
