//! Getting Maskinporten access tokens for the portal itself (as Dialogporten's service owner): a
//! JWT grant signed with the portal's key (`private_key_jwt`, RFC 7523), the token kept until
//! shortly before it expires.

use std::time::Duration;

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use tokio::sync::{Mutex, OnceCell};

use crate::clock::now_s;

/// The JWT-bearer grant type.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// A grant's lifetime (Maskinporten accepts at most 120 s).
const GRANT_SECONDS: i64 = 100;
/// A token is fetched anew this long before it expires.
const RENEW_BEFORE: i64 = 30;

/// What the portal is to Maskinporten.
pub struct MaskinportenClient {
    issuer: String,
    client_id: String,
    kid: String,
    key: EncodingKey,
    scope: String,
    http: reqwest::Client,
    token_endpoint: OnceCell<String>,
    cached: Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for MaskinportenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskinportenClient")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Metadata {
    token_endpoint: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<i64>,
}

impl MaskinportenClient {
    /// A client of `issuer` (with its trailing slash, as in tokens) with id `client_id`, signing
    /// grants with the RSA key `key_pem` registered under `kid`, asking for `scope`.
    pub fn new(
        issuer: &str,
        client_id: &str,
        key_pem: &str,
        kid: &str,
        scope: &str,
        http: reqwest::Client,
    ) -> anyhow::Result<MaskinportenClient> {
        Ok(MaskinportenClient {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            kid: kid.to_owned(),
            key: EncodingKey::from_rsa_pem(key_pem.as_bytes())
                .context("the Maskinporten client key is not an RSA PEM key")?,
            scope: scope.to_owned(),
            http,
            token_endpoint: OnceCell::new(),
            cached: Mutex::new(None),
        })
    }

    async fn endpoint(&self) -> anyhow::Result<&str> {
        self.token_endpoint
            .get_or_try_init(|| async {
                let base = if self.issuer.ends_with('/') {
                    self.issuer.clone()
                } else {
                    format!("{}/", self.issuer)
                };
                let meta: Metadata = self
                    .http
                    .get(format!("{base}.well-known/oauth-authorization-server"))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                anyhow::Ok(meta.token_endpoint)
            })
            .await
            .map(String::as_str)
    }

    /// An access token: the one held if it still has a while to live, else a new one.
    pub async fn token(&self) -> anyhow::Result<String> {
        let mut cached = self.cached.lock().await;
        if let Some((t, exp)) = cached.as_ref()
            && exp - now_s() > RENEW_BEFORE
        {
            return Ok(t.clone());
        }
        let endpoint = self.endpoint().await?.to_owned();
        let now = now_s();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let claims = serde_json::json!({
            "aud": self.issuer,
            "iss": self.client_id,
            "scope": self.scope,
            "iat": now,
            "exp": now + GRANT_SECONDS,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key)?;
        let resp = self
            .http
            .post(&endpoint)
            .timeout(Duration::from_secs(10))
            .form(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let body: String = resp
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            anyhow::bail!("Maskinporten refused the grant ({status}): {body}");
        }
        let answer: TokenAnswer = resp.json().await?;
        let exp = now + answer.expires_in.unwrap_or(60);
        *cached = Some((answer.access_token.clone(), exp));
        Ok(answer.access_token)
    }
}
