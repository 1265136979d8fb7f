//! Attachments in the browser: the upload route htmx-enhanced pages use (it answers with the
//! field's fieldset, files listed), a page post that carries files (without JavaScript), and
//! downloads, only by the person and party that own the draft or submission.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::forms::{load, signed};
use super::session::Signed;
use super::view::{self, FieldView};
use super::{AppState, L, RequestId, Ui, render};
use crate::form::expr::format_path;
use crate::form::validate::FieldError;
use crate::form::{Form, Lang};
use crate::intake::attachments::{self as att, Holder, Layout, Receiving};
use crate::store::{Actor, AttachmentRow, AttachmentStatus, Draft};

/// The routes.
pub fn router(cap: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/vedlegg/{form}/{draft}",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(cap)),
        )
        .route("/vedlegg/{form}/{draft}/{id}", get(download_draft))
        .route(
            "/innsendt/{submission}/vedlegg/{id}",
            get(download_submitted),
        )
        .route(
            "/innsendt/{submission}/dokument/{id}",
            get(download_document),
        )
}

/// Loads a draft's files and writes the checked ones into its document.
pub async fn with_files(state: &AppState, form: &Form, draft: &mut Draft) -> AppResult<()> {
    if att::fields(form).next().is_none() {
        return Ok(());
    }
    draft.files = state.store.attachments_of_holder(&draft.id).await?;
    att::fill(form, &mut draft.document.0, &draft.files);
    Ok(())
}

/// Reads every part of a page form's multipart body: files go through the checks into the draft
/// (each refusal becomes an error at its field), answers are returned as pairs. A file over its
/// limit is not kept beyond the limit: the rest of it is read past, so that the answers posted
/// after it are not lost.
async fn receive(
    state: &AppState,
    s: &Signed,
    form: &Form,
    draft: &Draft,
    multipart: Multipart,
    rid: &str,
) -> AppResult<(Vec<(String, String)>, Vec<FieldError>)> {
    let r = Receiving {
        store: &state.store,
        uploads: &state.uploads,
        form,
        holder: Holder {
            person: Some(s.owner.person()),
            party: s.owner.party(),
            key: &draft.id,
        },
        present: &draft.files,
        layout: Layout::PageForm,
        request_id: rid,
    };
    let mut pairs = Vec::new();
    let errors = att::receive(&r, multipart, |name, text| {
        pairs.push((name, String::from_utf8_lossy(&text).into_owned()));
        Ok::<_, AppError>(())
    })
    .await?;
    Ok((pairs, errors))
}

/// A page post with files (the page form is `multipart/form-data` when the page has an attachment
/// field): files are kept, then the answers are saved as any page post.
pub async fn page_post(
    state: AppState,
    lang: Lang,
    session: Session,
    (rid, client): (String, Option<std::net::IpAddr>),
    ids: (String, String, String),
    req: Request,
) -> AppResult<Response> {
    if att::declared_over(req.headers(), state.uploads.cap) {
        return Err(AppError::TooLarge);
    }
    let (form_id, draft_id, page_id) = ids;
    let here = format!("/skjema/{form_id}/{draft_id}/{page_id}");
    let multipart = Multipart::from_request(req, &state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let s = match signed(&state, &session, &form_id, &here, &rid).await {
        Ok(s) => s,
        Err(e @ (AppError::NeedLogin(_) | AppError::NeedParty(_))) => {
            // Keep what was typed (the files cannot be kept: they are chosen again), if the
            // browser still holds a session of the portal's.
            if uuid::Uuid::parse_str(&draft_id).is_ok() && session.id().is_some() {
                let pairs = text_parts(multipart).await?;
                let body = serde_urlencoded::to_string(&pairs).unwrap_or_default();
                let ids = (draft_id.as_str(), page_id.as_str());
                super::session::stash(&state, &session, client, ids, body.as_bytes()).await?;
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let (pi, _) = form.page(&page_id).ok_or(AppError::NotFound)?;
    let (pairs, errors) = receive(&state, &s, &form, &draft, multipart, &rid).await?;
    // Read the draft again: the files just kept are part of it now.
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let body =
        serde_urlencoded::to_string(&pairs).map_err(|e| AppError::Internal(e.to_string()))?;
    super::forms::handle_post(&state, &s, form, draft, pi, body.into(), lang, &rid, errors).await
}

/// The text parts of a multipart body; file parts are skipped unread.
async fn text_parts(mut multipart: Multipart) -> AppResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut total = 0;
    while let Ok(Some(part)) = multipart.next_field().await {
        if part.file_name().is_some() {
            continue;
        }
        let name = part.name().unwrap_or("").to_string();
        if let Ok(text) = part.text().await {
            total += name.len() + text.len();
            if total > super::session::STASH_MAX {
                // More than a page of answers: nothing of it is kept over the login.
                return Ok(Vec::new());
            }
            pairs.push((name, text));
        }
    }
    Ok(pairs)
}

/// The fieldset of one attachment field, as the upload route answers.
#[derive(Template)]
#[template(path = "attachment_partial.html")]
struct FieldPartial {
    ui: &'static Ui,
    f: FieldView,
    fragment: String,
}

/// htmx (and the page's script): files for one field of a draft; answers with the field's
/// fieldset, files listed and any refusal named.
async fn upload(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Path((form_id, draft_id)): Path<(String, String)>,
    req: Request,
) -> AppResult<Response> {
    if att::declared_over(req.headers(), state.uploads.cap) {
        return Err(AppError::TooLarge);
    }
    let here = format!("/skjema/{form_id}/{draft_id}");
    let s = signed(&state, &session, &form_id, &here, &rid).await?;
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let multipart = Multipart::from_request(req, &state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let (_, errors) = receive(&state, &s, &form, &draft, multipart, &rid).await?;
    let (form, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    // The field the files were for (the first attachment field if none arrived).
    let path = errors
        .first()
        .map(|e| format_path(&e.path))
        .or_else(|| draft.files.last().map(|r| r.field.clone()))
        .or_else(|| att::fields(&form).next().map(|(p, _, _)| p))
        .ok_or(AppError::NotFound)?;
    let (field, _) = att::field(&form, &path).ok_or(AppError::NotFound)?;
    let (pi, _) = form
        .pages
        .iter()
        .enumerate()
        .find(|(_, p)| p.fields.iter().any(|f| f.bind == field.bind))
        .ok_or(AppError::NotFound)?;
    let ui = super::ui(lang);
    let (shown, _) = view::shown_errors(&form, &errors, lang, ui, "");
    let uploads = view::Uploads {
        files: &draft.files,
        upload: format!("/vedlegg/{form_id}/{draft_id}"),
        download: format!("/vedlegg/{form_id}/{draft_id}/"),
    };
    let ctx = s.context();
    let f = view::field_view_pub(field, &draft.document.0, &ctx, &shown, &uploads, lang, ui);
    let page = &form.pages[pi];
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        &FieldPartial {
            ui,
            f,
            fragment: format!("/skjema/{form_id}/{draft_id}/{}/felt", page.id),
        },
        status,
    )
}

/// A file as a download: never shown inline, served with the type its content was found to be.
pub fn file_response(state_store: &crate::store::Store, row: &AttachmentRow) -> Response {
    let body = Body::from_stream(state_store.attachment_bytes(row));
    download(body, &row.name, &row.media_type, row.size as u64)
}

/// Bytes held in memory as a download named `name`, never shown inline.
pub fn bytes_response(name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    let size = bytes.len() as u64;
    download(Body::from(bytes), name, media_type, size)
}

fn download(body: Body, name: &str, media_type: &str, size: u64) -> Response {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(name))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    r
}

/// `attachment; filename="…"; filename*=UTF-8''…` with the plain name limited to safe ASCII.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn download_draft(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path((form_id, draft_id, id)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let here = format!("/skjema/{form_id}/{draft_id}");
    let s = signed(&state, &session, &form_id, &here, &rid).await?;
    let (_, draft) = load(&state, &s.owner, &form_id, &draft_id).await?;
    let row = draft
        .files
        .into_iter()
        .find(|r| r.id == id && r.status != AttachmentStatus::Infected)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit("attachment.read", &Actor::from(&s.owner), &row.id, &rid)
        .await?;
    Ok(file_response(&state.store, &row))
}

/// A submission whose files the person may read: their own for the party, or an end-user
/// system's for the party when the PDP lets them read the form's submissions (the inbox links to
/// both).
async fn readable_submission(
    state: &AppState,
    session: &Session,
    submission: &str,
) -> AppResult<(Signed, crate::store::SubmissionRow)> {
    let here = format!("/innsendt/{submission}");
    match super::submitted::own_submission(state, session, &here, submission).await {
        Ok((s, row, _)) => Ok((s, row)),
        Err(AppError::NotFound) => party_submission(state, session, &here, submission).await,
        Err(e) => Err(e),
    }
}

async fn download_submitted(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path((submission, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (s, row) = readable_submission(&state, &session, &submission).await?;
    let file = state
        .store
        .attachments_of_submission(&row.id)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit("attachment.read", &Actor::from(&s.owner), &file.id, &rid)
        .await?;
    Ok(file_response(&state.store, &file))
}

/// A document the domain system issued on a submission (a certificate): readable by whoever may
/// read the submission's files (the receipt and the inbox link here).
async fn download_document(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path((submission, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (s, row) = readable_submission(&state, &session, &submission).await?;
    let (doc, bytes) = state
        .store
        .feedback_document(&row.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit("document.read", &Actor::from(&s.owner), &row.id, &rid)
        .await?;
    Ok(bytes_response(&doc.name, &doc.media_type, bytes))
}

/// A submission an end-user system made for the party the person acts for, if the PDP lets the
/// person read that form's submissions for the party.
async fn party_submission(
    state: &AppState,
    session: &Session,
    here: &str,
    id: &str,
) -> AppResult<(Signed, crate::store::SubmissionRow)> {
    let s = super::session::signed_in(state, session, here).await?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::NotFound);
    }
    let row = state
        .store
        .submission_of_party(id, s.owner.party())
        .await?
        .filter(|r| r.channel == "api")
        .ok_or(AppError::NotFound)?;
    let form = state
        .catalog
        .get(&row.form_id, &row.form_version)
        .ok_or(AppError::NotFound)?;
    let authz = state.authz.as_ref().ok_or(AppError::NotFound)?;
    let subject = crate::auth::altinn::Subject::Person(s.pid.clone());
    match authz
        .decide(
            subject,
            crate::auth::altinn::action::READ,
            &form.resource,
            &s.party,
        )
        .await
    {
        Ok(d) if d.is_permit() => Ok((s, row)),
        _ => Err(AppError::NotFound),
    }
}
