//! The one intake of both channels: a browser submission and an API submission go through the same
//! [`submit`], which validates the whole document with the code the pages use, asks Altinn's PDP
//! whether the submitter may do this for the party, and then stores the submission, its receipt and
//! its deliveries (outbox jobs) in one transaction.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::altinn::{Authorization, PartyId, Subject, action};
use crate::form::validate::{FieldError, Scope, validate};
use crate::form::{Context, Form};
use crate::store::spooled::DocumentText;
use crate::store::{
    Actor, AttachmentStatus, Inserted, JobKind, NewSubmission, Owner, Store, SubmissionRow,
};

pub mod ar;
pub mod attachments;
pub mod canonical;
pub mod clamd;
pub mod delivery;
pub mod dialogporten;
pub mod domain;
pub mod feil;
pub mod file;
pub mod files;
pub mod inbox;
pub mod outbox;
pub mod pdf;
pub mod receipt;
pub mod reference;
pub mod registers;
pub mod retention;
pub mod rows;
pub mod scan;
pub mod spool;

/// Which door a submission came in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A person in the browser.
    Browser,
    /// An end-user system through the API.
    Api,
    /// A person uploading a delivery file in the browser.
    Upload,
    /// An organisation putting a delivery file by SFTP.
    Sftp,
}

impl Channel {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Browser => "browser",
            Channel::Api => "api",
            Channel::Upload => "upload",
            Channel::Sftp => "sftp",
        }
    }
}

/// The outbox jobs every submission causes.
pub const JOBS: &[JobKind] = &[JobKind::Dialogporten, JobKind::Domain];

/// A submission on its way in.
pub struct Submission<'a> {
    /// The form version the document follows.
    pub form: &'a Form,
    /// Whom it is for.
    pub party: &'a PartyId,
    /// Who sends it.
    pub submitter: &'a Subject,
    /// The party's name, as the receipt is to show it (if known).
    pub party_name: Option<&'a str>,
    /// The submitter's name, as the receipt is to show it (if known): the person's, or the
    /// end-user system's.
    pub submitter_name: Option<&'a str>,
    /// How.
    pub channel: Channel,
    /// The language the person used (read back in it on the caseworker side).
    pub lang: crate::form::Lang,
    /// The document (the API payload).
    pub document: Document<'a>,
    /// The channel's idempotency key: the same key gives the same receipt.
    pub key: String,
    /// The evaluation context of the form's expressions.
    pub context: &'a Context,
    /// For the browser: the draft (owner, id, version) that becomes the submission.
    pub draft: Option<(&'a Owner, &'a str, i64)>,
    /// Builds the answer to give (and to give again on a retry) from the receipt.
    pub respond: &'a (dyn Fn(&Receipt) -> Value + Sync),
    /// Where a system user's recent permits are kept (the API); `None` asks the PDP every time.
    pub permits: Option<&'a PermitCache>,
    /// The draft id or `api:<uuid>` whose files go with the submission (into the document's
    /// attachment fields, and to the submission once it is stored).
    pub attachments: Option<&'a str>,
    /// For an API that takes a delivery in steps: the open delivery (id, number of sub-forms)
    /// that becomes the submission, confirmed in the same transaction.
    pub staged: Option<(&'a str, i64)>,
}

/// A submission's document.
#[derive(Debug, Clone, Copy)]
pub enum Document<'a> {
    /// Whole, as a tree (the browser's draft, most API documents).
    Whole(&'a Value),
    /// Read one row at a time, its rows checked as they were read (a large delivery).
    Read(&'a rows::Read),
}

impl<'a> Document<'a> {
    /// The document as a tree: for one read by row, without its rows (see [`rows`]).
    pub fn tree(&self) -> &'a Value {
        match self {
            Document::Whole(v) => v,
            Document::Read(r) => &r.envelope,
        }
    }
}

/// The document as received: whole with its files, or read by row.
enum Received<'d> {
    Whole(std::borrow::Cow<'d, Value>),
    Read(&'d rows::Read),
}

impl Received<'_> {
    /// Every error in it.
    fn errors(&self, form: &Form, ctx: &Context) -> Vec<FieldError> {
        match self {
            Received::Whole(v) => validate(form, v, Scope::All, ctx),
            Received::Read(r) => r.validate(form, ctx),
        }
    }
}

/// The document of `s` as received.
async fn received<'d>(store: &Store, s: &Submission<'d>) -> Result<Received<'d>, SubmitError> {
    Ok(match s.document {
        Document::Whole(v) => Received::Whole(with_files(store, s.form, v, s.attachments).await?),
        // Read by row only where no files come with it.
        Document::Read(r) => Received::Read(r),
    })
}

/// The evaluation context of a form's expressions: today's date, and the organisation number of
/// the party when it is an organisation. The same for every channel, so that a document is judged
/// alike wherever it comes from; the browser adds the names it knows of the person and party.
pub fn context(party: Option<&PartyId>) -> Context {
    // Today as in Norway: just after midnight there it is still yesterday in UTC.
    let d = crate::i18n::oslo(time::OffsetDateTime::now_utc()).date();
    Context {
        today: (d.year(), u8::from(d.month()), d.day()),
        party_orgnr: match party {
            Some(PartyId::Organisation(orgnr)) => Some(orgnr.clone()),
            _ => None,
        },
        ..Context::default()
    }
}

/// What a submission's receipt says.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The submission's id.
    pub id: String,
    /// Its short reference.
    pub reference: String,
    /// The Dialogporten dialog it goes to.
    pub dialog_id: String,
    /// The Dialogporten transmission of the submission.
    pub transmission_id: String,
    /// SHA-256 of the canonical document.
    pub sha256: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The answer given to the submitter (JSON).
    pub response: Value,
}

impl Receipt {
    fn of(row: &SubmissionRow) -> Receipt {
        Receipt {
            id: row.id.clone(),
            reference: row.reference.clone(),
            dialog_id: row.dialog_id.clone(),
            transmission_id: row.transmission_id.clone(),
            sha256: row.sha256.clone(),
            created_at: row.created_at,
            response: serde_json::from_str(&row.response).unwrap_or(Value::Null),
        }
    }
}

/// What came of a submission.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Received now.
    New(Receipt),
    /// Received before under the same key, with the same document: the first receipt.
    Repeat(Receipt),
}

impl Outcome {
    /// The receipt, new or repeated.
    pub fn receipt(&self) -> &Receipt {
        match self {
            Outcome::New(r) | Outcome::Repeat(r) => r,
        }
    }
}

/// Why a submission was not received.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The document has errors; nothing was stored.
    #[error("the document has {} error(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// The submitter may not send this form for the party (the PDP said no, or could not answer).
    #[error("not authorised for the party")]
    Forbidden,
    /// The key was used before for another document.
    #[error("the idempotency key was used for another document")]
    KeyReused,
    /// The draft changed (another tab) or was removed since it was read.
    #[error("the draft changed")]
    DraftChanged,
    /// The staged delivery was confirmed, expired or got another sub-form since it was read.
    #[error("the staged delivery changed")]
    StagedChanged,
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// The document as it is received: with the files of `holder` written into its attachment fields.
/// A file not yet checked for malware is an error at its field.
async fn with_files<'d>(
    store: &Store,
    form: &Form,
    document: &'d Value,
    holder: Option<&str>,
) -> Result<std::borrow::Cow<'d, Value>, SubmitError> {
    let Some(holder) = holder else {
        return Ok(std::borrow::Cow::Borrowed(document));
    };
    let rows = store.attachments_of_holder(holder).await?;
    let pending: Vec<FieldError> = rows
        .iter()
        .filter(|r| r.status == AttachmentStatus::Pending)
        .map(|r| FieldError {
            path: crate::form::expr::parse_path(&r.field).unwrap_or_default(),
            kind: crate::form::validate::ErrorKind::FilePending(r.name.clone()),
            label: attachments::field(form, &r.field).map(|(f, _)| f.label.clone()),
        })
        .collect();
    if !pending.is_empty() {
        return Err(SubmitError::Invalid(pending));
    }
    let mut d = document.clone();
    attachments::fill(form, &mut d, &rows);
    Ok(std::borrow::Cow::Owned(d))
}

/// Everything [`submit`] checks, storing nothing: the files, the whole validation and the PDP.
/// What passes here is received by `submit` (unless the key was used for another document).
pub async fn check(
    store: &Store,
    authz: &Arc<dyn Authorization>,
    s: &Submission<'_>,
) -> Result<(), SubmitError> {
    let doc = received(store, s).await?;
    judge(authz, s, &doc).await
}

/// The whole validation of the document as received, then the PDP, asked now: rights may have
/// been withdrawn since the form was opened. (The API asked before reading the document; its
/// permit is reused here.)
async fn judge(
    authz: &Arc<dyn Authorization>,
    s: &Submission<'_>,
    doc: &Received<'_>,
) -> Result<(), SubmitError> {
    let errors = doc.errors(s.form, s.context);
    if !errors.is_empty() {
        return Err(SubmitError::Invalid(errors));
    }
    authorize(
        authz,
        s.permits,
        s.submitter,
        action::WRITE,
        &s.form.resource,
        s.party,
    )
    .await
}

/// Receives a submission; see the module documentation. A repeat of an earlier submission (same
/// key, same document) gives its receipt again without asking anything else; the same key with
/// another document is refused.
pub async fn submit(
    store: &Store,
    authz: &Arc<dyn Authorization>,
    s: Submission<'_>,
    request_id: &str,
) -> Result<Outcome, SubmitError> {
    let form = s.form.id.clone();
    let channel = s.channel.as_str();
    let result = submit_once(store, authz, s, request_id).await;
    let outcome = match &result {
        Ok(Outcome::New(_)) => "received",
        Ok(Outcome::Repeat(_)) => "repeated",
        Err(SubmitError::Invalid(_)) => "invalid",
        Err(SubmitError::Forbidden) => "forbidden",
        Err(SubmitError::KeyReused) => "key_reused",
        Err(SubmitError::DraftChanged | SubmitError::StagedChanged) => "changed",
        Err(SubmitError::Db(_)) => "failed",
    };
    // Form ids and channels are the catalogue's and the code's: a short, fixed list.
    metrics::counter!(
        "tasteskjema_submissions_total",
        "form" => form,
        "channel" => channel,
        "outcome" => outcome
    )
    .increment(1);
    result
}

async fn submit_once(
    store: &Store,
    authz: &Arc<dyn Authorization>,
    s: Submission<'_>,
    request_id: &str,
) -> Result<Outcome, SubmitError> {
    let doc = received(store, &s).await?;
    // The canonical text: made now of a tree; of a delivery read by row, made as it was read
    // (and perhaps kept in a spool file).
    let made;
    let document = match &doc {
        Received::Whole(v) => {
            made = canonical::canonical(v);
            DocumentText::Whole(&made)
        }
        Received::Read(r) => r.canonical.as_document(),
    };
    let sha256 = document.sha256_hex();
    if let Some(done) = repeat(store, &s.key, &sha256).await? {
        return Ok(done);
    }
    judge(authz, &s, &doc).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let dialog_id = uuid::Uuid::now_v7().to_string();
    let transmission_id = uuid::Uuid::now_v7().to_string();
    let party = s.party.key();
    let submitter = subject_key(s.submitter);
    let actor = Actor {
        person: match s.submitter {
            Subject::Person(pid) => Some(pid.as_str()),
            Subject::SystemUser(_) | Subject::Organisation(_) => None,
        },
        party: Some(&party),
        employee: None,
    };
    for _ in 0..5 {
        let reference = reference::new_reference();
        let mut receipt = Receipt {
            id: id.clone(),
            reference: reference.clone(),
            dialog_id: dialog_id.clone(),
            transmission_id: transmission_id.clone(),
            sha256: sha256.clone(),
            created_at: crate::clock::now_ms(),
            response: Value::Null,
        };
        receipt.response = (s.respond)(&receipt);
        let response = receipt.response.to_string();
        let row = NewSubmission {
            id: &id,
            reference: &reference,
            idempotency_key: &s.key,
            form_id: &s.form.id,
            form_version: &s.form.version,
            party: &party,
            submitter: &submitter,
            party_name: s.party_name,
            submitter_name: s.submitter_name,
            channel: s.channel.as_str(),
            lang: s.lang.code(),
            document,
            sha256: &sha256,
            dialog_id: &dialog_id,
            transmission_id: &transmission_id,
            response: &response,
            jobs: JOBS,
            draft: s.draft,
            attachments_from: s.attachments,
            staged: s.staged,
            created_at: receipt.created_at,
        };
        match store.insert_submission(&row, &actor, request_id).await? {
            Inserted::New => {
                tracing::info!(submission = %id, reference = %reference, form = %s.form.id, channel = s.channel.as_str(), "submission received");
                return Ok(Outcome::New(receipt));
            }
            Inserted::ReferenceTaken => continue,
            Inserted::DraftChanged => return Err(SubmitError::DraftChanged),
            Inserted::StagedChanged => return Err(SubmitError::StagedChanged),
            // Another request with the same key won the race.
            Inserted::KeyTaken => {
                return repeat(store, &s.key, &sha256)
                    .await?
                    .ok_or(SubmitError::KeyReused);
            }
        }
    }
    Err(SubmitError::Db(sqlx::Error::Protocol(
        "no free reference after five tries".into(),
    )))
}

/// Asks Altinn's PDP whether `subject` may do `action` on `resource` for `party`; anything but a
/// permit (including no answer) is [`SubmitError::Forbidden`]. A system user's permit may be
/// reused for a few seconds (see [`PermitCache`]); a person's decision is always asked for.
pub async fn authorize(
    authz: &Arc<dyn Authorization>,
    permits: Option<&PermitCache>,
    subject: &Subject,
    action: &str,
    resource: &str,
    party: &PartyId,
) -> Result<(), SubmitError> {
    let cache = permits.zip(match subject {
        Subject::SystemUser(id) => Some(format!("{id}|{action}|{resource}|{}", party.key())),
        Subject::Person(_) | Subject::Organisation(_) => None,
    });
    if cache.as_ref().is_some_and(|(c, k)| c.fresh(k)) {
        return Ok(());
    }
    match authz.decide(subject.clone(), action, resource, party).await {
        Ok(d) if d.is_permit() => {
            if let Some((c, k)) = &cache {
                c.remember(k);
            }
            Ok(())
        }
        Ok(d) => {
            tracing::info!(decision = ?d, resource, action, "refused by the PDP");
            Err(SubmitError::Forbidden)
        }
        Err(e) => {
            tracing::warn!(error = %e, resource, action, "the PDP could not answer; refused");
            Err(SubmitError::Forbidden)
        }
    }
}

/// How long a system user's permit from the PDP is reused.
const PERMIT_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// Recent PDP permits of system users, by subject, resource and party: an end-user system sends
/// deliveries in bursts, and asking once per burst is enough. A refusal is never remembered.
#[derive(Debug, Default)]
pub struct PermitCache(std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>);

impl PermitCache {
    fn fresh(&self, key: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).is_some_and(|t| t.elapsed() < PERMIT_TTL)
    }

    fn remember(&self, key: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, t| t.elapsed() < PERMIT_TTL);
        }
        map.insert(key.to_owned(), std::time::Instant::now());
    }
}

/// The earlier outcome under `key`: its receipt for the same document, an error for another.
async fn repeat(store: &Store, key: &str, sha256: &str) -> Result<Option<Outcome>, SubmitError> {
    match store.receipt_by_key(key).await? {
        Some(row) if row.sha256 == sha256 => Ok(Some(Outcome::Repeat(Receipt::of(&row)))),
        Some(_) => Err(SubmitError::KeyReused),
        None => Ok(None),
    }
}

/// The submitter as stored: `person:<pid>`, `systemuser:<uuid>` or `org:<orgnr>` (SFTP).
pub fn subject_key(s: &Subject) -> String {
    match s {
        Subject::Person(pid) => format!("person:{pid}"),
        Subject::SystemUser(id) => format!("systemuser:{id}"),
        Subject::Organisation(orgnr) => format!("org:{orgnr}"),
    }
}
