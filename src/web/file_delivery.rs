//! A whole delivery uploaded as a file by a person (the file channel that replaces Altinn II's
//! «filopplasting av tredjepartsopplysninger»): for a form with Skatteetaten's GLD API, the API's
//! JSON document, read one row at a time like the API reads it, and submitted through the one
//! intake. A refused file shows its first errors (row, field, message in the reader's language,
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
use crate::form::definition::Delivery;
use crate::form::validate::{FieldError, size};
use crate::form::{Form, Lang, Seg};
use crate::i18n::upload::{Words, words};
use crate::intake::file::Unreadable;
use crate::intake::rows::Read;
use crate::intake::{self, Channel, SubmitError};

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

/// Whether a form takes a delivery as a file: it has Skatteetaten's GLD API.
pub fn takes_file(form: &Form) -> bool {
    form.api
        .as_ref()
        .is_some_and(|a| a.delivery == Delivery::Gld)
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
    let mut view = FileView {
        base: Base::new(lang, title, action.clone()),
        w,
        form_id: form.id.clone(),
        form_title: form.title.get(lang).to_owned(),
        vendor: format!("/systemleverandorer/{}", form.id),
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

/// The uploaded file (the part named `fil`), read within `limit` bytes; `None` when none was
/// chosen.
async fn file_of(mut multipart: Multipart, limit: usize) -> AppResult<Option<Bytes>> {
    let bad = |_| AppError::BadRequest("the upload could not be read".into());
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        if field.name() != Some("fil") {
            continue;
        }
        let mut buf = Vec::new();
        while let Some(piece) = field.chunk().await.map_err(bad)? {
            if buf.len() + piece.len() > limit {
                return Err(AppError::TooLarge);
            }
            buf.extend_from_slice(&piece);
        }
        // A form sent without a file chosen has an empty part.
        return Ok((!buf.is_empty()).then(|| Bytes::from(buf)));
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
    let body = match file_of(multipart, max).await {
        Ok(Some(body)) => body,
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
    // The same file is the same delivery, whoever of the party's people sends it.
    let sha256 = intake::canonical::sha256_hex(&body);
    let ctx = s.context();
    let read = intake::file::read(form.clone(), body, ctx.clone())
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
    let authz = state
        .authz
        .as_ref()
        .ok_or_else(|| AppError::Internal("Altinn Authorization is not configured".into()))?;
    let submitter = Subject::Person(s.pid.clone());
    let from = intake::file::Sender {
        party: &s.party,
        submitter: &submitter,
        names: (Some(&s.party_name), Some(&s.person_name)),
        channel: Channel::Upload,
        lang,
        context: &ctx,
    };
    let outcome =
        intake::file::submit(&state.store, authz, &form, &from, &read, &sha256, &rid).await;
    match outcome {
        Ok(intake::Outcome::New(r)) => {
            if let Some(outbox) = &state.outbox {
                outbox.wake();
            }
            Ok(Redirect::to(&format!("/innsendt/{}", r.id)).into_response())
        }
        Ok(intake::Outcome::Repeat(r)) => {
            page(&state, lang, &form, Shows::Repeat(r.id), StatusCode::OK)
        }
        Err(SubmitError::Invalid(errors)) => {
            let owner = report_owner(&s);
            let id = uuid::Uuid::new_v4().to_string();
            let csv = csv_of(&form, &errors, &read, lang);
            state
                .store
                .insert_file_report(&id, &owner, &csv, crate::clock::now_ms())
                .await?;
            let shown = errors
                .iter()
                .take(SHOWN)
                .map(|e| shown(&form, e, &read, lang))
                .collect();
            let m = Shows::Refused {
                count: errors.len(),
                shown,
                report: format!("/skjema/{}/fil/feil/{id}", form.id),
            };
            page(&state, lang, &form, m, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(SubmitError::Forbidden) => Err(AppError::NoAccess),
        Err(SubmitError::KeyReused | SubmitError::DraftChanged | SubmitError::StagedChanged) => {
            Err(AppError::Conflict)
        }
        Err(SubmitError::Db(e)) => Err(AppError::Db(e)),
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

/// Every error as CSV (RFC 4180, headings in `lang`).
fn csv_of(form: &Form, errors: &[FieldError], read: &Read, lang: Lang) -> String {
    let w = words(lang);
    let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = [
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
    out.push_str("\r\n");
    for e in errors {
        let s = shown(form, e, read, lang);
        let line = [
            s.row,
            s.field,
            s.message,
            s.value,
            s.line,
            e.sti(),
            e.kind.code().to_owned(),
        ]
        .map(|c| cell(&c))
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
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
