//! A stand-in for ID-porten: an OpenID Connect provider that lets a developer pick a synthetic
//! person and an assurance level, much like ID-porten's TestID. With [`IdpConfig::employees`] the
//! same provider is the agency's employee directory instead (mounted at `/dev/ansatt`): the login
//! page offers test employees, and the id_token carries what such a directory gives (`oid`,
//! `name`, `roles`) in place of `pid` and `acr`.
//!
//! It speaks the same protocol as ID-porten (discovery, JWKS, authorization code flow with PKCE S256,
//! `state`, `nonce` and `iss` in the authorization response, PAR, `client_secret_basic`,
//! `client_secret_post` and `private_key_jwt`, RP-initiated logout and front-channel logout), so the
//! portal's client code is the production code. State lives in memory: a restart logs everyone out.
//!
//! Its signing key, `dev/keys/idporten-dev.pem`, is a development key of this built-in stand-in. It
//! is public in the source tree and must never be trusted in production; the stand-in itself is
//! refused when the configuration says production.
//!
//! The routes are relative: mount [`router`] under `/dev/idporten` and set [`IdpConfig::issuer`] to
//! the absolute URL of that prefix.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Form, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::config::Secret;
use crate::form::no::Fodselsnummer;
use crate::ratelimit::RateLimit;

/// The development signing key of this stand-in (never trusted in production).
const DEV_KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/dev/keys/idporten-dev.pem"
));

/// How long a login page may wait for the user.
const LOGIN_PAGE_TTL: Duration = Duration::from_secs(600);
/// How long a pushed authorization request may wait for the browser (RFC 9126 suggests short).
const PAR_TTL: Duration = Duration::from_secs(60);
/// Authorization codes are short-lived, as in ID-porten.
const CODE_TTL: Duration = Duration::from_secs(60);
/// Lifetime of an id_token, as in ID-porten.
const ID_TOKEN_SECONDS: u64 = 120;
/// How long the stand-in remembers a login session for logout.
const SESSION_TTL: Duration = Duration::from_secs(2 * 60 * 60);
/// Longest lifetime we accept for a client assertion (ID-porten's limit).
const MAX_ASSERTION_SECONDS: u64 = 120;
/// Token endpoint rate limit: at most this many requests per client…
const RATE_MAX: usize = 30;
/// …within this window.
const RATE_WINDOW: Duration = Duration::from_secs(10);

const ACR_SUBSTANTIAL: &str = "idporten-loa-substantial";
const ACR_HIGH: &str = "idporten-loa-high";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const PAR_URN_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// What the stand-in is configured with: its own URL and the clients it knows.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// The issuer: the absolute URL the router is mounted at, e.g.
    /// `http://127.0.0.1:8080/dev/idporten` (no trailing slash).
    pub issuer: String,
    /// The registered clients.
    pub clients: Vec<DevClient>,
    /// Synthetic people offered on the login page to pick from (fødselsnummer, name), as
    /// ID-porten's TestID lists test users; any other synthetic number may still be typed.
    pub people: Vec<(String, String)>,
    /// Test employees: when there are any, this is an employee directory, not ID-porten.
    pub employees: Vec<DevEmployee>,
}

/// A test employee of the directory stand-in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevEmployee {
    /// The directory's object id (`oid`, also `sub`).
    pub id: String,
    /// The name.
    pub name: String,
    /// App roles, as the directory writes them (`skjemaforvalter`, `saksbehandler.<area>`, `drift`).
    pub roles: Vec<String>,
}

/// A client registered with the stand-in, as an integration is registered in ID-porten's
/// self-service.
#[derive(Debug, Clone)]
pub struct DevClient {
    /// The client id.
    pub client_id: String,
    /// Secret for `client_secret_basic` and `client_secret_post`; `None` refuses both.
    pub client_secret: Option<Secret>,
    /// Public keys for `private_key_jwt`; `None` refuses it. See [`public_jwks`].
    pub jwks: Option<JwkSet>,
    /// Exact redirect URIs the client may use.
    pub redirect_uris: Vec<String>,
    /// Exact URIs the client may be sent back to after logout.
    pub post_logout_redirect_uris: Vec<String>,
    /// Where the end-session page tells the client that the user logged out (`?iss=…&sid=…`).
    pub frontchannel_logout_uri: Option<String>,
}

/// The public JWKS (one RS256 key with id `kid`) of an RSA private key in PEM (PKCS#8), for
/// registering a `private_key_jwt` client.
pub fn public_jwks(private_key_pem: &str, kid: &str) -> anyhow::Result<JwkSet> {
    let (_, n, e) = read_rsa_key(private_key_pem)?;
    Ok(serde_json::from_value(
        json!({ "keys": [rsa_jwk(&n, &e, kid)] }),
    )?)
}

/// An RSA private key in PEM, for signing, with its public modulus and exponent (base64url, as
/// in a JWK), which jsonwebtoken's crypto backend reads from the key.
fn read_rsa_key(pem: &str) -> anyhow::Result<(EncodingKey, String, String)> {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).context("reading the RSA key")?;
    let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).context("reading the RSA key")?;
    match jwk.algorithm {
        AlgorithmParameters::RSA(p) => Ok((key, p.n, p.e)),
        _ => anyhow::bail!("reading the RSA key: not an RSA key"),
    }
}

fn rsa_jwk(n: &str, e: &str, kid: &str) -> Value {
    json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e })
}

/// The stand-in's signing key (the Maskinporten stand-in signs the same way).
pub(super) struct SigningKey {
    pub(super) encoding: EncodingKey,
    decoding: DecodingKey,
    pub(super) kid: String,
    pub(super) jwk: Value,
}

impl SigningKey {
    pub(super) fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let (encoding, n, e) = read_rsa_key(pem)?;
        // The RFC 7638 thumbprint: a kid that changes exactly when the key does.
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(format!(
            r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#
        )));
        Ok(SigningKey {
            encoding,
            decoding: DecodingKey::from_rsa_components(&n, &e)?,
            jwk: rsa_jwk(&n, &e, &kid),
            kid,
        })
    }
}

/// The two assurance levels ID-porten offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acr {
    Substantial,
    High,
}

impl Acr {
    fn as_str(self) -> &'static str {
        match self {
            Acr::Substantial => ACR_SUBSTANTIAL,
            Acr::High => ACR_HIGH,
        }
    }
    fn parse(s: &str) -> Option<Acr> {
        match s {
            ACR_SUBSTANTIAL => Some(Acr::Substantial),
            ACR_HIGH => Some(Acr::High),
            _ => None,
        }
    }
}

/// A checked authorization request, waiting for the user.
#[derive(Debug, Clone)]
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: String,
    acr: Acr,
    locale: &'static str,
}

#[derive(Debug, Clone)]
struct Expiring<T> {
    value: T,
    expires: Instant,
}

/// Who logged in: a person (ID-porten) or an employee (the directory).
#[derive(Debug, Clone)]
enum Subject {
    Person(String),
    Employee(DevEmployee),
}

#[derive(Debug, Clone)]
struct CodeGrant {
    request: AuthRequest,
    subject: Subject,
    acr: Acr,
    sid: String,
    auth_time: u64,
    expires: Instant,
    used: bool,
}

#[derive(Debug)]
struct IdpSession {
    clients: BTreeSet<String>,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    /// Login pages shown, by the id in their hidden field.
    login_pages: HashMap<String, Expiring<AuthRequest>>,
    /// Pushed authorization requests, by `request_uri`.
    pushed: HashMap<String, Expiring<AuthRequest>>,
    codes: HashMap<String, CodeGrant>,
    /// Login sessions by `sid`, for logout.
    sessions: HashMap<String, IdpSession>,
    /// Client assertion ids already seen (`client_id jti`), until they expire.
    assertion_ids: HashMap<String, Instant>,
}

impl Inner {
    fn purge(&mut self, now: Instant) {
        self.login_pages.retain(|_, p| p.expires > now);
        self.pushed.retain(|_, p| p.expires > now);
        self.codes.retain(|_, c| c.expires > now);
        self.sessions.retain(|_, s| s.expires > now);
        self.assertion_ids.retain(|_, exp| *exp > now);
    }

    /// Takes a code for `client_id`: single use, short-lived.
    fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<CodeGrant, &'static str> {
        let Some(grant) = self.codes.get_mut(code) else {
            return Err("unknown or expired code");
        };
        if grant.expires <= now {
            self.codes.remove(code);
            return Err("unknown or expired code");
        }
        if grant.used {
            // RFC 6749 §4.1.2: a reused code means it leaked; revoke what it gave. The stand-in's
            // tokens open nothing but its own login session, so that session ends.
            let sid = grant.sid.clone();
            self.sessions.remove(&sid);
            return Err("code already used");
        }
        // Burnt on the first attempt, whatever follows: a leaked code is worth one guess at most.
        grant.used = true;
        if grant.request.client_id != client_id {
            return Err("code was issued to another client");
        }
        Ok(grant.clone())
    }
}

/// The stand-in's state: configuration, signing key and the logins under way.
pub struct IdpState {
    config: IdpConfig,
    /// Path part of the issuer, for the login form's action (a path keeps CSP `form-action 'self'`
    /// happy whichever host name the browser used).
    base_path: String,
    key: SigningKey,
    example_pid: String,
    inner: Mutex<Inner>,
    /// Token requests per client.
    token_requests: RateLimit,
}

impl std::fmt::Debug for IdpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpState")
            .field("issuer", &self.config.issuer)
            .field("kid", &self.key.kid)
            .finish_non_exhaustive()
    }
}

impl IdpState {
    /// The stand-in with its built-in development key.
    pub fn new(config: IdpConfig) -> anyhow::Result<IdpState> {
        Self::with_key_pem(config, DEV_KEY_PEM)
    }

    /// The stand-in signing with another RSA key (PKCS#8 PEM), e.g. for tests.
    pub fn with_key_pem(mut config: IdpConfig, pem: &str) -> anyhow::Result<IdpState> {
        config.issuer = config.issuer.trim_end_matches('/').to_owned();
        let base_path = Url::parse(&config.issuer)
            .with_context(|| format!("issuer {:?} is not a URL", config.issuer))?
            .path()
            .trim_end_matches('/')
            .to_owned();
        Ok(IdpState {
            base_path,
            key: SigningKey::from_pem(pem)?,
            example_pid: example_pid(),
            inner: Mutex::new(Inner::default()),
            token_requests: RateLimit::new(RATE_MAX, RATE_WINDOW),
            config,
        })
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// The public signing keys, as served at `/jwks`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk] })
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.config.issuer)
    }

    fn client(&self, client_id: &str) -> Option<&DevClient> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    /// The state, with expired entries dropped.
    fn lock(&self, now: Instant) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind; they are still usable.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.purge(now);
        inner
    }

    /// Whether this is the employee directory rather than ID-porten.
    fn is_directory(&self) -> bool {
        !self.config.employees.is_empty()
    }

    /// The pages' texts in `locale`, for this kind of provider.
    fn texts(&self, locale: &str) -> &'static Texts {
        let t = texts(locale);
        match (self.is_directory(), t.lang) {
            (false, _) => t,
            (true, "nn") => &NN_DIRECTORY,
            (true, "en") => &EN_DIRECTORY,
            (true, _) => &NB_DIRECTORY,
        }
    }

    fn discovery(&self) -> Value {
        if self.is_directory() {
            return json!({
                "issuer": self.config.issuer,
                "authorization_endpoint": self.endpoint("/authorize"),
                "token_endpoint": self.endpoint("/token"),
                "jwks_uri": self.endpoint("/jwks"),
                "end_session_endpoint": self.endpoint("/endsession"),
                "frontchannel_logout_supported": true,
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported":
                    ["client_secret_basic", "client_secret_post", "private_key_jwt"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["pairwise"],
                "scopes_supported": ["openid", "profile"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported":
                    ["iss", "aud", "sub", "oid", "name", "roles", "sid", "nonce", "iat", "exp"],
            });
        }
        json!({
            "issuer": self.config.issuer,
            "authorization_endpoint": self.endpoint("/authorize"),
            "token_endpoint": self.endpoint("/token"),
            "jwks_uri": self.endpoint("/jwks"),
            "pushed_authorization_request_endpoint": self.endpoint("/par"),
            "end_session_endpoint": self.endpoint("/endsession"),
            "frontchannel_logout_supported": true,
            "frontchannel_logout_session_supported": true,
            "acr_values_supported": [ACR_SUBSTANTIAL, ACR_HIGH],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "ui_locales_supported": ["nb", "nn", "en", "se"],
            "authorization_response_iss_parameter_supported": true,
            "require_pushed_authorization_requests": false,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "scopes_supported": ["openid", "profile"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported":
                ["iss", "aud", "sub", "pid", "acr", "amr", "sid", "nonce", "locale", "auth_time"],
        })
    }

    /// Checks an authorization request (from the browser or pushed by the client).
    fn check_auth_request(&self, client_id: &str, p: &Params) -> Result<AuthRequest, AuthReqError> {
        let client = self
            .client(client_id)
            .ok_or(AuthReqError::NoRedirect("unknown client_id"))?;
        let redirect_uri = p
            .get("redirect_uri")
            .ok_or(AuthReqError::NoRedirect("redirect_uri is missing"))?;
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(AuthReqError::NoRedirect(
                "redirect_uri is not registered for this client",
            ));
        }
        // From here on the redirect URI is trusted, so errors go back to the client.
        let fail = |description: &'static str| AuthReqError::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: p.get("state").map(str::to_owned),
            description,
        };
        if p.get("response_type") != Some("code") {
            return Err(fail("response_type must be code"));
        }
        if !p
            .get("scope")
            .is_some_and(|s| s.split(' ').any(|s| s == "openid"))
        {
            return Err(fail("scope must include openid"));
        }
        if p.get("code_challenge_method") != Some("S256") {
            return Err(fail("PKCE with code_challenge_method S256 is required"));
        }
        let code_challenge = p
            .get("code_challenge")
            .filter(|c| c.len() == 43)
            .ok_or(fail("code_challenge is missing or malformed"))?;
        let state = p
            .get("state")
            .filter(|s| !s.is_empty())
            .ok_or(fail("state is required"))?;
        let nonce = p
            .get("nonce")
            .filter(|s| !s.is_empty())
            .ok_or(fail("nonce is required"))?;
        // acr_values is a wish list; ID-porten logs in at the highest level asked for.
        let acr = match p.get("acr_values") {
            Some(v) if v.split(' ').any(|a| a == ACR_HIGH) => Acr::High,
            Some(v) if v.split(' ').all(|a| Acr::parse(a).is_none()) => {
                return Err(fail("acr_values holds no supported level"));
            }
            _ => Acr::Substantial,
        };
        Ok(AuthRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            state: state.to_owned(),
            nonce: nonce.to_owned(),
            code_challenge: code_challenge.to_owned(),
            acr,
            locale: choose_locale(p.get("ui_locales")),
        })
    }

    /// Authenticates the client of a token or PAR request.
    fn authenticate(
        &self,
        creds: &Credentials,
        p: &Params,
        now: Instant,
    ) -> Result<&DevClient, &'static str> {
        let claimed = creds.claimed_client_id();
        if p.get("client_id").is_some_and(|id| id != claimed) {
            return Err("client_id does not match the client authentication");
        }
        let client = self.client(claimed).ok_or("unknown client")?;
        match creds {
            Credentials::Basic { secret, .. } | Credentials::Post { secret, .. } => {
                let expected = client
                    .client_secret
                    .as_ref()
                    .ok_or("client secrets are not enabled for this client")?;
                if constant_time_eq(expected.expose().as_bytes(), secret.as_bytes()) {
                    Ok(client)
                } else {
                    Err("wrong client secret")
                }
            }
            Credentials::Assertion { jwt, .. } => {
                self.check_client_assertion(client, jwt, now)?;
                Ok(client)
            }
        }
    }

    /// Verifies a `private_key_jwt` client assertion (RFC 7523) against the client's keys.
    fn check_client_assertion(
        &self,
        client: &DevClient,
        jwt: &str,
        now: Instant,
    ) -> Result<(), &'static str> {
        let jwks = client
            .jwks
            .as_ref()
            .ok_or("private_key_jwt is not enabled for this client")?;
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| "malformed client_assertion")?;
        if header.alg != Algorithm::RS256 {
            return Err("client_assertion must be signed with RS256");
        }
        let jwk = match &header.kid {
            Some(kid) => jwks.find(kid),
            None if jwks.keys.len() == 1 => jwks.keys.first(),
            None => None,
        }
        .ok_or("no registered key matches the client_assertion")?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| "the registered key is not usable")?;
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        v.set_issuer(&[&client.client_id]);
        v.sub = Some(client.client_id.clone());
        // ID-porten wants its issuer; RFC 7523 also allows the endpoint itself.
        v.set_audience(&[
            self.config.issuer.clone(),
            self.endpoint("/token"),
            self.endpoint("/par"),
        ]);
        #[derive(Deserialize)]
        struct AssertionClaims {
            exp: u64,
            iat: Option<u64>,
            jti: Option<String>,
        }
        let claims = jsonwebtoken::decode::<AssertionClaims>(jwt, &key, &v)
            .map_err(|_| "client_assertion is not valid")?
            .claims;
        let issued = claims.iat.ok_or("client_assertion has no iat")?;
        if claims.exp.saturating_sub(issued) > MAX_ASSERTION_SECONDS {
            return Err("client_assertion lives too long");
        }
        let jti = claims.jti.ok_or("client_assertion has no jti")?;
        let remaining = claims.exp.saturating_sub(unix_now()) + v.leeway;
        let mut inner = self.lock(now);
        let seen_key = format!("{} {jti}", client.client_id);
        if inner.assertion_ids.contains_key(&seen_key) {
            return Err("client_assertion was already used");
        }
        inner
            .assertion_ids
            .insert(seen_key, now + Duration::from_secs(remaining));
        Ok(())
    }

    fn id_token(&self, grant: &CodeGrant) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = unix_now();
        let claims = match &grant.subject {
            Subject::Person(pid) => json!({
                "iss": self.config.issuer,
                "aud": grant.request.client_id,
                "sub": pairwise_sub(pid, &grant.request.client_id),
                "pid": pid,
                "acr": grant.acr.as_str(),
                "amr": ["TestID"],
                "sid": grant.sid,
                "nonce": grant.request.nonce,
                "locale": grant.request.locale,
                "iat": iat,
                "exp": iat + ID_TOKEN_SECONDS,
                "auth_time": grant.auth_time,
                "jti": random_token(),
            }),
            Subject::Employee(e) => json!({
                "iss": self.config.issuer,
                "aud": grant.request.client_id,
                "sub": e.id,
                "oid": e.id,
                "name": e.name,
                "roles": e.roles,
                "sid": grant.sid,
                "nonce": grant.request.nonce,
                "iat": iat,
                "exp": iat + ID_TOKEN_SECONDS,
                "auth_time": grant.auth_time,
                "jti": random_token(),
            }),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, &claims, &self.key.encoding)
    }

    /// Reads an `id_token_hint`: our own signature and issuer, expired or not (RP-initiated logout
    /// usually comes long after the token expired). Gives the client and the login session.
    fn read_hint(&self, raw: &str) -> Option<(String, String)> {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.set_required_spec_claims(&["iss"]);
        v.set_issuer(&[&self.config.issuer]);
        #[derive(Deserialize)]
        struct Hint {
            aud: String,
            sid: String,
        }
        let hint = jsonwebtoken::decode::<Hint>(raw, &self.key.decoding, &v)
            .ok()?
            .claims;
        Some((hint.aud, hint.sid))
    }
}

/// Why an authorization request was refused.
#[derive(Debug)]
enum AuthReqError {
    /// The client or redirect URI cannot be trusted: show an error, never redirect.
    NoRedirect(&'static str),
    /// Reported to the client at its (checked) redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        description: &'static str,
    },
}

/// Request parameters; OAuth forbids repeating one, so a repeat is refused rather than guessed at.
#[derive(Debug, Default)]
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn parse(encoded: &str) -> Result<Params, &'static str> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(encoded).map_err(|_| "malformed parameters")?;
        let mut map = HashMap::with_capacity(pairs.len());
        for (k, v) in pairs {
            if map.insert(k, v).is_some() {
                return Err("a parameter is repeated");
            }
        }
        Ok(Params(map))
    }
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// The parameters of a form-encoded body.
    pub(super) fn from_body(body: &[u8]) -> Result<Params, &'static str> {
        std::str::from_utf8(body)
            .map_err(|_| "malformed parameters")
            .and_then(Params::parse)
    }
}

/// How a client authenticated a back-channel request. (No `Debug`: it holds secrets.)
enum Credentials {
    Basic { client_id: String, secret: String },
    Post { client_id: String, secret: String },
    Assertion { client_id: String, jwt: String },
}

impl Credentials {
    fn read(headers: &HeaderMap, p: &Params) -> Result<Credentials, &'static str> {
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Basic "));
        let post = p.get("client_secret");
        let assertion = p.get("client_assertion");
        // RFC 6749 §2.3: one authentication method per request.
        match (basic, post, assertion) {
            (Some(b), None, None) => {
                let decoded = STANDARD
                    .decode(b.trim())
                    .ok()
                    .and_then(|d| String::from_utf8(d).ok())
                    .ok_or("malformed Basic credentials")?;
                let (id, secret) = decoded
                    .split_once(':')
                    .ok_or("malformed Basic credentials")?;
                // RFC 6749 §2.3.1: both halves are form-encoded before Basic encoding.
                Ok(Credentials::Basic {
                    client_id: form_decode(id).ok_or("malformed Basic credentials")?,
                    secret: form_decode(secret).ok_or("malformed Basic credentials")?,
                })
            }
            (None, Some(secret), None) => Ok(Credentials::Post {
                client_id: p.get("client_id").ok_or("client_id is missing")?.to_owned(),
                secret: secret.to_owned(),
            }),
            (None, None, Some(jwt)) => {
                if p.get("client_assertion_type") != Some(JWT_BEARER) {
                    return Err("unsupported client_assertion_type");
                }
                #[derive(Deserialize)]
                struct Iss {
                    iss: String,
                }
                // Unverified here: it only names the client whose key then verifies it.
                let iss = jsonwebtoken::dangerous::insecure_decode_claims::<Iss>(jwt)
                    .map_err(|_| "malformed client_assertion")?
                    .iss;
                Ok(Credentials::Assertion {
                    client_id: iss,
                    jwt: jwt.to_owned(),
                })
            }
            (None, None, None) => Err("client authentication is required"),
            _ => Err("use exactly one client authentication method"),
        }
    }

    fn claimed_client_id(&self) -> &str {
        match self {
            Credentials::Basic { client_id, .. }
            | Credentials::Post { client_id, .. }
            | Credentials::Assertion { client_id, .. } => client_id,
        }
    }
}

fn form_decode(s: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={s}")).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

/// The stand-in's routes, relative to where it is mounted (`/dev/idporten`).
pub fn router(state: Arc<IdpState>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(view_discovery))
        .route("/jwks", get(view_jwks))
        .route(
            "/authorize",
            get(view_authorize_get).post(view_authorize_post),
        )
        .route("/par", post(view_par))
        .route("/token", post(view_token))
        .route("/endsession", get(view_endsession))
        .with_state(state)
}

async fn view_discovery(State(idp): State<Arc<IdpState>>) -> Response {
    axum::Json(idp.discovery()).into_response()
}

async fn view_jwks(State(idp): State<Arc<IdpState>>) -> Response {
    axum::Json(idp.jwks()).into_response()
}

async fn view_authorize_get(State(idp): State<Arc<IdpState>>, RawQuery(q): RawQuery) -> Response {
    let now = Instant::now();
    let p = match Params::parse(q.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return error_page(&NB, StatusCode::BAD_REQUEST, e),
    };
    let texts = idp.texts(choose_locale(p.get("ui_locales")));
    let Some(client_id) = p.get("client_id") else {
        return error_page(texts, StatusCode::BAD_REQUEST, "client_id is missing");
    };
    let request = if let Some(uri) = p.get("request_uri") {
        // RFC 9126: a pushed request is used once, by the client that pushed it.
        match idp.lock(now).pushed.remove(uri) {
            Some(r) if r.value.client_id == client_id => r.value,
            _ => {
                return error_page(
                    texts,
                    StatusCode::BAD_REQUEST,
                    "request_uri is unknown, expired or already used",
                );
            }
        }
    } else {
        match idp.check_auth_request(client_id, &p) {
            Ok(r) => r,
            Err(AuthReqError::NoRedirect(e)) => {
                return error_page(texts, StatusCode::BAD_REQUEST, e);
            }
            Err(AuthReqError::Redirect {
                redirect_uri,
                state,
                description,
            }) => {
                return redirect_with_error(
                    &idp,
                    &redirect_uri,
                    state.as_deref(),
                    "invalid_request",
                    description,
                );
            }
        }
    };
    let login_id = random_token();
    idp.lock(now).login_pages.insert(
        login_id.clone(),
        Expiring {
            value: request.clone(),
            expires: now + LOGIN_PAGE_TTL,
        },
    );
    login_page(&idp, &login_id, &request, None, "")
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    pid: Option<String>,
    ansatt: Option<String>,
    acr: Option<String>,
    action: Option<String>,
}

async fn view_authorize_post(
    State(idp): State<Arc<IdpState>>,
    Form(f): Form<LoginForm>,
) -> Response {
    let now = Instant::now();
    let request = idp
        .lock(now)
        .login_pages
        .get(&f.login)
        .map(|r| r.value.clone());
    let Some(request) = request else {
        return error_page(
            &NB,
            StatusCode::BAD_REQUEST,
            "this login has expired; start again from the service",
        );
    };
    let texts = idp.texts(request.locale);
    if f.action.as_deref() == Some("cancel") {
        idp.lock(now).login_pages.remove(&f.login);
        return redirect_with_error(
            &idp,
            &request.redirect_uri,
            Some(&request.state),
            "access_denied",
            "the user cancelled the login",
        );
    }
    let (subject, acr) = if idp.is_directory() {
        let chosen = f.ansatt.unwrap_or_default();
        match idp.config.employees.iter().find(|e| e.id == chosen) {
            Some(e) => (Subject::Employee(e.clone()), Acr::Substantial),
            None => {
                return login_page(&idp, &f.login, &request, Some(texts.no_employee), &chosen);
            }
        }
    } else {
        let typed = f.pid.unwrap_or_default();
        let pid = match Fodselsnummer::parse(&typed) {
            // Only Tenor-style test numbers: a developer machine should never hold a real person.
            Ok(pid) if pid.is_synthetic() => pid,
            Ok(_) => {
                return login_page(&idp, &f.login, &request, Some(texts.not_synthetic), &typed);
            }
            Err(_) => {
                return login_page(&idp, &f.login, &request, Some(texts.invalid_pid), &typed);
            }
        };
        let Some(acr) = f.acr.as_deref().and_then(Acr::parse) else {
            return login_page(&idp, &f.login, &request, Some(texts.no_level), &typed);
        };
        (Subject::Person(pid.as_str().to_owned()), acr)
    };
    let sid = random_token();
    let code = random_token();
    {
        let mut inner = idp.lock(now);
        if inner.login_pages.remove(&f.login).is_none() {
            // The same form was submitted twice at once; the first one won.
            return error_page(texts, StatusCode::BAD_REQUEST, texts.expired);
        }
        inner.sessions.insert(
            sid.clone(),
            IdpSession {
                clients: BTreeSet::from([request.client_id.clone()]),
                expires: now + SESSION_TTL,
            },
        );
        inner.codes.insert(
            code.clone(),
            CodeGrant {
                subject,
                acr,
                sid,
                auth_time: unix_now(),
                expires: now + CODE_TTL,
                used: false,
                request: request.clone(),
            },
        );
    }
    let Ok(mut url) = Url::parse(&request.redirect_uri) else {
        return error_page(texts, StatusCode::BAD_REQUEST, "redirect_uri is not a URL");
    };
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &request.state)
        .append_pair("iss", idp.issuer());
    Redirect::to(url.as_str()).into_response()
}

/// Sends an error back to the client's (already checked) redirect URI, with `iss` (RFC 9207).
fn redirect_with_error(
    idp: &IdpState,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(&NB, StatusCode::BAD_REQUEST, "redirect_uri is not a URL");
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("error", error)
            .append_pair("error_description", description);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", idp.issuer());
    }
    Redirect::to(url.as_str()).into_response()
}

async fn view_par(
    State(idp): State<Arc<IdpState>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let now = Instant::now();
    let p = match Params::from_body(&body) {
        Ok(p) => p,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e),
    };
    let client =
        match Credentials::read(&headers, &p).and_then(|creds| idp.authenticate(&creds, &p, now)) {
            Ok(c) => c,
            Err(e) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", e),
        };
    if p.get("request_uri").is_some() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri cannot be pushed",
        );
    }
    let request = match idp.check_auth_request(&client.client_id, &p) {
        Ok(r) => r,
        Err(AuthReqError::NoRedirect(e)) => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e);
        }
        Err(AuthReqError::Redirect { description, .. }) => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description);
        }
    };
    let request_uri = format!("{PAR_URN_PREFIX}{}", random_token());
    idp.lock(now).pushed.insert(
        request_uri.clone(),
        Expiring {
            value: request,
            expires: now + PAR_TTL,
        },
    );
    let body = json!({ "request_uri": request_uri, "expires_in": PAR_TTL.as_secs() });
    no_store((StatusCode::CREATED, axum::Json(body)).into_response())
}

async fn view_token(
    State(idp): State<Arc<IdpState>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let now = Instant::now();
    let p = match Params::from_body(&body) {
        Ok(p) => p,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e),
    };
    let creds = match Credentials::read(&headers, &p) {
        Ok(c) => c,
        Err(e) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", e),
    };
    // Counted before any signature is checked, so the limit also caps that work. Unknown client
    // ids share one bucket, so made-up ids cannot grow the table.
    let bucket = match idp.client(creds.claimed_client_id()) {
        Some(c) => c.client_id.as_str(),
        None => "",
    };
    if !idp.token_requests.allow_at(bucket, now) {
        return rate_limited(RATE_WINDOW);
    }
    let client = match idp.authenticate(&creds, &p, now) {
        Ok(c) => c,
        Err(e) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", e),
    };
    if p.get("grant_type") != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code is supported",
        );
    }
    let Some(code) = p.get("code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is missing",
        );
    };
    let grant = match idp.lock(now).redeem_code(code, &client.client_id, now) {
        Ok(g) => g,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", e),
    };
    if p.get("redirect_uri") != Some(grant.request.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        );
    }
    if !p
        .get("code_verifier")
        .is_some_and(|v| pkce_matches(v, &grant.request.code_challenge))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code_verifier does not match the code_challenge",
        );
    }
    let id_token = match idp.id_token(&grant) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "the ID-porten stand-in could not sign an id_token");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "signing failed",
            );
        }
    };
    let body = json!({
        "access_token": random_token(),
        "id_token": id_token,
        "token_type": "Bearer",
        "expires_in": ID_TOKEN_SECONDS,
        "scope": "openid",
    });
    no_store(axum::Json(body).into_response())
}

async fn view_endsession(State(idp): State<Arc<IdpState>>, RawQuery(q): RawQuery) -> Response {
    let now = Instant::now();
    let p = match Params::parse(q.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return error_page(&NB, StatusCode::BAD_REQUEST, e),
    };
    let texts = idp.texts(choose_locale(p.get("ui_locales")));
    let mut client: Option<&DevClient> = None;
    let mut sid: Option<String> = None;
    if let Some(hint) = p.get("id_token_hint") {
        let Some((aud, hint_sid)) = idp.read_hint(hint) else {
            return error_page(
                texts,
                StatusCode::BAD_REQUEST,
                "id_token_hint is not a token from this provider",
            );
        };
        client = idp.client(&aud);
        sid = Some(hint_sid);
    }
    if let Some(id) = p.get("client_id") {
        match (client, idp.client(id)) {
            (Some(c), _) if c.client_id != id => {
                return error_page(
                    texts,
                    StatusCode::BAD_REQUEST,
                    "client_id does not match id_token_hint",
                );
            }
            (None, Some(c)) => client = Some(c),
            (None, None) => {
                return error_page(texts, StatusCode::BAD_REQUEST, "unknown client_id");
            }
            _ => {}
        }
    }
    // Only a registered URI of an identified client: otherwise this is an open redirect.
    let back = match p.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => match client {
            Some(c) if c.post_logout_redirect_uris.iter().any(|u| u == uri) => {
                let Ok(mut url) = Url::parse(uri) else {
                    return error_page(texts, StatusCode::BAD_REQUEST, "not a URL");
                };
                if let Some(state) = p.get("state") {
                    url.query_pairs_mut().append_pair("state", state);
                }
                Some(url)
            }
            _ => {
                return error_page(
                    texts,
                    StatusCode::BAD_REQUEST,
                    "post_logout_redirect_uri is not registered for this client",
                );
            }
        },
    };
    let ended = sid
        .as_deref()
        .and_then(|s| idp.lock(now).sessions.remove(s))
        .map(|s| s.clients)
        .unwrap_or_default();
    // Every client that took part in the login session hears of its end, by sid (front-channel
    // logout: the iframes load without JavaScript and carry no cookies of ours).
    let frames: Vec<Url> = ended
        .iter()
        .filter_map(|id| idp.client(id)?.frontchannel_logout_uri.as_deref())
        .filter_map(|uri| {
            let mut url = Url::parse(uri).ok()?;
            url.query_pairs_mut()
                .append_pair("iss", idp.issuer())
                .append_pair("sid", sid.as_deref().unwrap_or_default());
            Some(url)
        })
        .collect();
    let mut body = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        esc(texts.logged_out_title),
        esc(texts.logged_out)
    );
    for f in &frames {
        body.push_str(&format!(
            "<iframe src=\"{}\" title=\"{}\" hidden></iframe>\n",
            esc(f.as_str()),
            esc(texts.frame_title)
        ));
    }
    if let Some(url) = back {
        body.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            esc(url.as_str()),
            esc(texts.back)
        ));
    }
    page(texts, StatusCode::OK, texts.logged_out_title, &body)
}

/// The test people as suggestions for the number field (a `datalist`: no script needed).
fn people_list(people: &[(String, String)]) -> String {
    if people.is_empty() {
        return String::new();
    }
    let mut out = String::from("<datalist id=\"people\">\n");
    for (pid, name) in people {
        out.push_str(&format!(
            "<option value=\"{}\" label=\"{}\"></option>\n",
            esc(pid),
            esc(name)
        ));
    }
    out.push_str("</datalist>\n");
    out
}

/// The login page: a synthetic fødselsnummer and a level, as plain HTML (no script, no inline style).
fn login_page(
    idp: &IdpState,
    login_id: &str,
    request: &AuthRequest,
    error: Option<&str>,
    typed: &str,
) -> Response {
    let t = idp.texts(request.locale);
    if idp.is_directory() {
        return employee_page(idp, t, login_id, request, error, typed);
    }
    let mut body = page_head(t, request, error, "pid-error");
    // An error is tied to the field it is about, for screen readers.
    let (described, invalid) = if error.is_some() {
        ("pid-hint pid-error", " aria-invalid=\"true\"")
    } else {
        ("pid-hint", "")
    };
    body.push_str(&format!(
        "<form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"login\" value=\"{login}\">\n\
         <p><label for=\"pid\">{label}</label><br>\n\
         <span id=\"pid-hint\">{hint}</span><br>\n\
         <input id=\"pid\" name=\"pid\" type=\"text\" inputmode=\"numeric\" autocomplete=\"off\" \
         spellcheck=\"false\" required value=\"{typed}\" aria-describedby=\"{described}\"{invalid}{list}></p>\n\
         {people}<fieldset>\n<legend>{legend}</legend>\n",
        list = if idp.config.people.is_empty() {
            ""
        } else {
            " list=\"people\""
        },
        people = people_list(&idp.config.people),
        action = esc(&format!("{}/authorize", idp.base_path)),
        login = esc(login_id),
        label = esc(t.pid_label),
        hint = esc(&t.pid_hint.replace("{example}", &idp.example_pid)),
        typed = esc(typed),
        legend = esc(t.level_legend),
    ));
    for (acr, id, label) in [
        (Acr::Substantial, "acr-substantial", t.substantial),
        (Acr::High, "acr-high", t.high),
    ] {
        body.push_str(&format!(
            "<p><input type=\"radio\" id=\"{id}\" name=\"acr\" value=\"{value}\"{checked}> \
             <label for=\"{id}\">{label}</label></p>\n",
            value = acr.as_str(),
            checked = if acr == request.acr { " checked" } else { "" },
            label = esc(label),
        ));
    }
    body.push_str("</fieldset>\n");
    login_form_end(t, body, error)
}

/// The employee directory's login page: a choice of test employee, as plain HTML.
fn employee_page(
    idp: &IdpState,
    t: &Texts,
    login_id: &str,
    request: &AuthRequest,
    error: Option<&str>,
    chosen: &str,
) -> Response {
    let mut body = page_head(t, request, error, "ansatt-error");
    let invalid = if error.is_some() {
        " aria-invalid=\"true\" aria-describedby=\"ansatt-error\""
    } else {
        ""
    };
    body.push_str(&format!(
        "<form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"login\" value=\"{login}\">\n\
         <p><label for=\"ansatt\">{label}</label><br>\n\
         <select id=\"ansatt\" name=\"ansatt\" required{invalid}>\n",
        action = esc(&format!("{}/authorize", idp.base_path)),
        login = esc(login_id),
        label = esc(t.pid_label),
    ));
    for e in &idp.config.employees {
        body.push_str(&format!(
            "<option value=\"{id}\"{selected}>{name}</option>\n",
            id = esc(&e.id),
            selected = if e.id == chosen { " selected" } else { "" },
            name = esc(&e.name),
        ));
    }
    // The roles beside the list, not in it: a list as wide as its longest role would not fit a
    // narrow screen.
    body.push_str("</select></p>\n<ul id=\"ansatt-roles\">\n");
    for e in &idp.config.employees {
        body.push_str(&format!(
            "<li>{}: {}</li>\n",
            esc(&e.name),
            esc(&e.roles.join(", "))
        ));
    }
    body.push_str("</ul>\n");
    login_form_end(t, body, error)
}

/// The start of both login pages: the title, the error (by `error_id`, which the field it is
/// about names), and which service asks.
fn page_head(t: &Texts, request: &AuthRequest, error: Option<&str>, error_id: &str) -> String {
    let mut body = format!("<h1>{}</h1>\n", esc(t.title));
    if let Some(e) = error {
        body.push_str(&format!(
            "<div role=\"alert\"><p id=\"{error_id}\">{}</p></div>\n",
            esc(e)
        ));
    }
    body.push_str(&format!(
        "<p>{}</p>\n<p>{}: <strong>{}</strong></p>\n",
        esc(t.intro),
        esc(t.service),
        esc(&request.client_id)
    ));
    body
}

/// The end of both login pages: log in or cancel; 400 when the page shows an error.
fn login_form_end(t: &Texts, mut body: String, error: Option<&str>) -> Response {
    body.push_str(&format!(
        "<p><button type=\"submit\" name=\"action\" value=\"login\">{login}</button>\n\
         <button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></p>\n\
         </form>\n",
        login = esc(t.login),
        cancel = esc(t.cancel),
    ));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    page(t, status, t.title, &body)
}

fn error_page(t: &Texts, status: StatusCode, message: &str) -> Response {
    let body = format!("<h1>{}</h1>\n<p>{}</p>\n", esc(t.error_title), esc(message));
    page(t, status, t.error_title, &body)
}

fn page(t: &Texts, status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – {site}</title>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        lang = t.lang,
        title = esc(title),
        site = esc(t.site),
    );
    no_store((status, Html(html)).into_response())
}

/// The answer to a client over its token request limit for `window`.
pub(super) fn rate_limited(window: Duration) -> Response {
    let mut r = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many token requests; try again shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(window.as_secs()));
    r
}

/// An OAuth error answer (RFC 6749 §5.2), never cached.
pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    no_store((status, axum::Json(body)).into_response())
}

/// RFC 6749 §5.1: token responses must not be cached.
pub(super) fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// HTML-escapes text for element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first of `ui_locales` that ID-porten supports; bokmål otherwise.
fn choose_locale(ui_locales: Option<&str>) -> &'static str {
    ui_locales
        .unwrap_or_default()
        .split(' ')
        .find_map(|l| match l.to_ascii_lowercase().as_str() {
            "nb" | "no" | "nb-no" => Some("nb"),
            "nn" | "nn-no" => Some("nn"),
            "en" => Some("en"),
            "se" => Some("se"),
            _ => None,
        })
        .unwrap_or("nb")
}

/// 32 random bytes, base64url: codes, session ids, request ids.
pub(super) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A stable pseudonym per person and client, as ID-porten's pairwise `sub`.
fn pairwise_sub(pid: &str, client_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!(
        "idporten-dev pairwise\n{client_id}\n{pid}"
    )))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && constant_time_eq(
            URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()))
                .as_bytes(),
            challenge.as_bytes(),
        )
}

/// Compares secrets without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A synthetic fødselsnummer to show as an example: 1 January 1980, month + 80.
fn example_pid() -> String {
    (100..1000)
        .map(|individ| format!("018180{individ:03}"))
        .find_map(|nine| {
            (0..100)
                .map(|k| format!("{nine}{k:02}"))
                .find(|s| Fodselsnummer::parse(s).is_ok())
        })
        .unwrap_or_default()
}

/// The fixed texts of the stand-in's pages.
struct Texts {
    lang: &'static str,
    site: &'static str,
    title: &'static str,
    intro: &'static str,
    service: &'static str,
    pid_label: &'static str,
    pid_hint: &'static str,
    level_legend: &'static str,
    substantial: &'static str,
    high: &'static str,
    login: &'static str,
    cancel: &'static str,
    invalid_pid: &'static str,
    not_synthetic: &'static str,
    no_level: &'static str,
    no_employee: &'static str,
    expired: &'static str,
    error_title: &'static str,
    logged_out_title: &'static str,
    logged_out: &'static str,
    frame_title: &'static str,
    back: &'static str,
}

const NB: Texts = Texts {
    lang: "nb",
    site: "ID-porten (testinnlogging)",
    title: "Logg inn med testbruker",
    intro: "Dette er en innebygd testinnlogging for utvikling. Bruk bare syntetiske fødselsnumre.",
    service: "Tjeneste",
    pid_label: "Fødselsnummer",
    pid_hint: "11 siffer, syntetisk (måned + 80), for eksempel {example}.",
    level_legend: "Sikkerhetsnivå",
    substantial: "Betydelig (idporten-loa-substantial)",
    high: "Høyt (idporten-loa-high)",
    login: "Logg inn",
    cancel: "Avbryt",
    invalid_pid: "Fødselsnummeret er ikke gyldig. Skriv 11 siffer.",
    not_synthetic: "Bruk et syntetisk fødselsnummer (måned + 80), ikke et ekte.",
    no_level: "Velg sikkerhetsnivå.",
    no_employee: "Velg en testansatt fra listen.",
    expired: "Innloggingen er utløpt. Start på nytt fra tjenesten.",
    error_title: "Noe gikk galt",
    logged_out_title: "Du er logget ut",
    logged_out: "Du er logget ut av testinnloggingen og tjenestene du brukte.",
    frame_title: "Utlogging fra tjenesten",
    back: "Tilbake til tjenesten",
};

const NN: Texts = Texts {
    lang: "nn",
    site: "ID-porten (testinnlogging)",
    title: "Logg inn med testbrukar",
    intro: "Dette er ei innebygd testinnlogging for utvikling. Bruk berre syntetiske fødselsnummer.",
    service: "Teneste",
    pid_label: "Fødselsnummer",
    pid_hint: "11 siffer, syntetisk (månad + 80), til dømes {example}.",
    level_legend: "Tryggleiksnivå",
    substantial: "Betydeleg (idporten-loa-substantial)",
    high: "Høgt (idporten-loa-high)",
    login: "Logg inn",
    cancel: "Avbryt",
    invalid_pid: "Fødselsnummeret er ikkje gyldig. Skriv 11 siffer.",
    not_synthetic: "Bruk eit syntetisk fødselsnummer (månad + 80), ikkje eit ekte.",
    no_level: "Vel tryggleiksnivå.",
    no_employee: "Vel ein testtilsett frå lista.",
    expired: "Innlogginga er gått ut. Start på nytt frå tenesta.",
    error_title: "Noko gjekk gale",
    logged_out_title: "Du er logga ut",
    logged_out: "Du er logga ut av testinnlogginga og tenestene du brukte.",
    frame_title: "Utlogging frå tenesta",
    back: "Tilbake til tenesta",
};

const EN: Texts = Texts {
    lang: "en",
    site: "ID-porten (test login)",
    title: "Log in as a test user",
    intro: "This is a built-in test login for development. Use synthetic national identity numbers only.",
    service: "Service",
    pid_label: "National identity number",
    pid_hint: "11 digits, synthetic (month + 80), for example {example}.",
    level_legend: "Level of assurance",
    substantial: "Substantial (idporten-loa-substantial)",
    high: "High (idporten-loa-high)",
    login: "Log in",
    cancel: "Cancel",
    invalid_pid: "The national identity number is not valid. Enter 11 digits.",
    not_synthetic: "Use a synthetic number (month + 80), not a real one.",
    no_level: "Choose a level of assurance.",
    no_employee: "Choose a test employee from the list.",
    expired: "This login has expired. Start again from the service.",
    error_title: "Something went wrong",
    logged_out_title: "You are logged out",
    logged_out: "You are logged out of the test login and the services you used.",
    frame_title: "Logging out of the service",
    back: "Back to the service",
};

/// The employee directory's pages: the same words where they mean the same.
const NB_DIRECTORY: Texts = Texts {
    site: "Ansattpålogging (test)",
    title: "Logg inn som testansatt",
    intro: "Dette er en innebygd pålogging for Skatteetatens ansatte, til utvikling. Alle ansatte her er oppdiktet.",
    pid_label: "Testansatt",
    logged_out: "Du er logget ut av ansattpåloggingen og tjenestene du brukte.",
    ..NB
};

const NN_DIRECTORY: Texts = Texts {
    site: "Tilsettpålogging (test)",
    title: "Logg inn som testtilsett",
    intro: "Dette er ei innebygd pålogging for dei tilsette i Skatteetaten, til utvikling. Alle tilsette her er oppdikta.",
    pid_label: "Testtilsett",
    logged_out: "Du er logga ut av tilsettpålogginga og tenestene du brukte.",
    ..NN
};

const EN_DIRECTORY: Texts = Texts {
    site: "Employee login (test)",
    title: "Log in as a test employee",
    intro: "This is a built-in login for the Norwegian Tax Administration's employees, for development. Every employee here is made up.",
    pid_label: "Test employee",
    logged_out: "You are logged out of the employee login and the services you used.",
    ..EN
};

/// Texts for a locale; Northern Sami pages are not written, so `se` shows bokmål.
fn texts(locale: &str) -> &'static Texts {
    match locale {
        "nn" => &NN,
        "en" => &EN,
        _ => &NB,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(client_id: &str, now: Instant) -> CodeGrant {
        CodeGrant {
            request: AuthRequest {
                client_id: client_id.into(),
                redirect_uri: "http://localhost/cb".into(),
                state: "s".into(),
                nonce: "n".into(),
                code_challenge: "c".into(),
                acr: Acr::Substantial,
                locale: "nb",
            },
            subject: Subject::Person(example_pid()),
            acr: Acr::Substantial,
            sid: "sid".into(),
            auth_time: 0,
            expires: now + CODE_TTL,
            used: false,
        }
    }

    #[test]
    fn a_code_is_single_use_and_short_lived() {
        let now = Instant::now();
        let mut inner = Inner::default();
        inner.codes.insert("a".into(), grant("c1", now));
        inner.codes.insert("b".into(), grant("c1", now));
        assert!(inner.redeem_code("a", "c1", now).is_ok());
        assert_eq!(
            inner.redeem_code("a", "c1", now).unwrap_err(),
            "code already used"
        );
        let later = now + CODE_TTL + Duration::from_secs(1);
        assert!(inner.redeem_code("b", "c1", later).is_err());
    }

    #[test]
    fn a_code_is_burnt_even_when_another_client_presents_it() {
        let now = Instant::now();
        let mut inner = Inner::default();
        inner.codes.insert("a".into(), grant("c1", now));
        assert!(inner.redeem_code("a", "c2", now).is_err());
        assert!(inner.redeem_code("a", "c1", now).is_err());
    }

    #[test]
    fn the_token_rate_limit_counts_per_client_and_window() {
        let now = Instant::now();
        let limit = RateLimit::new(RATE_MAX, RATE_WINDOW);
        for _ in 0..RATE_MAX {
            assert!(limit.allow_at("c1", now));
        }
        assert!(!limit.allow_at("c1", now));
        assert!(limit.allow_at("c2", now));
        assert!(limit.allow_at("c1", now + RATE_WINDOW));
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        assert!(!pkce_matches("short", challenge));
    }

    #[test]
    fn the_example_pid_is_a_synthetic_fodselsnummer() {
        let pid = Fodselsnummer::parse(&example_pid()).unwrap();
        assert!(pid.is_synthetic());
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(Params::parse("a=1&b=2").is_ok());
        assert!(Params::parse("a=1&a=2").is_err());
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let raw = STANDARD.encode("my%3Aclient:p%26ss+word");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {raw}")).unwrap(),
        );
        match Credentials::read(&headers, &Params::default()).unwrap() {
            Credentials::Basic { client_id, secret } => {
                assert_eq!(client_id, "my:client");
                assert_eq!(secret, "p&ss word");
            }
            _ => panic!("expected Basic credentials"),
        }
    }

    #[test]
    fn the_built_in_key_loads() {
        let idp = IdpState::new(IdpConfig {
            issuer: "http://127.0.0.1:1/dev/idporten/".into(),
            clients: vec![],
            people: vec![],
            employees: vec![],
        })
        .unwrap();
        assert_eq!(idp.issuer(), "http://127.0.0.1:1/dev/idporten");
        assert_eq!(idp.base_path, "/dev/idporten");
        assert_eq!(idp.jwks()["keys"][0]["kid"], idp.key.kid.as_str());
    }
}
