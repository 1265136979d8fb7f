//! Choosing whom to act for: the parties that may use the form at hand (or any form), from Altinn.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::login::safe_next;
use super::session::{self, ACTING_KEY, Acting};
use super::{AppState, Base, L, RequestId, render};
use crate::auth::altinn::{Choice, PartyId};
use crate::form::{Form, Lang};

/// The party routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/aktor", get(view_party_get).post(view_party_post))
}

struct Row {
    key: String,
    name: String,
    detail: String,
    subunit: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyView {
    base: Base,
    legend: String,
    intro: String,
    neste: String,
    choices: Vec<Row>,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct PartyQuery {
    neste: Option<String>,
}

#[derive(Deserialize)]
struct PartyForm {
    party: Option<String>,
    neste: Option<String>,
}

/// The form a return path leads into, if any.
fn form_of<'a>(state: &'a AppState, next: &str) -> Option<&'a Form> {
    let id = next.strip_prefix("/skjema/")?.split(['/', '?']).next()?;
    state.catalog.latest(id).map(|f| &**f)
}

fn here(next: &str) -> String {
    format!(
        "/aktor?{}",
        serde_urlencoded::to_string([("neste", next)]).unwrap_or_default()
    )
}

async fn options(
    state: &AppState,
    session: &Session,
    next: &str,
) -> AppResult<(crate::auth::idporten::LoggedIn, Vec<Choice>, Option<Acting>)> {
    let p = session::person(session, state.limits)
        .await?
        .ok_or_else(|| AppError::NeedLogin(here(next)))?;
    let name = session::person_name(session, &p).await;
    let choices = session::choices(state, &p, &name, form_of(state, next)).await?;
    let acting: Option<Acting> = session.get(ACTING_KEY).await.ok().flatten();
    Ok((p, choices, acting))
}

#[allow(clippy::too_many_arguments)]
fn view(
    state: &AppState,
    lang: Lang,
    next: &str,
    choices: &[Choice],
    current: Option<&PartyId>,
    error: Option<&'static str>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> AppResult<Response> {
    let ui = super::ui(lang);
    let form = form_of(state, next);
    let intro = match form {
        Some(f) => ui.party_intro_form.replace("{form}", f.title.get(lang)),
        None => ui.party_intro.to_owned(),
    };
    let rows = choices
        .iter()
        .map(|c| {
            let (name, detail) = match &c.party {
                PartyId::Person(pid) => (
                    format!("{} ({})", c.name, ui.party_yourself),
                    format!("{} {}", ui.party_birth, crate::form::no::masked(pid)),
                ),
                PartyId::Organisation(orgnr) => {
                    let mut d = format!("{} {}", ui.party_orgnr, session::orgnr_spaced(orgnr));
                    if let Some(parent) = &c.parent {
                        d.push_str(&format!(
                            " · {} {}",
                            ui.party_subunit_of,
                            session::orgnr_spaced(parent)
                        ));
                    }
                    (c.name.clone(), d)
                }
            };
            Row {
                key: c.party.key(),
                name,
                detail,
                subunit: c.parent.is_some(),
                current: current == Some(&c.party),
            }
        })
        .collect();
    let status = if choices.is_empty() && status == StatusCode::OK {
        StatusCode::FORBIDDEN
    } else {
        status
    };
    render(
        &PartyView {
            base: Base::new(lang, ui.party_title, here(next)),
            legend: ui.party_title.to_owned(),
            intro,
            neste: next.to_owned(),
            choices: rows,
            error,
            notice,
        },
        status,
    )
}

async fn view_party_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Query(q): Query<PartyQuery>,
) -> AppResult<Response> {
    let next = safe_next(q.neste.as_deref());
    let (_, choices, acting) = options(&state, &session, &next).await?;
    let current = acting.as_ref().map(|a| &a.party);
    // Sent here from a form the current party may not use: say so.
    let notice = match (current, form_of(&state, &next)) {
        (Some(c), Some(_)) if !choices.iter().any(|x| &x.party == c) => {
            Some(super::ui(lang).party_not_for_form)
        }
        _ => None,
    };
    view(
        &state,
        lang,
        &next,
        &choices,
        current,
        None,
        notice,
        StatusCode::OK,
    )
}

async fn view_party_post(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    RequestId(rid): RequestId,
    axum::Form(f): axum::Form<PartyForm>,
) -> AppResult<Response> {
    let next = safe_next(f.neste.as_deref());
    let (p, choices, acting) = options(&state, &session, &next).await?;
    let current = acting.as_ref().map(|a| &a.party);
    let ui = super::ui(lang);
    let Some(key) = f.party.filter(|k| !k.is_empty()) else {
        return view(
            &state,
            lang,
            &next,
            &choices,
            current,
            Some(ui.party_required),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    // Only a party on the list: anything else is someone the person may not represent.
    let Some(choice) =
        PartyId::from_key(&key).and_then(|id| choices.iter().find(|c| c.party == id))
    else {
        tracing::warn!("a party not offered was posted");
        return view(
            &state,
            lang,
            &next,
            &choices,
            current,
            Some(ui.party_refused),
            None,
            StatusCode::FORBIDDEN,
        );
    };
    // The forms this choice has just been checked for.
    let resources = match form_of(&state, &next) {
        Some(form) => vec![form.resource.clone()],
        None => Vec::new(),
    };
    session::choose(&state, &session, &p.pid, choice, resources, &rid).await?;
    Ok(Redirect::to(&next).into_response())
}
