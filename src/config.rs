//! Configuration, layered: defaults → optional TOML file → `TASTESKJEMA_*` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must never reach a log line.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the portal needs to start.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The portal's own URL as browsers reach it (e.g. `https://skjema.example.no`); by default
    /// `http://` and the address it listens on. The stand-ins' issuer and the login callback use it.
    pub public_url: Option<String>,
    /// Where the SQLite file (and other local state) lives.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; default: SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Where the form files are.
    pub forms_dir: PathBuf,
    /// Log line format.
    pub log_format: LogFormat,
    /// `tracing` filter, e.g. `info,tasteskjema=debug`.
    pub log_filter: String,
    /// Production refuses the built-in stand-ins and requires https.
    pub production: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Max database connections.
    pub db_max_connections: u32,
    /// Login starts and callbacks allowed per client address and minute.
    pub login_per_minute: usize,
    /// A session ends after this many seconds without a request.
    pub session_idle_s: i64,
    /// A login ends this many seconds after it began, active or not.
    pub session_absolute_s: i64,
    /// The real ID-porten (required in production; outside it the built-in stand-in is used).
    pub idporten: Option<IdportenSettings>,
    /// The real Altinn Authorization (required in production; outside it the built-in registry).
    pub altinn: Option<AltinnSettings>,
    /// Another registry file for the built-in Altinn stand-in (same layout as `dev/registry.toml`).
    pub dev_registry: Option<PathBuf>,
    /// How long the built-in domain systems take before their feedback is ready (milliseconds).
    pub dev_domain_delay_ms: u64,
    /// The domain systems' intake (required in production; outside it the built-in stand-in).
    pub domain_url: Option<String>,
    /// Outbox workers in this process.
    pub outbox_workers: usize,
    /// The Maskinporten issuer whose tokens the API accepts, as in `iss` (with its trailing
    /// slash; required in production; outside it the built-in stand-in).
    pub maskinporten_issuer: Option<String>,
    /// The portal's own Maskinporten client (as Dialogporten's service owner); outside production
    /// the built-in one.
    pub maskinporten_client: Option<MaskinportenClientSettings>,
    /// Dialogporten's base URL (required in production; outside it the built-in stand-in).
    pub dialogporten_url: Option<String>,
    /// clamd for virus scanning of attachments: `tcp://host:port` or `unix:/path` (none: files
    /// are checked by content only).
    pub clamd: Option<String>,
    /// Keep attachment bytes in this directory instead of the database.
    pub attachment_dir: Option<PathBuf>,
    /// Proxies whose forwarded client address is believed.
    #[serde(skip)]
    pub trusted_proxies: Vec<IpNet>,
    /// The `aud` values of this API.
    pub api_audiences: Vec<String>,
    /// Refuse tokens without `aud`.
    pub require_audience: bool,
}

/// A network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` is in it.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        match (self.addr, ip) {
            (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b)) => {
                let m = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(a) & m == u32::from(b) & m
            }
            _ => self.addr == ip,
        }
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, p) = s.split_once('/').unwrap_or((s, "32"));
        Ok(IpNet {
            addr: a.parse().map_err(|_| s.to_owned())?,
            prefix: p.parse().map_err(|_| s.to_owned())?,
        })
    }
}

/// The portal's own client at Maskinporten.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MaskinportenClientSettings {
    /// The client id.
    pub client_id: String,
    /// PEM file of its RSA key.
    pub key_file: PathBuf,
    /// The key id registered with Maskinporten.
    pub key_id: String,
}

/// How the portal logs in at ID-porten.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdportenSettings {
    /// The issuer, e.g. `https://test.idporten.no`.
    pub issuer: String,
    /// Our client id.
    pub client_id: String,
    /// `client_secret_basic`, `client_secret_post` or `private_key_jwt` (the default).
    #[serde(default = "default_client_auth")]
    pub client_auth: String,
    /// The secret, for the `client_secret_*` methods.
    pub client_secret: Option<Secret>,
    /// PEM file of our RSA key, for `private_key_jwt`.
    pub client_key_file: Option<PathBuf>,
    /// The key id registered with ID-porten, for `private_key_jwt`.
    pub client_key_id: Option<String>,
    /// Push authorization requests (PAR) when the issuer offers it.
    #[serde(default = "yes")]
    pub use_par: bool,
}

fn default_client_auth() -> String {
    "private_key_jwt".into()
}

fn yes() -> bool {
    true
}

/// Where Altinn Authorization is and how the portal authenticates to it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AltinnSettings {
    /// The platform's base URL, e.g. `https://platform.tt02.altinn.no`.
    pub url: String,
    /// The bearer token for the platform (an Altinn token exchanged from Maskinporten).
    pub token: Option<Secret>,
    /// The API gateway's subscription key.
    pub subscription_key: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            forms_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/forms")),
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
            production: false,
            body_limit: 10 * 1024 * 1024,
            db_max_connections: 16,
            login_per_minute: 30,
            session_idle_s: 30 * 60,
            session_absolute_s: 120 * 60,
            idporten: None,
            altinn: None,
            dev_registry: None,
            dev_domain_delay_ms: 3000,
            domain_url: None,
            outbox_workers: 2,
            maskinporten_issuer: None,
            maskinporten_client: None,
            dialogporten_url: None,
            clamd: None,
            attachment_dir: None,
            trusted_proxies: Vec::new(),
            api_audiences: Vec::new(),
            require_audience: false,
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file is not valid.
    #[error("{0}: {1}")]
    Parse(PathBuf, String),
    /// An environment variable is not valid.
    #[error("{0}: {1}")]
    Env(&'static str, String),
}

impl Config {
    /// Loads defaults, then `file` (or `TASTESKJEMA_CONFIG`) if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, |k| std::env::var(k).ok())
    }

    /// As [`Config::load`], reading variables through `env` (tests pass their own).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env("TASTESKJEMA_CONFIG").map(PathBuf::from));
        let mut c = match &file {
            Some(p) => {
                let s = std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.clone(), e))?;
                toml::from_str(&s).map_err(|e| ConfigError::Parse(p.clone(), e.to_string()))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("TASTESKJEMA_LISTEN") {
            c.listen = v
                .parse()
                .map_err(|e| ConfigError::Env("TASTESKJEMA_LISTEN", format!("{e}")))?;
        }
        if let Some(v) = env("TASTESKJEMA_PUBLIC_URL").filter(|v| !v.is_empty()) {
            c.public_url = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = env("TASTESKJEMA_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env("TASTESKJEMA_DATABASE_URL").filter(|v| !v.is_empty()) {
            c.database_url = Some(Secret(v));
        }
        if let Some(v) = env("TASTESKJEMA_FORMS_DIR") {
            c.forms_dir = v.into();
        }
        if let Some(v) = env("TASTESKJEMA_LOG_FORMAT") {
            c.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                _ => return Err(ConfigError::Env("TASTESKJEMA_LOG_FORMAT", v)),
            };
        }
        if let Some(v) = env("TASTESKJEMA_LOG") {
            c.log_filter = v;
        }
        if let Some(v) = env("TASTESKJEMA_PRODUCTION") {
            c.production = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("TASTESKJEMA_LOGIN_PER_MINUTE") {
            c.login_per_minute = v
                .parse()
                .map_err(|e| ConfigError::Env("TASTESKJEMA_LOGIN_PER_MINUTE", format!("{e}")))?;
        }
        for (var, field) in [
            ("TASTESKJEMA_SESSION_IDLE_S", &mut c.session_idle_s),
            ("TASTESKJEMA_SESSION_ABSOLUTE_S", &mut c.session_absolute_s),
        ] {
            if let Some(v) = env(var) {
                *field = v.parse().ok().filter(|n: &i64| *n > 0).ok_or_else(|| {
                    ConfigError::Env(var, format!("{v} is not a number of seconds"))
                })?;
            }
        }
        if let Some(v) = env("TASTESKJEMA_MASKINPORTEN_ISSUER").filter(|v| !v.is_empty()) {
            c.maskinporten_issuer = Some(v);
        }
        if let Some(v) = env("TASTESKJEMA_DIALOGPORTEN_URL").filter(|v| !v.is_empty()) {
            c.dialogporten_url = Some(v);
        }
        if let Some(v) = env("TASTESKJEMA_CLAMD").filter(|v| !v.is_empty()) {
            c.clamd = Some(v);
        }
        if let Some(v) = env("TASTESKJEMA_ATTACHMENT_DIR").filter(|v| !v.is_empty()) {
            c.attachment_dir = Some(v.into());
        }
        if let Some(client_id) = env("TASTESKJEMA_MASKINPORTEN_CLIENT_ID").filter(|v| !v.is_empty())
        {
            c.maskinporten_client = Some(MaskinportenClientSettings {
                client_id,
                key_file: env("TASTESKJEMA_MASKINPORTEN_KEY_FILE")
                    .unwrap_or_default()
                    .into(),
                key_id: env("TASTESKJEMA_MASKINPORTEN_KEY_ID").unwrap_or_default(),
            });
        }
        if let Some(v) = env("TASTESKJEMA_DOMAIN_URL").filter(|v| !v.is_empty()) {
            c.domain_url = Some(v);
        }
        if let Some(v) = env("TASTESKJEMA_DEV_DOMAIN_DELAY_MS") {
            c.dev_domain_delay_ms = v
                .parse()
                .map_err(|e| ConfigError::Env("TASTESKJEMA_DEV_DOMAIN_DELAY_MS", format!("{e}")))?;
        }
        if let Some(v) = env("TASTESKJEMA_OUTBOX_WORKERS") {
            c.outbox_workers = v
                .parse()
                .map_err(|e| ConfigError::Env("TASTESKJEMA_OUTBOX_WORKERS", format!("{e}")))?;
        }
        if let Some(v) = env("TASTESKJEMA_DEV_REGISTRY").filter(|v| !v.is_empty()) {
            c.dev_registry = Some(v.into());
        }
        if let Some(issuer) = env("TASTESKJEMA_IDPORTEN_ISSUER").filter(|v| !v.is_empty()) {
            c.idporten = Some(IdportenSettings {
                issuer,
                client_id: env("TASTESKJEMA_IDPORTEN_CLIENT_ID").unwrap_or_default(),
                client_auth: env("TASTESKJEMA_IDPORTEN_CLIENT_AUTH")
                    .unwrap_or_else(default_client_auth),
                client_secret: env("TASTESKJEMA_IDPORTEN_CLIENT_SECRET").map(Secret),
                client_key_file: env("TASTESKJEMA_IDPORTEN_CLIENT_KEY_FILE").map(PathBuf::from),
                client_key_id: env("TASTESKJEMA_IDPORTEN_CLIENT_KEY_ID"),
                use_par: env("TASTESKJEMA_IDPORTEN_PAR").is_none_or(|v| v != "false"),
            });
        }
        if let Some(url) = env("TASTESKJEMA_ALTINN_URL").filter(|v| !v.is_empty()) {
            c.altinn = Some(AltinnSettings {
                url,
                token: env("TASTESKJEMA_ALTINN_TOKEN").map(Secret),
                subscription_key: env("TASTESKJEMA_ALTINN_SUBSCRIPTION_KEY").map(Secret),
            });
        }
        Ok(c)
    }

    /// The portal's own base URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// The database URL to use: the configured one, or a SQLite file in the data directory.
    pub fn database_url(&self) -> Secret {
        self.database_url.clone().unwrap_or_else(|| {
            Secret(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("tasteskjema.db").display()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/x\"\n").unwrap();
        let c = Config::load_from(Some(&f), |k| {
            (k == "TASTESKJEMA_DATA_DIR").then(|| "/y".to_string())
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.data_dir, PathBuf::from("/y"));
        assert_eq!(c.body_limit, 10 * 1024 * 1024);
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config {
            database_url: Some(Secret::new("postgres://u:hunter2@h/db")),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
