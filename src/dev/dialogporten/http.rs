//! The stand-in's HTTP side: the service-owner API on its real paths, with the bearer check, the
//! answers and the RFC 9457 problems Dialogporten gives, and the recorded events.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::checks::{
    DialogRequest, Problems, TransmissionRequest, check_dialog, check_patch, check_transmission,
};
use super::inbox;
use super::store::{DialogportenState, Outcome};
use crate::intake::dialogporten::{DIALOGS_PATH, PATCH_MEDIA_TYPE, PatchOperation};

/// The stand-in's routes, relative to where it is mounted (`/dev/dialogporten`): the
/// service-owner API on its real paths, the inbox page at `/` and the recorded events at
/// `/events`.
pub fn router(state: Arc<DialogportenState>) -> Router {
    Router::new()
        .route("/", get(inbox::view_inbox))
        .route("/events", get(view_events))
        .route(DIALOGS_PATH, post(create_dialog))
        .route(
            &format!("{DIALOGS_PATH}/{{dialog_id}}"),
            get(read_dialog).patch(patch_dialog),
        )
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

pub(super) fn failed(e: anyhow::Error) -> Response {
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

/// `PATCH …/dialogs/{id}`: an RFC 6902 JSON Patch (`application/json-patch+json`, or
/// `application/json` as Dialogporten also takes), optionally guarded by `If-Match` with the
/// revision last read; 204 with the new revision as `ETag`.
async fn patch_dialog(
    State(state): State<Arc<DialogportenState>>,
    OriginalUri(uri): OriginalUri,
    UrlPath(raw_id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !matches!(
        media.as_deref(),
        Some("application/json") | Some(PATCH_MEDIA_TYPE)
    ) {
        if !authorized(&state, &headers).await {
            return unauthorized();
        }
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "A patch is application/json-patch+json.",
            None,
        );
    }
    let ops: Vec<PatchOperation> = match admitted(&state, &headers, &body).await {
        Ok(ops) => ops,
        Err(refusal) => return refusal,
    };
    let Ok(id) = Uuid::parse_str(&raw_id) else {
        return no_such_dialog();
    };
    let if_match = match headers.get(header::IF_MATCH).map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => match Uuid::parse_str(v.trim().trim_matches('"')) {
            Ok(r) => Some(r),
            Err(_) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "If-Match is the dialog's revision, a UUID.",
                    None,
                );
            }
        },
        Some(Err(_)) => return problem(StatusCode::BAD_REQUEST, "Unreadable If-Match.", None),
    };
    let patch = match check_patch(ops) {
        Ok(p) => p,
        Err(p) => return problem(StatusCode::BAD_REQUEST, "Validation failed.", Some(&p)),
    };
    match state.patch_dialog(id, if_match, &patch, uri.path()).await {
        Ok(Outcome::Created(_, revision)) => (
            StatusCode::NO_CONTENT,
            [(header::ETAG, revision.to_string())],
        )
            .into_response(),
        Ok(Outcome::Refused(status, detail)) => problem(status, &detail, None),
        Err(e) => failed(e),
    }
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
pub(super) struct ReadQuery {
    pub(super) part: Option<String>,
    pub(super) subject: Option<String>,
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
