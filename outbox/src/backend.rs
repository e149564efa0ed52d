//! What each database does for the outbox: create the table, insert a
//! transaction's rows, and let a relay claim rows in order and mark them
//! sent.
//!
//! - **PostgreSQL**: rows are spread over partitions by their order key; a
//!   relay claims a partition with a transaction-scoped advisory lock and
//!   its oldest unsent rows with `FOR UPDATE SKIP LOCKED`, publishes them,
//!   marks them and commits. Several relays work on different partitions at
//!   once; one partition is only ever relayed by one, in order.
//! - **SQLite** (one writer at a time): the relay that holds a lease row
//!   (renewed at each claim, taken over when it expires) claims the oldest
//!   unsent rows in a short write transaction and marks them in another:
//!   the database is never locked while the broker is waited for. Several
//!   relays may run; one works while the others stand by. An idle relay
//!   only reads, and service transactions begin with `BEGIN IMMEDIATE`, so
//!   the relay never makes them fail.

use crate::row::{now_ms, NewRow, StoredRow};
use sqlx::{Pool, Row};
use std::future::Future;
use std::time::Duration;

/// What happens to rows once relayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// Deleted as soon as they are acknowledged.
    Delete,
    /// Kept, marked sent, for this long (an audit trail of what left);
    /// then deleted by the relay.
    Keep(Duration),
}

impl Default for Retention {
    /// Sent rows are kept for a day.
    fn default() -> Self {
        Retention::Keep(Duration::from_secs(24 * 3600))
    }
}

/// The most rows a relay claims at once: bounded by SQLite's parameters per
/// statement and by how many acknowledgements a NATS client keeps pending.
pub const MAX_BATCH: u32 = 1024;

/// Rows a relay claimed: published, then completed with [`Backend::complete`].
pub struct Claim<DB: sqlx::Database> {
    /// The rows, oldest first.
    pub rows: Vec<StoredRow>,
    /// The transaction holding them (PostgreSQL).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    held: Option<sqlx::Transaction<'static, DB>>,
}

/// A database the outbox can live in: SQLite or PostgreSQL.
pub trait Backend: sqlx::Database + Sized {
    /// Creates the table and its index, if missing.
    fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Begins a service transaction (SQLite: `BEGIN IMMEDIATE`, so that a
    /// transaction that reads before it writes never fails on a write
    /// committed in between).
    fn begin(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self>, sqlx::Error>> + Send;

    /// Gives up `relay`'s claim on future work (SQLite's lease), so that
    /// another relay need not wait for it to expire.
    fn release<'a>(
        pool: &'a Pool<Self>,
        relay: &'a str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Inserts `rows` through `conn` (a transaction's connection).
    fn insert<'a>(
        conn: &'a mut Self::Connection,
        rows: &'a [NewRow],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Claims up to `batch` of the oldest unsent rows for `relay`, or none.
    fn claim<'a>(
        pool: &'a Pool<Self>,
        relay: &'a str,
        batch: u32,
        partitions: u32,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<Claim<Self>>, sqlx::Error>> + Send + 'a;

    /// Marks the rows of `sent` (acknowledged) sent, or deletes them, parks
    /// the rows of `parked` (not events this relay can read: kept unsent,
    /// out of the way, until [`Backend::unpark`]), and releases the claim.
    fn complete<'a>(
        pool: &'a Pool<Self>,
        claim: Claim<Self>,
        sent: &'a [i64],
        parked: &'a [i64],
        retention: Retention,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Returns every parked row to the relays; how many.
    fn unpark(pool: &Pool<Self>) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

    /// The insert time of the oldest unsent row, how many are unsent, and
    /// how many of those are parked.
    fn unsent(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<(Option<i64>, i64, i64), sqlx::Error>> + Send;

    /// Deletes rows sent before `before` (Unix milliseconds).
    fn purge(
        pool: &Pool<Self>,
        before: i64,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
}

/// The methods whose SQL is the same on every backend (no placeholders).
macro_rules! shared_queries {
    () => {
        async fn unpark(pool: &Pool<Self>) -> Result<u64, sqlx::Error> {
            Ok(sqlx::query(
                "UPDATE eventwire_outbox SET parked_at = NULL WHERE parked_at IS NOT NULL",
            )
            .execute(pool)
            .await?
            .rows_affected())
        }

        async fn unsent(pool: &Pool<Self>) -> Result<(Option<i64>, i64, i64), sqlx::Error> {
            let row = sqlx::query(
                "SELECT MIN(created_at) AS oldest, COUNT(*) AS unsent, COUNT(parked_at) AS parked
                 FROM eventwire_outbox WHERE sent_at IS NULL",
            )
            .fetch_one(pool)
            .await?;
            Ok((
                row.try_get("oldest")?,
                row.try_get("unsent")?,
                row.try_get("parked")?,
            ))
        }
    };
}

fn stored<R: Row>(row: &R) -> Result<StoredRow, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    Ok(StoredRow {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        payload: row.try_get("payload")?,
        created_at: row.try_get("created_at")?,
    })
}

#[cfg(feature = "sqlite")]
impl Backend for sqlx::Sqlite {
    async fn migrate(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
        for statement in [
            "CREATE TABLE IF NOT EXISTS eventwire_outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                partition INTEGER NOT NULL,
                payload TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                sent_at INTEGER,
                parked_at INTEGER
            )",
            "CREATE INDEX IF NOT EXISTS eventwire_outbox_unsent
                ON eventwire_outbox (seq) WHERE sent_at IS NULL",
            "CREATE TABLE IF NOT EXISTS eventwire_outbox_lease (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                until_ms INTEGER NOT NULL
            )",
        ] {
            sqlx::query(statement).execute(pool).await?;
        }
        // A table made before rows could be parked.
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('eventwire_outbox')")
                .fetch_all(pool)
                .await?;
        if !columns.iter().any(|c| c == "parked_at") {
            sqlx::query("ALTER TABLE eventwire_outbox ADD COLUMN parked_at INTEGER")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    async fn begin(pool: &Pool<Self>) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn release<'a>(pool: &'a Pool<Self>, relay: &'a str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE eventwire_outbox_lease SET until_ms = 0 WHERE name = 'relay' AND holder = ?",
        )
        .bind(relay)
        .execute(pool)
        .await?;
        Ok(())
    }

    async fn insert<'a>(
        conn: &'a mut Self::Connection,
        rows: &'a [NewRow],
    ) -> Result<(), sqlx::Error> {
        for row in rows {
            sqlx::query(
                "INSERT INTO eventwire_outbox (id, name, partition, payload, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&row.id)
            .bind(&row.name)
            .bind(row.partition)
            .bind(&row.payload)
            .bind(row.created_at)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn claim<'a>(
        pool: &'a Pool<Self>,
        relay: &'a str,
        batch: u32,
        _partitions: u32,
        lease: Duration,
    ) -> Result<Option<Claim<Self>>, sqlx::Error> {
        // Nothing to do: no write, so an idle relay never contends with the
        // service's transactions.
        let work: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM eventwire_outbox WHERE sent_at IS NULL AND parked_at IS NULL LIMIT 1",
        )
        .fetch_optional(pool)
        .await?;
        if work.is_none() {
            return Ok(None);
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        // The lease runs from when the write lock is held, not from before
        // waiting for it (a wait as long as the busy timeout would eat it).
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        sqlx::query(
            "INSERT OR IGNORE INTO eventwire_outbox_lease (name, holder, until_ms) VALUES ('relay', ?, 0)",
        )
        .bind(relay)
        .execute(&mut *tx)
        .await?;
        let leased = sqlx::query(
            "UPDATE eventwire_outbox_lease SET holder = ?, until_ms = ?
             WHERE name = 'relay' AND (holder = ? OR until_ms < ?)",
        )
        .bind(relay)
        .bind(until)
        .bind(relay)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if leased == 0 {
            tx.commit().await?;
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT seq, id, name, payload, created_at FROM eventwire_outbox
             WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT ?",
        )
        .bind(i64::from(batch.clamp(1, MAX_BATCH)))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let rows = rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
        Ok((!rows.is_empty()).then_some(Claim { rows, held: None }))
    }

    async fn complete<'a>(
        pool: &'a Pool<Self>,
        _claim: Claim<Self>,
        sent: &'a [i64],
        parked: &'a [i64],
        retention: Retention,
    ) -> Result<(), sqlx::Error> {
        if sent.is_empty() && parked.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        if !sent.is_empty() {
            let marks = vec!["?"; sent.len()].join(", ");
            let statement = match retention {
                Retention::Delete => format!("DELETE FROM eventwire_outbox WHERE seq IN ({marks})"),
                Retention::Keep(_) => {
                    format!("UPDATE eventwire_outbox SET sent_at = ? WHERE seq IN ({marks})")
                }
            };
            let mut query = sqlx::query(&statement);
            if let Retention::Keep(_) = retention {
                query = query.bind(now_ms());
            }
            for seq in sent {
                query = query.bind(*seq);
            }
            query.execute(&mut *tx).await?;
        }
        if !parked.is_empty() {
            let marks = vec!["?"; parked.len()].join(", ");
            let statement =
                format!("UPDATE eventwire_outbox SET parked_at = ? WHERE seq IN ({marks})");
            let mut query = sqlx::query(&statement).bind(now_ms());
            for seq in parked {
                query = query.bind(*seq);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    shared_queries!();

    async fn purge(pool: &Pool<Self>, before: i64) -> Result<u64, sqlx::Error> {
        Ok(
            sqlx::query("DELETE FROM eventwire_outbox WHERE sent_at IS NOT NULL AND sent_at < ?")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected(),
        )
    }
}

/// The advisory lock space of the relays' partition locks.
#[cfg(feature = "postgres")]
const LOCK_SPACE: i32 = 0x6577_6f62; // "ewob"

#[cfg(feature = "postgres")]
impl Backend for sqlx::Postgres {
    async fn migrate(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
        // One migrating process at a time: `CREATE .. IF NOT EXISTS` races.
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, -1)")
            .bind(LOCK_SPACE)
            .execute(&mut *tx)
            .await?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS eventwire_outbox (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                partition INTEGER NOT NULL,
                payload TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                sent_at BIGINT,
                parked_at BIGINT
            )",
            // A table made before rows could be parked.
            "ALTER TABLE eventwire_outbox ADD COLUMN IF NOT EXISTS parked_at BIGINT",
            "CREATE INDEX IF NOT EXISTS eventwire_outbox_unsent
                ON eventwire_outbox (partition, seq) WHERE sent_at IS NULL AND parked_at IS NULL",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    async fn begin(pool: &Pool<Self>) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin().await
    }

    async fn release<'a>(_pool: &'a Pool<Self>, _relay: &'a str) -> Result<(), sqlx::Error> {
        // Partition locks end with their transactions.
        Ok(())
    }

    async fn insert<'a>(
        conn: &'a mut Self::Connection,
        rows: &'a [NewRow],
    ) -> Result<(), sqlx::Error> {
        for row in rows {
            sqlx::query(
                "INSERT INTO eventwire_outbox (id, name, partition, payload, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&row.id)
            .bind(&row.name)
            .bind(row.partition)
            .bind(&row.payload)
            .bind(row.created_at)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn claim<'a>(
        pool: &'a Pool<Self>,
        _relay: &'a str,
        batch: u32,
        partitions: u32,
        _lease: Duration,
    ) -> Result<Option<Claim<Self>>, sqlx::Error> {
        let _ = partitions;
        // The partitions that hold work, whatever count the writers used.
        let mut holding: Vec<i32> = sqlx::query_scalar(
            "SELECT DISTINCT partition FROM eventwire_outbox WHERE sent_at IS NULL AND parked_at IS NULL",
        )
        .fetch_all(pool)
        .await?;
        // Relays start at different partitions, so that they spread.
        if !holding.is_empty() {
            let start = usize::try_from(now_ms().rem_euclid(holding.len() as i64)).unwrap_or(0);
            holding.rotate_left(start);
        }
        for partition in holding {
            let mut tx = pool.begin().await?;
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
                .bind(LOCK_SPACE)
                .bind(partition)
                .fetch_one(&mut *tx)
                .await?;
            if !locked {
                tx.rollback().await?;
                continue;
            }
            let rows = sqlx::query(
                "SELECT seq, id, name, payload, created_at FROM eventwire_outbox
                 WHERE sent_at IS NULL AND parked_at IS NULL AND partition = $1
                 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .bind(partition)
            .bind(i64::from(batch.clamp(1, MAX_BATCH)))
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                tx.rollback().await?;
                continue;
            }
            let rows = rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
            return Ok(Some(Claim {
                rows,
                held: Some(tx),
            }));
        }
        Ok(None)
    }

    async fn complete<'a>(
        _pool: &'a Pool<Self>,
        claim: Claim<Self>,
        sent: &'a [i64],
        parked: &'a [i64],
        retention: Retention,
    ) -> Result<(), sqlx::Error> {
        let Some(mut tx) = claim.held else {
            return Ok(());
        };
        if !parked.is_empty() {
            sqlx::query("UPDATE eventwire_outbox SET parked_at = $1 WHERE seq = ANY($2)")
                .bind(now_ms())
                .bind(parked)
                .execute(&mut *tx)
                .await?;
        }
        if !sent.is_empty() {
            match retention {
                Retention::Delete => {
                    sqlx::query("DELETE FROM eventwire_outbox WHERE seq = ANY($1)")
                        .bind(sent)
                        .execute(&mut *tx)
                        .await?;
                }
                Retention::Keep(_) => {
                    sqlx::query("UPDATE eventwire_outbox SET sent_at = $1 WHERE seq = ANY($2)")
                        .bind(now_ms())
                        .bind(sent)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await
    }

    shared_queries!();

    async fn purge(pool: &Pool<Self>, before: i64) -> Result<u64, sqlx::Error> {
        Ok(
            sqlx::query("DELETE FROM eventwire_outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected(),
        )
    }
}
