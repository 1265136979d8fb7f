//! Security headers on every response, and the portal's own id of every request.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The headers' settings, worked out once at start.
#[derive(Debug)]
pub struct Policy {
    https: bool,
    csp: HeaderValue,
}

impl Policy {
    /// `https`: the portal is served over https (production), so browsers are told never to use
    /// plain http for it again (HSTS). `idp_origin`: ID-porten's origin when it is another site —
    /// a form post may end there (logout, or a page post after the session ended, sent on to login).
    pub fn new(https: bool, idp_origin: Option<&str>) -> Policy {
        let form_action = match idp_origin {
            Some(o) => format!("'self' {o}"),
            None => "'self'".to_owned(),
        };
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; \
             base-uri 'none'; object-src 'none'"
        );
        Policy {
            https,
            csp: HeaderValue::from_str(&csp)
                .unwrap_or(HeaderValue::from_static("default-src 'self'")),
        }
    }
}

/// Strict CSP (no inline script or style, nothing from other origins; htmx is configured not to need
/// `eval` or inline styles), no framing, no MIME sniffing, and no referrer outside the portal.
/// See <https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP>. A response that sets its own CSP
/// (only the front-channel logout, which ID-porten frames) keeps it and may be framed as it says.
pub async fn headers(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    if policy.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // No page of the portal uses the camera, location, payment and the like: a script that
    // got in could not either.
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
             microphone=(), payment=(), usb=(), browsing-topics=()",
        ),
    );
    // A window the portal opens, or that opens it, from another site gets no handle on it
    // (no `window.opener` tricks), and no other site may embed its responses (files, receipts)
    // as images or scripts.
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal answers: never keep them in shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// In production nothing under `/dev` is served, whatever is mounted: the stand-ins answer
/// anyone (the inbox of any party, a login as anyone) and are never mounted there, and this
/// guard makes that hold even if a later change mounted one by mistake.
pub async fn no_stand_ins(req: Request, next: Next) -> Response {
    let p = req.uri().path();
    if p == "/dev" || p.starts_with("/dev/") {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    next.run(req).await
}

/// A client's own id for a request (`x-request-id` as sent), kept only when well-formed, so that
/// the client's logs and the portal's can be matched up.
#[derive(Debug, Clone)]
pub struct ClientRequestId(pub String);

/// Whether a client's request id is worth keeping: a UUID, or at most 64 characters of letters,
/// digits and `-_.:`. Anything else (long, spaces, markup, control characters) is dropped.
pub fn well_formed_request_id(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
        || (!id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
}

/// The portal's own id of a request (the `x-request-id` it sets), in the request's extensions for
/// the handlers, and for the task serving the request through [`RequestId::current`]: an error
/// response built without the request at hand (the API's `korrelasjonsid`) still names it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: RequestId;
}

impl RequestId {
    /// The id of the request this task is serving; `-` outside one.
    pub fn current() -> String {
        CURRENT
            .try_with(|id| id.0.clone())
            .unwrap_or_else(|_| "-".to_owned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let id = match parts.extensions.get::<RequestId>() {
            Some(id) => id.0.clone(),
            None => RequestId::current(),
        };
        Ok(RequestId(id))
    }
}

/// Outermost layer: every request gets the portal's own id in `x-request-id` (a new UUID), which
/// the logs, the audit log and the API's `korrelasjonsid` use and the response echoes. Whatever
/// the client sent there is never trusted as the id; a well-formed one is kept aside as
/// [`ClientRequestId`] for the request's log span.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let sent: Vec<HeaderValue> = match req.headers_mut().entry("x-request-id") {
        header::Entry::Occupied(e) => e.remove_entry_mult().1.collect(),
        header::Entry::Vacant(_) => Vec::new(),
    };
    if let [one] = sent.as_slice()
        && let Ok(s) = one.to_str()
        && well_formed_request_id(s)
    {
        req.extensions_mut().insert(ClientRequestId(s.to_owned()));
    }
    let ours = uuid::Uuid::new_v4().to_string();
    let header = HeaderValue::from_str(&ours).expect("a uuid is ascii");
    req.headers_mut().insert("x-request-id", header);
    req.extensions_mut().insert(RequestId(ours.clone()));
    CURRENT.scope(RequestId(ours), next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::well_formed_request_id;

    #[test]
    fn only_well_formed_client_request_ids_are_kept() {
        assert!(well_formed_request_id(
            "0f3b9e7d-2a4c-4d6e-8b1f-5c7a9e2d4f60"
        ));
        assert!(well_formed_request_id("batch-2026.12:0001_a"));
        for bad in [
            "",
            "<script>alert(1)</script>",
            "a b",
            "æøå",
            "x\ty",
            &"a".repeat(65),
        ] {
            assert!(!well_formed_request_id(bad), "{bad:?}");
        }
    }
}
