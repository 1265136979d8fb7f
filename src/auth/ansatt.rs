//! Logging in Skatteetaten's own employees: the shared OpenID Connect client ([`super::oidc`])
//! against the agency's employee directory (in production e.g. Entra ID), with its claims read as
//! such a directory gives them.
//!
//! - the employee is keyed by `oid` (the directory's stable object id), or `sub` where the
//!   directory has no `oid`;
//! - what they may do comes from the app roles in `roles` ([`Role`]); a role the portal does not
//!   know gives nothing;
//! - no `acr` is asked for: the directory decides how its people authenticate.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::oidc::{OidcClient, Pending, Verified};
use crate::form::Lang;

pub use super::oidc::{CallbackQuery, LoginError, OidcConfig, Url};

/// What an employee may do on the caseworker side, from the directory's app roles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Role {
    /// `skjemaforvalter`: owns forms — previews, versions, scenarios.
    Skjemaforvalter,
    /// `saksbehandler.<area>`: reads the submissions of one service area.
    Saksbehandler(String),
    /// `drift`: operations — deliveries and the outbox.
    Drift,
}

impl Role {
    /// The role as the directory writes it.
    pub fn as_claim(&self) -> String {
        match self {
            Role::Skjemaforvalter => "skjemaforvalter".into(),
            Role::Saksbehandler(area) => format!("saksbehandler.{area}"),
            Role::Drift => "drift".into(),
        }
    }

    /// A role from its claim value; `None` for one the portal does not know.
    pub fn parse(claim: &str) -> Option<Role> {
        match claim {
            "skjemaforvalter" => Some(Role::Skjemaforvalter),
            "drift" => Some(Role::Drift),
            _ => {
                let area = claim.strip_prefix("saksbehandler.")?;
                let valid = !area.is_empty()
                    && area
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                valid.then(|| Role::Saksbehandler(area.to_owned()))
            }
        }
    }
}

impl From<Role> for String {
    fn from(r: Role) -> String {
        r.as_claim()
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Role, String> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// An employee logged in.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Employee {
    /// The directory's key for the employee (`oid`, else `sub`).
    pub key: String,
    /// Their name, for the pages and the audit log.
    pub name: String,
    /// What they may do.
    pub roles: Vec<Role>,
    /// The directory's session id, if it gives one.
    pub sid: Option<String>,
    /// The raw id_token, for `id_token_hint` at logout.
    pub id_token: String,
}

impl fmt::Debug for Employee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Employee")
            .field("key", &self.key)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl Employee {
    /// Whether they own forms.
    pub fn is_form_owner(&self) -> bool {
        self.roles.contains(&Role::Skjemaforvalter)
    }

    /// Whether they work in operations.
    pub fn is_operations(&self) -> bool {
        self.roles.contains(&Role::Drift)
    }

    /// The service areas whose submissions they read.
    pub fn areas(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().filter_map(|r| match r {
            Role::Saksbehandler(a) => Some(a.as_str()),
            _ => None,
        })
    }

    /// Whether they read the submissions of `area`.
    pub fn reads_area(&self, area: &str) -> bool {
        self.areas().any(|a| a == area)
    }
}

/// The portal's client of the employee directory.
#[derive(Debug)]
pub struct AnsattClient(OidcClient);

impl AnsattClient {
    /// Reads the directory's discovery document and keys and builds the client.
    pub async fn discover(cfg: &OidcConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        OidcClient::discover(cfg, http).await.map(AnsattClient)
    }

    /// Whether `iss` is our issuer.
    pub fn is_issuer(&self, iss: &str) -> bool {
        self.0.is_issuer(iss)
    }

    /// Starts a login with the directory's pages in `lang`.
    pub async fn begin(&self, lang: Lang) -> Result<(Url, Pending), LoginError> {
        self.0.begin(None, lang).await
    }

    /// Finishes a login at the callback: the shared checks, then the employee's key and roles.
    pub async fn finish(
        &self,
        pending: &Pending,
        query: CallbackQuery,
    ) -> Result<Employee, LoginError> {
        employee(self.0.finish(pending, query).await?)
    }

    /// The URL that logs the employee out at the directory.
    pub fn end_session_url(&self, id_token_hint: &str, state: &str) -> Url {
        self.0.end_session_url(id_token_hint, state)
    }
}

/// The employee of a verified id_token.
fn employee(v: Verified) -> Result<Employee, LoginError> {
    let key = v.oid.clone().unwrap_or_else(|| v.sub.clone());
    if key.is_empty() {
        return Err(LoginError::BadIdToken("no oid or sub".into()));
    }
    let mut roles: Vec<Role> = Vec::new();
    for claim in &v.roles {
        match Role::parse(claim) {
            Some(r) if !roles.contains(&r) => roles.push(r),
            Some(_) => {}
            None => tracing::info!(role = %claim, "an unknown employee role gives nothing"),
        }
    }
    roles.sort();
    Ok(Employee {
        name: v.name.clone().unwrap_or_else(|| key.clone()),
        key,
        roles,
        sid: v.sid,
        id_token: v.id_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(oid: Option<&str>, roles: &[&str]) -> Verified {
        Verified {
            sub: "pairwise-sub".into(),
            acr: None,
            pid: None,
            sid: None,
            oid: oid.map(str::to_owned),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            name: Some("Sara Saksbehandler".into()),
            locale: None,
            amr: vec![],
            id_token: "t".into(),
        }
    }

    #[test]
    fn roles_are_read_and_unknown_ones_give_nothing() {
        let e = employee(verified(
            Some("oid-1"),
            &[
                "saksbehandler.grunnlagsdata",
                "Saksbehandler.Toll",
                "saksbehandler.",
                "drift",
                "admin",
                "drift",
            ],
        ))
        .unwrap();
        assert_eq!(e.key, "oid-1");
        assert_eq!(
            e.roles,
            vec![Role::Saksbehandler("grunnlagsdata".into()), Role::Drift]
        );
        assert!(e.reads_area("grunnlagsdata") && !e.reads_area("toll"));
        assert!(e.is_operations() && !e.is_form_owner());
    }

    #[test]
    fn the_key_falls_back_to_sub() {
        let e = employee(verified(None, &[])).unwrap();
        assert_eq!(e.key, "pairwise-sub");
        assert!(e.roles.is_empty());
    }

    #[test]
    fn roles_round_trip_as_their_claim() {
        for r in [
            Role::Skjemaforvalter,
            Role::Drift,
            Role::Saksbehandler("toll".into()),
        ] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_claim()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), r);
        }
    }
}
