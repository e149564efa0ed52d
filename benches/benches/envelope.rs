//! What writing one event costs in each wire format: eventwire's own JSON
//! shape, a CloudEvent in structured mode, and in binary mode (headers and
//! data).

use criterion::{criterion_group, criterion_main, Criterion};
use eventwire::cloudevents::CloudEvents;
use eventwire_benches::wire_event;
use std::hint::black_box;

fn envelopes(c: &mut Criterion) {
    let event = wire_event();
    let cloudevents = CloudEvents::new("/agent-services")
        .and_then(|c| c.with_type_prefix("com.example"))
        .expect("valid settings");
    let mut group = c.benchmark_group("envelope");
    group.bench_function("eventwire JSON", |b| {
        b.iter(|| serde_json::to_vec(black_box(&event)))
    });
    group.bench_function("CloudEvents structured", |b| {
        b.iter(|| cloudevents.to_structured(black_box(&event)))
    });
    group.bench_function("CloudEvents binary", |b| {
        b.iter(|| cloudevents.to_binary(black_box(&event)))
    });
    group.finish();
}

criterion_group!(benches, envelopes);
criterion_main!(benches);
