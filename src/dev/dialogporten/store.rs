//! The stand-in's storage: dialogs, transmissions, the CloudEvents they cause and the count of
//! creation requests, in one SQLite file.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use super::checks::{CheckedDialog, CheckedPatch, CheckedTransmission};
use super::{BearerCheck, EVENT_DIALOG_CREATED, EVENT_DIALOG_UPDATED, EVENT_TRANSMISSION_CREATED};

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
    /// Writers take turns here, in order (see `begin`).
    writes: tokio::sync::Mutex<()>,
    pub(super) check: Arc<dyn BearerCheck>,
}

impl std::fmt::Debug for DialogportenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogportenState").finish_non_exhaustive()
    }
}

/// A dialog row.
#[derive(sqlx::FromRow)]
pub(super) struct DialogRow {
    pub(super) id: String,
    idempotent_key: Option<String>,
    service_resource: String,
    party: String,
    pub(super) status: String,
    pub(super) content: String,
    pub(super) external_reference: Option<String>,
    revision: String,
    pub(super) created_at: String,
    updated_at: String,
    /// Creation requests that named it (read only where asked for).
    #[sqlx(default)]
    requests: i64,
}

/// A transmission row.
#[derive(sqlx::FromRow)]
pub(super) struct TransmissionRow {
    pub(super) id: String,
    pub(super) dialog_id: String,
    idempotent_key: Option<String>,
    #[sqlx(rename = "type")]
    pub(super) kind: String,
    pub(super) related_transmission_id: Option<String>,
    sender: String,
    pub(super) content: String,
    pub(super) attachments: String,
    external_reference: Option<String>,
    pub(super) created_at: String,
    /// Creation requests that named it (read only where asked for).
    #[sqlx(default)]
    requests: i64,
}

/// What became of a creation request that was well-formed.
pub(super) enum Outcome {
    /// Stored (or, for a patch, applied); the id and the dialog's new revision.
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
        Ok(DialogportenState {
            pool,
            writes: tokio::sync::Mutex::new(()),
            check,
        })
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

    /// A write transaction, once the writers before it are done: one writer at a time, so a
    /// transaction that reads and then writes never finds another writer in its way.
    ///
    /// Not `begin_with("BEGIN IMMEDIATE")`: in sqlx-sqlite 0.8.6 a call cancelled after its
    /// `BEGIN` ran but before it returned (a client gone away) leaves the pooled connection
    /// inside a transaction nobody owns, and every later `begin_with` on it fails. A plain
    /// `begin` has no such gap, and a `Transaction` dropped unfinished is rolled back.
    async fn begin(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            Transaction<'static, Sqlite>,
        ),
        sqlx::Error,
    > {
        let turn = self.writes.lock().await;
        Ok((turn, self.pool.begin().await?))
    }

    pub(super) async fn insert_dialog(
        &self,
        d: &CheckedDialog,
        source: &str,
    ) -> anyhow::Result<Outcome> {
        let id = d.id.to_string();
        let (_turn, mut tx) = self.begin().await?;
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

    pub(super) async fn add_transmission(
        &self,
        dialog_id: Uuid,
        t: &CheckedTransmission,
        source: &str,
    ) -> anyhow::Result<Outcome> {
        let did = dialog_id.to_string();
        let (_turn, mut tx) = self.begin().await?;
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
        let revision = new_revision(&mut tx, &did, None, &now).await?;
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

    /// Applies a checked patch to dialog `id`: its `test`s against the status it has, then the new
    /// status, as one change with a new revision and a `dialog.updated` event (none when the status
    /// is the one it had). `if_match` is the
    /// revision the caller last saw (`If-Match`), when it sent one.
    pub(super) async fn patch_dialog(
        &self,
        id: Uuid,
        if_match: Option<Uuid>,
        patch: &CheckedPatch,
        source: &str,
    ) -> anyhow::Result<Outcome> {
        let did = id.to_string();
        let (_turn, mut tx) = self.begin().await?;
        let dialog: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT service_resource, party, status, revision FROM dialogs WHERE id = $1",
        )
        .bind(&did)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((service_resource, party, status, revision)) = dialog else {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::NOT_FOUND,
                format!("No dialog with id {did}."),
            ));
        };
        if if_match.is_some_and(|r| r.to_string() != revision) {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::PRECONDITION_FAILED,
                format!("The supplied revision does not match the dialog's revision {revision}."),
            ));
        }
        if let Some(expected) = patch.tests.iter().find(|t| **t != status) {
            tx.commit().await?;
            return Ok(Outcome::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The test of /status failed: it is {status}, not {expected}."),
            ));
        }
        // A patch that only tests, or sets the status the dialog has, changes nothing: no new
        // revision, no event (a repeated delivery is not news to anyone).
        let Some(new_status) = patch.status.filter(|s| *s != status) else {
            tx.commit().await?;
            return Ok(Outcome::Created(id, revision.parse()?));
        };
        let now = now_iso();
        let revision = new_revision(&mut tx, &did, Some(new_status), &now).await?;
        let owner = EventOwner {
            id,
            service_resource: &service_resource,
            party: &party,
        };
        record(
            &mut tx,
            cloud_event(EVENT_DIALOG_UPDATED, &owner, source, &now, None),
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Created(id, revision))
    }

    /// The party's dialogs, newest first, and all their transmissions in order.
    pub(super) async fn party_dialogs(
        &self,
        party: &str,
    ) -> anyhow::Result<(Vec<DialogRow>, Vec<TransmissionRow>)> {
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
        Ok((dialogs, rows))
    }
}

/// Marks dialog `id` changed at `now` (and sets its status, when one is given): its new revision.
async fn new_revision(
    tx: &mut Transaction<'_, Sqlite>,
    id: &str,
    status: Option<&str>,
    now: &str,
) -> sqlx::Result<Uuid> {
    let revision = Uuid::new_v4();
    sqlx::query(
        "UPDATE dialogs SET status = COALESCE($1, status), revision = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(status)
    .bind(revision.to_string())
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(revision)
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
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    /// Polls `f` until it has said "not yet" `times` times (letting the runtime and the SQLite
    /// worker threads run in between), then drops it: a request whose client went away.
    async fn cancelled_after<F: Future>(f: F, times: usize) {
        let mut f = pin!(f);
        let mut pending = 0;
        std::future::poll_fn(|cx: &mut Context<'_>| match f.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(()),
            Poll::Pending if pending >= times => Poll::Ready(()),
            Poll::Pending => {
                pending += 1;
                Poll::Pending
            }
        })
        .await;
    }

    /// A write cut off at any point leaves no connection of the pool inside a transaction: every
    /// later write works, and what was cut off is all or nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_cancelled_midway_leaves_the_pool_usable() {
        let dir = tempfile::tempdir().unwrap();
        let state = DialogportenState::open(
            dir.path().join("d.sqlite"),
            Arc::new(super::super::AllowAny),
        )
        .await
        .unwrap();
        let write = |i: usize| {
            let state = &state;
            async move {
                let (_turn, mut tx) = state.begin().await?;
                sqlx::query("INSERT INTO events (id, subject, event) VALUES ($1, 's', '{}')")
                    .bind(format!("a{i}"))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO events (id, subject, event) VALUES ($1, 's', '{}')")
                    .bind(format!("b{i}"))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(())
            }
        };
        for i in 0..400 {
            cancelled_after(write(i), i % 12).await;
            tokio::task::yield_now().await;
        }
        // Every connection of the pool gets a turn.
        for i in 400..420 {
            tokio::time::timeout(Duration::from_secs(20), write(i))
                .await
                .expect("a write after the cancelled ones finishes (no transaction left open)")
                .expect("a write after the cancelled ones");
        }
        let (a, b): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM events WHERE id LIKE 'a%'), \
                    (SELECT COUNT(*) FROM events WHERE id LIKE 'b%')",
        )
        .fetch_one(&state.pool)
        .await
        .unwrap();
        assert_eq!(a, b, "a cancelled write is all or nothing");
        assert!(a >= 20);
    }
}
