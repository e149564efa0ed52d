//! A transactional outbox for eventwire: an event is published if and only
//! if the transaction that made it true committed.
//!
//! A method that changes the database inside a transaction takes an
//! [`OutboxTx`] and names it as its bus; its events are held in memory
//! while it runs and inserted into the table `eventwire_outbox` in the same
//! transaction when it commits. A rollback removes them with the rest. A
//! [`Relay`] claims committed rows in order, publishes them (to NATS
//! JetStream with [`JetStreamTarget`], or to any eventwire bus with
//! [`BusTarget`]) and marks them sent only once the target acknowledged
//! them, so each row is published at least once (to the target: a queued
//! bus behind a [`BusTarget`] acknowledges what it queued, and its own
//! guarantee applies from there); on JetStream the event's
//! id is the `Nats-Msg-Id`, so a row published twice (a relay killed
//! between publishing and marking) reaches consumers once if the copy comes
//! within the stream's duplicate window (two minutes by default).
//!
//! ```no_run
//! # #[cfg(all(feature = "sqlite", feature = "nats"))]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use eventwire::{emits, EventType};
//! use eventwire_outbox::{JetStreamTarget, Outbox, OutboxTx, RelayConfig};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
//! enum EventType {
//!     PlanApplied,
//! }
//!
//! #[emits(PlanApplied, bus = tx, fields(plan = id))]
//! async fn apply(tx: &mut OutboxTx<'_, sqlx::Sqlite, EventType>, id: i64) -> Result<(), sqlx::Error> {
//!     sqlx::query("UPDATE plans SET state = 'applied' WHERE id = ?")
//!         .bind(id)
//!         .execute(tx.conn())
//!         .await?;
//!     Ok(())
//! }
//!
//! let pool = sqlx::SqlitePool::connect("sqlite://plans.db?mode=rwc").await?;
//! let outbox = Outbox::new(pool).await?;
//! let mut tx = outbox.begin::<EventType>().await?;
//! apply(&mut tx, 7).await?;
//! tx.commit().await?; // the update and `plan.applied`, or neither
//!
//! let client = async_nats::connect("nats://127.0.0.1:4222").await?;
//! let relay = outbox.relay::<EventType, _>(JetStreamTarget::new(client, "EVENTS"), RelayConfig::default());
//! relay.run(std::future::pending()).await;
//! # Ok(())
//! # }
//! ```
//!
//! Backends (features): `sqlite` and `postgres`; `nats` for
//! [`JetStreamTarget`]. All three are on by default.

mod backend;
mod outbox;
mod relay;
mod row;
mod staged;
mod target;
mod tx;

pub use backend::{Backend, Claim, Retention, MAX_BATCH};
pub use outbox::{Outbox, OutboxConfig, Stats};
pub use relay::{Relay, RelayConfig};
pub use row::{NewRow, OrderKey, StoredRow, TABLE};
#[cfg(feature = "nats")]
pub use target::JetStreamTarget;
pub use target::{BusTarget, Sent, Target};
pub use tx::OutboxTx;

/// What went wrong in the outbox.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The database.
    Database(sqlx::Error),
    /// An event could not be written as JSON.
    Encode(serde_json::Error),
    /// The target stopped publishing.
    Target(eventwire::BusError),
    /// `commit` was called while a call publishing to the transaction was
    /// still running.
    CallsRunning,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Database(e) => write!(f, "the outbox's database: {e}"),
            Error::Encode(e) => write!(f, "an event could not be written as JSON: {e}"),
            Error::Target(e) => write!(f, "publishing: {e}"),
            Error::CallsRunning => f.write_str(
                "the transaction was committed while a call publishing to it was still running (its later events would miss the commit); it was rolled back: commit after the calls made in it return",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Database(e) => Some(e),
            Error::Encode(e) => Some(e),
            Error::Target(e) => Some(e),
            Error::CallsRunning => None,
        }
    }
}
