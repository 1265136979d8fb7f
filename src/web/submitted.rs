//! Submitting from check-your-answers, the receipt, and the list of what was submitted.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::forms::{load, signed};
use super::session::{self, Signed};
use super::{AppState, Base, L, RequestId, Ui, render};
use crate::auth::altinn::Subject;
use crate::form::Lang;
use crate::i18n::when;
use crate::intake::domain::Feedback;
use crate::intake::receipt::answers::{self, PageAnswers};
use crate::intake::receipt::{self, facts};
use crate::intake::{self, Channel, Submission, SubmitError};
use crate::store::SubmissionRow;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/skjema/{form}/{draft}/send", post(view_submit_post))
        .route("/innsendt", get(view_submitted_get))
        .route("/innsendt/{id}", get(view_receipt_get))
        .route("/innsendt/{id}/kvittering.pdf", get(view_receipt_pdf_get))
}

#[derive(Deserialize)]
struct SubmitForm {
    #[serde(rename = "_version")]
    version: i64,
}

/// The browser's idempotency key: a draft is submitted once, however often the button is pressed
/// or the page re-posted (a second tab, the back button).
fn draft_key(draft: &str) -> String {
    format!("draft:{draft}")
}

async fn view_submit_post(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    L(lang): L,
    Path((form_id, draft_id)): Path<(String, String)>,
    axum::Form(f): axum::Form<SubmitForm>,
) -> AppResult<Response> {
    let summary = format!("/skjema/{form_id}/{draft_id}/oppsummering");
    let s = signed(&state, &session, &form_id, &summary, &rid).await?;
    // Submitted already (a double click, the back button, another tab): its receipt.
    if let Some(done) = state.store.receipt_by_key(&draft_key(&draft_id)).await?
        && done.party == s.owner.party()
        && done.submitter == format!("person:{}", s.pid)
    {
        return Ok(Redirect::to(&format!("/innsendt/{}", done.id)).into_response());
    }
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    if f.version != draft.version {
        return Err(AppError::Conflict);
    }
    let authz = state
        .authz
        .as_ref()
        .ok_or_else(|| AppError::Internal("Altinn Authorization is not configured".into()))?;
    let ctx = s.context();
    let submitter = Subject::Person(s.pid.clone());
    let respond = |r: &intake::Receipt| json!({ "id": r.id, "reference": r.reference });
    let outcome = intake::submit(
        &state.store,
        authz,
        Submission {
            form: &form,
            party: &s.party,
            submitter: &submitter,
            party_name: Some(&s.party_name),
            submitter_name: Some(&s.person_name),
            channel: Channel::Browser,
            lang,
            document: crate::intake::Document::Whole(&draft.document.0),
            key: draft_key(&draft.id),
            context: &ctx,
            draft: Some((&s.owner, &draft.id, draft.version)),
            respond: &respond,
            permits: None,
            attachments: Some(&draft.id),
            staged: None,
        },
        &rid,
    )
    .await;
    if let (Ok(_), Some(outbox)) = (&outcome, &state.outbox) {
        outbox.wake();
    }
    match outcome {
        Ok(o) => Ok(Redirect::to(&format!("/innsendt/{}", o.receipt().id)).into_response()),
        // Check-your-answers shows what is wrong.
        Err(SubmitError::Invalid(_)) => Ok(Redirect::to(&summary).into_response()),
        Err(SubmitError::Forbidden) => Err(AppError::NoAccess),
        // (A staged delivery is the API's; the browser never has one.)
        Err(SubmitError::DraftChanged | SubmitError::KeyReused | SubmitError::StagedChanged) => {
            Err(AppError::Conflict)
        }
        Err(SubmitError::Db(e)) => Err(AppError::Db(e)),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptView {
    base: Base,
    form_title: String,
    reference: String,
    facts: Vec<(&'static str, String)>,
    pages: Vec<PageAnswers>,
    feedback: Option<FeedbackView>,
    pdf: String,
    /// The submission's files: name, size, download link.
    files: Vec<(String, String, String)>,
}

/// The domain system's feedback on a receipt: its messages, each linked to the answer it concerns.
pub(crate) struct FeedbackView {
    /// Link (to the answer) and text of each message.
    pub(crate) messages: Vec<(String, String)>,
    /// What an accepted submission decided: its title and its facts (in Norwegian).
    pub(crate) vedtak: Option<(String, Vec<(String, String)>)>,
    /// The documents the decision issued: name, type and size, download link.
    pub(crate) documents: Vec<(String, String, String)>,
    /// Their heading, in the reader's language.
    pub(crate) documents_title: &'static str,
}

impl FeedbackView {
    /// Lists the documents the decision issued, each downloaded at `href(id)`.
    pub(crate) fn with_documents(
        &mut self,
        documents: Vec<crate::store::DocumentRow>,
        href: impl Fn(&str) -> String,
    ) {
        self.documents = documents
            .into_iter()
            .map(|d| {
                let kind = if d.media_type == "application/pdf" {
                    "PDF, "
                } else {
                    ""
                };
                let size = format!("{kind}{}", crate::form::validate::size(d.size as u64));
                (d.name, size, href(&d.id))
            })
            .collect();
    }
}

/// A submission's answers as its receipt shows them (no links to pages: a receipt is not
/// changed), with the domain system's feedback beside the answers it concerns. `doc` is the
/// document as [`receipt::shown_document`] reads it.
pub(crate) fn receipt_answers(
    form: &crate::form::Form,
    row: &SubmissionRow,
    doc: &Value,
    ctx: &crate::form::Context,
    lang: Lang,
) -> AppResult<(Vec<PageAnswers>, Option<FeedbackView>)> {
    let ui = super::ui(lang);
    let mut pages = answers::answers_first(form, doc, ctx, (lang, ui), "", answers::RECEIPT_ROWS);
    for p in &mut pages {
        p.href.clear();
    }
    let feedback = row
        .feedback
        .as_deref()
        .and_then(|t| serde_json::from_str::<Feedback>(t).ok())
        .map(|f| attach_feedback(form, &f, &mut pages, lang, ui));
    Ok((pages, feedback))
}

/// The receipt PDF as a download named by its reference.
pub(crate) fn pdf_response(reference: &str, pdf: Vec<u8>) -> Response {
    let name = format!("attachment; filename=\"kvittering-{reference}.pdf\"");
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        pdf,
    )
        .into_response()
}

/// Puts the feedback's messages beside the answers they concern and lists them, linked.
pub(crate) fn attach_feedback(
    form: &crate::form::Form,
    f: &Feedback,
    pages: &mut [PageAnswers],
    lang: Lang,
    ui: &Ui,
) -> FeedbackView {
    let mut messages = Vec::new();
    for m in &f.meldinger {
        let mut href = String::new();
        let mut label = None;
        if let Some(sti) = &m.sti {
            let all = pages.iter_mut().flat_map(|p| {
                p.answers.iter_mut().chain(
                    p.groups
                        .iter_mut()
                        .flat_map(|g| g.rows.iter_mut().flat_map(|r| r.1.iter_mut())),
                )
            });
            for a in all {
                if sti == &a.sti || sti.starts_with(&format!("{}.", a.sti)) {
                    a.note = Some(m.melding.clone());
                    href = format!("#{}", a.id);
                    label = Some(a.label.clone());
                    break;
                }
            }
        }
        let row = m
            .sti
            .as_deref()
            .and_then(|s| crate::form::expr::parse_path(s).ok())
            .and_then(|p| answers::row_heading(form, &p, lang, ui));
        let text = match (row, label) {
            (Some(r), Some(l)) => format!("{r}, {l}: {}", m.melding),
            (None, Some(l)) => format!("{l}: {}", m.melding),
            _ => m.melding.clone(),
        };
        messages.push((href, text));
    }
    FeedbackView {
        messages,
        vedtak: f.vedtak.as_ref().map(|v| (v.tittel.clone(), v.lines())),
        documents: Vec::new(),
        documents_title: ui.decision_documents,
    }
}

/// The names on a receipt: those stored with it, or for an older one the session's.
fn names(s: &Signed, row: &SubmissionRow) -> receipt::Names {
    receipt::Names::of(row, Some((&s.party_name, &s.person_name)))
}

/// One of the person's submissions for the party they act for, with its form version; anything
/// else is a 404.
pub(super) async fn own_submission<'a>(
    state: &'a AppState,
    session: &Session,
    here: &str,
    id: &str,
) -> AppResult<(Signed, SubmissionRow, &'a Arc<crate::form::Form>)> {
    let s = session::signed_in(state, session, here).await?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::NotFound);
    }
    let row = state
        .store
        .submission_of(&s.owner, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = state
        .catalog
        .get(&row.form_id, &row.form_version)
        .ok_or(AppError::NotFound)?;
    Ok((s, row, form))
}

/// The submission's document as its receipt shows it.
async fn shown(
    state: &AppState,
    form: &crate::form::Form,
    row: &SubmissionRow,
) -> AppResult<intake::rows::Shown> {
    receipt::shown_document(&state.store, form, row, &state.uploads.tmp_dir)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))
}

async fn view_receipt_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let here = format!("/innsendt/{id}");
    let (s, row, form) = own_submission(&state, &session, &here, &id).await?;
    let ui = super::ui(lang);
    let shown = shown(&state, form, &row).await?;
    let ctx = shown.context(&s.context());
    let (pages, mut feedback) = receipt_answers(form, &row, &shown.doc, &ctx, lang)?;
    if let Some(f) = feedback.as_mut() {
        let documents = state.store.feedback_documents(&row.id).await?;
        f.with_documents(documents, |d| format!("/innsendt/{}/dokument/{d}", row.id));
    }
    let title = form.title.get(lang).to_string();
    let facts = facts(lang, &row, &title, &names(&s, &row));
    let files = state
        .store
        .attachments_of_submission(&row.id)
        .await?
        .into_iter()
        .map(|f| {
            let href = format!("/innsendt/{}/vedlegg/{}", row.id, f.id);
            (f.name, crate::form::validate::size(f.size as u64), href)
        })
        .collect();
    render(
        &ReceiptView {
            files,
            base: Base::new(
                lang,
                format!("{} {}", ui.receipt_title, row.reference),
                here,
            ),
            form_title: title,
            reference: row.reference.clone(),
            facts,
            pages,
            feedback,
            pdf: format!("/innsendt/{}/kvittering.pdf", row.id),
        },
        StatusCode::OK,
    )
}

async fn view_receipt_pdf_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let here = format!("/innsendt/{id}");
    let (s, row, form) = own_submission(&state, &session, &here, &id).await?;
    let doc = shown(&state, form, &row).await?;
    let pdf = receipt::pdf(form, &row, &doc, lang, &names(&s, &row))
        .map_err(|e| AppError::Internal(format!("receipt PDF: {e:#}")))?;
    Ok(pdf_response(&row.reference, pdf))
}

struct Row {
    href: String,
    reference: String,
    form_id: String,
    title: String,
    when: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedView {
    base: Base,
    rows: Vec<Row>,
}

async fn view_submitted_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
) -> AppResult<Response> {
    let s = session::signed_in(&state, &session, "/innsendt").await?;
    let ui = super::ui(lang);
    let rows = state
        .store
        .submissions_of(&s.owner)
        .await?
        .into_iter()
        .map(|r| Row {
            href: format!("/innsendt/{}", r.id),
            title: title_of(&state, &r, lang),
            reference: r.reference,
            form_id: r.form_id,
            when: when(r.created_at, lang),
            status: ui.status(r.status.as_str()),
        })
        .collect();
    render(
        &SubmittedView {
            base: Base::new(lang, ui.submitted_title, "/innsendt"),
            rows,
        },
        StatusCode::OK,
    )
}

fn title_of(state: &AppState, r: &SubmissionRow, lang: Lang) -> String {
    state
        .catalog
        .get(&r.form_id, &r.form_version)
        .map_or_else(|| r.form_id.clone(), |f| f.title.get(lang).to_string())
}
