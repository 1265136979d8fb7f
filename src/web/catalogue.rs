//! The front page: Skatteetaten's service areas and their forms.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::error::AppResult;
use super::{AppState, Base, L, render};
use crate::form::Lang;

/// The catalogue routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(view_catalogue_get))
}

/// A form in the catalogue.
struct FormLink {
    id: String,
    title: String,
    description: String,
    href: String,
}

/// A service area in the catalogue.
struct AreaView {
    id: String,
    title: String,
    description: String,
    channels: Vec<&'static str>,
    forms: Vec<FormLink>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CatalogueView {
    base: Base,
    areas: Vec<AreaView>,
}

async fn view_catalogue_get(State(state): State<AppState>, L(lang): L) -> AppResult<Response> {
    let base = Base::new(lang, super::ui(lang).catalogue_title, "/");
    let areas = areas(&state, lang, base.ui);
    render(&CatalogueView { base, areas }, StatusCode::OK)
}

fn areas(state: &AppState, lang: Lang, ui: &super::Ui) -> Vec<AreaView> {
    state
        .catalog
        .areas
        .iter()
        .map(|a| AreaView {
            id: a.id.clone(),
            title: a.title.get(lang).to_string(),
            description: a.description.get(lang).to_string(),
            channels: a.channels.iter().map(|c| ui.channel(*c)).collect(),
            forms: state
                .catalog
                .forms_in(&a.id)
                .into_iter()
                .map(|f| FormLink {
                    id: f.id.clone(),
                    title: f.title.get(lang).to_string(),
                    description: f.description.get(lang).to_string(),
                    href: format!("/skjema/{}", f.id),
                })
                .collect(),
        })
        .collect()
}
