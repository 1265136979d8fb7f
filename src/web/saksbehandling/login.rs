//! Employees log in with the agency's directory (authorization code + PKCE) and out again, with a
//! session of their own.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tower_sessions::Session;

use super::session::{EMPLOYEE_KEY, LOGIN_AT_KEY, SEEN_KEY, employee};
use super::{CaseState, page};
use crate::auth::ansatt::{AnsattClient, CallbackQuery, OidcConfig};
use crate::auth::oidc::Pending;
use crate::clock::now_s;
use crate::ratelimit::RateLimit;
use crate::store::Actor;
use crate::web::error::{AppError, AppResult};
use crate::web::login::{count_login, safe_next};
use crate::web::{ClientAddr, L, RequestId};

/// The login routes.
pub fn router() -> Router<CaseState> {
    Router::new()
        .route("/saksbehandling/logg-inn", get(view_login_get))
        .route(crate::config::ANSATT_CALLBACK, get(view_callback_get))
        .route("/saksbehandling/logg-ut", post(view_logout_post))
        .route(crate::config::ANSATT_LOGGED_OUT, get(view_logged_out_get))
}

/// The directory client, discovered on first use (the built-in directory lives in this very
/// server, which is not listening yet while the app is built).
pub struct AnsattLogin {
    config: OidcConfig,
    http: reqwest::Client,
    client: OnceCell<AnsattClient>,
    limit: RateLimit,
}

impl AnsattLogin {
    /// A login service for this client configuration, allowing each client address `per_minute`
    /// login starts and callbacks a minute.
    pub fn new(config: OidcConfig, per_minute: usize) -> anyhow::Result<AnsattLogin> {
        Ok(AnsattLogin {
            config,
            http: crate::auth::oidc::http_client()?,
            client: OnceCell::new(),
            limit: RateLimit::new(per_minute, std::time::Duration::from_secs(60)),
        })
    }

    async fn client(&self) -> AppResult<&AnsattClient> {
        self.client
            .get_or_try_init(|| AnsattClient::discover(&self.config, self.http.clone()))
            .await
            .map_err(|e| AppError::Internal(format!("employee directory discovery: {e:#}")))
    }

    fn check_rate(&self, addr: Option<std::net::IpAddr>) -> AppResult<()> {
        if self.limit.allow(&crate::ratelimit::client_key(addr)) {
            Ok(())
        } else {
            count_login("caseworker", "rate_limited");
            Err(AppError::TooManyRequests)
        }
    }
}

const PENDING_KEY: &str = "ansatt_pending";

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    login: Pending,
    next: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    neste: Option<String>,
}

/// Only a caseworker page may be returned to after the login.
fn next_page(next: Option<&str>) -> String {
    let next = safe_next(next);
    if next == crate::config::ANSATT_HOME || next.starts_with("/saksbehandling/") {
        next
    } else {
        crate::config::ANSATT_HOME.to_owned()
    }
}

fn login_of(state: &CaseState) -> AppResult<&AnsattLogin> {
    state.login.as_deref().ok_or(AppError::NotFound)
}

async fn view_login_get(
    State(state): State<CaseState>,
    L(lang): L,
    ClientAddr(addr): ClientAddr,
    session: Session,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let login = login_of(&state)?;
    login.check_rate(addr)?;
    let next = next_page(q.neste.as_deref());
    if employee(&session, state.limits).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let (url, pending) = login
        .client()
        .await?
        .begin(lang)
        .await
        .map_err(|e| AppError::Internal(format!("employee login: {e}")))?;
    session
        .insert(
            PENDING_KEY,
            PendingLogin {
                login: pending,
                next,
            },
        )
        .await
        .map_err(|e| AppError::Internal(format!("employee session: {e}")))?;
    Ok(Redirect::to(url.as_str()).into_response())
}

async fn view_callback_get(
    State(state): State<CaseState>,
    ClientAddr(addr): ClientAddr,
    RequestId(rid): RequestId,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let login = login_of(&state)?;
    login.check_rate(addr)?;
    // Taken out first: a callback is used once.
    let pending: PendingLogin = session
        .remove(PENDING_KEY)
        .await
        .map_err(|e| AppError::Internal(format!("employee session: {e}")))?
        .ok_or_else(|| {
            count_login("caseworker", "no_login_started");
            AppError::LoginFailed
        })?;
    let e = match login.client().await?.finish(&pending.login, q).await {
        Ok(e) => e,
        Err(err) => {
            tracing::info!(code = err.code(), error = %err, "employee login refused");
            count_login("caseworker", err.code());
            return Err(AppError::LoginFailed);
        }
    };
    // A new session id for the new login (session fixation).
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(format!("employee session: {e}")))?;
    let now = now_s();
    for (key, value) in [
        (EMPLOYEE_KEY, serde_json::to_value(&e)),
        (LOGIN_AT_KEY, serde_json::to_value(now)),
        (SEEN_KEY, serde_json::to_value(now)),
    ] {
        let value = value.map_err(|e| AppError::Internal(e.to_string()))?;
        session
            .insert(key, value)
            .await
            .map_err(|e| AppError::Internal(format!("employee session: {e}")))?;
    }
    state.store.remember_employee(&e.key, &e.name).await?;
    state
        .store
        .audit("ansatt.login", &Actor::employee(&e.key), &e.key, &rid)
        .await?;
    tracing::info!(employee = %e.key, roles = ?e.roles, "employee logged in");
    count_login("caseworker", "ok");
    Ok(Redirect::to(&pending.next).into_response())
}

async fn view_logout_post(
    State(state): State<CaseState>,
    RequestId(rid): RequestId,
    session: Session,
) -> AppResult<Response> {
    let who = employee(&session, state.limits).await?;
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(format!("employee session: {e}")))?;
    let Some(e) = who else {
        return Ok(Redirect::to(crate::config::ANSATT_LOGGED_OUT).into_response());
    };
    state
        .store
        .audit("ansatt.logout", &Actor::employee(&e.key), &e.key, &rid)
        .await?;
    let to = match login_of(&state) {
        Ok(l) => l
            .client()
            .await?
            .end_session_url(&e.id_token, &uuid::Uuid::new_v4().to_string())
            .to_string(),
        Err(_) => crate::config::ANSATT_LOGGED_OUT.to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

async fn view_logged_out_get(L(lang): L) -> AppResult<Response> {
    page::logged_out(lang)
}
