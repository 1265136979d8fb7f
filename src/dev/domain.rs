//! A simulated domain system for every service area, as a real HTTP service (see
//! [`crate::intake::domain`] for the protocol). It keeps what it received in its own SQLite file,
//! so a restart of the process loses nothing, applies a few business checks of the kind the real
//! systems make, and answers with feedback once a configurable delay has passed.
//!
//! Checks on third-party reports (anything with `leveranse[…].oppgave[]`): the same owner reported
//! twice in one delivery, and the reporting body listed as an owner of itself. Everything else is
//! accepted.
//!
//! Attached files arrive before their submission (`PUT …/vedlegg/{sha256}`); their SHA-256 is
//! checked and recorded, and a submission describing a file that has not arrived is refused.
//!
//! For trying failures, `POST /nede?sekunder=N` makes it answer 503 for N seconds.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::decisions::{Received, decide};
use super::registry::Registry;
use crate::clock::now_ms;
use crate::intake::domain::{Feedback, Melding};

/// The stand-in's state: its database and how long processing takes.
#[derive(Debug)]
pub struct DomainState {
    pool: SqlitePool,
    delay: Duration,
    registry: Option<Arc<Registry>>,
}

impl DomainState {
    /// Opens (or creates) the stand-in's database at `path`; feedback is ready `delay` after a
    /// submission arrives.
    pub async fn open(path: &Path, delay: Duration) -> anyhow::Result<DomainState> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        for sql in [
            "CREATE TABLE IF NOT EXISTS received (id TEXT PRIMARY KEY, area TEXT NOT NULL, body TEXT NOT NULL, \
             received_at BIGINT NOT NULL, requests BIGINT NOT NULL, feedback TEXT)",
            // Files are checked and counted, not kept: their hash and size are what is recorded.
            "CREATE TABLE IF NOT EXISTS files (submission_id TEXT NOT NULL, sha256 TEXT NOT NULL, \
             size BIGINT NOT NULL, media_type TEXT NOT NULL, PRIMARY KEY (submission_id, sha256))",
            // The documents a decision issued (certificates), served until the portal has them.
            "CREATE TABLE IF NOT EXISTS documents (submission_id TEXT NOT NULL, id TEXT NOT NULL, \
             media_type TEXT NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (submission_id, id))",
            "CREATE TABLE IF NOT EXISTS outage (id INTEGER PRIMARY KEY CHECK (id = 1), until BIGINT NOT NULL)",
        ] {
            sqlx::query(sql).execute(&pool).await?;
        }
        Ok(DomainState {
            pool,
            delay,
            registry: None,
        })
    }

    /// Reads what the registry knows of a party (its MVA registration, for a certificate).
    pub fn with_registry(mut self, registry: Arc<Registry>) -> DomainState {
        self.registry = Some(registry);
        self
    }

    async fn down(&self) -> bool {
        let until: Option<(i64,)> = sqlx::query_as("SELECT until FROM outage WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten();
        until.is_some_and(|(u,)| u > now_ms())
    }
}

/// The stand-in's routes (mounted under `/dev/domene`).
pub fn router(state: Arc<DomainState>) -> Router {
    Router::new()
        .route("/{area}/innsendinger", post(receive))
        .route("/{area}/innsendinger/{id}/tilbakemelding", get(feedback))
        .route(
            "/{area}/innsendinger/{id}/vedlegg/{sha256}",
            axum::routing::put(receive_file),
        )
        .route("/{area}/innsendinger/{id}/dokumenter/{doc}", get(document))
        .route("/nede", post(outage))
        .route("/stats", get(stats))
        .with_state(state)
}

fn unavailable() -> Response {
    let mut r = (StatusCode::SERVICE_UNAVAILABLE, "nede").into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "domain stand-in failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn receive(
    State(state): State<Arc<DomainState>>,
    UrlPath(area): UrlPath<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if state.down().await {
        return unavailable();
    }
    let Some(id) = body.get("id").and_then(Value::as_str).map(str::to_owned) else {
        return (StatusCode::BAD_REQUEST, "id mangler").into_response();
    };
    if uuid::Uuid::parse_str(&id).is_err() || body.get("dokument").is_none() {
        return (StatusCode::BAD_REQUEST, "ugyldig innsending").into_response();
    }
    // Every file the document describes must have arrived first.
    let mut described = Vec::new();
    described_files(&body["dokument"], &mut described);
    for sha in described {
        let have: Result<Option<(i64,)>, _> =
            sqlx::query_as("SELECT size FROM files WHERE submission_id = $1 AND sha256 = $2")
                .bind(&id)
                .bind(&sha)
                .fetch_optional(&state.pool)
                .await;
        match have {
            Ok(Some(_)) => {}
            Ok(None) => {
                return (StatusCode::CONFLICT, format!("vedlegget {sha} mangler")).into_response();
            }
            Err(e) => return internal(e),
        }
    }
    // A repeat counts, but is not stored twice.
    let sql = "INSERT INTO received (id, area, body, received_at, requests) VALUES ($1, $2, $3, $4, 1) \
               ON CONFLICT (id) DO UPDATE SET requests = requests + 1";
    match sqlx::query(sql)
        .bind(&id)
        .bind(&area)
        .bind(body.to_string())
        .bind(now_ms())
        .execute(&state.pool)
        .await
    {
        Ok(_) => (StatusCode::ACCEPTED, axum::Json(json!({ "id": id }))).into_response(),
        Err(e) => internal(e),
    }
}

/// The SHA-256 of every file a document describes (`{filnavn, mediatype, storrelse, sha256}`).
fn described_files(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(sha)), true) = (m.get("sha256"), m.contains_key("filnavn")) {
                out.push(sha.clone());
            }
            m.values().for_each(|v| described_files(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| described_files(v, out)),
        _ => {}
    }
}

/// One file of a submission, streamed: its SHA-256 must be the one in the address.
async fn receive_file(
    State(state): State<Arc<DomainState>>,
    UrlPath((_area, id, sha256)): UrlPath<(String, String, String)>,
    req: axum::extract::Request,
) -> Response {
    use futures_util::StreamExt;
    use sha2::{Digest, Sha256};
    if state.down().await {
        return unavailable();
    }
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut hash = Sha256::new();
    let mut size = 0i64;
    let mut body = req.into_body().into_data_stream();
    while let Some(piece) = body.next().await {
        match piece {
            Ok(b) => {
                size += b.len() as i64;
                hash.update(&b);
            }
            Err(_) => return (StatusCode::BAD_REQUEST, "avbrutt").into_response(),
        }
    }
    if hex::encode(hash.finalize()) != sha256 {
        return (StatusCode::UNPROCESSABLE_ENTITY, "sha256 stemmer ikke").into_response();
    }
    let sql = "INSERT INTO files (submission_id, sha256, size, media_type) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (submission_id, sha256) DO NOTHING";
    match sqlx::query(sql)
        .bind(&id)
        .bind(&sha256)
        .bind(size)
        .bind(&media_type)
        .execute(&state.pool)
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => internal(e),
    }
}

async fn feedback(
    State(state): State<Arc<DomainState>>,
    UrlPath((area, id)): UrlPath<(String, String)>,
) -> Response {
    if state.down().await {
        return unavailable();
    }
    let row: Option<(String, i64, Option<String>)> = match sqlx::query_as(
        "SELECT body, received_at, feedback FROM received WHERE id = $1 AND area = $2",
    )
    .bind(&id)
    .bind(&area)
    .fetch_optional(&state.pool)
    .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let Some((body, received_at, stored)) = row else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(f) = stored {
        return ([(header::CONTENT_TYPE, "application/json")], f).into_response();
    }
    if now_ms() < received_at + state.delay.as_millis() as i64 {
        let mut r = StatusCode::ACCEPTED.into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let dokument = body.get("dokument").unwrap_or(&Value::Null);
    let meldinger = check(dokument);
    let skjema = body
        .get("skjema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let decision = if meldinger.is_empty() {
        let received = Received {
            id: &id,
            form: skjema,
            document: dokument,
            party: body.get("part").and_then(Value::as_str).unwrap_or_default(),
            party_name: body.get("partnavn").and_then(Value::as_str),
            received_at,
        };
        match decide(&received, state.registry.as_deref()) {
            Ok(d) => d,
            Err(e) => return internal(format!("deciding: {e:#}")),
        }
    } else {
        None
    };
    // The documents first, so that feedback naming them is never served without them. A
    // decision depends only on what was received, so a second poll writes the same bytes.
    for (doc_id, bytes) in decision.iter().flat_map(|d| &d.documents) {
        let sql = "INSERT INTO documents (submission_id, id, media_type, bytes) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (submission_id, id) DO NOTHING";
        if let Err(e) = sqlx::query(sql)
            .bind(&id)
            .bind(doc_id)
            .bind("application/pdf")
            .bind(bytes)
            .execute(&state.pool)
            .await
        {
            return internal(e);
        }
    }
    let vedtak = decision.map(|d| d.vedtak);
    let f = Feedback {
        vedtak,
        id: uuid::Uuid::new_v4().to_string(),
        innsending_id: id.clone(),
        status: if meldinger.is_empty() {
            "godkjent"
        } else {
            "avvist"
        }
        .to_owned(),
        meldinger,
        transmission_id: None,
    };
    let text = serde_json::to_string(&f).unwrap_or_default();
    // Decided once: a second poll (or a poll after a restart) gets the same document.
    let sql = "UPDATE received SET feedback = COALESCE(feedback, $1) WHERE id = $2";
    if let Err(e) = sqlx::query(sql)
        .bind(&text)
        .bind(&id)
        .execute(&state.pool)
        .await
    {
        return internal(e);
    }
    let stored: Result<(Option<String>,), _> =
        sqlx::query_as("SELECT feedback FROM received WHERE id = $1")
            .bind(&id)
            .fetch_one(&state.pool)
            .await;
    match stored {
        Ok((Some(f),)) => ([(header::CONTENT_TYPE, "application/json")], f).into_response(),
        Ok((None,)) => internal("feedback vanished"),
        Err(e) => internal(e),
    }
}

/// A document a decision issued, by the submission it answers.
async fn document(
    State(state): State<Arc<DomainState>>,
    UrlPath((_area, id, doc)): UrlPath<(String, String, String)>,
) -> Response {
    if state.down().await {
        return unavailable();
    }
    let row: Result<Option<(String, Vec<u8>)>, _> = sqlx::query_as(
        "SELECT media_type, bytes FROM documents WHERE submission_id = $1 AND id = $2",
    )
    .bind(&id)
    .bind(&doc)
    .fetch_optional(&state.pool)
    .await;
    match row {
        Ok(Some((media_type, bytes))) => {
            ([(header::CONTENT_TYPE, media_type)], bytes).into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => internal(e),
    }
}

/// The business checks on a document.
pub fn check(doc: &Value) -> Vec<Melding> {
    let deliveries: Vec<(String, &Value)> = match doc.get("leveranse") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("leveranse[{i}]"), l))
            .collect(),
        Some(l @ Value::Object(_)) => vec![("leveranse".to_owned(), l)],
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (at, l) in deliveries {
        let reporter = l
            .pointer("/oppgavegiver/organisasjonsnummer")
            .and_then(Value::as_str);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (j, task) in l
            .get("oppgave")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let owner = task.get("oppgaveeier");
            for key in ["foedselsnummer", "organisasjonsnummer"] {
                let Some(id) = owner.and_then(|o| o.get(key)).and_then(Value::as_str) else {
                    continue;
                };
                let sti = format!("{at}.oppgave[{j}].oppgaveeier.{key}");
                if let Some(first) = seen.insert(id, j) {
                    out.push(Melding {
                        kode: "DUPLIKAT_EIER".into(),
                        melding: format!(
                            "Eieren er allerede oppgitt i oppgave {} i samme leveranse.",
                            first + 1
                        ),
                        sti: Some(sti.clone()),
                    });
                }
                if key == "organisasjonsnummer" && Some(id) == reporter {
                    out.push(Melding {
                        kode: "EIER_ER_OPPGAVEGIVER".into(),
                        melding: "Oppgavegiveren kan ikke oppgis som eier i sin egen leveranse."
                            .into(),
                        sti: Some(sti),
                    });
                }
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct OutageQuery {
    sekunder: u64,
}

async fn outage(State(state): State<Arc<DomainState>>, Query(q): Query<OutageQuery>) -> Response {
    let until = now_ms() + (q.sekunder.min(3600) * 1000) as i64;
    let sql =
        "INSERT INTO outage (id, until) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET until = $1";
    match sqlx::query(sql).bind(until).execute(&state.pool).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => internal(e),
    }
}

/// How many delivery requests arrived per submission (a repeat counts; it is stored once).
async fn stats(State(state): State<Arc<DomainState>>) -> Response {
    let rows: Result<Vec<(String, i64, i64)>, _> = sqlx::query_as(
        "SELECT id, requests, (SELECT COUNT(*) FROM files WHERE submission_id = received.id) \
         FROM received ORDER BY received_at",
    )
    .fetch_all(&state.pool)
    .await;
    match rows {
        Ok(rows) => axum::Json(
            rows.into_iter()
                .map(|(id, n, files)| json!({ "id": id, "requests": n, "files": files }))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_twice_and_the_reporter_as_owner_are_refused() {
        let doc = json!({"leveranse": {
            "oppgavegiver": {"organisasjonsnummer": "819897522"},
            "oppgave": [
                {"oppgaveeier": {"foedselsnummer": "12837810092"}},
                {"oppgaveeier": {"organisasjonsnummer": "819897522"}},
                {"oppgaveeier": {"foedselsnummer": "12837810092"}}
            ]
        }});
        let m = check(&doc);
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m[0].kode, "EIER_ER_OPPGAVEGIVER");
        assert_eq!(
            m[0].sti.as_deref(),
            Some("leveranse.oppgave[1].oppgaveeier.organisasjonsnummer")
        );
        assert_eq!(m[1].kode, "DUPLIKAT_EIER");
        assert_eq!(
            m[1].sti.as_deref(),
            Some("leveranse.oppgave[2].oppgaveeier.foedselsnummer")
        );
        assert!(check(&json!({"henvendelse": {"emne": "x"}})).is_empty());
    }
}
