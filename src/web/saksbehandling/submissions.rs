//! Reading submissions (caseworkers): search in one's own service areas, one submission exactly as
//! it was given, its files and receipt, and who has read it. Every search, view and download is
//! written to the audit log with the employee.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::session::Ansatt;
use super::{CaseBase, CaseState};
use crate::auth::altinn::PartyId;
use crate::auth::ansatt::Employee;
use crate::form::no::Orgnr;
use crate::form::{Form, Lang};
use crate::i18n::{ui, when};
use crate::intake::receipt::answers::PageAnswers;
use crate::intake::receipt::{self, Names, facts};
use crate::store::{Actor, AttachmentStatus, SubmissionQuery, SubmissionRow};
use crate::web::error::{AppError, AppResult};
use crate::web::{L, RequestId, render};

/// The routes.
pub fn router() -> Router<CaseState> {
    Router::new()
        .route("/saksbehandling/innsendinger", get(view_search_get))
        .route(
            "/saksbehandling/innsendinger/{id}",
            get(view_submission_get),
        )
        .route(
            "/saksbehandling/innsendinger/{id}/kvittering.pdf",
            get(view_receipt_pdf_get),
        )
        .route(
            "/saksbehandling/innsendinger/{id}/vedlegg/{file}",
            get(view_file_get),
        )
        .route(
            "/saksbehandling/innsendinger/{id}/dokument/{doc}",
            get(view_document_get),
        )
        .route(
            "/saksbehandling/innsendinger/{id}/lesere",
            get(view_readers_get),
        )
}

/// How many results a search shows.
const RESULTS: i64 = 50;

/// The ids of every form in the employee's areas.
fn forms_of(state: &CaseState, e: &Employee) -> Vec<String> {
    state
        .catalog
        .latest_forms()
        .filter(|f| e.reads_area(&f.area))
        .map(|f| f.id.clone())
        .collect()
}

/// The search as typed: every field kept as given, so that a refused search loses nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchForm {
    referanse: String,
    forsendelse: String,
    orgnr: String,
    skjema: String,
    kanal: String,
    fra: String,
    til: String,
}

/// `dd.mm.yyyy` (or `yyyy-mm-dd`, as a date picker sends it) as a date.
fn read_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    let (d, m, y) = if let Some((y, rest)) = s.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        (d, m, y)
    } else {
        let mut parts = s.split('.');
        (parts.next()?, parts.next()?, parts.next()?)
    };
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Midnight in Norway at the start of `d`, as unix milliseconds.
fn start_of_day_ms(d: time::Date) -> i64 {
    let utc = d.midnight().assume_utc();
    // The offset Norway had then (one or two hours ahead of UTC; never changing at midnight).
    let offset = crate::i18n::oslo(utc).offset().whole_seconds();
    (utc.unix_timestamp() - i64::from(offset)) * 1000
}

struct FieldError {
    id: &'static str,
    message: &'static str,
}

struct ResultRow {
    href: String,
    reference: String,
    form: String,
    party: String,
    channel: &'static str,
    time: String,
    status: &'static str,
}

/// A text field of the search form.
struct Input {
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: String,
    error: Option<&'static str>,
}

impl Input {
    fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// A choice of the search form: value, text, chosen.
type Choices = Vec<(String, String, bool)>;

#[derive(Template)]
#[template(path = "saksbehandling/search.html")]
struct SearchView {
    base: CaseBase,
    inputs: Vec<Input>,
    dates: Vec<Input>,
    forms: Choices,
    channels: Choices,
    errors: Vec<FieldError>,
    searched: bool,
    rows: Vec<ResultRow>,
    more: Option<String>,
}

async fn view_search_get(
    State(state): State<CaseState>,
    L(lang): L,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    if e.areas().next().is_none() {
        return Err(AppError::NoAccess);
    }
    let cui = super::words::case_ui(lang);
    let q: SearchForm = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|_| AppError::BadRequest("the search is not readable".into()))?;
    let allowed = forms_of(&state, &e);
    let forms: Choices = allowed
        .iter()
        .filter_map(|id| state.catalog.latest(id))
        .map(|f| {
            let text = format!("{} {}", f.id, f.title.get(lang));
            (f.id.clone(), text, q.skjema == f.id)
        })
        .collect();
    let u = ui(lang);
    let channels: Choices = ["browser", "api"]
        .into_iter()
        .map(|c| (c.to_owned(), channel_name(u, c).to_owned(), q.kanal == c))
        .collect();
    let mut errors = Vec::new();
    let orgnr = q
        .orgnr
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>();
    if !orgnr.is_empty() && Orgnr::parse(&orgnr).is_err() {
        errors.push(FieldError {
            id: "orgnr",
            message: cui.bad_orgnr,
        });
    }
    let mut date = |id: &'static str, text: &str| {
        if text.trim().is_empty() {
            return None;
        }
        let d = read_date(text);
        if d.is_none() {
            errors.push(FieldError {
                id,
                message: cui.bad_date,
            });
        }
        d
    };
    let from = date("fra", &q.fra);
    let to = date("til", &q.til);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push(FieldError {
            id: "fra",
            message: cui.bad_range,
        });
    }
    let here = match &raw {
        Some(r) if !r.is_empty() => format!("/saksbehandling/innsendinger?{r}"),
        _ => "/saksbehandling/innsendinger".to_owned(),
    };
    let searched = raw.as_deref().is_some_and(|r| !r.is_empty());
    let mut rows = Vec::new();
    let mut more = None;
    if searched && errors.is_empty() {
        let party = (!orgnr.is_empty()).then(|| format!("org:{orgnr}"));
        let text = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
        let (reference, transmission, form_id, channel) = (
            text(&q.referanse).map(|r| r.to_ascii_uppercase()),
            text(&q.forsendelse).map(|f| f.to_ascii_lowercase()),
            text(&q.skjema),
            text(&q.kanal).filter(|c| c == "browser" || c == "api"),
        );
        let found = state
            .store
            .search_submissions(&SubmissionQuery {
                forms: &allowed,
                reference: reference.as_deref(),
                transmission_id: transmission.as_deref(),
                party: party.as_deref(),
                form_id: form_id.as_deref(),
                channel: channel.as_deref(),
                from_ms: from.map(start_of_day_ms),
                to_ms: to.and_then(|t| t.next_day()).map(start_of_day_ms),
                limit: RESULTS + 1,
            })
            .await?;
        // The search itself is audited: what was asked, by whom.
        let asked = format!("search:{}", raw.as_deref().unwrap_or(""));
        state
            .store
            .audit(
                "submission.searched",
                &Actor::employee(&e.key),
                &asked,
                &rid,
            )
            .await?;
        if found.len() as i64 > RESULTS {
            more = Some(cui.search_more.replace("{n}", &RESULTS.to_string()));
        }
        rows = found
            .into_iter()
            .take(RESULTS as usize)
            .map(|r| ResultRow {
                href: format!("/saksbehandling/innsendinger/{}", r.id),
                form: state.catalog.get(&r.form_id, &r.form_version).map_or_else(
                    || r.form_id.clone(),
                    |f| format!("{} {}", r.form_id, f.title.get(lang)),
                ),
                party: Names::of(&r, None).party,
                channel: channel_name(u, &r.channel),
                time: when(r.created_at, lang),
                status: u.status(r.status.as_str()),
                reference: r.reference,
            })
            .collect();
    }
    // As a form page with mistakes answers: 422, with the page.
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let error_of = |id: &str| errors.iter().find(|e| e.id == id).map(|e| e.message);
    let input = |id, label, hint, value: &str| Input {
        id,
        label,
        hint,
        value: value.to_owned(),
        error: error_of(id),
    };
    let inputs = vec![
        input(
            "referanse",
            cui.search_reference,
            Some(cui.search_reference_hint),
            &q.referanse,
        ),
        input(
            "forsendelse",
            cui.search_forsendelse,
            Some(cui.search_forsendelse_hint),
            &q.forsendelse,
        ),
        input("orgnr", cui.search_orgnr, None, &q.orgnr),
    ];
    let dates = vec![
        input("fra", cui.search_from, Some(cui.search_date_hint), &q.fra),
        input("til", cui.search_to, Some(cui.search_date_hint), &q.til),
    ];
    render(
        &SearchView {
            base: CaseBase::new(lang, cui.search_title, here, "submissions", Some(e)),
            inputs,
            dates,
            forms,
            channels,
            errors,
            searched,
            rows,
            more,
        },
        status,
    )
}

fn channel_name(u: &crate::i18n::Ui, channel: &str) -> &'static str {
    use crate::form::definition::Channel;
    match channel {
        "api" => u.channel(Channel::M2m),
        "upload" => u.channel(Channel::Filopplasting),
        "sftp" => u.channel(Channel::Sftp),
        _ => u.channel(Channel::Tasteskjema),
    }
}

/// A submission the employee may read: in one of their areas, with its form version. Anything
/// else is a 404, the same as a submission that does not exist.
async fn readable(
    state: &CaseState,
    e: &Employee,
    id: &str,
) -> AppResult<(SubmissionRow, Arc<Form>)> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::NotFound);
    }
    let row = state
        .store
        .submission_stored(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = state
        .catalog
        .get(&row.form_id, &row.form_version)
        .ok_or(AppError::NotFound)?;
    if !e.reads_area(&form.area) {
        return Err(AppError::NotFound);
    }
    Ok((row, form.clone()))
}

struct FileRow {
    name: String,
    size: String,
    status: &'static str,
    href: Option<String>,
}

struct JobView {
    kind: String,
    state: &'static str,
    attempts: i64,
    error: String,
}

#[derive(Template)]
#[template(path = "saksbehandling/submission.html")]
struct SubmissionView {
    base: CaseBase,
    reference: String,
    form_title: String,
    given: Lang,
    facts: Vec<(&'static str, String)>,
    pages: Vec<PageAnswers>,
    feedback: Option<crate::web::submitted::FeedbackView>,
    files: Vec<FileRow>,
    jobs: Vec<JobView>,
    dialog_id: String,
    transmission_id: String,
    pdf: String,
    readers: String,
}

/// The submission's document as its receipt shows it.
async fn shown(
    state: &CaseState,
    form: &Form,
    row: &SubmissionRow,
) -> AppResult<crate::intake::rows::Shown> {
    receipt::shown_document(&state.store, form, row, &state.spool_dir)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))
}

async fn view_submission_get(
    State(state): State<CaseState>,
    L(lang): L,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, form) = readable(&state, &e, &id).await?;
    state
        .store
        .audit("submission.viewed", &Actor::employee(&e.key), &row.id, &rid)
        .await?;
    let given = Lang::parse(&row.lang).unwrap_or_default();
    let ctx = crate::intake::context(PartyId::from_key(&row.party).as_ref());
    let shown = shown(&state, &form, &row).await?;
    let ctx = shown.context(&ctx);
    let (pages, mut feedback) =
        crate::web::submitted::receipt_answers(&form, &row, &shown.doc, &ctx, given)?;
    if let Some(f) = feedback.as_mut() {
        let documents = state.store.feedback_documents(&row.id).await?;
        f.with_documents(documents, |d| {
            format!("/saksbehandling/innsendinger/{}/dokument/{d}", row.id)
        });
        f.documents_title = ui(lang).decision_documents;
    }
    let u = ui(lang);
    let cui = super::words::case_ui(lang);
    let title = form.title.get(lang).to_string();
    let mut facts = facts(lang, &row, &title, &Names::of(&row, None));
    facts.push((cui.col_channel, channel_name(u, &row.channel).to_owned()));
    facts.push((cui.given_in, given.native_name().to_owned()));
    let files = state
        .store
        .attachments_of_submission(&row.id)
        .await?
        .into_iter()
        .map(|f| FileRow {
            status: match f.status {
                AttachmentStatus::Clean => u.file_clean,
                AttachmentStatus::Infected => u.file_infected,
                AttachmentStatus::Pending => u.file_pending,
            },
            href: (f.status != AttachmentStatus::Infected)
                .then(|| format!("/saksbehandling/innsendinger/{}/vedlegg/{}", row.id, f.id)),
            size: crate::form::validate::size(f.size as u64),
            name: f.name,
        })
        .collect();
    let jobs = state
        .store
        .jobs_of(&row.id)
        .await?
        .into_iter()
        .map(|j| JobView {
            kind: j.kind.to_string(),
            state: cui.job_state(j.state),
            attempts: j.attempts,
            error: j.last_error.unwrap_or_default(),
        })
        .collect();
    render(
        &SubmissionView {
            base: CaseBase::new(
                lang,
                format!("{} {}", cui.submission_title, row.reference),
                format!("/saksbehandling/innsendinger/{}", row.id),
                "submissions",
                Some(e),
            ),
            form_title: title,
            given,
            facts,
            pages,
            feedback,
            files,
            jobs,
            pdf: format!("/saksbehandling/innsendinger/{}/kvittering.pdf", row.id),
            readers: format!("/saksbehandling/innsendinger/{}/lesere", row.id),
            dialog_id: row.dialog_id.clone(),
            transmission_id: row.transmission_id.clone(),
            reference: row.reference,
        },
        StatusCode::OK,
    )
}

async fn view_receipt_pdf_get(
    State(state): State<CaseState>,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, form) = readable(&state, &e, &id).await?;
    state
        .store
        .audit("receipt.read", &Actor::employee(&e.key), &row.id, &rid)
        .await?;
    let given = Lang::parse(&row.lang).unwrap_or_default();
    let doc = shown(&state, &form, &row).await?;
    let pdf = receipt::pdf(&form, &row, &doc, given, &Names::of(&row, None))
        .map_err(|e| AppError::Internal(format!("receipt PDF: {e:#}")))?;
    Ok(crate::web::submitted::pdf_response(&row.reference, pdf))
}

async fn view_file_get(
    State(state): State<CaseState>,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let (row, _) = readable(&state, &e, &id).await?;
    let file = state
        .store
        .attachments_of_submission(&row.id)
        .await?
        .into_iter()
        .find(|f| f.id == file && f.status != AttachmentStatus::Infected)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit("attachment.read", &Actor::employee(&e.key), &file.id, &rid)
        .await?;
    Ok(crate::web::uploads::file_response(&state.store, &file))
}

/// A document the domain system issued on the submission (a certificate), as the party got it.
async fn view_document_get(
    State(state): State<CaseState>,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path((id, doc)): Path<(String, String)>,
) -> AppResult<Response> {
    let (row, _) = readable(&state, &e, &id).await?;
    let (d, bytes) = state
        .store
        .feedback_document(&row.id, &doc)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit("document.read", &Actor::employee(&e.key), &row.id, &rid)
        .await?;
    Ok(crate::web::uploads::bytes_response(
        &d.name,
        &d.media_type,
        bytes,
    ))
}

struct ReaderRow {
    time: String,
    who: String,
    what: String,
}

#[derive(Template)]
#[template(path = "saksbehandling/readers.html")]
struct ReadersView {
    base: CaseBase,
    reference: String,
    back: String,
    rows: Vec<ReaderRow>,
}

/// Who among the employees has read the submission, its receipt or its files, and when.
async fn view_readers_get(
    State(state): State<CaseState>,
    L(lang): L,
    RequestId(rid): RequestId,
    Ansatt(e): Ansatt,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, _) = readable(&state, &e, &id).await?;
    let cui = super::words::case_ui(lang);
    let mut subjects = vec![row.id.clone()];
    subjects.extend(
        state
            .store
            .attachments_of_submission(&row.id)
            .await?
            .into_iter()
            .map(|f| f.id),
    );
    let mut audit = Vec::new();
    for s in &subjects {
        audit.extend(state.store.audit_rows(s).await?);
    }
    audit.retain(|a| a.employee.is_some());
    audit.sort_by_key(|a| a.at);
    let names = state.store.employee_names().await?;
    let rows = audit
        .into_iter()
        .map(|a| {
            let key = a.employee.unwrap_or_default();
            ReaderRow {
                time: when(a.at, lang),
                who: names
                    .get(&key)
                    .map_or_else(|| key.clone(), |n| format!("{n} ({key})")),
                what: a.event,
            }
        })
        .collect();
    state
        .store
        .audit(
            "submission.readers",
            &Actor::employee(&e.key),
            &row.id,
            &rid,
        )
        .await?;
    render(
        &ReadersView {
            base: CaseBase::new(
                lang,
                format!("{} {}", cui.readers_title, row.reference),
                format!("/saksbehandling/innsendinger/{}/lesere", row.id),
                "submissions",
                Some(e),
            ),
            back: format!("/saksbehandling/innsendinger/{}", row.id),
            reference: row.reference,
            rows,
        },
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_the_norwegian_way_and_as_a_picker_sends_them() {
        let d = time::Date::from_calendar_date(2026, time::Month::March, 5).unwrap();
        assert_eq!(read_date("05.03.2026"), Some(d));
        assert_eq!(read_date("5.3.2026"), Some(d));
        assert_eq!(read_date("2026-03-05"), Some(d));
        assert_eq!(read_date("31.02.2026"), None);
        assert_eq!(read_date("i går"), None);
    }

    #[test]
    fn a_day_starts_at_norwegian_midnight() {
        // Winter: UTC+1, so 1 January starts at 23:00 UTC the day before.
        let jan = time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap();
        assert_eq!(start_of_day_ms(jan), 1_767_222_000_000);
        // Summer: UTC+2.
        let jul = time::Date::from_calendar_date(2026, time::Month::July, 1).unwrap();
        assert_eq!(start_of_day_ms(jul), 1_782_856_800_000);
    }
}
