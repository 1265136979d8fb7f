//! Security headers on every response.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

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
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal answers: never keep them in shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
