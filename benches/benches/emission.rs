//! The cost of emission: no bus, a one-subscriber synchronous bus, the
//! background bus against a raw channel, field capture, and async.

// `try_send` hands the event back in its error; that is what is measured.
#![allow(clippy::result_large_err)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use eventwire::buses::{BackgroundBus, SyncBus};
use eventwire::{Bus, SharedBus};
use eventwire_benches::{
    annotated_async, block_on, plain_async, sample_event, Declining, NoOp, NoOpSubscriber, Service,
    Slow,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn no_bus(c: &mut Criterion) {
    let service = Service::default();
    let mut group = c.benchmark_group("no_bus");
    group.bench_function("plain", |b| b.iter(|| service.plain(black_box(7))));
    group.bench_function("hand_inline", |b| {
        b.iter(|| service.hand_inline(black_box(7)))
    });
    group.bench_function("hand_written_cold", |b| {
        b.iter(|| service.hand_written(black_box(7)))
    });
    group.bench_function("emits", |b| b.iter(|| service.with_emits(black_box(7))));
    group.bench_function("instrument", |b| {
        b.iter(|| service.with_instrument(black_box(7)))
    });
    group.finish();
}

fn one_subscriber(c: &mut Criterion) {
    let subscribers = SyncBus::new();
    subscribers.subscribe(|event| {
        black_box(event);
    });
    let service = Service {
        bus: Some(Arc::new(subscribers)),
    };
    let mut group = c.benchmark_group("sync_bus_one_subscriber");
    group.bench_function("hand_written", |b| {
        b.iter(|| service.hand_written(black_box(7)))
    });
    group.bench_function("emits", |b| b.iter(|| service.with_emits(black_box(7))));
    tracing::subscriber::with_default(NoOpSubscriber, || {
        group.bench_function("tracing_info", |b| {
            b.iter(|| service.with_info(black_box(7)))
        });
    });
    group.finish();
}

fn background(c: &mut Criterion) {
    let mut group = c.benchmark_group("background");
    let bus = BackgroundBus::builder().capacity(1 << 16).build(NoOp);
    group.bench_function("publish", |b| {
        b.iter_batched(
            sample_event,
            |e| bus.publish(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    let (sender, receiver) = crossbeam_channel::bounded(1 << 16);
    let drain = std::thread::spawn(move || {
        for event in receiver {
            black_box(event);
        }
    });
    group.bench_function("crossbeam_try_send", |b| {
        b.iter_batched(
            sample_event,
            |e| sender.try_send(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    drop(sender);
    let _ = drain.join();

    let stalled = BackgroundBus::builder()
        .capacity(64)
        .drop_timeout(Duration::ZERO)
        .build(Slow(Duration::from_secs(3600)));
    group.bench_function("publish_queue_full", |b| {
        b.iter_batched(
            sample_event,
            |e| stalled.publish(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    let (full, _keep) = crossbeam_channel::bounded(1);
    let _ = full.try_send(sample_event());
    group.bench_function("crossbeam_try_send_full", |b| {
        b.iter_batched(
            sample_event,
            |e| full.try_send(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn fields(c: &mut Criterion) {
    let mut group = c.benchmark_group("fields");
    let declining = Service {
        bus: Some(Arc::new(Declining) as SharedBus<_>),
    };
    let accepting = Service {
        bus: Some(Arc::new(NoOp) as SharedBus<_>),
    };
    for (name, service) in [("declined", &declining), ("accepted", &accepting)] {
        group.bench_function(format!("0_fields_{name}"), |b| {
            b.iter(|| service.fields_0(black_box(7)))
        });
        group.bench_function(format!("3_fields_{name}"), |b| {
            b.iter(|| service.fields_3(black_box(7)))
        });
        group.bench_function(format!("8_fields_{name}"), |b| {
            b.iter(|| service.fields_8(black_box(7)))
        });
    }
    group.finish();
}

fn async_fn(c: &mut Criterion) {
    let mut group = c.benchmark_group("async");
    group.bench_function("plain", |b| b.iter(|| block_on(plain_async(black_box(7)))));
    group.bench_function("emits", |b| {
        b.iter(|| block_on(annotated_async(black_box(7))))
    });
    group.finish();
    println!(
        "async future size: plain {} B, annotated {} B",
        std::mem::size_of_val(&plain_async(7)),
        std::mem::size_of_val(&annotated_async(7))
    );
}

criterion_group!(
    benches,
    no_bus,
    one_subscriber,
    background,
    fields,
    async_fn
);
criterion_main!(benches);
