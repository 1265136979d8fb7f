//! A stand-in for Maskinporten: an OAuth authorization server that gives system-user tokens to
//! registered clients, as Maskinporten does for a vendor's system acting for its customers.
//!
//! It answers like Maskinporten: authorization server metadata, JWKS, and a token endpoint for the
//! JWT bearer grant (RFC 7523) where the client signs the grant with its registered key, names the
//! scopes and, for a system user, the organisation in `authorization_details`. The access tokens
//! are RS256 JWTs with Maskinporten's claims, so the portal's
//! [`TokenValidator`](crate::auth::maskinporten::TokenValidator) checks them exactly as it checks
//! the real ones.
//!
//! Its signing key, `dev/keys/maskinporten-dev.pem`, and the clients' key,
//! `dev/keys/maskinporten-dev-client.pem`, are development keys. They are public in the source tree
//! and must never be trusted in production; the stand-in itself is refused when the configuration
//! says production.
//!
//! The routes are relative: mount [`router`] under `/dev/maskinporten` and give
//! [`MaskinportenState::new`] the absolute URL of that prefix, with a trailing slash, as issuer.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::idporten::{
    Params, SigningKey, no_store, oauth_error, public_jwks, random_token, rate_limited,
};
use super::registry::Registry;
use crate::auth::maskinporten::{ORG_AUTHORITY, SYSTEM_USER_TYPE, iso6523_id, orgnr_of_iso6523};
use crate::form::Catalog;
use crate::form::no::Orgnr;
use crate::ratelimit::RateLimit;

/// The development signing key of this stand-in (never trusted in production).
const DEV_KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/dev/keys/maskinporten-dev.pem"
));
/// The development key of the clients built from the registry (never trusted in production).
const DEV_CLIENT_KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/dev/keys/maskinporten-dev-client.pem"
));

/// The grant type of the token endpoint (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime of an access token, as Maskinporten's default.
const TOKEN_SECONDS: u64 = 120;
/// Longest lifetime accepted for a grant (Maskinporten's limit).
const MAX_ASSERTION_SECONDS: u64 = 120;
/// Clock skew tolerated on a grant's `iat` and `exp`.
const ASSERTION_LEEWAY: u64 = 10;
/// Token endpoint rate limit: at most this many requests per client…
const RATE_MAX: usize = 30;
/// …within this window.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// A client registered with the stand-in: a vendor's system, as registered in Maskinporten's
/// self-service with a public key.
#[derive(Debug, Clone)]
pub struct DevM2mClient {
    /// The client id (the grant's `iss`).
    pub client_id: String,
    /// The vendor's organisation number (the token's `consumer`).
    pub org: String,
    /// The vendor's system in Altinn's system register; system users are created for it.
    pub system_id: String,
    /// The scopes the client may ask for.
    pub scopes: Vec<String>,
    /// The client's public RS256 key; its `kid` is unique among the clients.
    pub public_jwk: Jwk,
}

impl DevM2mClient {
    /// One client for each system that has system users in the registry, all signing with the
    /// development client key and registered for `scopes`. The vendor is the organisation
    /// number that starts the system id (`311800051_…`), as in Altinn's system register.
    pub fn from_registry(registry: &Registry, scopes: &[String]) -> anyhow::Result<Vec<Self>> {
        let systems: BTreeSet<&str> = registry
            .system_users()
            .iter()
            .filter_map(|s| s.system_id.as_deref())
            .collect();
        systems
            .into_iter()
            .map(|system_id| {
                let org = system_id
                    .split('_')
                    .next()
                    .and_then(|o| Orgnr::parse(o).ok())
                    .with_context(|| {
                        format!(
                            "the system id {system_id:?} does not start with the vendor's orgnr"
                        )
                    })?;
                let hash = Sha256::digest(format!("tasteskjema-dev-maskinporten:{system_id}"));
                let client_id = uuid::Builder::from_custom_bytes(hash[..16].try_into()?)
                    .into_uuid()
                    .to_string();
                let mut jwks = public_jwks(DEV_CLIENT_KEY_PEM, &format!("{client_id}-dev"))?;
                Ok(DevM2mClient {
                    client_id,
                    org: org.as_str().to_owned(),
                    system_id: system_id.to_owned(),
                    scopes: scopes.to_vec(),
                    public_jwk: jwks.keys.remove(0),
                })
            })
            .collect()
    }
}

/// The portal's own client id at the stand-in (for Dialogporten tokens).
pub const PORTAL_CLIENT_ID: &str = "tasteskjema-portal";
/// The key id of the portal's development client key.
pub const PORTAL_KID: &str = "tasteskjema-portal-dev";

/// The development client key (PKCS#8 PEM), never to be used outside development.
pub fn dev_client_key_pem() -> &'static str {
    DEV_CLIENT_KEY_PEM
}

/// The portal's own client at the stand-in: its client id, key (PEM) and key id.
pub fn portal_client_key() -> (String, String, String) {
    (
        PORTAL_CLIENT_ID.to_owned(),
        DEV_CLIENT_KEY_PEM.to_owned(),
        PORTAL_KID.to_owned(),
    )
}

/// The portal itself as a client of the stand-in, as Skatteetaten (the service owner) registers
/// it, for `scopes` (Dialogporten's service-owner scope).
pub fn portal_client(scopes: &[&str]) -> anyhow::Result<DevM2mClient> {
    let mut jwks = public_jwks(DEV_CLIENT_KEY_PEM, PORTAL_KID)?;
    Ok(DevM2mClient {
        client_id: PORTAL_CLIENT_ID.to_owned(),
        org: "974761076".to_owned(),
        system_id: "974761076_tasteskjema".to_owned(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        public_jwk: jwks.keys.remove(0),
    })
}

/// A system user the stand-in knows: a customer organisation's user for a vendor's system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevSystemUser {
    /// Its uuid (`systemuser_id`).
    pub id: String,
    /// The organisation it acts for.
    pub org: String,
    /// The vendor's system it belongs to.
    pub system_id: String,
}

impl DevSystemUser {
    /// The registry's system users that belong to a system (only those can get a token).
    pub fn from_registry(registry: &Registry) -> Vec<Self> {
        registry
            .system_users()
            .iter()
            .filter_map(|s| {
                Some(DevSystemUser {
                    id: s.id.to_ascii_lowercase(),
                    org: s.orgnr.clone(),
                    system_id: s.system_id.clone()?,
                })
            })
            .collect()
    }
}

/// A system-user token for `org` from the stand-in at `issuer` as the embedded registry sets it up
/// (its system user for that organisation, the development client key), for `scope`: what
/// `tasteskjema dev token` prints, and what the tests and the benchmark send.
pub fn system_user_token(
    issuer: &str,
    catalog: &Catalog,
    org: &str,
    scope: &str,
) -> anyhow::Result<String> {
    system_user_token_for(issuer, catalog, org, scope, None)
}

/// As [`system_user_token`], audience-restricted to `resource` when one is given.
pub fn system_user_token_for(
    issuer: &str,
    catalog: &Catalog,
    org: &str,
    scope: &str,
    resource: Option<&str>,
) -> anyhow::Result<String> {
    let stand_in = MaskinportenState::from_registry(
        issuer.to_owned(),
        &Registry::embedded(),
        &api_scopes(catalog),
    )?;
    let client = stand_in
        .client_for_org(org)
        .with_context(|| format!("the registry has no system user for {org}"))?;
    stand_in.mint_for(&client.client_id, Some(org), scope, resource)
}

/// The Maskinporten scopes of every form (its API's, or the generic door's), each once.
pub fn api_scopes(catalog: &Catalog) -> Vec<String> {
    let scopes: BTreeSet<String> = catalog
        .forms
        .values()
        .flat_map(|versions| versions.values())
        .map(|form| form.m2m_scope())
        .collect();
    scopes.into_iter().collect()
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// RFC 7523 §3.1: every problem with the grant itself is `invalid_grant`.
    fn grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    fn into_response(self) -> Response {
        oauth_error(self.status, self.error, &self.description)
    }
}

/// What a checked grant asks for.
#[derive(Debug, PartialEq, Eq)]
struct Grant {
    scope: String,
    /// The API the token is to be restricted to (`resource`), which becomes its `aud`.
    resource: Option<String>,
    /// The organisation whose system user is asked for.
    system_user_org: Option<String>,
}

/// An access token issued.
struct Issued {
    access_token: String,
    scope: String,
}

/// The stand-in's state: issuer, signing key, clients, system users, and the grants seen.
pub struct MaskinportenState {
    issuer: String,
    key: SigningKey,
    clients: Vec<DevM2mClient>,
    /// The clients' keys, by client id.
    client_keys: HashMap<String, DecodingKey>,
    system_users: Vec<DevSystemUser>,
    token_requests: RateLimit,
    /// Grant ids already used (`client_id jti`), with the grant's `exp`.
    used_grants: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for MaskinportenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskinportenState")
            .field("issuer", &self.issuer)
            .field("kid", &self.key.kid)
            .field("clients", &self.clients.len())
            .field("system_users", &self.system_users.len())
            .finish_non_exhaustive()
    }
}

impl MaskinportenState {
    /// The stand-in at `issuer` (the absolute URL it is mounted at, e.g.
    /// `http://127.0.0.1:8080/dev/maskinporten/`; a missing trailing slash is added, as
    /// Maskinporten's issuer has one) with its built-in development key.
    pub fn new(
        issuer: String,
        clients: Vec<DevM2mClient>,
        system_users: Vec<DevSystemUser>,
    ) -> anyhow::Result<Self> {
        Url::parse(&issuer).with_context(|| format!("issuer {issuer:?} is not a URL"))?;
        let issuer = format!("{}/", issuer.trim_end_matches('/'));
        let mut client_keys = HashMap::new();
        let mut kids = HashSet::new();
        for c in &clients {
            Orgnr::parse(&c.org)
                .with_context(|| format!("client {}: org {:?}", c.client_id, c.org))?;
            let kid = c.public_jwk.common.key_id.as_deref().unwrap_or_default();
            anyhow::ensure!(
                !kid.is_empty() && kids.insert(kid),
                "client {}: its key needs a kid of its own",
                c.client_id
            );
            anyhow::ensure!(
                matches!(c.public_jwk.algorithm, AlgorithmParameters::RSA(_)),
                "client {}: its key is not an RSA key",
                c.client_id
            );
            let key = DecodingKey::from_jwk(&c.public_jwk)
                .with_context(|| format!("client {}: reading its key", c.client_id))?;
            anyhow::ensure!(
                client_keys.insert(c.client_id.clone(), key).is_none(),
                "client {} is registered twice",
                c.client_id
            );
        }
        for u in &system_users {
            Orgnr::parse(&u.org).with_context(|| format!("system user {}: org", u.id))?;
            uuid::Uuid::parse_str(&u.id)
                .with_context(|| format!("system user {:?} is not a uuid", u.id))?;
        }
        Ok(MaskinportenState {
            issuer,
            key: SigningKey::from_pem(DEV_KEY_PEM)?,
            clients,
            client_keys,
            system_users,
            token_requests: RateLimit::new(RATE_MAX, RATE_WINDOW),
            used_grants: Mutex::new(HashMap::new()),
        })
    }

    /// The stand-in with the registry's system users and a client for each of their systems
    /// (see [`DevM2mClient::from_registry`]), registered for `scopes`.
    pub fn from_registry(
        issuer: String,
        registry: &Registry,
        scopes: &[String],
    ) -> anyhow::Result<Self> {
        let clients = DevM2mClient::from_registry(registry, scopes)?;
        Self::new(issuer, clients, DevSystemUser::from_registry(registry))
    }

    /// The issuer, with its trailing slash.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public signing keys, as served at `/jwks`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk] })
    }

    /// The registered clients.
    pub fn clients(&self) -> &[DevM2mClient] {
        &self.clients
    }

    /// The client of a system that has a system user for `org` (the first, in registration
    /// order), for getting a token for that organisation.
    pub fn client_for_org(&self, org: &str) -> Option<&DevM2mClient> {
        self.system_users
            .iter()
            .filter(|u| u.org == org)
            .find_map(|u| self.clients.iter().find(|c| c.system_id == u.system_id))
    }

    /// Issues an access token for `client_id` directly, exactly as the token endpoint would
    /// for a valid grant asking for `scope` (space-separated) and, when
    /// `org_for_system_user` is given, for that organisation's system user.
    pub fn mint(
        &self,
        client_id: &str,
        org_for_system_user: Option<&str>,
        scope: &str,
    ) -> anyhow::Result<String> {
        self.mint_for(client_id, org_for_system_user, scope, None)
    }

    /// As [`mint`](Self::mint), for a grant that also names a `resource`: the token is
    /// audience-restricted to it (`aud`).
    pub fn mint_for(
        &self,
        client_id: &str,
        org_for_system_user: Option<&str>,
        scope: &str,
        resource: Option<&str>,
    ) -> anyhow::Result<String> {
        let client = self
            .client(client_id)
            .with_context(|| format!("no client {client_id:?} is registered"))?;
        self.issue(client, org_for_system_user, scope, resource)
            .map(|issued| issued.access_token)
            .map_err(|e| anyhow::anyhow!("{}: {}", e.error, e.description))
    }

    fn client(&self, client_id: &str) -> Option<&DevM2mClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "token_endpoint": self.endpoint("token"),
            "jwks_uri": self.endpoint("jwks"),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": [JWT_BEARER_GRANT],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "authorization_details_types_supported": [SYSTEM_USER_TYPE],
        })
    }

    /// The client a grant claims to come from: the one whose key has the grant's `kid`, or
    /// without a `kid`, the one named by `iss`. Nothing is verified yet.
    fn claimed_client(&self, jwt: &str) -> Result<&DevM2mClient, OAuthError> {
        let header = jsonwebtoken::decode_header(jwt)
            .map_err(|_| OAuthError::grant("the assertion is not a signed JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(OAuthError::grant("the assertion must be signed with RS256"));
        }
        match header.kid {
            Some(kid) => self
                .clients
                .iter()
                .find(|c| c.public_jwk.common.key_id.as_deref() == Some(kid.as_str()))
                .ok_or_else(|| OAuthError::grant("no client has registered a key with this kid")),
            None => {
                #[derive(Deserialize)]
                struct Iss {
                    iss: String,
                }
                let iss = jsonwebtoken::dangerous::insecure_decode_claims::<Iss>(jwt)
                    .map_err(|_| OAuthError::grant("the assertion has no iss"))?
                    .iss;
                self.client(&iss)
                    .ok_or_else(|| OAuthError::grant("the assertion's iss is not a known client"))
            }
        }
    }

    /// Verifies a grant of `client` (RFC 7523 §3 and Maskinporten's rules): its key, `iss`,
    /// `aud`, a lifetime of at most two minutes, a `jti` used once, and what it asks for.
    fn check_grant(&self, client: &DevM2mClient, jwt: &str) -> Result<Grant, OAuthError> {
        let key = &self.client_keys[&client.client_id];
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = ASSERTION_LEEWAY;
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        v.set_issuer(&[&client.client_id]);
        // Maskinporten documents its issuer with and without the slash as the audience.
        v.set_audience(&[self.issuer.as_str(), self.issuer.trim_end_matches('/')]);
        #[derive(Deserialize)]
        struct GrantClaims {
            aud: Value,
            exp: u64,
            iat: Option<u64>,
            jti: Option<String>,
            scope: Option<String>,
            resource: Option<Value>,
            #[serde(default)]
            authorization_details: Value,
        }
        let claims = jsonwebtoken::decode::<GrantClaims>(jwt, key, &v)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                OAuthError::grant(match e.kind() {
                    ErrorKind::InvalidSignature => {
                        "the assertion's signature does not match the client's key".to_owned()
                    }
                    ErrorKind::ExpiredSignature => "the assertion has expired".to_owned(),
                    ErrorKind::InvalidAudience => {
                        format!("the assertion's aud must be {}", self.issuer)
                    }
                    ErrorKind::InvalidIssuer => "the assertion's iss must be the client_id".into(),
                    _ => format!("the assertion is not valid: {e}"),
                })
            })?
            .claims;
        if !claims.aud.is_string() {
            return Err(OAuthError::grant(
                "the assertion's aud must be a single value",
            ));
        }
        let now = jsonwebtoken::get_current_timestamp();
        let iat = claims
            .iat
            .ok_or_else(|| OAuthError::grant("the assertion has no iat"))?;
        if iat > now + ASSERTION_LEEWAY {
            return Err(OAuthError::grant("the assertion's iat is in the future"));
        }
        if claims.exp.saturating_sub(iat) > MAX_ASSERTION_SECONDS {
            return Err(OAuthError::grant(format!(
                "the assertion may live at most {MAX_ASSERTION_SECONDS} seconds"
            )));
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| OAuthError::grant("the assertion has no jti"))?;
        self.use_grant_once(&client.client_id, &jti, claims.exp, now)?;
        let scope = claims
            .scope
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| OAuthError::new("invalid_scope", "the assertion has no scope"))?;
        // Maskinporten takes `resource` as one URI (RFC 8707's audience), and puts it in `aud`.
        let resource = match claims.resource {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if !r.trim().is_empty() => Some(r),
            Some(_) => {
                return Err(OAuthError::new(
                    "invalid_target",
                    "resource must be one non-empty string",
                ));
            }
        };
        Ok(Grant {
            scope,
            resource,
            system_user_org: system_user_org(&claims.authorization_details)?,
        })
    }

    /// Records a grant id; a second use is a replay.
    fn use_grant_once(
        &self,
        client_id: &str,
        jti: &str,
        exp: u64,
        now: u64,
    ) -> Result<(), OAuthError> {
        let mut used = self.used_grants.lock().unwrap_or_else(|e| e.into_inner());
        // Once expired, a grant is refused anyway: its id need not be kept.
        used.retain(|_, until| *until + ASSERTION_LEEWAY >= now);
        if used.insert(format!("{client_id} {jti}"), exp).is_some() {
            return Err(OAuthError::grant(
                "the assertion's jti has been used before",
            ));
        }
        Ok(())
    }

    /// Issues an access token to `client` for `scope` and, for `org`, its system user.
    fn issue(
        &self,
        client: &DevM2mClient,
        org: Option<&str>,
        scope: &str,
        resource: Option<&str>,
    ) -> Result<Issued, OAuthError> {
        let scopes: Vec<&str> = scope.split_ascii_whitespace().collect();
        if scopes.is_empty() {
            return Err(OAuthError::new("invalid_scope", "no scope was asked for"));
        }
        if let Some(s) = scopes
            .iter()
            .find(|s| !client.scopes.iter().any(|c| c == *s))
        {
            return Err(OAuthError::new(
                "invalid_scope",
                format!("the client is not registered for the scope {s}"),
            ));
        }
        let scope = scopes.join(" ");
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = json!({
            "scope": scope,
            "iss": self.issuer,
            "client_amr": "private_key_jwt",
            "token_type": "Bearer",
            "exp": now + TOKEN_SECONDS,
            "iat": now,
            "client_id": client.client_id,
            "jti": random_token(),
            "consumer": { "authority": ORG_AUTHORITY, "ID": iso6523_id(&client.org) },
        });
        if let Some(aud) = resource {
            claims["aud"] = json!(aud);
        }
        if let Some(org) = org {
            let user = self
                .system_users
                .iter()
                .find(|u| u.org == org && u.system_id == client.system_id)
                .ok_or_else(|| {
                    OAuthError::grant(format!(
                        "the organisation {org} has no system user for the system {}",
                        client.system_id
                    ))
                })?;
            claims["authorization_details"] = json!([{
                "type": SYSTEM_USER_TYPE,
                "systemuser_id": [user.id],
                "systemuser_org": { "authority": ORG_AUTHORITY, "ID": iso6523_id(&user.org) },
                "system_id": user.system_id,
            }]);
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        let access_token =
            jsonwebtoken::encode(&header, &claims, &self.key.encoding).map_err(|e| {
                tracing::error!(error = %e, "the Maskinporten stand-in could not sign a token");
                OAuthError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "server_error",
                    description: "signing failed".into(),
                }
            })?;
        Ok(Issued {
            access_token,
            scope,
        })
    }
}

/// The organisation of a grant's system-user request, if it makes one. Only one
/// `urn:altinn:systemuser` entry is understood.
fn system_user_org(details: &Value) -> Result<Option<String>, OAuthError> {
    let invalid = |why: &str| OAuthError::new("invalid_authorization_details", why);
    let entries = match details {
        Value::Null => return Ok(None),
        Value::Array(entries) => entries,
        _ => return Err(invalid("authorization_details must be an array")),
    };
    let [entry] = entries.as_slice() else {
        return Err(invalid("authorization_details must hold one entry"));
    };
    if entry["type"] != SYSTEM_USER_TYPE {
        return Err(invalid(
            "the only authorization_details type is urn:altinn:systemuser",
        ));
    }
    let org = &entry["systemuser_org"];
    if org["authority"] != ORG_AUTHORITY {
        return Err(invalid(
            "systemuser_org.authority must be iso6523-actorid-upis",
        ));
    }
    org["ID"]
        .as_str()
        .and_then(orgnr_of_iso6523)
        .map(|n| Some(n.as_str().to_owned()))
        .ok_or_else(|| invalid("systemuser_org.ID must be 0192:<organisation number>"))
}

/// The stand-in's routes, relative to where it is mounted (`/dev/maskinporten`).
pub fn router(state: Arc<MaskinportenState>) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(view_metadata),
        )
        .route("/jwks", get(view_jwks))
        .route("/token", post(view_token))
        .with_state(state)
}

async fn view_metadata(State(mp): State<Arc<MaskinportenState>>) -> Response {
    axum::Json(mp.metadata()).into_response()
}

async fn view_jwks(State(mp): State<Arc<MaskinportenState>>) -> Response {
    axum::Json(mp.jwks()).into_response()
}

async fn view_token(State(mp): State<Arc<MaskinportenState>>, RawForm(body): RawForm) -> Response {
    let p = match Params::from_body(&body) {
        Ok(p) => p,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e),
    };
    if p.get("grant_type") != Some(JWT_BEARER_GRANT) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer",
        );
    }
    let Some(assertion) = p.get("assertion") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "assertion is missing",
        );
    };
    let client = mp.claimed_client(assertion);
    // Counted before any signature is checked, so the limit also caps that work. Unknown
    // clients share one bucket, so made-up ids cannot grow the table.
    let bucket = client.as_ref().map_or("", |c| c.client_id.as_str());
    if !mp.token_requests.allow(bucket) {
        return rate_limited(RATE_WINDOW);
    }
    let issued = client.and_then(|client| {
        let grant = mp.check_grant(client, assertion)?;
        mp.issue(
            client,
            grant.system_user_org.as_deref(),
            &grant.scope,
            grant.resource.as_deref(),
        )
    });
    match issued {
        Ok(issued) => no_store(
            axum::Json(json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "scope": issued.scope,
            }))
            .into_response(),
        ),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMEIE: &str = "skatteetaten:innrapporteringboligsameie";

    fn state() -> MaskinportenState {
        MaskinportenState::from_registry(
            "http://127.0.0.1:1/dev/maskinporten".into(),
            &Registry::embedded(),
            &[SAMEIE.to_owned()],
        )
        .unwrap()
    }

    fn claims_of(jwt: &str) -> Value {
        jsonwebtoken::dangerous::insecure_decode_claims(jwt).unwrap()
    }

    #[test]
    fn the_registry_gives_a_client_per_system_and_its_system_users() {
        let mp = state();
        assert_eq!(mp.issuer(), "http://127.0.0.1:1/dev/maskinporten/");
        assert_eq!(mp.jwks()["keys"][0]["kid"], mp.key.kid.as_str());
        assert_eq!(mp.clients().len(), 7, "one client per system");
        for c in mp.clients() {
            assert_eq!(c.org, "311800051");
            assert!(uuid::Uuid::parse_str(&c.client_id).is_ok());
        }
        let again = DevM2mClient::from_registry(&Registry::embedded(), &[]).unwrap();
        assert_eq!(again[0].client_id, mp.clients()[0].client_id, "stable ids");
        let sameie = mp.client_for_org("819897522").unwrap();
        assert_eq!(sameie.system_id, "311800051_fiktivt_sameiesystem");
        assert!(mp.client_for_org("311800027").is_none());
    }

    #[test]
    fn minted_tokens_carry_maskinporten_claims() {
        let mp = state();
        let client = mp.client_for_org("819897522").unwrap().client_id.clone();
        let token = mp.mint(&client, Some("819897522"), SAMEIE).unwrap();
        let c = claims_of(&token);
        assert_eq!(c["iss"], "http://127.0.0.1:1/dev/maskinporten/");
        assert_eq!(c["client_id"], client.as_str());
        assert_eq!(c["consumer"]["ID"], "0192:311800051");
        assert_eq!(c["scope"], SAMEIE);
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 120);
        let details = &c["authorization_details"][0];
        assert_eq!(details["type"], SYSTEM_USER_TYPE);
        assert_eq!(
            details["systemuser_id"],
            json!(["6d4f1c2a-7b8e-4f3a-9c1d-2e5f8a9b0c11"])
        );
        assert_eq!(details["systemuser_org"]["ID"], "0192:819897522");
        assert_eq!(details["system_id"], "311800051_fiktivt_sameiesystem");
        // Without an organisation, the token is the vendor's own.
        let own = claims_of(&mp.mint(&client, None, SAMEIE).unwrap());
        assert!(own.get("authorization_details").is_none());
    }

    #[test]
    fn minting_refuses_what_the_token_endpoint_refuses() {
        let mp = state();
        let client = mp.client_for_org("819897522").unwrap().client_id.clone();
        let err = |org, scope| mp.mint(&client, org, scope).unwrap_err().to_string();
        assert!(err(None, "skatteetaten:annet").starts_with("invalid_scope"));
        assert!(err(None, " ").starts_with("invalid_scope"));
        // The borettslag's system user belongs to another system.
        assert!(err(Some("932061899"), SAMEIE).starts_with("invalid_grant"));
        assert!(mp.mint("unknown", None, SAMEIE).is_err());
    }

    #[test]
    fn a_grant_id_is_used_once() {
        let mp = state();
        let now = jsonwebtoken::get_current_timestamp();
        assert!(mp.use_grant_once("c1", "j1", now + 60, now).is_ok());
        assert!(mp.use_grant_once("c1", "j1", now + 60, now).is_err());
        assert!(mp.use_grant_once("c2", "j1", now + 60, now).is_ok());
        // Expired ids are forgotten (their grants fail on exp before they get here).
        let later = now + 60 + ASSERTION_LEEWAY + 1;
        assert!(mp.use_grant_once("c1", "j1", later + 60, later).is_ok());
    }

    #[test]
    fn only_one_system_user_entry_is_understood() {
        let entry = |org: &str| {
            json!({
                "type": SYSTEM_USER_TYPE,
                "systemuser_org": { "authority": ORG_AUTHORITY, "ID": org },
            })
        };
        assert_eq!(system_user_org(&Value::Null), Ok(None));
        assert_eq!(
            system_user_org(&json!([entry("0192:819897522")])),
            Ok(Some("819897522".into()))
        );
        for bad in [
            json!({}),
            json!([]),
            json!([entry("0192:819897522"), entry("0192:932061899")]),
            json!([entry("819897522")]),
            json!([entry("0192:819897523")]),
            json!([{ "type": "urn:other" }]),
            json!([{ "type": SYSTEM_USER_TYPE, "systemuser_org": { "ID": "0192:819897522" } }]),
        ] {
            assert_eq!(
                system_user_org(&bad).unwrap_err().error,
                "invalid_authorization_details",
                "{bad}"
            );
        }
    }

    #[test]
    fn clients_need_a_valid_org_and_a_kid_of_their_own() {
        let mut clients = DevM2mClient::from_registry(&Registry::embedded(), &[]).unwrap();
        let issuer = || "http://127.0.0.1:1/dev/maskinporten/".to_owned();
        assert!(MaskinportenState::new(issuer(), clients.clone(), vec![]).is_ok());
        clients[1].public_jwk.common.key_id = clients[0].public_jwk.common.key_id.clone();
        assert!(MaskinportenState::new(issuer(), clients.clone(), vec![]).is_err());
        clients.truncate(1);
        clients[0].org = "311800010".into();
        assert!(MaskinportenState::new(issuer(), clients, vec![]).is_err());
        assert!(MaskinportenState::new("not a url".into(), vec![], vec![]).is_err());
    }
}
