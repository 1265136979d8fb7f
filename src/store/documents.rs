//! Documents a domain system issued with its decision on a submission (a certificate, an
//! assessment), kept beside the submission.

use super::{Db, Error, Store};
use crate::clock::now_ms;

/// A document of a decision, as stored (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentRow {
    /// The submission it belongs to.
    pub submission_id: String,
    /// The domain system's id of it.
    pub id: String,
    /// Its file name, as the domain system gave it.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// A document with its bytes, as read.
#[derive(sqlx::FromRow)]
struct WithBytes {
    #[sqlx(flatten)]
    row: DocumentRow,
    bytes: Vec<u8>,
}

impl Store {
    /// Keeps a document of a submission's decision; a second copy of the same one is ignored.
    pub async fn put_feedback_document(
        &self,
        doc: &DocumentRow,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO feedback_documents \
                   (submission_id, id, name, media_type, size, sha256, bytes, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (submission_id, id) DO NOTHING";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(&doc.submission_id)
            .bind(&doc.id)
            .bind(&doc.name)
            .bind(&doc.media_type)
            .bind(doc.size)
            .bind(&doc.sha256)
            .bind(bytes)
            .bind(now_ms())
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// The documents of a submission's decision, in the order they arrived.
    pub async fn feedback_documents(&self, submission_id: &str) -> Result<Vec<DocumentRow>, Error> {
        let sql = "SELECT submission_id, id, name, media_type, size, sha256 FROM feedback_documents \
                   WHERE submission_id = $1 ORDER BY created_at, id";
        on_pool!(&self.db, |p| sqlx::query_as::<_, DocumentRow>(sql)
            .bind(submission_id)
            .fetch_all(p)
            .await)
    }

    /// One document of a submission's decision with its bytes. The caller has checked that the
    /// submission is the asker's.
    pub async fn feedback_document(
        &self,
        submission_id: &str,
        id: &str,
    ) -> Result<Option<(DocumentRow, Vec<u8>)>, Error> {
        let sql = "SELECT submission_id, id, name, media_type, size, sha256, bytes FROM feedback_documents \
                   WHERE submission_id = $1 AND id = $2";
        let row: Option<WithBytes> = on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(submission_id)
            .bind(id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|r| (r.row, r.bytes)))
    }
}
