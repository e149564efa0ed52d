//! Runs one benchmark case many times, for `instructions.sh` to count its
//! instructions with valgrind's callgrind: `instructions <case> <calls>`.
//! Only `run` is measured (callgrind's `--toggle-collect`).

use eventwire::buses::{BackgroundBus, SyncBus, TokioBus};
use eventwire::{Bus, Event, SharedBus};
use eventwire_benches::{
    annotated_async, big::Big, big_registry, block_on, plain_async, sample_event, Declining,
    EventType, NoOp, NoOpSubscriber, QuietService, Service, Slow,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// The event handed over as a parameter, as emission hands it to `publish`
/// (the cases that take it from a `Vec` read it from memory other code could
/// write, which the compiler must copy out before any atomic operation).
#[inline(never)]
fn publish_param(bus: &impl Bus<EventType>, event: Event<EventType>) -> bool {
    bus.publish(event).is_ok()
}

/// [`publish_param`] for a raw `crossbeam-channel` sender.
#[inline(never)]
fn crossbeam_param(
    sender: &crossbeam_channel::Sender<Event<EventType>>,
    event: Event<EventType>,
) -> bool {
    sender.try_send(event).is_ok()
}

/// [`publish_param`] for a raw `tokio` sender.
#[inline(never)]
fn tokio_param(
    sender: &tokio::sync::mpsc::Sender<Event<EventType>>,
    event: Event<EventType>,
) -> bool {
    sender.try_send(event).is_ok()
}

/// The measured loop: `calls` runs of `case`.
#[inline(never)]
fn run(calls: u64, case: &mut dyn FnMut(u64)) {
    for i in 0..calls {
        case(black_box(i));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(calls)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: instructions <case> <calls>");
        std::process::exit(2);
    };
    let no_bus = Service::default();
    let quiet = QuietService::default();
    let sync = {
        let bus = SyncBus::new();
        bus.subscribe(|e| {
            let _ = black_box(e);
        });
        Service {
            bus: Some(Arc::new(bus) as SharedBus<_>),
        }
    };
    let declining = Service {
        bus: Some(Arc::new(Declining) as SharedBus<_>),
    };
    let accepting = Service {
        bus: Some(Arc::new(NoOp) as SharedBus<_>),
    };
    let background = BackgroundBus::builder().capacity(1 << 20).build(NoOp);
    let stalled = BackgroundBus::builder()
        .capacity(64)
        .drop_timeout(Duration::ZERO)
        .build(Slow(Duration::from_secs(3600)));
    // The same bus as emission calls it: through `SharedBus`.
    let background_dyn = background.shared();
    let (sender, receiver) = crossbeam_channel::bounded(1 << 20);
    let (full, _keep) = crossbeam_channel::bounded(1);
    let _ = full.try_send(sample_event());
    // The queued cases take events built before the measured loop, so that
    // what is counted is the publish alone, plus taking the next event,
    // which `take` counts on its own and which is subtracted.
    let mut events = (0..calls)
        .map(|_| sample_event())
        .collect::<Vec<_>>()
        .into_iter();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a tokio runtime");
    let tokio_bus = {
        let _entered = runtime.enter();
        TokioBus::spawn(NoOp, 1 << 20)
    };
    let (tokio_sender, tokio_receiver) = tokio::sync::mpsc::channel(1 << 20);
    let registry = big_registry(10_000);
    let _tracing = tracing::subscriber::set_default(NoOpSubscriber);
    let tracing_off = name == "instrument";
    let _no_tracing = tracing_off
        .then(|| tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default()));

    let wire = eventwire_benches::wire_event();
    let cloudevents = eventwire::cloudevents::CloudEvents::new("/agent-services")
        .and_then(|c| c.with_type_prefix("com.example"))
        .expect("valid settings");
    let mut case: Box<dyn FnMut(u64)> = match name.as_str() {
        // What writing one event costs, in each wire format.
        "envelope_eventwire" => Box::new(|_| {
            let _ = black_box(serde_json::to_vec(black_box(&wire)));
        }),
        "envelope_structured" => Box::new(|_| {
            let _ = black_box(cloudevents.to_structured(black_box(&wire)));
        }),
        "envelope_binary" => Box::new(|_| {
            let _ = black_box(cloudevents.to_binary(black_box(&wire)));
        }),
        "empty" => Box::new(|i| {
            black_box(i);
        }),
        "plain" => Box::new(|i| {
            let _ = black_box(no_bus.plain(i));
        }),
        "hand_inline" => Box::new(|i| {
            let _ = black_box(no_bus.hand_inline(i));
        }),
        "hand_written_cold" => Box::new(|i| {
            let _ = black_box(no_bus.hand_written(i));
        }),
        "emits" => Box::new(|i| {
            let _ = black_box(no_bus.with_emits(i));
        }),
        "emits_no_defaults" => Box::new(|i| {
            let _ = black_box(quiet.with_emits(i));
        }),
        "instrument" => Box::new(|i| {
            let _ = black_box(no_bus.with_instrument(i));
        }),
        "sync_hand_written" => Box::new(|i| {
            let _ = black_box(sync.hand_written(i));
        }),
        "sync_hand_written_linked" => Box::new(|i| {
            let _ = black_box(sync.hand_written_linked(i));
        }),
        "sync_emits" => Box::new(|i| {
            let _ = black_box(sync.with_emits(i));
        }),
        "sync_tracing_info" => Box::new(|i| {
            let _ = black_box(sync.with_info(i));
        }),
        "take" => Box::new(|_| {
            std::mem::forget(black_box(events.next()));
        }),
        "background_publish" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(background.publish(event).is_ok());
            }
        }),
        "background_publish_dyn" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(background_dyn.publish(event).is_ok());
            }
        }),
        "background_publish_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(publish_param(&background, event));
            }
        }),
        "crossbeam_try_send_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(crossbeam_param(&sender, event));
            }
        }),
        "background_publish_full_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(publish_param(&stalled, event));
            }
        }),
        "crossbeam_try_send_full_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(crossbeam_param(&full, event));
            }
        }),
        "tokio_bus_publish_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(publish_param(&tokio_bus, event));
            }
        }),
        "tokio_try_send_param" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(tokio_param(&tokio_sender, event));
            }
        }),
        "crossbeam_try_send" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(sender.try_send(event).is_ok());
            }
        }),
        "background_publish_full" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(stalled.publish(event).is_ok());
            }
        }),
        "crossbeam_try_send_full" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(full.try_send(event).is_ok());
            }
        }),
        "tokio_bus_publish" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(tokio_bus.publish(event).is_ok());
            }
        }),
        "tokio_try_send" => Box::new(|_| {
            if let Some(event) = events.next() {
                let _ = black_box(tokio_sender.try_send(event).is_ok());
            }
        }),
        "sample_event" => Box::new(|_| {
            let _ = black_box(black_box(sample_event()));
        }),
        "fields_0_declined" => Box::new(|i| {
            let _ = black_box(declining.fields_0(i));
        }),
        "fields_3_declined" => Box::new(|i| {
            let _ = black_box(declining.fields_3(i));
        }),
        "fields_8_declined" => Box::new(|i| {
            let _ = black_box(declining.fields_8(i));
        }),
        "fields_0_accepted" => Box::new(|i| {
            let _ = black_box(accepting.fields_0(i));
        }),
        "fields_3_accepted" => Box::new(|i| {
            let _ = black_box(accepting.fields_3(i));
        }),
        "fields_8_accepted" => Box::new(|i| {
            let _ = black_box(accepting.fields_8(i));
        }),
        "async_plain" => Box::new(|i| {
            let _ = black_box(block_on(plain_async(i)));
        }),
        "async_emits" => Box::new(|i| {
            let _ = black_box(block_on(annotated_async(i)));
        }),
        "coverage_check" => Box::new(|_| {
            let report = eventwire::coverage_of::<Big>(registry.iter().copied());
            let _ = black_box(report.check().is_ok());
        }),
        other => {
            eprintln!("unknown case `{other}`");
            std::process::exit(2);
        }
    };
    run(calls, &mut *case);
    drop(case);
    drop(sender);
    drop(receiver);
    drop(tokio_receiver);
}
