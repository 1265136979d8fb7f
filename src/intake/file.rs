//! A whole delivery as a file (the browser's upload, SFTP): a GLD document read like the API
//! reads a body, one row at a time, or an aksjonærregisteroppgave's documents in one XML file
//! (`ar::file`); keyed by its content, so the same file is the same delivery whoever of the party
//! sends it and by whichever of the two doors.

use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::altinn::{Authorization, PartyId, Subject};
use crate::form::{Context, Form, Lang};
use crate::store::Store;

use super::rows::Read;
use super::spool::Mapped;
use super::{Channel, Document, Outcome, Submission, SubmitError, ar};

/// Why a file is not a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Not JSON: where reading stopped (from 1).
    NotJson {
        /// The line.
        line: usize,
        /// The character on the line.
        column: usize,
    },
    /// JSON, but not an object.
    NotObject,
}

/// The idempotency key of a file: the party, the form and the file's SHA-256.
fn key(party: &PartyId, form_id: &str, sha256_hex: &str) -> String {
    format!("file:{}:{form_id}:{sha256_hex}", party.key())
}

/// Reads a delivery file one row at a time, its rows checked as read (off the threads that
/// answer requests: 100 000 rows take a while), its canonical text written to a spool file in
/// `spool` as it is made: neither is held whole in memory.
pub async fn read(
    form: Arc<Form>,
    body: Mapped,
    ctx: Context,
    spool: PathBuf,
) -> anyhow::Result<Result<Read, Unreadable>> {
    let read =
        tokio::task::spawn_blocking(move || super::rows::read(&form, body, &ctx, Some(&spool)))
            .await?;
    Ok(match read {
        Ok(r) if r.envelope.is_object() => Ok(r),
        Ok(_) => Err(Unreadable::NotObject),
        Err(e) if e.is_io() => return Err(e.into()),
        Err(e) => Err(Unreadable::NotJson {
            line: e.line(),
            column: e.column(),
        }),
    })
}

/// Whether a form's delivery file is an aksjonærregisteroppgave (XML) rather than a GLD document.
pub fn is_ar(form: &Form) -> bool {
    form.api
        .as_ref()
        .is_some_and(|a| a.delivery == crate::form::definition::Delivery::Aksjonaerregister)
}

/// Who sends a delivery file, and by which door.
pub struct Sender<'a> {
    /// Whom it is for.
    pub party: &'a PartyId,
    /// Who sends it: the person uploading it, or the organisation itself (SFTP).
    pub submitter: &'a Subject,
    /// The party's and the submitter's names, as the receipt is to show them (if known).
    pub names: (Option<&'a str>, Option<&'a str>),
    /// The door, and the language the answers are kept in.
    pub channel: Channel,
    /// The language of the person (bokmål for SFTP).
    pub lang: Lang,
    /// The evaluation context of the form's expressions.
    pub context: &'a Context,
}

/// What a delivery file held.
#[derive(Clone, Copy)]
pub enum Content<'a> {
    /// A GLD document, read by [`read`].
    Gld(&'a Read),
    /// An aksjonærregisteroppgave, read by `ar::file::read`.
    Ar(&'a ar::file::Delivery),
}

/// Submits a delivery file through the one intake: keyed by the party, the form and the file's
/// SHA-256, and answered as the API answers the same documents (a GLD document's
/// `Leveransebekreftelse`; an aksjonærregisteroppgave's confirmation, without a
/// `hovedskjemaid`, which only the API's steps have).
pub async fn submit(
    store: &Store,
    authz: &Arc<dyn Authorization>,
    form: &Form,
    from: &Sender<'_>,
    content: Content<'_>,
    sha256_hex: &str,
    request_id: &str,
) -> Result<Outcome, SubmitError> {
    let respond = |r: &super::Receipt| match content {
        Content::Gld(read) => super::receipt::leveransebekreftelse(read, r),
        Content::Ar(d) => serde_json::json!({
            "dialogId": r.dialog_id,
            "forsendelseId": r.transmission_id,
            "antallUnderskjema": d.underskjemaer(),
        }),
    };
    let document = match content {
        Content::Gld(read) => Document::Read(read),
        Content::Ar(d) => Document::Whole(&d.doc),
    };
    let submission = Submission {
        form,
        party: from.party,
        submitter: from.submitter,
        party_name: from.names.0,
        submitter_name: from.names.1,
        channel: from.channel,
        lang: from.lang,
        document,
        key: key(from.party, &form.id, sha256_hex),
        context: from.context,
        draft: None,
        respond: &respond,
        permits: None,
        attachments: None,
        staged: None,
    };
    super::submit(store, authz, submission, request_id).await
}
