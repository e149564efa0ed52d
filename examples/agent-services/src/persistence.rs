//! Plans kept in SQLite, with `plan.applied` written through the
//! transactional outbox (`eventwire-outbox`, feature `persistence`): the
//! event exists if and only if the update that applies the plan committed.
//! `cargo run -p agent-services -- --sqlite plans.db` runs it.

use crate::plans::{PlanError, PlanId, PlanState};
use crate::EventType;
use eventwire::emits;
use eventwire_outbox::{Outbox, OutboxTx};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::Sqlite;
use std::time::Duration;

/// A transaction of the plan store, whose events go to its outbox.
pub type PlanTx = OutboxTx<'static, Sqlite, EventType>;

/// What can go wrong in the store.
#[derive(Debug)]
pub enum StoreError {
    /// The plan's lifecycle refused.
    Plan(PlanError),
    /// The database or the outbox.
    Outbox(eventwire_outbox::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Plan(e) => e.fmt(f),
            StoreError::Outbox(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Outbox(eventwire_outbox::Error::Database(e))
    }
}

impl From<eventwire_outbox::Error> for StoreError {
    fn from(e: eventwire_outbox::Error) -> Self {
        StoreError::Outbox(e)
    }
}

/// Plans in a SQLite file, and the outbox beside them.
#[derive(Debug, Clone)]
pub struct PlanStore {
    outbox: Outbox<Sqlite>,
}

fn state_name(state: PlanState) -> String {
    format!("{state:?}")
}

fn state_of(name: &str) -> PlanState {
    match name {
        "Proposed" => PlanState::Proposed,
        "Approved" => PlanState::Approved,
        "Applied" => PlanState::Applied,
        "Cancelled" => PlanState::Cancelled,
        _ => PlanState::Draft,
    }
}

impl PlanStore {
    /// Opens (or creates) the store in the SQLite file at `path`.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or its tables created.
    pub async fn open(path: &std::path::Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS plans (id INTEGER PRIMARY KEY, title TEXT NOT NULL, state TEXT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        Ok(PlanStore {
            outbox: Outbox::new(pool).await?,
        })
    }

    /// The outbox, for relays and stats.
    pub fn outbox(&self) -> &Outbox<Sqlite> {
        &self.outbox
    }

    /// Adds an approved plan (the lifecycle before approval is
    /// [`PlanService`](crate::plans::PlanService)'s).
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn add_approved(&self, title: &str) -> Result<PlanId, StoreError> {
        let id: i64 =
            sqlx::query_scalar("INSERT INTO plans (title, state) VALUES (?, ?) RETURNING id")
                .bind(title)
                .bind(state_name(PlanState::Approved))
                .fetch_one(self.outbox.pool())
                .await?;
        Ok(PlanId::try_from(id).unwrap_or(PlanId::MAX))
    }

    /// The state of a plan, as committed.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn state(&self, id: PlanId) -> Result<Option<PlanState>, StoreError> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM plans WHERE id = ?")
            .bind(i64::from(id))
            .fetch_optional(self.outbox.pool())
            .await?;
        Ok(state.as_deref().map(state_of))
    }

    /// Begins a transaction; its `plan.applied` events are written with it.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn begin(&self) -> Result<PlanTx, StoreError> {
        Ok(self.outbox.begin().await?)
    }
}

/// Applies an approved plan in `tx`: the update and `plan.applied` are
/// committed together, or neither is.
///
/// # Errors
///
/// The plan is unknown or not approved, or the database failed.
#[emits(PlanApplied, bus = tx, fields(plan = id))]
pub async fn apply(tx: &mut PlanTx, id: PlanId) -> Result<PlanState, StoreError> {
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM plans WHERE id = ?")
        .bind(i64::from(id))
        .fetch_optional(tx.conn())
        .await?;
    let from = state
        .as_deref()
        .map(state_of)
        .ok_or(StoreError::Plan(PlanError::Unknown(id)))?;
    if from != PlanState::Approved {
        return Err(StoreError::Plan(PlanError::Illegal {
            plan: id,
            from,
            to: PlanState::Applied,
        }));
    }
    sqlx::query("UPDATE plans SET state = ? WHERE id = ?")
        .bind(state_name(PlanState::Applied))
        .bind(i64::from(id))
        .execute(tx.conn())
        .await?;
    Ok(PlanState::Applied)
}
