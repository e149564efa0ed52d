//! The static coverage check over 10,000 sites of 1,000 event kinds.

use criterion::{criterion_group, criterion_main, Criterion};
use eventwire_benches::{big::Big, big_registry};

fn coverage_check(c: &mut Criterion) {
    let sites = big_registry(10_000);
    c.bench_function("coverage_check_10000_sites_1000_kinds", |b| {
        b.iter(|| {
            let report = eventwire::coverage_of::<Big>(sites.iter().copied());
            assert!(report.check().is_ok());
            report.site_count()
        });
    });
}

criterion_group!(benches, coverage_check);
criterion_main!(benches);
