//! Who is logged in and whom they act for, as kept in the server-side session, and the checks every
//! form page makes: logged in (within the idle and absolute limits), at the form's level, acting for
//! a party that may use the form.

use std::collections::HashSet;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::AppState;
use super::error::{AppError, AppResult};
use crate::auth::altinn::{Access, AuthorizedParty, Choice, PartyId, parties_for_form};
use crate::auth::idporten::LoggedIn;
use crate::clock::now_s;
use crate::form::no::masked;
use crate::form::{Context, Form};
use crate::store::{Actor, Owner};

/// The logged-in person ([`LoggedIn`]).
pub const PERSON_KEY: &str = "person";
/// The person's name, as Altinn knows it.
pub const PERSON_NAME_KEY: &str = "person_name";
/// When the person logged in (unix seconds): the absolute limit counts from here.
pub const LOGIN_AT_KEY: &str = "login_at";
/// The party acted for ([`Acting`]).
pub const ACTING_KEY: &str = "acting";
/// When the session was last written (unix seconds). tower-sessions only saves (and so only
/// extends the idle expiry of) a session that changed, so an active user's session is touched.
pub const SEEN_KEY: &str = "seen";
/// Answers posted after the session had ended, kept until the person has logged in again.
pub const STASH_KEY: &str = "stash";

/// How long a session lasts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A session ends after this long without a request (seconds; 30 minutes)…
    pub idle_s: i64,
    /// …and this long after login whatever happens (seconds; 120 minutes).
    pub absolute_s: i64,
}

impl Limits {
    /// When a session last active at `seen` and logged in at `login_at` ends (unix seconds), and
    /// whether that is the absolute limit.
    pub fn ends(&self, seen: i64, login_at: i64) -> (i64, bool) {
        let idle_end = seen + self.idle_s;
        let absolute_end = login_at + self.absolute_s;
        (idle_end.min(absolute_end), absolute_end <= idle_end)
    }

    /// How long a session is kept after its last request: twice the idle limit. The login ends
    /// at the idle limit ([`person`] checks it); the session itself outlives it a while, so that
    /// answers posted to it after the login ended can be kept over the next login ([`stash`]),
    /// and only for a browser that holds a session the portal issued.
    pub fn kept_s(&self) -> i64 {
        self.idle_s.saturating_mul(2)
    }

    /// How often an active session is written to push its idle expiry on: once a minute, or more
    /// often when the idle limit is very short.
    fn touch_every_s(&self) -> i64 {
        (self.idle_s / 4).clamp(0, 60)
    }
}

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("session: {e}"))
}

/// The party a person acts for, and the Altinn resources it has been checked for in this session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Acting {
    /// Who is acted for.
    pub party: PartyId,
    /// Its name.
    pub name: String,
    /// Whether it is a sub-unit (Enhetsregisteret keeps those apart from main units).
    #[serde(default)]
    pub sub_unit: bool,
    /// Resources (forms) already found to be allowed for this party.
    pub resources: Vec<String>,
}

/// Answers that arrived after the session ended: put into the draft once the owner is back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stash {
    /// The draft they belong to.
    pub draft: String,
    /// The page they were posted from.
    pub page: String,
    /// The posted body, as it came.
    pub body: String,
}

/// A logged-in person acting for a party: whom a request is made by and for.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The owner of what they make.
    pub owner: Owner,
    /// The person.
    pub pid: String,
    /// The person's name.
    pub person_name: String,
    /// The party acted for.
    pub party: PartyId,
    /// The party's name.
    pub party_name: String,
    /// Whether the party is a sub-unit.
    pub sub_unit: bool,
}

impl Signed {
    /// The evaluation context of expressions (prefill of the party and the person).
    pub fn context(&self) -> Context {
        let mut ctx = crate::intake::context(Some(&self.party));
        ctx.party_name = Some(self.party_name.clone());
        ctx.user_pid = Some(self.pid.clone());
        ctx.user_name = Some(self.person_name.clone());
        ctx
    }

    /// The audit log's view of them.
    pub fn actor(&self) -> Actor<'_> {
        Actor::from(&self.owner)
    }
}

/// The logged-in person, if the login is still within the idle and absolute limits. A login past
/// either is ended here: everything of it leaves the session, which itself stays (see
/// [`Limits::kept_s`]).
pub async fn person(session: &Session, limits: Limits) -> AppResult<Option<LoggedIn>> {
    let Some(p) = session
        .get::<LoggedIn>(PERSON_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let Some(why) = ended(session, limits, LOGIN_AT_KEY, SEEN_KEY).await? else {
        return Ok(Some(p));
    };
    tracing::info!(limit = why, "login ended");
    end_login(session).await?;
    Ok(None)
}

/// Which limit, if any, has ended a login kept in `session` that began at the time under
/// `login_at_key` and was last active at the time under `seen_key` (both unix seconds). Both sides'
/// logins (the person's and the employee's) keep their times this way.
pub(crate) async fn ended(
    session: &Session,
    limits: Limits,
    login_at_key: &str,
    seen_key: &str,
) -> AppResult<Option<&'static str>> {
    let now = now_s();
    let at: i64 = session
        .get(login_at_key)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let seen: i64 = session
        .get(seen_key)
        .await
        .map_err(session_error)?
        .unwrap_or(at);
    Ok(if now - at >= limits.absolute_s {
        Some("the absolute limit")
    } else if now - seen >= limits.idle_s {
        Some("the idle limit")
    } else {
        None
    })
}

/// Writes the time under `seen_key` when it is older than [`Limits::touch_every_s`], so that an
/// active session's idle expiry moves on; gives the last-seen time as it now stands.
pub(crate) async fn touch(session: &Session, limits: Limits, seen_key: &str) -> AppResult<i64> {
    let now = now_s();
    let seen: i64 = session
        .get(seen_key)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - seen >= limits.touch_every_s() {
        session.insert(seen_key, now).await.map_err(session_error)?;
        return Ok(now);
    }
    Ok(seen)
}

/// Removes the login (person, party, times) from the session; answers kept for after the next
/// login stay.
async fn end_login(session: &Session) -> AppResult<()> {
    let stash: Option<Stash> = session.get(STASH_KEY).await.map_err(session_error)?;
    session.clear().await;
    if let Some(stash) = stash {
        session
            .insert(STASH_KEY, stash)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The person's name as Altinn knows it, or their masked number.
pub async fn person_name(session: &Session, p: &LoggedIn) -> String {
    session
        .get::<String>(PERSON_NAME_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| masked(&p.pid))
}

/// The parties `p` may choose for `form`, or for any form of the catalogue when `form` is `None`.
pub async fn choices(
    state: &AppState,
    p: &LoggedIn,
    name: &str,
    form: Option<&Form>,
) -> AppResult<Vec<Choice>> {
    let parties = authorized_parties(state, &p.pid).await?;
    Ok(match form {
        Some(f) => parties_for_form(&parties, Access::of(f), &p.pid, name),
        None => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for f in state.catalog.latest_forms() {
                for c in parties_for_form(&parties, Access::of(f), &p.pid, name) {
                    if seen.insert(c.party.key()) {
                        out.push(c);
                    }
                }
            }
            out
        }
    })
}

/// Altinn's authorized parties of a person; an unanswering Altinn refuses access (500 page: the
/// drafts are safe, the user is told to try again).
pub async fn authorized_parties(state: &AppState, pid: &str) -> AppResult<Vec<AuthorizedParty>> {
    let authz = state
        .authz
        .as_ref()
        .ok_or_else(|| AppError::Internal("Altinn Authorization is not configured".into()))?;
    authz
        .authorized_parties(pid)
        .await
        .map_err(|e| AppError::Internal(format!("authorized parties: {e}")))
}

/// Makes `choice` the party acted for, checked for `resources`, and writes it to the audit log.
pub async fn choose(
    state: &AppState,
    session: &Session,
    pid: &str,
    choice: &Choice,
    resources: Vec<String>,
    rid: &str,
) -> AppResult<Acting> {
    let acting = Acting {
        party: choice.party.clone(),
        name: choice.name.clone(),
        sub_unit: choice.parent.is_some(),
        resources,
    };
    session
        .insert(ACTING_KEY, &acting)
        .await
        .map_err(session_error)?;
    let key = choice.party.key();
    state
        .store
        .audit(
            "party.chosen",
            &Actor {
                person: Some(pid),
                party: Some(&key),
                employee: None,
            },
            &key,
            rid,
        )
        .await?;
    Ok(acting)
}

/// Everything a form page needs before it shows or saves anything: a login at the form's level
/// (else off to ID-porten, coming back to `here`) and a party allowed to use the form (kept if
/// the current one is, chosen automatically if there is exactly one, else the party page).
pub async fn for_form(
    state: &AppState,
    session: &Session,
    form: &Form,
    here: &str,
    rid: &str,
) -> AppResult<Signed> {
    let p = person(session, state.limits)
        .await?
        .ok_or_else(|| AppError::NeedLogin(here.to_owned()))?;
    if p.acr < form.level {
        // Logged in, but not strongly enough for this form: log in again at its level.
        return Err(AppError::NeedLogin(here.to_owned()));
    }
    let name = person_name(session, &p).await;
    let acting: Option<Acting> = session.get(ACTING_KEY).await.map_err(session_error)?;
    let acting = match acting {
        Some(a) if a.resources.iter().any(|r| r == &form.resource) => a,
        acting => {
            let options = choices(state, &p, &name, Some(form)).await?;
            match acting {
                Some(mut a) if options.iter().any(|c| c.party == a.party) => {
                    a.resources.push(form.resource.clone());
                    session
                        .insert(ACTING_KEY, &a)
                        .await
                        .map_err(session_error)?;
                    a
                }
                None if options.len() == 1 => {
                    choose(
                        state,
                        session,
                        &p.pid,
                        &options[0],
                        vec![form.resource.clone()],
                        rid,
                    )
                    .await?
                }
                _ => return Err(AppError::NeedParty(here.to_owned())),
            }
        }
    };
    Ok(signed(p, name, acting))
}

fn signed(p: LoggedIn, person_name: String, a: Acting) -> Signed {
    Signed {
        owner: Owner::new(p.pid.clone(), a.party.key()),
        pid: p.pid,
        person_name,
        party: a.party,
        party_name: a.name,
        sub_unit: a.sub_unit,
    }
}

/// A logged-in person acting for some party (for pages that are not one form's, like "My
/// drafts"). Rights for each form are checked when the form is opened.
pub async fn signed_in(state: &AppState, session: &Session, here: &str) -> AppResult<Signed> {
    let p = person(session, state.limits)
        .await?
        .ok_or_else(|| AppError::NeedLogin(here.to_owned()))?;
    let name = person_name(session, &p).await;
    let acting: Acting = session
        .get(ACTING_KEY)
        .await
        .map_err(session_error)?
        .ok_or_else(|| AppError::NeedParty(here.to_owned()))?;
    Ok(signed(p, name, acting))
}

/// What the page header shows of the session.
#[derive(Debug, Clone)]
pub struct Who {
    /// The person's name.
    pub name: String,
    /// The party acted for: name and identifier.
    pub party: Option<(String, String)>,
    /// When the session ends if nothing happens (unix seconds).
    pub ends_at: i64,
    /// Whether that is the absolute limit (which cannot be extended).
    pub final_: bool,
}

tokio::task_local! {
    /// The session's [`Who`] during a request, for the page layout.
    pub static WHO: Option<Who>;
}

/// The current request's [`Who`], if a person is logged in.
pub fn who() -> Option<Who> {
    WHO.try_with(Clone::clone).ok().flatten()
}

/// Reads the session once per page request: keeps an active session alive (touching it now and
/// then, which pushes the idle expiry on) and makes [`Who`] available to the layout.
pub async fn who_layer(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || path.starts_with("/dev/") {
        return next.run(req).await;
    }
    let who = match req.extensions().get::<Session>() {
        Some(session) => read_who(session, limits).await,
        None => None,
    };
    WHO.scope(who, next.run(req)).await
}

async fn read_who(session: &Session, limits: Limits) -> Option<Who> {
    let p = person(session, limits).await.ok()??;
    let now = now_s();
    let seen = touch(session, limits, SEEN_KEY).await.ok()?;
    let login_at: i64 = session
        .get(LOGIN_AT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or(now);
    let (ends_at, final_) = limits.ends(seen, login_at);
    let acting: Option<Acting> = session.get(ACTING_KEY).await.ok().flatten();
    let party = acting.map(|a| {
        let id = match &a.party {
            PartyId::Organisation(orgnr) => orgnr_spaced(orgnr),
            PartyId::Person(pid) => masked(pid),
        };
        (a.name, id)
    });
    Some(Who {
        name: person_name(session, &p).await,
        party,
        ends_at,
        final_,
    })
}

pub use crate::form::no::orgnr_spaced;

/// The most of a page post kept over a login: a page of answers is a few kilobytes.
pub const STASH_MAX: usize = 256 * 1024;

/// Keeps answers posted to a page after the login ended, to be saved after the next login; true
/// when they were kept. Only into a session the portal issued that is still kept (the browser
/// sent its cookie), never into a new one: a post with no session, or with an unknown cookie, is
/// not stored at all. At most [`STASH_MAX`] bytes, and at most a few times a minute per client.
pub async fn stash(
    state: &AppState,
    session: &Session,
    client: Option<std::net::IpAddr>,
    (draft, page): (&str, &str),
    body: &[u8],
) -> AppResult<bool> {
    // The session was loaded by the login check: an id is left only when the store had it.
    if session.id().is_none() {
        tracing::info!("a page post without a session: nothing kept");
        return Ok(false);
    }
    if body.len() > STASH_MAX {
        tracing::info!(
            bytes = body.len(),
            "a page post over the limit: not kept over the login"
        );
        return Ok(false);
    }
    let key = crate::ratelimit::client_key(client);
    if !state.stash_limit.allow(&key) {
        tracing::warn!(client = %key, "answers kept over a login: rate limit reached");
        return Err(AppError::TooManyRequests);
    }
    let body = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::BadRequest("the body is not UTF-8".into()))?;
    session
        .insert(
            STASH_KEY,
            Stash {
                draft: draft.to_owned(),
                page: page.to_owned(),
                body,
            },
        )
        .await
        .map_err(session_error)?;
    Ok(true)
}

/// Takes the stashed answers for this draft and page, if any.
pub async fn take_stash(session: &Session, draft: &str, page: &str) -> AppResult<Option<Stash>> {
    let s: Option<Stash> = session.get(STASH_KEY).await.map_err(session_error)?;
    match s {
        Some(s) if s.draft == draft && s.page == page => {
            let _: Option<Stash> = session.remove(STASH_KEY).await.map_err(session_error)?;
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shown_as_people_read_them() {
        assert_eq!(orgnr_spaced("819897522"), "819 897 522");
        assert_eq!(masked("12837810092"), "128378*****");
    }
}
