//! A whole delivery as a file (the browser's upload, SFTP): read like the API reads a body, one
//! row at a time, and keyed by its content, so the same file is the same delivery whoever of the
//! party sends it and by whichever of the two doors.

use std::sync::Arc;

use axum::body::Bytes;

use crate::auth::altinn::PartyId;
use crate::form::Context;
use crate::form::Form;

use super::rows::Read;

/// Why a file is not a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Not JSON: where reading stopped (from 1).
    NotJson {
        /// The line.
        line: usize,
        /// The character on the line.
        column: usize,
    },
    /// JSON, but not an object.
    NotObject,
}

/// The idempotency key of a file: the party, the form and the file's SHA-256.
pub fn key(party: &PartyId, form_id: &str, sha256_hex: &str) -> String {
    format!("file:{}:{form_id}:{sha256_hex}", party.key())
}

/// Reads a delivery file one row at a time, its rows checked as read (off the threads that
/// answer requests: 100 000 rows take a while).
pub async fn read(
    form: Arc<Form>,
    body: Bytes,
    ctx: Context,
) -> anyhow::Result<Result<Read, Unreadable>> {
    let read = tokio::task::spawn_blocking(move || super::rows::read(&form, body, &ctx)).await?;
    Ok(match read {
        Ok(r) if r.envelope.is_object() => Ok(r),
        Ok(_) => Err(Unreadable::NotObject),
        Err(e) => Err(Unreadable::NotJson {
            line: e.line(),
            column: e.column(),
        }),
    })
}
