//! The built-in stand-in for Dialogporten: the service-owner API on its real paths and shapes
//! (create a dialog, add a transmission, read a dialog), the CloudEvents the real service would
//! publish, and a plain inbox page where someone trying the portal sees what it delivered.
//!
//! Everything is kept in its own SQLite file, never only in memory, because the portal's crash
//! tests restart the process and then look at what arrived. Beside the dialogs it counts the
//! creation requests per dialog and transmission id, refused repeats included, so a test can show
//! that a delivery arrived at least once and was stored exactly once (`_standIn.createRequests` in
//! the dialog JSON).
//!
//! Mount [`router`] under `/dev/dialogporten` and point the
//! [`DialogportenClient`](crate::intake::dialogporten::DialogportenClient) there.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use askama::Template;
use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use crate::auth::altinn::urn;
use crate::form::no::{Fodselsnummer, Orgnr};
use crate::intake::dialogporten::{
    Actor, ActorType, Attachment, Content, ContentValue, DIALOGS_PATH, DialogStatus, Localization,
    RESOURCE_PREFIX, TransmissionType,
};

/// Decides whether a request's `Authorization` header lets it use the service-owner API. The
/// integrator plugs in Maskinporten token validation (scope `digdir:dialogporten.serviceprovider`).
#[async_trait]
pub trait BearerCheck: Send + Sync {
    /// True when the request may pass; `authorization_header` is the raw header, if any.
    async fn check(&self, authorization_header: Option<&str>) -> bool;
}

/// Lets every request through, with or without a token. For tests only: a stand-in that anyone
/// can write to must not be reachable by others.
#[derive(Debug, Clone, Copy)]
pub struct AllowAny;

#[async_trait]
impl BearerCheck for AllowAny {
    async fn check(&self, _authorization_header: Option<&str>) -> bool {
        true
    }
}

/// CloudEvent type of a new dialog.
pub const EVENT_DIALOG_CREATED: &str = "dialogporten.dialog.created.v1";
/// CloudEvent type of a new transmission.
pub const EVENT_TRANSMISSION_CREATED: &str = "dialogporten.dialog.transmission.created.v1";

/// Longest title or summary, as in Dialogporten.
const MAX_TEXT: usize = 255;
/// Longest idempotent key, as in Dialogporten.
const MAX_KEY: usize = 36;

const SCHEMA: &str = "
-- `seq` keeps the order things arrived in: the inbox lists dialogs newest first and
-- transmissions in order.
CREATE TABLE IF NOT EXISTS dialogs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    -- Unique like the real service's key: a repeated key is refused with 409.
    idempotent_key TEXT UNIQUE,
    service_resource TEXT NOT NULL,
    party TEXT NOT NULL,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    external_reference TEXT,
    revision TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dialogs_party ON dialogs (party, seq);
CREATE TABLE IF NOT EXISTS transmissions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    dialog_id TEXT NOT NULL REFERENCES dialogs (id),
    -- A key is unique within its dialog.
    idempotent_key TEXT,
    type TEXT NOT NULL,
    related_transmission_id TEXT,
    sender TEXT NOT NULL,
    content TEXT NOT NULL,
    attachments TEXT NOT NULL,
    external_reference TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (dialog_id, idempotent_key)
);
CREATE INDEX IF NOT EXISTS transmissions_dialog ON transmissions (dialog_id, seq);
-- The CloudEvents the real service would publish, in order.
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
-- Every well-formed creation request by the id it names, refused repeats included.
CREATE TABLE IF NOT EXISTS create_requests (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
";

/// The stand-in's storage and its bearer check.
pub struct DialogportenState {
    pool: SqlitePool,
    check: Arc<dyn BearerCheck>,
}

impl std::fmt::Debug for DialogportenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogportenState").finish_non_exhaustive()
    }
}

/// A dialog row.
#[derive(sqlx::FromRow)]
struct DialogRow {
    id: String,
    idempotent_key: Option<String>,
    service_resource: String,
    party: String,
    status: String,
    content: String,
    external_reference: Option<String>,
    revision: String,
    created_at: String,
    updated_at: String,
    /// Creation requests that named it (read only where asked for).
    #[sqlx(default)]
    requests: i64,
}

/// A transmission row.
#[derive(sqlx::FromRow)]
struct TransmissionRow {
    id: String,
    dialog_id: String,
    idempotent_key: Option<String>,
    #[sqlx(rename = "type")]
    kind: String,
    related_transmission_id: Option<String>,
    sender: String,
    content: String,
    attachments: String,
    external_reference: Option<String>,
    created_at: String,
    /// Creation requests that named it (read only where asked for).
    #[sqlx(default)]
    requests: i64,
}

/// What became of a creation request that was well-formed.
enum Outcome {
    /// Stored; the id and the dialog's new revision.
    Created(Uuid, Uuid),
    /// Refused: the status and why.
    Refused(StatusCode, String),
}

impl DialogportenState {
    /// Opens (creating when missing) the SQLite file at `path` in WAL mode, with its tables.
    pub async fn open(path: impl AsRef<Path>, check: Arc<dyn BearerCheck>) -> anyhow::Result<Self> {
        let path = path.as_ref();
        let opts = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .with_context(|| format!("opening the Dialogporten stand-in at {}", path.display()))?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(DialogportenState { pool, check })
    }

    /// Closes the database (before the file is opened again, as after a restart).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The dialog as `GET …/dialogs/{id}` answers it, with its transmissions and the request
    /// counts; `None` when unknown.
    pub async fn dialog(&self, id: Uuid) -> anyhow::Result<Option<Value>> {
        let id = id.to_string();
        // One read transaction: the dialog and its transmissions as of one moment.
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query_as::<_, DialogRow>(
            "SELECT d.*, COALESCE(c.count, 0) AS requests FROM dialogs d \
             LEFT JOIN create_requests c ON c.kind = 'dialog' AND c.id = d.id WHERE d.id = $1",
        )
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let rows: Vec<TransmissionRow> = sqlx::query_as(
            "SELECT t.*, COALESCE(c.count, 0) AS requests FROM transmissions t \
             LEFT JOIN create_requests c ON c.kind = 'transmission' AND c.id = t.id \
             WHERE t.dialog_id = $1 ORDER BY t.seq",
        )
        .bind(&id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let transmissions = rows
            .iter()
            .map(transmission_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Some(json!({
            "id": row.id,
            "revision": row.revision,
            "idempotentKey": row.idempotent_key,
            "serviceResource": row.service_resource,
            "party": row.party,
            "status": row.status,
            "externalReference": row.external_reference,
            "content": serde_json::from_str::<Value>(&row.content)?,
            "createdAt": row.created_at,
            "updatedAt": row.updated_at,
            "transmissions": transmissions,
            "_standIn": { "createRequests": row.requests },
        })))
    }

    /// The recorded CloudEvents in order, or only those about `subject` (a party URN).
    pub async fn events(&self, subject: Option<&str>) -> anyhow::Result<Vec<Value>> {
        let rows: Vec<(String,)> = match subject {
            Some(s) => {
                sqlx::query_as("SELECT event FROM events WHERE subject = $1 ORDER BY seq")
                    .bind(s)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT event FROM events ORDER BY seq")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|(e,)| Ok(serde_json::from_str(e)?))
            .collect()
    }

    /// A write transaction from its first statement, so two writers wait for each other
    /// (busy timeout) instead of failing when a read would have to become a write.
    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn insert_dialog(&self, d: &CheckedDialog, source: &str) -> anyhow::Result<Outcome> {
        let id = d.id.to_string();
        let mut tx = self.begin().await?;
        count(&mut tx, "dialog", &id).await?;
        for t in &d.transmissions {
            count(&mut tx, "transmission", &t.id.to_string()).await?;
        }
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT id FROM dialogs WHERE id = $1 OR idempotent_key = $2")
                .bind(&id)
                .bind(&d.idempotent_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((other,)) = existing {
            tx.commit().await?;
            let detail = if other == id {
                format!("A dialog with id {id} exists already.")
            } else {
                format!("The idempotent key is in use by dialog {other}.")
            };
            return Ok(Outcome::Refused(StatusCode::CONFLICT, detail));
        }
        for t in &d.transmissions {
            if let Some(dialog) = transmission_dialog(&mut tx, t.id).await? {
                tx.commit().await?;
                return Ok(Outcome::Refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Transmission {} exists already, in dialog {dialog}.", t.id),
                ));
            }
        }
        let now = now_iso();
        let revision = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO dialogs (id, idempotent_key, service_resource, party, status, content, \
             external_reference, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&d.idempotent_key)
        .bind(&d.service_resource)
        .bind(&d.party)
        .bind(d.status)
        .bind(serde_json::to_string(&d.content)?)
        .bind(&d.external_reference)
        .bind(revision.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let owner = EventOwner {
            id: d.id,
            service_resource: &d.service_resource,
            party: &d.party,
        };
        record(
            &mut tx,
            cloud_event(EVENT_DIALOG_CREATED, &owner, source, &now, None),
        )
        .await?;
        for t in &d.transmissions {
            insert_transmission(&mut tx, d.id, t, &now).await?;
            let e = cloud_event(EVENT_TRANSMISSION_CREATED, &owner, source, &now, Some(t));
            record(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(Outcome::Created(d.id, revision))
    }

    async fn add_transmission(
        &self,
        dialog_id: Uuid,
        t: &CheckedTransmission,
        source: &str,
    ) -> anyhow::Result<Outcome> {
        let did = dialog_id.to_string();
        let mut tx = self.begin().await?;
        count(&mut tx, "transmission", &t.id.to_string()).await?;
        let dialog: Option<(String, String)> =
            sqlx::query_as("SELECT service_resource, party FROM dialogs WHERE id = $1")
                .bind(&did)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((service_resource, party)) = dialog else {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::NOT_FOUND,
                format!("No dialog with id {did}."),
            ));
        };
        if let Some(other) = transmission_dialog(&mut tx, t.id).await? {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::CONFLICT,
                format!("Transmission {} exists already, in dialog {other}.", t.id),
            ));
        }
        if let Some(key) = &t.idempotent_key {
            let taken: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM transmissions WHERE dialog_id = $1 AND idempotent_key = $2",
            )
            .bind(&did)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((other,)) = taken {
                tx.commit().await?;
                return Ok(Outcome::Refused(
                    StatusCode::CONFLICT,
                    format!("The idempotent key is in use by transmission {other}."),
                ));
            }
        }
        if let Some(related) = t.related
            && transmission_dialog(&mut tx, related).await?.as_deref() != Some(did.as_str())
        {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("relatedTransmissionId {related} names no transmission of this dialog."),
            ));
        }
        let now = now_iso();
        insert_transmission(&mut tx, dialog_id, t, &now).await?;
        let revision = Uuid::new_v4();
        sqlx::query("UPDATE dialogs SET revision = $1, updated_at = $2 WHERE id = $3")
            .bind(revision.to_string())
            .bind(&now)
            .bind(&did)
            .execute(&mut *tx)
            .await?;
        let owner = EventOwner {
            id: dialog_id,
            service_resource: &service_resource,
            party: &party,
        };
        record(
            &mut tx,
            cloud_event(EVENT_TRANSMISSION_CREATED, &owner, source, &now, Some(t)),
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Created(t.id, revision))
    }

    /// The party's dialogs, newest first, each with its transmissions in order.
    async fn inbox(&self, party: &str) -> anyhow::Result<Vec<InboxDialog>> {
        let dialogs: Vec<DialogRow> =
            sqlx::query_as("SELECT * FROM dialogs WHERE party = $1 ORDER BY seq DESC")
                .bind(party)
                .fetch_all(&self.pool)
                .await?;
        let rows: Vec<TransmissionRow> = sqlx::query_as(
            "SELECT t.* FROM transmissions t JOIN dialogs d ON d.id = t.dialog_id \
             WHERE d.party = $1 ORDER BY t.seq",
        )
        .bind(party)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(dialogs.len());
        for d in dialogs {
            let content: Content = serde_json::from_str(&d.content)?;
            let mine: Vec<&TransmissionRow> = rows.iter().filter(|t| t.dialog_id == d.id).collect();
            let mut transmissions = Vec::with_capacity(mine.len());
            for t in &mine {
                transmissions.push(InboxTransmission::of(t, &mine)?);
            }
            out.push(InboxDialog {
                title: Shown::of(&content.title),
                summary: content.summary.as_ref().map(Shown::of),
                status: status_nb(&d.status),
                reference: d.external_reference,
                created: When::of(&d.created_at),
                transmissions,
                id: d.id,
            });
        }
        Ok(out)
    }
}

/// Counts one creation request for `id`.
async fn count(tx: &mut Transaction<'_, Sqlite>, kind: &str, id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO create_requests (kind, id, count) VALUES ($1, $2, 1) \
         ON CONFLICT (kind, id) DO UPDATE SET count = count + 1",
    )
    .bind(kind)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The dialog that holds transmission `id`, if any does.
async fn transmission_dialog(
    tx: &mut Transaction<'_, Sqlite>,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT dialog_id FROM transmissions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(d,)| d))
}

async fn insert_transmission(
    tx: &mut Transaction<'_, Sqlite>,
    dialog_id: Uuid,
    t: &CheckedTransmission,
    now: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO transmissions (id, dialog_id, idempotent_key, type, related_transmission_id, \
         sender, content, attachments, external_reference, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(t.id.to_string())
    .bind(dialog_id.to_string())
    .bind(&t.idempotent_key)
    .bind(t.kind.as_str())
    .bind(t.related.map(|r| r.to_string()))
    .bind(serde_json::to_string(&t.sender)?)
    .bind(serde_json::to_string(&t.content)?)
    .bind(serde_json::to_string(&t.attachments)?)
    .bind(&t.external_reference)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn record(tx: &mut Transaction<'_, Sqlite>, event: Value) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO events (id, subject, event) VALUES ($1, $2, $3)")
        .bind(event["id"].as_str())
        .bind(event["subject"].as_str())
        .bind(event.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a CloudEvent says about its dialog.
struct EventOwner<'a> {
    id: Uuid,
    service_resource: &'a str,
    party: &'a str,
}

/// A CloudEvent 1.0 in Altinn's shape: the resource, the dialog as the resource instance, the
/// party as the subject.
fn cloud_event(
    kind: &str,
    d: &EventOwner<'_>,
    source: &str,
    now: &str,
    t: Option<&CheckedTransmission>,
) -> Value {
    let mut e = json!({
        "specversion": "1.0",
        "id": Uuid::now_v7().to_string(),
        "type": kind,
        "time": now,
        "source": source,
        "resource": d.service_resource,
        "resourceinstance": d.id.to_string(),
        "subject": d.party,
    });
    if let Some(t) = t {
        e["data"] = json!({
            "transmissionId": t.id.to_string(),
            "transmissionType": t.kind.as_str(),
        });
    }
    e
}

fn transmission_json(t: &TransmissionRow) -> anyhow::Result<Value> {
    Ok(json!({
        "id": t.id,
        "idempotentKey": t.idempotent_key,
        "createdAt": t.created_at,
        "type": t.kind,
        "relatedTransmissionId": t.related_transmission_id,
        "sender": serde_json::from_str::<Value>(&t.sender)?,
        "content": serde_json::from_str::<Value>(&t.content)?,
        "attachments": serde_json::from_str::<Value>(&t.attachments)?,
        "externalReference": t.external_reference,
        "isOpened": false,
        "_standIn": { "createRequests": t.requests },
    }))
}

// ---- Requests and their checks ----

/// Title and summary as they arrive.
#[derive(Deserialize)]
struct ContentRequest {
    title: Option<ContentValue>,
    summary: Option<ContentValue>,
}

/// A create-dialog body as it arrives; the stand-in keeps the fields the portal uses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DialogRequest {
    id: Option<Uuid>,
    idempotent_key: Option<String>,
    service_resource: Option<String>,
    party: Option<String>,
    status: Option<DialogStatus>,
    content: Option<ContentRequest>,
    external_reference: Option<String>,
    transmissions: Option<Vec<TransmissionRequest>>,
}

/// A create-transmission body as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransmissionRequest {
    id: Option<Uuid>,
    idempotent_key: Option<String>,
    #[serde(rename = "type")]
    kind: Option<TransmissionType>,
    related_transmission_id: Option<Uuid>,
    sender: Option<Actor>,
    content: Option<ContentRequest>,
    attachments: Option<Vec<Attachment>>,
    external_reference: Option<String>,
}

/// A dialog that passed the checks.
struct CheckedDialog {
    id: Uuid,
    idempotent_key: Option<String>,
    service_resource: String,
    party: String,
    status: &'static str,
    content: Content,
    external_reference: Option<String>,
    transmissions: Vec<CheckedTransmission>,
}

/// A transmission that passed the checks.
struct CheckedTransmission {
    id: Uuid,
    idempotent_key: Option<String>,
    kind: TransmissionType,
    related: Option<Uuid>,
    sender: Actor,
    content: Content,
    attachments: Vec<Attachment>,
    external_reference: Option<String>,
}

/// Problems found, by the path of the field (`party`, `transmissions[0].sender`).
#[derive(Default)]
struct Problems(BTreeMap<String, Vec<String>>);

impl Problems {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0
            .entry(path.to_owned())
            .or_default()
            .push(message.into());
    }

    fn required<T>(&mut self, path: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(path, "is required");
        }
        value
    }
}

/// True for `urn:altinn:organization:identifier-no:<valid orgnr>` and
/// `urn:altinn:person:identifier-no:<valid fødselsnummer>`.
fn is_party_urn(s: &str) -> bool {
    let digits = |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    if let Some(orgnr) = s
        .strip_prefix(urn::ORGANISATION)
        .and_then(|r| r.strip_prefix(':'))
    {
        digits(orgnr, 9) && Orgnr::parse(orgnr).is_ok()
    } else if let Some(pid) = s
        .strip_prefix(urn::PERSON)
        .and_then(|r| r.strip_prefix(':'))
    {
        digits(pid, 11) && Fodselsnummer::parse(pid).is_ok()
    } else {
        false
    }
}

fn check_id(p: &mut Problems, path: &str, id: Option<Uuid>) -> Uuid {
    let Some(id) = id else {
        return Uuid::now_v7();
    };
    if id.get_version_num() != 7 {
        p.add(path, "must be a UUIDv7");
    } else if let Some(ts) = id.get_timestamp() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        // A little clock skew is forgiven; an id from the future is not.
        if ts.to_unix().0 as i64 > now + 60 {
            p.add(path, "must not lie in the future");
        }
    }
    id
}

fn check_key(p: &mut Problems, path: &str, key: &Option<String>) {
    if key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.chars().count() > MAX_KEY)
    {
        p.add(path, format!("must be 1 to {MAX_KEY} characters"));
    }
}

fn check_reference(p: &mut Problems, path: &str, r: &Option<String>) {
    if r.as_ref().is_some_and(|r| r.chars().count() > MAX_TEXT) {
        p.add(path, format!("must be at most {MAX_TEXT} characters"));
    }
}

fn check_text(p: &mut Problems, path: &str, v: &ContentValue) {
    if v.media_type != "text/plain" {
        p.add(path, "mediaType must be text/plain");
    }
    check_localizations(p, path, &v.value);
}

fn check_localizations(p: &mut Problems, path: &str, list: &[Localization]) {
    if list.is_empty() {
        p.add(path, "needs at least one language");
    }
    let mut seen = HashSet::new();
    for l in list {
        let code = l.language_code.as_str();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
            p.add(
                path,
                format!("languageCode {code:?} is not an ISO 639-1 code"),
            );
        } else if !seen.insert(code) {
            p.add(path, format!("languageCode {code} appears twice"));
        }
        let n = l.value.trim().chars().count();
        if n == 0 || n > MAX_TEXT {
            p.add(
                path,
                format!("each value must be 1 to {MAX_TEXT} characters"),
            );
        }
    }
}

fn check_content(p: &mut Problems, path: &str, c: Option<ContentRequest>) -> Option<Content> {
    let c = p.required(path, c)?;
    let title = p.required(&format!("{path}.title"), c.title)?;
    check_text(p, &format!("{path}.title"), &title);
    if let Some(s) = &c.summary {
        check_text(p, &format!("{path}.summary"), s);
    }
    Some(Content {
        title,
        summary: c.summary,
    })
}

fn check_sender(p: &mut Problems, path: &str, a: Option<Actor>) -> Option<Actor> {
    let a = p.required(path, a)?;
    match a.actor_type {
        ActorType::ServiceOwner if a.actor_id.is_some() || a.actor_name.is_some() => {
            p.add(path, "the service owner has neither actorId nor actorName");
        }
        ActorType::PartyRepresentative if a.actor_id.is_none() && a.actor_name.is_none() => {
            p.add(path, "a party representative needs actorId or actorName");
        }
        _ => {}
    }
    if let Some(id) = &a.actor_id
        && !is_party_urn(id)
    {
        p.add(
            &format!("{path}.actorId"),
            "must be a person or organisation URN",
        );
    }
    Some(a)
}

fn check_attachments(p: &mut Problems, path: &str, list: &[Attachment]) {
    for (i, a) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        check_localizations(p, &format!("{at}.displayName"), &a.display_name);
        if a.urls.is_empty() {
            p.add(&format!("{at}.urls"), "needs at least one URL");
        }
        for (j, u) in a.urls.iter().enumerate() {
            if !is_web_url(&u.url) {
                p.add(
                    &format!("{at}.urls[{j}].url"),
                    "must be an http or https URL",
                );
            }
        }
    }
}

/// Only web links are stored, so the inbox never links anywhere else (`javascript:` …).
fn is_web_url(s: &str) -> bool {
    reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

fn check_transmission(
    p: &mut Problems,
    path: &str,
    t: TransmissionRequest,
) -> Option<CheckedTransmission> {
    let id = check_id(p, &format!("{path}.id"), t.id);
    check_key(p, &format!("{path}.idempotentKey"), &t.idempotent_key);
    check_reference(
        p,
        &format!("{path}.externalReference"),
        &t.external_reference,
    );
    let kind = p.required(&format!("{path}.type"), t.kind);
    let sender = check_sender(p, &format!("{path}.sender"), t.sender);
    let content = check_content(p, &format!("{path}.content"), t.content);
    let attachments = t.attachments.unwrap_or_default();
    check_attachments(p, &format!("{path}.attachments"), &attachments);
    Some(CheckedTransmission {
        id,
        idempotent_key: t.idempotent_key,
        kind: kind?,
        related: t.related_transmission_id,
        sender: sender?,
        content: content?,
        attachments,
        external_reference: t.external_reference,
    })
}

/// New and Sent are still accepted, but shown as the statuses that replaced them.
fn stored_status(s: Option<DialogStatus>) -> &'static str {
    match s.unwrap_or(DialogStatus::InProgress) {
        DialogStatus::New => DialogStatus::InProgress.as_str(),
        DialogStatus::Sent => DialogStatus::Awaiting.as_str(),
        other => other.as_str(),
    }
}

fn check_dialog(d: DialogRequest) -> Result<CheckedDialog, Problems> {
    let mut p = Problems::default();
    let id = check_id(&mut p, "id", d.id);
    check_key(&mut p, "idempotentKey", &d.idempotent_key);
    check_reference(&mut p, "externalReference", &d.external_reference);
    let resource = p.required("serviceResource", d.service_resource);
    if let Some(r) = &resource
        && r.strip_prefix(RESOURCE_PREFIX).is_none_or(str::is_empty)
    {
        p.add(
            "serviceResource",
            format!("must start with {RESOURCE_PREFIX}"),
        );
    }
    let party = p.required("party", d.party);
    if party.as_deref().is_some_and(|s| !is_party_urn(s)) {
        p.add(
            "party",
            format!(
                "must be {}:<orgnr> or {}:<fødselsnummer>",
                urn::ORGANISATION,
                urn::PERSON
            ),
        );
    }
    let content = check_content(&mut p, "content", d.content);
    let mut transmissions = Vec::new();
    for (i, t) in d.transmissions.unwrap_or_default().into_iter().enumerate() {
        if let Some(t) = check_transmission(&mut p, &format!("transmissions[{i}]"), t) {
            transmissions.push(t);
        }
    }
    let ids: HashSet<Uuid> = transmissions.iter().map(|t| t.id).collect();
    let keys: Vec<&str> = transmissions
        .iter()
        .filter_map(|t| t.idempotent_key.as_deref())
        .collect();
    if ids.len() != transmissions.len() || keys.iter().collect::<HashSet<_>>().len() != keys.len() {
        p.add("transmissions", "ids and idempotent keys must be unique");
    }
    for (i, t) in transmissions.iter().enumerate() {
        if t.related.is_some_and(|r| !ids.contains(&r)) {
            p.add(
                &format!("transmissions[{i}].relatedTransmissionId"),
                "names no transmission of this dialog",
            );
        }
    }
    match (resource, party, content) {
        (Some(service_resource), Some(party), Some(content)) if p.0.is_empty() => {
            Ok(CheckedDialog {
                id,
                idempotent_key: d.idempotent_key,
                service_resource,
                party,
                status: stored_status(d.status),
                content,
                external_reference: d.external_reference,
                transmissions,
            })
        }
        _ => Err(p),
    }
}

// ---- HTTP ----

/// The stand-in's routes, relative to where it is mounted (`/dev/dialogporten`): the
/// service-owner API on its real paths, the inbox page at `/` and the recorded events at
/// `/events`.
pub fn router(state: Arc<DialogportenState>) -> Router {
    Router::new()
        .route("/", get(view_inbox))
        .route("/events", get(view_events))
        .route(DIALOGS_PATH, post(create_dialog))
        .route(&format!("{DIALOGS_PATH}/{{dialog_id}}"), get(read_dialog))
        .route(
            &format!("{DIALOGS_PATH}/{{dialog_id}}/transmissions"),
            post(create_transmission),
        )
        .with_state(state)
}

async fn authorized(state: &DialogportenState, headers: &HeaderMap) -> bool {
    // One Authorization header, or none: two are refused, as the portal's own API does.
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let value = all.next().and_then(|v| v.to_str().ok());
    all.next().is_none() && state.check.check(value).await
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
    )
        .into_response()
}

/// An RFC 9457 problem, in the shape Dialogporten answers with.
fn problem(status: StatusCode, detail: &str, errors: Option<&Problems>) -> Response {
    let mut body = json!({
        "type": format!("https://httpstatuses.io/{}", status.as_u16()),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let Some(p) = errors {
        body["errors"] = json!(p.0);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn failed(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "Dialogporten stand-in failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The stand-in could not store or read this.",
        None,
    )
}

/// 201 with the new id as a JSON string and its `Location`, as Dialogporten answers.
fn answer(outcome: anyhow::Result<Outcome>, collection: &str) -> Response {
    match outcome {
        Ok(Outcome::Created(id, revision)) => (
            StatusCode::CREATED,
            [
                (header::LOCATION, format!("{collection}/{id}")),
                (header::ETAG, revision.to_string()),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            json!(id.to_string()).to_string(),
        )
            .into_response(),
        Ok(Outcome::Refused(status, detail)) => problem(status, &detail, None),
        Err(e) => failed(e),
    }
}

/// The caller passed the bearer check and sent a readable body, or the answer saying otherwise.
async fn admitted<T: serde::de::DeserializeOwned>(
    state: &DialogportenState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Response> {
    if !authorized(state, headers).await {
        return Err(unauthorized());
    }
    serde_json::from_slice(body).map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            &format!("Unreadable body: {e}"),
            None,
        )
    })
}

/// The answer to a path whose dialog id is no UUID.
fn no_such_dialog() -> Response {
    problem(StatusCode::NOT_FOUND, "No such dialog.", None)
}

async fn create_dialog(
    State(state): State<Arc<DialogportenState>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: DialogRequest = match admitted(&state, &headers, &body).await {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    let dialog = match check_dialog(request) {
        Ok(d) => d,
        Err(p) => return problem(StatusCode::BAD_REQUEST, "Validation failed.", Some(&p)),
    };
    let collection = uri.path().trim_end_matches('/');
    let source = format!("{collection}/{}", dialog.id);
    answer(state.insert_dialog(&dialog, &source).await, collection)
}

async fn create_transmission(
    State(state): State<Arc<DialogportenState>>,
    OriginalUri(uri): OriginalUri,
    UrlPath(raw_id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: TransmissionRequest = match admitted(&state, &headers, &body).await {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    let Ok(id) = Uuid::parse_str(&raw_id) else {
        return no_such_dialog();
    };
    let mut p = Problems::default();
    let transmission = match check_transmission(&mut p, "transmission", request) {
        Some(t) if p.0.is_empty() => t,
        _ => return problem(StatusCode::BAD_REQUEST, "Validation failed.", Some(&p)),
    };
    let collection = uri.path().trim_end_matches('/');
    let source = collection
        .strip_suffix("/transmissions")
        .unwrap_or(collection);
    answer(
        state.add_transmission(id, &transmission, source).await,
        collection,
    )
}

async fn read_dialog(
    State(state): State<Arc<DialogportenState>>,
    UrlPath(raw_id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&state, &headers).await {
        return unauthorized();
    }
    let Ok(id) = Uuid::parse_str(&raw_id) else {
        return no_such_dialog();
    };
    match state.dialog(id).await {
        Ok(Some(d)) => axum::Json(d).into_response(),
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            &format!("No dialog with id {id}."),
            None,
        ),
        Err(e) => failed(e),
    }
}

/// The query of the two pages for people: the inbox's party, the events' subject.
#[derive(Deserialize)]
struct ReadQuery {
    part: Option<String>,
    subject: Option<String>,
}

async fn view_events(
    State(state): State<Arc<DialogportenState>>,
    Query(q): Query<ReadQuery>,
) -> Response {
    match state.events(q.subject.as_deref()).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => failed(e),
    }
}

// ---- The inbox page ----

/// A text as shown: bokmål, or the first language there is (then marked with its `lang`).
struct Shown {
    text: String,
    lang: Option<String>,
}

impl Shown {
    fn of(v: &ContentValue) -> Shown {
        match v.value.iter().find(|l| l.language_code == "nb") {
            Some(l) => Shown {
                text: l.value.clone(),
                lang: None,
            },
            None => Shown {
                text: v.value.first().map(|l| l.value.clone()).unwrap_or_default(),
                lang: v.value.first().map(|l| l.language_code.clone()),
            },
        }
    }
}

/// A moment: machine-readable and as people read it.
struct When {
    iso: String,
    shown: String,
}

impl When {
    fn of(iso: &str) -> When {
        let shown =
            time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
                .ok()
                .and_then(|t| {
                    t.format(time::macros::format_description!(
                        "[day].[month].[year] kl. [hour].[minute] UTC"
                    ))
                    .ok()
                })
                .unwrap_or_else(|| iso.to_owned());
        When {
            iso: iso.to_owned(),
            shown,
        }
    }
}

struct InboxAttachment {
    name: String,
    url: Option<String>,
}

/// The transmission another one answers: its id and title.
struct Related {
    id: String,
    title: String,
}

struct InboxTransmission {
    id: String,
    kind: &'static str,
    title: Shown,
    summary: Option<Shown>,
    created: When,
    /// The transmission it answers.
    related: Option<Related>,
    attachments: Vec<InboxAttachment>,
}

impl InboxTransmission {
    fn of(t: &TransmissionRow, all: &[&TransmissionRow]) -> anyhow::Result<Self> {
        let content: Content = serde_json::from_str(&t.content)?;
        let attachments: Vec<Attachment> = serde_json::from_str(&t.attachments)?;
        let related = match &t.related_transmission_id {
            None => None,
            Some(r) => {
                let title = match all.iter().find(|x| &x.id == r) {
                    Some(x) => {
                        let c: Content = serde_json::from_str(&x.content)?;
                        Shown::of(&c.title).text
                    }
                    None => r.clone(),
                };
                Some(Related {
                    id: r.clone(),
                    title,
                })
            }
        };
        Ok(InboxTransmission {
            id: t.id.clone(),
            kind: transmission_nb(&t.kind),
            title: Shown::of(&content.title),
            summary: content.summary.as_ref().map(Shown::of),
            created: When::of(&t.created_at),
            related,
            attachments: attachments
                .iter()
                .map(|a| InboxAttachment {
                    name: a
                        .display_name
                        .iter()
                        .find(|l| l.language_code == "nb")
                        .or(a.display_name.first())
                        .map(|l| l.value.clone())
                        .unwrap_or_default(),
                    url: a
                        .urls
                        .iter()
                        .find(|u| is_web_url(&u.url))
                        .map(|u| u.url.clone()),
                })
                .collect(),
        })
    }
}

struct InboxDialog {
    id: String,
    title: Shown,
    summary: Option<Shown>,
    status: &'static str,
    reference: Option<String>,
    created: When,
    transmissions: Vec<InboxTransmission>,
}

fn status_nb(s: &str) -> &'static str {
    match s {
        "InProgress" => "Under arbeid",
        "Draft" => "Utkast",
        "RequiresAttention" => "Krever handling",
        "Completed" => "Fullført",
        "NotApplicable" => "Ingen status",
        "Awaiting" => "Venter på svar",
        _ => "Ukjent",
    }
}

fn transmission_nb(kind: &str) -> &'static str {
    match kind {
        "Information" => "Informasjon",
        "Acceptance" => "Godkjent",
        "Rejection" => "Avvist",
        "Request" => "Forespørsel",
        "Alert" => "Varsel",
        "Decision" => "Vedtak",
        "Submission" => "Innsending",
        "Correction" => "Korrigering",
        _ => "Melding",
    }
}

/// The inbox page: plain HTML, no script, every value escaped by the template.
#[derive(Template)]
#[template(
    ext = "html",
    source = r##"<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% if error.is_some() %}Feil – {% endif %}{% if let Some(p) = party %}{{ p }} – {% endif %}Innboks – Dialogporten (innebygd)</title>
</head>
<body>
<main>
<p role="note"><strong>Testdata – bare for utvikling.</strong> Denne siden viser innboksen til hvilken som helst part uten innlogging, og finnes derfor aldri i produksjon.
<span lang="en">Test data, development only: never served in production.</span></p>
<h1>Innboks i Dialogporten</h1>
<p>Dette er den innebygde utgaven av Dialogporten. Her ser du det portalen har levert til innboksen til en part.</p>
<form method="get">
<p><label for="part">Organisasjonsnummer eller fødselsnummer</label><br>
<span id="part-hint">9 siffer for en virksomhet, 11 siffer for en person.</span><br>
{% if let Some(e) = error %}<span id="part-error" role="alert">{{ e }}</span><br>
<input id="part" name="part" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" required value="{{ typed }}" aria-describedby="part-hint part-error" aria-invalid="true">
{% else %}<input id="part" name="part" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" required value="{{ typed }}" aria-describedby="part-hint">
{% endif %}</p>
<p><button type="submit">Vis innboksen</button></p>
</form>
{% if let Some(p) = party %}
<h2>Dialoger for {{ p }}</h2>
{% if dialogs.is_empty() %}<p>Ingen dialoger for denne parten.</p>
{% else %}<ol>
{% for d in dialogs %}<li>
<article aria-labelledby="d-{{ d.id }}">
<h3 id="d-{{ d.id }}"{% if let Some(l) = d.title.lang %} lang="{{ l }}"{% endif %}>{{ d.title.text }}</h3>
{% if let Some(s) = d.summary %}<p{% if let Some(l) = s.lang %} lang="{{ l }}"{% endif %}>{{ s.text }}</p>
{% endif %}<dl>
<dt>Status</dt><dd>{{ d.status }}</dd>
{% if let Some(r) = d.reference %}<dt>Referanse</dt><dd>{{ r }}</dd>
{% endif %}<dt>Opprettet</dt><dd><time datetime="{{ d.created.iso }}">{{ d.created.shown }}</time></dd>
</dl>
{% if d.transmissions.is_empty() %}<p>Ingen forsendelser ennå.</p>
{% else %}<ol aria-label="Forsendelser">
{% for t in d.transmissions %}<li id="t-{{ t.id }}">
<p><strong>{{ t.kind }}:</strong> <span{% if let Some(l) = t.title.lang %} lang="{{ l }}"{% endif %}>{{ t.title.text }}</span>
– <time datetime="{{ t.created.iso }}">{{ t.created.shown }}</time></p>
{% if let Some(s) = t.summary %}<p{% if let Some(l) = s.lang %} lang="{{ l }}"{% endif %}>{{ s.text }}</p>
{% endif %}{% if let Some(r) = t.related %}<p>Svar på: <a href="#t-{{ r.id }}">{{ r.title }}</a></p>
{% endif %}{% if !t.attachments.is_empty() %}<ul aria-label="Vedlegg">
{% for a in t.attachments %}<li>{% if let Some(u) = a.url %}<a href="{{ u }}">{{ a.name }}</a>{% else %}{{ a.name }}{% endif %}</li>
{% endfor %}</ul>
{% endif %}</li>
{% endfor %}</ol>
{% endif %}</article>
</li>
{% endfor %}</ol>
{% endif %}{% endif %}</main>
</body>
</html>
"##
)]
struct InboxView {
    typed: String,
    error: Option<&'static str>,
    party: Option<String>,
    dialogs: Vec<InboxDialog>,
}

/// A party typed by a person: its URN and how it is shown, or what is wrong with it.
fn read_party(input: &str) -> Result<(String, String), &'static str> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err("Skriv inn et organisasjonsnummer eller et fødselsnummer.");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Bruk bare siffer.");
    }
    match digits.len() {
        9 => match Orgnr::parse(&digits) {
            Ok(_) => Ok((format!("{}:{digits}", urn::ORGANISATION), digits)),
            Err(_) => Err("Organisasjonsnummeret finnes ikke: kontrollsifferet stemmer ikke."),
        },
        11 => match Fodselsnummer::parse(&digits) {
            Ok(_) => Ok((format!("{}:{digits}", urn::PERSON), digits)),
            Err(_) => Err("Fødselsnummeret er ikke gyldig. Sjekk at alle 11 siffer er riktige."),
        },
        _ => Err("Et organisasjonsnummer har 9 siffer og et fødselsnummer 11."),
    }
}

async fn view_inbox(
    State(state): State<Arc<DialogportenState>>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let typed = q.part.unwrap_or_default();
    let mut view = InboxView {
        typed: typed.clone(),
        error: None,
        party: None,
        dialogs: Vec::new(),
    };
    let mut status = StatusCode::OK;
    if !typed.is_empty() {
        match read_party(&typed) {
            Ok((party_urn, shown)) => match state.inbox(&party_urn).await {
                Ok(list) => {
                    view.party = Some(shown);
                    view.dialogs = list;
                }
                Err(e) => return failed(e),
            },
            Err(message) => {
                view.error = Some(message);
                status = StatusCode::BAD_REQUEST;
            }
        }
    }
    match view.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => failed(e.into()),
    }
}

fn now_iso() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_urns_need_a_valid_number_and_the_right_prefix() {
        assert!(is_party_urn(
            "urn:altinn:organization:identifier-no:819897522"
        ));
        assert!(is_party_urn("urn:altinn:person:identifier-no:12837810092"));
        for bad in [
            "urn:altinn:organization:identifier-no:819897523",
            "urn:altinn:organization:identifier-no:819 897 522",
            "urn:altinn:organization:identifier-no819897522",
            "urn:altinn:person:identifier-no:12837810093",
            "urn:altinn:person:identifier-no:819897522",
            "org:819897522",
            "",
        ] {
            assert!(!is_party_urn(bad), "{bad}");
        }
    }

    #[test]
    fn a_typed_party_is_read_as_people_write_it() {
        assert_eq!(
            read_party(" 819 897 522 ").unwrap().0,
            "urn:altinn:organization:identifier-no:819897522"
        );
        assert_eq!(
            read_party("12837810092").unwrap().0,
            "urn:altinn:person:identifier-no:12837810092"
        );
        assert!(read_party("819897523").is_err());
        assert!(read_party("8198975").is_err());
        assert!(read_party("abc").is_err());
    }

    #[test]
    fn ids_must_be_uuid_v7_and_not_from_the_future() {
        let mut p = Problems::default();
        check_id(&mut p, "id", Some(Uuid::now_v7()));
        assert!(p.0.is_empty());
        check_id(&mut p, "v4", Some(Uuid::new_v4()));
        let future = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            4_000_000_000,
            0,
        ));
        check_id(&mut p, "future", Some(future));
        assert_eq!(p.0.keys().collect::<Vec<_>>(), ["future", "v4"]);
    }

    #[test]
    fn obsolete_statuses_are_stored_as_their_successors() {
        assert_eq!(stored_status(None), "InProgress");
        assert_eq!(stored_status(Some(DialogStatus::New)), "InProgress");
        assert_eq!(stored_status(Some(DialogStatus::Sent)), "Awaiting");
        assert_eq!(stored_status(Some(DialogStatus::Completed)), "Completed");
    }

    #[test]
    fn only_web_links_are_kept() {
        assert!(is_web_url("https://tasteskjema.example/k.pdf"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
    }
}
