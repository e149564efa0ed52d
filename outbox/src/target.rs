//! Where a relay publishes: a [`Target`] says which events were
//! acknowledged, so that only those are marked sent.

use eventwire::{BusError, Event, EventKind, SharedBus};
use std::future::Future;
use std::pin::Pin;

/// What [`Target::send`] returns: how many of the events, from the first,
/// were acknowledged, and the error that stopped the rest.
pub type Sent = (usize, Option<BusError>);

/// A place committed events are relayed to.
pub trait Target<E: EventKind>: Send + Sync + 'static {
    /// Publishes `events` in order and waits for their acknowledgements.
    fn send<'a>(
        &'a self,
        events: &'a [Event<E>],
    ) -> Pin<Box<dyn Future<Output = Sent> + Send + 'a>>;
}

/// Any eventwire bus as a target: an event is acknowledged when the bus
/// takes it (a synchronous bus has delivered it; a queued bus has queued
/// it, so its own delivery guarantee applies after that). An event a
/// queued bus drops (its queue full, or the bus shut down) is not
/// acknowledged: its row stays unsent and is relayed again. A bus that
/// declines the event's kind (its [`accepts`](eventwire::Bus::accepts)
/// says no: a `Filtered` bus, a `SyncBus` with no subscriber for the kind
/// at that moment) takes the event and keeps nothing of it, as it would
/// from an emission site: the row is marked sent and counted relayed.
/// Relay to a bus that keeps every kind the outbox holds.
///
/// Behind a queued bus the row is marked sent once the event is queued in
/// memory: an event the bus then fails to deliver is counted failed by the
/// bus, not parked, and one still queued when the process dies is lost.
/// Use [`JetStreamTarget`] where every committed event must reach the
/// broker.
pub struct BusTarget<E: EventKind>(pub SharedBus<E>);

impl<E: EventKind> Target<E> for BusTarget<E> {
    fn send<'a>(
        &'a self,
        events: &'a [Event<E>],
    ) -> Pin<Box<dyn Future<Output = Sent> + Send + 'a>> {
        Box::pin(async move {
            for (i, event) in events.iter().enumerate() {
                // The bus is code eventwire does not own: a panic is a
                // failure of this event (counted, reported, the row relayed
                // again), never the relay's.
                // An error is made eventwire's here: its source is the
                // bus's value, whose `Drop` may panic.
                let published = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.0
                        .__eventwire_publish_taken(event.clone())
                        .map_err(BusError::__eventwire_owned)
                }));
                match published {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return (i, Some(e)),
                    Err(payload) => return (i, Some(crate::relay::panicked("the bus", payload))),
                }
            }
            (events.len(), None)
        })
    }
}

#[cfg(feature = "nats")]
pub use jetstream::JetStreamTarget;

#[cfg(feature = "nats")]
mod jetstream {
    use super::{Sent, Target};
    use async_nats::jetstream::{self, stream};
    use eventwire::{BusError, Event, EventKind};
    use eventwire_nats::{encode, subject, Format};
    use std::future::Future;
    use std::pin::Pin;
    use std::time::Duration;
    use tokio::sync::OnceCell;

    /// NATS JetStream as a target: each event is published to
    /// `<prefix>.<dotted name>` in `format` (CloudEvents, structured, by
    /// default) with its id as `Nats-Msg-Id`, and acknowledged when the
    /// stream has stored it. A row relayed twice (a relay that died between
    /// publishing and marking) is dropped by the stream as a duplicate
    /// within its duplicate window.
    pub struct JetStreamTarget {
        js: jetstream::Context,
        stream: String,
        prefix: String,
        format: Format,
        duplicate_window: Duration,
        ready: OnceCell<()>,
    }

    impl JetStreamTarget {
        /// Publishes through `client` into the stream `stream` (created if
        /// missing, holding `<prefix>.>`), structured CloudEvents under the
        /// subject prefix `events`, with a two-minute duplicate window.
        pub fn new(client: async_nats::Client, stream: &str) -> Self {
            JetStreamTarget {
                js: jetstream::new(client),
                stream: stream.to_owned(),
                prefix: "events".to_owned(),
                format: Format::default(),
                duplicate_window: Duration::from_secs(120),
                ready: OnceCell::new(),
            }
        }

        /// Another subject prefix.
        #[must_use]
        pub fn with_prefix(mut self, prefix: &str) -> Self {
            self.prefix = prefix.to_owned();
            self
        }

        /// Another wire format.
        #[must_use]
        pub fn with_format(mut self, format: Format) -> Self {
            self.format = format;
            self
        }

        /// Another duplicate window: how long JetStream remembers ids.
        #[must_use]
        pub fn with_duplicate_window(mut self, window: Duration) -> Self {
            self.duplicate_window = window;
            self
        }

        async fn ensure_stream(&self) -> Result<(), BusError> {
            self.ready
                .get_or_try_init(|| async {
                    self.js
                        .get_or_create_stream(stream::Config {
                            name: self.stream.clone(),
                            subjects: vec![format!("{}.>", self.prefix)],
                            duplicate_window: self.duplicate_window,
                            ..Default::default()
                        })
                        .await
                        .map(|_| ())
                        .map_err(|e| {
                            BusError::from_source(
                                format!("cannot create the stream {}", self.stream),
                                e,
                            )
                        })
                })
                .await
                .copied()
        }
    }

    impl<E: EventKind> Target<E> for JetStreamTarget {
        fn send<'a>(
            &'a self,
            events: &'a [Event<E>],
        ) -> Pin<Box<dyn Future<Output = Sent> + Send + 'a>> {
            Box::pin(async move {
                if let Err(e) = self.ensure_stream().await {
                    return (0, Some(e));
                }
                // Every publish first, then the acknowledgements, in order:
                // one round trip per batch, not per event.
                let mut acks = Vec::with_capacity(events.len());
                let mut stopped = None;
                for event in events {
                    let (mut headers, payload) = match encode(&self.format, event) {
                        Ok(encoded) => encoded,
                        Err(e) => {
                            stopped = Some(e);
                            break;
                        }
                    };
                    headers.insert("Nats-Msg-Id", event.id.to_string().as_str());
                    let subject = subject(&self.prefix, event.kind);
                    match self
                        .js
                        .publish_with_headers(subject.clone(), headers, payload)
                        .await
                    {
                        Ok(ack) => acks.push(ack),
                        Err(e) => {
                            stopped = Some(
                                if e.kind()
                                    == jetstream::context::PublishErrorKind::MaxPayloadExceeded
                                {
                                    eventwire_nats::too_large(&subject, e)
                                } else {
                                    BusError::from_source("cannot publish to JetStream", e)
                                },
                            );
                            break;
                        }
                    }
                }
                let mut acknowledged = 0;
                for ack in acks {
                    match ack.await {
                        Ok(_) => acknowledged += 1,
                        Err(e) => {
                            return (
                                acknowledged,
                                Some(BusError::from_source("JetStream did not acknowledge", e)),
                            )
                        }
                    }
                }
                (acknowledged, stopped)
            })
        }
    }
}
