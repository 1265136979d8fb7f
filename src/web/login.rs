//! Logging in with ID-porten and out again. The pages do not require login yet; this is the flow
//! they will send people through.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tower_sessions::Session;

use super::{AppState, L, RequestId};
use crate::auth::idporten::{CallbackQuery, IdportenClient, LoggedIn, OidcConfig, PendingLogin};
use crate::error::{AppError, AppResult};
use crate::form::definition::Level;
use crate::store::Owner;

/// The login routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logg-inn", get(view_login_get))
        .route("/logg-inn/tilbake", get(view_callback_get))
        .route("/logg-ut", post(view_logout_post))
}

/// The ID-porten client, discovered on first use: the embedded stand-in lives in this very server,
/// which is not listening yet while the app is built.
pub struct Login {
    config: OidcConfig,
    http: reqwest::Client,
    client: OnceCell<IdportenClient>,
}

impl Login {
    /// A login service for this client configuration.
    pub fn new(config: OidcConfig) -> anyhow::Result<Login> {
        Ok(Login {
            config,
            http: crate::auth::idporten::http_client()?,
            client: OnceCell::new(),
        })
    }

    async fn client(&self) -> AppResult<&IdportenClient> {
        self.client
            .get_or_try_init(|| IdportenClient::discover(&self.config, self.http.clone()))
            .await
            .map_err(|e| AppError::Internal(format!("ID-porten discovery: {e:#}")))
    }
}

const PENDING_KEY: &str = "login_pending";
const PERSON_KEY: &str = "person";
const LOGIN_AT_KEY: &str = "login_at";

#[derive(Serialize, Deserialize)]
struct Pending {
    login: PendingLogin,
    next: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    neste: Option<String>,
}

/// Only a path on this site may be returned to (no `//host` or absolute URL: no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("session: {e}"))
}

async fn view_login_get(
    State(state): State<AppState>,
    L(lang): L,
    session: Session,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let login = state.login.as_ref().ok_or(AppError::NotFound)?;
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
    owner: Owner,
    RequestId(rid): RequestId,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let login = state.login.as_ref().ok_or(AppError::NotFound)?;
    // Taken out before it is used, so a callback can never be replayed against it.
    let pending: Pending = session
        .remove(PENDING_KEY)
        .await
        .map_err(session_error)?
        .ok_or(AppError::LoginFailed)?;
    let person: LoggedIn = match login.client().await?.finish(&pending.login, q).await {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(reason = e.code(), "login refused");
            return Err(AppError::LoginFailed);
        }
    };
    // A new session id at login: an id planted before login is worth nothing after it.
    session.cycle_id().await.map_err(session_error)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    state
        .store
        .audit("login", &owner, &person.pid, &rid)
        .await?;
    session
        .insert(PERSON_KEY, &person)
        .await
        .map_err(session_error)?;
    session
        .insert(LOGIN_AT_KEY, now)
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(&pending.next).into_response())
}

async fn view_logout_post(
    State(state): State<AppState>,
    session: Session,
    owner: Owner,
    RequestId(rid): RequestId,
) -> AppResult<Response> {
    let person: Option<LoggedIn> = session.remove(PERSON_KEY).await.map_err(session_error)?;
    let _: Option<i64> = session.remove(LOGIN_AT_KEY).await.map_err(session_error)?;
    let (Some(person), Some(login)) = (person, state.login.as_ref()) else {
        return Ok(Redirect::to("/").into_response());
    };
    state
        .store
        .audit("logout", &owner, &person.pid, &rid)
        .await?;
    session.cycle_id().await.map_err(session_error)?;
    let logout_state = uuid::Uuid::new_v4().to_string();
    let url = login
        .client()
        .await?
        .end_session_url(&person.id_token, &logout_state);
    Ok(Redirect::to(url.as_str()).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/skjema/RF-1140")), "/skjema/RF-1140");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
