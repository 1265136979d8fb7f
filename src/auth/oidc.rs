//! An OpenID Connect client for the authorization code flow, shared by the two logins: ID-porten
//! for businesses and citizens ([`super::idporten`]) and the agency's employee directory for its
//! own people ([`super::ansatt`]).
//!
//! What a careful client does, and where it happens here:
//! - endpoints come from discovery of the configured issuer, never from configuration ([`OidcClient::discover`]);
//! - PKCE S256, `state` and `nonce` on every login, `acr_values` when asked for, `ui_locales` from
//!   the chosen language; PAR when the issuer offers it and configuration wants it ([`OidcClient::begin`]);
//! - the callback's `state` and `iss` (RFC 9207) are checked before the code is used, and the
//!   id_token is verified (RS256 only, the issuer's keys, `iss`, `aud`, `exp`, `iat`, `nonce`)
//!   ([`OidcClient::finish`]); what the verified claims mean is for the caller to decide;
//! - client authentication by `client_secret_basic`, `client_secret_post` or `private_key_jwt`.
//!
//! `openidconnect` does discovery, PKCE, the authorization URL, the code exchange and id_token
//! verification. It has neither `private_key_jwt` nor PAR, so the client assertion is signed here
//! (with `jsonwebtoken`) and the pushed request is posted here.

use std::fmt;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::url::form_urlencoded;
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthType, AuthenticationContextClass,
    AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken,
    IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, LanguageTag, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, RequestTokenError,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, TokenResponse as _,
};
use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::form::Lang;
use crate::form::definition::Level;

pub use openidconnect::url::Url;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of our client assertions; ID-porten accepts at most 120 s.
const ASSERTION_SECONDS: u64 = 60;
/// The keys are fetched again for an unknown `kid` (key rotation), but not more often than this.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(60);
/// Clock skew tolerated on `iat`.
const IAT_SKEW_SECONDS: i64 = 60;

/// How the portal authenticates at the provider's token (and PAR) endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `client_secret_basic`: the secret in an `Authorization: Basic` header.
    SecretBasic(Secret),
    /// `client_secret_post`: the secret in the request body.
    SecretPost(Secret),
    /// `private_key_jwt`: a short-lived JWT signed with our RSA key (what ID-porten recommends).
    PrivateKeyJwt {
        /// RSA private key, PEM (PKCS#8 or PKCS#1).
        key_pem: Secret,
        /// The key id registered with the provider.
        kid: String,
    },
}

/// Where and who the portal is to one provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer, e.g. `https://test.idporten.no`; everything else comes from its discovery.
    pub issuer: String,
    /// Our client id.
    pub client_id: String,
    /// How we authenticate.
    pub client_auth: ClientAuth,
    /// Our callback URL, as registered.
    pub redirect_uri: String,
    /// Where the provider sends the user after logout, as registered.
    pub post_logout_redirect_uri: String,
    /// Push the authorization request (PAR) when the issuer offers it.
    pub use_par: bool,
}

/// What [`OidcClient::begin`] started: keep it in the session until the callback, then give it
/// to [`OidcClient::finish`] once (remove it from the session first, so it cannot be replayed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pending {
    /// The `state` sent; the callback must bring it back.
    pub state: String,
    /// The `nonce` sent; the id_token must carry it.
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent.
    pub pkce_verifier: String,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

/// The claims of a verified id_token that the portal reads.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    /// `sub`: pairwise at ID-porten, so it says nothing about who it is.
    pub sub: String,
    /// `acr`, as given.
    pub acr: Option<String>,
    /// ID-porten's `pid` (fødselsnummer or d-nummer), unchecked.
    pub pid: Option<String>,
    /// The provider's session id (`sid`), which front-channel logout names.
    pub sid: Option<String>,
    /// An employee directory's object id (`oid`).
    pub oid: Option<String>,
    /// An employee directory's app roles (`roles`).
    pub roles: Vec<String>,
    /// `name`.
    pub name: Option<String>,
    /// `locale`.
    pub locale: Option<String>,
    /// `amr`.
    pub amr: Vec<String>,
    /// The raw id_token, for `id_token_hint` at logout.
    pub id_token: String,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("acr", &self.acr)
            .field("pid", &self.pid.as_deref().map(crate::form::no::masked))
            .field("oid", &self.oid)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// The query of the callback (`redirect_uri`): a code, or an error.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` we sent.
    pub state: Option<String>,
    /// The issuer that answered (RFC 9207).
    pub iss: Option<String>,
    /// An OAuth error code, e.g. `access_denied` when the user cancelled.
    pub error: Option<String>,
    /// The provider's description of the error (text from outside: escape before showing).
    pub error_description: Option<String>,
}

/// Why a login failed. `code()` is stable, for logs and for choosing the user's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// The callback's `state` is missing or not ours: a forged or stale callback.
    #[error("the callback's state does not match the login")]
    StateMismatch,
    /// The callback came from another issuer, or lacks `iss` where the issuer promises it (RFC 9207).
    #[error("the callback's iss is not our issuer")]
    IssuerMismatch,
    /// The provider answered with an error (`access_denied` when the user cancelled).
    #[error("the provider answered {error}: {}", description.as_deref().unwrap_or("-"))]
    IdpError {
        /// The OAuth error code.
        error: String,
        /// The provider's description.
        description: Option<String>,
    },
    /// The callback has neither a code nor an error.
    #[error("the callback has no code")]
    MissingCode,
    /// Pushing the authorization request failed.
    #[error("pushing the authorization request failed: {0}")]
    Par(String),
    /// The code could not be exchanged (reused, expired, PKCE mismatch, client authentication…).
    #[error("the token request failed: {0}")]
    TokenExchange(String),
    /// The id_token is not acceptable; the reason says why.
    #[error("the id_token is not valid: {0}")]
    BadIdToken(String),
    /// The person logged in at a lower level than the form needs.
    #[error("the login level {got:?} is below the required {required:?}")]
    AcrTooLow {
        /// The level the form needs.
        required: Level,
        /// The `acr` in the id_token, if any.
        got: Option<String>,
    },
}

impl LoginError {
    /// A stable machine code for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::StateMismatch => "state_mismatch",
            LoginError::IssuerMismatch => "issuer_mismatch",
            LoginError::IdpError { error, .. } if error == "access_denied" => "cancelled",
            LoginError::IdpError { .. } => "idp_error",
            LoginError::MissingCode => "missing_code",
            LoginError::Par(_) => "par_failed",
            LoginError::TokenExchange(_) => "token_exchange",
            LoginError::BadIdToken(_) => "bad_id_token",
            LoginError::AcrTooLow { .. } => "acr_too_low",
        }
    }
}

/// The claims beyond OpenID Connect's standard ones that the portal reads: ID-porten's `pid` and
/// `sid`, and an employee directory's `oid` (the employee's stable object id) and `roles`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExtraClaims {
    pid: Option<String>,
    sid: Option<String>,
    oid: Option<String>,
    roles: Option<Vec<String>>,
}
impl AdditionalClaims for ExtraClaims {}

/// Discovery fields beyond OpenID Connect Discovery that the portal uses.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProviderExtras {
    pushed_authorization_request_endpoint: Option<String>,
    end_session_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}
impl AdditionalProviderMetadata for ProviderExtras {}

type Metadata = ProviderMetadata<
    ProviderExtras,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type OidcIdToken = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type OidcTokenResponse = StandardTokenResponse<
    IdTokenFields<
        ExtraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type LibClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    OidcTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

type Jwks = JsonWebKeySet<CoreJsonWebKey>;

/// The issuer's signing keys and when they were fetched.
struct KeyCache {
    keys: Jwks,
    fetched: Instant,
}

/// An HTTP client fit for talking to an OpenID provider: no redirects (a redirected token request could
/// leak credentials, and `openidconnect` requires this), and a timeout.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
}

/// The portal's client of one OpenID provider (issuer).
pub struct OidcClient {
    oidc: LibClient,
    http: reqwest::Client,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_auth: ClientAuth,
    /// The key for `private_key_jwt`, read once.
    assertion_key: Option<(EncodingKey, String)>,
    post_logout_redirect_uri: String,
    authorization_endpoint: Url,
    par_endpoint: Option<Url>,
    end_session_endpoint: Url,
    iss_in_response: bool,
    jwks_uri: JsonWebKeySetUrl,
    keys: RwLock<KeyCache>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .field("par", &self.par_endpoint.is_some())
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    /// Reads the issuer's discovery document and keys and builds the client. `http` must not
    /// follow redirects (see [`http_client`]).
    pub async fn discover(cfg: &OidcConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let issuer = IssuerUrl::new(cfg.issuer.clone())
            .with_context(|| format!("the issuer {:?} is not a URL", cfg.issuer))?;
        // Checks that the document names the same issuer, then fetches the keys.
        let metadata = Metadata::discover_async(issuer.clone(), &http)
            .await
            .with_context(|| format!("discovering the OpenID provider {}", cfg.issuer))?;
        let extra = metadata.additional_metadata().clone();
        // Refuse at start-up what would fail at every login.
        if let Some(methods) = &extra.code_challenge_methods_supported
            && !methods.iter().any(|m| m == "S256")
        {
            anyhow::bail!("{} does not support PKCE S256", cfg.issuer);
        }
        let end_session_endpoint = extra
            .end_session_endpoint
            .as_deref()
            .context("the issuer has no end_session_endpoint")
            .and_then(|u| Url::parse(u).context("end_session_endpoint is not a URL"))?;
        let par_endpoint = match (&extra.pushed_authorization_request_endpoint, cfg.use_par) {
            (Some(u), true) => Some(Url::parse(u).context("the PAR endpoint is not a URL")?),
            (None, true) => {
                tracing::warn!(issuer = %cfg.issuer, "PAR is configured but the issuer does not offer it");
                None
            }
            (_, false) => None,
        };
        if metadata.token_endpoint().is_none() {
            anyhow::bail!("{} has no token_endpoint", cfg.issuer);
        }
        let authorization_endpoint = metadata.authorization_endpoint().url().clone();
        let jwks_uri = metadata.jwks_uri().clone();
        let keys = metadata.jwks().clone();
        let client_id = ClientId::new(cfg.client_id.clone());
        let (secret, auth_type) = match &cfg.client_auth {
            ClientAuth::SecretBasic(s) => (
                Some(ClientSecret::new(s.expose().to_owned())),
                AuthType::BasicAuth,
            ),
            ClientAuth::SecretPost(s) => (
                Some(ClientSecret::new(s.expose().to_owned())),
                AuthType::RequestBody,
            ),
            // No secret: the token request then carries only client_id, and the assertion is
            // added to it as extra parameters.
            ClientAuth::PrivateKeyJwt { .. } => (None, AuthType::RequestBody),
        };
        let assertion_key = match &cfg.client_auth {
            ClientAuth::PrivateKeyJwt { key_pem, kid } => Some((
                EncodingKey::from_rsa_pem(key_pem.expose().as_bytes())
                    .context("reading the private_key_jwt key")?,
                kid.clone(),
            )),
            _ => None,
        };
        let oidc = LibClient::from_provider_metadata(metadata, client_id.clone(), secret)
            .set_auth_type(auth_type)
            .set_redirect_uri(
                RedirectUrl::new(cfg.redirect_uri.clone()).context("redirect_uri is not a URL")?,
            );
        Ok(OidcClient {
            oidc,
            http,
            issuer,
            client_id,
            client_auth: cfg.client_auth.clone(),
            assertion_key,
            post_logout_redirect_uri: cfg.post_logout_redirect_uri.clone(),
            authorization_endpoint,
            par_endpoint,
            end_session_endpoint,
            iss_in_response: extra.authorization_response_iss_parameter_supported,
            jwks_uri,
            keys: RwLock::new(KeyCache {
                keys,
                fetched: Instant::now(),
            }),
        })
    }

    /// The issuer, exactly as discovered.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Whether `iss` (e.g. of a front-channel logout request) is our issuer.
    pub fn is_issuer(&self, iss: &str) -> bool {
        iss == self.issuer.as_str()
    }

    /// Whether logins push their request (PAR).
    pub fn uses_par(&self) -> bool {
        self.par_endpoint.is_some()
    }

    /// Starts a login, asking for `acr` (when given) and the provider's pages in `lang`: the URL
    /// to send the browser to, and what to keep in the session until the callback.
    pub async fn begin(&self, acr: Option<&str>, lang: Lang) -> Result<(Url, Pending), LoginError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .oidc
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_ui_locale(LanguageTag::new(lang.code().into()));
        if let Some(acr) = acr {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
        }
        let (url, state, nonce) = request.url();
        let pending = Pending {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        let url = match &self.par_endpoint {
            Some(par) => self.push(par, &url).await?,
            None => url,
        };
        Ok((url, pending))
    }

    /// RFC 9126: posts the authorization parameters (with client authentication) and gives the
    /// short URL that names them.
    async fn push(&self, par: &Url, front_url: &Url) -> Result<Url, LoginError> {
        let mut form: Vec<(String, String)> = front_url.query_pairs().into_owned().collect();
        let mut request = self.http.post(par.clone());
        match &self.client_auth {
            ClientAuth::SecretBasic(secret) => {
                request = request.header(
                    reqwest::header::AUTHORIZATION,
                    basic_credentials(self.client_id.as_str(), secret.expose()),
                );
            }
            ClientAuth::SecretPost(secret) => {
                form.push(("client_secret".into(), secret.expose().to_owned()));
            }
            ClientAuth::PrivateKeyJwt { .. } => {
                let assertion = self.client_assertion().map_err(LoginError::Par)?;
                form.push(("client_assertion_type".into(), JWT_BEARER.into()));
                form.push(("client_assertion".into(), assertion));
            }
        }
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|e| LoginError::Par(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(LoginError::Par(format!("{status}: {body}")));
        }
        #[derive(Deserialize)]
        struct Pushed {
            request_uri: String,
        }
        let pushed: Pushed = response
            .json()
            .await
            .map_err(|e| LoginError::Par(e.to_string()))?;
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("request_uri", &pushed.request_uri);
        Ok(url)
    }

    /// Finishes a login at the callback: checks `state` and `iss`, exchanges the code, verifies
    /// the id_token. `pending` is what [`begin`](Self::begin) gave.
    pub async fn finish(
        &self,
        pending: &Pending,
        query: CallbackQuery,
    ) -> Result<Verified, LoginError> {
        // state first: a callback we did not start is not looked at any further.
        match query.state.as_deref() {
            Some(s) if constant_time_eq(s.as_bytes(), pending.state.as_bytes()) => {}
            _ => return Err(LoginError::StateMismatch),
        }
        // RFC 9207: a response naming another issuer is a mix-up attack. Where the issuer promises
        // iss, a response without it is refused too.
        match query.iss.as_deref() {
            Some(iss) if self.is_issuer(iss) => {}
            None if !self.iss_in_response => {}
            _ => return Err(LoginError::IssuerMismatch),
        }
        if let Some(error) = query.error {
            return Err(LoginError::IdpError {
                error,
                description: query.error_description,
            });
        }
        let code = query
            .code
            .filter(|c| !c.is_empty())
            .ok_or(LoginError::MissingCode)?;
        let mut request = self
            .oidc
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| LoginError::TokenExchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        if self.assertion_key.is_some() {
            let assertion = self.client_assertion().map_err(LoginError::TokenExchange)?;
            request = request
                .add_extra_param("client_assertion_type", JWT_BEARER)
                .add_extra_param("client_assertion", assertion);
        }
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|e| LoginError::TokenExchange(describe_token_error(e)))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| LoginError::BadIdToken("the token response has no id_token".into()))?;
        self.verify(id_token, &pending.nonce).await
    }

    /// Verifies a raw id_token as [`finish`](Self::finish) does: RS256 with the issuer's keys,
    /// `iss`, `aud`, `exp`, `iat`, `nonce`.
    pub async fn verify_id_token(&self, raw: &str, nonce: &str) -> Result<Verified, LoginError> {
        let token: OidcIdToken = raw
            .parse()
            .map_err(|e| LoginError::BadIdToken(format!("not a signed JWT: {e}")))?;
        self.verify(&token, nonce).await
    }

    async fn verify(&self, token: &OidcIdToken, nonce: &str) -> Result<Verified, LoginError> {
        let keys = self.current_keys();
        // Providers rotate their keys: an unknown kid may be a new key, so fetch the keys again
        // (rate-limited, so forged kids cannot make us hammer the issuer).
        let unknown_key = matches!(
            token.signing_key(&self.verifier(keys.clone())),
            Err(SignatureVerificationError::NoMatchingKey)
        );
        let keys = if unknown_key {
            self.refresh_keys().await.unwrap_or(keys)
        } else {
            keys
        };
        let verifier = self.verifier(keys);
        let claims = token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .map_err(|e| LoginError::BadIdToken(describe_claims_error(&e)))?;
        let extra = claims.additional_claims();
        Ok(Verified {
            sub: claims.subject().as_str().to_owned(),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
            pid: extra.pid.clone(),
            sid: extra.sid.clone().filter(|s| !s.is_empty()),
            oid: extra.oid.clone().filter(|s| !s.is_empty()),
            roles: extra.roles.clone().unwrap_or_default(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            locale: claims.locale().map(|l| l.as_str().to_owned()),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
                .unwrap_or_default(),
            id_token: token.to_string(),
        })
    }

    fn verifier(&self, keys: Jwks) -> IdTokenVerifier<'static, CoreJsonWebKey> {
        IdTokenVerifier::new_public_client(self.client_id.clone(), self.issuer.clone(), keys)
            // RS256 only: never `none`, never HMAC with something an attacker may know.
            .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
            .set_issue_time_verifier_fn(|iat| {
                let now = jsonwebtoken::get_current_timestamp() as i64;
                if iat.timestamp() > now + IAT_SKEW_SECONDS {
                    Err("issued in the future".to_string())
                } else {
                    Ok(())
                }
            })
    }

    fn current_keys(&self) -> Jwks {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .clone()
    }

    /// Fetches the issuer's keys again unless that was done a moment ago.
    async fn refresh_keys(&self) -> Option<Jwks> {
        {
            let cache = self.keys.read().unwrap_or_else(|e| e.into_inner());
            if cache.fetched.elapsed() < JWKS_REFRESH_MIN {
                return None;
            }
        }
        match Jwks::fetch_async(&self.jwks_uri, &self.http).await {
            Ok(keys) => {
                let mut cache = self.keys.write().unwrap_or_else(|e| e.into_inner());
                *cache = KeyCache {
                    keys: keys.clone(),
                    fetched: Instant::now(),
                };
                Some(keys)
            }
            Err(e) => {
                tracing::warn!(error = %e, issuer = %self.issuer.as_str(), "fetching the provider's keys failed");
                None
            }
        }
    }

    /// The URL that logs the user out at the provider (RP-initiated logout); it then calls every
    /// client's front-channel logout and sends the user to our `post_logout_redirect_uri` with
    /// `state`.
    pub fn end_session_url(&self, id_token_hint: &str, state: &str) -> Url {
        let mut url = self.end_session_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token_hint)
            .append_pair("post_logout_redirect_uri", &self.post_logout_redirect_uri)
            .append_pair("state", state);
        url
    }

    /// A `private_key_jwt` client assertion (RFC 7523): iss = sub = client_id, aud = issuer.
    fn client_assertion(&self) -> Result<String, String> {
        let (key, kid) = self
            .assertion_key
            .as_ref()
            .ok_or_else(|| "no private_key_jwt key is configured".to_string())?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = serde_json::json!({
            "iss": self.client_id.as_str(),
            "sub": self.client_id.as_str(),
            "aud": self.issuer.as_str(),
            "jti": uuid::Uuid::new_v4().to_string(),
            "iat": now,
            "exp": now + ASSERTION_SECONDS,
        });
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, &claims, key).map_err(|e| e.to_string())
    }
}

/// RFC 6749 §2.3.1: id and secret are each form-encoded, then Basic-encoded.
fn basic_credentials(client_id: &str, secret: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    let secret: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn describe_token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> String {
    match e {
        RequestTokenError::ServerResponse(r) => match r.error_description() {
            Some(d) => format!("{}: {d}", r.error()),
            None => r.error().to_string(),
        },
        other => other.to_string(),
    }
}

fn describe_claims_error(e: &ClaimsVerificationError) -> String {
    match e {
        ClaimsVerificationError::SignatureVerification(s) => format!("signature: {s}"),
        other => other.to_string(),
    }
}

/// Compares secrets without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile-time check: the client can live in shared state and its futures can run in axum
    /// handlers on any worker thread.
    #[allow(dead_code)]
    fn usable_from_handlers(c: &OidcClient, p: &Pending) {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<OidcClient>();
        send(c.begin(None, Lang::Nb));
        send(c.finish(p, CallbackQuery::default()));
        send(c.verify_id_token("", ""));
    }

    #[test]
    fn pending_hides_its_secrets() {
        let p = Pending {
            state: "st".into(),
            nonce: "no".into(),
            pkce_verifier: "verifier-secret".into(),
        };
        let d = format!("{p:?}");
        assert!(!d.contains("verifier-secret") && !d.contains("st\""));
    }

    #[test]
    fn basic_credentials_form_encode_each_half() {
        assert_eq!(
            basic_credentials("a:b", "c d"),
            format!("Basic {}", STANDARD.encode("a%3Ab:c+d"))
        );
    }
}
