//! The outbox of one database: where transactions stage their events and
//! relays find them, with the counters both keep.

use crate::backend::{Backend, Retention};
use crate::relay::{Relay, RelayConfig};
use crate::row::{now_ms, OrderKey};
use crate::target::Target;
use crate::tx::OutboxTx;
use crate::Error;
use eventwire::{EventKind, SharedBus};
use sqlx::Pool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The counters of an outbox, shared by its transactions and relays.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) written: AtomicU64,
    pub(crate) rolled_back: AtomicU64,
    pub(crate) relayed: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) purged: AtomicU64,
    pub(crate) late: AtomicU64,
}

/// What an outbox has done, as [`Outbox::stats`] reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Events written by committed transactions of this process.
    pub written: u64,
    /// Events discarded because their transaction did not commit (rolled
    /// back, dropped, or a commit that failed: a commit whose connection
    /// was lost is ambiguous, and the database may have committed it).
    pub rolled_back: u64,
    /// Events published to a transaction after its commit or rollback
    /// (a call still running, a detached `emit!`): not written, reported.
    pub late: u64,
    /// Publishes the target acknowledged to the relay (a row published
    /// again after a relay died before marking it counts again). A batch
    /// given up at half the lease counts none: what the broker stored of it
    /// before then is counted when it is published again.
    pub relayed: u64,
    /// Rows whose publishing failed, per attempt: they stay unsent and are
    /// tried again (a row failing three times counts three).
    pub retried: u64,
    /// Rows a relay could not read as events of its enum (a newer variant,
    /// another service's enum): parked, never marked sent, counted in
    /// `unsent` and `parked`; [`Outbox::unpark`] returns them to the relays.
    pub failed: u64,
    /// Sent rows deleted after their retention.
    pub purged: u64,
    /// Rows not yet relayed, in the database (every process's), parked
    /// ones included.
    pub unsent: u64,
    /// Of those, rows parked because no relay could read them.
    pub parked: u64,
    /// How long the oldest unsent row has waited.
    pub oldest_unsent_age: Option<Duration>,
}

/// How events are written: which order is kept.
#[derive(Clone, Debug)]
pub struct OutboxConfig {
    /// Events of one key are relayed in the order they were written.
    pub order_key: OrderKey,
    /// How many partitions keys are spread over (PostgreSQL relays work on
    /// different partitions at once).
    pub partitions: u32,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            order_key: OrderKey::Subject,
            partitions: 16,
        }
    }
}

/// The outbox in one database.
///
/// Cloning it is cheap; clones share the pool and the counters.
#[derive(Debug)]
pub struct Outbox<DB: Backend> {
    pool: Pool<DB>,
    pub(crate) config: OutboxConfig,
    pub(crate) counters: Arc<Counters>,
}

impl<DB: Backend> Clone for Outbox<DB> {
    fn clone(&self) -> Self {
        Outbox {
            pool: self.pool.clone(),
            config: self.config.clone(),
            counters: Arc::clone(&self.counters),
        }
    }
}

impl<DB: Backend> Outbox<DB> {
    /// The outbox in `pool`'s database; creates its table if missing.
    ///
    /// # Errors
    ///
    /// The table cannot be created.
    pub async fn new(pool: Pool<DB>) -> Result<Self, Error> {
        Self::with_config(pool, OutboxConfig::default()).await
    }

    /// [`Outbox::new`] with another order key or partition count.
    ///
    /// # Errors
    ///
    /// The table cannot be created.
    pub async fn with_config(pool: Pool<DB>, config: OutboxConfig) -> Result<Self, Error> {
        DB::migrate(&pool).await.map_err(Error::Database)?;
        Ok(Outbox {
            pool,
            config,
            counters: Arc::default(),
        })
    }

    /// The pool.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Begins a transaction whose events go to this outbox.
    ///
    /// # Errors
    ///
    /// The transaction cannot begin.
    pub async fn begin<E: EventKind>(&self) -> Result<OutboxTx<'static, DB, E>, Error> {
        let tx = DB::begin(&self.pool).await.map_err(Error::Database)?;
        Ok(OutboxTx::new(tx, self.clone(), None))
    }

    /// [`Outbox::begin`], with the call's `entry`, `err` and `cancel`
    /// events published to `live` at once instead of with the transaction.
    ///
    /// # Errors
    ///
    /// The transaction cannot begin.
    pub async fn begin_with_live<E: EventKind>(
        &self,
        live: SharedBus<E>,
    ) -> Result<OutboxTx<'static, DB, E>, Error> {
        let tx = DB::begin(&self.pool).await.map_err(Error::Database)?;
        Ok(OutboxTx::new(tx, self.clone(), Some(live)))
    }

    /// A relay of this outbox's committed events to `target`.
    pub fn relay<E: EventKind, T: Target<E>>(
        &self,
        target: T,
        config: RelayConfig,
    ) -> Relay<DB, E, T> {
        Relay::new(self.clone(), target, config)
    }

    /// The counters, and what the database holds unsent.
    ///
    /// # Errors
    ///
    /// The database cannot be read.
    pub async fn stats(&self) -> Result<Stats, Error> {
        let (oldest, unsent, parked) = DB::unsent(&self.pool).await.map_err(Error::Database)?;
        let c = &self.counters;
        Ok(Stats {
            written: c.written.load(Ordering::Relaxed),
            rolled_back: c.rolled_back.load(Ordering::Relaxed),
            late: c.late.load(Ordering::Relaxed),
            relayed: c.relayed.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            purged: c.purged.load(Ordering::Relaxed),
            unsent: u64::try_from(unsent).unwrap_or(0),
            parked: u64::try_from(parked).unwrap_or(0),
            oldest_unsent_age: oldest.map(|at| {
                Duration::from_millis(u64::try_from(now_ms().saturating_sub(at)).unwrap_or(0))
            }),
        })
    }

    /// Returns every parked row to the relays (after deploying a relay that
    /// reads their events); how many.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn unpark(&self) -> Result<u64, Error> {
        DB::unpark(&self.pool).await.map_err(Error::Database)
    }

    /// Deletes rows sent longer ago than `retention` keeps them (counted in
    /// [`Stats`]'s `purged`). [`Relay::run`](crate::Relay::run) calls it
    /// every minute; a service that drives
    /// [`Relay::relay_once`](crate::Relay::relay_once) itself calls it.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn purge(&self, retention: Retention) -> Result<(), Error> {
        if let Retention::Keep(keep) = retention {
            let before =
                now_ms().saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
            let purged = DB::purge(&self.pool, before)
                .await
                .map_err(Error::Database)?;
            self.counters.purged.fetch_add(purged, Ordering::Relaxed);
        }
        Ok(())
    }
}
