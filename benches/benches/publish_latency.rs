//! Publisher latency with the consumer stalled: p50, p99 and p99.9 of one
//! `publish` over 1,000,000 calls. It shows that `publish` never blocks:
//! with the queue full, every call takes the drop path.

use eventwire::buses::BackgroundBus;
use eventwire::Bus;
use eventwire_benches::{sample_event, Slow};
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`; a filter that does not match skips.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"publish_latency".contains(&a))
    {
        return;
    }
    let calls = 1_000_000;
    let bus = BackgroundBus::builder()
        .capacity(1024)
        .drop_timeout(Duration::ZERO)
        .build(Slow(Duration::from_secs(3600)));
    let events: Vec<_> = (0..calls).map(|_| sample_event()).collect();
    let mut nanos: Vec<u64> = Vec::with_capacity(calls);
    for event in events {
        let start = Instant::now();
        let _ = bus.publish(event);
        nanos.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    nanos.sort_unstable();
    let at = |q: f64| nanos[((calls as f64 * q) as usize).min(calls - 1)];
    let stats = bus.stats();
    println!(
        "publish_latency (consumer stalled, {calls} calls, {} dropped): p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        stats.dropped,
        at(0.50),
        at(0.99),
        at(0.999),
        nanos[calls - 1]
    );
}
