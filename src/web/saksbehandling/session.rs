//! The employee's session: its own cookie, its own store table and its own limits, so that a
//! business session never reaches the caseworker pages and an employee session never reaches the
//! business pages.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::CaseState;
use crate::auth::ansatt::Employee;
use crate::web::error::{AppError, AppResult};
use crate::web::session::{Limits, ended, touch};

/// The logged-in employee ([`Employee`]).
pub const EMPLOYEE_KEY: &str = "ansatt";
/// When the employee logged in (unix seconds).
pub const LOGIN_AT_KEY: &str = "ansatt_login_at";
/// When the session was last written (unix seconds), to push the idle expiry on.
pub const SEEN_KEY: &str = "ansatt_seen";

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("employee session: {e}"))
}

/// The employee logged in, if within the idle and absolute limits; a login past either is ended.
/// An active session is touched now and then so that its idle expiry moves on.
pub async fn employee(session: &Session, limits: Limits) -> AppResult<Option<Employee>> {
    let Some(e) = session
        .get::<Employee>(EMPLOYEE_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    if let Some(why) = ended(session, limits, LOGIN_AT_KEY, SEEN_KEY).await? {
        tracing::info!(limit = why, "employee login ended");
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    touch(session, limits, SEEN_KEY).await?;
    Ok(Some(e))
}

/// A request from a logged-in employee. Anyone else is sent to the employee login, and back to
/// the page afterwards (a GET; a POST goes back to the caseworker home).
pub struct Ansatt(pub Employee);

impl FromRequestParts<CaseState> for Ansatt {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &CaseState) -> AppResult<Self> {
        // The live preview on an author's own machine has one user and no login.
        if let Some(author) = &state.author {
            return Ok(Ansatt(author.clone()));
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, e)| AppError::Internal(format!("employee session: {e}")))?;
        match employee(&session, state.limits).await? {
            Some(e) => Ok(Ansatt(e)),
            None => {
                let back = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map_or(crate::config::ANSATT_HOME.to_owned(), |p| p.to_string())
                } else {
                    crate::config::ANSATT_HOME.to_owned()
                };
                Err(AppError::NeedEmployeeLogin(back))
            }
        }
    }
}
