//! The machine-to-machine API: for forms with a Skatteetaten API (RF-1140, RF-1139) exactly its
//! paths, headers, bodies and errors (`POST {base}/v1/{inntektsaar}`, `Leveransebekreftelse`,
//! `Feil` with GLD codes); for every other form whose area offers M2M a generic door with the same
//! meaning. Both go through [`crate::intake::submit`], like the browser.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde_json::Value;

use crate::auth::altinn::{Authorization, PartyId, Subject};
use crate::auth::maskinporten::TokenValidator;
use crate::form::definition::Delivery;
use crate::form::{Catalog, Form};
use crate::intake::{self, Channel, Document, Receipt, Submission, SubmitError};
use crate::store::Store;

mod ar;
mod caller;
mod documents;
mod error;
mod files;
mod generic;
mod gld;
mod names;
pub mod openapi;

pub use error::{ApiError, Feil, Feilspesifisering};

/// What the API's handlers reach.
#[derive(Clone)]
pub struct ApiState {
    /// Every form.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub store: Store,
    /// Altinn Authorization (the PDP).
    pub authz: Arc<dyn Authorization>,
    /// Maskinporten token validation.
    pub tokens: TokenValidator,
    /// The outbox, woken when a submission arrives.
    pub outbox: Option<Arc<crate::intake::outbox::Outbox>>,
    /// System users' recent permits.
    pub permits: Arc<crate::intake::PermitCache>,
    /// Names of parties and end-user systems found recently, for the receipts.
    pub names: Arc<names::NameCache>,
    /// Attachment settings (scanner, where uploads wait, limits).
    pub uploads: Arc<crate::intake::attachments::Uploads>,
    /// How long a delivery taken in steps stays open (milliseconds).
    pub staged_open_ms: i64,
}

/// The API's routes, from the catalogue: each form with an `[api]` section gets Skatteetaten's
/// paths under its base; forms in areas offering M2M get the generic door.
pub fn router(state: ApiState) -> Router {
    let mut r = Router::new();
    for form in state.catalog.latest_forms() {
        if let Some(api) = &form.api {
            r = r.merge(match api.delivery {
                Delivery::Gld => gld::routes(form, api),
                Delivery::Aksjonaerregister => ar::routes(form, api),
            });
        }
    }
    r.merge(generic::routes(state.uploads.cap))
        .route("/api/openapi.json", get(openapi::serve))
        // Anything else under /api is answered in the API's own error format.
        .route("/api", axum::routing::any(error::not_found))
        .route("/api/{*rest}", axum::routing::any(error::not_found))
        .with_state(state)
}

/// The answer to an API request that ran out of time because the service cannot be reached now:
/// 503 with `Retry-After`, as a `Feil` (the request time limit, `server::time_limit`).
pub fn unavailable() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    error::ApiError::unavailable().into_response()
}

/// A submission of either door, on its way to the intake.
struct ApiSubmission<'a> {
    form: &'a Form,
    party: &'a PartyId,
    subject: &'a Subject,
    /// The end-user system the system user belongs to (`system_id` in its token).
    system_id: &'a str,
    doc: Document<'a>,
    /// The caller's idempotency key.
    key: &'a str,
    /// The `api:<uuid>` holder whose files go with it.
    attachments: Option<&'a str>,
    /// The answer to give, from the receipt.
    respond: &'a (dyn Fn(&Receipt) -> Value + Sync),
    /// The staged delivery (id, number of sub-forms) that becomes the submission, if any.
    staged: Option<(&'a str, i64)>,
}

impl<'a> ApiSubmission<'a> {
    /// A document from `caller`, under its idempotency `key`, with the files of `attachments`.
    fn of(
        form: &'a Form,
        caller: &'a caller::Caller,
        doc: Document<'a>,
        key: &'a str,
        attachments: Option<&'a str>,
        respond: &'a (dyn Fn(&Receipt) -> Value + Sync),
    ) -> ApiSubmission<'a> {
        ApiSubmission {
            form,
            party: &caller.party,
            subject: &caller.subject,
            system_id: &caller.system_id,
            doc,
            key,
            attachments,
            respond,
            staged: None,
        }
    }

    /// The submission as the intake takes it, judged in `ctx`, with the names the receipt shows.
    fn intake(
        &self,
        state: &'a ApiState,
        ctx: &'a crate::form::Context,
        (party_name, system_name): (Option<&'a str>, Option<&'a str>),
    ) -> Submission<'a> {
        Submission {
            form: self.form,
            party: self.party,
            submitter: self.subject,
            party_name,
            submitter_name: system_name,
            channel: Channel::Api,
            // The API has no language; its receipt is in bokmål.
            lang: crate::form::Lang::Nb,
            document: self.doc,
            // Keys are the caller's: scoped by party and form, so no one can collide with another.
            key: format!("api:{}:{}:{}", self.party.key(), self.form.id, self.key),
            context: ctx,
            draft: None,
            respond: self.respond,
            permits: Some(&state.permits),
            attachments: self.attachments,
            staged: self.staged,
        }
    }
}

/// Submits through the one intake as the system user, and wakes the outbox for a new one.
async fn submit(
    state: &ApiState,
    s: ApiSubmission<'_>,
    rid: &str,
) -> Result<intake::Outcome, SubmitError> {
    let ctx = intake::context(Some(s.party));
    let (party_name, system_name) =
        names::names(&state.names, state.authz.as_ref(), s.party, s.system_id).await;
    let names = (party_name.as_deref(), system_name.as_deref());
    let outcome = intake::submit(
        &state.store,
        &state.authz,
        s.intake(state, &ctx, names),
        rid,
    )
    .await;
    if let (Ok(intake::Outcome::New(_)), Some(outbox)) = (&outcome, &state.outbox) {
        outbox.wake();
    }
    outcome
}

/// Checks a submission as the intake would receive it (files, validation, PDP), storing nothing:
/// the `validering` endpoints.
async fn check(state: &ApiState, s: ApiSubmission<'_>) -> Result<(), SubmitError> {
    let ctx = intake::context(Some(s.party));
    intake::check(
        &state.store,
        &state.authz,
        &s.intake(state, &ctx, (None, None)),
    )
    .await
}
