//! eventwire events across machines, through NATS.
//!
//! [`connect`] gives a bus whose `publish` stays synchronous and
//! non-blocking: events go through the same bounded queue as
//! [`TokioBus`] (drops counted, statistics,
//! `shutdown(timeout)`), and a tokio task sends each one as its JSON
//! envelope to the subject `<prefix>.<dotted name>` (`events.tool.invoked`),
//! so consumers can subscribe by family (`events.tool.>`).
//!
//! - [`Delivery::Core`]: fire and forget, at most once.
//! - [`Delivery::JetStream`]: at least once. Each event is published to a
//!   stream and its acknowledgement awaited; while the server is unreachable
//!   the event is retried with backoff, and it carries its id as
//!   `Nats-Msg-Id`, so the server drops a duplicate sent twice across a
//!   reconnection.
//!
//! The client reconnects by itself, and may be started while the server is
//! down. [`subscribe`] and [`durable`] read events back, typed, in any of
//! the three [formats](Format), with their [lineage](eventwire::lineage).
//!
//! # On the wire
//!
//! [`Format::CloudEventsStructured`] (the default) sends each event as a
//! [CloudEvent 1.0](eventwire::cloudevents) in the JSON event format, with
//! the header `content-type: application/cloudevents+json`;
//! [`Format::CloudEventsBinary`] sends the attributes as `ce-` headers and
//! the data as the body; [`Format::Eventwire`] sends eventwire's own JSON
//! shape ([`Event`]'s serde form). In JetStream mode every message also
//! carries `Nats-Msg-Id: <event id>`.

use async_nats::jetstream::{self, consumer, stream};
use async_nats::{Client, ConnectOptions, HeaderMap};
use eventwire::buses::{AsyncSink, SinkFuture, TokioBus};
use eventwire::cloudevents::{CloudEvents, STRUCTURED_CONTENT_TYPE};
use eventwire::{BusError, Event, EventKind};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How events are delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Core NATS: at most once.
    Core,
    /// JetStream: at least once, into this stream (created if missing,
    /// holding every subject under the prefix).
    JetStream {
        /// The stream's name.
        stream: String,
    },
}

/// What a message holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// A CloudEvent in the JSON event format as the body, with the header
    /// `content-type: application/cloudevents+json`. The default: any
    /// CloudEvents SDK reads it, and the body alone is the whole event, so
    /// it survives tools that keep payloads and drop headers.
    CloudEventsStructured(CloudEvents),
    /// A CloudEvent's attributes as `ce-` headers, its data (JSON) as the
    /// body: consumers can route on headers without parsing the body.
    CloudEventsBinary(CloudEvents),
    /// eventwire's own JSON shape (see [`Event`]): for consumers that
    /// read it already.
    Eventwire,
}

impl Default for Format {
    fn default() -> Self {
        Format::CloudEventsStructured(CloudEvents::default())
    }
}

/// Where and how events go.
#[derive(Clone, Debug)]
pub struct Config {
    /// Subjects are `<prefix>.<dotted name>`; `events` by default.
    pub prefix: String,
    /// Core or JetStream.
    pub delivery: Delivery,
    /// What each message holds; CloudEvents, structured, by default.
    pub format: Format,
    /// The queue's bound; 4096 by default.
    pub capacity: usize,
    /// The first retry delay (JetStream, or core NATS waiting for its first
    /// connection); it doubles up to `max_backoff`. At least a millisecond.
    pub backoff: Duration,
    /// The longest retry delay.
    pub max_backoff: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            prefix: "events".to_owned(),
            delivery: Delivery::Core,
            format: Format::default(),
            capacity: 4096,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// The subject of an event kind under `prefix`.
pub fn subject<E: EventKind>(prefix: &str, kind: E) -> String {
    format!("{prefix}.{}", kind.dotted_name())
}

/// Connects to `url` (or keeps trying in the background while the server
/// is down) and starts the bus on the current tokio runtime.
///
/// # Errors
///
/// The URL or options are invalid. An unreachable server is not an error:
/// events wait in the queue until it comes up.
pub async fn connect<E: EventKind>(url: &str, config: Config) -> Result<TokioBus<E>, BusError> {
    check_prefix(&config.prefix)?;
    if let Delivery::JetStream { stream } = &config.delivery {
        check_stream_name(stream)?;
    }
    let client = ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(|e| BusError::from_source(format!("cannot connect to NATS at {url}"), e))?;
    let capacity = config.capacity;
    let sink = NatsSink {
        jetstream: matches!(config.delivery, Delivery::JetStream { .. })
            .then(|| jetstream::new(client.clone())),
        client,
        config,
        stream_ready: OnceCell::new(),
        connected: OnceCell::new(),
        retrying: std::sync::Mutex::new(None),
    };
    Ok(TokioBus::spawn_sink(
        &tokio::runtime::Handle::current(),
        sink,
        capacity,
    ))
}

/// The retry delay after `delay`: doubled, at most `max`, and at least a
/// millisecond (a zero backoff would retry in a loop that never yields).
fn next_delay(delay: Duration, max: Duration) -> Duration {
    delay
        .saturating_mul(2)
        .min(max)
        .max(Duration::from_millis(1))
}

/// A subject prefix every event's subject can be made of: dot-separated
/// tokens, none empty, without wildcards (`*`, `>`) or whitespace (a
/// subject the client refuses fails every publish; one with a wildcard
/// cannot be published to).
fn check_prefix(prefix: &str) -> Result<(), BusError> {
    let bad = prefix.split('.').any(|token| {
        token.is_empty()
            || token
                .chars()
                .any(|c| matches!(c, '*' | '>') || c.is_whitespace() || c.is_control())
    });
    if bad {
        return Err(BusError::new(format!(
            "{prefix:?} is not a subject prefix: use dot-separated words without `*`, `>`, spaces or empty parts (`events`, `orders.events`)"
        )));
    }
    Ok(())
}

/// A JetStream stream's name as the server takes it: not empty, and none
/// of `.`, `*`, `>`, `/`, `\\` or whitespace (a name the client refuses
/// would be retried forever).
fn check_stream_name(name: &str) -> Result<(), BusError> {
    let bad = name.is_empty()
        || name
            .chars()
            .any(|c| matches!(c, '.' | '*' | '>' | '/' | '\\') || c.is_whitespace());
    if bad {
        return Err(BusError::new(format!(
            "{name:?} is not a JetStream stream name: use letters, digits, `-` and `_` (no `.`, `*`, `>`, `/`, `\\` or spaces)"
        )));
    }
    Ok(())
}

/// Sends events to NATS for the bus's task.
struct NatsSink {
    client: Client,
    jetstream: Option<jetstream::Context>,
    config: Config,
    stream_ready: OnceCell<()>,
    /// Core NATS: the client has reached a server once (see
    /// [`NatsSink::ensure_connected`]).
    connected: OnceCell<()>,
    /// The last failure reported while retrying, so that a failure that
    /// persists is reported once, not at every retry.
    retrying: std::sync::Mutex<Option<String>>,
}

/// Whether a stream holding `subjects` may hold some subject under
/// `prefix` (`<prefix>.<name>`): one of its subjects matches the prefix's
/// tokens (literally or by `*`) and then goes on, or ends in `>` on the
/// way. Only a stream that cannot hold any is said not to store the events;
/// one that holds some of them is left to the publishes' own errors.
fn may_hold(subjects: &[String], prefix: &str) -> bool {
    let prefix: Vec<&str> = prefix.split('.').collect();
    subjects.iter().any(|subject| {
        let tokens: Vec<&str> = subject.split('.').collect();
        for (i, token) in tokens.iter().enumerate() {
            if *token == ">" {
                return true;
            }
            match prefix.get(i) {
                Some(p) if *token == "*" || token == p => {}
                Some(_) => return false,
                // Past the prefix: the event's name goes on from here.
                None => return true,
            }
        }
        false
    })
}

impl NatsSink {
    /// Reports a failure that makes the task retry, unless it is the one
    /// reported last: a stream that cannot be created or does not take the
    /// events stalls the bus, and says why, once.
    fn retrying(&self, what: String) {
        let mut last = self.retrying.lock().unwrap_or_else(|e| e.into_inner());
        if last.as_deref() != Some(what.as_str()) {
            eventwire::report_failure(
                "eventwire-nats",
                eventwire::FailureCause::Error(what.clone()),
                0,
            );
            *last = Some(what);
        }
    }

    /// A publish went through: the next failure is reported again.
    fn recovered(&self) {
        *self.retrying.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Waits, once, until the client has reached a server: only then does
    /// it know the server's `max_payload` (before, it judges an event's
    /// size by a default of 1 MiB, and would take an event the server then
    /// refuses by closing the connection, or refuse one the server takes).
    /// The events wait in the bus's queue meanwhile. JetStream waits
    /// already, to create its stream.
    async fn ensure_connected(&self) {
        self.connected
            .get_or_init(|| async {
                let mut delay = self.config.backoff.max(Duration::from_millis(1));
                let since = tokio::time::Instant::now();
                // The server's `INFO` is known once the connection is made.
                while self.client.try_server_info().is_none() {
                    tokio::time::sleep(delay).await;
                    delay = next_delay(delay, self.config.max_backoff);
                    // A connection that is only slow to come (TLS, a WAN)
                    // is not worth a report.
                    if self.client.try_server_info().is_none()
                        && since.elapsed() >= Duration::from_secs(1)
                    {
                        self.retrying(
                            "no NATS server reached yet: events wait in the queue until one is"
                                .to_owned(),
                        );
                    }
                }
                self.recovered();
            })
            .await;
    }

    /// Creates the stream once, retrying while the server is unreachable.
    async fn ensure_stream(&self, js: &jetstream::Context) {
        let Delivery::JetStream { stream: name } = &self.config.delivery else {
            return;
        };
        self.stream_ready
            .get_or_init(|| async {
                let mut delay = self.config.backoff.max(Duration::from_millis(1));
                loop {
                    let created = js
                        .get_or_create_stream(stream::Config {
                            name: name.clone(),
                            subjects: vec![format!("{}.>", self.config.prefix)],
                            duplicate_window: Duration::from_secs(120),
                            ..Default::default()
                        })
                        .await;
                    match created {
                        Ok(mut existing) => {
                            // A stream of that name made elsewhere may not
                            // hold these subjects: every publish would then
                            // go unanswered.
                            match existing.info().await {
                                Ok(info) if !may_hold(&info.config.subjects, &self.config.prefix) => {
                                    self.retrying(format!(
                                        "the JetStream stream {name} holds {:?}, no subject under `{}.`: events published to it are not stored; add `{}.>` to it or name another stream",
                                        info.config.subjects, self.config.prefix, self.config.prefix
                                    ));
                                }
                                _ => {}
                            }
                            return;
                        }
                        Err(error) => self.retrying(format!(
                            "cannot create or find the JetStream stream {name}: {error}; retrying with backoff"
                        )),
                    }
                    tokio::time::sleep(delay).await;
                    delay = next_delay(delay, self.config.max_backoff);
                }
            })
            .await;
    }

    /// Publishes to JetStream until acknowledged, with backoff; an event
    /// larger than the server takes is refused at once, a
    /// [permanent](BusError::permanent) error: retrying it would hold back
    /// every event after it.
    async fn publish_acknowledged(
        &self,
        js: &jetstream::Context,
        subject: String,
        headers: HeaderMap,
        payload: bytes::Bytes,
    ) -> Result<(), BusError> {
        self.ensure_stream(js).await;
        let mut delay = self.config.backoff.max(Duration::from_millis(1));
        loop {
            let failed = match js
                .publish_with_headers(subject.clone(), headers.clone(), payload.clone())
                .await
            {
                Err(error) if error.kind() == jetstream::context::PublishErrorKind::MaxPayloadExceeded => {
                    return Err(too_large(&subject, error));
                }
                Ok(ack) => match ack.await {
                    Ok(_) => {
                        self.recovered();
                        return Ok(());
                    }
                    Err(error) => format!(
                        "JetStream did not acknowledge an event on {subject}: {error}; retrying with backoff"
                    ),
                },
                Err(error) => format!(
                    "cannot publish an event to JetStream on {subject}: {error}; retrying with backoff"
                ),
            };
            self.retrying(failed);
            tokio::time::sleep(delay).await;
            delay = next_delay(delay, self.config.max_backoff);
        }
    }
}

impl<E: EventKind> AsyncSink<E> for NatsSink {
    fn send(&self, event: Event<E>) -> SinkFuture<'_> {
        Box::pin(async move {
            let subject = subject(&self.config.prefix, event.kind);
            let (mut headers, payload) = encode(&self.config.format, &event)?;
            match &self.jetstream {
                Some(js) => {
                    headers.insert("Nats-Msg-Id", event.id.to_string().as_str());
                    self.publish_acknowledged(js, subject, headers, payload)
                        .await
                }
                None => {
                    self.ensure_connected().await;
                    self.client
                        .publish_with_headers(subject.clone(), headers, payload)
                        .await
                        .map_err(|e| match e.kind() {
                            async_nats::client::PublishErrorKind::MaxPayloadExceeded => {
                                too_large(&subject, e)
                            }
                            _ => BusError::from_source("cannot publish to NATS", e),
                        })
                }
            }
        })
    }

    fn flush(&self) -> SinkFuture<'_> {
        Box::pin(async move {
            self.client
                .flush()
                .await
                .map_err(|e| BusError::from_source("cannot flush the NATS connection", e))
        })
    }
}

/// The error for an event larger than the server's `max_payload`.
pub fn too_large(subject: &str, error: impl std::error::Error + Send + Sync + 'static) -> BusError {
    BusError::from_source(
        format!("the event on {subject} is larger than the NATS server takes (its max_payload): it can never be published"),
        error,
    )
    .permanent()
}

/// The headers and body of `event` in `format`.
///
/// # Errors
///
/// A [permanent](BusError::permanent) error: the event cannot be written
/// in this format (a time CloudEvents cannot carry).
///
/// The event cannot be written as JSON.
pub fn encode<E: EventKind>(
    format: &Format,
    event: &Event<E>,
) -> Result<(HeaderMap, bytes::Bytes), BusError> {
    let mut headers = HeaderMap::new();
    let body = match format {
        Format::CloudEventsStructured(cloudevents) => {
            headers.insert("content-type", STRUCTURED_CONTENT_TYPE);
            cloudevents
                .to_structured(event)
                .map_err(|e| BusError::from_source("cannot write the CloudEvent", e).permanent())?
        }
        Format::CloudEventsBinary(cloudevents) => {
            let binary = cloudevents
                .to_binary(event)
                .map_err(|e| BusError::from_source("cannot write the CloudEvent", e).permanent())?;
            for (name, value) in &binary.headers {
                headers.insert(*name, value.as_str());
            }
            binary.body
        }
        Format::Eventwire => serde_json::to_vec(event)
            .map_err(|e| BusError::from_source("cannot serialise the event", e).permanent())?,
    };
    Ok((headers, body.into()))
}

/// Reads a message in any of the three [formats](Format) back into an
/// event of `E`: binary mode when it has a `ce-specversion` header,
/// structured when its `content-type` is CloudEvents' or its body has a
/// `specversion`, else eventwire's own shape.
///
/// # Errors
///
/// The message is not an event of `E` in any of them; the error says why.
pub fn decode<E: EventKind>(
    headers: Option<&HeaderMap>,
    payload: &[u8],
) -> Result<Event<E>, BusError> {
    // Header names are matched without regard to case (`Ce-Specversion`,
    // `Content-Type`), as `from_binary` reads them.
    let header = |name: &str| {
        headers
            .into_iter()
            .flat_map(|h| h.iter())
            .find(|(key, _)| {
                <async_nats::HeaderName as AsRef<str>>::as_ref(key).eq_ignore_ascii_case(name)
            })
            .and_then(|(_, values)| values.first())
            .map(|v| v.as_str())
    };
    if header("ce-specversion").is_some() {
        let pairs = headers
            .into_iter()
            .flat_map(|h| h.iter())
            .filter_map(|(name, values)| {
                values.first().map(|v| {
                    (
                        <async_nats::HeaderName as AsRef<str>>::as_ref(name),
                        v.as_str(),
                    )
                })
            });
        return CloudEvents::from_binary(pairs, payload)
            .map_err(|e| BusError::from_source("not an event in CloudEvents binary mode", e));
    }
    let structured = header("content-type")
        .is_some_and(|t| t.starts_with("application/cloudevents"))
        || serde_json::from_slice::<serde_json::Value>(payload)
            .is_ok_and(|v| v.get("specversion").is_some());
    if structured {
        CloudEvents::from_structured(payload)
            .map_err(|e| BusError::from_source("not an event in CloudEvents structured mode", e))
    } else {
        serde_json::from_slice(payload)
            .map_err(|e| BusError::from_source("not an event in eventwire's JSON shape", e))
    }
}

static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// How many messages [`subscribe`] and [`durable`] skipped, in this
/// process, because they were not events of the type asked for.
pub fn skipped_messages() -> u64 {
    SKIPPED.load(Ordering::Relaxed)
}

/// Decodes, counting what is skipped.
fn decode_or_skip<E: EventKind>(message: &async_nats::Message) -> Option<Event<E>> {
    match decode(message.headers.as_ref(), &message.payload) {
        Ok(event) => Some(event),
        Err(_) => {
            SKIPPED.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// The events published under `subject` (wildcards allowed, e.g.
/// `events.tool.>`), typed, in any [format](Format). Messages that are not
/// events of `E` are skipped and counted ([`skipped_messages`]); to handle
/// them yourself, subscribe with the client and [`decode`].
///
/// Run what a consumer does for an event inside
/// [`eventwire::caused_by`]`(&event, ..)`, and what it emits is caused by
/// that event and carries its correlation id.
///
/// # Errors
///
/// The subscription cannot be made.
pub async fn subscribe<E: EventKind>(
    client: &Client,
    subject: &str,
) -> Result<BoxStream<'static, Event<E>>, BusError> {
    let subscriber = client
        .subscribe(subject.to_owned())
        .await
        .map_err(|e| BusError::from_source(format!("cannot subscribe to {subject}"), e))?;
    Ok(subscriber
        .filter_map(|message| async move { decode_or_skip(&message) })
        .boxed())
}

/// The events of a JetStream stream, read through the durable consumer
/// `name` (created if missing) filtered by `subject`, in any
/// [format](Format) (a message that is not an event of `E` is
/// acknowledged, skipped and counted as in [`subscribe`]).
///
/// Each message is acknowledged as its event is handed to you, before you
/// handle it: the stream's at-least-once delivery reaches this stream of
/// events, and a consumer that stops while handling one does not get it
/// again. To acknowledge after handling, read the consumer with
/// `async-nats` and turn each message into an event with [`decode`].
///
/// A failure to read the consumer (deleted, or the server gone) or to
/// acknowledge a message is reported through eventwire's failure hook,
/// once until a message is read and acknowledged again; failed reads are
/// retried after a pause that doubles up to two seconds. An event whose
/// acknowledgement failed is handed to you all the same, and the stream
/// delivers it again after the consumer's ack wait.
///
/// # Errors
///
/// The stream or the consumer cannot be reached.
pub async fn durable<E: EventKind>(
    client: &Client,
    stream_name: &str,
    name: &str,
    subject: &str,
) -> Result<BoxStream<'static, Event<E>>, BusError> {
    let js = jetstream::new(client.clone());
    let stream = js
        .get_stream(stream_name)
        .await
        .map_err(|e| BusError::from_source(format!("no stream {stream_name}"), e))?;
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            name,
            consumer::pull::Config {
                durable_name: Some(name.to_owned()),
                filter_subject: subject.to_owned(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| BusError::from_source(format!("cannot create consumer {name}"), e))?;
    let messages = consumer
        .messages()
        .await
        .map_err(|e| BusError::from_source("cannot read the consumer", e))?;
    let messages = Arc::new(tokio::sync::Mutex::new(messages));
    let reading = Reading {
        consumer: name.to_owned(),
        last_failure: None,
        pause: Duration::ZERO,
    };
    Ok(
        futures_util::stream::unfold((messages, reading), |(messages, mut reading)| async move {
            loop {
                let next = messages.lock().await.next().await?;
                let message = match next {
                    Ok(message) => message,
                    Err(error) => {
                        let pause = reading.failed(format!("reading it failed: {error}"));
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                };
                match message.ack().await {
                    Ok(()) => reading.recovered(),
                    Err(error) => {
                        reading.failed(format!(
                            "acknowledging a message failed ({error}): the stream delivers its event again after the consumer's ack wait"
                        ));
                    }
                }
                if let Some(event) = decode_or_skip(&message) {
                    return Some((event, (messages, reading)));
                }
            }
        })
        // Polled again after it ended (the consumer gone), it stays ended.
        .fuse()
        .boxed(),
    )
}

/// The state of a [`durable`] stream of events: its failures to read the
/// consumer or to acknowledge a message are reported, each once until one
/// succeeds again (a consumer deleted, or a server gone, fails at every
/// read), and reads that fail are paused, longer each time, rather than
/// retried at once.
struct Reading {
    consumer: String,
    last_failure: Option<String>,
    pause: Duration,
}

impl Reading {
    /// Reports `what` (unless it is the failure reported last) and says how
    /// long to wait before reading again. No event is lost by such a
    /// failure (the stream keeps what was not acknowledged), so none is
    /// counted.
    fn failed(&mut self, what: String) -> Duration {
        if self.last_failure.as_deref() != Some(what.as_str()) {
            eventwire::report_failure(
                "eventwire-nats",
                eventwire::FailureCause::Error(format!(
                    "the durable consumer {}: {what}",
                    self.consumer
                )),
                0,
            );
            self.last_failure = Some(what);
        }
        self.pause = next_delay(self.pause, Duration::from_secs(2));
        self.pause
    }

    /// A message was read and acknowledged: the next failure is reported.
    fn recovered(&mut self) {
        self.last_failure = None;
        self.pause = Duration::ZERO;
    }
}

#[cfg(test)]
mod stream_name_tests {
    use super::{check_prefix, check_stream_name, may_hold, next_delay};
    use std::time::Duration;

    #[test]
    fn retry_delays_double_up_to_the_bound_and_are_never_zero() {
        let ms = Duration::from_millis;
        assert_eq!(next_delay(ms(50), ms(2000)), ms(100));
        assert_eq!(next_delay(ms(1500), ms(2000)), ms(2000));
        assert_eq!(next_delay(Duration::ZERO, Duration::ZERO), ms(1));
        assert_eq!(next_delay(Duration::MAX, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn subject_prefixes_no_subject_can_be_made_of_are_refused_at_connect() {
        for bad in [
            "",
            ".",
            "events.",
            ".events",
            "a..b",
            "ev*",
            "ev.>",
            "a b",
            "tab\there",
        ] {
            let error = check_prefix(bad).expect_err(bad);
            assert!(
                error.to_string().contains("is not a subject prefix"),
                "{error}"
            );
        }
        for good in ["events", "orders.events", "a-b_c.d2"] {
            check_prefix(good).unwrap();
        }
    }

    #[test]
    fn stream_names_the_server_would_refuse_are_refused_at_connect() {
        for bad in ["", "orders.events", "a b", "x*", "y>", "p/q", "tab\there"] {
            let error = check_stream_name(bad).expect_err(bad);
            assert!(
                error.to_string().contains("is not a JetStream stream name"),
                "{error}"
            );
        }
        for good in ["EVENTS", "orders-events", "orders_events_2"] {
            check_stream_name(good).unwrap();
        }
    }

    #[test]
    fn only_a_stream_that_can_hold_no_event_of_the_prefix_is_named() {
        let held = |subjects: &[&str]| {
            let subjects: Vec<String> = subjects.iter().map(|s| (*s).to_owned()).collect();
            may_hold(&subjects, "events")
        };
        for holds in [
            &["events.>"][..],
            &[">"],
            &["*.>"],
            &["events.*.*"],
            &["events.tool.>"],
            &["other.>", "events.plan.created"],
        ] {
            assert!(held(holds), "{holds:?}");
        }
        for holds_none in [&["other.>"][..], &["events"], &["eventsx.>"], &["*"]] {
            assert!(!held(holds_none), "{holds_none:?}");
        }
        let dotted: Vec<String> = vec!["acme.events.>".to_owned()];
        assert!(may_hold(&dotted, "acme.events"));
        assert!(!may_hold(&dotted, "acme.other"));
    }
}

#[cfg(test)]
mod decode_tests {
    use super::{decode, encode, Format, HeaderMap};
    use eventwire::cloudevents::CloudEvents;
    use eventwire::{emit, EventType, Recorder};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum EventType {
        OrderPlaced,
    }

    /// A producer that writes CloudEvents headers in another case
    /// (`Ce-Specversion`) is read in binary mode all the same.
    #[test]
    fn binary_headers_are_read_whatever_their_case() {
        let recorder = Recorder::new();
        emit!(EventType::OrderPlaced, bus = recorder, n = 7);
        let event = recorder.events().remove(0);
        let format = Format::CloudEventsBinary(CloudEvents::new("/shop").unwrap());
        let (headers, body) = encode(&format, &event).unwrap();
        let mut shouted = HeaderMap::new();
        for (name, values) in headers.iter() {
            let name: &str = name.as_ref();
            let title: String = name
                .split('-')
                .map(|part| {
                    let mut chars = part.chars();
                    chars.next().map_or_else(String::new, |c| {
                        c.to_ascii_uppercase().to_string() + chars.as_str()
                    })
                })
                .collect::<Vec<_>>()
                .join("-");
            for value in values {
                shouted.append(title.as_str(), value.as_str());
            }
        }
        let read = decode::<EventType>(Some(&shouted), &body).unwrap();
        assert_eq!(read.id, event.id);
        assert_eq!(read.fields.get("n"), event.fields.get("n"));
    }
}
