//! Logging in with ID-porten: the shared OpenID Connect client ([`super::oidc`]) with what
//! ID-porten adds.
//!
//! - `acr_values` from the form's level, and the id_token's `acr` must reach it;
//! - the person is keyed by `pid`, never by `sub` (which is pairwise and says nothing about who it is);
//! - `sid` is required: front-channel logout names it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::oidc::{OidcClient, Pending, Verified};
use crate::form::Lang;
use crate::form::definition::Level;

pub use super::oidc::{CallbackQuery, ClientAuth, LoginError, OidcConfig, Url, http_client};

/// The `acr` value of a level.
pub fn acr_value(level: Level) -> &'static str {
    match level {
        Level::Substantial => "idporten-loa-substantial",
        Level::High => "idporten-loa-high",
    }
}

/// The level of an `acr` value; `None` for values ID-porten does not issue.
pub fn parse_acr(acr: &str) -> Option<Level> {
    match acr {
        "idporten-loa-substantial" => Some(Level::Substantial),
        "idporten-loa-high" => Some(Level::High),
        _ => None,
    }
}

/// What [`IdportenClient::begin`] started: keep it in the session until the callback, then give
/// it to [`IdportenClient::finish`] once (remove it from the session first, so it cannot be
/// replayed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingLogin {
    /// The `state` sent; the callback must bring it back.
    pub state: String,
    /// The `nonce` sent; the id_token must carry it.
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent.
    pub pkce_verifier: String,
    /// The level the form needs.
    #[serde(with = "level_as_acr")]
    pub acr_required: Level,
}

impl PendingLogin {
    fn oidc(&self) -> Pending {
        Pending {
            state: self.state.clone(),
            nonce: self.nonce.clone(),
            pkce_verifier: self.pkce_verifier.clone(),
        }
    }
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("acr_required", &self.acr_required)
            .finish_non_exhaustive()
    }
}

/// A person logged in: keyed by `pid`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoggedIn {
    /// Fødselsnummer or d-nummer: the person's key.
    pub pid: String,
    /// The level reached.
    #[serde(with = "level_as_acr")]
    pub acr: Level,
    /// ID-porten's session id, which front-channel logout names.
    pub sid: String,
    /// The raw id_token, for `id_token_hint` at logout.
    pub id_token: String,
    /// The language the user used at ID-porten, if given.
    pub locale: Option<String>,
    /// How the person authenticated, e.g. `["TestID"]`, `["BankID"]`.
    pub amr: Vec<String>,
}

impl fmt::Debug for LoggedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never a whole person number in a log.
        f.debug_struct("LoggedIn")
            .field(
                "pid",
                &format_args!("{}", crate::form::no::masked(&self.pid)),
            )
            .field("acr", &self.acr)
            .field("sid", &self.sid)
            .field("locale", &self.locale)
            .field("amr", &self.amr)
            .finish_non_exhaustive()
    }
}

/// The portal's client of one ID-porten issuer.
#[derive(Debug)]
pub struct IdportenClient(OidcClient);

impl IdportenClient {
    /// Reads the issuer's discovery document and keys and builds the client. `http` must not
    /// follow redirects (see [`http_client`]).
    pub async fn discover(cfg: &OidcConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        OidcClient::discover(cfg, http).await.map(IdportenClient)
    }

    /// The issuer, exactly as discovered.
    pub fn issuer(&self) -> &str {
        self.0.issuer()
    }

    /// Whether `iss` (e.g. of a front-channel logout request) is our issuer.
    pub fn is_issuer(&self, iss: &str) -> bool {
        self.0.is_issuer(iss)
    }

    /// Whether logins push their request (PAR).
    pub fn uses_par(&self) -> bool {
        self.0.uses_par()
    }

    /// Starts a login for a form that needs `level`, with ID-porten's pages in `lang`: the URL to
    /// send the browser to, and what to keep in the session until the callback.
    pub async fn begin(&self, level: Level, lang: Lang) -> Result<(Url, PendingLogin), LoginError> {
        let (url, p) = self.0.begin(Some(acr_value(level)), lang).await?;
        Ok((
            url,
            PendingLogin {
                state: p.state,
                nonce: p.nonce,
                pkce_verifier: p.pkce_verifier,
                acr_required: level,
            },
        ))
    }

    /// Finishes a login at the callback: checks `state` and `iss`, exchanges the code, verifies
    /// the id_token and the level. `pending` is what [`begin`](Self::begin) gave.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        query: CallbackQuery,
    ) -> Result<LoggedIn, LoginError> {
        let verified = self.0.finish(&pending.oidc(), query).await?;
        logged_in(verified, pending.acr_required)
    }

    /// Verifies a raw id_token as [`finish`](Self::finish) does: RS256 with the issuer's keys,
    /// `iss`, `aud`, `exp`, `nonce`, then the level and `pid`.
    pub async fn verify_id_token(
        &self,
        raw: &str,
        nonce: &str,
        acr_required: Level,
    ) -> Result<LoggedIn, LoginError> {
        logged_in(self.0.verify_id_token(raw, nonce).await?, acr_required)
    }

    /// The URL that logs the user out of ID-porten (RP-initiated logout); ID-porten then calls
    /// every client's front-channel logout and sends the user to our `post_logout_redirect_uri`
    /// with `state`.
    pub fn end_session_url(&self, id_token_hint: &str, state: &str) -> Url {
        self.0.end_session_url(id_token_hint, state)
    }
}

/// The person of a verified id_token: the level reached (only a verified `acr` means anything),
/// a well-formed `pid` and a `sid`.
fn logged_in(v: Verified, acr_required: Level) -> Result<LoggedIn, LoginError> {
    let acr = match v.acr.as_deref().and_then(parse_acr) {
        Some(acr) if acr >= acr_required => acr,
        _ => {
            return Err(LoginError::AcrTooLow {
                required: acr_required,
                got: v.acr,
            });
        }
    };
    let pid = v
        .pid
        .filter(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| LoginError::BadIdToken("no valid pid".into()))?;
    let sid = v
        .sid
        .ok_or_else(|| LoginError::BadIdToken("no sid".into()))?;
    Ok(LoggedIn {
        pid,
        acr,
        sid,
        id_token: v.id_token,
        locale: v.locale,
        amr: v.amr,
    })
}

/// Stores a [`Level`] as its `acr` value.
mod level_as_acr {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{Level, acr_value, parse_acr};

    pub fn serialize<S: Serializer>(level: &Level, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(acr_value(*level))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
        let s = String::deserialize(d)?;
        parse_acr(&s).ok_or_else(|| D::Error::custom(format!("unknown acr {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile-time check: the client can live in shared state and its futures can run in axum
    /// handlers on any worker thread.
    #[allow(dead_code)]
    fn usable_from_handlers(c: &IdportenClient, p: &PendingLogin) {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<IdportenClient>();
        send(c.begin(Level::High, Lang::Nb));
        send(c.finish(p, CallbackQuery::default()));
        send(c.verify_id_token("", "", Level::High));
    }

    #[test]
    fn high_is_at_least_substantial() {
        assert!(Level::High >= Level::Substantial);
        assert!(Level::Substantial < Level::High);
        for l in [Level::Substantial, Level::High] {
            assert_eq!(parse_acr(acr_value(l)), Some(l));
        }
        assert_eq!(parse_acr("Level4"), None);
    }

    #[test]
    fn pending_login_round_trips_and_hides_its_secrets() {
        let p = PendingLogin {
            state: "st".into(),
            nonce: "no".into(),
            pkce_verifier: "verifier-secret".into(),
            acr_required: Level::High,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("idporten-loa-high"));
        assert_eq!(serde_json::from_str::<PendingLogin>(&json).unwrap(), p);
        assert!(!format!("{p:?}").contains("verifier-secret"));
    }

    #[test]
    fn logged_in_debug_masks_the_pid() {
        let l = LoggedIn {
            pid: "01818012345".into(),
            acr: Level::Substantial,
            sid: "s".into(),
            id_token: "secret.token.here".into(),
            locale: None,
            amr: vec![],
        };
        let d = format!("{l:?}");
        assert!(!d.contains("01818012345") && !d.contains("secret.token"));
    }
}
