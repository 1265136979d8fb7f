//! One error type for the pages. A handler returns `AppError`; the response carries only a
//! status and an [`ErrorPage`] marker, and the `error_pages` middleware (which knows the request's
//! language and whether htmx asked) renders it. Nothing internal ever reaches the response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Ui;
use crate::intake::attachments::UploadError;

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist, or is not the caller's.
    #[error("not found")]
    NotFound,
    /// The request is malformed or tampered with.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is over the limit.
    #[error("payload too large")]
    TooLarge,
    /// A version conflict.
    #[error("conflict")]
    Conflict,
    /// A login that did not succeed (refused, cancelled, or no login under way).
    #[error("login failed")]
    LoginFailed,
    /// The page needs a login (or a stronger one); the user is sent to log in and then back to
    /// the path given.
    #[error("login needed")]
    NeedLogin(String),
    /// A caseworker page needs an employee login; the user is sent to the employee login and
    /// then back to the path given.
    #[error("employee login needed")]
    NeedEmployeeLogin(String),
    /// The page needs a party that may use it; the user is sent to choose one and then back.
    #[error("party needed")]
    NeedParty(String),
    /// The person may not do this for the party they act for (a right withdrawn meanwhile).
    #[error("no access")]
    NoAccess,
    /// Too many attempts from one client.
    #[error("too many requests")]
    TooManyRequests,
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A template failed to render.
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    /// Anything else unexpected.
    #[error("internal: {0}")]
    Internal(String),
}

/// The text of an error page when the status alone does not say it.
#[derive(Debug, Clone, Copy)]
pub struct ErrorText(pub fn(&Ui) -> &'static str);

/// Marker on an error response: the middleware renders the page for it.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage;

impl AppError {
    /// The HTTP status this error means.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::NeedLogin(_) | AppError::NeedEmployeeLogin(_) | AppError::NeedParty(_) => {
                StatusCode::SEE_OTHER
            }
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(e) if crate::store::unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::NoAccess => StatusCode::FORBIDDEN,
            AppError::Db(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// Marker on a redirect to login or the party choice: for an htmx request the `error_pages`
/// middleware turns it into `HX-Redirect`, so the whole page goes there.
#[derive(Debug, Clone, Copy)]
pub struct WholePageRedirect;

fn to_with_next(route: &str, next: &str) -> String {
    let next = super::login::safe_next(Some(next));
    let q = serde_urlencoded::to_string([("neste", next)]).unwrap_or_default();
    format!("{route}?{q}")
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let to = match &self {
            AppError::NeedLogin(next) => Some(to_with_next("/logg-inn", next)),
            AppError::NeedEmployeeLogin(next) => {
                Some(to_with_next("/saksbehandling/logg-inn", next))
            }
            AppError::NeedParty(next) => Some(to_with_next("/aktor", next)),
            _ => None,
        };
        if let Some(to) = to {
            let mut r = axum::response::Redirect::to(&to).into_response();
            r.extensions_mut().insert(WholePageRedirect);
            return r;
        }
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        let mut r = status.into_response();
        r.extensions_mut().insert(ErrorPage);
        if matches!(self, AppError::TooManyRequests) {
            // Every limit counts over a minute.
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                crate::store::RETRY_AFTER_S.into(),
            );
        }
        if matches!(self, AppError::NoAccess) {
            r.extensions_mut()
                .insert(ErrorText(|ui: &Ui| ui.submit_forbidden));
        }
        r
    }
}

/// A failure of receiving a page form's files, as the pages answer it.
impl From<UploadError> for AppError {
    fn from(e: UploadError) -> AppError {
        match e {
            UploadError::BodyTooLarge => AppError::TooLarge,
            UploadError::Cut(m) => AppError::BadRequest(m),
            e @ UploadError::NotAField(_) => AppError::BadRequest(e.to_string()),
            e @ (UploadError::TooLarge(_) | UploadError::Refused(_) | UploadError::Internal(_)) => {
                AppError::Internal(e.to_string())
            }
        }
    }
}

/// A handler's result.
pub type AppResult<T> = Result<T, AppError>;
