//! A whole delivery uploaded as a file by a person (the file channel that replaces Altinn II's
//! «filopplasting av tredjepartsopplysninger»): for a form with Skatteetaten's GLD API, the API's
//! JSON document, read one row at a time like the API reads it; for the aksjonærregisteroppgave,
//! its hovedskjema and underskjemaer in one XML file (`intake::ar::file`). Either is submitted
//! through the one intake. A refused file shows its first errors (row, field, message in the reader's language,
//! the value given, the line in the file) and offers them all as CSV; the same file again is the
//! same delivery.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::forms::signed;
use super::session::Signed;
use super::{AppState, Base, L, RequestId, render};
use crate::auth::altinn::Subject;
use crate::form::validate::{FieldError, size};
use crate::form::{Form, Lang, Seg};
use crate::i18n::upload::{Words, words};
use crate::intake::attachments::UploadError;
use crate::intake::file::Unreadable;
use crate::intake::rows::Read;
use crate::intake::spool::Mapped;
use crate::intake::{self, Channel, SubmitError, ar};

/// Errors shown on the page; the rest are in the CSV.
const SHOWN: usize = 100;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/skjema/{form}/fil",
            get(view_get)
                .post(view_post)
                // The form's own limit is kept while the file is read.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/skjema/{form}/fil/feil/{report}", get(report_get))
}

/// Whether a form takes a delivery as a file: it has Skatteetaten's GLD API or the
/// aksjonærregisteroppgave's.
pub fn takes_file(form: &Form) -> bool {
    form.api.as_ref().is_some_and(|a| a.delivery.takes_files())
}

/// The largest file a form takes.
fn limit(state: &AppState, form: &Form) -> usize {
    form.api
        .as_ref()
        .and_then(|a| a.body_limit())
        .unwrap_or(state.uploads.body_limit)
}

/// One error as the page shows it.
struct Shown {
    row: String,
    field: String,
    message: String,
    value: String,
    line: String,
}

/// What the page shows.
enum Shows {
    /// Nothing yet: the form.
    Blank,
    /// The file could not be read, or was not sent: one message (422, as a refused file: the
    /// request was fine, its file is not).
    Unreadable(String),
    /// The file has errors: how many, the first ones, and the CSV of all.
    Refused {
        count: usize,
        shown: Vec<Shown>,
        report: String,
    },
    /// The same file was submitted before: its receipt.
    Repeat(String),
}

#[derive(Template)]
#[template(path = "file_delivery.html")]
struct FileView {
    base: Base,
    w: &'static Words,
    form_id: String,
    form_title: String,
    action: String,
    vendor: String,
    format: &'static str,
    file_label: &'static str,
    accept: &'static str,
    hint: String,
    unreadable: Option<String>,
    refused: Option<(String, String, String)>,
    shown: Vec<Shown>,
    repeat: Option<String>,
    /// The keys page, for a scheme an organisation may also put by SFTP.
    sftp: Option<&'static str>,
}

fn page(
    state: &AppState,
    lang: Lang,
    form: &Form,
    result: Shows,
    status: StatusCode,
) -> AppResult<Response> {
    let w = words(lang);
    let action = format!("/skjema/{}/fil", form.id);
    let title = format!("{} – {}", w.title, form.title.get(lang));
    let (format, file_label, accept) = if intake::file::is_ar(form) {
        (
            w.ar_format,
            w.ar_file_label,
            ".xml,application/xml,text/xml",
        )
    } else {
        (w.format, w.file_label, ".json,application/json")
    };
    let mut view = FileView {
        base: Base::new(lang, title, action.clone()),
        w,
        form_id: form.id.clone(),
        form_title: form.title.get(lang).to_owned(),
        vendor: format!("/systemleverandorer/{}", form.id),
        format,
        file_label,
        accept,
        hint: w
            .file_hint
            .replace("{size}", &size(limit(state, form) as u64)),
        action,
        unreadable: None,
        refused: None,
        shown: Vec::new(),
        repeat: None,
        sftp: state
            .catalog
            .sftp_forms()
            .any(|f| f.id == form.id)
            .then_some(super::sftp_keys::PATH),
    };
    match result {
        Shows::Blank => {}
        Shows::Unreadable(m) => view.unreadable = Some(m),
        Shows::Refused {
            count,
            shown,
            report,
        } => {
            let first = if count > shown.len() {
                w.first_shown.replace("{k}", &shown.len().to_string())
            } else {
                String::new()
            };
            view.refused = Some((w.refused.replace("{n}", &count.to_string()), first, report));
            view.shown = shown;
        }
        Shows::Repeat(id) => view.repeat = Some(format!("/innsendt/{id}")),
    }
    render(&view, status)
}

/// The form, and the signed-in person acting for a party (who is sent to log in or choose one).
async fn form_and_person(
    state: &AppState,
    session: &Session,
    form_id: &str,
    rid: &str,
) -> AppResult<(std::sync::Arc<Form>, Signed)> {
    let form = state
        .catalog
        .latest(form_id)
        .filter(|f| takes_file(f))
        .ok_or(AppError::NotFound)?
        .clone();
    let here = format!("/skjema/{}/fil", form.id);
    let s = signed(state, session, &form.id, &here, rid).await?;
    Ok((form, s))
}

async fn view_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path(form_id): Path<String>,
) -> AppResult<Response> {
    let (form, _) = form_and_person(&state, &session, &form_id, &rid).await?;
    page(&state, lang, &form, Shows::Blank, StatusCode::OK)
}

/// The uploaded file (the part named `fil`), written to a spool file in `dir` as it comes,
/// within `limit` bytes, and mapped to be read; with its SHA-256. `None` when none was chosen.
async fn file_of(
    mut multipart: Multipart,
    dir: &std::path::Path,
    limit: usize,
) -> AppResult<Option<(Mapped, String)>> {
    let bad = || AppError::BadRequest("the upload could not be read".into());
    while let Some(mut field) = multipart.next_field().await.map_err(|_| bad())? {
        if field.name() != Some("fil") {
            continue;
        }
        let spooled = match intake::attachments::spool(&mut field, dir, limit as u64).await {
            Ok(s) => s,
            Err(UploadError::TooLarge(_) | UploadError::BodyTooLarge) => {
                return Err(AppError::TooLarge);
            }
            Err(UploadError::Cut(_)) => return Err(bad()),
            Err(e) => return Err(AppError::Internal(e.to_string())),
        };
        // A form sent without a file chosen has an empty part.
        if spooled.size == 0 {
            return Ok(None);
        }
        let internal = |e: std::io::Error| AppError::Internal(e.to_string());
        let file = std::fs::File::open(&spooled.file).map_err(internal)?;
        // The map keeps the file's bytes when its name goes with `spooled`.
        let mapped = Mapped::of(&file).map_err(internal)?;
        return Ok(Some((mapped, spooled.sha256)));
    }
    Ok(None)
}

async fn view_post(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path(form_id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let (form, s) = form_and_person(&state, &session, &form_id, &rid).await?;
    let w = words(lang);
    let max = limit(&state, &form);
    let multipart = Multipart::from_request(req, &state)
        .await
        .map_err(|_| AppError::BadRequest("not a multipart form".into()))?;
    let (body, sha256) = match file_of(multipart, &state.uploads.tmp_dir, max).await {
        Ok(Some(file)) => file,
        Ok(None) => {
            let m = Shows::Unreadable(w.no_file.to_owned());
            return page(&state, lang, &form, m, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(AppError::TooLarge) => {
            let m = Shows::Unreadable(w.too_large.replace("{size}", &size(max as u64)));
            return page(&state, lang, &form, m, StatusCode::PAYLOAD_TOO_LARGE);
        }
        Err(e) => return Err(e),
    };
    // The same file (by its SHA-256) is the same delivery, whoever of the party's people sends it.
    let authz = state
        .authz
        .as_ref()
        .ok_or_else(|| AppError::Internal("Altinn Authorization is not configured".into()))?;
    let submitter = Subject::Person(s.pid.clone());
    let ctx = s.context();
    let from = intake::file::Sender {
        party: &s.party,
        submitter: &submitter,
        names: (Some(&s.party_name), Some(&s.person_name)),
        channel: Channel::Upload,
        lang,
        context: &ctx,
    };
    if intake::file::is_ar(&form) {
        let body = Bytes::from_owner(body);
        let read = tokio::task::spawn_blocking(move || ar::file::read(body, None))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let delivery = match read {
            Ok(d) => d,
            Err(faults) => return refused_file(&state, lang, &form, &s, &faults).await,
        };
        let content = intake::file::Content::Ar(&delivery);
        let outcome =
            intake::file::submit(&state.store, authz, &form, &from, content, &sha256, &rid).await;
        return answer(&state, lang, &form, &s, outcome, |e| {
            ar_shown(&form, &delivery, e, lang)
        })
        .await;
    }
    let spool = state.uploads.tmp_dir.clone();
    let read = intake::file::read(form.clone(), body, ctx.clone(), spool)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let read = match read {
        Ok(r) => r,
        Err(Unreadable::NotObject) => {
            let m = Shows::Unreadable(w.not_object.to_owned());
            return page(&state, lang, &form, m, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(Unreadable::NotJson { line, column }) => {
            let m = w
                .not_json
                .replace("{line}", &line.to_string())
                .replace("{column}", &column.to_string());
            let m = Shows::Unreadable(m);
            return page(&state, lang, &form, m, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let content = intake::file::Content::Gld(&read);
    let outcome =
        intake::file::submit(&state.store, authz, &form, &from, content, &sha256, &rid).await;
    answer(&state, lang, &form, &s, outcome, |e| {
        (shown(&form, e, &read, lang), e.sti())
    })
    .await
}

/// The page after a file was submitted: the receipt, the earlier receipt, or its errors (each
/// shown by `show`, with its path in the file).
async fn answer(
    state: &AppState,
    lang: Lang,
    form: &Form,
    s: &Signed,
    outcome: Result<intake::Outcome, SubmitError>,
    show: impl Fn(&FieldError) -> (Shown, String),
) -> AppResult<Response> {
    match outcome {
        Ok(intake::Outcome::New(r)) => {
            if let Some(outbox) = &state.outbox {
                outbox.wake();
            }
            Ok(Redirect::to(&format!("/innsendt/{}", r.id)).into_response())
        }
        Ok(intake::Outcome::Repeat(r)) => {
            page(state, lang, form, Shows::Repeat(r.id), StatusCode::OK)
        }
        Err(SubmitError::Invalid(errors)) => {
            let all = errors.iter().map(|e| {
                let (shown, path) = show(e);
                (shown, path, e.kind.code())
            });
            refused(state, lang, form, s, errors.len(), all).await
        }
        Err(SubmitError::Forbidden) => Err(AppError::NoAccess),
        Err(SubmitError::KeyReused | SubmitError::DraftChanged | SubmitError::StagedChanged) => {
            Err(AppError::Conflict)
        }
        Err(SubmitError::Db(e)) => Err(AppError::Db(e)),
    }
}

/// The page of a refused file: its first errors, and all of them as CSV (each with its path and
/// code).
async fn refused(
    state: &AppState,
    lang: Lang,
    form: &Form,
    s: &Signed,
    count: usize,
    all: impl Iterator<Item = (Shown, String, &str)>,
) -> AppResult<Response> {
    let w = words(lang);
    let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = [
        w.col_row,
        w.col_field,
        w.col_error,
        w.col_value,
        w.col_line,
        w.col_path,
        w.col_code,
    ]
    .map(cell)
    .join(",");
    csv.push_str("\r\n");
    let mut shown = Vec::with_capacity(count.min(SHOWN));
    for (e, path, code) in all {
        let line = [
            e.row.as_str(),
            &e.field,
            &e.message,
            &e.value,
            &e.line,
            &path,
            code,
        ]
        .map(cell)
        .join(",");
        csv.push_str(&line);
        csv.push_str("\r\n");
        if shown.len() < SHOWN {
            shown.push(e);
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    state
        .store
        .insert_file_report(&id, &report_owner(s), &csv, crate::clock::now_ms())
        .await?;
    let m = Shows::Refused {
        count,
        shown,
        report: format!("/skjema/{}/fil/feil/{id}", form.id),
    };
    page(state, lang, form, m, StatusCode::UNPROCESSABLE_ENTITY)
}

/// An aksjonærregisteroppgave's file that is not one: each fault at its document and line.
async fn refused_file(
    state: &AppState,
    lang: Lang,
    form: &Form,
    s: &Signed,
    faults: &[ar::file::Fault],
) -> AppResult<Response> {
    let all = faults.iter().map(|f| {
        let p = &f.problem;
        let e = Shown {
            row: document_name(f.document, lang),
            field: p
                .sti
                .as_deref()
                .and_then(|s| s.rsplit('/').next())
                .unwrap_or_default()
                .to_owned(),
            message: fault_message(f, lang),
            value: p.angitt.clone().unwrap_or_default(),
            line: p.line.map_or_else(String::new, |l| l.to_string()),
        };
        (e, p.sti.clone().unwrap_or_default(), p.kode)
    });
    refused(state, lang, form, s, faults.len(), all).await
}

/// A validation error of an aksjonærregisteroppgave's file, at its document, element and line.
fn ar_shown(
    form: &Form,
    delivery: &ar::file::Delivery,
    e: &FieldError,
    lang: Lang,
) -> (Shown, String) {
    let at = delivery.locate(e);
    let shown = Shown {
        row: document_name(Some(at.document), lang),
        field: label_of(form, e, lang),
        message: e.message(lang),
        value: at.given.unwrap_or_default(),
        line: at.line.to_string(),
    };
    (shown, at.sti)
}

/// The hovedskjema, an underskjema by number, or the whole file.
fn document_name(document: Option<usize>, lang: Lang) -> String {
    let w = words(lang);
    match document {
        Some(0) => w.hovedskjema.to_owned(),
        Some(n) => w.underskjema.replace("{n}", &n.to_string()),
        None => w.whole_document.to_owned(),
    }
}

/// What is wrong with a document of the file, in `lang`.
fn fault_message(f: &ar::file::Fault, lang: Lang) -> String {
    let w = words(lang);
    let p = &f.problem;
    match p.kode {
        "root" => w.ar_root.to_owned(),
        "skjemanummer" if f.document == Some(0) => w.ar_not_hovedskjema.to_owned(),
        "skjemanummer" => w.ar_not_underskjema.to_owned(),
        "unknown_element" => w.ar_unknown_element.to_owned(),
        "repeated_element" => w.ar_repeated_element.to_owned(),
        ar::NOT_AS_HOVEDSKJEMA => match &p.expected {
            Some(v) => w.ar_not_as_hovedskjema.replace("{value}", v),
            None => w.ar_not_in_hovedskjema.to_owned(),
        },
        ar::file::TOO_FEW => w.ar_too_few.to_owned(),
        _ => w.ar_not_xml.to_owned(),
    }
}

/// Whose a report is: the person, for the party.
fn report_owner(s: &Signed) -> String {
    format!("person:{}|{}", s.pid, s.party.key())
}

/// The row an error is in (from 1), if it is in one.
fn row_of(path: &[Seg]) -> Option<usize> {
    path.iter().find_map(|s| match s {
        Seg::Index(i) => Some(i + 1),
        _ => None,
    })
}

fn shown(form: &Form, e: &FieldError, read: &Read, lang: Lang) -> Shown {
    let w = words(lang);
    Shown {
        row: row_of(&e.path).map_or_else(|| w.whole_document.to_owned(), |r| r.to_string()),
        field: label_of(form, e, lang),
        message: e.message(lang),
        value: given(read, &e.path),
        line: read
            .line(&e.path)
            .map_or_else(String::new, |l| l.to_string()),
    }
}

/// The field's label in `lang`, else its path.
fn label_of(form: &Form, e: &FieldError, lang: Lang) -> String {
    if let Some(l) = &e.label {
        return l.get(lang).to_owned();
    }
    let pattern: Vec<Seg> = e
        .path
        .iter()
        .map(|s| match s {
            Seg::Index(_) => Seg::All,
            other => other.clone(),
        })
        .collect();
    form.all_fields()
        .find(|f| f.bind == pattern)
        .map_or_else(|| e.sti(), |f| f.label.get(lang).to_owned())
}

fn given(read: &Read, path: &[Seg]) -> String {
    read.given(path)
        .and_then(crate::form::document::given_text)
        .unwrap_or_default()
}

async fn report_get(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path((form_id, report)): Path<(String, String)>,
) -> AppResult<Response> {
    let (form, s) = form_and_person(&state, &session, &form_id, &rid).await?;
    let csv = state
        .store
        .file_report(&report, &report_owner(&s), crate::clock::now_ms())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"feil-{}.csv\"", form.id),
            ),
        ],
        csv,
    )
        .into_response())
}
