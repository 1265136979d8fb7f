//! The caseworker side under `/saksbehandling`: Skatteetaten's employees log in through the
//! agency's directory, with a session of their own, to preview the forms (form owners), read
//! submissions exactly as they were given (caseworkers, in their own service areas) and look after
//! deliveries (operations). Every search, view and download is written to the audit log.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::ansatt::{Employee, Role};
use crate::form::{Catalog, Lang};
use crate::i18n::{Ui, ui};
use crate::store::Store;
use crate::web::error::{AppResult, ErrorPage};
use crate::web::{L, lang_of, render};
use session::Ansatt;
use words::{CaseUi, case_ui};

pub mod live;
pub mod login;
mod operations;
pub mod page;
mod preview;
pub mod session;
mod submissions;
pub mod words;

/// What the caseworker pages reach.
#[derive(Clone)]
pub struct CaseState {
    /// Every form.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub store: Store,
    /// The employee login (`None`: not configured, the pages answer 404).
    pub login: Option<Arc<login::AnsattLogin>>,
    /// How long an employee's login lasts.
    pub limits: crate::web::session::Limits,
    /// The outbox, woken when a delivery is queued again.
    pub outbox: Option<Arc<crate::intake::outbox::Outbox>>,
    /// Outside production, the forms folder: form owners see the files on disk that do not load,
    /// with their problems.
    pub forms_dir: Option<std::path::PathBuf>,
    /// The form author's live preview (`tasteskjema preview DIR`): the forms as their files are
    /// now, loaded again when one changes.
    pub live: Option<Arc<live::Live>>,
    /// The live preview's author, who needs no login (never set by `serve`).
    pub author: Option<Employee>,
    /// Where a large submission's document is spooled while its receipt is shown.
    pub spool_dir: std::path::PathBuf,
}

impl CaseState {
    /// The forms to preview: as their files are now in the live preview, else as loaded at start.
    pub fn forms(&self) -> live::Now {
        match &self.live {
            Some(l) => l.now(),
            None => live::Now {
                catalog: self.catalog.clone(),
                problems: Arc::default(),
                generation: 0,
            },
        }
    }
}

/// The caseworker routes under `/saksbehandling`, with the employees' own session layer (its own
/// cookie, limited to these paths, and its own table).
pub fn router(state: CaseState, production: bool) -> Router {
    // Expired sessions are deleted by the retention job (`intake::retention`).
    let sessions = state.store.employee_session_store();
    // `__Host-` needs Path=/; this cookie is for the caseworker paths only, so `__Secure-`.
    let layer = SessionManagerLayer::new(sessions)
        .with_name(if production {
            "__Secure-tasteskjema_ansatt"
        } else {
            "tasteskjema_ansatt"
        })
        .with_path(crate::config::ANSATT_HOME)
        .with_http_only(true)
        .with_secure(production)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            state.limits.idle_s,
        )));
    Router::new()
        .route(crate::config::ANSATT_HOME, get(view_home_get))
        .merge(login::router())
        .merge(submissions::router())
        .merge(operations::router())
        .merge(preview::router())
        .with_state(state)
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(layer)
        .layer(middleware::from_fn(error_pages))
        .layer(middleware::from_fn(crate::web::lang_switch))
}

/// The layout data of a caseworker page.
pub struct CaseBase {
    /// Language of the page.
    pub lang: Lang,
    /// The portal's shared texts.
    pub ui: &'static Ui,
    /// The caseworker pages' texts.
    pub cui: &'static CaseUi,
    /// `<title>`, before the site name.
    pub title: String,
    /// Path of this page, for the language links.
    pub path: String,
    /// Which navigation entry is current.
    pub section: &'static str,
    /// Who is logged in.
    pub employee: Option<Employee>,
    /// In the live preview: which load of the forms the page shows (the page's script shows it
    /// again when the forms change), and the problems of the files as they are now.
    pub live: Option<(u64, live::Problems)>,
}

impl CaseBase {
    /// A page's layout data.
    pub fn new(
        lang: Lang,
        title: impl Into<String>,
        path: impl Into<String>,
        section: &'static str,
        employee: Option<Employee>,
    ) -> CaseBase {
        CaseBase {
            lang,
            ui: ui(lang),
            cui: case_ui(lang),
            title: title.into(),
            path: crate::web::login::safe_next(Some(&path.into())),
            section,
            employee,
            live: None,
        }
    }

    /// Marks a page of the live preview with the load it shows.
    pub fn with_live(mut self, state: &CaseState, now: &live::Now) -> CaseBase {
        if state.live.is_some() {
            self.live = Some((now.generation, now.problems.clone()));
        }
        self
    }

    /// In the live preview, the problems of the form files that stop them from loading.
    pub fn live_errors(&self) -> Vec<&str> {
        self.live
            .iter()
            .flat_map(|(_, p)| p.iter())
            .filter(|(_, warning)| !warning)
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// The stylesheet URL.
    pub fn css(&self) -> &'static str {
        crate::web::assets::url("site.css")
    }

    /// Our script's URL.
    pub fn js(&self) -> &'static str {
        crate::web::assets::url("app.js")
    }

    /// The three languages, the current one marked.
    pub fn langs(&self) -> [(Lang, bool); 3] {
        Lang::ALL.map(|l| (l, l == self.lang))
    }

    /// This page in another language (its query kept, so a search stays a search).
    pub fn lang_href(&self, l: &Lang) -> String {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.path, l.code())
    }
}

#[derive(Template)]
#[template(path = "saksbehandling/home.html")]
struct HomeView {
    base: CaseBase,
    roles: Vec<(String, Option<&'static str>)>,
}

/// An area's name in `lang`, or its id when the catalogue has no such area.
pub fn area_name(catalog: &Catalog, id: &str, lang: Lang) -> String {
    catalog
        .areas
        .iter()
        .find(|a| a.id == id)
        .map_or_else(|| id.to_owned(), |a| a.title.get(lang).to_string())
}

async fn view_home_get(
    State(state): State<CaseState>,
    L(lang): L,
    Ansatt(e): Ansatt,
) -> AppResult<Response> {
    let cui = case_ui(lang);
    let roles = e
        .roles
        .iter()
        .map(|r| match r {
            Role::Skjemaforvalter => (
                cui.role_form_owner.to_owned(),
                Some("/saksbehandling/skjema"),
            ),
            Role::Saksbehandler(area) => (
                cui.role_caseworker
                    .replace("{area}", &area_name(&state.catalog, area, lang)),
                Some("/saksbehandling/innsendinger"),
            ),
            Role::Drift => (
                cui.role_operations.to_owned(),
                Some("/saksbehandling/drift"),
            ),
        })
        .collect();
    render(
        &HomeView {
            base: CaseBase::new(
                lang,
                cui.home_title,
                crate::config::ANSATT_HOME,
                "home",
                Some(e),
            )
            .with_live(&state, &state.forms()),
            roles,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "saksbehandling/error.html")]
struct ErrorView {
    base: CaseBase,
    message: &'static str,
}

/// Error statuses from the caseworker pages become a page in the employee's language.
async fn error_pages(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<ErrorPage>().is_none()
            && resp.headers().contains_key("content-type")
    {
        return resp;
    }
    let u = ui(lang);
    let view = ErrorView {
        base: CaseBase::new(lang, u.err_title, path, "", None),
        message: u.status_text(status.as_u16()),
    };
    match view.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, u.err_title).into_response(),
    }
}
