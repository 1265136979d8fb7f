//! Receiving attachments, the same for both channels: a multipart part is streamed to a temporary
//! file (never held in memory) with its size limit enforced while it is read and its SHA-256
//! computed on the way; then its content is checked (`files`), it is stored (the database or a
//! directory), and the virus scanner looks at it when one is configured.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::multipart::Field;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::files;
use crate::form::attachment::{Described, FileKind, Refusal};
use crate::form::definition::{Attachments, FieldKind, Form};
use crate::form::document;
use crate::form::expr::{Seg, format_path, parse_path};
use crate::store::{Actor, AttachmentRow, AttachmentStatus, Kept, NewAttachment, Store};

mod receive;

pub use receive::{Layout, Receiving, Uploads, is_multipart, receive};

/// A stored row as the document describes it.
fn described(r: &AttachmentRow) -> Described {
    Described {
        name: r.name.clone(),
        media_type: r.media_type.clone(),
        size: r.size as u64,
        sha256: r.sha256.clone(),
    }
}

/// The attachment fields of a form, with their bind paths as stored (`henvendelse.vedlegg`).
pub fn fields(form: &Form) -> impl Iterator<Item = (String, &crate::form::Field, &Attachments)> {
    form.all_fields().filter_map(|f| match &f.kind {
        FieldKind::Attachment(a) => Some((format_path(&f.bind), f, a)),
        _ => None,
    })
}

/// The attachment field of a form at `path`.
pub fn field<'f>(form: &'f Form, path: &str) -> Option<(&'f crate::form::Field, &'f Attachments)> {
    fields(form)
        .find(|(p, _, _)| p == path)
        .map(|(_, f, a)| (f, a))
}

/// Writes the checked files into the document, each under its field (in upload order); a field
/// without files is left out. Files still being checked or refused by the scanner are not
/// included (the intake refuses a submission while any is pending).
pub fn fill(form: &Form, doc: &mut Value, rows: &[AttachmentRow]) {
    for (path, f, _) in fields(form) {
        let files: Vec<Value> = rows
            .iter()
            .filter(|r| r.field == path && r.status == AttachmentStatus::Clean)
            .map(|r| described(r).to_value())
            .collect();
        if files.is_empty() {
            document::remove(doc, &f.bind);
        } else {
            document::set(doc, &f.bind, Value::Array(files));
        }
    }
}

/// The bind path of an attachment field from a part's name, if the form has such a field.
pub fn field_path(form: &Form, part: &str) -> Option<Vec<Seg>> {
    let p = parse_path(part).ok()?;
    field(form, &format_path(&p)).map(|(f, _)| f.bind.clone())
}

/// Why an upload was not kept.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Larger than the field allows (its limit in bytes); reading stopped there.
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    /// The checks refused it.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The request ended before the file did, or could not be read.
    #[error("the upload was cut off: {0}")]
    Cut(String),
    /// The server could not keep it.
    #[error("{0}")]
    Internal(String),
    /// The whole body is over the channel's limit.
    #[error("the request is too large")]
    BodyTooLarge,
    /// A part named for no attachment field of the form.
    #[error("no attachment field {0:?}")]
    NotAField(String),
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for UploadError {
    fn from(e: sqlx::Error) -> Self {
        UploadError::Internal(e.to_string())
    }
}

/// A file read to disk, not yet checked.
#[derive(Debug)]
pub struct Spooled {
    /// The name the sender gave (unsafe to show until `safe_name`).
    pub given_name: String,
    /// Removed when dropped.
    pub file: tempfile::TempPath,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Streams one multipart part to a temporary file in `dir` (made if missing), stopping with
/// `TooLarge` as soon as it passes `max` bytes. A part cut off half way leaves nothing behind.
pub async fn spool(part: &mut Field<'_>, dir: &Path, max: u64) -> Result<Spooled, UploadError> {
    let given_name = part.file_name().unwrap_or("").to_string();
    tokio::fs::create_dir_all(dir).await?;
    let tmp = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(dir)?
        .into_temp_path();
    let mut out = tokio::fs::File::create(&tmp).await?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    loop {
        let chunk = match part.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(UploadError::TooLarge(max));
            }
            Err(e) => return Err(UploadError::Cut(e.body_text())),
        };
        size += chunk.len() as u64;
        if size > max {
            return Err(UploadError::TooLarge(max));
        }
        hash.update(&chunk);
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    drop(out);
    Ok(Spooled {
        given_name,
        file: tmp,
        size,
        sha256: hex::encode(hash.finalize()),
    })
}

/// Where uploads wait while they are read and checked.
pub fn upload_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads")
}

/// Who a file is kept for, and where.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// The person uploading (None: a system user).
    pub person: Option<&'a str>,
    /// The party.
    pub party: &'a str,
    /// The draft id, or `api:<uuid>` for one API call.
    pub key: &'a str,
}

/// Checks a spooled file against the field and keeps it. With a scanner the row starts as
/// `pending` and the verdict is recorded before this returns.
pub async fn keep(
    store: &Store,
    scanner: Option<&Arc<super::scan::Scanner>>,
    holder: Holder<'_>,
    field_path: &str,
    spec: &Attachments,
    spooled: Spooled,
    request_id: &str,
) -> Result<Kept, UploadError> {
    let name = files::safe_name(&spooled.given_name);
    let path = spooled.file.to_path_buf();
    let kinds = spec.kinds.clone();
    let name2 = name.clone();
    let kind: FileKind =
        tokio::task::spawn_blocking(move || files::check_file(&name2, &path, &kinds))
            .await
            .map_err(|e| UploadError::Internal(e.to_string()))?
            .map_err(UploadError::Refused)?;
    let actor = Actor {
        person: holder.person,
        party: Some(holder.party),
        employee: None,
    };
    let new = NewAttachment {
        person: holder.person,
        party: holder.party,
        holder: holder.key,
        field: field_path,
        name: &name,
        media_type: kind.mime(),
        size: spooled.size,
        sha256: &spooled.sha256,
        status: if scanner.is_some() {
            AttachmentStatus::Pending
        } else {
            AttachmentStatus::Clean
        },
    };
    let kept = store
        .insert_attachment(&new, &spooled.file, &actor, request_id)
        .await?;
    if let (Some(scanner), Kept::New(row)) = (scanner, &kept) {
        let verdict = scanner.scan_path(&spooled.file).await;
        let status = verdict.status();
        store
            .set_attachment_status(&row.id, status, request_id)
            .await?;
        let row = store
            .attachment(&row.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok(Kept::New(row));
    }
    Ok(kept)
}

/// Whether a request's declared length is beyond `cap` (refused before any of it is read).
pub fn declared_over(headers: &axum::http::HeaderMap, cap: usize) -> bool {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > cap as u64)
}
