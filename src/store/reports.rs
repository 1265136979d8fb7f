//! The whole list of errors in a refused delivery file, kept a day for the person who uploaded it
//! to download (the page shows the first ones).

use super::{Db, Error, Store};

/// How long a report is kept (milliseconds).
const KEPT_MS: i64 = 24 * 60 * 60 * 1000;

impl Store {
    /// Keeps a report for `owner`, and lets go of those older than a day.
    pub async fn insert_file_report(
        &self,
        id: &str,
        owner: &str,
        csv: &str,
        now_ms: i64,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| {
            sqlx::query("DELETE FROM file_reports WHERE created_at < $1")
                .bind(now_ms - KEPT_MS)
                .execute(p)
                .await?;
            sqlx::query(
                "INSERT INTO file_reports (id, owner, csv, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(owner)
            .bind(csv)
            .bind(now_ms)
            .execute(p)
            .await
            .map(|_| ())
        })
    }

    /// A report of `owner`'s, if it is still kept.
    pub async fn file_report(
        &self,
        id: &str,
        owner: &str,
        now_ms: i64,
    ) -> Result<Option<String>, Error> {
        on_pool!(&self.db, |p| sqlx::query_scalar::<_, String>(
            "SELECT csv FROM file_reports WHERE id = $1 AND owner = $2 AND created_at >= $3"
        )
        .bind(id)
        .bind(owner)
        .bind(now_ms - KEPT_MS)
        .fetch_optional(p)
        .await)
    }
}
