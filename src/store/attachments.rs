//! Attachments: their rows, and their bytes in the database (in pieces) or in a directory.

use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::Stream;
use tokio::io::AsyncReadExt;

use super::{Actor, AttachmentStatus, Db, Error, Store, audit_in};
use crate::clock::now_ms;

/// Bytes per stored piece.
pub const CHUNK: usize = 256 * 1024;

/// A stored attachment.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AttachmentRow {
    /// UUID.
    pub id: String,
    /// Who uploaded it (None: a system user).
    pub person: Option<String>,
    /// The party.
    pub party: String,
    /// The draft (or API call) it belongs to until submitted.
    pub draft_id: Option<String>,
    /// The submission it belongs to.
    pub submission_id: Option<String>,
    /// The field's bind path.
    pub field: String,
    /// The name shown.
    pub name: String,
    /// Decided from the content.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// What the virus scan said.
    #[sqlx(try_from = "String")]
    pub status: AttachmentStatus,
    /// `db` or `dir`.
    pub stored_in: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

const COLUMNS: &str = "id, person, party, draft_id, submission_id, field, name, media_type, size, \
                       sha256, status, stored_in, created_at";

/// An attachment to store.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    /// Who uploads it (None: a system user).
    pub person: Option<&'a str>,
    /// The party.
    pub party: &'a str,
    /// The draft, or `api:<uuid>` for the files of one API call.
    pub holder: &'a str,
    /// The field's bind path.
    pub field: &'a str,
    /// The name shown (already made safe).
    pub name: &'a str,
    /// Decided from the content.
    pub media_type: &'a str,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: &'a str,
    /// `Pending` (a scanner will look at it) or `Clean`.
    pub status: AttachmentStatus,
}

/// What storing an attachment did.
#[derive(Debug, Clone)]
pub enum Kept {
    /// Stored.
    New(AttachmentRow),
    /// The same file was already in this field of this draft: that one is kept.
    Duplicate(AttachmentRow),
}

fn unique_violation(e: &Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Where attachment bytes go: the database (None, the default) or a directory.
    pub fn with_attachment_dir(mut self, dir: Option<PathBuf>) -> Store {
        self.attachment_dir = dir;
        self
    }

    fn file_of(&self, id: &str) -> Option<PathBuf> {
        // Stored under the id (a UUID we made), never under a name a user gave.
        uuid::Uuid::parse_str(id).ok()?;
        self.attachment_dir.as_ref().map(|d| d.join(id))
    }

    /// Stores the file at `source` (a checked upload) for a draft or an API call, with an audit
    /// row. The same bytes twice in one field of one draft are kept once.
    pub async fn insert_attachment(
        &self,
        a: &NewAttachment<'_>,
        source: &Path,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<Kept, Error> {
        if let Some(row) = self.attachment_in(a.holder, a.field, a.sha256).await? {
            return Ok(Kept::Duplicate(row));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let stored_in = if self.attachment_dir.is_some() {
            "dir"
        } else {
            "db"
        };
        if let Some(path) = self.file_of(&id) {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::copy(source, &path).await?;
        }
        let sql = format!(
            "INSERT INTO attachments ({COLUMNS}) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        let piece = "INSERT INTO attachment_chunks (attachment_id, seq, bytes) VALUES ($1, $2, $3)";
        let now = now_ms();
        let _turn = self.write_turn().await;
        let r: Result<(), Error> = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(&sql)
                .bind(&id)
                .bind(a.person)
                .bind(a.party)
                .bind(a.holder)
                .bind(a.field)
                .bind(a.name)
                .bind(a.media_type)
                .bind(a.size as i64)
                .bind(a.sha256)
                .bind(a.status.as_str())
                .bind(stored_in)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if stored_in == "db" {
                let mut file = tokio::fs::File::open(source).await?;
                let mut buf = vec![0u8; CHUNK];
                let mut seq: i64 = 0;
                loop {
                    let mut filled = 0;
                    while filled < CHUNK {
                        let n = file.read(&mut buf[filled..]).await?;
                        if n == 0 {
                            break;
                        }
                        filled += n;
                    }
                    if filled == 0 {
                        break;
                    }
                    sqlx::query(piece)
                        .bind(&id)
                        .bind(seq)
                        .bind(&buf[..filled])
                        .execute(&mut *tx)
                        .await?;
                    seq += 1;
                }
            }
            audit_in(&mut *tx, "attachment.uploaded", actor, &id, request_id).await?;
            tx.commit().await
        });
        drop(_turn);
        match r {
            Ok(()) => {}
            Err(e) => {
                if let Some(path) = self.file_of(&id) {
                    let _ = tokio::fs::remove_file(path).await;
                }
                if unique_violation(&e)
                    && let Some(row) = self.attachment_in(a.holder, a.field, a.sha256).await?
                {
                    return Ok(Kept::Duplicate(row));
                }
                return Err(e);
            }
        }
        let row = self
            .attachment(&id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        Ok(Kept::New(row))
    }

    async fn attachment_in(
        &self,
        holder: &str,
        field: &str,
        sha256: &str,
    ) -> Result<Option<AttachmentRow>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE draft_id = $1 AND field = $2 AND sha256 = $3"
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, AttachmentRow>(&sql)
            .bind(holder)
            .bind(field)
            .bind(sha256)
            .fetch_optional(p)
            .await)
    }

    /// An attachment by id alone; callers check who may see it.
    pub async fn attachment(&self, id: &str) -> Result<Option<AttachmentRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE id = $1");
        on_pool!(&self.db, |p| sqlx::query_as::<_, AttachmentRow>(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)
    }

    /// The files of a draft (or API call), oldest first.
    pub async fn attachments_of_holder(&self, holder: &str) -> Result<Vec<AttachmentRow>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE draft_id = $1 ORDER BY created_at, id"
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, AttachmentRow>(&sql)
            .bind(holder)
            .fetch_all(p)
            .await)
    }

    /// The files of a submission, oldest first.
    pub async fn attachments_of_submission(
        &self,
        submission: &str,
    ) -> Result<Vec<AttachmentRow>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE submission_id = $1 ORDER BY created_at, id"
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, AttachmentRow>(&sql)
            .bind(submission)
            .fetch_all(p)
            .await)
    }

    /// Files still waiting for the virus scanner (after a restart, say).
    pub async fn pending_attachments(&self) -> Result<Vec<AttachmentRow>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE status = 'pending' ORDER BY created_at"
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, AttachmentRow>(&sql)
            .fetch_all(p)
            .await)
    }

    /// Records the scanner's verdict. An infected file's bytes are removed at once; its row stays
    /// so that the person is told what happened.
    pub async fn set_attachment_status(
        &self,
        id: &str,
        status: AttachmentStatus,
        request_id: &str,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE attachments SET status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if status == AttachmentStatus::Infected {
                sqlx::query("DELETE FROM attachment_chunks WHERE attachment_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let event = format!("attachment.{status}");
            audit_in(&mut *tx, &event, &Actor::default(), id, request_id).await?;
            tx.commit().await
        })?;
        if status == AttachmentStatus::Infected
            && let Some(path) = self.file_of(id)
        {
            let _ = tokio::fs::remove_file(path).await;
        }
        Ok(())
    }

    /// Removes a file from a draft (or API call); false when the holder has no such file.
    pub async fn delete_attachment(
        &self,
        holder: &str,
        id: &str,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let n = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "DELETE FROM attachments WHERE id = $1 AND draft_id = $2 AND submission_id IS NULL",
            )
            .bind(id)
            .bind(holder)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                audit_in(&mut *tx, "attachment.removed", actor, id, request_id).await?;
            }
            tx.commit().await.map(|_| n)
        })?;
        if n == 1
            && let Some(path) = self.file_of(id)
        {
            let _ = tokio::fs::remove_file(path).await;
        }
        Ok(n == 1)
    }

    /// Removes every file of a draft or API call (a deleted draft, a refused API submission).
    pub async fn delete_attachments_of(&self, holder: &str) -> Result<(), Error> {
        let rows = self.attachments_of_holder(holder).await?;
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| sqlx::query(
            "DELETE FROM attachments WHERE draft_id = $1 AND submission_id IS NULL"
        )
        .bind(holder)
        .execute(p)
        .await
        .map(|_| ()))?;
        self.remove_files(&rows).await;
        Ok(())
    }

    /// Removes the stored files of rows already deleted (directory storage).
    pub(super) async fn remove_files(&self, rows: &[AttachmentRow]) {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        self.remove_file_ids(&ids).await;
    }

    /// As [`Store::remove_files`], by the attachments' ids.
    pub(super) async fn remove_file_ids(&self, ids: &[String]) {
        for id in ids {
            if let Some(path) = self.file_of(id) {
                let _ = tokio::fs::remove_file(path).await;
            }
        }
    }

    /// The bytes of a stored attachment, piece by piece (never the whole file in memory).
    pub fn attachment_bytes(
        &self,
        row: &AttachmentRow,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        enum From {
            Db(Db, String, i64),
            Dir(Option<PathBuf>, Option<tokio::fs::File>),
            Done,
        }
        let start = if row.stored_in == "dir" {
            From::Dir(self.file_of(&row.id), None)
        } else {
            From::Db(self.db.clone(), row.id.clone(), 0)
        };
        use futures_util::StreamExt;
        // Fused: a reader that asks again after the end (a compressing layer does) gets the end.
        futures_util::stream::unfold(start, |state| async move {
            let io = |e: Error| std::io::Error::other(e.to_string());
            match state {
                From::Db(db, id, seq) => {
                    let sql =
                        "SELECT bytes FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2";
                    let got: Result<Option<(Vec<u8>,)>, Error> =
                        on_pool!(&db, |p| sqlx::query_as(sql)
                            .bind(&id)
                            .bind(seq)
                            .fetch_optional(p)
                            .await);
                    match got {
                        Ok(Some((b,))) => Some((Ok(Bytes::from(b)), From::Db(db, id, seq + 1))),
                        Ok(None) => None,
                        Err(e) => Some((Err(io(e)), From::Done)),
                    }
                }
                From::Dir(path, file) => {
                    let mut file = match file {
                        Some(f) => f,
                        None => match path.as_ref() {
                            Some(p) => match tokio::fs::File::open(p).await {
                                Ok(f) => f,
                                Err(e) => return Some((Err(e), From::Done)),
                            },
                            None => return None,
                        },
                    };
                    let mut buf = vec![0u8; 64 * 1024];
                    match file.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            Some((Ok(Bytes::from(buf)), From::Dir(path, Some(file))))
                        }
                        Err(e) => Some((Err(e), From::Done)),
                    }
                }
                From::Done => None,
            }
        })
        .fuse()
    }
}
