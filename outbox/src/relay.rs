//! The relay: claims committed rows in order, publishes them, and marks
//! them sent only once the target acknowledged them.

use crate::backend::{Backend, Retention};
use crate::outbox::Outbox;
use crate::row::StoredRow;
use crate::target::{Sent, Target};
use crate::Error;
use eventwire::{Event, EventKind};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How a relay works.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// Its name, unique among the relays of one database (SQLite's lease
    /// holder). A random one by default.
    pub name: String,
    /// Rows claimed and published at once (1 to [`MAX_BATCH`](crate::MAX_BATCH)).
    pub batch: u32,
    /// How long to wait when nothing is unsent.
    pub poll: Duration,
    /// The first wait after a failure; it doubles up to `max_backoff`.
    pub backoff: Duration,
    /// The longest wait after failures.
    pub max_backoff: Duration,
    /// SQLite: how long a relay's lease lasts without renewal, after which
    /// a standby relay takes over. A batch not acknowledged within half of
    /// it is given up (and published again), on every backend.
    pub lease: Duration,
    /// What becomes of sent rows.
    pub retention: Retention,
    /// Test hook: abort the process after publishing a batch, before
    /// marking it (a relay killed at the worst moment).
    #[doc(hidden)]
    pub abort_after_publish: bool,
}

impl Default for RelayConfig {
    fn default() -> Self {
        // Unique in the process by a counter (two defaults made within the
        // clock's resolution would otherwise share a name, and a lease), and
        // across processes by the id and the time.
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let made = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RelayConfig {
            name: format!("relay-{}-{nanos}-{made}", std::process::id()),
            batch: 256,
            poll: Duration::from_millis(100),
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(5),
            lease: Duration::from_secs(30),
            retention: Retention::default(),
            abort_after_publish: false,
        }
    }
}

/// A relay of one outbox to one target. Run it with [`Relay::run`] (a task
/// per relay); several relays may run on one database at once.
pub struct Relay<DB: Backend, E: EventKind, T: Target<E>> {
    outbox: Outbox<DB>,
    target: T,
    config: RelayConfig,
    _events: std::marker::PhantomData<fn() -> E>,
}

impl<DB: Backend, E: EventKind, T: Target<E>> Relay<DB, E, T> {
    pub(crate) fn new(outbox: Outbox<DB>, target: T, config: RelayConfig) -> Self {
        Relay {
            outbox,
            target,
            config,
            _events: std::marker::PhantomData,
        }
    }

    /// Relays until `shutdown` completes: claims a batch, publishes it,
    /// marks what was acknowledged; waits `poll` when nothing is unsent and
    /// backs off (doubling, up to `max_backoff`) while publishing or the
    /// database fails. Failures are counted and reported to eventwire's
    /// failure hook; nothing is marked sent that was not acknowledged. On
    /// shutdown it gives up its claim on future work ([`Relay::release`]).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut delay = self.config.backoff;
        let mut purged_at = Instant::now();
        loop {
            let wait = match self.relay_once().await {
                Ok(0) => self.config.poll,
                Ok(_) => {
                    delay = self.config.backoff;
                    Duration::ZERO
                }
                Err(error) => {
                    // A failure the bus or target counted and reported
                    // itself is not counted again.
                    if !matches!(&error, Error::Target(e) if e.is_reported()) {
                        report(format!("the outbox relay {}: {error}", self.config.name), 1);
                    }
                    let wait = delay;
                    delay = delay
                        .saturating_mul(2)
                        .min(self.config.max_backoff)
                        .max(Duration::from_millis(1));
                    wait
                }
            };
            if purged_at.elapsed() > Duration::from_secs(60) {
                purged_at = Instant::now();
                if let Err(error) = self.outbox.purge(self.config.retention).await {
                    report(format!("the outbox relay {}: {error}", self.config.name), 0);
                }
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        if let Err(error) = self.release().await {
            report(format!("the outbox relay {}: {error}", self.config.name), 0);
        }
    }

    /// Gives up this relay's claim on future work (SQLite's lease), so
    /// that another relay takes over at once rather than when it expires.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn release(&self) -> Result<(), Error> {
        DB::release(self.outbox.pool(), &self.config.name)
            .await
            .map_err(Error::Database)
    }

    /// Claims one batch, publishes it and marks what was acknowledged;
    /// returns how many rows it dealt with, relayed or parked (0: nothing
    /// unsent, or another relay holds the work), so that
    /// `while relay.relay_once().await? > 0 {}` relays all there is.
    ///
    /// # Errors
    ///
    /// The database failed, or the target stopped before the end of the
    /// batch (or took longer than half the lease): the rows acknowledged
    /// before that are marked; the rest are counted as retried and stay
    /// unsent.
    pub async fn relay_once(&self) -> Result<usize, Error> {
        let pool = self.outbox.pool();
        let counters = &self.outbox.counters;
        let Some(claim) = DB::claim(
            pool,
            &self.config.name,
            self.config.batch,
            self.outbox.config.partitions,
            self.config.lease,
        )
        .await
        .map_err(Error::Database)?
        else {
            return Ok(0);
        };
        // Rows that do not read back as events of this relay's enum cannot
        // be published: they are parked (kept unsent, out of the way).
        let mut events = Vec::with_capacity(claim.rows.len());
        let mut seqs = Vec::with_capacity(claim.rows.len());
        let mut unreadable = Vec::new();
        for row in &claim.rows {
            match decode::<E>(row) {
                Ok(event) => {
                    events.push(event);
                    seqs.push(row.seq);
                }
                Err(why) => unreadable.push((
                    row.seq,
                    format!("{} ({}, id {}): {why}", row.seq, row.name, row.id),
                )),
            }
        }
        let (acknowledged, stopped) = if events.is_empty() {
            (0, None)
        } else {
            // Within half the lease, so that no standby takes the rows over
            // while they are still being published.
            let limit = self.config.lease / 2;
            match tokio::time::timeout(limit, isolated_send(&self.target, &events)).await {
                Ok((acknowledged, stopped)) => (acknowledged.min(events.len()), stopped),
                Err(_) => (
                    0,
                    Some(eventwire::BusError::new(format!(
                        "the target did not acknowledge within {limit:?} (half the relay's lease); nothing of the batch is marked"
                    ))),
                ),
            }
        };
        if self.config.abort_after_publish {
            std::process::abort();
        }
        // Counted before they are marked: publishes the target acknowledged
        // happened, even if marking them fails (they will be published again).
        counters
            .relayed
            .fetch_add(acknowledged as u64, Ordering::Relaxed);
        let sent = &seqs[..acknowledged];
        let mut parked: Vec<i64> = unreadable.iter().map(|(seq, _)| *seq).collect();
        // An event the target can never take (too large for the server, or
        // not encodable) is parked, so that it holds back nothing after it.
        let refused = match &stopped {
            Some(error) if error.is_permanent() => seqs.get(acknowledged).map(|seq| {
                (
                    *seq,
                    events[acknowledged].id,
                    error.to_string(),
                    error.is_reported(),
                )
            }),
            _ => None,
        };
        if let Some((seq, _, _, _)) = &refused {
            parked.push(*seq);
        }
        if stopped.is_some() {
            // What stays unsent to be published again (not a parked row).
            let retried = events.len() - acknowledged - usize::from(refused.is_some());
            counters
                .retried
                .fetch_add(retried as u64, Ordering::Relaxed);
        }
        DB::complete(pool, claim, sent, &parked, self.config.retention)
            .await
            .map_err(Error::Database)?;
        for (_, what) in &unreadable {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            report(
                format!("the outbox row {what}; it is not an event of this relay's enum: parked, unsent (`Outbox::unpark` returns it)"),
                1,
            );
        }
        if let Some((seq, id, why, reported)) = refused {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            // A refusal the target reported has been counted: the parking
            // is reported all the same (it names the row and the fix),
            // counted no second time.
            report(
                format!("the outbox row {seq} (id {id}): the target can never take it ({why}): parked, unsent (`Outbox::unpark` returns it)"),
                u64::from(!reported),
            );
            return Ok(acknowledged + unreadable.len() + 1);
        }
        match stopped {
            None => Ok(acknowledged + unreadable.len()),
            Some(error) => Err(Error::Target(error)),
        }
    }
}

/// `target.send(events)`, a panic in it (making the future, or polling it)
/// taken as the target stopping at the batch's start: counted and
/// reported, never the relay's.
async fn isolated_send<E: EventKind, T: Target<E> + ?Sized>(
    target: &T,
    events: &[Event<E>],
) -> Sent {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let sending = match catch_unwind(AssertUnwindSafe(|| target.send(events))) {
        Ok(sending) => sending,
        Err(payload) => return (0, Some(panicked("the target", payload))),
    };
    let mut sending = DropIsolated(Some(sending));
    std::future::poll_fn(|cx| {
        let Some(future) = sending.0.as_mut() else {
            return std::task::Poll::Ready((0, None));
        };
        // An error is made eventwire's inside the isolation: its source is
        // the target's value, whose `Drop` may panic.
        let polled = catch_unwind(AssertUnwindSafe(|| {
            future
                .as_mut()
                .poll(cx)
                .map(|(n, error)| (n, error.map(eventwire::BusError::__eventwire_owned)))
        }));
        match polled {
            Ok(poll) => poll,
            Err(payload) => std::task::Poll::Ready((0, Some(panicked("the target", payload)))),
        }
    })
    .await
}

/// A target's future, dropped in isolation (also when the relay gives the
/// batch up at half the lease): a `Drop` of the target's that panics is
/// counted and reported, never the relay's.
struct DropIsolated<F>(Option<F>);

impl<F> Drop for DropIsolated<F> {
    fn drop(&mut self) {
        let future = self.0.take();
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(future)))
        {
            drop(panicked("the target's future, dropped,", payload));
        }
    }
}

/// Reports a panic of `what` (counted in `eventwire::stats().panics`), as
/// the error that stops a batch.
pub(crate) fn panicked(what: &str, payload: Box<dyn std::any::Any + Send>) -> eventwire::BusError {
    let why = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a payload that is not text".to_owned());
    // The payload's own drop is not ours either: if it panics, forget it.
    if let Err(again) =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)))
    {
        std::mem::forget(again);
    }
    eventwire::report_failure(
        "eventwire-outbox relay",
        eventwire::FailureCause::Panic(format!("{what} panicked: {why}")),
        1,
    );
    eventwire::BusError::new(format!("{what} panicked: {why}; the rows stay unsent"))
        .already_reported()
}

fn decode<E: EventKind>(row: &StoredRow) -> Result<Event<E>, serde_json::Error> {
    serde_json::from_str(&row.payload)
}

/// Hands a relay failure to eventwire's failure hook (and its counters).
fn report(message: String, count: u64) {
    eventwire::report_failure(
        "eventwire-outbox relay",
        eventwire::FailureCause::Error(message),
        count,
    );
}
