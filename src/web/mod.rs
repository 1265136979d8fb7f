//! The browser portal: one module per page area, each with its handlers and templates.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::error::{AppError, ErrorPage};
use crate::form::{Catalog, Lang};
use crate::store::{Owner, Store};

/// Front-end files, embedded in the binary.
pub mod assets;
mod catalogue;
mod drafts;
pub mod forms;
pub mod i18n;
pub mod login;
pub mod view;

pub use i18n::{Ui, ui};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Every form, checked.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub store: Store,
    /// Login with ID-porten (`None` when not configured).
    pub login: Option<Arc<login::Login>>,
}

/// The portal's routes (without the session and security layers, which `lib` adds).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(catalogue::router())
        .merge(forms::router())
        .merge(drafts::router())
        .merge(login::router())
        .route("/static/{file}", get(assets::serve))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        // Every unsafe request must come from the portal's own pages (Origin / Sec-Fetch-Site);
        // a refusal is a 403 that `error_pages` shows in the user's language.
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(middleware::from_fn(error_pages))
        .layer(middleware::from_fn(lang_switch))
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// The language chosen with the language switch (a cookie), bokmål by default.
#[derive(Debug, Clone, Copy)]
pub struct L(pub Lang);

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The request's language.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, "lang")
        .and_then(Lang::parse)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for L {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(L(lang_of(&parts.headers)))
    }
}

/// The `Set-Cookie` value that remembers a language for a year.
pub fn lang_cookie(lang: Lang) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    ))
    .expect("ascii")
}

/// Whether htmx made the request.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

/// The request's id (`x-request-id`, set by the outermost layer and echoed in the response), for
/// the audit log and to find the request's log lines.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        Ok(RequestId(id.to_string()))
    }
}

const OWNER_KEY: &str = "owner";
/// When the session was last written. tower-sessions only saves (and so only extends the idle
/// expiry of) a session that changed, so an active user's session is touched now and then.
const SEEN_KEY: &str = "seen";
const TOUCH_EVERY_S: i64 = 60;

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = tower_sessions::Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::Internal(m.into()))?;
        let id = match session.get::<String>(OWNER_KEY).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                let id = uuid::Uuid::new_v4().to_string();
                session
                    .insert(OWNER_KEY, &id)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                id
            }
            Err(e) => return Err(AppError::Internal(e.to_string())),
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let seen = session
            .get::<i64>(SEEN_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or(0);
        if now - seen >= TOUCH_EVERY_S {
            session
                .insert(SEEN_KEY, now)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        Ok(Owner::Browser(id))
    }
}

/// `GET …?lang=nn` remembers the language and shows the same page again without the parameter,
/// so the language links work with JavaScript off.
async fn lang_switch(req: Request, next: Next) -> Response {
    if req.method() == Method::GET
        && let Some(q) = req.uri().query()
        && let Some(lang) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(k, _)| k == "lang")
                    .and_then(|(_, v)| Lang::parse(&v))
            })
    {
        let mut r = Redirect::to(req.uri().path()).into_response();
        r.headers_mut()
            .insert(header::SET_COOKIE, lang_cookie(lang));
        return r;
    }
    next.run(req).await
}

/// The layout data every page template needs.
pub struct Base {
    /// Language of the page.
    pub lang: Lang,
    /// Fixed texts.
    pub ui: &'static Ui,
    /// `<title>`, before the site name.
    pub title: String,
    /// Path of this page, for the language links.
    pub path: String,
    /// When set, the language switch submits this form (so typed answers are kept).
    pub form_id: Option<&'static str>,
}

impl Base {
    /// A page's layout data.
    pub fn new(lang: Lang, title: impl Into<String>, path: impl Into<String>) -> Base {
        Base {
            lang,
            ui: ui(lang),
            title: title.into(),
            path: path.into(),
            form_id: None,
        }
    }
    /// The stylesheet URL.
    pub fn css(&self) -> &'static str {
        assets::url("site.css")
    }
    /// The htmx URL.
    pub fn htmx(&self) -> &'static str {
        assets::url("htmx.min.js")
    }
    /// Our script's URL.
    pub fn js(&self) -> &'static str {
        assets::url("app.js")
    }
    /// The languages other than the current one.
    pub fn langs(&self) -> [(Lang, bool); 3] {
        Lang::ALL.map(|l| (l, l == self.lang))
    }
}

/// Renders a template with a status.
pub fn render(t: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView {
    base: Base,
    status: u16,
    message: &'static str,
}

#[derive(Template)]
#[template(path = "error_partial.html")]
struct ErrorPartial {
    message: &'static str,
}

/// Renders error responses (our own and axum's, like 404, 405 and 413) as a page in the user's
/// language, or as a fragment for htmx; a body with details is never passed on.
async fn error_pages(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let htmx = is_htmx(req.headers());
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    let ours = resp.extensions().get::<ErrorPage>().is_some();
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || (is_html && !ours) {
        return resp;
    }
    let u = ui(lang);
    let message = u.status_text(status.as_u16());
    let body = if htmx {
        ErrorPartial { message }.render()
    } else {
        ErrorView {
            base: Base::new(lang, u.err_title, path),
            status: status.as_u16(),
            message,
        }
        .render()
    };
    let mut out = match body {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, u.err_title).into_response(),
    };
    if htmx {
        // htmx does not swap error responses by default; show the message where the form was.
        out.headers_mut()
            .insert("hx-retarget", HeaderValue::from_static("#form-status"));
        out.headers_mut()
            .insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    }
    if let Some(allow) = resp.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
