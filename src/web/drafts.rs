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
use super::{AppState, Base, L, RequestId, auth, render};

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

/// Norwegian local time without a time-zone database: UTC+1, +2 in summer (last Sunday of March to
/// last Sunday of October, at 01:00 UTC), which is what the portal's users live in.
pub fn norway_local(t: time::OffsetDateTime) -> time::PrimitiveDateTime {
    let y = t.year();
    let last_sunday = |m: time::Month| {
        let mut d = time::Date::from_calendar_date(y, m, 31).expect("31st exists");
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().expect("in range");
        }
        d.with_hms(1, 0, 0).expect("valid").assume_utc()
    };
    let summer = t >= last_sunday(time::Month::March) && t < last_sunday(time::Month::October);
    let local =
        t.to_offset(time::UtcOffset::UTC) + time::Duration::hours(if summer { 2 } else { 1 });
    time::PrimitiveDateTime::new(local.date(), local.time())
}

pub fn when(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let local = norway_local(t);
    format!(
        "{:02}.{:02}.{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    )
}

async fn view_drafts_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Query(q): Query<DraftsQuery>,
) -> AppResult<Response> {
    let owner = auth::signed_in(&state, &session, "/utkast").await?.owner;
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
            DraftRow {
                href: format!("/skjema/{}/{}/{}", d.form_id, d.id, page),
                delete: format!("/utkast/{}/slett", d.id),
                form_id: d.form_id,
                title,
                version: d.form_version,
                saved: when(d.updated_at),
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
    let owner = auth::signed_in(&state, &session, &format!("/utkast/{id}/slett"))
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
    let owner = auth::signed_in(&state, &session, "/utkast").await?.owner;
    if !state.store.delete_draft(&owner, &id, &rid).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(draft = %id, "draft deleted");
    Ok(Redirect::to("/utkast?slettet=1").into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn norwegian_time_follows_summer_time() {
        // 2025-07-01T10:00Z is 12:00 in Oslo; 2025-01-01T10:00Z is 11:00.
        assert_eq!(super::when(1_751_364_000_000), "01.07.2025 12:00");
        assert_eq!(super::when(1_735_725_600_000), "01.01.2025 11:00");
    }
}
