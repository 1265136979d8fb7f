//! Filling in a form: start or resume, page by page, check-your-answers.
//!
//! Every page post saves the draft (even with errors) before anything else; htmx posts the same
//! answers to the fragment route on each change and gets the page body back.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::error::{AppError, AppResult};
use super::registers;
use super::session::{self, Signed};
use super::view::{self, Item, SummaryError};
use super::{AppState, Base, ClientAddr, L, RequestId, Ui, is_htmx, lang_cookie, render};
use crate::form::document::{self, Prefilled, dom_id, instantiate, row_count};
use crate::form::expr::{format_path, parse_path};
use crate::form::validate::{Scope, validate};
use crate::form::{Context, FieldKind, Form, Lang, Page, Seg, input};
use crate::intake::receipt::answers::{self, PageAnswers};
use crate::store::{Actor, AttachmentRow, Draft, Owner, Saved};
use tower_sessions::Session;

/// The routes of form pages.
pub fn router(upload_cap: usize) -> Router<AppState> {
    Router::new()
        .route("/skjema/{form}", get(view_start_get).post(view_start_post))
        .route("/skjema/{form}/{draft}/oppsummering", get(view_summary_get))
        .route(
            "/skjema/{form}/{draft}/{page}",
            get(view_page_get)
                .post(view_page_post)
                .layer(axum::extract::DefaultBodyLimit::max(upload_cap)),
        )
        .route(
            "/skjema/{form}/{draft}/{page}/felt",
            post(view_page_fragment),
        )
}

#[derive(Template)]
#[template(path = "form_start.html")]
struct StartView<'a> {
    base: Base,
    form: &'a Form,
    lang: Lang,
    existing: Option<String>,
    action: String,
    /// The party lacks a registration the form requires: it may not start the form.
    refusal: Option<registers::Refusal>,
    /// The requirements could not be checked: it may start, warned.
    warning: Option<String>,
    /// Where the whole delivery may be sent as a file instead, and the offer's words.
    file: Option<(String, &'static str)>,
}

/// The login and party checks of a form's routes, for the newest version of the form (a draft
/// pinned to an older version has the same resource and level).
pub(super) async fn signed(
    state: &AppState,
    session: &Session,
    form_id: &str,
    here: &str,
    rid: &str,
) -> AppResult<Signed> {
    let form = state.catalog.latest(form_id).ok_or(AppError::NotFound)?;
    session::for_form(state, session, form, here, rid).await
}

async fn view_start_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path(form_id): Path<String>,
) -> AppResult<Response> {
    let form = state.catalog.latest(&form_id).ok_or(AppError::NotFound)?;
    let here = format!("/skjema/{}", form.id);
    let s = signed(&state, &session, &form.id, &here, &rid).await?;
    let standing = if form.requires.is_empty() {
        registers::Standing::Clear
    } else {
        registers::standing(form, registers::unit(&state, &s, form).await.as_ref())
    };
    start_page(&state, &s, form, &standing, lang, StatusCode::OK).await
}

/// The start page: the form, a draft to resume, and the party's standing against what the form
/// requires (no way to start when it lacks a registration).
async fn start_page(
    state: &AppState,
    s: &Signed,
    form: &Form,
    standing: &registers::Standing,
    lang: Lang,
    status: StatusCode,
) -> AppResult<Response> {
    let existing = state.store.latest_draft(&s.owner, &form.id).await?;
    let existing = existing.map(|d| {
        let page = d
            .last_page
            .clone()
            .unwrap_or_else(|| form.pages[0].id.clone());
        format!("/skjema/{}/{}/{}", form.id, d.id, page)
    });
    let (refusal, warning) = registers::said(form, standing, &s.party_name, lang);
    let base = Base::new(lang, form.title.get(lang), format!("/skjema/{}", form.id));
    render(
        &StartView {
            base,
            form,
            lang,
            existing,
            action: format!("/skjema/{}", form.id),
            refusal,
            warning,
            file: super::file_delivery::takes_file(form).then(|| {
                (
                    format!("/skjema/{}/fil", form.id),
                    crate::i18n::upload::words(lang).offer,
                )
            }),
        },
        status,
    )
}

async fn view_start_post(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path(form_id): Path<String>,
) -> AppResult<Response> {
    let form = state.catalog.latest(&form_id).ok_or(AppError::NotFound)?;
    let here = format!("/skjema/{}", form.id);
    let s = signed(&state, &session, &form.id, &here, &rid).await?;
    let unit = registers::unit(&state, &s, form).await;
    // The start page said so already; a post that goes around it is told again.
    let standing = registers::standing(form, unit.as_ref());
    if let registers::Standing::Lacking(missing) = &standing {
        tracing::info!(form = %form.id, ?missing, "draft refused: the party lacks a registration");
        return start_page(&state, &s, form, &standing, lang, StatusCode::FORBIDDEN).await;
    }
    let ctx = registers::context(&state, &s, form, unit).await;
    let started = document::start(form, &ctx);
    let draft = state
        .store
        .create_draft(
            &s.owner,
            &form.id,
            &form.version,
            &started.document,
            &started.prefilled,
            &rid,
        )
        .await?;
    tracing::info!(form = %form.id, draft = %draft.id, from_registers = started.prefilled.len(), "draft started");
    let first = first_visible(form, &started.document, &ctx, 0);
    Ok(Redirect::to(&page_url(form, &draft.id, first)).into_response())
}

/// The draft and the form version it is pinned to; anything not the owner's is a 404.
pub(super) async fn load(
    state: &AppState,
    owner: &Owner,
    form_id: &str,
    draft_id: &str,
) -> AppResult<(Arc<Form>, Draft)> {
    load_at(state, owner, form_id, draft_id, None).await
}

/// As [`load`]; for a save posted from the page at `version`, the draft this node kept from its
/// last save of it, when that is the same version (`Store::draft_to_save`).
async fn load_at(
    state: &AppState,
    owner: &Owner,
    form_id: &str,
    draft_id: &str,
    version: Option<i64>,
) -> AppResult<(Arc<Form>, Draft)> {
    if uuid::Uuid::parse_str(draft_id).is_err() {
        return Err(AppError::NotFound);
    }
    let draft = match version {
        Some(v) => state.store.draft_to_save(owner, draft_id, v).await?,
        None => state.store.draft(owner, draft_id).await?,
    };
    let draft = draft
        .filter(|d| d.form_id == form_id)
        .ok_or(AppError::NotFound)?;
    let form = state
        .catalog
        .get(&draft.form_id, &draft.form_version)
        .ok_or(AppError::NotFound)?
        .clone();
    let mut draft = draft;
    super::uploads::with_files(state, &form, &mut draft).await?;
    Ok((form, draft))
}

/// The first page at or after `from` that is shown; `None` means the summary.
fn first_visible(form: &Form, doc: &Value, ctx: &Context, from: usize) -> Option<usize> {
    (from..form.pages.len()).find(|&i| document::page_visible(form, i, doc, ctx))
}

fn last_visible_before(form: &Form, doc: &Value, ctx: &Context, before: usize) -> Option<usize> {
    (0..before)
        .rev()
        .find(|&i| document::page_visible(form, i, doc, ctx))
}

fn page_url(form: &Form, draft: &str, page: Option<usize>) -> String {
    match page {
        Some(i) => format!("/skjema/{}/{}/{}", form.id, draft, form.pages[i].id),
        None => format!("/skjema/{}/{}/oppsummering", form.id, draft),
    }
}

/// (step number, number of steps) with the summary as the last step.
fn steps(form: &Form, doc: &Value, ctx: &Context, page: usize) -> (usize, usize) {
    let visible: Vec<usize> = (0..form.pages.len())
        .filter(|&i| document::page_visible(form, i, doc, ctx))
        .collect();
    let n = visible.iter().position(|&i| i == page).map_or(1, |p| p + 1);
    (n, visible.len() + 1)
}

#[derive(Template)]
#[template(path = "form_page.html")]
struct PageView {
    base: Base,
    form_title: String,
    form_id: String,
    page_title: String,
    intro: Option<String>,
    step: String,
    body_html: String,
}

/// The part of a page that htmx swaps.
#[derive(Template)]
#[template(path = "form_page_body_partial.html")]
struct PageBody {
    ui: &'static Ui,
    action: String,
    fragment: String,
    version: i64,
    errors: Vec<SummaryError>,
    items: Vec<Item>,
    first: bool,
    focus: Option<String>,
    multipart: bool,
}

/// The draft a page shows: its id and version, its answers, its files, and the answers it took
/// from a public register when it started.
struct Shown<'a> {
    draft: &'a str,
    version: i64,
    doc: &'a Value,
    files: &'a [AttachmentRow],
    prefilled: &'a [Prefilled],
}

impl<'a> Shown<'a> {
    /// A saved draft with the answers `doc` at `version`, and its files `files`.
    fn of(draft: &'a Draft, version: i64, doc: &'a Value, files: &'a [AttachmentRow]) -> Self {
        Shown {
            draft: &draft.id,
            version,
            doc,
            files,
            prefilled: &draft.prefilled.0,
        }
    }
}

fn page_body(
    form: &Form,
    page_index: usize,
    d: &Shown<'_>,
    ctx: &Context,
    errors: &[crate::form::FieldError],
    lang: Lang,
) -> PageBody {
    let ui = super::ui(lang);
    let page = &form.pages[page_index];
    let draft = d.draft;
    let url = page_url(form, draft, Some(page_index));
    let (shown, summary) = view::shown_errors(form, errors, lang, ui, "");
    let uploads = view::Uploads {
        files: d.files,
        upload: format!("/vedlegg/{}/{draft}", form.id),
        download: format!("/vedlegg/{}/{draft}/", form.id),
    };
    let mut items = view::items(
        page,
        d.doc,
        ctx,
        &shown,
        &uploads,
        lang,
        ui,
        view::Branches::AsAnswered,
    );
    view::mark_prefilled(&mut items, page, d.prefilled, d.doc, lang);
    PageBody {
        ui,
        fragment: format!("{url}/felt"),
        action: url,
        version: d.version,
        errors: summary,
        items,
        first: last_visible_before(form, d.doc, ctx, page_index).is_none(),
        focus: None,
        multipart: page
            .fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Attachment(_))),
    }
}

fn page_view(
    form: &Form,
    page_index: usize,
    d: &Shown<'_>,
    ctx: &Context,
    errors: &[crate::form::FieldError],
    lang: Lang,
) -> PageView {
    let page = &form.pages[page_index];
    let ui = super::ui(lang);
    let (n, m) = steps(form, d.doc, ctx, page_index);
    let mut title = format!("{} – {}", page.title.get(lang), form.title.get(lang));
    if !errors.is_empty() {
        title = format!("{}: {title}", ui.err_422.trim_end_matches('.'));
    }
    let mut base = Base::new(lang, title, page_url(form, d.draft, Some(page_index)));
    base.form_id = Some("page-form");
    PageView {
        base,
        form_title: form.title.get(lang).to_string(),
        form_id: form.id.clone(),
        page_title: page.title.get(lang).to_string(),
        intro: page.intro.as_ref().map(|t| t.get(lang).to_string()),
        step: ui.step_of(n, m),
        body_html: page_body(form, page_index, d, ctx, errors, lang)
            .render()
            .unwrap_or_default(),
    }
}

/// A form page as a form owner previews it: the real page body (the same template, fields,
/// conditions, errors and messages as a business sees) posting to `action`; nothing is stored.
pub(crate) struct Preview {
    /// The page's title.
    pub title: String,
    /// Its introduction.
    pub intro: Option<String>,
    /// "Step n of m" for these answers.
    pub step: String,
    /// The page body, rendered.
    pub body_html: String,
}

/// Renders a preview of page `pi` (see [`Preview`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn preview_page(
    form: &Form,
    pi: usize,
    doc: &Value,
    ctx: &Context,
    errors: &[crate::form::FieldError],
    lang: Lang,
    action: &str,
    branches: view::Branches<'_>,
    prefilled: &[crate::form::document::Prefilled],
) -> Preview {
    let ui = super::ui(lang);
    let page = &form.pages[pi];
    let (shown, summary) = view::shown_errors(form, errors, lang, ui, "");
    let (n, m) = steps(form, doc, ctx, pi);
    let mut items = view::items(
        page,
        doc,
        ctx,
        &shown,
        &view::Uploads::none(),
        lang,
        ui,
        branches,
    );
    view::mark_prefilled(&mut items, page, prefilled, doc, lang);
    let body = PageBody {
        ui,
        fragment: action.to_owned(),
        action: action.to_owned(),
        version: 0,
        errors: summary,
        items,
        first: pi == 0,
        focus: None,
        // Files are not taken in a preview.
        multipart: false,
    };
    Preview {
        title: page.title.get(lang).to_string(),
        intro: page.intro.as_ref().map(|t| t.get(lang).to_string()),
        step: ui.step_of(n, m),
        body_html: body.render().unwrap_or_default(),
    }
}

/// What a previewed page's post asked for.
pub(crate) enum PreviewAction {
    /// "Next": validate the page as the real one does.
    Next,
    /// "Back".
    Back,
    /// Anything else (a row added or removed, a change through htmx): show the page again.
    Stay,
}

/// Reads a previewed page's post into a fresh document, by the same rules as a real page (a name
/// the page does not have is refused).
pub(crate) fn preview_post(
    form: &Form,
    pi: usize,
    body: &Bytes,
) -> AppResult<(Value, PreviewAction)> {
    let posted = parse_post(body)?;
    let mut doc = Value::Object(Default::default());
    apply(&form.pages[pi], &mut doc, &posted.values)?;
    rows_changed(&form.pages[pi], &mut doc, &posted.action)?;
    let action = match posted.action {
        Action::Next => PreviewAction::Next,
        Action::Back => PreviewAction::Back,
        _ => PreviewAction::Stay,
    };
    Ok((doc, action))
}

/// Adds or removes a row as a post's action asks; gives the element that should take focus.
fn rows_changed(page: &Page, doc: &mut Value, action: &Action) -> AppResult<Option<String>> {
    let mut focus = None;
    match action {
        Action::Add(g) => {
            let f =
                group_on(page, g).ok_or_else(|| AppError::BadRequest("no such group".into()))?;
            let n = row_count(doc, g);
            if f.max.is_none_or(|m| (n as f64) < m) {
                let mut row = g.clone();
                row.push(Seg::Index(n));
                document::set(doc, &row, Value::Object(Default::default()));
                if let FieldKind::Group(grp) = &f.kind
                    && let Some(first) = grp
                        .fields
                        .iter()
                        .find(|f| !matches!(f.kind, FieldKind::Static))
                {
                    let mut p = instantiate(&first.bind, &row);
                    if let FieldKind::Either { alternatives } = &first.kind {
                        p.push(Seg::Key(alternatives[0].key.clone()));
                    }
                    focus = Some(dom_id(&p));
                }
            }
        }
        Action::Remove(g, i) => {
            group_on(page, g).ok_or_else(|| AppError::BadRequest("no such group".into()))?;
            let mut row = g.clone();
            row.push(Seg::Index(*i));
            document::remove(doc, &row);
            focus = Some(format!("{}-add", dom_id(g)));
        }
        _ => {}
    }
    Ok(focus)
}

/// Renders one form page as the browser gets it (for the benchmark).
pub fn render_page(form: &Form, page: usize, doc: &Value, lang: Lang) -> String {
    let ctx = crate::intake::context(None);
    let shown = Shown {
        draft: "00000000-0000-4000-8000-000000000000",
        version: 1,
        doc,
        files: &[],
        prefilled: &[],
    };
    page_view(form, page, &shown, &ctx, &[], lang)
        .render()
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct PageQuery {
    vis: Option<String>,
}

async fn view_page_get(
    State(state): State<AppState>,
    L(lang): L,
    RequestId(rid): RequestId,
    session: Session,
    Path((form_id, draft_id, page_id)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let here = format!("/skjema/{form_id}/{draft_id}/{page_id}");
    let s = signed(&state, &session, &form_id, &here, &rid).await?;
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    opened(&state, &s.owner, &session, &draft.id, &rid).await?;
    if let Some(stash) = session::take_stash(&session, &draft.id, &page_id).await? {
        // Answers posted while the session had ended: saved now, as the post would have.
        tracing::info!(draft = %draft.id, "saving answers kept over a login");
        let body = Bytes::from(stash.body);
        return handle_post(&state, &s, form, draft, pi, body, lang, &rid, Vec::new()).await;
    }
    let ctx = s.context();
    let doc = &draft.document.0;
    if !document::page_visible(&form, pi, doc, &ctx) {
        let next = first_visible(&form, doc, &ctx, pi + 1);
        return Ok(Redirect::to(&page_url(&form, &draft.id, next)).into_response());
    }
    let errors = if q.vis.as_deref() == Some("feil") {
        validate(&form, doc, Scope::Page(pi), &ctx)
    } else {
        Vec::new()
    };
    let shown = Shown::of(&draft, draft.version, doc, &draft.files);
    render(
        &page_view(&form, pi, &shown, &ctx, &errors, lang),
        StatusCode::OK,
    )
}

/// Writes `draft.opened` to the audit log the first time a session opens a draft (not on every
/// page, which would make each page view a database write).
async fn opened(
    state: &AppState,
    owner: &Owner,
    session: &Session,
    draft: &str,
    rid: &str,
) -> AppResult<()> {
    const KEY: &str = "opened";
    let mut seen: Vec<String> = session.get(KEY).await.ok().flatten().unwrap_or_default();
    if seen.iter().any(|d| d == draft) {
        return Ok(());
    }
    state
        .store
        .audit("draft.opened", &Actor::from(owner), draft, rid)
        .await?;
    seen.push(draft.to_string());
    if seen.len() > 20 {
        seen.remove(0);
    }
    session
        .insert(KEY, seen)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A parsed page post.
pub(crate) struct Posted {
    version: i64,
    action: Action,
    values: Vec<(String, String)>,
}

pub(crate) enum Action {
    Next,
    Back,
    Save,
    Lang(Lang),
    Add(Vec<Seg>),
    Remove(Vec<Seg>, usize),
    /// Upload the chosen files and stay (without JavaScript).
    Upload,
    /// Remove an attachment (by id).
    RemoveFile(String),
}

/// The `_version` of a page post, when it is there as the page sends it (a post that spells it
/// otherwise is read in full by [`parse_post`] all the same).
fn posted_version(body: &[u8]) -> Option<i64> {
    body.split(|b| *b == b'&')
        .find_map(|pair| pair.strip_prefix(b"_version="))
        .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
}

pub(crate) fn parse_post(body: &Bytes) -> AppResult<Posted> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("the form data could not be read".into()))?;
    let mut version = None;
    let mut action = None;
    let mut values = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "_version" => {
                version = Some(
                    v.parse::<i64>()
                        .map_err(|_| AppError::BadRequest("bad _version".into()))?,
                )
            }
            "_action" => action = Some(v),
            _ => values.push((k, v)),
        }
    }
    let version = version.ok_or_else(|| AppError::BadRequest("no _version".into()))?;
    let bad = || AppError::BadRequest("unknown _action".into());
    let action = match action.as_deref().unwrap_or("next") {
        "next" => Action::Next,
        "back" => Action::Back,
        "save" => Action::Save,
        "upload" => Action::Upload,
        a if a.starts_with("remove-file:") => Action::RemoveFile(a[12..].to_string()),
        a if a.starts_with("lang:") => Action::Lang(Lang::parse(&a[5..]).ok_or_else(bad)?),
        a if a.starts_with("add:") => Action::Add(parse_path(&a[4..]).map_err(|_| bad())?),
        a if a.starts_with("remove:") => {
            let (p, i) = a[7..].rsplit_once(':').ok_or_else(bad)?;
            Action::Remove(
                parse_path(p).map_err(|_| bad())?,
                i.parse().map_err(|_| bad())?,
            )
        }
        _ => return Err(bad()),
    };
    Ok(Posted {
        version,
        action,
        values,
    })
}

/// Writes the posted answers of one page into the document. A name the page does not have is
/// refused (a tampered or stale form), and a field of the page that was not posted is emptied.
fn apply(page: &Page, doc: &mut Value, values: &[(String, String)]) -> AppResult<()> {
    fn fields_of<'a>(
        f: &'a crate::form::Field,
        path: Vec<Seg>,
        out: &mut Vec<(Vec<Seg>, &'a FieldKind)>,
    ) {
        match &f.kind {
            FieldKind::Static | FieldKind::Group(_) | FieldKind::Attachment(_) => {}
            FieldKind::Either { alternatives } => {
                for a in alternatives {
                    let mut p = path.clone();
                    p.push(Seg::Key(a.key.clone()));
                    out.push((p, &a.kind));
                }
            }
            k @ (FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Percent
            | FieldKind::Date
            | FieldKind::DayMonth
            | FieldKind::Year
            | FieldKind::YesNo
            | FieldKind::Choice { .. }
            | FieldKind::MultiChoice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer) => out.push((path, k)),
        }
    }
    let mut list: Vec<(Vec<Seg>, &FieldKind)> = Vec::new();
    for f in &page.fields {
        if let FieldKind::Group(g) = &f.kind {
            for r in 0..row_count(doc, &f.bind) {
                let mut row = f.bind.clone();
                row.push(Seg::Index(r));
                for rf in &g.fields {
                    fields_of(rf, instantiate(&rf.bind, &row), &mut list);
                }
            }
        } else {
            fields_of(f, f.bind.clone(), &mut list);
        }
    }
    let mut known: HashMap<String, (Vec<Seg>, &FieldKind)> = HashMap::new();
    for (p, k) in list {
        known.insert(format_path(&p), (p, k));
    }
    let mut posted: HashMap<&str, Vec<&str>> = HashMap::new();
    let files: Vec<String> = page
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Attachment(_)))
        .map(|f| format_path(&f.bind))
        .collect();
    for (k, v) in values {
        if files.contains(k) {
            // A file input's name, sent as text when the browser could not send the file.
            continue;
        }
        if !known.contains_key(k.as_str()) {
            return Err(AppError::BadRequest(format!("unknown field {k:?}")));
        }
        posted.entry(k.as_str()).or_default().push(v.as_str());
    }
    for (name, (path, kind)) in &known {
        let raw = posted.get(name.as_str());
        let value = match kind {
            FieldKind::MultiChoice { .. } => Value::Array(
                raw.map(|v| {
                    v.iter()
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::from(*s))
                        .collect()
                })
                .unwrap_or_default(),
            ),
            k @ (FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Percent
            | FieldKind::Date
            | FieldKind::DayMonth
            | FieldKind::Year
            | FieldKind::YesNo
            | FieldKind::Choice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Either { .. }
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer
            | FieldKind::Static
            | FieldKind::Group(_)
            | FieldKind::Attachment(_)) => match raw.and_then(|v| v.last()) {
                Some(s) => input::parse(k, s),
                None => Value::Null,
            },
        };
        document::set(doc, path, value);
    }
    Ok(())
}

/// The group field on `page` bound at `path`.
fn group_on<'a>(page: &'a Page, path: &[Seg]) -> Option<&'a crate::form::Field> {
    page.fields
        .iter()
        .find(|f| matches!(f.kind, FieldKind::Group(_)) && f.bind == path)
}

#[derive(Template)]
#[template(path = "stale.html")]
struct StaleView {
    base: Base,
    reload: String,
    typed: Vec<(String, String)>,
}

/// Reads, applies and saves a page post. Returns the saved document and version, or the response
/// to send instead (a stale tab).
#[allow(clippy::too_many_arguments)]
async fn save_post(
    state: &AppState,
    owner: &Owner,
    form: &Form,
    draft: &Draft,
    pi: usize,
    body: &Bytes,
    lang: Lang,
    ctx: &Context,
    rid: &str,
) -> AppResult<Result<(Posted, Value, i64, Option<String>, Vec<AttachmentRow>), Response>> {
    let page = &form.pages[pi];
    let posted = parse_post(body)?;
    let mut doc = draft.document.0.clone();
    let mut files = draft.files.clone();
    if posted.version == draft.version {
        apply(page, &mut doc, &posted.values)?;
    }
    let mut focus = rows_changed(page, &mut doc, &posted.action)?;
    if let Action::RemoveFile(id) = &posted.action {
        if let Some(row) = files.iter().find(|r| &r.id == id) {
            focus = parse_path(&row.field).ok().map(|p| dom_id(&p));
        }
        state
            .store
            .delete_attachment(&draft.id, id, &Actor::from(owner), rid)
            .await?;
        files = state.store.attachments_of_holder(&draft.id).await?;
        crate::intake::attachments::fill(form, &mut doc, &files);
    }
    // A locked answer from a register stays as it came, whatever was posted.
    document::keep_locked(&mut doc, &draft.prefilled.0);
    document::settle(form, &mut doc, ctx);
    match state
        .store
        .save_draft(owner, &draft.id, posted.version, &doc, Some(&page.id), rid)
        .await?
    {
        Saved::Ok(v) => Ok(Ok((posted, doc, v, focus, files))),
        Saved::NotFound => Err(AppError::NotFound),
        Saved::Stale { .. } => {
            let labels: HashMap<String, String> = form
                .all_fields()
                .map(|f| (format_path(&f.bind), f.label.get(lang).to_string()))
                .collect();
            let typed = posted
                .values
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| {
                    let general = k
                        .split('.')
                        .map(|s| match s.find('[') {
                            Some(i) => format!("{}[*]", &s[..i]),
                            None => s.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".");
                    let label = labels.get(&general).cloned().unwrap_or_else(|| k.clone());
                    (label, v.clone())
                })
                .collect();
            let u = super::ui(lang);
            let url = page_url(form, &draft.id, Some(pi));
            let r = render(
                &StaleView {
                    base: Base::new(lang, u.stale_title, url.clone()),
                    reload: url,
                    typed,
                },
                StatusCode::CONFLICT,
            )?;
            Ok(Err(r))
        }
    }
}

/// The checks of a page post, then its body: who posts, the form version, the draft, the page's
/// index, the body. Nothing of the body is read before the session is known. When the login has
/// ended (or lost its party) the answers are kept in the session and put into the draft once the
/// person is back (see `view_page_get`), if the browser still holds a session of the portal's
/// ([`session::stash`]): at most [`session::STASH_MAX`] of it is read then.
async fn posted_draft(
    state: &AppState,
    session: &Session,
    (form_id, draft_id, page_id): (&str, &str, &str),
    body: axum::body::Body,
    (rid, client): (&str, Option<std::net::IpAddr>),
) -> AppResult<(Signed, Arc<Form>, Draft, usize, Bytes)> {
    let here = format!("/skjema/{form_id}/{draft_id}/{page_id}");
    let s = match signed(state, session, form_id, &here, rid).await {
        Ok(s) => s,
        Err(e @ (AppError::NeedLogin(_) | AppError::NeedParty(_))) => {
            if uuid::Uuid::parse_str(draft_id).is_ok() && session.id().is_some() {
                match axum::body::to_bytes(body, session::STASH_MAX).await {
                    Ok(bytes) => {
                        session::stash(state, session, client, (draft_id, page_id), &bytes).await?;
                    }
                    Err(_) => tracing::info!("a page post over the limit: not kept over the login"),
                }
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let body = axum::body::to_bytes(body, state.uploads.body_limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let version = posted_version(&body);
    let (form, draft) = load_at(state, &s.owner, form_id, draft_id, version).await?;
    let (pi, _) = form.page(page_id).ok_or(AppError::NotFound)?;
    Ok((s, form, draft, pi, body))
}

async fn view_page_post(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    ClientAddr(client): ClientAddr,
    Path((form_id, draft_id, page_id)): Path<(String, String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    if crate::intake::attachments::is_multipart(req.headers()) {
        let ids = (form_id, draft_id, page_id);
        return super::uploads::page_post(state, lang, session, (rid, client), ids, req).await;
    }
    // The route allows uploads; a post without files keeps the ordinary limit.
    let (s, form, draft, pi, body) = posted_draft(
        &state,
        &session,
        (&form_id, &draft_id, &page_id),
        req.into_body(),
        (&rid, client),
    )
    .await?;
    handle_post(&state, &s, form, draft, pi, body, lang, &rid, Vec::new()).await
}

/// Saves a page post and answers it: the next page, the same page with its errors, the language
/// switched, a row added or removed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn handle_post(
    state: &AppState,
    s: &Signed,
    form: Arc<Form>,
    draft: Draft,
    pi: usize,
    body: Bytes,
    lang: Lang,
    rid: &str,
    upload_errors: Vec<crate::form::FieldError>,
) -> AppResult<Response> {
    let ctx = s.context();
    let (posted, doc, version, focus, files) =
        match save_post(state, &s.owner, &form, &draft, pi, &body, lang, &ctx, rid).await? {
            Ok(x) => x,
            Err(stale) => return Ok(stale),
        };
    let here = page_url(&form, &draft.id, Some(pi));
    let shown = Shown::of(&draft, version, &doc, &files);
    if !upload_errors.is_empty() {
        // The answers are saved; the files that were refused are named with the reason.
        return render(
            &page_view(&form, pi, &shown, &ctx, &upload_errors, lang),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let to = match posted.action {
        Action::Next => {
            let errors = validate(&form, &doc, Scope::Page(pi), &ctx);
            if !errors.is_empty() {
                return render(
                    &page_view(&form, pi, &shown, &ctx, &errors, lang),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            page_url(&form, &draft.id, first_visible(&form, &doc, &ctx, pi + 1))
        }
        Action::Back => match last_visible_before(&form, &doc, &ctx, pi) {
            Some(p) => page_url(&form, &draft.id, Some(p)),
            None => format!("/skjema/{}", form.id),
        },
        Action::Save => "/utkast".to_string(),
        Action::Lang(l) => {
            let mut r = Redirect::to(&here).into_response();
            r.headers_mut().insert(header::SET_COOKIE, lang_cookie(l));
            return Ok(r);
        }
        Action::Upload => {
            let field = form.pages[pi]
                .fields
                .iter()
                .find(|f| matches!(f.kind, FieldKind::Attachment(_)))
                .map(|f| dom_id(&f.bind));
            match field {
                Some(id) => format!("{here}#{id}"),
                None => here,
            }
        }
        Action::Add(_) | Action::Remove(..) | Action::RemoveFile(_) => match focus {
            Some(id) => format!("{here}#{id}"),
            None => here,
        },
    };
    Ok(Redirect::to(&to).into_response())
}

/// htmx: saves the page's answers on every change and returns the re-rendered page body, with the
/// error of the field that changed (inline validation), conditional parts shown or hidden, and rows
/// added or removed.
async fn view_page_fragment(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    ClientAddr(client): ClientAddr,
    Path((form_id, draft_id, page_id)): Path<(String, String, String)>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let headers = req.headers().clone();
    if !is_htmx(&headers) {
        // Without htmx this route has nothing to show: go to the page itself.
        return Ok(
            Redirect::to(&format!("/skjema/{form_id}/{draft_id}/{page_id}")).into_response(),
        );
    }
    let (s, form, draft, pi, body) = posted_draft(
        &state,
        &session,
        (&form_id, &draft_id, &page_id),
        req.into_body(),
        (&rid, client),
    )
    .await?;
    let ctx = s.context();
    let (_, doc, version, focus, files) =
        match save_post(&state, &s.owner, &form, &draft, pi, &body, lang, &ctx, &rid).await? {
            Ok(x) => x,
            Err(stale) => {
                let mut r = stale;
                r.headers_mut()
                    .insert("hx-retarget", HeaderValue::from_static("body"));
                r.headers_mut()
                    .insert("hx-reswap", HeaderValue::from_static("innerHTML"));
                return Ok(r);
            }
        };
    let trigger = headers
        .get("hx-trigger-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let errors: Vec<_> = if trigger.is_empty() {
        Vec::new()
    } else {
        validate(&form, &doc, Scope::Page(pi), &ctx)
            .into_iter()
            .filter(|e| {
                let sti = e.sti();
                sti == trigger || trigger.starts_with(&format!("{sti}."))
            })
            .collect()
    };
    let shown = Shown::of(&draft, version, &doc, &files);
    let mut body = page_body(&form, pi, &shown, &ctx, &errors, lang);
    // Inline errors sit at their field; the summary is for full page posts.
    body.errors.clear();
    body.focus = focus;
    render(&body, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "form_summary.html")]
struct SummaryView {
    base: Base,
    form_title: String,
    step: String,
    pages: Vec<PageAnswers>,
    computed: Vec<(String, String)>,
    errors: Vec<SummaryError>,
    back: String,
    submit: String,
    version: i64,
}

async fn view_summary_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path((form_id, draft_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let here = format!("/skjema/{form_id}/{draft_id}/oppsummering");
    let s = signed(&state, &session, &form_id, &here, &rid).await?;
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let ctx = s.context();
    let doc = &draft.document.0;
    let ui = super::ui(lang);
    let base_url = format!("/skjema/{}/{}", form.id, draft.id);
    let errors = validate(&form, doc, Scope::All, &ctx);
    let mut summary = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in &errors {
        if !seen.insert(e.sti()) {
            continue;
        }
        let page = form.pages.iter().find(|p| {
            p.all_fields()
                .any(|f| !f.bind.is_empty() && covers(&f.bind, &e.path))
        });
        let href = match page {
            Some(p) => format!("{base_url}/{}?vis=feil#{}", p.id, dom_id(&e.path)),
            None => format!("#{}", dom_id(&e.path)),
        };
        let message = answers::error_message(&form, e, lang, ui);
        summary.push(SummaryError { href, message });
    }
    let computed = answers::computed(&form, doc, lang);
    let last = (0..form.pages.len())
        .rev()
        .find(|&i| document::page_visible(&form, i, doc, &ctx))
        .unwrap_or(0);
    let visible = (0..form.pages.len())
        .filter(|&i| document::page_visible(&form, i, doc, &ctx))
        .count();
    render(
        &SummaryView {
            base: Base::new(
                lang,
                format!("{} – {}", ui.summary_title, form.title.get(lang)),
                format!("{base_url}/oppsummering"),
            ),
            form_title: form.title.get(lang).to_string(),
            step: ui.step_of(visible + 1, visible + 1),
            pages: answers::answers(&form, doc, &ctx, lang, ui, &base_url),
            computed,
            errors: summary,
            back: format!("{base_url}/{}", form.pages[last].id),
            submit: format!("{base_url}/send"),
            version: draft.version,
        },
        StatusCode::OK,
    )
}

/// Whether a field's bind (with `[*]`) covers a concrete path.
fn covers(pattern: &[Seg], path: &[Seg]) -> bool {
    pattern.len() <= path.len()
        && pattern
            .iter()
            .zip(path)
            .all(|(a, b)| a == b || matches!((a, b), (Seg::All, Seg::Index(_))))
}

#[cfg(test)]
mod tests {
    use super::posted_version;

    #[test]
    fn the_posted_version_is_read_where_the_page_puts_it() {
        assert_eq!(posted_version(b"_version=12&a=b"), Some(12));
        assert_eq!(posted_version(b"a=b&_version=3"), Some(3));
        assert_eq!(posted_version(b"a=_version%3D4"), None);
        assert_eq!(posted_version(b"_version=x"), None);
        assert_eq!(posted_version(b"%5Fversion=5"), None);
        assert_eq!(posted_version(b""), None);
    }
}
