//! Skatteetaten's innrapportering APIs (grunnlagsdata), for each form with an `[api]` section:
//! `POST {base}/v1/{inntektsaar}` answered with a `Leveransebekreftelse`, and the documents of a
//! delivery under `forsendelser`. Everything here follows the form's `[api]` section and the GLD
//! document's shape (`leveranse`, one or a list, each with its `inntektsaar`), so a new scheme of
//! that shape needs only its form file.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde_json::Value;

use super::caller::{
    Caller, an_object, authorized, body_bytes, check_headers, not_json, supported_year,
};
use super::error::{ApiError, content_error, submit_error};
use super::{ApiState, ApiSubmission, check, documents, submit};
use crate::form::Form;
use crate::form::definition::ApiSpec;
use crate::intake::rows::Read;
use crate::intake::{Document, Receipt};
use crate::security::RequestId;
use crate::store::spooled::PIECE;

/// The routes of one form's API, under its base.
pub(super) fn routes(form: &Form, api: &ApiSpec) -> Router<ApiState> {
    let id = form.id.clone();
    let checked = form.id.clone();
    let docs = form.id.clone();
    // A form may take larger deliveries than the portal's default (a bank's BSU delivery).
    let limit = |r: axum::routing::MethodRouter<ApiState>| match api.body_limit() {
        Some(n) => r.layer(axum::extract::DefaultBodyLimit::max(n)),
        None => r,
    };
    Router::new()
        .route(
            &format!("{}/v1/{{inntektsaar}}", api.base),
            limit(post(move |s, p, rid, req| {
                submit_gld(s, id.clone(), p, rid, req)
            })),
        )
        .route(
            &format!("{}/v1/{{inntektsaar}}/validering", api.base),
            limit(post(move |s, p, req| {
                validate_gld(s, checked.clone(), p, req)
            })),
        )
        .route(
            &format!(
                "{}/v1/{{inntektsaar}}/forsendelser/{{forsendelse}}/dokumenter/{{dokument}}",
                api.base
            ),
            get(move |s, p, h| documents::fetch(s, docs.clone(), p, h)),
        )
}

pub(super) use crate::intake::feil::years_in;

/// A GLD request read and checked up to its document: the form, the caller (token and PDP), the
/// headers, the year in the address, and the document with the same year in every `leveranse`,
/// read one row at a time (a bank's delivery holds 100 000 rows) with its rows checked.
struct GldRequest {
    form: std::sync::Arc<Form>,
    caller: Caller,
    key: String,
    doc: Read,
}

impl GldRequest {
    fn submission<'a>(
        &'a self,
        respond: &'a (dyn Fn(&Receipt) -> Value + Sync),
    ) -> ApiSubmission<'a> {
        ApiSubmission::of(
            &self.form,
            &self.caller,
            Document::Read(&self.doc),
            &self.key,
            None,
            respond,
        )
    }
}

async fn gld_request(
    state: &ApiState,
    form_id: &str,
    year: &str,
    req: axum::extract::Request,
) -> Result<GldRequest, ApiError> {
    let headers = req.headers().clone();
    let form = state
        .catalog
        .latest(form_id)
        .ok_or_else(|| ApiError::internal("a routed form is gone"))?
        .clone();
    let caller = authorized(state, &headers, &form, crate::auth::altinn::action::WRITE).await?;
    let key = check_headers(&headers)?;
    let year_n = supported_year(&form, year)?;
    // Only now, with the caller known and allowed, is the body read.
    let limit = form
        .api
        .as_ref()
        .and_then(ApiSpec::body_limit)
        .unwrap_or(state.uploads.body_limit);
    let body = body_bytes(req, limit).await?;
    // Reading and checking 100 000 rows takes a while: off the threads that answer requests.
    let ctx = crate::intake::context(Some(&caller.party));
    let reading = form.clone();
    // A large body's canonical text goes to a spool file as it is made and is stored in pieces,
    // so that only the body is held, not the body, its text and the database's copies of it.
    let spool = (body.len() > 2 * PIECE).then(|| state.uploads.tmp_dir.clone());
    let doc = tokio::task::spawn_blocking(move || {
        crate::intake::rows::read(&reading, body, &ctx, spool.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| {
        if e.is_io() {
            ApiError::internal(e)
        } else {
            not_json(&e)
        }
    })?;
    an_object(&doc.envelope)?;
    let wrong = crate::intake::feil::wrong_years(&doc.envelope, year_n);
    if !wrong.is_empty() {
        return Err(content_error(wrong));
    }
    Ok(GldRequest {
        form,
        caller,
        key,
        doc,
    })
}

/// `POST {base}/v1/{inntektsaar}`: a delivery, answered with its `Leveransebekreftelse`.
async fn submit_gld(
    State(state): State<ApiState>,
    form_id: String,
    Path(year): Path<String>,
    RequestId(rid): RequestId,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let r = gld_request(&state, &form_id, &year, req).await?;
    let respond = |receipt: &Receipt| crate::intake::receipt::leveransebekreftelse(&r.doc, receipt);
    let outcome = submit(&state, r.submission(&respond), &rid)
        .await
        .map_err(|e| submit_error(e, &r.doc))?;
    Ok(Json(outcome.receipt().response.clone()))
}

/// `POST {base}/v1/{inntektsaar}/validering`: the same checks as a delivery (token, PDP, headers,
/// year, the whole validation), storing nothing; `Feil` as a delivery would get it, or the counts
/// its `Leveransebekreftelse` would have, without the ids only a received delivery has.
async fn validate_gld(
    State(state): State<ApiState>,
    form_id: String,
    Path(year): Path<String>,
    req: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
    let r = gld_request(&state, &form_id, &year, req).await?;
    check(&state, r.submission(&|_| Value::Null))
        .await
        .map_err(|e| submit_error(e, &r.doc))?;
    Ok(Json(r.doc.counts()))
}
