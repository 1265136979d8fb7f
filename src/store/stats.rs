//! Figures for the operators' metrics: read when `/metrics` is scraped, never per request.

use super::{Db, Error, Store};
use crate::clock::now_ms;

/// Outbox jobs not done, by kind and state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobCount {
    /// The job kind (`domain`, `dialog`, …).
    pub kind: String,
    /// `pending` or `parked`.
    pub state: String,
    /// How many.
    pub jobs: i64,
    /// The oldest one's age, in milliseconds.
    pub oldest_ms: i64,
    /// Tries made on them so far.
    pub attempts: i64,
}

/// The connection pool as it stands.
#[derive(Debug, Clone, Copy)]
pub struct PoolFigures {
    /// Connections open.
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The most it may open.
    pub max: u32,
    /// Our writers waiting for their turn (SQLite's one writer; PostgreSQL: 0).
    pub waiting_to_write: usize,
}

impl Store {
    /// Jobs not yet done, grouped by kind and state (done jobs are left out: they only grow).
    pub async fn job_counts(&self) -> Result<Vec<JobCount>, Error> {
        // PostgreSQL sums a BIGINT to a NUMERIC: cast back, as SQLite's integers already are.
        let sql = "SELECT kind, state, COUNT(*) AS jobs, CAST($1 - MIN(created_at) AS BIGINT) AS oldest_ms, \
                   CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS attempts \
                   FROM outbox WHERE state IN ('pending', 'parked') GROUP BY kind, state";
        on_pool!(&self.db, |p| sqlx::query_as::<_, JobCount>(sql)
            .bind(now_ms())
            .fetch_all(p)
            .await)
    }

    /// Sessions not expired: (people, employees).
    pub async fn live_sessions(&self) -> Result<(i64, i64), Error> {
        let now = time::OffsetDateTime::now_utc();
        match &self.db {
            Db::Sqlite(p) => {
                let sql = "SELECT (SELECT COUNT(*) FROM tower_sessions WHERE expiry_date > $1), \
                           (SELECT COUNT(*) FROM ansatt_sessions WHERE expiry_date > $1)";
                sqlx::query_as(sql).bind(now).fetch_one(p).await
            }
            Db::Postgres(p) => {
                let sql = "SELECT (SELECT COUNT(*) FROM tower_sessions.session WHERE expiry_date > $1), \
                           (SELECT COUNT(*) FROM tower_sessions.ansatt_sessions WHERE expiry_date > $1)";
                sqlx::query_as(sql).bind(now).fetch_one(p).await
            }
        }
    }

    /// The pool's connections now.
    pub fn pool_figures(&self) -> PoolFigures {
        let (open, idle, max) = on_pool!(&self.db, |p| (
            p.size(),
            u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            p.options().get_max_connections()
        ));
        PoolFigures {
            open,
            idle,
            max,
            waiting_to_write: self.writers_waiting(),
        }
    }
}
