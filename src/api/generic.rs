//! The portal's generic door, for every form whose area offers M2M: the same meaning as
//! Skatteetaten's APIs (a document in, a receipt out, `Feil` with GLD codes) at
//! `/api/v1/skjema/{form}`, with the form's JSON Schema beside it.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::caller::{Caller, authorized, check_headers_for, parse_body};
use super::error::{ApiError, submit_error, too_large};
use super::{ApiState, ApiSubmission, check, files, submit};
use crate::form::Form;
use crate::form::definition::Channel as AreaChannel;
use crate::intake;
use crate::security::RequestId;

/// The routes; a document with files may be up to `cap` bytes.
pub(super) fn routes(cap: usize) -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/skjema/{form}/innsendinger",
            post(submit_generic).layer(axum::extract::DefaultBodyLimit::max(cap)),
        )
        .route(
            "/api/v1/skjema/{form}/validering",
            post(validate_generic).layer(axum::extract::DefaultBodyLimit::max(cap)),
        )
        .route("/api/v1/skjema/{form}/schema", get(schema))
}

/// A generic-door request read and checked up to its document: the form, the caller (token and
/// PDP), the headers, and the document, with its files received under `holder`.
struct DoorRequest {
    form: Arc<Form>,
    caller: Caller,
    key: String,
    holder: String,
    doc: Value,
}

impl DoorRequest {
    fn submission<'a>(
        &'a self,
        respond: &'a (dyn Fn(&intake::Receipt) -> Value + Sync),
    ) -> ApiSubmission<'a> {
        ApiSubmission::of(
            &self.form,
            &self.caller,
            crate::intake::Document::Whole(&self.doc),
            &self.key,
            Some(&self.holder),
            respond,
        )
    }
}

async fn door_request(
    state: &ApiState,
    form_id: &str,
    req: axum::extract::Request,
    rid: &str,
) -> Result<DoorRequest, ApiError> {
    let headers = req.headers().clone();
    let form = m2m_form(state, form_id)?;
    let caller = authorized(state, &headers, &form, crate::auth::altinn::action::WRITE).await?;
    let has_files = crate::intake::attachments::fields(&form).next().is_some();
    let key = check_headers_for(&headers, has_files)?;
    let holder = format!("api:{}", uuid::Uuid::new_v4());
    let doc = if crate::intake::attachments::is_multipart(&headers) {
        match files::receive(state, &form, &caller.party, &holder, req, rid).await {
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
        parse_body(bytes)?
    };
    Ok(DoorRequest {
        form,
        caller,
        key,
        holder,
        doc,
    })
}

/// `POST /api/v1/skjema/{form}/innsendinger`: a document, as JSON or with its files as
/// `multipart/form-data`, answered with the receipt.
async fn submit_generic(
    State(state): State<ApiState>,
    Path(form_id): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let r = door_request(&state, &form_id, req, &rid).await?;
    let respond = |receipt: &intake::Receipt| {
        json!({
            "innsendingId": receipt.id,
            "referanse": receipt.reference,
            "dialogId": receipt.dialog_id,
            "forsendelseId": receipt.transmission_id,
            "sha256": receipt.sha256,
        })
    };
    let outcome = submit(&state, r.submission(&respond), &rid).await;
    // Files of a refused call, or of a repeat (the first call's files are the ones kept).
    if !matches!(outcome, Ok(intake::Outcome::New(_))) {
        let _ = state.store.delete_attachments_of(&r.holder).await;
    }
    let outcome = outcome.map_err(|e| submit_error(e, &r.doc))?;
    Ok(Json(outcome.receipt().response.clone()))
}

/// `POST /api/v1/skjema/{form}/validering`: the same checks as a submission (token, PDP, headers,
/// files, the whole validation), storing nothing (files sent with it are checked, then dropped);
/// `Feil` as a submission would get it, or what would be received.
async fn validate_generic(
    State(state): State<ApiState>,
    Path(form_id): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let r = door_request(&state, &form_id, req, &rid).await?;
    let checked = check(&state, r.submission(&|_| Value::Null)).await;
    let files = state
        .store
        .attachments_of_holder(&r.holder)
        .await
        .map(|f| f.len())
        .unwrap_or(0);
    let _ = state.store.delete_attachments_of(&r.holder).await;
    checked.map_err(|e| submit_error(e, &r.doc))?;
    Ok(Json(json!({
        "skjema": r.form.id,
        "skjemaversjon": r.form.version,
        "antallVedlegg": files,
    })))
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

/// `GET /api/v1/skjema/{form}/schema`: the form's JSON Schema.
async fn schema(
    State(state): State<ApiState>,
    Path(form_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let form = m2m_form(&state, &form_id)?;
    Ok(Json(crate::form::schema::json_schema(&form)))
}
