//! Maskinporten: the built-in stand-in issues system-user tokens over real HTTP, the portal's
//! `TokenValidator` accepts them — and refuses every token or grant an attacker could bring.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tasteskjema::auth::idporten::http_client;
use tasteskjema::auth::maskinporten::{
    M2mCaller, MaskinportenConfig, SystemUser, TokenError, TokenValidator,
};
use tasteskjema::dev::idporten::public_jwks;
use tasteskjema::dev::maskinporten::{
    self, DevM2mClient, DevSystemUser, JWT_BEARER_GRANT, MaskinportenState,
};
use tasteskjema::dev::registry::Registry;

const SAMEIE: &str = "skatteetaten:innrapporteringboligsameie";
const SELSKAP: &str = "skatteetaten:innrapporteringboligselskap";
/// The vendor: its system, client and key.
const VENDOR: &str = "311800019";
const SYSTEM_ID: &str = "311800019_testsystem";
const CLIENT_ID: &str = "3f0c7a52-9d1e-4b6a-8c2f-5e7d9a1b3c40";
const CLIENT_KID: &str = "vendor-key-1";
/// A second client of the same vendor, for the rate limit.
const OTHER_CLIENT_ID: &str = "8a2e4c6f-1b3d-4f5a-9c7e-0d2f4a6c8e10";
const OTHER_CLIENT_KID: &str = "vendor-key-2";
/// The customer with a system user for the vendor's system.
const CUSTOMER: &str = "819897522";
const SYSTEM_USER_ID: &str = "c2a5e8f1-4b7d-4e9a-8c3f-6d1b4e7a9c25";
/// A customer without one.
const OTHER_CUSTOMER: &str = "932061899";

/// An RSA key that is neither the stand-in's nor the vendor's: an attacker's.
static ATTACKER_KEY_PEM: LazyLock<String> = LazyLock::new(|| {
    use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
});

/// A development key from `dev/keys`.
fn dev_key(file: &str) -> String {
    std::fs::read_to_string(format!("{}/dev/keys/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn client_key_pem() -> String {
    dev_key("maskinporten-dev-client.pem")
}

fn issuer_key_pem() -> String {
    dev_key("maskinporten-dev.pem")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Signs `claims` with RS256 (or `alg`) under `kid`.
fn signed(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn rsa_signed(pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    signed(Algorithm::RS256, &key, kid, claims)
}

/// A grant signed by the vendor's client key.
fn vendor_signed(claims: &Value) -> String {
    rsa_signed(&client_key_pem(), Some(CLIENT_KID), claims)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The stand-in on a free port, and a count of the requests it got by path.
struct Stand {
    issuer: String,
    state: Arc<MaskinportenState>,
    metadata_hits: Arc<AtomicUsize>,
    jwks_hits: Arc<AtomicUsize>,
    http: reqwest::Client,
}

/// The stand-in with the vendor's two clients and one system user.
async fn spawn_stand_in() -> Stand {
    spawn_with(|issuer| {
        let client = |client_id: &str, kid: &str| DevM2mClient {
            client_id: client_id.into(),
            org: VENDOR.into(),
            system_id: SYSTEM_ID.into(),
            scopes: vec![SAMEIE.into(), SELSKAP.into()],
            public_jwk: public_jwks(&client_key_pem(), kid).unwrap().keys.remove(0),
        };
        MaskinportenState::new(
            issuer,
            vec![
                client(CLIENT_ID, CLIENT_KID),
                client(OTHER_CLIENT_ID, OTHER_CLIENT_KID),
            ],
            vec![DevSystemUser {
                id: SYSTEM_USER_ID.into(),
                org: CUSTOMER.into(),
                system_id: SYSTEM_ID.into(),
            }],
        )
        .unwrap()
    })
    .await
}

async fn spawn_with(make: impl FnOnce(String) -> MaskinportenState) -> Stand {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!(
        "http://{}/dev/maskinporten/",
        listener.local_addr().unwrap()
    );
    let state = Arc::new(make(issuer.clone()));
    let metadata_hits = Arc::new(AtomicUsize::new(0));
    let jwks_hits = Arc::new(AtomicUsize::new(0));
    let (m, j) = (metadata_hits.clone(), jwks_hits.clone());
    let app = Router::new()
        .nest("/dev/maskinporten", maskinporten::router(state.clone()))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let path = req.uri().path();
                if path.ends_with("/.well-known/oauth-authorization-server") {
                    m.fetch_add(1, Ordering::SeqCst);
                } else if path.ends_with("/jwks") {
                    j.fetch_add(1, Ordering::SeqCst);
                }
                next.run(req)
            },
        ));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Stand {
        issuer,
        state,
        metadata_hits,
        jwks_hits,
        http: reqwest::Client::new(),
    }
}

impl Stand {
    fn validator_for(&self, issuer: &str) -> TokenValidator {
        TokenValidator::new(
            MaskinportenConfig::new(issuer.to_owned()),
            http_client().unwrap(),
        )
        .unwrap()
    }

    fn validator(&self) -> TokenValidator {
        self.validator_for(&self.issuer)
    }

    /// (metadata, JWKS) requests so far.
    fn fetches(&self) -> (usize, usize) {
        (
            self.metadata_hits.load(Ordering::SeqCst),
            self.jwks_hits.load(Ordering::SeqCst),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The stand-in's kid (read from its state: the fetch counts stay the validator's).
    fn kid(&self) -> String {
        self.state.jwks()["keys"][0]["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The claims of a JWT grant from the vendor's client, for the customer's system user.
    fn grant(&self) -> Value {
        json!({
            "aud": self.issuer, "iss": CLIENT_ID, "scope": SAMEIE,
            "iat": now(), "exp": now() + 60, "jti": uuid::Uuid::new_v4().to_string(),
            "authorization_details": [{
                "type": "urn:altinn:systemuser",
                "systemuser_org": { "authority": "iso6523-actorid-upis", "ID": format!("0192:{CUSTOMER}") },
            }],
        })
    }

    /// Posts a token request with `assertion`: the status and the JSON answer.
    async fn post_token(&self, assertion: &str) -> (u16, Value) {
        self.post_form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)])
            .await
    }

    async fn post_form(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}token", self.issuer))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// Posts `form` to the token endpoint, which must refuse it with 400: the OAuth error and
    /// its description.
    async fn refusal_of(&self, form: &[(&str, &str)]) -> (String, String) {
        let (status, body) = self.post_form(form).await;
        assert_eq!(status, 400, "{body}");
        let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
        (text("error"), text("error_description"))
    }

    /// Posts `assertion`, which the token endpoint must refuse (see [`Stand::refusal_of`]).
    async fn refusal(&self, assertion: &str) -> (String, String) {
        self.refusal_of(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)])
            .await
    }

    /// An access token from the token endpoint for the grant `claims`, signed by the vendor.
    async fn token_for(&self, claims: &Value) -> String {
        let (status, body) = self.post_token(&vendor_signed(claims)).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Access token claims as the stand-in makes them, to be altered and signed by a test.
    fn access_claims(&self) -> Value {
        json!({
            "scope": SAMEIE, "iss": self.issuer, "client_amr": "private_key_jwt",
            "token_type": "Bearer", "exp": now() + 120, "iat": now(), "client_id": CLIENT_ID,
            "jti": "j-1", "consumer": { "authority": "iso6523-actorid-upis", "ID": format!("0192:{VENDOR}") },
        })
    }

    /// `claims` signed with the stand-in's own key: a token it could have issued.
    fn issued(&self, claims: &Value) -> String {
        rsa_signed(&issuer_key_pem(), Some(&self.kid()), claims)
    }
}

/// The error of an access-token check.
async fn refused(v: &TokenValidator, token: &str) -> TokenError {
    v.validate(Some(&bearer(token)), SAMEIE).await.unwrap_err()
}

#[tokio::test]
async fn the_metadata_describes_the_stand_in_like_maskinporten() {
    let mp = spawn_stand_in().await;
    let m = mp.get(".well-known/oauth-authorization-server").await;
    assert_eq!(m["issuer"], mp.issuer.as_str());
    assert!(mp.issuer.ends_with("/dev/maskinporten/"));
    assert_eq!(m["token_endpoint"], format!("{}token", mp.issuer));
    assert_eq!(m["jwks_uri"], format!("{}jwks", mp.issuer));
    assert_eq!(m["grant_types_supported"], json!([JWT_BEARER_GRANT]));
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    let jwks = mp.get("jwks").await;
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert!(jwks["keys"][0].get("d").is_none(), "no private parts");
}

#[tokio::test]
async fn a_system_user_token_from_the_token_endpoint_is_valid() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    // Lazy: nothing is fetched before the first token arrives.
    assert_eq!(mp.fetches(), (0, 0));
    let r = mp
        .http
        .post(format!("{}token", mp.issuer))
        .form(&[
            ("grant_type", JWT_BEARER_GRANT),
            ("assertion", &vendor_signed(&mp.grant())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["scope"], SAMEIE);
    let token = body["access_token"].as_str().unwrap();

    let caller = v.validate(Some(&bearer(token)), SAMEIE).await.unwrap();
    assert_eq!(
        caller,
        M2mCaller {
            client_id: CLIENT_ID.into(),
            consumer_org: VENDOR.into(),
            scopes: vec![SAMEIE.into()],
            system_user: Some(SystemUser {
                id: SYSTEM_USER_ID.into(),
                org: CUSTOMER.into(),
                system_id: SYSTEM_ID.into(),
            }),
            jti: caller.jti.clone(),
        }
    );
    assert!(caller.jti.as_deref().is_some_and(|j| !j.is_empty()));
    assert_eq!(mp.fetches(), (1, 1));
    // The keys are cached, also for clones of the validator.
    let again = mp.token_for(&mp.grant()).await;
    v.clone()
        .validate(Some(&bearer(&again)), SAMEIE)
        .await
        .unwrap();
    assert_eq!(mp.fetches(), (1, 1));
}

#[tokio::test]
async fn a_grant_without_a_system_user_gives_the_vendor_its_own_token() {
    let mp = spawn_stand_in().await;
    let mut grant = mp.grant();
    grant
        .as_object_mut()
        .unwrap()
        .remove("authorization_details");
    grant["scope"] = json!(format!("{SAMEIE} {SELSKAP}"));
    // Without a kid, the client is found by iss.
    let (status, body) = mp
        .post_token(&rsa_signed(&client_key_pem(), None, &grant))
        .await;
    assert_eq!(status, 200, "{body}");
    let caller = mp
        .validator()
        .validate(
            Some(&bearer(body["access_token"].as_str().unwrap())),
            SELSKAP,
        )
        .await
        .unwrap();
    assert_eq!(caller.system_user, None);
    assert_eq!(caller.consumer_org, VENDOR);
    assert_eq!(caller.scopes, [SAMEIE, SELSKAP]);
}

#[tokio::test]
async fn a_missing_or_non_bearer_header_or_garbage_fails() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let token = mp.token_for(&mp.grant()).await;
    assert_eq!(
        v.validate(None, SAMEIE).await.unwrap_err(),
        TokenError::MissingToken
    );
    for header in [
        format!("Basic {token}"),
        format!("DPoP {token}"),
        token.clone(),
    ] {
        assert_eq!(
            v.validate(Some(&header), SAMEIE).await.unwrap_err(),
            TokenError::NotBearer
        );
    }
    for garbage in [
        "garbage",
        "a.b.c",
        "",
        format!("{token}x.y").as_str(),
        &token[..token.rfind('.').unwrap()],
    ] {
        let err = v
            .validate(Some(&bearer(garbage)), SAMEIE)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "malformed_token", "{garbage}: {err:?}");
        assert!(!err.is_forbidden());
    }
    // The scheme is case-insensitive (RFC 7235).
    assert!(
        v.validate(Some(&format!("bearer {token}")), SAMEIE)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn unsigned_and_hmac_tokens_fail_before_any_key_is_fetched() {
    use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _, LineEnding};
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let kid = mp.kid();
    let claims = mp.access_claims();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "kid": kid }).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // The classic confusion attack: HS256 keyed with the issuer's public key, which anyone has.
    let public_pem = rsa::RsaPrivateKey::from_pkcs8_pem(&issuer_key_pem())
        .unwrap()
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let hmac = signed(
        Algorithm::HS256,
        &EncodingKey::from_secret(public_pem.as_bytes()),
        Some(&kid),
        &claims,
    );
    // A stronger RSA variant is still not the one Maskinporten signs with.
    let rs512 = signed(
        Algorithm::RS512,
        &EncodingKey::from_rsa_pem(issuer_key_pem().as_bytes()).unwrap(),
        Some(&kid),
        &claims,
    );
    for (token, alg) in [(none, "none"), (hmac, "HS256"), (rs512, "RS512")] {
        assert_eq!(
            refused(&v, &token).await,
            TokenError::UnsupportedAlgorithm(alg.into())
        );
    }
    assert_eq!(mp.fetches(), (0, 0), "no key was looked up");
}

#[tokio::test]
async fn a_token_signed_by_another_key_fails() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let claims = mp.access_claims();
    // The control: the stand-in's key makes a token that passes.
    assert!(
        v.validate(Some(&bearer(&mp.issued(&claims))), SAMEIE)
            .await
            .is_ok()
    );
    let forged = rsa_signed(&ATTACKER_KEY_PEM, Some(&mp.kid()), &claims);
    assert_eq!(refused(&v, &forged).await, TokenError::BadSignature);
    // Altered claims under the real signature fail too.
    let real = mp.issued(&claims);
    let parts: Vec<&str> = real.split('.').collect();
    let mut wider = claims.clone();
    wider["scope"] = json!(format!("{SAMEIE} {SELSKAP}"));
    let altered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(wider.to_string()),
        parts[2]
    );
    assert_eq!(refused(&v, &altered).await, TokenError::BadSignature);
    // Without a kid no key is chosen.
    let no_kid = rsa_signed(&issuer_key_pem(), None, &claims);
    assert_eq!(refused(&v, &no_kid).await.code(), "malformed_token");
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_keys_once_not_on_every_request() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let good = mp.token_for(&mp.grant()).await;
    v.validate(Some(&bearer(&good)), SAMEIE).await.unwrap();
    assert_eq!(mp.fetches(), (1, 1));
    let claims = mp.access_claims();
    let rotated = rsa_signed(&ATTACKER_KEY_PEM, Some("rotated-key"), &claims);
    assert_eq!(refused(&v, &rotated).await, TokenError::UnknownKey);
    assert_eq!(mp.fetches(), (1, 2), "one fetch for the unknown kid");
    // A flood of made-up kids, one after another and at once, fetches nothing more.
    for i in 0..5 {
        let token = rsa_signed(&ATTACKER_KEY_PEM, Some(&format!("made-up-{i}")), &claims);
        assert_eq!(refused(&v, &token).await, TokenError::UnknownKey);
    }
    let at_once: Vec<_> = (0..20)
        .map(|i| {
            let v = v.clone();
            let token = rsa_signed(&ATTACKER_KEY_PEM, Some(&format!("burst-{i}")), &claims);
            tokio::spawn(async move { v.validate(Some(&bearer(&token)), SAMEIE).await })
        })
        .collect();
    for task in at_once {
        assert_eq!(task.await.unwrap().unwrap_err(), TokenError::UnknownKey);
    }
    assert_eq!(mp.fetches(), (1, 2));
    // The known key still works, from the cache.
    v.validate(Some(&bearer(&good)), SAMEIE).await.unwrap();
    assert_eq!(mp.fetches(), (1, 2));
}

#[tokio::test]
async fn the_first_requests_at_once_fetch_the_keys_once() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let good = mp.token_for(&mp.grant()).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (v, header) = (v.clone(), bearer(&good));
            tokio::spawn(async move { v.validate(Some(&header), SAMEIE).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(mp.fetches(), (1, 1));
}

#[tokio::test]
async fn a_token_from_another_issuer_fails() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let without_slash = mp.issuer.trim_end_matches('/').to_owned();
    for iss in [
        json!("https://maskinporten.no/"),
        json!(without_slash),
        json!(format!("{}/", mp.issuer)),
        json!([mp.issuer]),
        Value::Null,
    ] {
        let mut claims = mp.access_claims();
        claims["iss"] = iss.clone();
        let token = mp.issued(&claims);
        let err = refused(&v, &token).await;
        assert!(
            matches!(err, TokenError::WrongIssuer | TokenError::InvalidClaims(_)),
            "{iss}: {err:?}"
        );
        assert!(!err.is_forbidden());
    }
    // The issuer is compared as configured: without its slash it is another issuer, whose
    // metadata (naming the issuer with the slash) is not used.
    let unslashed = mp.validator_for(&without_slash);
    let token = mp.token_for(&mp.grant()).await;
    assert_eq!(refused(&unslashed, &token).await.code(), "keys_unavailable");
}

#[tokio::test]
async fn an_expired_or_future_token_fails() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let at = |iat: u64, exp: u64| {
        let mut c = mp.access_claims();
        c["iat"] = json!(iat);
        c["exp"] = json!(exp);
        c
    };
    let expired = mp.issued(&at(now() - 300, now() - 60));
    assert_eq!(refused(&v, &expired).await, TokenError::Expired);
    // A few seconds of clock skew are forgiven.
    let just = mp.issued(&at(now() - 120, now() - 3));
    assert!(v.validate(Some(&bearer(&just)), SAMEIE).await.is_ok());
    let future = mp.issued(&at(now() + 300, now() + 420));
    assert_eq!(refused(&v, &future).await, TokenError::NotYetValid);
    let mut no_exp = mp.access_claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    let token = mp.issued(&no_exp);
    assert_eq!(refused(&v, &token).await.code(), "invalid_claims");
}

#[tokio::test]
async fn a_token_without_the_scope_is_forbidden() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let mut grant = mp.grant();
    grant["scope"] = json!(SELSKAP);
    let token = mp.token_for(&grant).await;
    let err = v.validate(Some(&bearer(&token)), SAMEIE).await.unwrap_err();
    assert_eq!(
        err,
        TokenError::InsufficientScope {
            required: SAMEIE.into()
        }
    );
    assert!(err.is_forbidden());
    // A scope that merely starts like the required one is not it.
    let mut prefix = mp.access_claims();
    prefix["scope"] = json!(format!("{SAMEIE}:extra {SAMEIE}x"));
    let token = mp.issued(&prefix);
    assert!(refused(&v, &token).await.is_forbidden());
}

#[tokio::test]
async fn a_replayed_grant_is_refused() {
    let mp = spawn_stand_in().await;
    let assertion = vendor_signed(&mp.grant());
    assert_eq!(mp.post_token(&assertion).await.0, 200);
    let (error, description) = mp.refusal(&assertion).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("jti"), "{description}");
}

#[tokio::test]
async fn a_grant_for_another_audience_is_refused() {
    let mp = spawn_stand_in().await;
    for aud in [
        json!("https://maskinporten.no/"),
        json!(format!("{}token", mp.issuer)),
        json!([mp.issuer]),
        Value::Null,
    ] {
        let mut grant = mp.grant();
        grant["aud"] = aud.clone();
        let (error, description) = mp.refusal(&vendor_signed(&grant)).await;
        assert_eq!(error, "invalid_grant", "{aud}");
        assert!(description.contains("aud"), "{aud}: {description}");
    }
    // The issuer without its trailing slash is the same audience.
    let mut grant = mp.grant();
    grant["aud"] = json!(mp.issuer.trim_end_matches('/'));
    mp.token_for(&grant).await;
}

#[tokio::test]
async fn a_grant_that_is_forged_old_or_long_lived_is_refused() {
    let mp = spawn_stand_in().await;
    let mut old = mp.grant();
    old["iat"] = json!(now() - 200);
    old["exp"] = json!(now() - 80);
    let mut long = mp.grant();
    long["exp"] = json!(now() + 600);
    let mut other_iss = mp.grant();
    other_iss["iss"] = json!(OTHER_CLIENT_ID);
    let mut no_jti = mp.grant();
    no_jti.as_object_mut().unwrap().remove("jti");
    let client_key = EncodingKey::from_rsa_pem(client_key_pem().as_bytes()).unwrap();
    let hmac_key = EncodingKey::from_secret(b"secret");
    for (why, assertion) in [
        (
            "signature does not match",
            rsa_signed(&ATTACKER_KEY_PEM, Some(CLIENT_KID), &mp.grant()),
        ),
        (
            "kid",
            rsa_signed(&client_key_pem(), Some("unknown"), &mp.grant()),
        ),
        (
            "RS256",
            signed(Algorithm::HS256, &hmac_key, Some(CLIENT_KID), &mp.grant()),
        ),
        (
            "RS256",
            signed(Algorithm::RS512, &client_key, Some(CLIENT_KID), &mp.grant()),
        ),
        ("has expired", vendor_signed(&old)),
        ("at most 120 seconds", vendor_signed(&long)),
        ("iss must be the client_id", vendor_signed(&other_iss)),
        ("no jti", vendor_signed(&no_jti)),
        ("not a signed JWT", "not.a.jwt".to_owned()),
    ] {
        // Each refused for its own reason, which the description names.
        let (error, description) = mp.refusal(&assertion).await;
        assert_eq!(error, "invalid_grant", "{why}");
        assert!(description.contains(why), "{why}: {description}");
    }
    let wrong_grant_type = [("grant_type", "client_credentials"), ("assertion", "x.y.z")];
    let (error, _) = mp.refusal_of(&wrong_grant_type).await;
    assert_eq!(error, "unsupported_grant_type");
    let (error, _) = mp.refusal_of(&[("grant_type", JWT_BEARER_GRANT)]).await;
    assert_eq!(error, "invalid_request");
}

#[tokio::test]
async fn a_scope_the_client_is_not_registered_for_is_refused() {
    let mp = spawn_stand_in().await;
    let two = format!("{SAMEIE} skatteetaten:annet");
    for scope in ["skatteetaten:annet", two.as_str()] {
        let mut grant = mp.grant();
        grant["scope"] = json!(scope);
        let (error, description) = mp.refusal(&vendor_signed(&grant)).await;
        assert_eq!(error, "invalid_scope", "{description}");
        assert!(description.contains("skatteetaten:annet"), "{description}");
    }
}

#[tokio::test]
async fn an_organisation_without_a_system_user_is_refused() {
    let mp = spawn_stand_in().await;
    let mut grant = mp.grant();
    grant["authorization_details"][0]["systemuser_org"]["ID"] =
        json!(format!("0192:{OTHER_CUSTOMER}"));
    let (error, description) = mp.refusal(&vendor_signed(&grant)).await;
    assert_eq!(error, "invalid_grant");
    assert!(
        description.contains(OTHER_CUSTOMER) && description.contains(SYSTEM_ID),
        "{description}"
    );
    let mut malformed = mp.grant();
    malformed["authorization_details"][0]["systemuser_org"]["ID"] = json!("0192:819897523");
    let (error, _) = mp.refusal(&vendor_signed(&malformed)).await;
    assert_eq!(error, "invalid_authorization_details");
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited_per_client() {
    let mp = spawn_stand_in().await;
    // Forged grants count too: the limit is checked before the signature.
    let forged = rsa_signed(&ATTACKER_KEY_PEM, Some(OTHER_CLIENT_KID), &mp.grant());
    for _ in 0..30 {
        assert_eq!(mp.post_token(&forged).await.0, 400);
    }
    let r = mp
        .http
        .post(format!("{}token", mp.issuer))
        .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &forged)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Another client is not held back.
    mp.token_for(&mp.grant()).await;
}

#[tokio::test]
async fn mint_issues_what_the_token_endpoint_issues() {
    let mp = spawn_stand_in().await;
    let v = mp.validator();
    let minted = mp.state.mint(CLIENT_ID, Some(CUSTOMER), SAMEIE).unwrap();
    let fetched = mp.token_for(&mp.grant()).await;
    let minted_caller = v.validate(Some(&bearer(&minted)), SAMEIE).await.unwrap();
    let fetched_caller = v.validate(Some(&bearer(&fetched)), SAMEIE).await.unwrap();
    assert_eq!(
        M2mCaller {
            jti: None,
            ..minted_caller
        },
        M2mCaller {
            jti: None,
            ..fetched_caller
        }
    );
    let claims =
        |jwt: &str| -> Value { jsonwebtoken::dangerous::insecure_decode_claims(jwt).unwrap() };
    assert_eq!(names(&claims(&minted)), names(&claims(&fetched)));
    assert!(
        mp.state
            .mint(CLIENT_ID, Some(OTHER_CUSTOMER), SAMEIE)
            .is_err()
    );
}

#[tokio::test]
async fn the_dev_token_command_prints_a_token_for_a_registry_system_user() {
    let mp = spawn_with(|issuer| {
        MaskinportenState::from_registry(issuer, &Registry::embedded(), &[SAMEIE.into()]).unwrap()
    })
    .await;
    let run = |production: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("TASTESKJEMA_CONFIG")
            .env("TASTESKJEMA_PRODUCTION", production)
            .args(["dev", "token", "--org", CUSTOMER, "--scope", SAMEIE])
            .args(["--issuer", &mp.issuer])
            .output()
            .unwrap()
    };
    let out = run("false");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let caller = mp
        .validator()
        .validate(Some(&bearer(token.trim())), SAMEIE)
        .await
        .unwrap();
    let registry = Registry::embedded();
    let expected = registry
        .system_users()
        .iter()
        .find(|s| s.orgnr == CUSTOMER)
        .unwrap();
    let user = caller.system_user.unwrap();
    assert_eq!(
        (user.id.as_str(), user.org.as_str()),
        (expected.id.as_str(), CUSTOMER)
    );

    let out = run("true");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("production"));
}

/// The claim names of a JSON object, sorted.
fn names(v: &Value) -> Vec<String> {
    let mut names: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

#[tokio::test]
async fn tokens_and_grants_have_the_shapes_of_the_reference_examples() {
    let Some(dir) = crate::reference::reference_dir() else {
        return;
    };
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(dir.join("digdir").join(file)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let mut reference = read("maskinporten-systembruker-access-token.claims.json");
    let reference_grant = read("maskinporten-systembruker-jwt-grant.claims.json");
    let mp = spawn_stand_in().await;

    // What the stand-in issues has the reference token's claims, and our grants its grant's.
    let minted: Value = jsonwebtoken::dangerous::insecure_decode_claims(
        mp.state.mint(CLIENT_ID, Some(CUSTOMER), SAMEIE).unwrap(),
    )
    .unwrap();
    assert_eq!(names(&minted), names(&reference));
    assert_eq!(
        names(&minted["authorization_details"][0]),
        names(&reference["authorization_details"][0])
    );
    assert_eq!(names(&minted["consumer"]), names(&reference["consumer"]));
    assert_eq!(names(&mp.grant()), names(&reference_grant));

    // The reference token, as if the stand-in had issued it just now, reads as it says.
    reference["iss"] = json!(mp.issuer);
    reference["iat"] = json!(now());
    reference["exp"] = json!(now() + 120);
    let token = mp.issued(&reference);
    let scope = reference["scope"].as_str().unwrap();
    let caller = mp
        .validator()
        .validate(Some(&bearer(&token)), scope)
        .await
        .unwrap();
    let details = &reference["authorization_details"][0];
    let orgnr = |v: &Value| v["ID"].as_str().unwrap()["0192:".len()..].to_owned();
    assert_eq!(caller.client_id, reference["client_id"].as_str().unwrap());
    assert_eq!(caller.consumer_org, orgnr(&reference["consumer"]));
    assert_eq!(
        caller.system_user,
        Some(SystemUser {
            id: details["systemuser_id"][0].as_str().unwrap().to_owned(),
            org: orgnr(&details["systemuser_org"]),
            system_id: details["system_id"].as_str().unwrap().to_owned(),
        })
    );
}
