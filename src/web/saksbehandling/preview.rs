//! Previewing forms (form owners): every form and version, any page in nb, nn or en rendered by
//! the business side's own templates — optionally with every conditional part shown and marked
//! with its condition — validated on a post exactly as the real page is, with nothing stored and
//! nothing submitted; and the form's JSON Schema.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::session::Ansatt;
use super::{CaseBase, CaseState, area_name};
use crate::form::scenario;
use crate::form::validate::{Scope, validate};
use crate::form::{Form, Lang};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::{PreviewAction, preview_page, preview_post};
use crate::web::view::Branches;
use crate::web::{L, is_htmx, render};

/// The routes.
pub fn router() -> Router<CaseState> {
    Router::new()
        .route("/saksbehandling/skjema", get(view_forms_get))
        .route(
            "/saksbehandling/skjema/{form}/{version}",
            get(view_version_get),
        )
        .route(
            "/saksbehandling/skjema/{form}/{version}/schema.json",
            get(view_schema_get),
        )
        .route(
            "/saksbehandling/skjema/{form}/{version}/side/{page}",
            get(view_page_get).post(view_page_post),
        )
}

fn form_owner(e: &crate::auth::ansatt::Employee) -> AppResult<()> {
    if e.is_form_owner() {
        Ok(())
    } else {
        Err(AppError::NoAccess)
    }
}

fn version_of(state: &CaseState, form: &str, version: &str) -> AppResult<Arc<Form>> {
    state
        .catalog
        .get(form, version)
        .cloned()
        .ok_or(AppError::NotFound)
}

struct FormRow {
    id: String,
    title: String,
    area: String,
    versions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "saksbehandling/forms.html")]
struct FormsView {
    base: CaseBase,
    forms: Vec<FormRow>,
    /// Outside production: every problem of the form files on disk, `file:line: problem`.
    on_disk: Option<Vec<(String, bool)>>,
}

async fn view_forms_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
) -> AppResult<Response> {
    form_owner(&e)?;
    let cui = super::words::case_ui(lang);
    let forms = state
        .catalog
        .forms
        .iter()
        .filter_map(|(id, versions)| {
            let latest = versions.values().next_back()?;
            Some(FormRow {
                id: id.clone(),
                title: latest.title.get(lang).to_string(),
                area: area_name(&state.catalog, &latest.area, lang),
                versions: versions
                    .keys()
                    .rev()
                    .map(|v| (v.clone(), format!("/saksbehandling/skjema/{id}/{v}")))
                    .collect(),
            })
        })
        .collect();
    // The files as they are now, which may differ from what was loaded at start.
    let on_disk = state.forms_dir.as_deref().map(|dir| {
        crate::form::load::load_dir(dir)
            .problems
            .iter()
            .map(|p| (p.to_string(), p.warning))
            .collect()
    });
    render(
        &FormsView {
            base: CaseBase::new(
                lang,
                cui.forms_title,
                "/saksbehandling/skjema",
                "forms",
                Some(e),
            ),
            forms,
            on_disk,
        },
        StatusCode::OK,
    )
}

struct PageRow {
    title: String,
    condition: Option<String>,
    href: String,
    every_branch: String,
}

#[derive(Template)]
#[template(path = "saksbehandling/version.html")]
struct VersionView {
    base: CaseBase,
    form_id: String,
    version: String,
    title: String,
    area: String,
    pages: Vec<PageRow>,
    schema: String,
    api: Option<String>,
    example: Option<String>,
    scenarios: Vec<(String, String)>,
}

/// The document a vendor would send: the first valid scenario's, the API's first when there is
/// one (as it arrives), else the browser's (as it would be submitted).
fn example_document(form: &Form, all: &[scenario::Scenario]) -> Option<Value> {
    let valid = |s: &&scenario::Scenario| {
        s.expect.errors.is_empty() && s.version.as_deref().is_none_or(|v| v == form.version)
    };
    all.iter()
        .filter(valid)
        .find(|s| s.channel == scenario::Channel::Api)
        .or_else(|| all.iter().find(valid))
        .map(|s| scenario::document_of(form, s))
}

async fn view_version_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Path((form_id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    form_owner(&e)?;
    let form = version_of(&state, &form_id, &version)?;
    let base_url = format!("/saksbehandling/skjema/{}/{}", form.id, form.version);
    let pages = form
        .pages
        .iter()
        .map(|p| PageRow {
            title: p.title.get(lang).to_string(),
            condition: p.when.as_ref().map(|w| w.source().to_owned()),
            href: format!("{base_url}/side/{}", p.id),
            every_branch: format!("{base_url}/side/{}?alle=ja", p.id),
        })
        .collect();
    let title = form.title.get(lang).to_string();
    // The scenarios file is read once for both uses.
    let all = scenario::of_form(&form).scenarios;
    let example = example_document(&form, &all).and_then(|d| serde_json::to_string_pretty(&d).ok());
    let first = form.pages.first().map(|p| p.id.clone()).unwrap_or_default();
    let scenarios = all
        .into_iter()
        .map(|s| {
            let q = serde_urlencoded::to_string([("scenario", &s.name)]).unwrap_or_default();
            (
                format!("{} – {}", s.name, s.description),
                format!("{base_url}/side/{first}?{q}"),
            )
        })
        .collect();
    render(
        &VersionView {
            base: CaseBase::new(
                lang,
                format!("{} {} {}", form.id, title, form.version),
                base_url.clone(),
                "forms",
                Some(e),
            ),
            form_id: form.id.clone(),
            version: form.version.clone(),
            area: area_name(&state.catalog, &form.area, lang),
            title,
            pages,
            schema: format!("{base_url}/schema.json"),
            api: form.api.as_ref().map(|a| a.base.clone()),
            example,
            scenarios,
        },
        StatusCode::OK,
    )
}

async fn view_schema_get(
    State(state): State<CaseState>,
    Ansatt(e): Ansatt,
    Path((form_id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    form_owner(&e)?;
    let form = version_of(&state, &form_id, &version)?;
    let schema = crate::form::schema::json_schema(&form);
    Ok((
        [(header::CONTENT_TYPE, "application/schema+json")],
        serde_json::to_string_pretty(&schema).unwrap_or_default(),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct PreviewQuery {
    /// `ja`: every conditional part shown and marked.
    alle: Option<String>,
    /// Fill the page from this scenario of the form.
    scenario: Option<String>,
}

#[derive(Template)]
#[template(path = "saksbehandling/preview_page.html")]
struct PreviewView {
    base: CaseBase,
    form_id: String,
    form_title: String,
    version_href: String,
    page_title: String,
    page_condition: Option<String>,
    intro: Option<String>,
    step: String,
    body_html: String,
    every_branch: bool,
    switch_href: String,
    previous: Option<String>,
    next: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn preview_response(
    form: &Form,
    pi: usize,
    doc: &Value,
    errors: &[crate::form::FieldError],
    lang: Lang,
    every_branch: bool,
    e: crate::auth::ansatt::Employee,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let ctx = crate::intake::context(None);
    let base_url = format!("/saksbehandling/skjema/{}/{}", form.id, form.version);
    let q = if every_branch { "?alle=ja" } else { "" };
    let here = format!("{base_url}/side/{}{q}", form.pages[pi].id);
    let branches = if every_branch {
        Branches::All
    } else {
        Branches::AsAnswered
    };
    let p = preview_page(form, pi, doc, &ctx, errors, lang, &here, branches);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if is_htmx(headers) {
        // htmx swaps the page body only, as on the business side.
        return Ok((status, Html(p.body_html)).into_response());
    }
    let page_href = |i: usize| format!("{base_url}/side/{}{q}", form.pages[i].id);
    let cui = super::words::case_ui(lang);
    render(
        &PreviewView {
            base: CaseBase::new(
                lang,
                format!(
                    "{}: {} – {}",
                    cui.preview_title,
                    p.title,
                    form.title.get(lang)
                ),
                here,
                "forms",
                Some(e),
            ),
            form_id: form.id.clone(),
            form_title: form.title.get(lang).to_string(),
            version_href: base_url.clone(),
            page_title: p.title,
            page_condition: form.pages[pi].when.as_ref().map(|w| w.source().to_owned()),
            intro: p.intro,
            step: p.step,
            body_html: p.body_html,
            every_branch,
            switch_href: format!(
                "{base_url}/side/{}{}",
                form.pages[pi].id,
                if every_branch { "" } else { "?alle=ja" }
            ),
            previous: pi.checked_sub(1).map(page_href),
            next: (pi + 1 < form.pages.len()).then(|| page_href(pi + 1)),
        },
        status,
    )
}

async fn view_page_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    headers: HeaderMap,
    Path((form_id, version, page_id)): Path<(String, String, String)>,
    Query(q): Query<PreviewQuery>,
) -> AppResult<Response> {
    form_owner(&e)?;
    let form = version_of(&state, &form_id, &version)?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    let every = q.alle.as_deref() == Some("ja");
    // From a scenario: its answers as its door makes them, and the errors they give on this page.
    let (doc, errors) = match &q.scenario {
        Some(name) => {
            let s = scenario::of_form(&form)
                .scenarios
                .into_iter()
                .find(|s| &s.name == name)
                .ok_or(AppError::NotFound)?;
            let doc = scenario::document_of(&form, &s);
            let errors = validate(&form, &doc, Scope::Page(pi), &s.context);
            (doc, errors)
        }
        None => (Value::Object(Default::default()), Vec::new()),
    };
    preview_response(&form, pi, &doc, &errors, lang, every, e, &headers)
}

/// A post validates the page exactly as the real page does, and shows it again with the real
/// messages; nothing is stored. "Next" on a valid page goes to the next page's preview.
async fn view_page_post(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    headers: HeaderMap,
    Path((form_id, version, page_id)): Path<(String, String, String)>,
    Query(q): Query<PreviewQuery>,
    body: Bytes,
) -> AppResult<Response> {
    form_owner(&e)?;
    let form = version_of(&state, &form_id, &version)?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    let every = q.alle.as_deref() == Some("ja");
    let (mut doc, action) = preview_post(&form, pi, &body)?;
    let ctx = crate::intake::context(None);
    crate::form::document::compute(&form, &mut doc, &ctx);
    let suffix = if every { "?alle=ja" } else { "" };
    let page_href = |i: usize| {
        format!(
            "/saksbehandling/skjema/{}/{}/side/{}{suffix}",
            form.id, form.version, form.pages[i].id
        )
    };
    match action {
        PreviewAction::Next if !is_htmx(&headers) => {
            let errors = validate(&form, &doc, Scope::Page(pi), &ctx);
            if errors.is_empty() {
                let to = match pi + 1 < form.pages.len() {
                    true => page_href(pi + 1),
                    false => format!("/saksbehandling/skjema/{}/{}", form.id, form.version),
                };
                return Ok(Redirect::to(&to).into_response());
            }
            preview_response(&form, pi, &doc, &errors, lang, every, e, &headers)
        }
        PreviewAction::Back if pi > 0 => Ok(Redirect::to(&page_href(pi - 1)).into_response()),
        _ => preview_response(&form, pi, &doc, &[], lang, every, e, &headers),
    }
}
