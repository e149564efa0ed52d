//! The publisher's cost on the background bus, with a fast and a slow
//! consumer: a slow subscriber must not slow the publisher.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use eventwire::buses::BackgroundBus;
use eventwire::Bus;
use eventwire_benches::{sample_event, NoOp, Slow};
use std::hint::black_box;
use std::time::Duration;

fn publisher_is_not_slowed_by_a_slow_subscriber(c: &mut Criterion) {
    let mut group = c.benchmark_group("background_publish");
    let fast = BackgroundBus::builder().capacity(1 << 16).build(NoOp);
    group.bench_function("fast consumer", |b| {
        b.iter_batched(
            sample_event,
            |e| fast.publish(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    // 1 ms per event: the queue fills at once, and publish takes the drop path.
    let slow = BackgroundBus::builder()
        .capacity(1 << 10)
        .drop_timeout(Duration::ZERO)
        .build(Slow(Duration::from_millis(1)));
    group.bench_function("slow consumer (1 ms per event)", |b| {
        b.iter_batched(
            sample_event,
            |e| slow.publish(black_box(e)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, publisher_is_not_slowed_by_a_slow_subscriber);
criterion_main!(benches);
