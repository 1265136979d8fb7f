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

use super::live::Now;
use super::session::Ansatt;
use super::{CaseBase, CaseState, area_name};
use crate::form::describe::when_in_words;
use crate::form::document::Prefilled;
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
        .route("/saksbehandling/skjema/lasting", get(view_generation_get))
        .route(
            "/saksbehandling/skjema/{form}/endringer",
            get(view_changes_get),
        )
        .route(
            "/saksbehandling/skjema/{form}/{version}/oppsummering",
            get(view_summary_get),
        )
        .route(
            "/saksbehandling/skjema/{form}/{version}/kvittering",
            get(view_receipt_get),
        )
        .route(
            "/saksbehandling/skjema/{form}/{version}/kvittering.pdf",
            get(view_receipt_pdf_get),
        )
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

fn version_of(now: &Now, form: &str, version: &str) -> AppResult<Arc<Form>> {
    now.catalog
        .get(form, version)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// The form's scenario of that name, or 404.
fn scenario_named(form: &Form, name: &str) -> AppResult<scenario::Scenario> {
    scenario::of_form(form)
        .scenarios
        .into_iter()
        .find(|s| s.name == name)
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
    let now = state.forms();
    let forms = now
        .catalog
        .forms
        .iter()
        .filter_map(|(id, versions)| {
            let latest = versions.values().next_back()?;
            Some(FormRow {
                id: id.clone(),
                title: latest.title.get(lang).to_string(),
                area: area_name(&now.catalog, &latest.area, lang),
                versions: versions
                    .keys()
                    .rev()
                    .map(|v| (v.clone(), format!("/saksbehandling/skjema/{id}/{v}")))
                    .collect(),
            })
        })
        .collect();
    // The files as they are now, which may differ from what was loaded at start (the live
    // preview has just loaded them).
    let on_disk = match (&state.live, state.forms_dir.as_deref()) {
        (Some(_), _) => Some(now.problems.as_ref().clone()),
        (None, Some(dir)) => Some(crate::form::load::load_dir(dir).problem_lines()),
        (None, None) => None,
    };
    render(
        &FormsView {
            base: CaseBase::new(
                lang,
                cui.forms_title,
                "/saksbehandling/skjema",
                "forms",
                Some(e),
            )
            .with_live(&state, &now),
            forms,
            on_disk,
        },
        StatusCode::OK,
    )
}

/// Which load of the forms the live preview has (`0` outside it): the pages' script shows the
/// page again when it moves on.
async fn view_generation_get(
    State(state): State<CaseState>,
    Ansatt(e): Ansatt,
) -> AppResult<Response> {
    form_owner(&e)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        state.forms().generation.to_string(),
    )
        .into_response())
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
    scenarios: Vec<ScenarioRow>,
    /// Where the changes from the previous version are shown, when there is one.
    changes: Option<String>,
}

/// A scenario on a version's page, with links to what it fills.
struct ScenarioRow {
    name: String,
    description: String,
    first_page: String,
    summary: String,
    receipt: String,
    pdf: String,
}

/// The document a vendor would send: the first valid scenario's, the API's first when there is
/// one (as it arrives), else the browser's (as it would be submitted).
fn example_document(form: &Form, all: &[scenario::Scenario]) -> Option<Value> {
    let valid = |s: &&scenario::Scenario| s.expect.errors.is_empty() && s.fits(form);
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
    let now = state.forms();
    let form = version_of(&now, &form_id, &version)?;
    let base_url = format!("/saksbehandling/skjema/{}/{}", form.id, form.version);
    let pages = form
        .pages
        .iter()
        .map(|p| PageRow {
            title: p.title.get(lang).to_string(),
            condition: p.when.as_ref().map(|w| when_in_words(&form, w, lang)),
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
        .filter(|s| s.fits(&form))
        .map(|s| {
            let q = serde_urlencoded::to_string([("scenario", &s.name)]).unwrap_or_default();
            ScenarioRow {
                first_page: format!("{base_url}/side/{first}?{q}"),
                summary: format!("{base_url}/oppsummering?{q}"),
                receipt: format!("{base_url}/kvittering?{q}"),
                pdf: format!("{base_url}/kvittering.pdf?{q}"),
                name: s.name,
                description: s.description,
            }
        })
        .collect();
    let changes = now
        .catalog
        .forms
        .get(&form.id)
        .and_then(|versions| versions.range(..form.version.clone()).next_back())
        .map(|(previous, _)| {
            let q = serde_urlencoded::to_string([("fra", previous), ("til", &form.version)])
                .unwrap_or_default();
            format!("/saksbehandling/skjema/{}/endringer?{q}", form.id)
        });
    render(
        &VersionView {
            base: CaseBase::new(
                lang,
                format!("{} {} {}", form.id, title, form.version),
                base_url.clone(),
                "forms",
                Some(e),
            )
            .with_live(&state, &now),
            form_id: form.id.clone(),
            version: form.version.clone(),
            area: area_name(&now.catalog, &form.area, lang),
            title,
            pages,
            schema: format!("{base_url}/schema.json"),
            api: form.api.as_ref().map(|a| a.base.clone()),
            example,
            scenarios,
            changes,
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
    let now = state.forms();
    let form = version_of(&now, &form_id, &version)?;
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

/// The query of a preview page: every branch shown, and the scenario it is filled from.
fn preview_query(every_branch: bool, scenario: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if every_branch {
        pairs.push(("alle", "ja"));
    }
    if let Some(s) = scenario {
        pairs.push(("scenario", s));
    }
    match serde_urlencoded::to_string(pairs) {
        Ok(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    }
}

/// Where a preview page is and what it shows.
struct Shown<'a> {
    state: &'a CaseState,
    now: &'a Now,
    every_branch: bool,
    scenario: Option<&'a str>,
}

/// What a previewed draft took from the public registers: a portal scenario's own (its
/// `register` and `folkeregister`); otherwise every field a register fills, without a value, so
/// that a locked one shows as locked.
fn prefilled_of(form: &Form, scenario: Option<&scenario::Scenario>) -> Vec<Prefilled> {
    match scenario {
        Some(s) if s.channel == scenario::Channel::Portal => {
            crate::form::document::start(form, &s.context).prefilled
        }
        Some(_) => Vec::new(),
        None => crate::form::document::register_fields(form),
    }
}

#[allow(clippy::too_many_arguments)]
fn preview_response(
    form: &Form,
    pi: usize,
    doc: &Value,
    prefilled: &[Prefilled],
    errors: &[crate::form::FieldError],
    lang: Lang,
    shown: &Shown,
    e: crate::auth::ansatt::Employee,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let ctx = crate::intake::context(None);
    let base_url = format!("/saksbehandling/skjema/{}/{}", form.id, form.version);
    let every_branch = shown.every_branch;
    let q = preview_query(every_branch, shown.scenario);
    let here = format!("{base_url}/side/{}{q}", form.pages[pi].id);
    let branches = if every_branch {
        Branches::All(form)
    } else {
        Branches::AsAnswered
    };
    let p = preview_page(
        form, pi, doc, &ctx, errors, lang, &here, branches, prefilled,
    );
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
            )
            .with_live(shown.state, shown.now),
            form_id: form.id.clone(),
            form_title: form.title.get(lang).to_string(),
            version_href: base_url.clone(),
            page_title: p.title,
            page_condition: form.pages[pi]
                .when
                .as_ref()
                .map(|w| when_in_words(form, w, lang)),
            intro: p.intro,
            step: p.step,
            body_html: p.body_html,
            every_branch,
            switch_href: format!(
                "{base_url}/side/{}{}",
                form.pages[pi].id,
                preview_query(!every_branch, shown.scenario)
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
    let now = state.forms();
    let form = version_of(&now, &form_id, &version)?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    let every = q.alle.as_deref() == Some("ja");
    // From a scenario: its answers as its door makes them, and the errors they give on this page.
    let (doc, errors, prefilled) = match &q.scenario {
        Some(name) => {
            let s = scenario_named(&form, name)?;
            let doc = scenario::document_of(&form, &s);
            let errors = validate(&form, &doc, Scope::Page(pi), &s.context);
            (doc, errors, prefilled_of(&form, Some(&s)))
        }
        None => (
            Value::Object(Default::default()),
            Vec::new(),
            prefilled_of(&form, None),
        ),
    };
    let shown = Shown {
        state: &state,
        now: &now,
        every_branch: every,
        scenario: q.scenario.as_deref(),
    };
    preview_response(
        &form, pi, &doc, &prefilled, &errors, lang, &shown, e, &headers,
    )
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
    let now = state.forms();
    let form = version_of(&now, &form_id, &version)?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    let every = q.alle.as_deref() == Some("ja");
    let (mut doc, action) = preview_post(&form, pi, &body)?;
    let prefilled = prefilled_of(&form, None);
    let ctx = crate::intake::context(None);
    crate::form::document::compute(&form, &mut doc, &ctx);
    // A post shows what was posted: the scenario it may have started from is left behind.
    let shown = Shown {
        state: &state,
        now: &now,
        every_branch: every,
        scenario: None,
    };
    let suffix = preview_query(every, None);
    let page_href = |i: usize| {
        format!(
            "/saksbehandling/skjema/{}/{}/side/{}{suffix}",
            form.id, form.version, form.pages[i].id
        )
    };
    match action {
        PreviewAction::Next if !is_htmx(&headers) => {
            // A locked answer comes from the register on a real page, never from the post: its
            // absence here is not the user's to correct.
            let mut errors = validate(&form, &doc, Scope::Page(pi), &ctx);
            errors.retain(|e| !prefilled.iter().any(|p| p.locked && p.path == e.sti()));
            if errors.is_empty() {
                let to = match pi + 1 < form.pages.len() {
                    true => page_href(pi + 1),
                    false => format!("/saksbehandling/skjema/{}/{}", form.id, form.version),
                };
                return Ok(Redirect::to(&to).into_response());
            }
            preview_response(
                &form, pi, &doc, &prefilled, &errors, lang, &shown, e, &headers,
            )
        }
        PreviewAction::Back if pi > 0 => Ok(Redirect::to(&page_href(pi - 1)).into_response()),
        _ => preview_response(&form, pi, &doc, &prefilled, &[], lang, &shown, e, &headers),
    }
}

#[derive(Debug, Deserialize)]
struct ScenarioQuery {
    /// The scenario whose answers are shown.
    scenario: String,
}

/// A scenario's document as its door makes it, with the form and the context it is read in.
struct Filled {
    form: Arc<Form>,
    scenario: scenario::Scenario,
    doc: Value,
    base_url: String,
    query: String,
}

/// For a form owner: the forms now, and the form version filled from its scenario `name`.
fn from_scenario(
    state: &CaseState,
    e: &crate::auth::ansatt::Employee,
    form_id: &str,
    version: &str,
    name: &str,
) -> AppResult<(Now, Filled)> {
    form_owner(e)?;
    let now = state.forms();
    let f = filled(&now, form_id, version, name)?;
    Ok((now, f))
}

fn filled(now: &Now, form_id: &str, version: &str, name: &str) -> AppResult<Filled> {
    let form = version_of(now, form_id, version)?;
    let scenario = scenario_named(&form, name)?;
    let doc = scenario::document_of(&form, &scenario);
    let base_url = format!("/saksbehandling/skjema/{}/{}", form.id, form.version);
    let query = serde_urlencoded::to_string([("scenario", name)]).unwrap_or_default();
    Ok(Filled {
        form,
        scenario,
        doc,
        base_url,
        query,
    })
}

/// The top of a page shown from a scenario: the "preview" mark and which form it is.
struct Marked {
    form_id: String,
    form_title: String,
    version_href: String,
    lead: String,
}

impl Marked {
    fn new(f: &Filled, lang: Lang, lead: &str) -> Marked {
        Marked {
            form_id: f.form.id.clone(),
            form_title: f.form.title.get(lang).to_string(),
            version_href: f.base_url.clone(),
            lead: lead.replace("{name}", &f.scenario.name),
        }
    }
}

#[derive(Template)]
#[template(path = "saksbehandling/preview_summary.html")]
struct SummaryView {
    base: CaseBase,
    marked: Marked,
    pages: Vec<crate::intake::receipt::answers::PageAnswers>,
    computed: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    receipt: String,
}

/// Check-your-answers as the user would see it with the scenario's answers, marked "preview",
/// with the errors the whole document gives; each page's "change" opens its preview filled from
/// the scenario.
async fn view_summary_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Path((form_id, version)): Path<(String, String)>,
    Query(q): Query<ScenarioQuery>,
) -> AppResult<Response> {
    use crate::intake::receipt::answers;
    let (now, f) = from_scenario(&state, &e, &form_id, &version, &q.scenario)?;
    let (form, ctx, doc) = (&f.form, &f.scenario.context, &f.doc);
    let ui = crate::i18n::ui(lang);
    let cui = super::words::case_ui(lang);
    let mut pages = answers::answers(form, doc, ctx, lang, ui, &format!("{}/side", f.base_url));
    for p in &mut pages {
        p.href = format!("{}?{}", p.href, f.query);
    }
    let errors = validate(form, doc, Scope::All, ctx)
        .iter()
        .map(|err| (err.sti(), answers::error_message(form, err, lang, ui)))
        .collect();
    let computed = answers::computed(form, doc, lang);
    let here = format!("{}/oppsummering?{}", f.base_url, f.query);
    render(
        &SummaryView {
            base: CaseBase::new(
                lang,
                format!(
                    "{}: {} – {}",
                    cui.preview_title,
                    ui.summary_title,
                    form.title.get(lang)
                ),
                here,
                "forms",
                Some(e),
            )
            .with_live(&state, &now),
            marked: Marked::new(&f, lang, cui.preview_summary_lead),
            pages,
            computed,
            errors,
            receipt: format!("{}/kvittering?{}", f.base_url, f.query),
        },
        StatusCode::OK,
    )
}

/// The receipt a scenario would get: the stored row a submission of its document would make,
/// with a preview's reference, the scenario's party and person as names, and now as its time.
fn preview_row(f: &Filled, lang: Lang) -> crate::store::SubmissionRow {
    let cui = super::words::case_ui(lang);
    let ctx = &f.scenario.context;
    let party = match (&ctx.party_orgnr, &ctx.user_pid) {
        (Some(orgnr), _) => format!("org:{orgnr}"),
        (None, Some(pid)) => format!("person:{pid}"),
        (None, None) => String::new(),
    };
    let document = crate::intake::canonical::canonical(&f.doc);
    let at = crate::clock::now_ms();
    crate::store::SubmissionRow {
        id: String::new(),
        reference: cui.preview_reference.to_owned(),
        idempotency_key: String::new(),
        form_id: f.form.id.clone(),
        form_version: f.form.version.clone(),
        party,
        submitter: ctx
            .user_pid
            .as_ref()
            .map_or_else(String::new, |p| format!("person:{p}")),
        party_name: ctx.party_name.clone(),
        submitter_name: ctx.user_name.clone(),
        channel: match f.scenario.channel {
            scenario::Channel::Portal => "browser",
            scenario::Channel::Api => "api",
        }
        .to_owned(),
        lang: lang.code().to_owned(),
        sha256: crate::intake::canonical::sha256_hex(document.as_bytes()),
        document,
        dialog_id: String::new(),
        transmission_id: String::new(),
        response: String::new(),
        status: crate::store::SubmissionStatus::Received,
        feedback: None,
        created_at: at,
        updated_at: at,
    }
}

#[derive(Template)]
#[template(path = "saksbehandling/preview_receipt.html")]
struct ReceiptView {
    base: CaseBase,
    marked: Marked,
    facts: Vec<(&'static str, String)>,
    pages: Vec<crate::intake::receipt::answers::PageAnswers>,
    pdf: String,
    summary: String,
}

/// The receipt page with the scenario's answers, marked "preview".
async fn view_receipt_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Path((form_id, version)): Path<(String, String)>,
    Query(q): Query<ScenarioQuery>,
) -> AppResult<Response> {
    use crate::intake::receipt;
    let (now, f) = from_scenario(&state, &e, &form_id, &version, &q.scenario)?;
    let ui = crate::i18n::ui(lang);
    let cui = super::words::case_ui(lang);
    let row = preview_row(&f, lang);
    let title = f.form.title.get(lang).to_string();
    let facts = receipt::facts(lang, &row, &title, &receipt::Names::of(&row, None));
    let mut pages = receipt::answers::answers(&f.form, &f.doc, &f.scenario.context, lang, ui, "");
    for p in &mut pages {
        p.href.clear();
    }
    render(
        &ReceiptView {
            base: CaseBase::new(
                lang,
                format!("{}: {} – {title}", cui.preview_title, ui.receipt_title),
                format!("{}/kvittering?{}", f.base_url, f.query),
                "forms",
                Some(e),
            )
            .with_live(&state, &now),
            marked: Marked::new(&f, lang, cui.preview_receipt_lead),
            facts,
            pages,
            pdf: format!("{}/kvittering.pdf?{}", f.base_url, f.query),
            summary: format!("{}/oppsummering?{}", f.base_url, f.query),
        },
        StatusCode::OK,
    )
}

/// The receipt PDF with the scenario's answers, "preview" before its title and on every page.
async fn view_receipt_pdf_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Path((form_id, version)): Path<(String, String)>,
    Query(q): Query<ScenarioQuery>,
) -> AppResult<Response> {
    use crate::intake::receipt;
    let (_, f) = from_scenario(&state, &e, &form_id, &version, &q.scenario)?;
    let cui = super::words::case_ui(lang);
    let row = preview_row(&f, lang);
    let pdf = receipt::pdf_marked(
        &f.form,
        &row,
        &f.doc,
        &f.scenario.context,
        lang,
        &receipt::Names::of(&row, None),
        Some(cui.preview_mark),
    )
    .map_err(|err| AppError::Internal(format!("receipt PDF: {err:#}")))?;
    Ok(crate::web::submitted::pdf_response(
        // A header value is ASCII: the word without its letters beyond it.
        &format!("forhandsvisning-{}", f.form.id),
        pdf,
    ))
}

#[derive(Debug, Default, Deserialize)]
struct ChangesQuery {
    /// The older version.
    fra: Option<String>,
    /// The newer version.
    til: Option<String>,
}

#[derive(Template)]
#[template(path = "saksbehandling/changes.html")]
struct ChangesView {
    base: CaseBase,
    form_id: String,
    form_title: String,
    /// Every version, newest first, and whether it is the `fra` and the `til` choice.
    versions: Vec<(String, bool, bool)>,
    /// The heading of the list and its changes, when two versions are compared.
    changes: Option<(String, Vec<String>)>,
}

/// What changed between two versions of a form, in words: `fra` and `til` (default: the newest
/// and the one before it).
async fn view_changes_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
    Path(form_id): Path<String>,
    Query(q): Query<ChangesQuery>,
) -> AppResult<Response> {
    form_owner(&e)?;
    let now = state.forms();
    let versions = now.catalog.forms.get(&form_id).ok_or(AppError::NotFound)?;
    let latest = versions.values().next_back().ok_or(AppError::NotFound)?;
    let til = q.til.unwrap_or_else(|| latest.version.clone());
    let fra = match q.fra {
        Some(v) => v,
        None => versions
            .range(..til.clone())
            .next_back()
            .map_or_else(|| til.clone(), |(v, _)| v.clone()),
    };
    let (old, new) = (
        versions.get(&fra).ok_or(AppError::NotFound)?,
        versions.get(&til).ok_or(AppError::NotFound)?,
    );
    let cui = super::words::case_ui(lang);
    let changes = (versions.len() > 1).then(|| {
        let list: Vec<String> = crate::form::diff::compare(old, new)
            .iter()
            .map(|c| c.words(lang))
            .collect();
        let heading = cui
            .changes_heading
            .replace("{from}", &fra)
            .replace("{to}", &til);
        (heading, list)
    });
    let here = format!(
        "/saksbehandling/skjema/{form_id}/endringer?{}",
        serde_urlencoded::to_string([("fra", &fra), ("til", &til)]).unwrap_or_default()
    );
    render(
        &ChangesView {
            base: CaseBase::new(
                lang,
                format!("{} – {}", cui.changes_title, latest.title.get(lang)),
                here,
                "forms",
                Some(e),
            )
            .with_live(&state, &now),
            form_id: form_id.clone(),
            form_title: latest.title.get(lang).to_string(),
            versions: versions
                .keys()
                .rev()
                .map(|v| (v.clone(), *v == fra, *v == til))
                .collect(),
            changes,
        },
        StatusCode::OK,
    )
}
