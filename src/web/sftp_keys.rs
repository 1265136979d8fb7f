//! «SFTP-nøkler»: the public keys an organisation delivers files by SFTP with. A person acting
//! for the organisation who may deliver one of the SFTP schemes for it (the PDP says so) adds,
//! names and removes them; each change is in the audit log.

use askama::Template;
use axum::Form as Posted;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::session::{Signed, signed_in};
use super::{AppState, Base, L, RequestId, render};
use crate::auth::altinn::{PartyId, Subject, action};
use crate::auth::ssh::{Refused, read_public_key};
use crate::form::Lang;
use crate::i18n::sftp::{Words, words};
use crate::i18n::when;
use crate::store::SftpKey;

/// Where the page is.
pub const PATH: &str = "/sftp-nokler";
/// The longest name taken, in characters.
const NAME_MAX: usize = 100;
/// The most a pasted key may be (an RSA key of 16 384 bits is under 3 000).
const KEY_MAX: usize = 8 * 1024;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(view_get).post(view_post))
        .route("/sftp-nokler/{key}/fjern", post(remove_post))
}

struct Row {
    name: String,
    fingerprint: String,
    /// The forms it may deliver, in words.
    forms: String,
    added: String,
    by: &'static str,
    remove: String,
}

#[derive(Template)]
#[template(path = "sftp_keys.html")]
struct KeysView {
    base: Base,
    w: &'static Words,
    heading: String,
    user: String,
    rows: Vec<Row>,
    done: Option<&'static str>,
    name: String,
    key: String,
    name_error: Option<&'static str>,
    key_error: Option<&'static str>,
}

#[derive(Deserialize)]
struct Done {
    lagt_til: Option<String>,
    fjernet: Option<String>,
    borte: Option<String>,
}

#[derive(Deserialize)]
struct Added {
    #[serde(default)]
    navn: String,
    #[serde(default)]
    nokkel: String,
}

/// The signed-in person acting for an organisation, if they may manage its keys: the PDP lets
/// them deliver one of the SFTP schemes for it. With the forms they may deliver: a key they add
/// may deliver those, and no more.
async fn manager(state: &AppState, session: &Session) -> AppResult<(Signed, String, Vec<String>)> {
    let s = signed_in(state, session, PATH).await?;
    let PartyId::Organisation(orgnr) = &s.party else {
        return Err(AppError::NoAccess);
    };
    let orgnr = orgnr.clone();
    let authz = state
        .authz
        .as_ref()
        .ok_or_else(|| AppError::Internal("Altinn Authorization is not configured".into()))?;
    let person = Subject::Person(s.pid.clone());
    let mut forms = Vec::new();
    for form in state.catalog.sftp_forms() {
        let allowed = crate::intake::authorize(
            authz,
            None,
            &person,
            action::WRITE,
            &form.resource,
            &s.party,
        )
        .await
        .is_ok();
        if allowed {
            forms.push(form.id.clone());
        }
    }
    if forms.is_empty() {
        return Err(AppError::NoAccess);
    }
    Ok((s, orgnr, forms))
}

/// What the form to add a key shows: what was typed, and what is wrong with it.
#[derive(Default)]
struct Typed {
    name: String,
    key: String,
    name_error: Option<&'static str>,
    key_error: Option<&'static str>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    (s, orgnr): (&Signed, &str),
    typed: Typed,
    done: Option<&'static str>,
    status: StatusCode,
) -> AppResult<Response> {
    let w = words(lang);
    let keys = state.store.sftp_keys(orgnr).await?;
    let me = format!("person:{}", s.pid);
    let rows = keys
        .into_iter()
        .map(|k: SftpKey| Row {
            by: if k.added_by == me {
                w.by_you
            } else if k.added_by == "registry" {
                w.by_registry
            } else {
                w.by_other
            },
            added: when(k.added_at, lang),
            remove: format!("/sftp-nokler/{}/fjern", k.id),
            forms: k.forms.as_deref().map_or_else(
                || w.all_forms.to_owned(),
                |f| f.split(',').collect::<Vec<_>>().join(", "),
            ),
            name: k.name,
            fingerprint: k.fingerprint,
        })
        .collect();
    let heading = w.title.replace("{party}", &s.party_name);
    let view = KeysView {
        base: Base::new(lang, heading.clone(), PATH),
        w,
        heading,
        user: w.user.replace("{orgnr}", orgnr),
        rows,
        done,
        name: typed.name,
        key: typed.key,
        name_error: typed.name_error,
        key_error: typed.key_error,
    };
    render(&view, status)
}

async fn view_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let (s, orgnr, _) = manager(&state, &session).await?;
    let w = words(lang);
    let done = if q.lagt_til.is_some() {
        Some(w.added)
    } else if q.fjernet.is_some() {
        Some(w.removed)
    } else if q.borte.is_some() {
        Some(w.not_found)
    } else {
        None
    };
    let blank = Typed::default();
    page(&state, lang, (&s, &orgnr), blank, done, StatusCode::OK).await
}

async fn view_post(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    Posted(f): Posted<Added>,
) -> AppResult<Response> {
    let (s, orgnr, forms) = manager(&state, &session).await?;
    let w = words(lang);
    let name = f.navn.trim().to_owned();
    let name_error = if name.is_empty() {
        Some(w.name_missing)
    } else if name.chars().count() > NAME_MAX {
        Some(w.name_long)
    } else {
        None
    };
    let read = if f.nokkel.len() > KEY_MAX {
        Err(Refused::NotAKey)
    } else {
        read_public_key(&f.nokkel)
    };
    let mut key_error = match &read {
        Ok(_) => None,
        Err(Refused::Empty) => Some(w.key_empty),
        Err(Refused::Private) => Some(w.key_private),
        Err(Refused::NotAKey) => Some(w.key_unreadable),
        Err(Refused::Kind) => Some(w.key_kind),
        Err(Refused::TooShort) => Some(w.key_short),
    };
    if let (None, Ok(a)) = (name_error, &read) {
        let key = SftpKey {
            id: uuid::Uuid::new_v4().to_string(),
            orgnr: orgnr.clone(),
            name: name.clone(),
            public_key: a.public_key.clone(),
            fingerprint: a.fingerprint.clone(),
            added_by: format!("person:{}", s.pid),
            forms: Some(forms.join(",")),
            added_at: crate::clock::now_ms(),
        };
        let party = s.party.key();
        let actor = crate::store::Actor {
            person: Some(&s.pid),
            party: Some(&party),
            employee: None,
        };
        if state.store.add_sftp_key(&key, &actor, &rid).await? {
            return Ok(Redirect::to("/sftp-nokler?lagt_til=1").into_response());
        }
        key_error = Some(w.key_known);
    }
    // What was typed stays, a private key excepted: it is not shown back.
    let kept_key = if matches!(read, Err(Refused::Private)) || f.nokkel.len() > KEY_MAX {
        String::new()
    } else {
        f.nokkel
    };
    let typed = Typed {
        name: f.navn,
        key: kept_key,
        name_error,
        key_error,
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    page(&state, lang, (&s, &orgnr), typed, None, status).await
}

async fn remove_post(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (s, orgnr, _) = manager(&state, &session).await?;
    let party = s.party.key();
    let actor = crate::store::Actor {
        person: Some(&s.pid),
        party: Some(&party),
        employee: None,
    };
    let gone = state
        .store
        .remove_sftp_key(&orgnr, &id, &actor, &rid)
        .await?;
    let to = if gone {
        "/sftp-nokler?fjernet=1"
    } else {
        "/sftp-nokler?borte=1"
    };
    Ok(Redirect::to(to).into_response())
}
