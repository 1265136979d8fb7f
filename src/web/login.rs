//! Logging in with ID-porten and out again: RP-initiated logout through ID-porten, and the
//! front-channel logout ID-porten calls when the person logs out of another service.

use std::str::FromStr;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tower_sessions::Session;

use super::error::{AppError, AppResult};
use super::session::{
    ACTING_KEY, LOGIN_AT_KEY, PERSON_KEY, PERSON_NAME_KEY, SEEN_KEY, authorized_parties, person,
};
use super::{AppState, ClientAddr, L, RequestId};
use crate::auth::altinn::PartyType;
use crate::auth::idporten::{CallbackQuery, IdportenClient, LoggedIn, OidcConfig, PendingLogin};
use crate::form::definition::Level;
use crate::ratelimit::RateLimit;
use crate::store::Actor;

/// The login routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logg-inn", get(view_login_get))
        .route("/logg-inn/tilbake", get(view_callback_get))
        .route("/logg-ut", post(view_logout_post))
        .route("/logg-ut/frontkanal", get(view_frontchannel_get))
        .route("/okt/forleng", post(view_extend_post))
}

/// The ID-porten client, discovered on first use: the embedded stand-in lives in this very server,
/// which is not listening yet while the app is built.
pub struct Login {
    config: OidcConfig,
    http: reqwest::Client,
    client: OnceCell<IdportenClient>,
    limit: RateLimit,
}

impl Login {
    /// A login service for this client configuration, allowing each client address
    /// `per_minute` login starts and callbacks a minute.
    pub fn new(config: OidcConfig, per_minute: usize) -> anyhow::Result<Login> {
        Ok(Login {
            config,
            http: crate::auth::idporten::http_client()?,
            client: OnceCell::new(),
            limit: RateLimit::new(per_minute, std::time::Duration::from_secs(60)),
        })
    }

    /// The issuer's origin (`https://idporten.no`), which the portal's pages may send forms to
    /// (logout) and which may frame the front-channel logout.
    pub fn issuer_origin(&self) -> Option<String> {
        let u = openidconnect::url::Url::parse(&self.config.issuer).ok()?;
        Some(u.origin().ascii_serialization())
    }

    fn check_rate(&self, addr: Option<std::net::IpAddr>) -> AppResult<()> {
        let key = crate::ratelimit::client_key(addr);
        if self.limit.allow(&key) {
            Ok(())
        } else {
            tracing::warn!(client = %key, "login rate limit reached");
            count_login("business", "rate_limited");
            Err(AppError::TooManyRequests)
        }
    }

    async fn client(&self) -> AppResult<&IdportenClient> {
        self.client
            .get_or_try_init(|| IdportenClient::discover(&self.config, self.http.clone()))
            .await
            .map_err(|e| AppError::Internal(format!("ID-porten discovery: {e:#}")))
    }
}

const PENDING_KEY: &str = "login_pending";

#[derive(Serialize, Deserialize)]
struct Pending {
    login: PendingLogin,
    next: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    neste: Option<String>,
}

/// Counts a login's end for the metrics: `ok`, or why it failed (a [`crate::auth::oidc`] error
/// code, `no_login_started`, `rate_limited`). `side`: `business` or `caseworker`.
pub fn count_login(side: &'static str, outcome: &'static str) {
    metrics::counter!("tasteskjema_logins_total", "side" => side, "outcome" => outcome)
        .increment(1);
}

/// Only a path on this site may be returned to; anything else (another origin, `//host`, `/\\host`,
/// a scheme, control characters that browsers drop from URLs so that `/\t/host` becomes `//host`)
/// falls back to `/`. The path is parsed as a URL against this origin, and what comes back is the
/// parser's own serialisation (percent-encoded ASCII), so it is always a valid `Location`.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

/// `next` as a path (and query) on this origin, or `None`.
pub fn local_path(next: &str) -> Option<String> {
    use openidconnect::url::Url;
    if !next.starts_with('/')
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = Url::parse("https://portal.invalid/").ok()?;
    let u = base.join(next).ok()?;
    if u.origin() != base.origin() || u.username() != "" || u.password().is_some() {
        return None;
    }
    let mut out = u.path().to_owned();
    // Dot segments and encoded slashes are resolved by the parser; a result that a browser could
    // still read as a network path is refused.
    if out.starts_with("//") {
        return None;
    }
    if let Some(q) = u.query() {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("session: {e}"))
}

async fn view_login_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    ClientAddr(addr): ClientAddr,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let login = state.login.as_ref().ok_or(AppError::NotFound)?;
    login.check_rate(addr)?;
    let next = safe_next(q.neste.as_deref());
    // A form's own level decides how strongly the person must log in.
    let level = next
        .strip_prefix("/skjema/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| state.catalog.latest(id))
        .map_or(Level::Substantial, |f| f.level);
    let (url, pending) = login
        .client()
        .await?
        .begin(level, lang)
        .await
        .map_err(|e| AppError::Internal(format!("login could not start: {e}")))?;
    session
        .insert(
            PENDING_KEY,
            Pending {
                login: pending,
                next,
            },
        )
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(url.as_str()).into_response())
}

async fn view_callback_get(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    RequestId(rid): RequestId,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let login = state.login.as_ref().ok_or(AppError::NotFound)?;
    login.check_rate(addr)?;
    // Taken out before it is used, so a callback can never be replayed against it.
    let pending: Pending = session
        .remove(PENDING_KEY)
        .await
        .map_err(session_error)?
        .ok_or_else(|| {
            count_login("business", "no_login_started");
            AppError::LoginFailed
        })?;
    let new: LoggedIn = match login.client().await?.finish(&pending.login, q).await {
        Ok(p) => p,
        Err(e) => {
            // Which check failed, in words (never the token itself: the errors carry only the
            // claim or the message at fault), so that an operator can tell a cancelled login
            // from a forged callback or a clock out of step.
            tracing::warn!(reason = e.code(), detail = %e, "login refused");
            count_login("business", e.code());
            return Err(AppError::LoginFailed);
        }
    };
    let before = person(&session, state.limits).await?;
    if before.as_ref().is_none_or(|b| b.pid != new.pid) {
        // Another person in this browser: nothing of the one before carries over, except answers
        // kept over the login (which only reach a draft the new person owns).
        let stash: Option<serde_json::Value> = session
            .get(super::session::STASH_KEY)
            .await
            .map_err(session_error)?;
        session.clear().await;
        if let Some(stash) = stash {
            session
                .insert(super::session::STASH_KEY, stash)
                .await
                .map_err(session_error)?;
        }
    }
    // A new session id at login: an id planted before login is worth nothing after it.
    session.cycle_id().await.map_err(session_error)?;
    let now = crate::clock::now_s();
    // The name the header shows; Altinn knows it (a login does not fail for want of it).
    let name = match authorized_parties(&state, &new.pid).await {
        Ok(parties) => parties
            .into_iter()
            .find(|p| p.kind == PartyType::Person && p.person_id.as_deref() == Some(&new.pid))
            .map(|p| p.name),
        Err(e) => {
            tracing::warn!(error = %e, "no name for the person");
            None
        }
    };
    session
        .insert(PERSON_KEY, &new)
        .await
        .map_err(session_error)?;
    session
        .insert(LOGIN_AT_KEY, now)
        .await
        .map_err(session_error)?;
    session.insert(SEEN_KEY, now).await.map_err(session_error)?;
    if let Some(name) = name {
        session
            .insert(PERSON_NAME_KEY, name)
            .await
            .map_err(session_error)?;
    }
    // Saved now, so that its id is known for front-channel logout.
    session.save().await.map_err(session_error)?;
    if let Some(id) = session.id() {
        state
            .store
            .remember_login(&id.to_string(), &new.sid, &new.pid)
            .await?;
    }
    state
        .store
        .audit("login", &Actor::person(&new.pid), &new.pid, &rid)
        .await?;
    count_login("business", "ok");
    Ok(Redirect::to(&pending.next).into_response())
}

async fn view_logout_post(
    State(state): State<AppState>,
    session: Session,
    RequestId(rid): RequestId,
) -> AppResult<Response> {
    let person: Option<LoggedIn> = session.get(PERSON_KEY).await.map_err(session_error)?;
    let acting: Option<super::session::Acting> =
        session.get(ACTING_KEY).await.map_err(session_error)?;
    // Everything goes: person, party, drafts opened, pending answers.
    session.flush().await.map_err(session_error)?;
    let (Some(person), Some(login)) = (person, state.login.as_ref()) else {
        return Ok(Redirect::to("/").into_response());
    };
    state.store.forget_logins(&person.sid).await?;
    let party = acting.map(|a| a.party.key());
    state
        .store
        .audit(
            "logout",
            &Actor {
                person: Some(&person.pid),
                party: party.as_deref(),
                employee: None,
            },
            &person.pid,
            &rid,
        )
        .await?;
    let logout_state = uuid::Uuid::new_v4().to_string();
    let url = login
        .client()
        .await?
        .end_session_url(&person.id_token, &logout_state);
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Deserialize)]
struct FrontChannelQuery {
    iss: Option<String>,
    sid: Option<String>,
}

/// ID-porten's front-channel logout (loaded in a hidden iframe when the person logs out of
/// ID-porten elsewhere): ends every portal session logged in with that ID-porten session.
async fn view_frontchannel_get(
    State(state): State<AppState>,
    RequestId(rid): RequestId,
    Query(q): Query<FrontChannelQuery>,
) -> AppResult<Response> {
    let login = state.login.as_ref().ok_or(AppError::NotFound)?;
    let client = login.client().await?;
    let (Some(iss), Some(sid)) = (q.iss, q.sid) else {
        return Err(AppError::BadRequest("iss and sid are required".into()));
    };
    if !client.is_issuer(&iss) {
        return Err(AppError::BadRequest("unknown issuer".into()));
    }
    let ended = state.store.forget_logins(&sid).await?;
    let sessions = state.store.session_store();
    for (id, pid) in &ended {
        if let Ok(id) = tower_sessions::session::Id::from_str(id) {
            use tower_sessions::SessionStore;
            sessions
                .delete(&id)
                .await
                .map_err(|e| AppError::Internal(format!("ending a session: {e}")))?;
        }
        state
            .store
            .audit("logout.frontchannel", &Actor::person(pid), pid, &rid)
            .await?;
    }
    tracing::info!(sessions = ended.len(), "front-channel logout");
    let mut r = (
        StatusCode::OK,
        Html("<!doctype html><html lang=\"nb\"><title>Logget ut</title></html>"),
    )
        .into_response();
    // The one page another site may frame: ID-porten, which loads it in an iframe.
    if let Some(origin) = login.issuer_origin() {
        let csp = format!("default-src 'none'; frame-ancestors 'self' {origin}");
        if let Ok(v) = HeaderValue::from_str(&csp) {
            r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(r)
}

#[derive(Deserialize)]
struct ExtendForm {
    neste: Option<String>,
}

/// "Stay logged in": a request is activity, which is all the idle limit needs. With JavaScript the
/// page calls this in the background and gets the new end time and the sentence that says it.
async fn view_extend_post(
    State(state): State<AppState>,
    session: Session,
    L(lang): L,
    headers: axum::http::HeaderMap,
    axum::Form(f): axum::Form<ExtendForm>,
) -> AppResult<Response> {
    let now = crate::clock::now_s();
    let mut ends = None;
    if person(&session, state.limits).await?.is_some() {
        session.insert(SEEN_KEY, now).await.map_err(session_error)?;
        let login_at: i64 = session
            .get(LOGIN_AT_KEY)
            .await
            .map_err(session_error)?
            .unwrap_or(now);
        ends = Some(state.limits.ends(now, login_at).0);
    }
    if headers.get("x-requested-with").is_some() {
        let Some(ends) = ends else {
            return Ok(StatusCode::UNAUTHORIZED.into_response());
        };
        let text = super::ui(lang)
            .session_until
            .replace("{t}", &super::clock(ends));
        return Ok(axum::Json(serde_json::json!({ "ends": ends, "text": text })).into_response());
    }
    Ok(Redirect::to(&safe_next(f.neste.as_deref())).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/skjema/RF-1140")), "/skjema/RF-1140");
        assert_eq!(
            safe_next(Some("/aktor?neste=%2Futkast")),
            "/aktor?neste=%2Futkast"
        );
        assert_eq!(safe_next(Some("/s%C3%B8k")), "/s%C3%B8k");
        assert_eq!(safe_next(Some("/søk")), "/s%C3%B8k");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/%0d%0aSet-Cookie:x=1",
            "/\u{0}/evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            let got = safe_next(Some(bad));
            assert!(!got.starts_with("//"), "{bad:?} gave {got:?}");
            assert!(
                got == "/" || bad.starts_with("/%0d"),
                "{bad:?} gave {got:?}"
            );
        }
        // An encoded CR/LF stays encoded: a header value can never be split by it.
        assert!(!safe_next(Some("/%0d%0aSet-Cookie:x=1")).contains('\n'));
        assert_eq!(safe_next(None), "/");
    }
}
