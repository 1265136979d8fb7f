//! The outbox: deliveries a submission causes, claimed by workers in any process.

use super::{Db, Error, JobKind, JobState, Store, SubmissionStatus};
use crate::clock::now_ms;

/// A claimed job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// The submission it delivers.
    pub submission_id: String,
    /// What it delivers.
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// When it was added (unix ms).
    pub created_at: i64,
}

/// A job as listed for operators.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// Its id.
    pub id: i64,
    /// The submission.
    pub submission_id: String,
    /// Its kind.
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub state: JobState,
    /// Tries so far.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

impl Store {
    /// Claims up to `limit` of the oldest due jobs for `lease_ms` (another worker may take one
    /// after that, so a job whose worker died is not lost), in one statement (the index
    /// `outbox_claim` holds the pending jobs only, in the order they are taken). On PostgreSQL
    /// concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`); SQLite has one
    /// writer at a time anyway.
    pub async fn claim_jobs(&self, lease_ms: i64, limit: i64) -> Result<Vec<Job>, Error> {
        let _turn = self.write_turn().await;
        let now = now_ms();
        // Only PostgreSQL has (and needs) row locks; the statement is otherwise the same.
        let lock = match &self.db {
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $2 AND locked_until <= $2 \
                          ORDER BY next_at, id LIMIT $3{lock}) \
             RETURNING id, submission_id, kind, attempts, created_at"
        );
        let mut jobs = on_pool!(&self.db, |p| sqlx::query_as::<_, Job>(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Marks a job done and adds the jobs that follow from it, at once: on PostgreSQL in one
    /// statement (one round trip, where a transaction takes four), on SQLite in one transaction.
    pub async fn finish_job(&self, job: &Job, follow_ups: &[JobKind]) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let now = now_ms();
        let done = "UPDATE outbox SET state = 'done', done_at = $1, locked_until = 0, last_error = NULL WHERE id = $2";
        let add = "INSERT INTO outbox (submission_id, kind, state, attempts, next_at, created_at) \
                   VALUES ($1, $2, 'pending', 0, $3, $3) ON CONFLICT (submission_id, kind) DO NOTHING";
        let p = match &self.db {
            Db::Postgres(p) => {
                // No follow-ups: the array is empty and nothing is added.
                let kinds: Vec<&str> = follow_ups.iter().map(|k| k.as_str()).collect();
                let sql = format!(
                    "WITH done AS ({done} RETURNING submission_id) \
                     INSERT INTO outbox (submission_id, kind, state, attempts, next_at, created_at) \
                     SELECT done.submission_id, k.kind, 'pending', 0, $1, $1 \
                     FROM done, unnest($3::text[]) AS k(kind) \
                     ON CONFLICT (submission_id, kind) DO NOTHING"
                );
                return sqlx::query(&sql)
                    .bind(now)
                    .bind(job.id)
                    .bind(kinds)
                    .execute(p)
                    .await
                    .map(|_| ());
            }
            Db::Sqlite(p) => p,
        };
        let mut tx = p.begin().await?;
        sqlx::query(done)
            .bind(now)
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
        for kind in follow_ups {
            sqlx::query(add)
                .bind(&job.submission_id)
                .bind(kind.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Puts a job back to be tried again at `next_at` (unix ms), recording why it failed.
    pub async fn retry_job(&self, job: &Job, next_at: i64, error: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE outbox SET next_at = $1, locked_until = 0, last_error = $2 WHERE id = $3";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(next_at)
            .bind(error)
            .bind(job.id)
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// Puts a job back for later without counting the try (a result that is not ready yet).
    pub async fn postpone_job(&self, job: &Job, next_at: i64) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE outbox SET next_at = $1, locked_until = 0, attempts = attempts - 1 WHERE id = $2";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(next_at)
            .bind(job.id)
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// Parks a job that keeps failing: kept, visible, and not tried again until an operator acts.
    pub async fn park_job(&self, job: &Job, error: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql =
            "UPDATE outbox SET state = 'parked', locked_until = 0, last_error = $1 WHERE id = $2";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(error)
            .bind(job.id)
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// Puts a parked job back to be tried now, from a fresh count; false when there is no such
    /// parked job.
    pub async fn requeue_job(&self, id: i64) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE outbox SET state = 'pending', attempts = 0, next_at = $1, locked_until = 0 \
                   WHERE id = $2 AND state = 'parked'";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(now_ms())
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1))
    }

    /// Every job of a submission.
    pub async fn jobs_of(&self, submission_id: &str) -> Result<Vec<JobRow>, Error> {
        let sql = "SELECT id, submission_id, kind, state, attempts, last_error FROM outbox WHERE submission_id = $1 ORDER BY id";
        on_pool!(&self.db, |p| sqlx::query_as::<_, JobRow>(sql)
            .bind(submission_id)
            .fetch_all(p)
            .await)
    }

    /// Jobs not done, oldest first (pending and parked), for operators.
    pub async fn open_jobs(&self, limit: i64) -> Result<Vec<JobRow>, Error> {
        let sql = "SELECT id, submission_id, kind, state, attempts, last_error FROM outbox WHERE state <> 'done' ORDER BY id LIMIT $1";
        on_pool!(&self.db, |p| sqlx::query_as::<_, JobRow>(sql)
            .bind(limit)
            .fetch_all(p)
            .await)
    }

    /// Stores the domain system's feedback on a submission and its new status.
    pub async fn set_feedback(
        &self,
        submission_id: &str,
        status: SubmissionStatus,
        feedback: &str,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql =
            "UPDATE submissions SET status = $1, feedback = $2, updated_at = $3 WHERE id = $4";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(status.as_str())
            .bind(feedback)
            .bind(now_ms())
            .bind(submission_id)
            .execute(p)
            .await
            .map(|_| ()))
    }
}
