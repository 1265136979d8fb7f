//! A document with attachments: `multipart/form-data` with the JSON document in a part named
//! `dokument` and each file in a part named by its attachment field's path.

use axum::extract::{FromRequest, Multipart};
use axum::http::StatusCode;
use serde_json::Value;

use super::ApiState;
use super::caller::parse_body;
use super::error::{ApiError, invalid, too_large};
use crate::auth::altinn::PartyId;
use crate::form::Form;
use crate::intake::attachments::{self as att, Holder, Layout, Receiving, UploadError};

fn bad(melding: &str) -> ApiError {
    ApiError::metadata(StatusCode::BAD_REQUEST, "GLD_1047", melding, None)
}

/// A failure of receiving the files, as the API answers it.
impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> ApiError {
        match e {
            UploadError::BodyTooLarge => too_large(),
            UploadError::Cut(m) => bad(&m),
            UploadError::NotAField(name) => bad(&format!(
                "Delen «{name}» er verken «dokument» eller et vedleggsfelt i skjemaet."
            )),
            e @ (UploadError::TooLarge(_) | UploadError::Refused(_) | UploadError::Internal(_)) => {
                ApiError::internal(e)
            }
        }
    }
}

/// Reads the parts, keeps the files (checked, and scanned when a scanner is configured) under
/// `holder`, and returns the document. Any refused file refuses the call.
pub(super) async fn receive(
    state: &ApiState,
    form: &Form,
    party: &PartyId,
    holder: &str,
    req: axum::extract::Request,
    rid: &str,
) -> Result<Value, ApiError> {
    if att::declared_over(req.headers(), state.uploads.cap) {
        return Err(too_large());
    }
    let multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(&e.body_text()))?;
    let party_key = party.key();
    let r = Receiving {
        store: &state.store,
        uploads: &state.uploads,
        form,
        holder: Holder {
            person: None,
            party: &party_key,
            key: holder,
        },
        present: &[],
        layout: Layout::Document,
        request_id: rid,
    };
    let mut doc = None;
    let errors = att::receive(&r, multipart, |_, bytes| {
        if bytes.len() > state.uploads.body_limit {
            return Err(too_large());
        }
        doc = Some(parse_body(bytes)?);
        Ok(())
    })
    .await?;
    let doc = doc.ok_or_else(|| bad("Delen «dokument» med JSON-dokumentet mangler."))?;
    if !errors.is_empty() {
        return Err(invalid(&errors, &doc));
    }
    Ok(doc)
}
