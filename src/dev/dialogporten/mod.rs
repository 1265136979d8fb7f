//! The built-in stand-in for Dialogporten: the service-owner API on its real paths and shapes
//! (create a dialog, add a transmission, change its status with a JSON Patch, read a dialog), the
//! CloudEvents the real service would publish, and a plain inbox page where someone trying the portal sees what it delivered.
//!
//! Everything is kept in its own SQLite file, never only in memory, because the portal's crash
//! tests restart the process and then look at what arrived. Beside the dialogs it counts the
//! creation requests per dialog and transmission id, refused repeats included, so a test can show
//! that a delivery arrived at least once and was stored exactly once (`_standIn.createRequests` in
//! the dialog JSON).
//!
//! Mount [`router`] under `/dev/dialogporten` and point the
//! [`DialogportenClient`](crate::intake::dialogporten::DialogportenClient) there.
//!
//! The stand-in is four parts: its storage ([`store`]), the checks a request passes ([`checks`]),
//! the service-owner API ([`http`]) and the inbox page ([`inbox`]).

use async_trait::async_trait;

mod checks;
mod http;
mod inbox;
mod store;

pub use http::router;
pub use store::DialogportenState;

/// Decides whether a request's `Authorization` header lets it use the service-owner API. The
/// integrator plugs in Maskinporten token validation (scope `digdir:dialogporten.serviceprovider`).
#[async_trait]
pub trait BearerCheck: Send + Sync {
    /// True when the request may pass; `authorization_header` is the raw header, if any.
    async fn check(&self, authorization_header: Option<&str>) -> bool;
}

/// Lets every request through, with or without a token. For tests only: a stand-in that anyone
/// can write to must not be reachable by others.
#[derive(Debug, Clone, Copy)]
pub struct AllowAny;

#[async_trait]
impl BearerCheck for AllowAny {
    async fn check(&self, _authorization_header: Option<&str>) -> bool {
        true
    }
}

/// CloudEvent type of a new dialog.
pub const EVENT_DIALOG_CREATED: &str = "dialogporten.dialog.created.v1";
/// CloudEvent type of a changed dialog (its status, say).
pub const EVENT_DIALOG_UPDATED: &str = "dialogporten.dialog.updated.v1";
/// CloudEvent type of a new transmission.
pub const EVENT_TRANSMISSION_CREATED: &str = "dialogporten.dialog.transmission.created.v1";
