//! Deleting what is kept no longer (drafts, submissions, audit rows, expired sessions), and the
//! lease that lets every node run a periodic job without two running it at once.

use super::{Actor, Db, Error, Store, audit_in};
use crate::clock::now_ms;

/// Which forms a deletion concerns.
#[derive(Debug, Clone, Copy)]
pub enum Forms<'a> {
    /// These forms.
    Only(&'a [&'a str]),
    /// Every form but these (every form, when empty).
    AllBut(&'a [&'a str]),
}

impl Forms<'_> {
    /// The condition on `form_id`, its values from `$3` on, and the values.
    fn condition(&self) -> (String, &[&str]) {
        match self {
            Forms::Only([]) => ("1 = 0".to_owned(), &[]),
            Forms::Only(ids) => (format!("form_id IN ({})", placeholders(3, ids.len())), ids),
            Forms::AllBut([]) => ("1 = 1".to_owned(), &[]),
            Forms::AllBut(ids) => (
                format!("form_id NOT IN ({})", placeholders(3, ids.len())),
                ids,
            ),
        }
    }
}

/// At most this many drafts or submissions go in one transaction; a run repeats until none is
/// left, so a large backlog never holds the database for long.
const BATCH: i64 = 500;

impl Store {
    /// Takes the periodic job `name` for `lease_ms` if it is due and nobody holds it; true when
    /// this caller now runs it. One statement, so two nodes asking at once cannot both win.
    pub async fn claim_periodic(&self, name: &str, lease_ms: i64) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let now = now_ms();
        let sql = "UPDATE periodic_jobs SET locked_until = $1 \
                   WHERE name = $2 AND next_at <= $3 AND locked_until <= $3";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(now + lease_ms)
            .bind(name)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1))
    }

    /// Ends a run of `name`: due again at `next_at`, its result kept for operators.
    pub async fn finish_periodic(
        &self,
        name: &str,
        next_at: i64,
        result: &str,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE periodic_jobs SET next_at = $1, locked_until = 0, last_run_at = $2, \
                   last_result = $3 WHERE name = $4";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(next_at)
            .bind(now_ms())
            .bind(result)
            .bind(name)
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// When `name` last ran and what it reported.
    pub async fn periodic_last(&self, name: &str) -> Result<Option<(i64, String)>, Error> {
        let sql = "SELECT last_run_at, last_result FROM periodic_jobs \
                   WHERE name = $1 AND last_run_at IS NOT NULL";
        on_pool!(&self.db, |p| sqlx::query_as::<_, (i64, String)>(sql)
            .bind(name)
            .fetch_optional(p)
            .await)
    }

    /// Deletes up to one batch of the drafts of `forms` not saved since `before` (unix ms), with
    /// their files; returns how many drafts went.
    pub async fn delete_drafts_before(&self, forms: Forms<'_>, before: i64) -> Result<u64, Error> {
        let (which, forms) = forms.condition();
        let pick = format!(
            "SELECT id, person, party FROM drafts WHERE updated_at < $1 AND {which} \
             ORDER BY updated_at LIMIT $2"
        );
        let _turn = self.write_turn().await;
        let (n, files) = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let mut q = sqlx::query_as::<_, (String, String, String)>(&pick)
                .bind(before)
                .bind(BATCH);
            for f in forms {
                q = q.bind(*f);
            }
            let drafts = q.fetch_all(&mut *tx).await?;
            let mut files = Vec::new();
            for (id, person, party) in &drafts {
                let kept: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM attachments WHERE draft_id = $1 AND submission_id IS NULL",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                files.extend(kept.into_iter().map(|(f,)| f));
                sqlx::query(
                    "DELETE FROM attachments WHERE draft_id = $1 AND submission_id IS NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM drafts WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // The owner's, so that their access request finds it.
                let owner = Actor {
                    person: Some(person),
                    party: Some(party),
                    employee: None,
                };
                audit_in(&mut *tx, "draft.expired", &owner, id, "retention").await?;
            }
            tx.commit().await?;
            Ok::<_, Error>((drafts.len() as u64, files))
        })?;
        self.remove_file_ids(&files).await;
        Ok(n)
    }

    /// Deletes up to one batch of the submissions of `forms` received before `before` (unix ms)
    /// whose deliveries are all done, with their files, feedback documents, outbox rows, staged
    /// deliveries and SFTP answers; returns how many submissions went.
    pub async fn delete_submissions_before(
        &self,
        forms: Forms<'_>,
        before: i64,
    ) -> Result<u64, Error> {
        let (which, forms) = forms.condition();
        let pick = format!(
            "SELECT id, party FROM submissions s WHERE created_at < $1 AND {which} \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id AND o.state <> 'done') \
             ORDER BY created_at LIMIT $2"
        );
        let _turn = self.write_turn().await;
        let (n, files) = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let mut q = sqlx::query_as::<_, (String, String)>(&pick)
                .bind(before)
                .bind(BATCH);
            for f in forms {
                q = q.bind(*f);
            }
            let ids = q.fetch_all(&mut *tx).await?;
            let mut files = Vec::new();
            for (id, party) in &ids {
                let kept: Vec<(String,)> =
                    sqlx::query_as("SELECT id FROM attachments WHERE submission_id = $1")
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                files.extend(kept.into_iter().map(|(f,)| f));
                for sql in [
                    "DELETE FROM attachments WHERE submission_id = $1",
                    "DELETE FROM outbox WHERE submission_id = $1",
                    "DELETE FROM feedback_documents WHERE submission_id = $1",
                    "DELETE FROM staged_deliveries WHERE submission_id = $1",
                    "DELETE FROM sftp_files WHERE submission_id = $1",
                    "DELETE FROM submission_pieces WHERE submission_id = $1",
                    "DELETE FROM submissions WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                let owner = Actor {
                    party: Some(party),
                    ..Actor::default()
                };
                audit_in(&mut *tx, "submission.expired", &owner, id, "retention").await?;
            }
            tx.commit().await?;
            Ok::<_, Error>((ids.len() as u64, files))
        })?;
        self.remove_file_ids(&files).await;
        Ok(n)
    }

    /// Deletes the audit rows written before `before` (unix ms); the database refuses any
    /// younger than a year whatever is asked.
    pub async fn delete_audit_before(&self, before: i64) -> Result<u64, Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| sqlx::query(
            "DELETE FROM audit_log WHERE at < $1"
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    }

    /// Deletes the expired sessions of both sides; returns how many went.
    pub async fn delete_expired_sessions(&self) -> Result<u64, Error> {
        let now = time::OffsetDateTime::now_utc();
        let _turn = self.write_turn().await;
        let tables: [&str; 2] = match &self.db {
            Db::Sqlite(_) => ["tower_sessions", "ansatt_sessions"],
            Db::Postgres(_) => ["tower_sessions.session", "tower_sessions.ansatt_sessions"],
        };
        let mut n = 0;
        for t in tables {
            let sql = format!("DELETE FROM {t} WHERE expiry_date < $1");
            n += on_pool!(&self.db, |p| sqlx::query(&sql)
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(n)
    }

    /// Writes the audit row of a retention run (the portal itself as the actor).
    pub async fn audit_retention(&self, summary: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| audit_in(
            p,
            "retention.run",
            &Actor::default(),
            summary,
            "retention"
        )
        .await)
    }
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
