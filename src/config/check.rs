//! What is wrong with a configuration, each problem naming its setting both ways (file key and
//! environment variable) so that it can be fixed wherever the value came from.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{AltinnSettings, CLIENT_AUTH_METHODS, Config, OidcSettings};
use super::{MaskinportenClientSettings, env_var};

/// Where a refused value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The environment variable.
    Environment,
    /// The configuration file.
    File(PathBuf),
    /// Wherever it came from: the value after defaults, file and environment were merged.
    Merged,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file key, e.g. `idporten.client_id` (empty when a file as a whole is at fault).
    pub key: String,
    /// The environment variable of the same setting, when it has one.
    pub env: Option<&'static str>,
    /// Where the value was read.
    pub origin: Origin,
    /// What is wrong, and what would do.
    pub message: String,
}

impl Problem {
    /// A problem with setting `key` (a file key from the settings list, or one the file has
    /// that is not a setting).
    pub(super) fn new(key: &str, origin: Origin, message: impl Into<String>) -> Problem {
        Problem {
            key: key.to_owned(),
            env: env_var(key),
            origin,
            message: message.into(),
        }
    }

    fn merged(key: &str, message: impl Into<String>) -> Problem {
        Problem::new(key, Origin::Merged, message)
    }
}

/// `TASTESKJEMA_X (x): …` for a value from the environment, else `x (TASTESKJEMA_X): …`, after
/// the file's path when it came from the file.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Origin::File(path) = &self.origin {
            write!(f, "{}: ", path.display())?;
        }
        match (&self.origin, self.env) {
            (_, _) if self.key.is_empty() => {}
            (Origin::Environment, Some(env)) => write!(f, "{env} ({}): ", self.key)?,
            (_, Some(env)) => write!(f, "{} ({env}): ", self.key)?,
            (_, None) => write!(f, "{}: ", self.key)?,
        }
        f.write_str(&self.message)
    }
}

/// The values given that are not what their setting takes (whether from the file or the
/// environment: both end up here).
pub(super) fn values(c: &Config) -> Vec<Problem> {
    let mut p = Vec::new();
    if let Some(u) = &c.public_url {
        url(&mut p, "public_url", u);
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&c.log_filter) {
        p.push(Problem::merged(
            "log_filter",
            format!(
                "{:?} is not a tracing filter ({e}; accepted: e.g. info or info,tasteskjema=debug)",
                c.log_filter
            ),
        ));
    }
    for (key, n) in [
        ("body_limit", c.body_limit as i128),
        ("db_max_connections", i128::from(c.db_max_connections)),
        ("login_per_minute", c.login_per_minute as i128),
        ("session_idle_s", i128::from(c.session_idle_s)),
        ("session_absolute_s", i128::from(c.session_absolute_s)),
        ("ansatt_idle_s", i128::from(c.ansatt_idle_s)),
        ("ansatt_absolute_s", i128::from(c.ansatt_absolute_s)),
        ("ar_open_hours", i128::from(c.ar_open_hours)),
        ("sftp_sessions_per_org", c.sftp_sessions_per_org as i128),
        ("sftp_idle_s", i128::from(c.sftp_idle_s)),
        ("request_timeout_s", i128::from(c.request_timeout_s)),
        (
            "db_statement_timeout_s",
            i128::from(c.db_statement_timeout_s),
        ),
        ("retention_draft_days", i128::from(c.retention_draft_days)),
        (
            "retention_submission_years",
            i128::from(c.retention_submission_years),
        ),
        ("retention_audit_years", i128::from(c.retention_audit_years)),
    ] {
        if n <= 0 {
            p.push(Problem::merged(
                key,
                format!("{n} is too small (accepted: 1 or more)"),
            ));
        }
    }
    // On PostgreSQL one connection of the pool listens for the other nodes' changes for as long as
    // the node runs: with only that one, no request would ever get a connection.
    let postgres = c
        .database_url
        .as_ref()
        .is_some_and(|u| u.expose().starts_with("postgres"));
    if postgres && c.db_max_connections == 1 {
        p.push(Problem::merged(
            "db_max_connections",
            "1 is too few on PostgreSQL: one connection listens for the other nodes' changes \
             (accepted: 2 or more)"
                .to_string(),
        ));
    }
    // The metrics are for the operators: never on the public port.
    if let Some(m) = c.metrics_listen
        && m.port() != 0
        && m.port() == c.listen.port()
    {
        p.push(Problem::merged(
            "metrics_listen",
            format!("{m} is the port the portal listens on; give the metrics a port of their own"),
        ));
    }
    for (section, settings) in [("idporten", &c.idporten), ("ansatt", &c.ansatt)] {
        let Some(s) = settings else { continue };
        if !s.issuer.is_empty() {
            url(&mut p, &format!("{section}.issuer"), &s.issuer);
        }
        if !CLIENT_AUTH_METHODS.contains(&s.client_auth.as_str()) {
            p.push(Problem::merged(
                &format!("{section}.client_auth"),
                format!(
                    "{:?} is not a client authentication method (accepted: {})",
                    s.client_auth,
                    CLIENT_AUTH_METHODS.join(", ")
                ),
            ));
        }
    }
    if let Some(a) = c.altinn.as_ref().filter(|a| !a.url.is_empty()) {
        url(&mut p, "altinn.url", &a.url);
    }
    for (key, value) in [
        ("domain_url", &c.domain_url),
        ("maskinporten_issuer", &c.maskinporten_issuer),
        ("dialogporten_url", &c.dialogporten_url),
        ("enhetsregisteret_url", &c.enhetsregisteret_url),
        ("folkeregister_url", &c.folkeregister_url),
        ("stand_ins_url", &c.stand_ins_url),
        ("otlp_endpoint", &c.otlp_endpoint),
    ] {
        if let Some(v) = value {
            url(&mut p, key, v);
        }
    }
    if let Some(v) = &c.clamd
        && crate::intake::clamd::ClamdAddr::parse(v).is_err()
    {
        p.push(Problem::merged(
            "clamd",
            format!("{v:?} is not a clamd address (accepted: tcp://HOST:PORT or unix:/PATH)"),
        ));
    }
    if c.api_audiences.iter().any(|a| a.trim().is_empty()) {
        p.push(Problem::merged(
            "api_audiences",
            "an audience is empty (accepted: non-empty `aud` values)",
        ));
    }
    if c.require_audience && c.api_audiences.is_empty() {
        p.push(Problem::merged(
            "require_audience",
            "is true, but api_audiences (TASTESKJEMA_API_AUDIENCES) names no audience: every API token would be refused",
        ));
    }
    p
}

/// An absolute http(s) URL with a host.
fn url(p: &mut Vec<Problem>, key: &str, value: &str) {
    let why = match openidconnect::url::Url::parse(value) {
        Err(e) => e.to_string(),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => format!("scheme {}", u.scheme()),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => "no host".into(),
        Ok(_) => return,
    };
    p.push(Problem::merged(
        key,
        format!("{value:?} is not an absolute http(s) URL ({why}; accepted: e.g. https://host.example/path)"),
    ));
}

/// What is needed and missing: the sections that are set must be complete, and production needs
/// the real services in place of every built-in stand-in (all listed at once). Key files must be
/// readable, the forms directory a directory.
pub(super) fn missing(c: &Config) -> Vec<Problem> {
    let mut p = Vec::new();
    let required = |p: &mut Vec<Problem>, key: &str, empty: bool| {
        if !empty {
            return;
        }
        let message = match key.split_once('.') {
            _ if c.production => "not set (required in production)".to_owned(),
            Some((section, _)) => {
                format!("not set (required once any other {section}.* setting is given)")
            }
            None => "not set".to_owned(),
        };
        p.push(Problem::merged(key, message));
    };
    for (section, settings) in [("idporten", &c.idporten), ("ansatt", &c.ansatt)] {
        if !(c.production || settings.is_some()) {
            continue;
        }
        let key = |field: &str| format!("{section}.{field}");
        let default = OidcSettings::default();
        let s = settings.as_ref().unwrap_or(&default);
        required(&mut p, &key("issuer"), s.issuer.is_empty());
        required(&mut p, &key("client_id"), s.client_id.is_empty());
        match s.client_auth.as_str() {
            "client_secret_basic" | "client_secret_post" => required(
                &mut p,
                &key("client_secret"),
                s.client_secret
                    .as_ref()
                    .is_none_or(|s| s.expose().is_empty()),
            ),
            "private_key_jwt" => {
                match s
                    .client_key_file
                    .as_deref()
                    .filter(|f| !f.as_os_str().is_empty())
                {
                    Some(f) => readable(&mut p, &key("client_key_file"), f),
                    None => required(&mut p, &key("client_key_file"), true),
                }
                required(
                    &mut p,
                    &key("client_key_id"),
                    s.client_key_id.as_ref().is_none_or(String::is_empty),
                );
            }
            // Named by the value check already.
            _ => {}
        }
    }
    if c.production || c.altinn.is_some() {
        let default = AltinnSettings::default();
        let a = c.altinn.as_ref().unwrap_or(&default);
        required(&mut p, "altinn.url", a.url.is_empty());
    }
    if c.production {
        required(&mut p, "domain_url", c.domain_url.is_none());
        required(
            &mut p,
            "maskinporten_issuer",
            c.maskinporten_issuer.is_none(),
        );
    }
    if c.production || c.maskinporten_client.is_some() {
        let default = MaskinportenClientSettings::default();
        let m = c.maskinporten_client.as_ref().unwrap_or(&default);
        required(
            &mut p,
            "maskinporten_client.client_id",
            m.client_id.is_empty(),
        );
        if m.key_file.as_os_str().is_empty() {
            required(&mut p, "maskinporten_client.key_file", true);
        } else {
            readable(&mut p, "maskinporten_client.key_file", &m.key_file);
        }
        required(&mut p, "maskinporten_client.key_id", m.key_id.is_empty());
    }
    if c.production {
        required(&mut p, "dialogporten_url", c.dialogporten_url.is_none());
        required(
            &mut p,
            "enhetsregisteret_url",
            c.enhetsregisteret_url.is_none(),
        );
        required(&mut p, "folkeregister_url", c.folkeregister_url.is_none());
        match &c.public_url {
            None => p.push(Problem::merged(
                "public_url",
                "not set (required in production: the https address browsers reach)",
            )),
            Some(u) => {
                // An unreadable URL is named by the value check already.
                if openidconnect::url::Url::parse(u).is_ok_and(|u| u.scheme() != "https") {
                    p.push(Problem::merged(
                        "public_url",
                        format!("{u:?} is not https (required in production)"),
                    ));
                }
            }
        }
    }
    if c.stand_ins_url.is_some() {
        if c.production {
            p.push(Problem::merged(
                "stand_ins_url",
                "the built-in stand-ins are refused in production: configure the real systems",
            ));
        } else {
            required(
                &mut p,
                "stand_ins_secret",
                c.shared_stand_ins_secret().is_none(),
            );
        }
    }
    if !c.production {
        development_only_here(&mut p, c);
    }
    if !c.forms_dir.is_dir() {
        p.push(Problem::merged(
            "forms_dir",
            format!("{} is not a directory", c.forms_dir.display()),
        ));
    }
    p
}

/// Development mode mounts the built-in stand-ins, where anyone can log in as anyone and read any
/// party's inbox: it serves this machine only. A portal that others can reach runs in production.
fn development_only_here(p: &mut Vec<Problem>, c: &Config) {
    const WHY: &str = "development mode (built-in stand-ins: anyone can log in as anyone) serves \
                       this machine only; set production = true (TASTESKJEMA_PRODUCTION=true) for \
                       a portal others can reach";
    if !c.listen.ip().is_loopback() {
        p.push(Problem::merged(
            "listen",
            format!("{} is not a loopback address: {WHY}", c.listen),
        ));
    }
    if let Some(at) = c.metrics_listen
        && !at.ip().is_loopback()
    {
        p.push(Problem::merged(
            "metrics_listen",
            format!("{at} is not a loopback address: {WHY}"),
        ));
    }
    // The test organisations' SFTP keys are in the source tree.
    if let Some(at) = c.sftp_listen
        && !at.ip().is_loopback()
    {
        p.push(Problem::merged(
            "sftp_listen",
            format!("{at} is not a loopback address: {WHY}"),
        ));
    }
    // The stand-ins process lets anyone log in as anyone too.
    for (key, value) in [
        ("public_url", &c.public_url),
        ("stand_ins_url", &c.stand_ins_url),
    ] {
        if let Some(u) = value
            && let Ok(url) = openidconnect::url::Url::parse(u)
        {
            let local = match url.host() {
                Some(openidconnect::url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !local {
                p.push(Problem::merged(
                    key,
                    format!("{u:?} is not on this machine: {WHY}"),
                ));
            }
        }
    }
}

/// A key file the portal will read at start.
fn readable(p: &mut Vec<Problem>, key: &str, path: &Path) {
    if let Err(e) = std::fs::read(path) {
        p.push(Problem::merged(
            key,
            format!("cannot read {}: {e}", path.display()),
        ));
    }
}
