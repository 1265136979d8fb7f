//! The accessibility statement (`/tilgjengelighet`) and the privacy notice (`/personvern`), linked
//! from every page's footer, in bokmål, nynorsk and English. The privacy notice gives the
//! retention periods this portal is configured with, so it says what the portal does.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::error::AppResult;
use super::{AppState, Base, L, render};
use crate::form::Lang;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tilgjengelighet", get(view_accessibility_get))
        .route("/personvern", get(view_privacy_get))
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityView {
    base: Base,
}

async fn view_accessibility_get(L(lang): L) -> AppResult<Response> {
    let title = match lang {
        Lang::Nb => "Tilgjengelighetserklæring",
        Lang::Nn => "Tilgjengelegheitserklæring",
        Lang::En => "Accessibility statement",
    };
    render(
        &AccessibilityView {
            base: Base::new(lang, title, "/tilgjengelighet"),
        },
        StatusCode::OK,
    )
}

/// An area whose drafts or submissions are kept for other periods than the portal's.
struct AreaPeriod {
    name: String,
    draft_days: u32,
    submission_years: u32,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyView {
    base: Base,
    draft_days: u32,
    submission_years: u32,
    audit_years: u32,
    areas: Vec<AreaPeriod>,
}

async fn view_privacy_get(State(state): State<AppState>, L(lang): L) -> AppResult<Response> {
    let title = match lang {
        Lang::Nb | Lang::Nn => "Personvern",
        Lang::En => "Privacy",
    };
    let p = state.retention.periods();
    let areas = state
        .catalog
        .areas
        .iter()
        .filter(|a| a.retention.draft_days.is_some() || a.retention.submission_years.is_some())
        .map(|a| AreaPeriod {
            name: a.title.get(lang).to_owned(),
            draft_days: a.retention.draft_days.unwrap_or(p.draft_days),
            submission_years: a.retention.submission_years.unwrap_or(p.submission_years),
        })
        .collect();
    render(
        &PrivacyView {
            base: Base::new(lang, title, "/personvern"),
            draft_days: p.draft_days,
            submission_years: p.submission_years,
            audit_years: p.audit_years,
            areas,
        },
        StatusCode::OK,
    )
}
