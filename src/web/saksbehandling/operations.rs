//! Operations (`drift`): the deliveries not done yet — retrying and parked — and putting a parked
//! one back in the queue, the same as `tasteskjema outbox --retry`, audited.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::session::Ansatt;
use super::{CaseBase, CaseState};
use crate::store::{Actor, JobState};
use crate::web::error::{AppError, AppResult};
use crate::web::{L, RequestId, render};

/// The routes.
pub fn router() -> Router<CaseState> {
    Router::new()
        .route("/saksbehandling/drift", get(view_operations_get))
        .route(
            "/saksbehandling/drift/leveranser/{job}/prov-igjen",
            post(view_requeue_post),
        )
}

/// How many open deliveries the page lists.
const LISTED: i64 = 200;

struct JobRowView {
    id: i64,
    submission: String,
    kind: String,
    state: &'static str,
    parked: bool,
    attempts: i64,
    error: String,
}

#[derive(Template)]
#[template(path = "saksbehandling/operations.html")]
struct OperationsView {
    base: CaseBase,
    jobs: Vec<JobRowView>,
    requeued: bool,
}

#[derive(Deserialize)]
struct OperationsQuery {
    satt: Option<String>,
}

async fn view_operations_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Query(q): Query<OperationsQuery>,
) -> AppResult<Response> {
    if !e.is_operations() {
        return Err(AppError::NoAccess);
    }
    let cui = super::words::case_ui(lang);
    let jobs = state
        .store
        .open_jobs(LISTED)
        .await?
        .into_iter()
        .map(|j| JobRowView {
            id: j.id,
            submission: j.submission_id,
            kind: j.kind.to_string(),
            state: cui.job_state(j.state),
            parked: j.state == JobState::Parked,
            attempts: j.attempts,
            error: j.last_error.unwrap_or_default(),
        })
        .collect();
    render(
        &OperationsView {
            base: CaseBase::new(
                lang,
                cui.ops_title,
                "/saksbehandling/drift",
                "operations",
                Some(e),
            ),
            jobs,
            requeued: q.satt.is_some(),
        },
        StatusCode::OK,
    )
}

async fn view_requeue_post(
    State(state): State<CaseState>,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path(job): Path<i64>,
) -> AppResult<Response> {
    if !e.is_operations() {
        return Err(AppError::NoAccess);
    }
    if !state.store.requeue_job(job).await? {
        return Err(AppError::NotFound);
    }
    state
        .store
        .audit(
            "outbox.requeued",
            &Actor::employee(&e.key),
            &format!("outbox:{job}"),
            &rid,
        )
        .await?;
    if let Some(outbox) = &state.outbox {
        outbox.wake();
    }
    Ok(Redirect::to("/saksbehandling/drift?satt=1").into_response())
}
