//! `#[emits]` stacked with `tracing::instrument`, in either order: the
//! events fall inside the function's span. A subscriber records, for each
//! event whose target is `eventwire`, the spans entered on its thread.

mod support;
use support::block_on;

use eventwire::buses::TracingBus;
use eventwire::{emits, EventType, SharedBus};
use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use tracing::span::{Attributes, Id, Record};
use tracing::{instrument, Event, Metadata, Subscriber};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Started,
    Finished,
    #[event(on = err)]
    Failed,
}

thread_local! {
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// An event's name, and the names of the spans entered when it came.
type Seen = Vec<(String, Vec<&'static str>)>;

/// Records what it saw of eventwire's events.
#[derive(Default)]
struct Spans {
    names: Mutex<Vec<&'static str>>,
    seen: Arc<Mutex<Seen>>,
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut names = self.names.lock().unwrap();
        names.push(span.metadata().name());
        Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() != "eventwire" {
            return;
        }
        let names = self.names.lock().unwrap();
        let entered = ENTERED.with(|e| {
            e.borrow()
                .iter()
                .filter_map(|id| usize::try_from(*id).ok())
                .filter_map(|i| names.get(i - 1).copied())
                .collect()
        });
        self.seen
            .lock()
            .unwrap()
            .push((event.metadata().name().to_owned(), entered));
    }
    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }
    fn exit(&self, span: &Id) {
        ENTERED.with(|e| {
            let mut e = e.borrow_mut();
            if let Some(at) = e.iter().rposition(|id| *id == span.into_u64()) {
                e.remove(at);
            }
        });
    }
}

struct Svc {
    bus: SharedBus<EventType>,
}

impl Svc {
    // The natural order when adding under an existing attribute.
    #[instrument(skip_all)]
    #[emits(Started, Finished, Failed, bus = self.bus)]
    fn instrument_above(&self, fail: bool) -> Result<u8, String> {
        if fail {
            return Err("no".to_owned());
        }
        Ok(1)
    }

    #[emits(Started, Finished, Failed, bus = self.bus)]
    #[instrument(skip_all)]
    fn emits_above(&self, fail: bool) -> Result<u8, String> {
        if fail {
            return Err("no".to_owned());
        }
        Ok(2)
    }

    #[instrument(skip_all, ret)]
    #[emits(Started, Finished, Failed, bus = self.bus)]
    async fn async_instrument_above(&self, fail: bool) -> Result<u8, String> {
        tokio::task::yield_now().await;
        if fail {
            Err("no".to_owned())
        } else {
            Ok(3)
        }
    }

    #[emits(Started, Finished, Failed, bus = self.bus)]
    #[instrument(skip_all)]
    async fn async_emits_above(&self, fail: bool) -> Result<u8, String> {
        tokio::task::yield_now().await;
        if fail {
            Err("no".to_owned())
        } else {
            Ok(4)
        }
    }
}

fn spans_of(run: impl FnOnce(&Svc)) -> Seen {
    let subscriber = Spans::default();
    let seen = Arc::clone(&subscriber.seen);
    let svc = Svc {
        bus: TracingBus::<EventType>::new().shared(),
    };
    tracing::subscriber::with_default(subscriber, || run(&svc));
    let seen = seen.lock().unwrap().clone();
    seen
}

#[test]
fn events_fall_inside_the_span_whatever_the_order() {
    for (name, run) in [
        (
            "instrument_above",
            Box::new(|s: &Svc| {
                s.instrument_above(false).unwrap();
                s.instrument_above(true).unwrap_err();
            }) as Box<dyn FnOnce(&Svc)>,
        ),
        (
            "emits_above",
            Box::new(|s: &Svc| {
                s.emits_above(false).unwrap();
                s.emits_above(true).unwrap_err();
            }),
        ),
        (
            "async_instrument_above",
            Box::new(|s: &Svc| {
                block_on(s.async_instrument_above(false)).unwrap();
                block_on(s.async_instrument_above(true)).unwrap_err();
            }),
        ),
        (
            "async_emits_above",
            Box::new(|s: &Svc| {
                block_on(s.async_emits_above(false)).unwrap();
                block_on(s.async_emits_above(true)).unwrap_err();
            }),
        ),
    ] {
        let seen = spans_of(run);
        let events: Vec<&str> = seen.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(
            events,
            ["started", "finished", "started", "failed"],
            "{name}: {seen:?}"
        );
        for (event, spans) in &seen {
            assert_eq!(spans, &[name], "{name}: `{event}` outside the span");
        }
    }
}
