//! Logging in with ID-porten: the portal's OIDC client against the built-in stand-in, over real
//! HTTP, the whole way from the login page to a person keyed by `pid` — and every known attack on
//! the flow failing.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tasteskjema::auth::idporten::{
    CallbackQuery, ClientAuth, IdportenClient, LoginError, OidcConfig, PendingLogin, Url,
    http_client,
};
use tasteskjema::config::Secret;
use tasteskjema::dev::idporten::{self, DevClient, IdpConfig, IdpState};
use tasteskjema::form::Lang;
use tasteskjema::form::definition::Level;
use tasteskjema::form::no::Fodselsnummer;

const CLIENT_ID: &str = "tasteskjema-test";
/// Characters that Basic authentication must form-encode.
const CLIENT_SECRET: &str = "a test secret: with + odd & characters";
const PORTAL_KID: &str = "portal-key-1";
const SUBSTANTIAL: &str = "idporten-loa-substantial";
const HIGH: &str = "idporten-loa-high";

/// A second RSA key, made once per run: the portal's `private_key_jwt` key, and the key an
/// attacker signs forged id_tokens with (it is not the IdP's).
static OTHER_KEY_PEM: LazyLock<String> = LazyLock::new(|| {
    use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
});

/// The stand-in's own (public, development-only) key, to make tokens the IdP could have made.
fn idp_key_pem() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/dev/keys/idporten-dev.pem"
    ))
    .unwrap()
}

/// A valid synthetic fødselsnummer (month + 80) born on `ddmmyy` with month already + 80.
fn person(ddmmyy: &str) -> String {
    (100..1000)
        .flat_map(|individ| (0..100).map(move |k| format!("{ddmmyy}{individ:03}{k:02}")))
        .find(|s| Fodselsnummer::parse(s).is_ok())
        .unwrap()
}

fn synthetic_pid() -> String {
    let pid = person("158185");
    assert!(Fodselsnummer::parse(&pid).unwrap().is_synthetic());
    pid
}

/// The stand-in IdP and a few portal routes, on a free port.
struct Idp {
    base: String,
    issuer: String,
    /// The user's browser: keeps cookies, follows no redirects (the test follows them).
    browser: reqwest::Client,
    /// The queries of front-channel logout calls received.
    frontchannel: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

async fn spawn_idp() -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = format!("{base}/dev/idporten");
    let config = IdpConfig {
        issuer: issuer.clone(),
        clients: vec![DevClient {
            client_id: CLIENT_ID.into(),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            jwks: Some(idporten::public_jwks(&OTHER_KEY_PEM, PORTAL_KID).unwrap()),
            redirect_uris: vec![format!("{base}/callback")],
            post_logout_redirect_uris: vec![format!("{base}/logged-out")],
            frontchannel_logout_uri: Some(format!("{base}/logout/frontchannel")),
        }],
        people: vec![],
        employees: vec![],
    };
    let state = Arc::new(IdpState::new(config).unwrap());
    let frontchannel = Arc::new(Mutex::new(Vec::new()));
    let seen = frontchannel.clone();
    let app = Router::new()
        .nest("/dev/idporten", idporten::router(state))
        // The portal's callback, reduced to handing its query back to the test.
        .route(
            "/callback",
            get(|Query(q): Query<CallbackQuery>| async move { Json(q) }),
        )
        .route(
            "/logout/frontchannel",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(q);
                    "logged out"
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Idp {
        base,
        issuer,
        browser: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap(),
        frontchannel,
    }
}

struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn reply(r: reqwest::Response) -> Reply {
    Reply {
        status: r.status().as_u16(),
        location: r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: r.text().await.unwrap(),
    }
}

/// The value of `attr` in the first tag that starts with `tag_start`.
fn attr(html: &str, tag_start: &str, attr: &str) -> String {
    let tag = &html[html
        .find(tag_start)
        .unwrap_or_else(|| panic!("{tag_start} in {html}"))..];
    let tag = &tag[..tag.find('>').unwrap()];
    let from = tag.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
    tag[from..from + tag[from..].find('"').unwrap()].replace("&amp;", "&")
}

fn query_of(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The claims of a JWT, unverified.
fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

impl Idp {
    fn config(&self, client_auth: ClientAuth, use_par: bool) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_auth,
            redirect_uri: format!("{}/callback", self.base),
            post_logout_redirect_uri: format!("{}/logged-out", self.base),
            use_par,
        }
    }

    async fn client_with(&self, client_auth: ClientAuth, use_par: bool) -> IdportenClient {
        IdportenClient::discover(&self.config(client_auth, use_par), http_client().unwrap())
            .await
            .unwrap()
    }

    async fn client(&self) -> IdportenClient {
        self.client_with(ClientAuth::SecretBasic(Secret::new(CLIENT_SECRET)), false)
            .await
    }

    /// Opens the login page the portal sent the browser to.
    async fn login_page(&self, url: &Url) -> String {
        let page = reply(self.browser.get(url.as_str()).send().await.unwrap()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(r#"name="pid""#), "{}", page.body);
        assert!(page.body.contains(r#"name="acr""#), "{}", page.body);
        page.body
    }

    /// Submits the login page as `pid` at `acr` (or presses `action`).
    async fn submit(&self, page: &str, pid: &str, acr: &str, action: &str) -> Reply {
        let login = attr(page, r#"<input type="hidden" name="login""#, "value");
        let path = attr(page, "<form", "action");
        let r = self
            .browser
            .post(format!("{}{path}", self.base))
            .form(&[
                ("login", login.as_str()),
                ("pid", pid),
                ("acr", acr),
                ("action", action),
            ])
            .send()
            .await
            .unwrap();
        reply(r).await
    }

    /// Follows the IdP's redirect to the portal's callback; gives the callback's query.
    async fn callback(&self, redirect: &Reply) -> CallbackQuery {
        assert_eq!(redirect.status, 303, "{}", redirect.body);
        let location = redirect.location.clone().unwrap();
        assert!(
            location.starts_with(&format!("{}/callback?", self.base)),
            "{location}"
        );
        self.browser
            .get(location)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The browser's part of a login: page, form, back to the callback.
    async fn log_in(&self, url: &Url, pid: &str, acr: &str) -> CallbackQuery {
        let page = self.login_page(url).await;
        let redirect = self.submit(&page, pid, acr, "login").await;
        self.callback(&redirect).await
    }

    /// The kid the IdP signs with.
    async fn kid(&self) -> String {
        let jwks: Value = reqwest::get(format!("{}/jwks", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
    }

    /// id_token claims as the IdP would make them, living `ttl` seconds from now.
    fn claims(&self, nonce: &str, acr: &str, ttl: i64) -> Value {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": "pairwise-sub",
            "pid": synthetic_pid(), "acr": acr, "amr": ["TestID"], "sid": "sid-1",
            "nonce": nonce, "locale": "nb", "auth_time": now - 5,
            "iat": now.min(now + ttl) - 5, "exp": now + ttl, "jti": "j1",
        })
    }
}

fn sign(claims: &Value, key_pem: &str, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// Starts a login for a form at `level` and logs in as a synthetic person at `acr`.
async fn log_in(
    idp: &Idp,
    client: &IdportenClient,
    level: Level,
    acr: &str,
) -> (PendingLogin, CallbackQuery) {
    let (url, pending) = client.begin(level, Lang::Nb).await.unwrap();
    let callback = idp.log_in(&url, &synthetic_pid(), acr).await;
    (pending, callback)
}

#[tokio::test]
async fn discovery_describes_the_stand_in_like_id_porten() {
    let idp = spawn_idp().await;
    let d: Value = reqwest::get(format!("{}/.well-known/openid-configuration", idp.issuer))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], idp.issuer.as_str());
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["acr_values_supported"], json!([SUBSTANTIAL, HIGH]));
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert_eq!(d["ui_locales_supported"], json!(["nb", "nn", "en", "se"]));
    assert_eq!(d["frontchannel_logout_session_supported"], true);
    for m in [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ] {
        assert!(
            d["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(m))
        );
    }
    assert_eq!(
        d["pushed_authorization_request_endpoint"],
        format!("{}/par", idp.issuer).as_str()
    );
}

#[tokio::test]
async fn a_person_logs_in_with_client_secret_basic_and_is_keyed_by_pid() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (url, pending) = client.begin(Level::Substantial, Lang::Nn).await.unwrap();
    let q = query_of(url.as_str());
    assert_eq!(q["acr_values"], SUBSTANTIAL);
    assert_eq!(q["ui_locales"], "nn");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], pending.state);
    assert_eq!(q["nonce"], pending.nonce);
    assert!(!url.as_str().contains(&pending.pkce_verifier));

    let pid = synthetic_pid();
    let callback = idp.log_in(&url, &pid, SUBSTANTIAL).await;
    assert_eq!(callback.iss.as_deref(), Some(idp.issuer.as_str()));
    let me = client.finish(&pending, callback).await.unwrap();
    assert_eq!(me.pid, pid);
    assert_eq!(me.acr, Level::Substantial);
    assert_eq!(me.locale.as_deref(), Some("nn"));
    assert_eq!(me.amr, ["TestID"]);
    assert!(!me.sid.is_empty());
    // sub is a pairwise pseudonym: never the person.
    let claims = payload(&me.id_token);
    assert_ne!(claims["sub"], pid.as_str());
    assert_eq!(claims["pid"], pid.as_str());
}

#[tokio::test]
async fn the_login_page_is_plain_html_in_the_chosen_language() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (url, _) = client.begin(Level::High, Lang::En).await.unwrap();
    let page = idp.login_page(&url).await;
    assert!(page.contains(r#"<html lang="en">"#), "{page}");
    assert!(page.contains(r#"<label for="pid">"#));
    assert!(page.contains("<legend>"));
    assert!(page.contains(r#"<form method="post""#));
    // The level asked for is the one chosen unless the user picks another.
    assert!(
        page.contains(r#"value="idporten-loa-high" checked"#),
        "{page}"
    );
    // Works under a strict CSP: no script, no inline style.
    assert!(!page.contains("<script") && !page.contains("style="));
}

#[tokio::test]
async fn the_login_page_refuses_a_wrong_or_real_fodselsnummer() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (url, pending) = client.begin(Level::Substantial, Lang::Nb).await.unwrap();
    let page = idp.login_page(&url).await;

    let wrong = idp.submit(&page, "12345678901", SUBSTANTIAL, "login").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains(r#"role="alert""#) && wrong.body.contains("aria-invalid"));
    // A well-formed number of a real-looking person (no + 80) is not accepted either.
    let real = idp
        .submit(&page, &person("150185"), SUBSTANTIAL, "login")
        .await;
    assert_eq!(real.status, 400, "{}", real.body);

    let ok = idp
        .submit(&wrong.body, &synthetic_pid(), SUBSTANTIAL, "login")
        .await;
    let callback = idp.callback(&ok).await;
    assert!(client.finish(&pending, callback).await.is_ok());
}

#[tokio::test]
async fn a_person_logs_in_with_client_secret_post() {
    let idp = spawn_idp().await;
    let client = idp
        .client_with(ClientAuth::SecretPost(Secret::new(CLIENT_SECRET)), false)
        .await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    assert!(client.finish(&pending, callback).await.is_ok());

    let wrong = idp
        .client_with(ClientAuth::SecretPost(Secret::new("not the secret")), false)
        .await;
    let (pending, callback) = log_in(&idp, &wrong, Level::Substantial, SUBSTANTIAL).await;
    let err = wrong.finish(&pending, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::TokenExchange(m) if m.contains("invalid_client")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_person_logs_in_with_private_key_jwt() {
    let idp = spawn_idp().await;
    let client = idp
        .client_with(
            ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new(OTHER_KEY_PEM.as_str()),
                kid: PORTAL_KID.into(),
            },
            false,
        )
        .await;
    let (pending, callback) = log_in(&idp, &client, Level::High, HIGH).await;
    let me = client.finish(&pending, callback).await.unwrap();
    assert_eq!(me.acr, Level::High);

    // A client assertion signed with a key that is not registered is refused.
    let impostor = idp
        .client_with(
            ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new(idp_key_pem()),
                kid: PORTAL_KID.into(),
            },
            false,
        )
        .await;
    let (pending, callback) = log_in(&idp, &impostor, Level::Substantial, SUBSTANTIAL).await;
    let err = impostor.finish(&pending, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::TokenExchange(m) if m.contains("invalid_client")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_pushed_authorization_request_is_used_once() {
    let idp = spawn_idp().await;
    let client = idp
        .client_with(
            ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new(OTHER_KEY_PEM.as_str()),
                kid: PORTAL_KID.into(),
            },
            true,
        )
        .await;
    assert!(client.uses_par());
    let (url, pending) = client.begin(Level::Substantial, Lang::Nb).await.unwrap();
    let q = query_of(url.as_str());
    // Only a reference travels through the browser.
    assert_eq!(q.len(), 2, "{url}");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert!(q["request_uri"].starts_with("urn:ietf:params:oauth:request_uri:"));
    let callback = idp.log_in(&url, &synthetic_pid(), SUBSTANTIAL).await;
    assert!(client.finish(&pending, callback).await.is_ok());

    let again = reply(idp.browser.get(url.as_str()).send().await.unwrap()).await;
    assert_eq!(again.status, 400);

    // PAR with a client secret works as well.
    let basic = idp
        .client_with(ClientAuth::SecretBasic(Secret::new(CLIENT_SECRET)), true)
        .await;
    let (pending, callback) = log_in(&idp, &basic, Level::Substantial, SUBSTANTIAL).await;
    assert!(basic.finish(&pending, callback).await.is_ok());
}

#[tokio::test]
async fn a_wrong_or_missing_state_fails_before_the_code_is_used() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let forged = CallbackQuery {
        state: Some("forged".into()),
        ..callback.clone()
    };
    assert_eq!(
        client.finish(&pending, forged).await.unwrap_err(),
        LoginError::StateMismatch
    );
    let missing = CallbackQuery {
        state: None,
        ..callback.clone()
    };
    assert_eq!(
        client.finish(&pending, missing).await.unwrap_err(),
        LoginError::StateMismatch
    );
    // Nothing was spent: the genuine callback still works.
    assert!(client.finish(&pending, callback).await.is_ok());
}

#[tokio::test]
async fn a_replayed_code_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    assert!(client.finish(&pending, callback.clone()).await.is_ok());
    let err = client.finish(&pending, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::TokenExchange(m) if m.contains("invalid_grant")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrong_nonce_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let other = PendingLogin {
        nonce: "a-nonce-from-another-login".into(),
        ..pending
    };
    let err = client.finish(&other, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::BadIdToken(m) if m.contains("nonce")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_pkce_verifier_mismatch_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let other = PendingLogin {
        pkce_verifier: URL_SAFE_NO_PAD.encode([7u8; 32]),
        ..pending
    };
    let err = client.finish(&other, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::TokenExchange(m) if m.contains("invalid_grant")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_callback_from_another_issuer_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let mixed_up = CallbackQuery {
        iss: Some("https://idporten.attacker.example".into()),
        ..callback.clone()
    };
    assert_eq!(
        client.finish(&pending, mixed_up).await.unwrap_err(),
        LoginError::IssuerMismatch
    );
    // The issuer promises iss, so a response without it is refused too.
    let without = CallbackQuery {
        iss: None,
        ..callback.clone()
    };
    assert_eq!(
        client.finish(&pending, without).await.unwrap_err(),
        LoginError::IssuerMismatch
    );
    assert!(client.finish(&pending, callback).await.is_ok());
}

#[tokio::test]
async fn an_id_token_signed_by_another_key_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let kid = idp.kid().await;
    let claims = idp.claims("n-1", SUBSTANTIAL, 120);
    // The control: the IdP's key makes a token that passes.
    let genuine = sign(&claims, &idp_key_pem(), Some(&kid));
    let me = client
        .verify_id_token(&genuine, "n-1", Level::Substantial)
        .await
        .unwrap();
    assert_eq!(me.pid, claims["pid"].as_str().unwrap());

    for forged in [
        sign(&claims, &OTHER_KEY_PEM, Some(&kid)),
        sign(&claims, &OTHER_KEY_PEM, Some("attackers-key")),
        sign(&claims, &OTHER_KEY_PEM, None),
    ] {
        let err = client
            .verify_id_token(&forged, "n-1", Level::Substantial)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, LoginError::BadIdToken(m) if m.contains("signature")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn an_unsigned_or_hmac_id_token_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let claims = idp.claims("n-1", SUBSTANTIAL, 120);
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // HS256 keyed with the client secret: valid only where the secret may verify tokens.
    let hmac = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
    )
    .unwrap();
    for token in [none, hmac] {
        let err = client
            .verify_id_token(&token, "n-1", Level::Substantial)
            .await
            .unwrap_err();
        assert!(matches!(err, LoginError::BadIdToken(_)), "{err:?}");
    }
}

#[tokio::test]
async fn an_expired_id_token_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let kid = idp.kid().await;
    let expired = sign(
        &idp.claims("n-1", SUBSTANTIAL, -10),
        &idp_key_pem(),
        Some(&kid),
    );
    let err = client
        .verify_id_token(&expired, "n-1", Level::Substantial)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LoginError::BadIdToken(m) if m.contains("xpired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_id_token_for_another_client_or_from_another_issuer_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let kid = idp.kid().await;
    let mut other_aud = idp.claims("n-1", SUBSTANTIAL, 120);
    other_aud["aud"] = json!("another-client");
    let mut other_iss = idp.claims("n-1", SUBSTANTIAL, 120);
    other_iss["iss"] = json!("https://idporten.attacker.example");
    let mut no_pid = idp.claims("n-1", SUBSTANTIAL, 120);
    no_pid.as_object_mut().unwrap().remove("pid");
    for claims in [other_aud, other_iss, no_pid] {
        let token = sign(&claims, &idp_key_pem(), Some(&kid));
        let err = client
            .verify_id_token(&token, "n-1", Level::Substantial)
            .await
            .unwrap_err();
        assert!(matches!(err, LoginError::BadIdToken(_)), "{err:?}");
    }
}

#[tokio::test]
async fn a_level_too_low_for_the_form_fails() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    // The form needs high; the user picks substantial on the login page.
    let (pending, callback) = log_in(&idp, &client, Level::High, SUBSTANTIAL).await;
    assert_eq!(
        client.finish(&pending, callback).await.unwrap_err(),
        LoginError::AcrTooLow {
            required: Level::High,
            got: Some(SUBSTANTIAL.into())
        }
    );
    // High is enough for a form that needs substantial.
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, HIGH).await;
    assert_eq!(
        client.finish(&pending, callback).await.unwrap().acr,
        Level::High
    );
}

#[tokio::test]
async fn a_cancelled_login_reports_the_idp_error() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (url, pending) = client.begin(Level::Substantial, Lang::Nb).await.unwrap();
    let page = idp.login_page(&url).await;
    let redirect = idp.submit(&page, "", "", "cancel").await;
    let callback = idp.callback(&redirect).await;
    let err = client.finish(&pending, callback).await.unwrap_err();
    assert_eq!(err.code(), "cancelled", "{err:?}");
}

#[tokio::test]
async fn the_authorize_endpoint_refuses_bad_requests() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (url, _) = client.begin(Level::Substantial, Lang::Nb).await.unwrap();
    let with = |key: &str, value: Option<&str>| {
        let mut u = url.clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != key)
            .collect();
        let mut q = u.query_pairs_mut();
        q.clear().extend_pairs(pairs);
        if let Some(v) = value {
            q.append_pair(key, v);
        }
        drop(q);
        u
    };
    // An unregistered redirect URI is never redirected to.
    let r = reply(
        idp.browser
            .get(with("redirect_uri", Some("https://attacker.example/cb")).as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, r.location), (400, None));
    let r = reply(
        idp.browser
            .get(with("client_id", Some("unknown")).as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, r.location), (400, None));
    // Without PKCE the client hears why, at its own redirect URI.
    let r = reply(
        idp.browser
            .get(with("code_challenge", None).as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 303);
    let q = query_of(&r.location.unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(q["iss"], idp.issuer);
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let r = http
            .post(format!("{}/token", idp.issuer))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", "guessed"),
                ("redirect_uri", &format!("{}/callback", idp.base)),
                ("code_verifier", &URL_SAFE_NO_PAD.encode([1u8; 32])),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if status == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"], "rate_limited");
        }
        statuses.push(status);
    }
    assert!(statuses[..30].iter().all(|s| *s == 400), "{statuses:?}");
    assert!(statuses[30..].iter().all(|s| *s == 429), "{statuses:?}");
    // The real client is held back too, until the window passes.
    let err = client.finish(&pending, callback).await.unwrap_err();
    assert!(
        matches!(&err, LoginError::TokenExchange(m) if m.contains("rate_limited")),
        "{err:?}"
    );
}

#[tokio::test]
async fn logging_out_calls_the_front_channel_logout_with_the_sid() {
    let idp = spawn_idp().await;
    let client = idp.client().await;
    let (pending, callback) = log_in(&idp, &client, Level::Substantial, SUBSTANTIAL).await;
    let me = client.finish(&pending, callback).await.unwrap();

    let url = client.end_session_url(&me.id_token, "logout-state");
    let page = reply(idp.browser.get(url.as_str()).send().await.unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let frame = attr(&page.body, "<iframe", "src");
    let q = query_of(&frame);
    assert_eq!(q["sid"], me.sid);
    assert_eq!(q["iss"], idp.issuer);
    // The iframe loads without JavaScript; here the test loads it.
    assert_eq!(
        reply(idp.browser.get(&frame).send().await.unwrap())
            .await
            .status,
        200
    );
    assert_eq!(idp.frontchannel.lock().unwrap()[0]["sid"], me.sid);
    let back = attr(&page.body, "<a ", "href");
    assert_eq!(back, format!("{}/logged-out?state=logout-state", idp.base));

    // The IdP session is over: a second logout has no one left to tell.
    let again = reply(idp.browser.get(url.as_str()).send().await.unwrap()).await;
    assert_eq!(again.status, 200);
    assert!(!again.body.contains("<iframe"));

    // Only registered post-logout URIs are redirected to.
    let mut evil = url.clone();
    evil.query_pairs_mut()
        .clear()
        .append_pair("id_token_hint", &me.id_token)
        .append_pair("post_logout_redirect_uri", "https://attacker.example/");
    let r = reply(idp.browser.get(evil.as_str()).send().await.unwrap()).await;
    assert_eq!(r.status, 400);
}
