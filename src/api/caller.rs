//! Who calls, and what they send, checked before anything is done with it: a system user's
//! Maskinporten token with the form's scope, the PDP's answer for its organisation, the headers
//! the API requires and a body that is a JSON object.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use super::ApiState;
use super::error::{ApiError, token_refusal};
use crate::auth::altinn::{PartyId, Subject};
use crate::auth::maskinporten::M2mCaller;
use crate::form::Form;
use crate::intake;

/// The caller of a request about `form`: a valid Maskinporten token with the form's scope, for a
/// system user acting for its organisation, whom the PDP lets do `action` on the form's resource
/// for that organisation. Asked before anything of the request's body is read, so a caller
/// without rights learns nothing about the document and costs the server nothing.
pub(super) async fn authorized(
    state: &ApiState,
    headers: &HeaderMap,
    form: &Form,
    action: &str,
) -> Result<Caller, ApiError> {
    let scope = form.m2m_scope();
    let (caller, party, subject) = caller(state, headers, &scope).await?;
    intake::authorize(
        &state.authz,
        Some(&state.permits),
        &subject,
        action,
        &form.resource,
        &party,
    )
    .await
    .map_err(|_| {
        let what = if action == crate::auth::altinn::action::READ {
            "lese"
        } else {
            "levere"
        };
        ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            format!("Systembrukeren har ikke tilgang til å {what} dette for denne virksomheten."),
        )
    })?;
    let system_id = caller.system_user.map(|u| u.system_id).unwrap_or_default();
    Ok(Caller {
        party,
        subject,
        system_id,
    })
}

/// A caller that passed [`authorized`].
pub(super) struct Caller {
    /// The organisation the system user acts for.
    pub(super) party: PartyId,
    /// The system user.
    pub(super) subject: Subject,
    /// Its end-user system (`system_id` in the token).
    pub(super) system_id: String,
}

/// The caller, from the `Authorization` header, for a form's scope: a system user acting for an
/// organisation. More than one `Authorization` header is refused: which one counts would
/// otherwise depend on who reads the request (a proxy, this server).
async fn caller(
    state: &ApiState,
    headers: &HeaderMap,
    scope: &str,
) -> Result<(M2mCaller, PartyId, Subject), ApiError> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(ApiError::metadata(
            StatusCode::BAD_REQUEST,
            "GLD_1029",
            "Forespørselen har mer enn én Authorization-header.",
            Some("Authorization"),
        ));
    }
    let auth = first.and_then(|v| v.to_str().ok());
    let caller = state.tokens.validate(auth, scope).await.map_err(|e| {
        if e.is_forbidden() {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "GLD_005",
                format!("Tokenet mangler scope {scope}."),
            )
        } else {
            // The caller learns which check failed by its code; the words (which may name the
            // issuer's key URL or a network error) stay in the log.
            tracing::info!(reason = e.code(), detail = %e, "API token refused");
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "GLD_004",
                "Mangler gyldig Maskinporten-token.",
            )
            .detail(e.code(), token_refusal(&e), None)
        }
    })?;
    let Some(user) = caller.system_user.clone() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            "Tokenet er ikke et systembruker-token: innsending krever en systembruker for den det leveres for.",
        ));
    };
    let party = PartyId::Organisation(user.org.clone());
    Ok((caller, party, Subject::SystemUser(user.id)))
}

/// The checks of an API submission's headers: JSON in, JSON out, an idempotency key.
pub(super) fn check_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    check_headers_for(headers, false)
}

/// The request's metadata checks; `files` also accepts `multipart/form-data` (a document with
/// attachments).
pub(super) fn check_headers_for(headers: &HeaderMap, files: bool) -> Result<String, ApiError> {
    let json_type = |v: &str| {
        let v = v.split(';').next().unwrap_or("").trim();
        v.eq_ignore_ascii_case("application/json")
            || (files && v.eq_ignore_ascii_case("multipart/form-data"))
    };
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if json_type(ct) => {}
        _ => {
            return Err(ApiError::metadata(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "GLD_1047",
                "Content-Type må være application/json.",
                None,
            ));
        }
    }
    accept_and_key(headers)
}

/// The metadata checks of an API that takes XML and answers with JSON (the
/// aksjonærregisteroppgave): `Content-Type` XML when there is a `body`, JSON out, an idempotency
/// key.
pub(super) fn check_xml_headers(headers: &HeaderMap, body: bool) -> Result<String, ApiError> {
    if body {
        let xml = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim())
            .is_some_and(|v| {
                v.eq_ignore_ascii_case("application/xml") || v.eq_ignore_ascii_case("text/xml")
            });
        if !xml {
            return Err(ApiError::metadata(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "GLD_1047",
                "Content-Type må være application/xml.",
                None,
            ));
        }
    }
    accept_and_key(headers)
}

/// `Accept` allows JSON (or is absent), and `idempotencyKey` is a UUID: the key, as written.
fn accept_and_key(headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
        let ok = accept.split(',').any(|a| {
            let a = a.split(';').next().unwrap_or("").trim();
            a == "*/*" || a == "application/*" || a.eq_ignore_ascii_case("application/json")
        });
        if !ok {
            return Err(ApiError::metadata(
                StatusCode::NOT_ACCEPTABLE,
                "GLD_1030",
                "Accept må være application/json.",
                None,
            ));
        }
    }
    let key = headers
        .get("idempotencyKey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::metadata(
                StatusCode::BAD_REQUEST,
                "GLD_1028",
                "Påkrevd header idempotencyKey mangler.",
                Some("idempotencyKey"),
            )
        })?;
    let key = uuid::Uuid::parse_str(key).map_err(|_| {
        ApiError::metadata(
            StatusCode::BAD_REQUEST,
            "GLD_1028",
            "Headeren idempotencyKey må være en UUID.",
            Some("idempotencyKey"),
        )
    })?;
    Ok(key.hyphenated().to_string())
}

/// The body, read whole within `limit` bytes into one buffer the size it says it is, so a large
/// delivery is held once, not in pieces and then again joined.
pub(super) async fn body_bytes(
    req: axum::extract::Request,
    limit: usize,
) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "GLD_006",
            format!(
                "Forespørselen er for stor (grensen er {}).",
                crate::form::validate::size(limit as u64)
            ),
        )
    };
    let said = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if said.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf: Vec<u8> = Vec::with_capacity(said.unwrap_or(0));
    let mut stream = req.into_body().into_data_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "GLD_006",
                "Forespørselen kunne ikke leses.",
            )
        })?;
        if buf.len() + piece.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&piece);
    }
    Ok(Bytes::from(buf))
}

/// `GLD_008` for a body that is not JSON.
pub(super) fn not_json(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "GLD_008",
        "Forespørselen er ikke gyldig JSON.",
    )
    .detail(
        "json",
        format!("linje {}, kolonne {}", e.line(), e.column()),
        None,
    )
}

/// `GLD_008` unless the document is a JSON object.
pub(super) fn an_object(doc: &Value) -> Result<(), ApiError> {
    if doc.is_object() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "GLD_008",
            "Meldingen må være et JSON-objekt.",
        ))
    }
}

/// The body as a JSON object.
pub(super) fn parse_body(body: Bytes) -> Result<Value, ApiError> {
    let doc: Value = serde_json::from_slice(&body).map_err(|e| not_json(&e))?;
    an_object(&doc)?;
    Ok(doc)
}

/// The income year in the address, when the form's API takes it; `GLD_1027` otherwise.
pub(super) fn supported_year(form: &crate::form::Form, year: &str) -> Result<i32, ApiError> {
    let years = form.api.as_ref().map(|a| a.years.as_slice()).unwrap_or(&[]);
    year.parse::<i32>()
        .ok()
        .filter(|y| years.contains(y))
        .ok_or_else(|| {
            ApiError::metadata(
                StatusCode::BAD_REQUEST,
                "GLD_1027",
                format!("Inntektsåret {year} støttes ikke."),
                Some("inntektsaar"),
            )
        })
}
