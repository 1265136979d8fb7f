//! The browser portal: one module per page area, each with its handlers and templates.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::auth::altinn::Authorization;
use crate::form::{Catalog, Lang};
use crate::store::Store;
use error::{AppError, ErrorPage, WholePageRedirect};

mod about;
/// Front-end files, embedded in the binary.
pub mod assets;
mod catalogue;
pub(crate) mod drafts;
pub mod error;
pub mod file_delivery;
pub mod forms;
pub mod login;
mod party;
mod registers;
pub mod saksbehandling;
pub mod session;
pub mod sftp_keys;
pub mod submitted;
pub mod uploads;
pub mod vendor;
pub mod view;

pub use crate::i18n::{Ui, ui};
pub use crate::security::RequestId;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Every form, checked.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub store: Store,
    /// Login with ID-porten (`None` when not configured).
    pub login: Option<Arc<login::Login>>,
    /// Altinn Authorization: parties and decisions (`None` when not configured).
    pub authz: Option<Arc<dyn Authorization>>,
    /// The outbox (woken when a submission arrives).
    pub outbox: Option<Arc<crate::intake::outbox::Outbox>>,
    /// How long sessions last.
    pub limits: session::Limits,
    /// Attachment settings.
    pub uploads: Arc<crate::intake::attachments::Uploads>,
    /// How often one client may have answers kept over a login ([`session::stash`]).
    pub stash_limit: Arc<crate::ratelimit::RateLimit>,
    /// Enhetsregisteret and Folkeregisteret, for prefill and a form's requirements.
    pub registers: Arc<crate::intake::registers::Registers>,
    /// The retention job: when a draft will be deleted.
    pub retention: Arc<crate::intake::retention::Retention>,
}

/// The portal's routes (without the session and security layers, which `lib` adds).
pub fn router(state: AppState) -> Router {
    let limits = state.limits;
    Router::new()
        .merge(catalogue::router())
        .merge(forms::router(state.uploads.cap))
        .merge(file_delivery::router())
        .merge(sftp_keys::router())
        .merge(drafts::router())
        .merge(login::router())
        .merge(party::router())
        .merge(submitted::router())
        .merge(uploads::router(state.uploads.cap))
        .merge(vendor::router())
        .merge(about::router())
        .route("/static/{file}", get(assets::serve))
        .fallback(not_found)
        // Every unsafe request must come from the portal's own pages (Origin / Sec-Fetch-Site);
        // a refusal is a 403 that `error_pages` shows in the user's language.
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(middleware::from_fn_with_state(limits, session::who_layer))
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

/// The client's address when the server knows it (served with connect info), for rate limits:
/// the peer, or behind a trusted proxy the address it forwarded, as [`crate::client_ip`] worked
/// it out for every request.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<crate::client_ip::ClientIp>()
                .map(|c| c.0),
        ))
    }
}

/// `GET …?lang=nn` remembers the language and shows the same page again without the parameter,
/// so the language links work with JavaScript off.
pub(crate) async fn lang_switch(req: Request, next: Next) -> Response {
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
        // Back to the same page, as a path on this site only: `GET //evil.example?lang=nn` must
        // not become `Location: //evil.example`.
        let to = login::safe_next(Some(req.uri().path()));
        let mut r = Redirect::to(&to).into_response();
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
    /// Who is logged in, for the header.
    pub who: Option<session::Who>,
}

impl Base {
    /// A page's layout data. The path goes into links (language, login, party), so only a path
    /// on this site is kept; anything else becomes `/`.
    pub fn new(lang: Lang, title: impl Into<String>, path: impl Into<String>) -> Base {
        Base {
            lang,
            ui: ui(lang),
            title: title.into(),
            path: login::safe_next(Some(&path.into())),
            form_id: None,
            who: session::who(),
        }
    }

    /// Where "change party" leads: the party choice, returning to this form's start (a draft
    /// belongs to one party, so its pages are not the way back) or to this page.
    pub fn switch_party(&self) -> String {
        let back = match self.path.strip_prefix("/skjema/") {
            Some(rest) => format!("/skjema/{}", rest.split('/').next().unwrap_or("")),
            None if self.path.starts_with("/aktor") => "/".to_owned(),
            None => self.path.clone(),
        };
        format!(
            "/aktor?{}",
            serde_urlencoded::to_string([("neste", back)]).unwrap_or_default()
        )
    }

    /// Where "log in" returns to.
    pub fn login_href(&self) -> String {
        format!(
            "/logg-inn?{}",
            serde_urlencoded::to_string([("neste", &self.path)]).unwrap_or_default()
        )
    }

    /// The session's end, as a clock time in Norway, and the sentence that says so.
    pub fn session_until(&self) -> Option<String> {
        let w = self.who.as_ref()?;
        Some(self.ui.session_until.replace("{t}", &clock(w.ends_at)))
    }

    /// The warning shown (by script) shortly before the session ends.
    pub fn session_warning(&self) -> Option<String> {
        let w = self.who.as_ref()?;
        Some(if w.final_ {
            self.ui
                .session_warning_final
                .replace("{t}", &clock(w.ends_at))
        } else {
            self.ui.session_warning.to_owned()
        })
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

/// Unix seconds as a Norwegian clock time ("14:05").
pub fn clock(unix_s: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix_s)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let t = crate::i18n::oslo(t);
    format!("{:02}:{:02}", t.hour(), t.minute())
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
    if htmx
        && resp.extensions().get::<WholePageRedirect>().is_some()
        && let Some(to) = resp.headers().get(header::LOCATION).cloned()
    {
        // An htmx request cannot follow a redirect to another site: have the page go there.
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().insert("hx-redirect", to);
        return r;
    }
    let status = resp.status();
    let ours = resp.extensions().get::<ErrorPage>().is_some();
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || (is_html && !ours) {
        return resp;
    }
    let message = resp.extensions().get::<error::ErrorText>().copied();
    let mut out = error_page(status, lang, htmx, path, message);
    for kept in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = resp.headers().get(&kept) {
            out.headers_mut().insert(kept, v.clone());
        }
    }
    out
}

/// The page that says a request ran out of time because the service cannot be reached now
/// (503, `Retry-After`), in the language of the request.
pub fn unavailable_page(path: &str, headers: &HeaderMap) -> Response {
    let mut out = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        lang_of(headers),
        is_htmx(headers),
        path.to_owned(),
        None,
    );
    out.headers_mut()
        .insert(header::RETRY_AFTER, crate::store::RETRY_AFTER_S.into());
    out
}

/// An error page (or, for htmx, the message where the form was) for `status`.
fn error_page(
    status: StatusCode,
    lang: Lang,
    htmx: bool,
    path: String,
    text: Option<error::ErrorText>,
) -> Response {
    let u = ui(lang);
    let message = match text {
        Some(t) => (t.0)(u),
        None => u.status_text(status.as_u16()),
    };
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
    out
}
