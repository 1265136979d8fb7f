//! Maskinporten access tokens, checked as a resource server: who an M2M caller is.
//!
//! A caller sends `Authorization: Bearer <JWT>` with a token from Maskinporten (for a system
//! user, one that names the system user and the organisation it acts for). [`TokenValidator`]
//! accepts it only when:
//! - the header uses the Bearer scheme and holds a three-part JWT;
//! - the JWT is signed with RS256 (`none`, HMAC and every other algorithm are refused before any
//!   key is looked up) by the issuer's key named by `kid`;
//! - `iss` is the configured issuer, character for character (Maskinporten's ends with `/`);
//! - `exp` has not passed and `iat` is not in the future (a few seconds of clock skew allowed);
//! - `client_id` and `consumer` are present, and a system user entry, if any, is complete;
//! - `scope` holds the scope the API requires (else the caller is known but not allowed: 403).
//!
//! The issuer's keys come from its JWKS, found in its authorization server metadata unless
//! configured. They are fetched on first use, not at start-up, because the built-in stand-in
//! answers from the same server, which is not listening yet while the app is being built. An
//! unknown `kid` fetches the keys again (Maskinporten rotates its keys), at most once a minute,
//! so made-up `kid`s cannot turn the portal into a tool for flooding the issuer.
//!
//! Whether the system user may act for its organisation on the form's resource is a separate
//! question for Altinn Authorization ([`crate::auth::altinn`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use crate::form::no::Orgnr;

/// The `authorization_details` type of a system user.
pub const SYSTEM_USER_TYPE: &str = "urn:altinn:systemuser";
/// The ISO 6523 authority that prefixes Norwegian organisation numbers with `0192:`.
pub const ORG_AUTHORITY: &str = "iso6523-actorid-upis";
/// Clock skew tolerated on `exp`, `iat` and `nbf`.
const LEEWAY_SECONDS: u64 = 10;
/// An unknown `kid` fetches the keys again, but not more often than this.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(60);
/// Until the keys have been fetched once, a failed fetch is retried after this long.
const JWKS_RETRY_MIN: Duration = Duration::from_secs(5);
/// Keys older than this are fetched again before use, so a withdrawn key stops working.
const JWKS_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// Longer headers are not tokens Maskinporten issues; refused before any parsing.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Which Maskinporten the portal trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskinportenConfig {
    /// The issuer exactly as it appears in `iss`, e.g. `https://test.maskinporten.no/` (with
    /// its trailing slash: compared as written).
    pub issuer: String,
    /// The JWKS URL; by default the `jwks_uri` of
    /// `{issuer}.well-known/oauth-authorization-server`.
    pub jwks_uri: Option<String>,
    /// The `aud` values that name this API. Maskinporten's ordinary tokens carry no `aud`; a
    /// token that does was restricted by its client to some resource server, and is accepted
    /// only when that is this one.
    pub audiences: Vec<String>,
    /// Refuse tokens without an `aud` (only when every client asks for audience-restricted
    /// tokens).
    pub require_audience: bool,
}

impl MaskinportenConfig {
    /// The issuer's tokens, with no audience restriction configured.
    pub fn new(issuer: impl Into<String>) -> MaskinportenConfig {
        MaskinportenConfig {
            issuer: issuer.into(),
            jwks_uri: None,
            audiences: Vec::new(),
            require_audience: false,
        }
    }
}

/// A system user named in a token: an organisation's machine-to-machine identity in Altinn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUser {
    /// The system user's uuid (the first of `systemuser_id`), the subject for Altinn's PDP.
    pub id: String,
    /// The organisation the system user acts for (from `systemuser_org`).
    pub org: String,
    /// The vendor's system (`system_id`).
    pub system_id: String,
}

/// An M2M caller with a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M2mCaller {
    /// The Maskinporten client that got the token.
    pub client_id: String,
    /// The organisation that owns the client (from `consumer`), e.g. the system vendor.
    pub consumer_org: String,
    /// Every scope in the token.
    pub scopes: Vec<String>,
    /// The system user, for a system-user token.
    pub system_user: Option<SystemUser>,
    /// The token's id, if it has one (for the audit log).
    pub jti: Option<String>,
}

/// Why a token was refused. `code()` is stable, for logs and API error bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header.
    #[error("no access token")]
    MissingToken,
    /// An `Authorization` header with another scheme than Bearer.
    #[error("the Authorization header is not a Bearer token")]
    NotBearer,
    /// Not a JWT that can be read.
    #[error("the access token is malformed: {0}")]
    Malformed(String),
    /// Signed with another algorithm than RS256, or not signed.
    #[error("the access token's algorithm {0:?} is not accepted")]
    UnsupportedAlgorithm(String),
    /// No key of the issuer has the token's `kid`.
    #[error("the access token is signed with a key the issuer does not publish")]
    UnknownKey,
    /// The issuer's keys could not be fetched.
    #[error("the issuer's keys are not available: {0}")]
    KeysUnavailable(String),
    /// The signature does not verify with the issuer's key.
    #[error("the access token's signature is not valid")]
    BadSignature,
    /// `iss` is not the configured issuer.
    #[error("the access token is from another issuer")]
    WrongIssuer,
    /// `aud` names another API than this one (or is missing where one is required).
    #[error("the access token is meant for another API (aud)")]
    WrongAudience,
    /// `exp` has passed.
    #[error("the access token has expired")]
    Expired,
    /// `iat` or `nbf` is in the future.
    #[error("the access token is not valid yet")]
    NotYetValid,
    /// Signed by the issuer, but a claim the portal needs is missing or malformed.
    #[error("the access token's claims are not usable: {0}")]
    InvalidClaims(String),
    /// A valid token without the scope the API requires.
    #[error("the access token lacks the scope {required}")]
    InsufficientScope {
        /// The scope the API requires.
        required: String,
    },
}

impl TokenError {
    /// A stable machine code for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::MissingToken => "missing_token",
            TokenError::NotBearer => "not_bearer",
            TokenError::Malformed(_) => "malformed_token",
            TokenError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            TokenError::UnknownKey => "unknown_key",
            TokenError::KeysUnavailable(_) => "keys_unavailable",
            TokenError::BadSignature => "bad_signature",
            TokenError::WrongIssuer => "wrong_issuer",
            TokenError::WrongAudience => "wrong_audience",
            TokenError::Expired => "expired",
            TokenError::NotYetValid => "not_yet_valid",
            TokenError::InvalidClaims(_) => "invalid_claims",
            TokenError::InsufficientScope { .. } => "insufficient_scope",
        }
    }

    /// Whether the answer is 403 (a known caller without the scope) rather than 401.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, TokenError::InsufficientScope { .. })
    }

    /// The `WWW-Authenticate` header value for the answer (RFC 6750 §3).
    pub fn www_authenticate(&self) -> String {
        match self {
            // No credentials at all: no error code, as RFC 6750 §3.1 asks.
            TokenError::MissingToken | TokenError::NotBearer => "Bearer".to_owned(),
            TokenError::InsufficientScope { required } => {
                format!("Bearer error=\"insufficient_scope\", scope=\"{required}\"")
            }
            _ => "Bearer error=\"invalid_token\"".to_owned(),
        }
    }
}

/// The JOSE header fields looked at before anything else.
#[derive(Deserialize)]
struct JoseHeader {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<Value>,
}

/// The ISO 6523 `ID` of a Norwegian organisation number, as Maskinporten writes it:
/// `0192:<orgnr>`.
pub fn iso6523_id(orgnr: &str) -> String {
    format!("0192:{orgnr}")
}

/// The organisation number in an ISO 6523 `ID` such as `0192:819897522`, if it holds a valid one.
pub fn orgnr_of_iso6523(id: &str) -> Option<Orgnr> {
    id.strip_prefix("0192:")
        // Exactly nine digits: `Orgnr::parse` would also take spaced-out numbers.
        .filter(|n| n.len() == 9 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| Orgnr::parse(n).ok())
}

/// An organisation as Maskinporten names it: `{authority, ID: "0192:<orgnr>"}`.
#[derive(Deserialize)]
struct OrgClaim {
    #[serde(rename = "ID")]
    id: String,
}

impl OrgClaim {
    /// The organisation number, checked.
    fn orgnr(&self, what: &str) -> Result<String, TokenError> {
        orgnr_of_iso6523(&self.id)
            .map(|n| n.as_str().to_owned())
            .ok_or_else(|| TokenError::InvalidClaims(format!("{what} is not 0192:<orgnr>")))
    }
}

/// A `urn:altinn:systemuser` entry of `authorization_details`.
#[derive(Deserialize)]
struct SystemUserClaim {
    #[serde(default)]
    systemuser_id: Vec<String>,
    systemuser_org: OrgClaim,
    system_id: String,
}

/// The claims read from a verified token. `exp` and `nbf` are checked by `jsonwebtoken`.
#[derive(Deserialize)]
struct AccessClaims {
    /// A value, not a string: an array must fail the exact comparison, not match one element.
    #[serde(default)]
    iss: Value,
    exp: u64,
    iat: Option<u64>,
    client_id: Option<String>,
    consumer: Option<OrgClaim>,
    scope: Option<String>,
    jti: Option<String>,
    /// A string or an array of strings (RFC 7519 §4.1.3); absent in ordinary Maskinporten tokens.
    #[serde(default)]
    aud: Value,
    #[serde(default)]
    authorization_details: Vec<Value>,
}

/// RFC 7519 §4.1.3: a token whose `aud` is present must name this API among its values. An
/// absent `aud` is Maskinporten's ordinary token, accepted unless configured otherwise.
fn check_audience(aud: &Value, config: &MaskinportenConfig) -> Result<(), TokenError> {
    let ours = |a: &Value| {
        a.as_str()
            .is_some_and(|a| config.audiences.iter().any(|c| c == a))
    };
    let ok = match aud {
        Value::Null => !config.require_audience,
        Value::Array(list) if list.is_empty() => !config.require_audience,
        Value::Array(list) => list.iter().any(ours),
        one => ours(one),
    };
    if ok {
        Ok(())
    } else {
        Err(TokenError::WrongAudience)
    }
}

/// The issuer's keys by `kid`, and when they were fetched.
struct KeyCache {
    keys: Arc<HashMap<String, DecodingKey>>,
    fetched: Option<Instant>,
}

/// What the (single) fetcher remembers between fetches.
#[derive(Default)]
struct FetchState {
    /// The JWKS URL, once configured or read from the metadata.
    jwks_uri: Option<String>,
    /// When the last fetch was tried, successful or not.
    last_attempt: Option<Instant>,
    /// When an unknown `kid` last made the keys be fetched.
    last_unknown_kid: Option<Instant>,
}

struct Shared {
    config: MaskinportenConfig,
    metadata_url: String,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    /// Held while fetching, so concurrent requests wait for one fetch instead of each starting one.
    fetch: tokio::sync::Mutex<FetchState>,
}

/// Checks Maskinporten access tokens for one issuer. Cheap to clone; clones share the keys.
#[derive(Clone)]
pub struct TokenValidator {
    shared: Arc<Shared>,
}

impl fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenValidator")
            .field("issuer", &self.shared.config.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenValidator {
    /// A validator for `config`'s issuer that fetches with `http` (which should not follow
    /// redirects, see [`crate::auth::idporten::http_client`]). Nothing is fetched until the
    /// first token arrives.
    pub fn new(config: MaskinportenConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let issuer = Url::parse(&config.issuer)
            .with_context(|| format!("the Maskinporten issuer {:?} is not a URL", config.issuer))?;
        if let Some(uri) = &config.jwks_uri {
            Url::parse(uri)
                .with_context(|| format!("the Maskinporten jwks_uri {uri:?} is not a URL"))?;
        }
        // Maskinporten's issuer ends with a slash and its metadata sits right below it.
        let metadata_url = format!(
            "{}/.well-known/oauth-authorization-server",
            issuer.as_str().trim_end_matches('/')
        );
        Ok(TokenValidator {
            shared: Arc::new(Shared {
                metadata_url,
                http,
                cache: RwLock::new(KeyCache {
                    keys: Arc::default(),
                    fetched: None,
                }),
                fetch: tokio::sync::Mutex::new(FetchState {
                    jwks_uri: config.jwks_uri.clone(),
                    last_attempt: None,
                    last_unknown_kid: None,
                }),
                config,
            }),
        })
    }

    /// The issuer trusted.
    pub fn issuer(&self) -> &str {
        &self.shared.config.issuer
    }

    /// Checks the `Authorization` header of a request to an API that requires `required_scope`,
    /// and tells who is calling.
    pub async fn validate(
        &self,
        authorization_header: Option<&str>,
        required_scope: &str,
    ) -> Result<M2mCaller, TokenError> {
        let token = bearer_token(authorization_header)?;
        let kid = signing_key_id(token)?;
        let key = self.key(&kid).await?;
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = LEEWAY_SECONDS;
        v.validate_nbf = true;
        // Maskinporten sets no audience for Skatteetaten's APIs.
        v.validate_aud = false;
        v.set_required_spec_claims(&["exp", "iss"]);
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &v)
            .map_err(read_jwt_error)?
            .claims;
        if claims.iss.as_str() != Some(self.shared.config.issuer.as_str()) {
            return Err(TokenError::WrongIssuer);
        }
        check_audience(&claims.aud, &self.shared.config)?;
        let caller = caller(claims)?;
        if caller.scopes.iter().any(|s| s == required_scope) {
            Ok(caller)
        } else {
            Err(TokenError::InsufficientScope {
                required: required_scope.to_owned(),
            })
        }
    }

    /// The key with this `kid`, fetching the keys when they are unknown, stale or lack it.
    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        if let Some(key) = self.cached(kid, JWKS_MAX_AGE) {
            return Ok(key);
        }
        let mut state = self.shared.fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid, JWKS_MAX_AGE) {
            return Ok(key);
        }
        let loaded = self.cached_at().is_some();
        let unknown_kid = loaded && self.cached(kid, Duration::MAX).is_none();
        let may_fetch = if unknown_kid {
            // A new key of the issuer's, or a made-up kid: one fetch a minute serves the first
            // and caps the second.
            state
                .last_unknown_kid
                .is_none_or(|t| t.elapsed() >= JWKS_REFRESH_MIN)
        } else {
            // The first fetch, or keys that have grown old: retried shortly after a failure.
            state
                .last_attempt
                .is_none_or(|t| t.elapsed() >= JWKS_RETRY_MIN)
        };
        if may_fetch {
            let now = Instant::now();
            state.last_attempt = Some(now);
            if unknown_kid {
                state.last_unknown_kid = Some(now);
            }
            match self.fetch_keys(&mut state).await {
                Ok(keys) => {
                    let mut cache = self.shared.cache.write().unwrap_or_else(|e| e.into_inner());
                    *cache = KeyCache {
                        keys: Arc::new(keys),
                        fetched: Some(Instant::now()),
                    };
                }
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        issuer = %self.shared.config.issuer,
                        "fetching Maskinporten's keys failed"
                    );
                    if !loaded {
                        return Err(TokenError::KeysUnavailable(e));
                    }
                }
            }
        } else if !loaded {
            return Err(TokenError::KeysUnavailable(
                "the last attempt failed a moment ago".into(),
            ));
        }
        // Fresh keys, or (when the issuer cannot be reached) the keys held until now.
        self.cached(kid, Duration::MAX)
            .ok_or(TokenError::UnknownKey)
    }

    /// The cached key with this `kid`, if the keys are younger than `max_age`.
    fn cached(&self, kid: &str, max_age: Duration) -> Option<DecodingKey> {
        let cache = self.shared.cache.read().unwrap_or_else(|e| e.into_inner());
        let fresh = cache.fetched.is_some_and(|t| t.elapsed() < max_age);
        cache.keys.get(kid).filter(|_| fresh).cloned()
    }

    fn cached_at(&self) -> Option<Instant> {
        self.shared
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .fetched
    }

    /// Reads the metadata (once) and the JWKS.
    async fn fetch_keys(
        &self,
        state: &mut FetchState,
    ) -> Result<HashMap<String, DecodingKey>, String> {
        let jwks_uri = match &state.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.discover_jwks_uri().await?;
                state.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let jwks: JwkSet = self.get_json(&jwks_uri).await?;
        let keys = signing_keys(&jwks);
        if keys.is_empty() {
            return Err(format!("{jwks_uri} has no RS256 signing keys"));
        }
        Ok(keys)
    }

    /// The `jwks_uri` of the issuer's authorization server metadata (RFC 8414).
    async fn discover_jwks_uri(&self) -> Result<String, String> {
        #[derive(Deserialize)]
        struct Metadata {
            issuer: String,
            jwks_uri: String,
        }
        let metadata: Metadata = self.get_json(&self.shared.metadata_url).await?;
        // RFC 8414 §3.3: metadata for another issuer must not be used.
        if metadata.issuer != self.shared.config.issuer {
            return Err(format!(
                "the metadata names the issuer {:?}, not {:?}",
                metadata.issuer, self.shared.config.issuer
            ));
        }
        Ok(metadata.jwks_uri)
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, url: &str) -> Result<T, String> {
        let response = self
            .shared
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("{url}: {e}"))?;
        response.json().await.map_err(|e| format!("{url}: {e}"))
    }
}

/// The token in an `Authorization: Bearer …` header (the scheme in any case, RFC 7235).
fn bearer_token(header: Option<&str>) -> Result<&str, TokenError> {
    let header = header.ok_or(TokenError::MissingToken)?;
    let token = header
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
        .map(|_| header[7..].trim())
        .ok_or(TokenError::NotBearer)?;
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed("not a JWT".into()));
    }
    Ok(token)
}

/// Reads the JOSE header: the algorithm must be RS256 and a `kid` must name the key. Nothing
/// else is trusted yet, and no key has been looked up.
fn signing_key_id(token: &str) -> Result<String, TokenError> {
    let malformed = |why: &str| TokenError::Malformed(why.to_owned());
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a JWT"));
    };
    let header: JoseHeader = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| malformed("the header is not base64url JSON"))?;
    let alg = header.alg.unwrap_or_default();
    if alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm(alg));
    }
    // RFC 7515 §4.1.11: extensions the reader does not know must be refused.
    if header.crit.is_some() {
        return Err(malformed("the header has crit"));
    }
    header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or_else(|| malformed("the header has no kid"))
}

/// The RS256 signing keys of a JWKS, by `kid`. Keys for encryption, for other algorithms or
/// without a `kid` are left out.
fn signing_keys(jwks: &JwkSet) -> HashMap<String, DecodingKey> {
    jwks.keys
        .iter()
        .filter(|k| matches!(k.algorithm, AlgorithmParameters::RSA(_)))
        .filter(|k| {
            k.common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == PublicKeyUse::Signature)
        })
        .filter(|k| {
            k.common
                .key_algorithm
                .as_ref()
                .is_none_or(|a| *a == KeyAlgorithm::RS256)
        })
        .filter_map(|k| {
            let kid = k.common.key_id.clone()?;
            Some((kid, DecodingKey::from_jwk(k).ok()?))
        })
        .collect()
}

fn read_jwt_error(e: jsonwebtoken::errors::Error) -> TokenError {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAlgorithm => TokenError::UnsupportedAlgorithm("RS256".into()),
        ErrorKind::MissingRequiredClaim(c) => TokenError::InvalidClaims(format!("no {c}")),
        ErrorKind::InvalidClaimFormat(c) => TokenError::InvalidClaims(format!("{c} is malformed")),
        ErrorKind::Json(e) => TokenError::InvalidClaims(e.to_string()),
        _ => TokenError::Malformed(e.to_string()),
    }
}

/// The caller a verified token describes; `iat` must be sane and every claim used well-formed.
fn caller(claims: AccessClaims) -> Result<M2mCaller, TokenError> {
    let invalid = |why: &str| TokenError::InvalidClaims(why.to_owned());
    let iat = claims.iat.ok_or_else(|| invalid("no iat"))?;
    if iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECONDS {
        return Err(TokenError::NotYetValid);
    }
    if iat > claims.exp {
        return Err(invalid("iat is after exp"));
    }
    let client_id = claims
        .client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("no client_id"))?;
    let consumer_org = claims
        .consumer
        .ok_or_else(|| invalid("no consumer"))?
        .orgnr("consumer")?;
    let mut entries = claims
        .authorization_details
        .into_iter()
        .filter(|d| d.get("type").and_then(Value::as_str) == Some(SYSTEM_USER_TYPE));
    let system_user = match (entries.next(), entries.next()) {
        (None, _) => None,
        (Some(entry), None) => Some(system_user(entry)?),
        (Some(_), Some(_)) => return Err(invalid("more than one system user")),
    };
    Ok(M2mCaller {
        client_id,
        consumer_org,
        scopes: claims
            .scope
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect(),
        system_user,
        jti: claims.jti,
    })
}

fn system_user(entry: Value) -> Result<SystemUser, TokenError> {
    let claim: SystemUserClaim = serde_json::from_value(entry)
        .map_err(|e| TokenError::InvalidClaims(format!("system user: {e}")))?;
    let id = claim
        .systemuser_id
        .first()
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .ok_or_else(|| TokenError::InvalidClaims("systemuser_id holds no uuid".into()))?;
    if claim.system_id.is_empty() {
        return Err(TokenError::InvalidClaims("system_id is empty".into()));
    }
    Ok(SystemUser {
        id: id.to_ascii_lowercase(),
        org: claim.systemuser_org.orgnr("systemuser_org")?,
        system_id: claim.system_id,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Compile-time check: the validator can live in shared state and its futures can run in
    /// axum handlers on any worker thread.
    #[allow(dead_code)]
    fn usable_from_handlers(v: &TokenValidator) {
        fn send_sync<T: Send + Sync + Clone>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<TokenValidator>();
        send(v.validate(None, "s"));
    }

    fn jwt(header: Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode("sig")
        )
    }

    #[test]
    fn only_the_bearer_scheme_is_read() {
        assert_eq!(bearer_token(None), Err(TokenError::MissingToken));
        assert_eq!(bearer_token(Some("Basic YTpi")), Err(TokenError::NotBearer));
        assert_eq!(bearer_token(Some("Bearer")), Err(TokenError::NotBearer));
        assert_eq!(bearer_token(Some("bearer a.b.c")), Ok("a.b.c"));
        assert_eq!(bearer_token(Some("BEARER  a.b.c ")), Ok("a.b.c"));
        assert!(matches!(
            bearer_token(Some("Bearer ")),
            Err(TokenError::Malformed(_))
        ));
        let huge = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert!(matches!(
            bearer_token(Some(&huge)),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn only_rs256_with_a_kid_is_read() {
        assert_eq!(
            signing_key_id(&jwt(json!({"alg": "RS256", "kid": "k1"}))),
            Ok("k1".to_owned())
        );
        for alg in ["none", "HS256", "RS512", "ES256", "PS256", "rs256"] {
            assert_eq!(
                signing_key_id(&jwt(json!({ "alg": alg, "kid": "k1" }))),
                Err(TokenError::UnsupportedAlgorithm(alg.into())),
                "{alg}"
            );
        }
        assert_eq!(
            signing_key_id(&jwt(json!({ "kid": "k1" }))),
            Err(TokenError::UnsupportedAlgorithm(String::new()))
        );
        for bad in [
            jwt(json!({"alg": "RS256"})),
            jwt(json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]})),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "!!!.b.c".to_owned(),
        ] {
            assert!(
                matches!(signing_key_id(&bad), Err(TokenError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_the_missing_scope_is_forbidden() {
        let scope = TokenError::InsufficientScope {
            required: "skatteetaten:x".into(),
        };
        assert!(scope.is_forbidden());
        assert_eq!(scope.code(), "insufficient_scope");
        assert_eq!(
            scope.www_authenticate(),
            "Bearer error=\"insufficient_scope\", scope=\"skatteetaten:x\""
        );
        for e in [
            TokenError::MissingToken,
            TokenError::Expired,
            TokenError::BadSignature,
            TokenError::KeysUnavailable("down".into()),
        ] {
            assert!(!e.is_forbidden(), "{e:?}");
        }
        assert_eq!(TokenError::MissingToken.www_authenticate(), "Bearer");
        assert_eq!(
            TokenError::Expired.www_authenticate(),
            "Bearer error=\"invalid_token\""
        );
    }

    fn claims(extra: Value) -> AccessClaims {
        let now = jsonwebtoken::get_current_timestamp();
        let mut c = json!({
            "iss": "https://test.maskinporten.no/",
            "client_id": "c1",
            "consumer": { "authority": ORG_AUTHORITY, "ID": "0192:311800019" },
            "scope": "a:b skatteetaten:x",
            "iat": now, "exp": now + 120, "jti": "j1",
        });
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        serde_json::from_value(c).unwrap()
    }

    fn system_user_entry(org_id: &str, ids: Value) -> Value {
        json!([{
            "type": SYSTEM_USER_TYPE,
            "systemuser_id": ids,
            "systemuser_org": { "authority": ORG_AUTHORITY, "ID": org_id },
            "system_id": "311800019_system",
        }])
    }

    #[test]
    fn the_caller_names_the_consumer_and_the_system_user() {
        let c = caller(claims(json!({
            "authorization_details": system_user_entry(
                "0192:819897522",
                json!(["6D4F1C2A-7B8E-4F3A-9C1D-2E5F8A9B0C11", "0f3b9e7d-2a4c-4d6e-8b1f-5c7a9e2d4f60"]),
            ),
        })))
        .unwrap();
        assert_eq!(c.client_id, "c1");
        assert_eq!(c.consumer_org, "311800019");
        assert_eq!(c.scopes, ["a:b", "skatteetaten:x"]);
        assert_eq!(c.jti.as_deref(), Some("j1"));
        assert_eq!(
            c.system_user,
            Some(SystemUser {
                id: "6d4f1c2a-7b8e-4f3a-9c1d-2e5f8a9b0c11".into(),
                org: "819897522".into(),
                system_id: "311800019_system".into(),
            })
        );
        // Other kinds of authorization_details are not ours to read.
        let c = caller(claims(json!({
            "authorization_details": [{ "type": "urn:other", "x": 1 }],
        })))
        .unwrap();
        assert_eq!(c.system_user, None);
    }

    #[test]
    fn unusable_claims_are_refused() {
        let now = jsonwebtoken::get_current_timestamp();
        let two = {
            let mut v = system_user_entry(
                "0192:819897522",
                json!(["6d4f1c2a-7b8e-4f3a-9c1d-2e5f8a9b0c11"]),
            );
            let first = v[0].clone();
            v.as_array_mut().unwrap().push(first);
            v
        };
        for extra in [
            json!({ "iat": null }),
            json!({ "iat": now + 120, "exp": now + 240 }),
            json!({ "iat": now, "exp": now - 1 }),
            json!({ "client_id": "" }),
            json!({ "consumer": null }),
            json!({ "consumer": { "ID": "819897522" } }),
            json!({ "consumer": { "ID": "0192:819897523" } }),
            json!({ "authorization_details": system_user_entry("0192:819897522", json!([])) }),
            json!({ "authorization_details": system_user_entry("0192:819897522", json!(["nope"])) }),
            json!({ "authorization_details": system_user_entry("0192:12", json!(["6d4f1c2a-7b8e-4f3a-9c1d-2e5f8a9b0c11"])) }),
            json!({ "authorization_details": two }),
        ] {
            let err = caller(claims(extra.clone())).unwrap_err();
            assert!(
                matches!(err, TokenError::InvalidClaims(_) | TokenError::NotYetValid),
                "{extra}: {err:?}"
            );
        }
    }

    #[test]
    fn a_present_audience_must_name_this_api() {
        let mut c = MaskinportenConfig::new("https://test.maskinporten.no/");
        let ours = "https://tasteskjema.example/api";
        // No audiences configured: only tokens without aud.
        assert_eq!(check_audience(&Value::Null, &c), Ok(()));
        assert_eq!(
            check_audience(&json!(ours), &c),
            Err(TokenError::WrongAudience)
        );
        c.audiences = vec![ours.to_owned()];
        assert_eq!(check_audience(&Value::Null, &c), Ok(()));
        assert_eq!(check_audience(&json!(ours), &c), Ok(()));
        assert_eq!(
            check_audience(&json!(["https://x.example/", ours]), &c),
            Ok(())
        );
        for other in [
            json!("https://annet-api.example/"),
            json!(["https://annet-api.example/"]),
            json!(ours.to_uppercase()),
            json!([1, 2]),
            json!({ "aud": ours }),
        ] {
            assert_eq!(
                check_audience(&other, &c),
                Err(TokenError::WrongAudience),
                "{other}"
            );
        }
        c.require_audience = true;
        assert_eq!(
            check_audience(&Value::Null, &c),
            Err(TokenError::WrongAudience)
        );
        assert_eq!(check_audience(&json!(ours), &c), Ok(()));
    }

    #[test]
    fn only_rs256_signing_keys_with_a_kid_are_kept() {
        let n = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        let jwks: JwkSet = serde_json::from_value(json!({ "keys": [
            { "kty": "RSA", "kid": "sig", "use": "sig", "alg": "RS256", "n": n, "e": "AQAB" },
            { "kty": "RSA", "kid": "plain", "n": n, "e": "AQAB" },
            { "kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB" },
            { "kty": "RSA", "kid": "rs512", "alg": "RS512", "n": n, "e": "AQAB" },
            { "kty": "RSA", "n": n, "e": "AQAB" },
            { "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" },
        ]}))
        .unwrap();
        let mut kids: Vec<String> = signing_keys(&jwks).into_keys().collect();
        kids.sort();
        assert_eq!(kids, ["plain", "sig"]);
    }

    #[test]
    fn the_metadata_sits_below_the_issuer() {
        let http = reqwest::Client::new();
        for issuer in [
            "https://test.maskinporten.no/",
            "https://test.maskinporten.no",
        ] {
            let v = TokenValidator::new(MaskinportenConfig::new(issuer), http.clone()).unwrap();
            assert_eq!(
                v.shared.metadata_url,
                "https://test.maskinporten.no/.well-known/oauth-authorization-server"
            );
            assert_eq!(v.issuer(), issuer);
        }
        assert!(TokenValidator::new(MaskinportenConfig::new("not a url"), http).is_err());
    }
}
