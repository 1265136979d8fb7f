//! "My drafts": every draft of the owner, to resume or delete.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::{AppState, Base, L, RequestId, render, session};
use crate::i18n::when;

/// The drafts routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/utkast", get(view_drafts_get)).route(
        "/utkast/{draft}/slett",
        get(view_delete_get).post(view_delete_post),
    )
}

struct DraftRow {
    form_id: String,
    title: String,
    version: String,
    saved: String,
    /// The day it will be deleted unless saved before.
    expires: String,
    href: String,
    delete: String,
}

#[derive(Template)]
#[template(path = "drafts.html")]
struct DraftsView {
    base: Base,
    drafts: Vec<DraftRow>,
    deleted: bool,
}

#[derive(Deserialize)]
struct DraftsQuery {
    slettet: Option<String>,
}

async fn view_drafts_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Query(q): Query<DraftsQuery>,
) -> AppResult<Response> {
    let owner = session::signed_in(&state, &session, "/utkast").await?.owner;
    let drafts = state.store.drafts(&owner).await?;
    let rows = drafts
        .into_iter()
        .map(|d| {
            let form = state.catalog.get(&d.form_id, &d.form_version);
            let title = form.map_or_else(|| d.form_id.clone(), |f| f.title.get(lang).to_string());
            let page = d
                .last_page
                .clone()
                .or_else(|| form.map(|f| f.pages[0].id.clone()))
                .unwrap_or_default();
            let expires = state.retention.draft_deleted_at(&d.form_id, d.updated_at);
            DraftRow {
                href: format!("/skjema/{}/{}/{}", d.form_id, d.id, page),
                delete: format!("/utkast/{}/slett", d.id),
                form_id: d.form_id,
                title,
                version: d.form_version,
                saved: when(d.updated_at, lang),
                expires: crate::i18n::day(expires, lang),
            }
        })
        .collect();
    let base = Base::new(lang, super::ui(lang).drafts_title, "/utkast");
    render(
        &DraftsView {
            base,
            drafts: rows,
            deleted: q.slettet.is_some(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "draft_delete.html")]
struct DeleteView {
    base: Base,
    title: String,
    action: String,
}

async fn view_delete_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let owner = session::signed_in(&state, &session, &format!("/utkast/{id}/slett"))
        .await?
        .owner;
    let d = state
        .store
        .draft(&owner, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = state
        .catalog
        .get(&d.form_id, &d.form_version)
        .map_or_else(|| d.form_id.clone(), |f| f.title.get(lang).to_string());
    let ui = super::ui(lang);
    render(
        &DeleteView {
            base: Base::new(lang, ui.delete_title, format!("/utkast/{id}/slett")),
            title,
            action: format!("/utkast/{id}/slett"),
        },
        StatusCode::OK,
    )
}

async fn view_delete_post(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let owner = session::signed_in(&state, &session, "/utkast").await?.owner;
    if !state.store.delete_draft(&owner, &id, &rid).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(draft = %id, "draft deleted");
    Ok(Redirect::to("/utkast?slettet=1").into_response())
}
