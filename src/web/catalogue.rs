//! The front page: Skatteetaten's service areas and their forms.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
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
    /// The search as typed.
    q: String,
    /// With a search: how many forms match, said in a sentence.
    found: Option<(usize, String)>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct SearchQuery {
    /// Words to find in a form's number, name or texts.
    #[serde(default)]
    q: String,
}

async fn view_catalogue_get(
    State(state): State<AppState>,
    L(lang): L,
    Query(search): Query<SearchQuery>,
) -> AppResult<Response> {
    let ui = super::ui(lang);
    // A search is at most a line of words; more is cut rather than refused.
    let q: String = search.q.trim().chars().take(100).collect();
    let words = search_words(&q);
    let path = if q.is_empty() {
        "/".to_owned()
    } else {
        format!(
            "/?{}",
            serde_urlencoded::to_string([("q", &q)]).unwrap_or_default()
        )
    };
    let base = Base::new(lang, ui.catalogue_title, path);
    let mut areas = areas(&state, lang, base.ui, &words);
    let found = (!words.is_empty()).then(|| {
        areas.retain(|a| !a.forms.is_empty());
        let n: usize = areas.iter().map(|a| a.forms.len()).sum();
        let text = if n == 0 {
            ui.search_none
        } else {
            ui.search_result
        };
        (n, text.replace("{n}", &n.to_string()).replace("{q}", &q))
    });
    render(
        &CatalogueView {
            base,
            areas,
            q,
            found,
        },
        StatusCode::OK,
    )
}

/// The words of a search, lower-cased; punctuation other than `-` separates words.
fn search_words(q: &str) -> Vec<String> {
    q.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a form has every word of the search in its number, or in its name, description or
/// start-page texts in any language.
fn matches(form: &crate::form::Form, words: &[String]) -> bool {
    let mut texts = vec![form.id.to_lowercase()];
    let mut add = |t: &crate::form::Text| {
        for l in Lang::ALL {
            texts.push(t.get(l).to_lowercase());
        }
    };
    add(&form.title);
    add(&form.description);
    form.about
        .audience
        .iter()
        .chain(&form.about.deadline)
        .chain(&form.about.prepare)
        .for_each(&mut add);
    words
        .iter()
        .all(|w| texts.iter().any(|t| t.contains(w.as_str())))
}

fn areas(state: &AppState, lang: Lang, ui: &super::Ui, words: &[String]) -> Vec<AreaView> {
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
                .filter(|f| matches(f, words))
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
