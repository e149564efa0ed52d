//! A transaction whose events are written into it: [`OutboxTx`].

use crate::backend::Backend;
use crate::outbox::Outbox;
use crate::row::row_of;
use crate::staged::Staged;
use crate::Error;
use eventwire::{EventKind, HasBus, SharedBus};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A database transaction that takes the events of the calls made in it.
///
/// Give it to an annotated method as its bus (`#[emits(PlanApplied, bus =
/// tx)]` on a method taking `tx: &mut OutboxTx<..>`): the events are held in
/// memory while the method runs, inserted into the outbox table by
/// [`commit`](OutboxTx::commit) in the same transaction as the method's own
/// writes, and relayed once committed. A rollback, or dropping the
/// transaction, discards them. Run the method's queries on
/// [`conn`](OutboxTx::conn).
pub struct OutboxTx<'c, DB: Backend, E: EventKind> {
    tx: sqlx::Transaction<'c, DB>,
    outbox: Outbox<DB>,
    staged: Arc<Staged<E>>,
    bus: SharedBus<E>,
}

impl<'c, DB: Backend, E: EventKind> OutboxTx<'c, DB, E> {
    pub(crate) fn new(
        tx: sqlx::Transaction<'c, DB>,
        outbox: Outbox<DB>,
        live: Option<SharedBus<E>>,
    ) -> Self {
        let staged = Arc::new(Staged::new(live, Arc::clone(&outbox.counters)));
        let bus: SharedBus<E> = staged.clone();
        OutboxTx {
            tx,
            outbox,
            staged,
            bus,
        }
    }

    /// The transaction's connection, to run queries on:
    /// `sqlx::query(..).execute(tx.conn())`.
    pub fn conn(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }

    /// The transaction itself.
    pub fn transaction(&mut self) -> &mut sqlx::Transaction<'c, DB> {
        &mut self.tx
    }

    /// How many events wait for the commit.
    pub fn staged(&self) -> usize {
        self.staged.len()
    }

    /// Inserts the staged events into the outbox table, then commits: the
    /// events exist if and only if the transaction's other writes do.
    /// Returns how many events were written.
    ///
    /// # Errors
    ///
    /// A call publishing to this transaction is still running (an `async`
    /// method that commits its own transaction: its `ok` event would come
    /// after the commit) — commit after the calls return; an event cannot
    /// be written as JSON; or the insert or the commit fails. The
    /// transaction is then rolled back and nothing is written.
    ///
    /// The events are counted written when the commit completes, and
    /// rolled back when it fails or when this future is dropped before it
    /// completes (a cancelled request): then, as when the connection is
    /// lost during the commit, the database may still have committed, and
    /// the rows are relayed if it did.
    pub async fn commit(mut self) -> Result<usize, Error> {
        // The transaction holds two handles of its bus; a running call
        // (or a detached `emit!`) holds another.
        if Arc::strong_count(&self.staged) > 2 {
            self.staged.close();
            return Err(Error::CallsRunning);
        }
        self.staged.close();
        let events = self.staged.take();
        // Counted rolled back unless the commit completes: also when this
        // future is dropped at one of its awaits (a request cancelled, a
        // timeout), which a `match` on the result would never see.
        let uncommitted = Uncommitted {
            events: events.len() as u64,
            counters: Arc::clone(&self.outbox.counters),
        };
        let config = &self.outbox.config;
        let rows = events
            .iter()
            .map(|e| row_of(e, &config.order_key, config.partitions))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::Encode)?;
        DB::insert(&mut self.tx, &rows)
            .await
            .map_err(Error::Database)?;
        self.tx.commit().await.map_err(Error::Database)?;
        uncommitted.committed();
        Ok(rows.len())
    }

    /// Rolls back: the staged events are discarded with the writes.
    ///
    /// # Errors
    ///
    /// The rollback fails (the database rolls back anyway when the
    /// connection closes).
    pub async fn rollback(self) -> Result<(), Error> {
        self.staged.close();
        // The staged events are counted as rolled back when dropped.
        self.tx.rollback().await.map_err(Error::Database)
    }
}

/// The events a commit took from the transaction, counted rolled back when
/// dropped, unless [`committed`](Uncommitted::committed).
struct Uncommitted {
    events: u64,
    counters: Arc<crate::outbox::Counters>,
}

impl Uncommitted {
    /// The commit completed: the events are written.
    fn committed(mut self) {
        let events = std::mem::take(&mut self.events);
        self.counters.written.fetch_add(events, Ordering::Relaxed);
    }
}

impl Drop for Uncommitted {
    fn drop(&mut self) {
        self.counters
            .rolled_back
            .fetch_add(self.events, Ordering::Relaxed);
    }
}

impl<DB: Backend, E: EventKind> HasBus<E> for OutboxTx<'_, DB, E> {
    fn event_bus(&self) -> Option<&SharedBus<E>> {
        Some(&self.bus)
    }
}

impl<DB: Backend, E: EventKind> std::fmt::Debug for OutboxTx<'_, DB, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxTx")
            .field("staged", &self.staged.len())
            .finish_non_exhaustive()
    }
}
