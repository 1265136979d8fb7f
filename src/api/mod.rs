//! The machine-to-machine API: for forms with a Skatteetaten API (RF-1140, RF-1139) exactly its
//! paths, headers, bodies and errors (`POST {base}/v1/{inntektsaar}`, `Leveransebekreftelse`,
//! `Feil` with GLD codes); for every other form whose area offers M2M a generic door with the same
//! meaning. Both go through [`crate::intake::submit`], like the browser.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::altinn::{Authorization, PartyId, Subject};
use crate::auth::maskinporten::{M2mCaller, TokenValidator};
use crate::form::definition::Channel as AreaChannel;
use crate::form::validate::FieldError;
use crate::form::{Catalog, Form, Lang};
use crate::intake::{self, Channel, Receipt, Submission, SubmitError};
use crate::security::RequestId;
use crate::store::Store;

pub mod openapi;

/// What the API's handlers reach.
#[derive(Clone)]
pub struct ApiState {
    /// Every form.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub store: Store,
    /// Altinn Authorization (the PDP).
    pub authz: Arc<dyn Authorization>,
    /// Maskinporten token validation.
    pub tokens: TokenValidator,
    /// The outbox, woken when a submission arrives.
    pub outbox: Option<Arc<crate::intake::outbox::Outbox>>,
    /// System users' recent permits.
    pub permits: Arc<crate::intake::PermitCache>,
    /// Attachment settings (scanner, where uploads wait, limits).
    pub uploads: Arc<crate::intake::attachments::Uploads>,
}

/// The API's routes, from the catalogue: each form with an `[api]` section gets Skatteetaten's
/// paths under its base; forms in areas offering M2M get the generic door.
pub fn router(state: ApiState) -> Router {
    let mut r = Router::new();
    for form in state.catalog.latest_forms() {
        if let Some(api) = &form.api {
            let id = form.id.clone();
            let docs = form.id.clone();
            r = r
                .route(
                    &format!("{}/v1/{{inntektsaar}}", api.base),
                    post(move |s, p, rid, req| submit_gld(s, id.clone(), p, rid, req)),
                )
                .route(
                    &format!(
                        "{}/v1/{{inntektsaar}}/forsendelser/{{forsendelse}}/dokumenter/{{dokument}}",
                        api.base
                    ),
                    get(move |s, p, h| documents::fetch(s, docs.clone(), p, h)),
                );
        }
    }
    let cap = state.uploads.cap;
    r.route(
        "/api/v1/skjema/{form}/innsendinger",
        post(submit_generic).layer(axum::extract::DefaultBodyLimit::max(cap)),
    )
    .route("/api/v1/skjema/{form}/schema", get(schema))
    .route("/api/openapi.json", get(openapi::serve))
    // Anything else under /api is answered in the API's own error format.
    .route("/api", axum::routing::any(not_found))
    .route("/api/{*rest}", axum::routing::any(not_found))
    .with_state(state)
}

/// Skatteetaten's error document.
#[derive(Debug, Clone, Serialize)]
pub struct Feil {
    /// The GLD code.
    pub kode: &'static str,
    /// What is wrong, in Norwegian.
    pub melding: String,
    /// The request's id, to find it in the logs.
    pub korrelasjonsid: String,
    /// The details, each at a path of the document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spesifisering: Vec<Feilspesifisering>,
}

/// One detail of a [`Feil`].
#[derive(Debug, Clone, Serialize)]
pub struct Feilspesifisering {
    /// A detail code.
    pub kode: String,
    /// What is wrong.
    pub melding: String,
    /// The path of the field (as the form language and the browser's error ids write it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sti: Option<String>,
    /// The value given, as text.
    #[serde(rename = "angittVerdi", skip_serializing_if = "Option::is_none")]
    pub angitt_verdi: Option<String>,
}

/// An API error: a status and a [`Feil`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kode: &'static str,
    melding: String,
    details: Vec<Feilspesifisering>,
}

impl ApiError {
    fn new(status: StatusCode, kode: &'static str, melding: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kode,
            melding: melding.into(),
            details: Vec::new(),
        }
    }

    fn detail(mut self, kode: &str, melding: impl Into<String>, sti: Option<&str>) -> ApiError {
        self.details.push(Feilspesifisering {
            kode: kode.to_owned(),
            melding: melding.into(),
            sti: sti.map(str::to_owned),
            angitt_verdi: None,
        });
        self
    }

    fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GLD_001",
            "Det oppstod en uventet feil. Prøv igjen senere.",
        )
    }
}

/// The response, with the id of the request being served as `korrelasjonsid` (the same id the
/// response's `x-request-id` echoes).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if !self.status.is_server_error() {
            tracing::info!(
                status = self.status.as_u16(),
                kode = self.kode,
                "API request refused"
            );
        }
        let body = Feil {
            kode: self.kode,
            melding: self.melding,
            korrelasjonsid: RequestId::current(),
            spesifisering: self.details,
        };
        (self.status, axum::Json(body)).into_response()
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "GLD_021", "Ressursen finnes ikke.")
}

/// The caller of a request about `form`: a valid Maskinporten token with the form's scope, for a
/// system user acting for its organisation, whom the PDP lets do `action` on the form's resource
/// for that organisation. Asked before anything of the request's body is read, so a caller
/// without rights learns nothing about the document and costs the server nothing.
async fn authorized(
    state: &ApiState,
    headers: &HeaderMap,
    form: &Form,
    action: &str,
) -> Result<(PartyId, Subject), ApiError> {
    let scope = form.m2m_scope();
    let (_, party, subject) = caller(state, headers, &scope).await?;
    intake::authorize(
        &state.authz,
        Some(&state.permits),
        &subject,
        action,
        &form.resource,
        &party,
    )
    .await
    .map_err(|_| {
        let what = if action == crate::auth::altinn::action::READ {
            "lese"
        } else {
            "levere"
        };
        ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            format!("Systembrukeren har ikke tilgang til å {what} dette for denne virksomheten."),
        )
    })?;
    Ok((party, subject))
}

/// The caller, from the `Authorization` header, for a form's scope: a system user acting for an
/// organisation. More than one `Authorization` header is refused: which one counts would
/// otherwise depend on who reads the request (a proxy, this server).
async fn caller(
    state: &ApiState,
    headers: &HeaderMap,
    scope: &str,
) -> Result<(M2mCaller, PartyId, Subject), ApiError> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_011",
            "Feil i metadata for forespørselen.",
        )
        .detail(
            "GLD_1029",
            "Forespørselen har mer enn én Authorization-header.",
            Some("Authorization"),
        ));
    }
    let auth = first.and_then(|v| v.to_str().ok());
    let caller = state.tokens.validate(auth, scope).await.map_err(|e| {
        if e.is_forbidden() {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "GLD_005",
                format!("Tokenet mangler scope {scope}."),
            )
        } else {
            // The caller learns which check failed by its code; the words (which may name the
            // issuer's key URL or a network error) stay in the log.
            tracing::info!(reason = e.code(), detail = %e, "API token refused");
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "GLD_004",
                "Mangler gyldig Maskinporten-token.",
            )
            .detail(e.code(), token_refusal(&e), None)
        }
    })?;
    let Some(user) = caller.system_user.clone() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            "Tokenet er ikke et systembruker-token: innsending krever en systembruker for den det leveres for.",
        ));
    };
    let party = PartyId::Organisation(user.org.clone());
    Ok((caller, party, Subject::SystemUser(user.id)))
}

/// What a caller is told of a refused token: which check failed, in words that name nothing of
/// the portal's own systems.
fn token_refusal(e: &crate::auth::maskinporten::TokenError) -> &'static str {
    use crate::auth::maskinporten::TokenError as T;
    match e {
        T::MissingToken => "Forespørselen har ikke noe Maskinporten-token.",
        T::NotBearer => "Authorization må være «Bearer» og et token.",
        T::Malformed(_) => "Tokenet kan ikke leses som en JWT.",
        T::UnsupportedAlgorithm(_) => "Tokenet må være signert med RS256.",
        T::UnknownKey | T::BadSignature => "Tokenets signatur kan ikke kontrolleres.",
        T::KeysUnavailable(_) => {
            "Maskinportens nøkler er ikke tilgjengelige nå. Prøv igjen senere."
        }
        T::WrongIssuer => "Tokenet er ikke utstedt av Maskinporten.",
        T::WrongAudience => "Tokenet er begrenset til et annet API (aud).",
        T::Expired => "Tokenet er utløpt.",
        T::NotYetValid => "Tokenet er ikke gyldig ennå.",
        T::InvalidClaims(_) => "Tokenet mangler opplysninger API-et trenger.",
        T::InsufficientScope { .. } => "Tokenet mangler scope for dette API-et.",
    }
}

/// The checks of an API submission's headers: JSON in, JSON out, an idempotency key.
fn check_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    check_headers_for(headers, false)
}

/// The request's metadata checks; `files` also accepts `multipart/form-data` (a document with
/// attachments).
fn check_headers_for(headers: &HeaderMap, files: bool) -> Result<String, ApiError> {
    let json_type = |v: &str| {
        let v = v.split(';').next().unwrap_or("").trim();
        v.eq_ignore_ascii_case("application/json")
            || (files && v.eq_ignore_ascii_case("multipart/form-data"))
    };
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if json_type(ct) => {}
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "GLD_011",
                "Feil i metadata for forespørselen.",
            )
            .detail("GLD_1047", "Content-Type må være application/json.", None));
        }
    }
    if let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
        let ok = accept.split(',').any(|a| {
            let a = a.split(';').next().unwrap_or("").trim();
            a == "*/*" || a == "application/*" || a.eq_ignore_ascii_case("application/json")
        });
        if !ok {
            return Err(ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "GLD_011",
                "Feil i metadata for forespørselen.",
            )
            .detail("GLD_1030", "Accept må være application/json.", None));
        }
    }
    let key = headers
        .get("idempotencyKey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "GLD_011",
                "Feil i metadata for forespørselen.",
            )
            .detail(
                "GLD_1028",
                "Påkrevd header idempotencyKey mangler.",
                Some("idempotencyKey"),
            )
        })?;
    let key = uuid::Uuid::parse_str(key).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_011",
            "Feil i metadata for forespørselen.",
        )
        .detail(
            "GLD_1028",
            "Headeren idempotencyKey må være en UUID.",
            Some("idempotencyKey"),
        )
    })?;
    Ok(key.hyphenated().to_string())
}

fn parse_body(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Value, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "GLD_006",
                "Forespørselen er for stor (grensen er 10 MB).",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "GLD_006",
                "Forespørselen kunne ikke leses.",
            )
        }
    })?;
    let doc: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_008",
            "Forespørselen er ikke gyldig JSON.",
        )
        .detail(
            "json",
            format!("linje {}, kolonne {}", e.line(), e.column()),
            None,
        )
    })?;
    if !doc.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_008",
            "Meldingen må være et JSON-objekt.",
        ));
    }
    Ok(doc)
}

/// The validation errors as `Feil`: each at its `sti`, with the value given.
fn invalid(errors: &[FieldError], doc: &Value) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::BAD_REQUEST,
        "GLD_010",
        "Meldingen har feil i innholdet.",
    );
    for fe in errors {
        let given = crate::form::document::get(doc, &fe.path);
        e.details.push(Feilspesifisering {
            kode: fe.kind.code().to_owned(),
            melding: fe.message(Lang::Nb),
            sti: Some(fe.sti()),
            angitt_verdi: given.and_then(|v| match v {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }),
        });
    }
    e
}

fn submit_error(e: SubmitError, doc: &Value) -> ApiError {
    match e {
        SubmitError::Invalid(errors) => invalid(&errors, doc),
        SubmitError::Forbidden => ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            "Systembrukeren har ikke tilgang til å levere dette for denne virksomheten.",
        ),
        SubmitError::KeyReused => ApiError::new(
            StatusCode::CONFLICT,
            "GLD_019",
            "idempotencyKey er brukt før for en annen melding. En ny innsending med nytt innhold skal ha ny nøkkel.",
        ),
        SubmitError::DraftChanged => ApiError::internal("a draft changed under an API submission"),
        SubmitError::Db(e) => ApiError::internal(e),
    }
}

/// `Leveransebekreftelse` for a GLD document: for one `leveranse` (an object) the counts and the
/// reference; for several (an array, as for boligselskap) the same per purpose.
pub fn leveransebekreftelse(doc: &Value, r: &Receipt) -> Value {
    let counts = |l: &Value| {
        let n = |k: &str| l.get(k).and_then(Value::as_array).map_or(0, Vec::len);
        (
            l.get("oppgavegiversLeveranseReferanse")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            n("sletteoppgave"),
            n("oppgave"),
        )
    };
    match doc.get("leveranse") {
        Some(Value::Array(list)) => json!({
            "dialogId": r.dialog_id,
            "forsendelseId": r.transmission_id,
            "leveranseformaal": list.iter().map(|l| {
                let (reference, slette, oppgaver) = counts(l);
                json!({
                    "boligselskapFormaal": l.get("boligselskapFormaal").cloned().unwrap_or(Value::Null),
                    "oppgavegiversLeveranseReferanse": reference,
                    "antallSletteoppgaver": slette,
                    "antallOppgaver": oppgaver,
                })
            }).collect::<Vec<_>>(),
        }),
        other => {
            let (reference, slette, oppgaver) = counts(other.unwrap_or(&Value::Null));
            json!({
                "dialogId": r.dialog_id,
                "forsendelseId": r.transmission_id,
                "oppgavegiversLeveranseReferanse": reference,
                "antallSletteoppgaver": slette,
                "antallOppgaver": oppgaver,
            })
        }
    }
}

/// The income years in a GLD document (one per `leveranse`).
fn years_in(doc: &Value) -> Vec<(String, Option<i64>)> {
    match doc.get("leveranse") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    format!("leveranse[{i}].inntektsaar"),
                    l.get("inntektsaar").and_then(Value::as_i64),
                )
            })
            .collect(),
        Some(l) => vec![(
            "leveranse.inntektsaar".to_owned(),
            l.get("inntektsaar").and_then(Value::as_i64),
        )],
        None => Vec::new(),
    }
}

async fn submit_gld(
    State(state): State<ApiState>,
    form_id: String,
    Path(year): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let headers = req.headers().clone();
    let form = state
        .catalog
        .latest(&form_id)
        .ok_or_else(|| ApiError::internal("a routed form is gone"))?
        .clone();
    let api = form
        .api
        .as_ref()
        .ok_or_else(|| ApiError::internal("a routed form has no api"))?;
    let (party, subject) =
        authorized(&state, &headers, &form, crate::auth::altinn::action::WRITE).await?;
    let key = check_headers(&headers)?;
    let year_n: i32 = year
        .parse()
        .ok()
        .filter(|y| api.years.contains(y))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "GLD_011",
                "Feil i metadata for forespørselen.",
            )
            .detail(
                "GLD_1027",
                format!("Inntektsåret {year} støttes ikke."),
                Some("inntektsaar"),
            )
        })?;
    // Only now, with the caller known and allowed, is the body read.
    let body = <Bytes as axum::extract::FromRequest<()>>::from_request(req, &()).await;
    let doc = parse_body(body)?;
    let wrong: Vec<_> = years_in(&doc)
        .into_iter()
        .filter(|(_, y)| y.is_some_and(|y| y != i64::from(year_n)))
        .collect();
    if !wrong.is_empty() {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_010",
            "Meldingen har feil i innholdet.",
        );
        for (sti, y) in wrong {
            e.details.push(Feilspesifisering {
                kode: "GLD_1052".into(),
                melding: format!("Inntektsåret i meldingen må være {year_n}, som i adressen."),
                sti: Some(sti),
                angitt_verdi: y.map(|y| y.to_string()),
            });
        }
        return Err(e);
    }
    let outcome = submit_api(
        &state,
        &form,
        &party,
        &subject,
        &doc,
        &key,
        &rid,
        None,
        &|r| leveransebekreftelse(&doc, r),
    )
    .await
    .map_err(|e| submit_error(e, &doc))?;
    Ok(Json(outcome.receipt().response.clone()))
}

#[allow(clippy::too_many_arguments)]
async fn submit_api(
    state: &ApiState,
    form: &Form,
    party: &PartyId,
    subject: &Subject,
    doc: &Value,
    key: &str,
    rid: &str,
    attachments: Option<&str>,
    respond: &(dyn Fn(&Receipt) -> Value + Sync),
) -> Result<intake::Outcome, SubmitError> {
    let ctx = intake::context(Some(party));
    let outcome = intake::submit(
        &state.store,
        &state.authz,
        Submission {
            form,
            party,
            submitter: subject,
            channel: Channel::Api,
            document: doc,
            // Keys are the caller's: scoped by party and form, so no one can collide with another.
            key: format!("api:{}:{}:{key}", party.key(), form.id),
            context: &ctx,
            draft: None,
            respond,
            permits: Some(&state.permits),
            attachments,
        },
        rid,
    )
    .await;
    if let (Ok(intake::Outcome::New(_)), Some(outbox)) = (&outcome, &state.outbox) {
        outbox.wake();
    }
    outcome
}

async fn submit_generic(
    State(state): State<ApiState>,
    Path(form_id): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let headers = req.headers().clone();
    {
        let form = m2m_form(&state, &form_id)?;
        let (party, subject) =
            authorized(&state, &headers, &form, crate::auth::altinn::action::WRITE).await?;
        let has_files = crate::intake::attachments::fields(&form).next().is_some();
        let key = check_headers_for(&headers, has_files)?;
        let holder = format!("api:{}", uuid::Uuid::new_v4());
        let doc = if crate::intake::attachments::is_multipart(&headers) {
            match files::receive(&state, &form, &party, &holder, req, &rid).await {
                Ok(doc) => doc,
                Err(e) => {
                    let _ = state.store.delete_attachments_of(&holder).await;
                    return Err(e);
                }
            }
        } else {
            let limit = state.uploads.body_limit;
            let bytes = axum::body::to_bytes(req.into_body(), limit)
                .await
                .map_err(|_| too_large())?;
            parse_body(Ok(bytes))?
        };
        let outcome = submit_api(
            &state,
            &form,
            &party,
            &subject,
            &doc,
            &key,
            &rid,
            Some(&holder),
            &|r| {
                json!({
                    "innsendingId": r.id,
                    "referanse": r.reference,
                    "dialogId": r.dialog_id,
                    "forsendelseId": r.transmission_id,
                    "sha256": r.sha256,
                })
            },
        )
        .await;
        // Files of a refused call, or of a repeat (the first call's files are the ones kept).
        if !matches!(outcome, Ok(intake::Outcome::New(_))) {
            let _ = state.store.delete_attachments_of(&holder).await;
        }
        let outcome = outcome.map_err(|e| submit_error(e, &doc))?;
        Ok(Json(outcome.receipt().response.clone()))
    }
}

/// A form that may be submitted through the generic door: its area offers M2M.
fn m2m_form(state: &ApiState, form_id: &str) -> Result<Arc<Form>, ApiError> {
    let form = state
        .catalog
        .latest(form_id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "GLD_021", "Skjemaet finnes ikke."))?;
    let offers_m2m = state
        .catalog
        .areas
        .iter()
        .find(|a| a.id == form.area)
        .is_some_and(|a| a.channels.contains(&AreaChannel::M2m));
    if !offers_m2m {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "GLD_021",
            "Skjemaet kan ikke sendes inn gjennom API-et.",
        ));
    }
    Ok(form.clone())
}

async fn schema(
    State(state): State<ApiState>,
    Path(form_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let form = m2m_form(&state, &form_id)?;
    Ok(Json(crate::form::schema::json_schema(&form)))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "GLD_006",
        "Forespørselen er for stor.",
    )
}

mod files {
    //! A document with attachments: `multipart/form-data` with the JSON document in a part named
    //! `dokument` and each file in a part named by its attachment field's path.

    use super::*;
    use crate::intake::attachments::{self as att, Holder, Layout, Receiving, UploadError};
    use axum::extract::{FromRequest, Multipart};

    fn bad(melding: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_011",
            "Feil i metadata for forespørselen.",
        )
        .detail("GLD_1047", melding, None)
    }

    /// A failure of receiving the files, as the API answers it.
    impl From<UploadError> for ApiError {
        fn from(e: UploadError) -> ApiError {
            match e {
                UploadError::BodyTooLarge => too_large(),
                UploadError::Cut(m) => bad(&m),
                UploadError::NotAField(name) => bad(&format!(
                    "Delen «{name}» er verken «dokument» eller et vedleggsfelt i skjemaet."
                )),
                e @ (UploadError::TooLarge(_)
                | UploadError::Refused(_)
                | UploadError::Internal(_)) => ApiError::internal(e),
            }
        }
    }

    /// Reads the parts, keeps the files (checked, and scanned when a scanner is configured) under
    /// `holder`, and returns the document. Any refused file refuses the call.
    pub(super) async fn receive(
        state: &ApiState,
        form: &Form,
        party: &PartyId,
        holder: &str,
        req: axum::extract::Request,
        rid: &str,
    ) -> Result<Value, ApiError> {
        if att::declared_over(req.headers(), state.uploads.cap) {
            return Err(too_large());
        }
        let multipart = Multipart::from_request(req, &())
            .await
            .map_err(|e| bad(&e.body_text()))?;
        let party_key = party.key();
        let r = Receiving {
            store: &state.store,
            uploads: &state.uploads,
            form,
            holder: Holder {
                person: None,
                party: &party_key,
                key: holder,
            },
            present: &[],
            layout: Layout::Document,
            request_id: rid,
        };
        let mut doc = None;
        let errors = att::receive(&r, multipart, |_, bytes| {
            if bytes.len() > state.uploads.body_limit {
                return Err(too_large());
            }
            doc = Some(parse_body(Ok(bytes))?);
            Ok(())
        })
        .await?;
        let doc = doc.ok_or_else(|| bad("Delen «dokument» med JSON-dokumentet mangler."))?;
        if !errors.is_empty() {
            return Err(invalid(&errors, &doc));
        }
        Ok(doc)
    }
}

mod documents {
    //! Documents of a submission (its receipt and its feedback), as JSON or PDF, for the party's
    //! systems.

    use super::*;

    /// Whether the caller asks for PDF rather than JSON.
    fn wants_pdf(headers: &HeaderMap) -> bool {
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/pdf") && !a.contains("application/json"))
    }

    fn pdf_response(bytes: Vec<u8>) -> Response {
        ([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response()
    }

    fn feedback_pdf(
        row: &crate::store::SubmissionRow,
        f: &crate::intake::domain::Feedback,
    ) -> Result<Vec<u8>, ApiError> {
        use crate::intake::pdf::{ReceiptPdf, Section, render};
        let verdict = if f.status == "godkjent" {
            "Godkjent"
        } else {
            "Avvist"
        };
        let title = format!("Tilbakemelding – {}", row.reference);
        render(&ReceiptPdf {
            lang: "nb",
            title: &title,
            facts: vec![
                ("Referanse", row.reference.clone()),
                ("Skjema", format!("{} {}", row.form_id, row.form_version)),
                ("Status", verdict.to_owned()),
            ],
            sections: vec![Section {
                heading: "Meldinger".into(),
                rows: f
                    .meldinger
                    .iter()
                    .map(|m| (m.sti.clone().unwrap_or_default(), m.melding.clone()))
                    .collect(),
                groups: Vec::new(),
            }],
            footer: &format!("Tasteskjema · Referanse {}", row.reference),
        })
        .map_err(ApiError::internal)
    }

    /// Whether a stored GLD submission is for the income year `year` (every `leveranse` of it).
    fn in_year(row: &crate::store::SubmissionRow, year: &str) -> bool {
        let Ok(year) = year.parse::<i64>() else {
            return false;
        };
        let Ok(doc) = serde_json::from_str::<Value>(&row.document) else {
            return false;
        };
        let years = years_in(&doc);
        !years.is_empty() && years.iter().all(|(_, y)| *y == Some(year))
    }

    /// A submission's receipt or feedback, for the form's GLD route.
    pub(super) async fn fetch(
        State(state): State<ApiState>,
        form_id: String,
        Path((year, forsendelse, dokument)): Path<(String, String, String)>,
        headers: HeaderMap,
    ) -> Result<Response, ApiError> {
        let (state, form_id, year, headers) = (&state, form_id.as_str(), year.as_str(), &headers);
        let (forsendelse, dokument) = (forsendelse.as_str(), dokument.as_str());
        let form = state
            .catalog
            .latest(form_id)
            .ok_or_else(|| ApiError::internal("a routed form is gone"))?;
        // Reads are authorised as writes are: the form's scope, and the PDP's `read` for the
        // system user's organisation on this form's resource.
        let (party, _) =
            authorized(state, headers, form, crate::auth::altinn::action::READ).await?;
        let not_found =
            || ApiError::new(StatusCode::NOT_FOUND, "GLD_021", "Dokumentet finnes ikke.");
        if uuid::Uuid::parse_str(forsendelse).is_err() || uuid::Uuid::parse_str(dokument).is_err() {
            return Err(not_found());
        }
        let row = state
            .store
            .submission_by_transmission(forsendelse, &party.key())
            .await
            .map_err(ApiError::internal)?
            // Only this form's submissions, for the income year in the path: another form's
            // (a complaint, a person's letter) is not reached through this form's door.
            .filter(|row| row.form_id == form.id && in_year(row, year))
            .ok_or_else(not_found)?;
        let pdf = wants_pdf(headers);
        let form = state
            .catalog
            .get(&row.form_id, &row.form_version)
            .ok_or_else(|| ApiError::internal("the submission's form version is gone"))?;
        // The receipt has the transmission's id; the feedback its own, once it has come.
        if dokument == row.transmission_id {
            if pdf {
                let bytes = crate::intake::receipt::pdf(
                    form,
                    &row,
                    Lang::Nb,
                    row.party.clone(),
                    row.submitter.clone(),
                )
                .map_err(ApiError::internal)?;
                return Ok(pdf_response(bytes));
            }
            let body: Value = serde_json::from_str(&row.response).map_err(ApiError::internal)?;
            return Ok((StatusCode::OK, axum::Json(body)).into_response());
        }
        let feedback: crate::intake::domain::Feedback = row
            .feedback
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .filter(|f: &crate::intake::domain::Feedback| f.id == dokument)
            .ok_or_else(not_found)?;
        if pdf {
            return feedback_pdf(&row, &feedback).map(pdf_response);
        }
        Ok((StatusCode::OK, axum::Json(feedback)).into_response())
    }
}
