//! Receiving a `multipart/form-data` body, the same loop for both channels: each file part is
//! taken (checked against its field, spooled, kept and scanned), each of the channel's own parts
//! is handed to the channel. The browser's page form and the API's document with attachments lay
//! their bodies out differently ([`Layout`]); what becomes of a file does not depend on it.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::{HeaderMap, StatusCode, header};

use super::{Holder, UploadError, field, keep, spool};
use crate::form::FieldError;
use crate::form::definition::{Attachments, Form};
use crate::form::expr::format_path;
use crate::intake::files;
use crate::intake::scan::Scanner;
use crate::store::{AttachmentRow, AttachmentStatus, Kept, Store};

/// Attachment settings, the same for both channels.
#[derive(Debug, Clone)]
pub struct Uploads {
    /// clamd, when configured.
    pub scanner: Option<Arc<Scanner>>,
    /// Where uploads wait while they are read and checked.
    pub tmp_dir: PathBuf,
    /// The limit of a request without files.
    pub body_limit: usize,
    /// The limit of a request with files: the largest field total of any form, plus room for
    /// the other parts.
    pub cap: usize,
}

impl Uploads {
    /// Settings for a catalogue.
    pub fn new(
        catalog: &crate::form::Catalog,
        scanner: Option<Arc<Scanner>>,
        tmp_dir: PathBuf,
        body_limit: usize,
    ) -> Uploads {
        let largest = catalog
            .forms
            .values()
            .flat_map(|v| v.values())
            .flat_map(|f| {
                super::fields(f)
                    .map(|(_, _, a)| a.total)
                    .collect::<Vec<_>>()
            })
            .max()
            .unwrap_or(0) as usize;
        Uploads {
            scanner,
            tmp_dir,
            body_limit,
            cap: largest + body_limit,
        }
    }
}

/// Whether a request carries `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// How a channel lays out its body: which parts are its own, and how they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The browser's page form: a part without a file name is an answer, read as text; a file
    /// input with nothing chosen (an empty file name) is skipped; every other part is a file.
    PageForm,
    /// The API: the part named `dokument` is the JSON document, read as bytes; every other part
    /// is a file, whatever its file name.
    Document,
}

/// What one part is to its channel.
enum Part {
    File,
    Text,
    Bytes,
    Skip,
}

impl Layout {
    fn sort(self, name: &str, file_name: Option<&str>) -> Part {
        match (self, file_name) {
            (Layout::PageForm, None) => Part::Text,
            (Layout::PageForm, Some("")) => Part::Skip,
            (Layout::Document, _) if name == "dokument" => Part::Bytes,
            _ => Part::File,
        }
    }
}

/// Who a body's files are received for, and where: everything [`receive`] needs but the body.
pub struct Receiving<'a> {
    /// Where the files are kept.
    pub store: &'a Store,
    /// The scanner, the waiting room and the limits.
    pub uploads: &'a Uploads,
    /// The form whose attachment fields the parts are for.
    pub form: &'a Form,
    /// Whose the files become.
    pub holder: Holder<'a>,
    /// The files the holder has already (a draft's), counted against each field's limits.
    pub present: &'a [AttachmentRow],
    /// How the channel lays out its body.
    pub layout: Layout,
    /// The request's id, for the audit log.
    pub request_id: &'a str,
}

/// What became of one file part.
#[derive(Debug)]
enum Taken {
    /// Kept (or already there: the same file in the same field), checked and scanned.
    Kept(Option<AttachmentRow>),
    /// Not kept, with the error to show at its field.
    Refused(FieldError),
}

/// Reads every part of a body: files are taken for their fields (each refusal becomes an error
/// at its field, and the parts after it still count), the channel's own parts are read whole and
/// handed to `own` with their names (an answer's text as its UTF-8 bytes). Only failures of the
/// request or the server end the loop, as the channel's error; `own` may end it too.
pub async fn receive<E: From<UploadError>>(
    r: &Receiving<'_>,
    mut multipart: Multipart,
    mut own: impl FnMut(String, Bytes) -> Result<(), E>,
) -> Result<Vec<FieldError>, E> {
    // A file the scanner refused is kept for the record but fills no place in its field.
    let mut present: Vec<(String, u64)> = r
        .present
        .iter()
        .filter(|f| f.status != AttachmentStatus::Infected)
        .map(|f| (f.field.clone(), f.size as u64))
        .collect();
    let mut errors = Vec::new();
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(UploadError::BodyTooLarge.into());
            }
            Err(e) => return Err(UploadError::Cut(e.body_text()).into()),
        };
        let name = part.name().unwrap_or("").to_string();
        let cut = |e: axum::extract::multipart::MultipartError| UploadError::Cut(e.body_text());
        match r.layout.sort(&name, part.file_name()) {
            Part::Skip => continue,
            Part::Text => {
                let text = part.text().await.map_err(cut)?;
                own(name, Bytes::from(text))?;
                continue;
            }
            Part::Bytes => {
                let bytes = part.bytes().await.map_err(cut)?;
                own(name, bytes)?;
                continue;
            }
            Part::File => {}
        }
        let Some((field, spec)) = field(r.form, &name) else {
            return Err(UploadError::NotAField(name).into());
        };
        let path = format_path(&field.bind);
        let sizes: Vec<u64> = present
            .iter()
            .filter(|(p, _)| *p == path)
            .map(|(_, n)| *n)
            .collect();
        match r.take(field, spec, &mut part, &sizes).await? {
            Taken::Kept(Some(row)) => present.push((path, row.size as u64)),
            Taken::Kept(None) => {}
            Taken::Refused(e) => errors.push(e),
        }
    }
    Ok(errors)
}

impl Receiving<'_> {
    /// One file part for the attachment field `field`: the field's count and total checked
    /// against the sizes of the files it has (`present`), the part spooled within its limit,
    /// checked, kept under the holder and scanned. Only failures of the request or the server
    /// are errors; anything wrong with the file is `Refused`.
    async fn take(
        &self,
        field: &crate::form::Field,
        spec: &Attachments,
        part: &mut Field<'_>,
        present: &[u64],
    ) -> Result<Taken, UploadError> {
        use crate::form::validate::ErrorKind;
        let refused = |kind| {
            Ok(Taken::Refused(FieldError {
                path: field.bind.clone(),
                kind,
                label: Some(field.label.clone()),
            }))
        };
        let shown = files::safe_name(part.file_name().unwrap_or(""));
        if let Some(max) = field.max
            && present.len() >= max as usize
        {
            // The rest of the part is skipped unread; the parts after it still count.
            return refused(ErrorKind::FilesTooMany(max as usize));
        }
        let spooled = match spool(part, &self.uploads.tmp_dir, spec.max_file).await {
            Ok(s) => s,
            Err(UploadError::TooLarge(max)) => {
                return refused(ErrorKind::FileTooLarge(shown, max));
            }
            Err(e) => return Err(e),
        };
        if present.iter().sum::<u64>() + spooled.size > spec.total {
            return refused(ErrorKind::FilesTotal(spec.total));
        }
        let path = format_path(&field.bind);
        let scanner = self.uploads.scanner.as_ref();
        match keep(
            self.store,
            scanner,
            self.holder,
            &path,
            spec,
            spooled,
            self.request_id,
        )
        .await
        {
            Ok(Kept::New(row)) if row.status == AttachmentStatus::Infected => {
                refused(ErrorKind::FileInfected(row.name))
            }
            Ok(Kept::New(row)) => Ok(Taken::Kept(Some(row))),
            Ok(Kept::Duplicate(_)) => Ok(Taken::Kept(None)),
            Err(UploadError::Refused(r)) => refused(ErrorKind::FileRefused(shown, r)),
            Err(e) => Err(e),
        }
    }
}
