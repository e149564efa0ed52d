//! Lineage carried from call to call: correlation ids from scopes, causes
//! from `entry` events, nested calls, subscribers, detached handles, tasks.

use eventwire::buses::{BackgroundBus, SyncBus};
use eventwire::{
    caused_by, correlate, correlated, emit, emits, CorrelationId, Event, EventType, HasBus,
    Lineage, Recorder, SharedBus,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    OrderReceived,
    OrderAccepted,
    #[event(on = err)]
    OrderRejected,
    #[event(on = entry)]
    StockChecked,
    StockReserved,
    InvoiceSent,
    #[event(on = body)]
    NoteWritten,
    #[event(on = exit)]
    OrderClosed,
}

use EventType::*;

#[derive(HasBus)]
struct Orders {
    bus: SharedBus<EventType>,
}

impl Orders {
    #[emits(OrderReceived, OrderAccepted, OrderRejected, NoteWritten)]
    fn accept(&self, fail: bool) -> Result<(), String> {
        emit!(NoteWritten);
        self.reserve()?;
        self.invoice();
        if fail {
            return Err("no stock".to_owned());
        }
        Ok(())
    }

    #[emits(StockChecked, StockReserved)]
    fn reserve(&self) -> Result<(), String> {
        Ok(())
    }

    /// No `entry` event: its events are caused by the caller's.
    #[emits(InvoiceSent)]
    fn invoice(&self) {}

    #[emits(OrderReceived, OrderAccepted)]
    async fn accept_async(&self) -> Result<(), String> {
        tokio::task::yield_now().await;
        self.reserve_async().await
    }

    #[emits(StockChecked, StockReserved)]
    async fn reserve_async(&self) -> Result<(), String> {
        tokio::task::yield_now().await;
        Ok(())
    }

    /// Spawns the reservation as a task: carried into it with
    /// `Lineage::current().instrument(..)` when `carry`, else not.
    #[emits(OrderReceived, OrderAccepted)]
    async fn accept_in_a_task(self: Arc<Self>, carry: bool) -> Result<(), String> {
        let me = Arc::clone(&self);
        let task = async move { me.reserve_async().await };
        let handle = if carry {
            tokio::spawn(Lineage::current().instrument(task))
        } else {
            tokio::spawn(task)
        };
        handle.await.map_err(|e| e.to_string())?
    }

    #[emits(OrderReceived, OrderAccepted, NoteWritten)]
    fn accept_and_spawn(&self) -> Result<std::thread::JoinHandle<()>, String> {
        Ok(std::thread::spawn(move || {
            emit!(NoteWritten);
        }))
    }
}

fn by_kind(events: &[Event<EventType>], kind: EventType) -> Vec<Event<EventType>> {
    events.iter().filter(|e| e.kind == kind).cloned().collect()
}

#[test]
fn a_calls_events_are_caused_by_its_entry_and_nested_calls_chain() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    orders.accept(false).unwrap();
    recorder.assert_caused_by(OrderAccepted, OrderReceived);
    recorder.assert_caused_by(NoteWritten, OrderReceived);
    recorder.assert_caused_by(StockChecked, OrderReceived);
    recorder.assert_caused_by(StockReserved, StockChecked);
    recorder.assert_caused_by(InvoiceSent, OrderReceived);
    let events = recorder.events();
    let received = &by_kind(&events, OrderReceived)[0];
    assert_eq!(received.causation_id, None, "the root has no cause");
    assert_eq!(received.correlation_id, None, "no scope, no correlation");
    // After the call, the thread's lineage is what it was.
    assert_eq!(Lineage::current(), Lineage::none());
}

#[test]
fn err_events_are_caused_by_the_entry_too_and_nothing_leaks_after_an_err() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    assert!(orders.accept(true).is_err());
    recorder.assert_caused_by(OrderRejected, OrderReceived);
    assert_eq!(Lineage::current(), Lineage::none());
}

#[test]
fn a_correlation_scope_reaches_every_event_of_the_unit_of_work() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    correlate("request-7", || orders.accept(false)).unwrap();
    for kind in [
        OrderReceived,
        OrderAccepted,
        NoteWritten,
        StockChecked,
        StockReserved,
        InvoiceSent,
    ] {
        recorder.assert_correlated(kind, "request-7");
    }
    // A second unit of work is told apart.
    recorder.clear();
    correlate(CorrelationId::from("request-8"), || orders.accept(false)).unwrap();
    recorder.assert_correlated(OrderAccepted, "request-8");
}

#[test]
#[should_panic(expected = "to carry correlation id \"request-9\", but 1 of 1 did not")]
fn assert_correlated_fails_on_another_id() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    correlate("request-7", || orders.invoice());
    recorder.assert_correlated(InvoiceSent, "request-9");
}

#[test]
#[should_panic(expected = "to be caused by StockChecked (stock.checked), but 1 of 1 were not")]
fn assert_caused_by_fails_on_another_cause() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    orders.accept(false).unwrap();
    recorder.assert_caused_by(InvoiceSent, StockChecked);
}

#[test]
#[should_panic(expected = "but none was emitted")]
fn assert_caused_by_fails_when_the_effect_is_missing() {
    let recorder = Recorder::<EventType>::new();
    recorder.assert_caused_by(InvoiceSent, OrderReceived);
}

#[test]
fn a_panicking_body_leaves_the_threads_lineage_as_it_was() {
    #[derive(HasBus)]
    struct Panicky {
        bus: SharedBus<EventType>,
    }
    impl Panicky {
        #[emits(OrderReceived)]
        fn explode(&self) {
            panic!("user code panicked");
        }
    }
    let recorder = Recorder::new();
    let service = Panicky {
        bus: recorder.bus(),
    };
    correlate("outer", || {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.explode()));
        assert!(caught.is_err());
        let now = Lineage::current();
        assert_eq!(now.causation_id, None);
        assert_eq!(now.correlation_id.unwrap(), "outer");
    });
}

#[test]
fn a_subscriber_emits_in_the_lineage_of_the_event_it_handles() {
    let recorder = Recorder::new();
    let sink = recorder.bus();
    let sync = SyncBus::<EventType>::new();
    let orders = Arc::new(Orders { bus: sink.clone() });
    let handler = Arc::clone(&orders);
    sync.subscribe_to(&[OrderAccepted], move |_event| handler.invoice());
    let both = Orders {
        bus: eventwire::buses::Broadcast::new(vec![sync.shared(), sink.clone()]).shared(),
    };
    correlate("request-1", || both.accept(false)).unwrap();
    let events = recorder.events();
    let accepted = by_kind(&events, OrderAccepted);
    let invoices = by_kind(&events, InvoiceSent);
    // One invoice from the body, one from the subscriber.
    assert_eq!(invoices.len(), 2, "{events:#?}");
    assert!(
        invoices
            .iter()
            .any(|i| i.causation_id == Some(accepted[0].id)),
        "the subscriber's invoice is caused by the event it handled: {events:#?}"
    );
    recorder.assert_correlated(InvoiceSent, "request-1");
}

#[test]
fn a_background_subscriber_emits_in_the_lineage_of_the_event_it_handles() {
    let recorder = Recorder::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sync = SyncBus::<EventType>::new();
    let (sink, seen_by_handler) = (recorder.bus(), Arc::clone(&seen));
    sync.subscribe_to(&[OrderAccepted], move |event: &Event<EventType>| {
        seen_by_handler.lock().unwrap().push(event.id);
        emit!(InvoiceSent, bus = sink);
    });
    let background = BackgroundBus::new(sync.shared());
    let orders = Orders {
        bus: background.shared(),
    };
    correlate("request-2", || orders.reserve()).unwrap();
    // OrderAccepted is emitted by hand here to reach the subscriber.
    correlate("request-3", || {
        emit!(OrderAccepted, bus = background.shared())
    });
    background.flush(Duration::from_secs(5)).unwrap();
    let events = recorder.events();
    let invoice = &by_kind(&events, InvoiceSent)[0];
    assert_eq!(invoice.causation_id, seen.lock().unwrap().first().copied());
    assert_eq!(invoice.correlation_id.as_ref().unwrap(), "request-3");
}

#[test]
fn caused_by_gives_code_that_consumes_events_their_lineage() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    let mut incoming = Event::new(
        OrderAccepted,
        eventwire::Phase::Ok,
        eventwire::Site {
            function: "elsewhere::accept".into(),
            path: "elsewhere::accept".into(),
            file: "src/elsewhere.rs".into(),
            line: 1,
            column: 1,
        },
    );
    incoming.correlation_id = Some("from-another-service".into());
    caused_by(&incoming, || orders.invoice());
    let invoice = &recorder.events()[0];
    assert_eq!(invoice.causation_id, Some(incoming.id));
    assert_eq!(
        invoice.correlation_id.as_ref().unwrap(),
        "from-another-service"
    );
}

#[test]
fn a_detached_handle_carries_the_calls_lineage_to_another_thread() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    let handle = correlate("request-4", || orders.accept_and_spawn()).unwrap();
    handle.join().unwrap();
    recorder.assert_caused_by(NoteWritten, OrderReceived);
    recorder.assert_correlated(NoteWritten, "request-4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_calls_chain_across_awaits_and_tasks_keep_their_correlation() {
    let recorder = Recorder::new();
    let orders = Arc::new(Orders {
        bus: recorder.bus(),
    });
    let mut tasks = Vec::new();
    for n in 0..8 {
        let orders = Arc::clone(&orders);
        tasks.push(tokio::spawn(correlated(format!("task-{n}"), async move {
            orders.accept_async().await
        })));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    recorder.assert_caused_by(OrderAccepted, OrderReceived);
    recorder.assert_caused_by(StockChecked, OrderReceived);
    recorder.assert_caused_by(StockReserved, StockChecked);
    // Each task's events carry its own id, and each cause is in the same task.
    let events = recorder.events();
    for event in &events {
        let correlation = event.correlation_id.as_ref().expect("correlated");
        if let Some(cause) = event.causation_id {
            let cause = events.iter().find(|e| e.id == cause).unwrap();
            assert_eq!(cause.correlation_id.as_ref(), Some(correlation));
        }
    }
    assert_eq!(by_kind(&events, StockReserved).len(), 8);
}

/// A task the body spawns starts without the call's lineage (as it would
/// start outside a `tracing` span); `Lineage::current().instrument(..)`
/// carries it, cause and correlation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_by_a_body_takes_its_lineage_when_instrumented() {
    for carry in [true, false] {
        let recorder = Recorder::new();
        let orders = Arc::new(Orders {
            bus: recorder.bus(),
        });
        correlated("request-9", Arc::clone(&orders).accept_in_a_task(carry))
            .await
            .unwrap();
        let events = recorder.events();
        let received = &by_kind(&events, OrderReceived)[0];
        let checked = &by_kind(&events, StockChecked)[0];
        if carry {
            assert_eq!(checked.causation_id, Some(received.id));
            assert_eq!(
                checked.correlation_id,
                Some(CorrelationId::from("request-9"))
            );
        } else {
            assert_eq!(checked.causation_id, None);
            assert_eq!(checked.correlation_id, None);
        }
    }
}

#[tokio::test]
async fn a_future_made_outside_a_scope_takes_the_lineage_it_is_polled_in() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    let future = orders.accept_async();
    correlated("polled-here", future).await.unwrap();
    recorder.assert_correlated(OrderReceived, "polled-here");
    recorder.assert_correlated(StockReserved, "polled-here");
}

#[tokio::test]
async fn a_cancelled_call_is_caused_by_its_entry() {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        #[event(on = entry)]
        Started,
        #[event(on = cancel)]
        Cancelled,
    }
    #[derive(HasBus)]
    struct Slow {
        bus: SharedBus<Ev>,
    }
    impl Slow {
        #[emits(Started, Cancelled, event = Ev)]
        async fn wait(&self) {
            std::future::pending::<()>().await;
        }
    }
    let recorder = Recorder::new();
    let slow = Slow {
        bus: recorder.bus(),
    };
    let outcome = tokio::time::timeout(Duration::from_millis(10), slow.wait()).await;
    assert!(outcome.is_err());
    recorder.assert_caused_by(Ev::Cancelled, Ev::Started);
}

#[test]
fn exit_events_without_an_entry_take_the_callers_cause() {
    #[derive(HasBus)]
    struct Closer {
        bus: SharedBus<EventType>,
    }
    impl Closer {
        #[emits(OrderClosed)]
        fn close(&self) {}

        #[emits(OrderReceived)]
        fn receive_and_close(&self) {
            self.close();
        }
    }
    let recorder = Recorder::new();
    let closer = Closer {
        bus: recorder.bus(),
    };
    closer.receive_and_close();
    recorder.assert_caused_by(OrderClosed, OrderReceived);
    recorder.clear();
    closer.close();
    assert_eq!(recorder.events()[0].causation_id, None);
}

#[test]
fn two_entry_sites_share_one_cause_and_the_first_is_the_calls_entry() {
    #[derive(HasBus)]
    struct Twice {
        bus: SharedBus<EventType>,
    }
    impl Twice {
        #[emits(OrderReceived, StockChecked, OrderAccepted)]
        fn go(&self) {}
    }
    let recorder = Recorder::new();
    let twice = Twice {
        bus: recorder.bus(),
    };
    correlate("c", || twice.go());
    let events = recorder.events();
    let ids: std::collections::HashSet<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len(), "ids are distinct: {events:#?}");
    recorder.assert_caused_by(OrderAccepted, OrderReceived);
    assert_eq!(by_kind(&events, StockChecked)[0].causation_id, None);
}

#[test]
fn the_json_shape_carries_lineage_and_old_json_still_reads() {
    let recorder = Recorder::new();
    let orders = Orders {
        bus: recorder.bus(),
    };
    correlate("request-5", || orders.accept(false)).unwrap();
    let accepted = recorder.of(OrderAccepted).remove(0);
    let json = serde_json::to_value(&accepted).unwrap();
    assert_eq!(json["correlation_id"], "request-5");
    assert_eq!(
        json["causation_id"],
        recorder.of(OrderReceived)[0].id.to_string()
    );
    assert_eq!(json["traceparent"], serde_json::Value::Null);
    let back: Event<EventType> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, accepted);
    // JSON written before lineage existed has none.
    let mut old = json;
    for key in ["correlation_id", "causation_id", "traceparent"] {
        old.as_object_mut().unwrap().remove(key);
    }
    let back: Event<EventType> = serde_json::from_value(old).unwrap();
    assert_eq!(back.correlation_id, None);
    assert_eq!(back.causation_id, None);
}

#[test]
fn a_panicking_subscriber_leaves_no_lineage_behind() {
    let recorder = Recorder::new();
    let sync = SyncBus::<EventType>::new();
    sync.subscribe_to(&[OrderAccepted], |_event| panic!("subscriber exploded"));
    let orders = Orders {
        bus: eventwire::buses::Broadcast::new(vec![sync.shared(), recorder.bus()]).shared(),
    };
    orders.accept(false).unwrap();
    // The subscriber's scope unwound inside the bus: the thread is clean,
    // and the next call starts a chain of its own.
    assert_eq!(Lineage::current(), Lineage::none());
    recorder.clear();
    orders.invoice();
    assert_eq!(recorder.events()[0].causation_id, None);
}

#[test]
fn track_caller_and_never_returning_bodies_chain_their_nested_calls() {
    #[derive(HasBus)]
    struct Shapes {
        bus: SharedBus<EventType>,
    }
    impl Shapes {
        #[track_caller]
        #[emits(OrderReceived)]
        fn tracked(&self) {
            self.reserve();
        }

        #[emits(OrderReceived)]
        fn serve(&self) -> ! {
            self.reserve();
            panic!("the server stops");
        }

        #[emits(StockChecked, StockReserved)]
        fn reserve(&self) {}
    }
    let recorder = Recorder::new();
    let shapes = Shapes {
        bus: recorder.bus(),
    };
    shapes.tracked();
    recorder.assert_caused_by(StockChecked, OrderReceived);
    recorder.assert_caused_by(StockReserved, StockChecked);
    assert_eq!(Lineage::current(), Lineage::none());
    recorder.clear();
    correlate("server", || {
        let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shapes.serve()));
        assert!(stopped.is_err());
        // Unwinding out of `-> !` restored the caller's lineage.
        assert_eq!(Lineage::current().causation_id, None);
        assert_eq!(Lineage::current().correlation_id.unwrap(), "server");
    });
    recorder.assert_caused_by(StockChecked, OrderReceived);
    recorder.assert_correlated(StockReserved, "server");
}
