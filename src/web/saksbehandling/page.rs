//! Small pages of the caseworker side that need no employee.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::CaseBase;
use crate::form::Lang;
use crate::web::error::AppResult;
use crate::web::render;

#[derive(Template)]
#[template(path = "saksbehandling/logged_out.html")]
struct LoggedOutView {
    base: CaseBase,
}

/// "You are logged out", with the way back in.
pub fn logged_out(lang: Lang) -> AppResult<Response> {
    let cui = super::words::case_ui(lang);
    render(
        &LoggedOutView {
            base: CaseBase::new(
                lang,
                cui.logged_out_title,
                crate::config::ANSATT_LOGGED_OUT,
                "",
                None,
            ),
        },
        StatusCode::OK,
    )
}
