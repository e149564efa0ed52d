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
//! down. [`subscribe`] and [`durable`] read events back, typed.

use async_nats::jetstream::{self, consumer, stream};
use async_nats::{Client, ConnectOptions, HeaderMap};
use eventwire::buses::{AsyncSink, SinkFuture, TokioBus};
use eventwire::{BusError, Event, EventKind};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
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

/// Where and how events go.
#[derive(Clone, Debug)]
pub struct Config {
    /// Subjects are `<prefix>.<dotted name>`; `events` by default.
    pub prefix: String,
    /// Core or JetStream.
    pub delivery: Delivery,
    /// The queue's bound; 4096 by default.
    pub capacity: usize,
    /// The first retry delay in JetStream mode; it doubles up to `max_backoff`.
    pub backoff: Duration,
    /// The longest retry delay.
    pub max_backoff: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            prefix: "events".to_owned(),
            delivery: Delivery::Core,
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
    };
    Ok(TokioBus::spawn_sink(
        &tokio::runtime::Handle::current(),
        sink,
        capacity,
    ))
}

/// Sends events to NATS for the bus's task.
struct NatsSink {
    client: Client,
    jetstream: Option<jetstream::Context>,
    config: Config,
    stream_ready: OnceCell<()>,
}

impl NatsSink {
    /// Creates the stream once, retrying while the server is unreachable.
    async fn ensure_stream(&self, js: &jetstream::Context) {
        let Delivery::JetStream { stream: name } = &self.config.delivery else {
            return;
        };
        self.stream_ready
            .get_or_init(|| async {
                let mut delay = self.config.backoff;
                loop {
                    let created = js
                        .get_or_create_stream(stream::Config {
                            name: name.clone(),
                            subjects: vec![format!("{}.>", self.config.prefix)],
                            duplicate_window: Duration::from_secs(120),
                            ..Default::default()
                        })
                        .await;
                    if created.is_ok() {
                        return;
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.config.max_backoff);
                }
            })
            .await;
    }

    /// Publishes to JetStream until acknowledged, with backoff.
    async fn publish_acknowledged(
        &self,
        js: &jetstream::Context,
        subject: String,
        id: String,
        payload: bytes::Bytes,
    ) {
        self.ensure_stream(js).await;
        let mut delay = self.config.backoff;
        loop {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", id.as_str());
            if let Ok(ack) = js
                .publish_with_headers(subject.clone(), headers, payload.clone())
                .await
            {
                if ack.await.is_ok() {
                    return;
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.config.max_backoff);
        }
    }
}

impl<E: EventKind> AsyncSink<E> for NatsSink {
    fn send(&self, event: Event<E>) -> SinkFuture<'_> {
        Box::pin(async move {
            let subject = subject(&self.config.prefix, event.kind);
            let payload: bytes::Bytes = serde_json::to_vec(&event)
                .map_err(|e| BusError::from_source("cannot serialise the event", e))?
                .into();
            match &self.jetstream {
                Some(js) => {
                    self.publish_acknowledged(js, subject, event.id.to_string(), payload)
                        .await;
                    Ok(())
                }
                None => self
                    .client
                    .publish(subject, payload)
                    .await
                    .map_err(|e| BusError::from_source("cannot publish to NATS", e)),
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

/// The events published under `subject` (wildcards allowed, e.g.
/// `events.tool.>`), typed. Messages that are not events of `E` are skipped.
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
        .filter_map(|message| async move { serde_json::from_slice(&message.payload).ok() })
        .boxed())
}

/// The events of a JetStream stream, read through the durable consumer
/// `name` (created if missing) filtered by `subject`; each is acknowledged
/// once yielded.
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
    Ok(
        futures_util::stream::unfold(messages, |messages| async move {
            loop {
                let next = messages.lock().await.next().await?;
                let Ok(message) = next else { continue };
                let _ = message.ack().await;
                if let Ok(event) = serde_json::from_slice(&message.payload) {
                    return Some((event, messages));
                }
            }
        })
        .boxed(),
    )
}
