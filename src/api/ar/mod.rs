//! Skatteetaten's API for the aksjonærregisteroppgave (RF-1086): a delivery in steps, under the
//! form's `[api] base`, for a form whose `[api] delivery` is `aksjonaerregister`.
//!
//! - `POST {base}/v1/{inntektsaar}/1086H` with the hovedskjema (XML) opens a delivery:
//!   `{"hovedskjemaid": …}`. It is stored as open, and nothing else happens with it.
//! - `POST {base}/v1/{inntektsaar}/{hovedskjemaid}/1086U` adds one underskjema (one shareholder):
//!   `{"underskjemaid": …}`.
//! - `POST {base}/v1/{inntektsaar}/{hovedskjemaid}/bekreft?antall_underskjema=N`: when N is the
//!   number received, the whole delivery, as the form's JSON document, goes through the one intake
//!   like any other submission (validation, PDP, one transaction with its receipt and outbox jobs,
//!   which confirms the delivery), answered like a `Leveransebekreftelse`.
//! - `GET …/{hovedskjemaid}/dokumenter?side=N` lists its documents, 50 a page, the hovedskjema
//!   first; `GET …/{hovedskjemaid}/dokumenter/{id}` gives one as it was sent.
//! - `POST …/validering` beside each step: the same checks, storing nothing.
//!
//! Every call is a system user's with the form's scope whom the PDP lets act for its
//! organisation; a delivery is its organisation's only (another gets 404). Each step is
//! idempotent by its `idempotencyKey`. Each document is read and checked as it comes (its errors
//! at its elements), and the whole delivery again when it is confirmed; an open delivery expires
//! `ar_open_hours` after it was opened (410, and then gone: the outbox workers delete it).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::caller::{Caller, authorized, check_xml_headers, supported_year};
use super::error::{ApiError, Feilspesifisering, content_error, submit_error, too_large};
use super::{ApiState, ApiSubmission, check, submit};
use crate::auth::altinn::action;
use crate::form::Form;
use crate::form::definition::ApiSpec;
use crate::form::validate::{FieldError, Scope, validate};
use crate::intake::ar::{self, Read, Skjema, text_of, xml};
use crate::intake::{Receipt, SubmitError};
use crate::security::RequestId;
use crate::store::{NewPart, NewStaged, StagedRow, Step};

/// Documents in a page of `GET …/dokumenter`.
const PAGE: i64 = 50;

/// The routes of the form's API, under its base.
pub(super) fn routes(form: &Form, api: &ApiSpec) -> Router<ApiState> {
    let at = |rest: &str| format!("{}/v1/{{inntektsaar}}{rest}", api.base);
    let id = |f: &Form| f.id.clone();
    let (a, b, c, d, e, f, g, h) = (
        id(form),
        id(form),
        id(form),
        id(form),
        id(form),
        id(form),
        id(form),
        id(form),
    );
    Router::new()
        .route(
            &at("/1086H"),
            post(move |s, p, rid, req| hovedskjema(s, a.clone(), p, rid, req, true)),
        )
        .route(
            &at("/1086H/validering"),
            post(move |s, p, rid, req| hovedskjema(s, b.clone(), p, rid, req, false)),
        )
        .route(
            &at("/{hovedskjemaid}/1086U"),
            post(move |s, p, rid, req| underskjema(s, c.clone(), p, rid, req, true)),
        )
        .route(
            &at("/{hovedskjemaid}/1086U/validering"),
            post(move |s, p, rid, req| underskjema(s, d.clone(), p, rid, req, false)),
        )
        .route(
            &at("/{hovedskjemaid}/bekreft"),
            post(move |s, p, q, rid, hd| bekreft(s, e.clone(), p, q, rid, hd, true)),
        )
        .route(
            &at("/{hovedskjemaid}/bekreft/validering"),
            post(move |s, p, q, rid, hd| bekreft(s, f.clone(), p, q, rid, hd, false)),
        )
        .route(
            &at("/{hovedskjemaid}/dokumenter"),
            get(move |s, p, q, hd| dokumenter(s, g.clone(), p, q, hd)),
        )
        .route(
            &at("/{hovedskjemaid}/dokumenter/{dokumentid}"),
            get(move |s, p, hd| dokument(s, h.clone(), p, hd)),
        )
}

/// A call checked up to its body: the form, the caller (token and PDP, asked before anything
/// else), the headers, and the income year in the address.
struct Call {
    form: Arc<Form>,
    caller: Caller,
    /// The step's key as stored: `api:<party>:<form>:<idempotencyKey>`.
    key: String,
    year: i64,
}

impl Call {
    fn party(&self) -> String {
        self.caller.party.key()
    }

    /// The submission the confirmation makes, with the caller's key as given.
    fn submission<'a>(
        &'a self,
        doc: &'a Value,
        key: &'a str,
        respond: &'a (dyn Fn(&Receipt) -> Value + Sync),
        staged: (&'a str, i64),
    ) -> ApiSubmission<'a> {
        let mut s = ApiSubmission::of(
            &self.form,
            &self.caller,
            crate::intake::Document::Whole(doc),
            key,
            None,
            respond,
        );
        s.staged = Some(staged);
        s
    }
}

async fn begin(
    state: &ApiState,
    form_id: &str,
    year: &str,
    headers: &HeaderMap,
    body: bool,
) -> Result<(Call, String), ApiError> {
    let form = state
        .catalog
        .latest(form_id)
        .ok_or_else(|| ApiError::internal("a routed form is gone"))?
        .clone();
    let caller = authorized(state, headers, &form, action::WRITE).await?;
    let key = check_xml_headers(headers, body)?;
    let year = i64::from(supported_year(&form, year)?);
    let stored = format!("api:{}:{}:{key}", caller.party.key(), form.id);
    Ok((
        Call {
            form,
            caller,
            key: stored,
            year,
        },
        key,
    ))
}

/// The body, up to the portal's limit.
async fn body_of(state: &ApiState, req: axum::extract::Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), state.uploads.body_limit)
        .await
        .map_err(|_| too_large())
}

/// A document that is not XML, not this document, or has elements the portal does not take.
fn unreadable(problems: Vec<xml::Problem>) -> ApiError {
    content_error(problems.into_iter().map(|p| Feilspesifisering {
        kode: p.kode.to_owned(),
        melding: p.melding,
        sti: p.sti,
        angitt_verdi: p.angitt,
    }))
}

/// A validation error at the element its field came from, with the value given.
fn at_element(e: &FieldError, sti: String, given: Option<String>) -> Feilspesifisering {
    Feilspesifisering {
        kode: e.kind.code().to_owned(),
        melding: e.message(crate::form::Lang::Nb),
        sti: Some(sti),
        angitt_verdi: given,
    }
}

/// The income year a document gives must be the one in the address.
fn same_year(read: &Read, year: i64) -> Result<(), ApiError> {
    match read.doc["selskap"]["inntektsaar"].as_i64() {
        Some(y) if y != year => Err(content_error(vec![Feilspesifisering {
            kode: "GLD_1052".into(),
            melding: format!("Inntektsåret i skjemaet må være {year}, som i adressen."),
            sti: Some(read.sti("selskap.inntektsaar")),
            angitt_verdi: Some(y.to_string()),
        }])),
        _ => Ok(()),
    }
}

/// `POST …/1086H` (and `…/1086H/validering` when not `store`): reads and checks the hovedskjema,
/// then opens the delivery.
async fn hovedskjema(
    State(state): State<ApiState>,
    form_id: String,
    Path(year): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
    store: bool,
) -> Result<Response, ApiError> {
    let headers = req.headers().clone();
    let (call, _) = begin(&state, &form_id, &year, &headers, true).await?;
    // Only now, with the caller known and allowed, is the body read.
    let body = body_of(&state, req).await?;
    let read = xml::read(Skjema::Hoved, &body).map_err(unreadable)?;
    same_year(&read, call.year)?;
    // The hovedskjema's own checks: what needs the underskjemaer waits for the confirmation.
    let ctx = crate::intake::context(Some(&call.caller.party));
    let errors: Vec<Feilspesifisering> = validate(&call.form, &read.doc, Scope::All, &ctx)
        .iter()
        .filter(|e| !ar::is_sub(&e.path, false))
        .map(|e| {
            let path = crate::form::expr::format_path(&e.path);
            at_element(e, read.sti(&path), text_of(&read.doc, &e.path))
        })
        .collect();
    if !errors.is_empty() {
        return Err(content_error(errors));
    }
    if !store {
        return Ok(Json(json!({
            "skjematype": Skjema::Hoved.api_type(),
            "organisasjonsnummer": read.doc["selskap"]["organisasjonsnummer"],
            "inntektsaar": call.year,
        }))
        .into_response());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let document = read.doc.to_string();
    let now = crate::clock::now_ms();
    let party = call.party();
    let submitter = crate::intake::subject_key(&call.caller.subject);
    let body = std::str::from_utf8(&body).map_err(ApiError::internal)?;
    let sha256 = crate::intake::canonical::sha256_hex(body.as_bytes());
    let row = NewStaged {
        id: &id,
        form_id: &call.form.id,
        form_version: &call.form.version,
        party: &party,
        submitter: &submitter,
        year: call.year,
        document: &document,
        key: &call.key,
        sha256: &sha256,
        body,
        created_at: now,
        expires_at: now.saturating_add(state.staged_open_ms),
    };
    let actor = crate::store::Actor {
        person: None,
        party: Some(&party),
        employee: None,
    };
    match state
        .store
        .open_staged(&row, &actor, &rid)
        .await
        .map_err(ApiError::db)?
    {
        Step::New(id) => {
            tracing::info!(delivery = %id, form = %call.form.id, "staged delivery opened");
            Ok((StatusCode::CREATED, Json(json!({ "hovedskjemaid": id }))).into_response())
        }
        Step::Repeat(id) => Ok(Json(json!({ "hovedskjemaid": id })).into_response()),
        Step::KeyTaken => Err(key_reused()),
        Step::NotOpen => Err(ApiError::internal("a new delivery was not open")),
    }
}

fn key_reused() -> ApiError {
    submit_error(SubmitError::KeyReused, &Value::Null)
}

/// `GLD_021` with a detail: no such delivery for this organisation and income year.
fn no_delivery() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "GLD_021",
        "Finner ikke forespurt ressurs.",
    )
    .detail(
        "GLD_1016",
        "Det finnes ikke et hovedskjema med denne IDen for denne oppgavegiveren og dette inntektsåret.",
        Some("hovedskjemaid"),
    )
}

/// 410: the delivery was not confirmed in time.
fn expired(row: &StagedRow) -> ApiError {
    let when = crate::i18n::when(row.expires_at, crate::form::Lang::Nb);
    ApiError::new(
        StatusCode::GONE,
        "GLD_021",
        "Innsendingen finnes ikke lenger.",
    )
    .detail(
        "GLD_1016",
        format!(
            "Innsendingen ble ikke bekreftet innen fristen ({when}) og er slettet. Send hovedskjemaet på nytt med en ny idempotencyKey, og deretter underskjemaene."
        ),
        Some("hovedskjemaid"),
    )
}

/// 409: the delivery is confirmed; it takes nothing more.
fn already_confirmed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "GLD_006",
        "Feil i forespørselen.",
    )
    .detail(
        "GLD_1053",
        "Innsendingen er allerede bekreftet. Den kan ikke endres; send en ny aksjonærregisteroppgave med et nytt hovedskjema.",
        Some("hovedskjemaid"),
    )
}

/// The caller's delivery with this id and income year, whatever its state: another
/// organisation's, another year's or a deleted one is not found.
async fn delivery_of(
    state: &ApiState,
    id: &str,
    party: &str,
    year: i64,
) -> Result<StagedRow, ApiError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(no_delivery());
    }
    state
        .store
        .staged(id, party)
        .await
        .map_err(ApiError::db)?
        .filter(|d| d.year == year)
        .ok_or_else(no_delivery)
}

/// The answer when a delivery turned out not to be open: why.
async fn not_open(state: &ApiState, id: &str, call: &Call) -> ApiError {
    match delivery_of(state, id, &call.party(), call.year).await {
        Ok(d) if d.is_confirmed() => already_confirmed(),
        Ok(d) if d.is_expired(crate::clock::now_ms()) => expired(&d),
        Ok(_) => ApiError::new(
            StatusCode::CONFLICT,
            "GLD_006",
            "Innsendingen ble endret samtidig. Prøv igjen.",
        ),
        Err(e) => e,
    }
}

/// `POST …/{hovedskjemaid}/1086U` (and `…/validering` when not `store`): reads the underskjema,
/// checks it against the hovedskjema and on its own, then adds it to the open delivery.
async fn underskjema(
    State(state): State<ApiState>,
    form_id: String,
    Path((year, id)): Path<(String, String)>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
    store: bool,
) -> Result<Response, ApiError> {
    let headers = req.headers().clone();
    let (call, _) = begin(&state, &form_id, &year, &headers, true).await?;
    let delivery = delivery_of(&state, &id, &call.party(), call.year).await?;
    let now = crate::clock::now_ms();
    if delivery.is_expired(now) {
        return Err(expired(&delivery));
    }
    if !store && delivery.is_confirmed() {
        return Err(already_confirmed());
    }
    let body = body_of(&state, req).await?;
    let read = xml::read(Skjema::Under, &body).map_err(unreadable)?;
    same_year(&read, call.year)?;
    let main: Value = serde_json::from_str(&delivery.document).map_err(ApiError::internal)?;
    let wrong = ar::same_company(&read, &main);
    if !wrong.is_empty() {
        return Err(unreadable(wrong));
    }
    // The shareholder's own checks, in the hovedskjema's document as the only one: what needs
    // them all (their shares adding up) waits for the confirmation.
    let part = Value::Object(ar::part_of(&read));
    let (doc, _) =
        ar::assemble(&delivery.document, &[part.to_string()]).map_err(ApiError::internal)?;
    let ctx = crate::intake::context(Some(&call.caller.party));
    let errors: Vec<Feilspesifisering> = validate(&call.form, &doc, Scope::All, &ctx)
        .iter()
        .filter(|e| ar::is_sub(&e.path, true))
        .map(|e| {
            let path = crate::form::expr::format_path(&e.path);
            at_element(e, read.sti(&path), text_of(&doc, &e.path))
        })
        .collect();
    if !errors.is_empty() {
        return Err(content_error(errors));
    }
    if !store {
        return Ok(Json(json!({
            "skjematype": Skjema::Under.api_type(),
            "hovedskjemaid": delivery.id,
        }))
        .into_response());
    }
    let part_id = uuid::Uuid::now_v7().to_string();
    let party = call.party();
    let body = std::str::from_utf8(&body).map_err(ApiError::internal)?;
    let sha256 = crate::intake::canonical::sha256_hex(body.as_bytes());
    let document = part.to_string();
    let row = NewPart {
        id: &part_id,
        delivery: &delivery.id,
        party: &party,
        key: &call.key,
        sha256: &sha256,
        body,
        document: &document,
        created_at: now,
    };
    let actor = crate::store::Actor {
        person: None,
        party: Some(&party),
        employee: None,
    };
    match state
        .store
        .add_staged_part(&row, &actor, &rid)
        .await
        .map_err(ApiError::db)?
    {
        Step::New(id) => {
            Ok((StatusCode::CREATED, Json(json!({ "underskjemaid": id }))).into_response())
        }
        Step::Repeat(id) => Ok(Json(json!({ "underskjemaid": id })).into_response()),
        Step::KeyTaken => Err(key_reused()),
        Step::NotOpen => Err(not_open(&state, &delivery.id, &call).await),
    }
}

/// A whole number of at least `min` named `name` in the query: `None` when it is not there,
/// `GLD_011` with `GLD_1022` when it is not such a number.
fn query_number(query: Option<&str>, name: &str, min: i64) -> Result<Option<i64>, ApiError> {
    let given = query.and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    });
    let Some(given) = given else {
        return Ok(None);
    };
    match given.trim().parse::<i64>().ok().filter(|n| *n >= min) {
        Some(n) => Ok(Some(n)),
        None => {
            let mut e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "GLD_011",
                "Feil i metadata for forespørselen.",
            );
            e.push(Feilspesifisering {
                kode: "GLD_1022".into(),
                melding: format!("{name} må være et helt tall, {min} eller mer."),
                sti: Some(name.into()),
                angitt_verdi: Some(given),
            });
            Err(e)
        }
    }
}

/// `antall_underskjema` from the query.
fn count_of(query: Option<&str>) -> Result<i64, ApiError> {
    query_number(query, "antall_underskjema", 0)?.ok_or_else(|| {
        ApiError::metadata(
            StatusCode::BAD_REQUEST,
            "GLD_1022",
            "Parameteren antall_underskjema mangler.",
            Some("antall_underskjema"),
        )
    })
}

/// `POST …/{hovedskjemaid}/bekreft?antall_underskjema=N` (and `…/validering` when not `store`):
/// the whole delivery through the one intake, when the count is right.
async fn bekreft(
    State(state): State<ApiState>,
    form_id: String,
    Path((year, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    RequestId(rid): RequestId,
    headers: HeaderMap,
    store: bool,
) -> Result<Response, ApiError> {
    let (call, key) = begin(&state, &form_id, &year, &headers, false).await?;
    let count = count_of(query.as_deref())?;
    let delivery = delivery_of(&state, &id, &call.party(), call.year).await?;
    if delivery.is_confirmed() {
        if !store {
            return Err(already_confirmed());
        }
        return confirmed_before(&state, &call, &delivery, count).await;
    }
    if delivery.is_expired(crate::clock::now_ms()) {
        return Err(expired(&delivery));
    }
    if delivery.parts == 0 {
        return Err(
            ApiError::new(StatusCode::BAD_REQUEST, "GLD_006", "Feil i forespørselen.").detail(
                "GLD_1026",
                "En innsending må ha minst ett underskjema før den kan bekreftes.",
                Some("antall_underskjema"),
            ),
        );
    }
    if count != delivery.parts {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "GLD_006", "Feil i forespørselen.");
        e.push(Feilspesifisering {
            kode: "GLD_1018".into(),
            melding: format!(
                "Oppgitt antall underskjemaer ({count}) stemmer ikke med antall underskjemaer mottatt ({}). Innsendingen er fortsatt åpen.",
                delivery.parts
            ),
            sti: Some("antall_underskjema".into()),
            angitt_verdi: Some(count.to_string()),
        });
        return Err(e);
    }
    let parts = state
        .store
        .staged_documents(&delivery.id)
        .await
        .map_err(ApiError::db)?;
    if parts.len() as i64 != delivery.parts {
        // A sub-form arrived between the two reads: the count in hand is stale.
        return Err(not_open(&state, &delivery.id, &call).await);
    }
    let (doc, origins) = ar::assemble(&delivery.document, &parts).map_err(ApiError::internal)?;
    drop(parts);
    let hovedskjemaid = delivery.id.clone();
    let respond = |r: &Receipt| {
        json!({
            "oppgavegiversLeveranseReferanse": hovedskjemaid,
            "dialogId": r.dialog_id,
            "forsendelseId": r.transmission_id,
            "antallUnderskjema": count,
        })
    };
    let s = call.submission(&doc, &key, &respond, (&delivery.id, count));
    if !store {
        return match check(&state, s).await {
            Ok(()) => Ok(Json(json!({
                "hovedskjemaid": delivery.id,
                "antallUnderskjema": count,
            }))
            .into_response()),
            Err(e) => Err(confirm_error(&state, &delivery, e, &doc, &origins).await),
        };
    }
    match submit(&state, s, &rid).await {
        Ok(outcome) => {
            tracing::info!(delivery = %delivery.id, submission = %outcome.receipt().id, sub_forms = count, "staged delivery confirmed");
            Ok(Json(outcome.receipt().response.clone()).into_response())
        }
        Err(SubmitError::StagedChanged) => Err(not_open(&state, &delivery.id, &call).await),
        Err(e) => Err(confirm_error(&state, &delivery, e, &doc, &origins).await),
    }
}

/// A confirmation of a delivery confirmed before: the first answer again for the same key and
/// count, 409 for anything else.
async fn confirmed_before(
    state: &ApiState,
    call: &Call,
    delivery: &StagedRow,
    count: i64,
) -> Result<Response, ApiError> {
    let first = state
        .store
        .receipt_by_key(&call.key)
        .await
        .map_err(ApiError::db)?;
    match first {
        Some(row) if delivery.submission_id.as_deref() == Some(row.id.as_str()) => {
            if count != delivery.parts {
                return Err(key_reused());
            }
            let body: Value = serde_json::from_str(&row.response).map_err(ApiError::internal)?;
            Ok(Json(body).into_response())
        }
        Some(_) => Err(key_reused()),
        None => Err(already_confirmed()),
    }
}

/// A refused confirmation as the API answers it: a validation error at the element of the
/// document it came from (a sub-form's prefixed with its id), anything else as for every API.
async fn confirm_error(
    state: &ApiState,
    delivery: &StagedRow,
    e: SubmitError,
    doc: &Value,
    origins: &ar::Origins,
) -> ApiError {
    let SubmitError::Invalid(errors) = e else {
        return submit_error(e, doc);
    };
    // Each document with an error is read again, once, for where its fields came from.
    let mut read: HashMap<i64, (String, Option<Read>)> = HashMap::new();
    let mut details = Vec::new();
    for fe in &errors {
        let given = text_of(doc, &fe.path);
        // Which document (its seq) and which path in it.
        let (seq, local) = ar::locate(&fe.path, origins);
        let seq = seq.map_or(0, |s| s as i64);
        if let std::collections::hash_map::Entry::Vacant(v) = read.entry(seq) {
            let part = state
                .store
                .staged_parts(&delivery.id, seq, 1)
                .await
                .ok()
                .and_then(|mut p| p.pop())
                .filter(|p| p.seq == seq);
            let skjema = if seq == 0 {
                Skjema::Hoved
            } else {
                Skjema::Under
            };
            v.insert(match part {
                Some(p) => (p.id, xml::read(skjema, p.body.as_bytes()).ok()),
                None => (String::new(), None),
            });
        }
        let (part_id, r) = &read[&seq];
        let path = crate::form::expr::format_path(&local);
        let at = r.as_ref().map_or_else(|| path.clone(), |r| r.sti(&path));
        let sti = if seq == 0 {
            at
        } else {
            format!("{part_id}/{at}")
        };
        details.push(at_element(fe, sti, given));
    }
    content_error(details)
}

/// `side` from the query: 1 unless given.
fn page_of(query: Option<&str>) -> Result<i64, ApiError> {
    Ok(query_number(query, "side", 1)?.unwrap_or(1))
}

/// A delivery the caller may read: the form's scope and the PDP's `read`.
async fn readable(
    state: &ApiState,
    form_id: &str,
    year: &str,
    id: &str,
    headers: &HeaderMap,
) -> Result<StagedRow, ApiError> {
    let form = state
        .catalog
        .latest(form_id)
        .ok_or_else(|| ApiError::internal("a routed form is gone"))?;
    let party = authorized(state, headers, form, action::READ).await?.party;
    let year = i64::from(supported_year(form, year)?);
    let delivery = delivery_of(state, id, &party.key(), year).await?;
    if delivery.is_expired(crate::clock::now_ms()) {
        return Err(expired(&delivery));
    }
    Ok(delivery)
}

fn received_at(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `GET …/{hovedskjemaid}/dokumenter?side=N`: the delivery's documents as given, 50 a page, the
/// hovedskjema first.
async fn dokumenter(
    State(state): State<ApiState>,
    form_id: String,
    Path((year, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let delivery = readable(&state, &form_id, &year, &id, &headers).await?;
    let side = page_of(query.as_deref())?;
    let total = delivery.parts + 1;
    let pages = (total + PAGE - 1) / PAGE;
    let rows = state
        .store
        .staged_parts(&delivery.id, (side - 1).saturating_mul(PAGE), PAGE)
        .await
        .map_err(ApiError::db)?;
    let docs: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "dokumentid": p.id,
                "skjematype": if p.seq == 0 { Skjema::Hoved } else { Skjema::Under }.api_type(),
                "mottatt": received_at(p.created_at),
                "sha256": p.sha256,
                "innhold": p.body,
            })
        })
        .collect();
    Ok(Json(json!({
        "hovedskjemaid": delivery.id,
        "bekreftet": delivery.is_confirmed(),
        "side": side,
        "antallSider": pages,
        "antallDokumenter": total,
        "dokumenter": docs,
    }))
    .into_response())
}

/// `GET …/{hovedskjemaid}/dokumenter/{id}`: one document, the XML as it was sent.
async fn dokument(
    State(state): State<ApiState>,
    form_id: String,
    Path((year, id, dokument)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let delivery = readable(&state, &form_id, &year, &id, &headers).await?;
    let part = state
        .store
        .staged_part(&delivery.id, &dokument)
        .await
        .map_err(ApiError::db)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "GLD_021",
                "Finner ikke forespurt ressurs.",
            )
            .detail(
                "GLD_1050",
                "Finner ikke et dokument med denne IDen på denne innsendingen.",
                Some("dokumentid"),
            )
        })?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        part.body,
    )
        .into_response())
}
