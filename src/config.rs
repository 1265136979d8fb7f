//! Configuration, layered: defaults → optional TOML file → `TASTESKJEMA_*` environment variables.
//!
//! Every value is read strictly and every problem is collected before anything is refused: a
//! misspelt `TASTESKJEMA_PRODUCTION=True` once meant development mode (where anyone may log in as
//! anyone through the built-in ID-porten), and fixing one missing production setting per restart
//! wastes a deployment each. `tasteskjema config check` shows the outcome without starting.

mod check;
mod endpoint;
mod env;
mod file;
mod ipnet;
mod show;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use check::{Origin, Problem};
pub use endpoint::{Endpoint, Service};
pub use ipnet::{IpNet, IpNetError};

/// A value that must never reach a log line.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

/// Serialized as `[REDACTED]` too: a serialized configuration is for showing, never for use.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[REDACTED]")
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the portal needs to start.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
    pub idporten: Option<OidcSettings>,
    /// The agency's employee directory, for the caseworker side (required in production; outside
    /// it the built-in stand-in at `/dev/ansatt`).
    pub ansatt: Option<OidcSettings>,
    /// An employee's login ends after this many seconds without a request.
    pub ansatt_idle_s: i64,
    /// An employee's login ends this many seconds after it began.
    pub ansatt_absolute_s: i64,
    /// The form author's live preview (`tasteskjema preview DIR`): the forms are loaded again
    /// when their files change and the caseworker pages need no login. Set by that command only,
    /// never from a file or the environment; refused in production.
    #[serde(skip)]
    pub live_preview: bool,
    /// The real Altinn Authorization (required in production; outside it the built-in registry).
    pub altinn: Option<AltinnSettings>,
    /// Another registry file for the built-in Altinn stand-in (same layout as `dev/registry.toml`).
    pub dev_registry: Option<PathBuf>,
    /// How long the built-in domain systems take before their feedback is ready (milliseconds).
    pub dev_domain_delay_ms: u64,
    /// The built-in stand-ins running as a process of their own (`tasteskjema dev stand-ins`) at
    /// this base URL: every outside system not configured otherwise is reached there, and the
    /// portal mounts none of its own. Several nodes share one such process. Outside production only.
    pub stand_ins_url: Option<String>,
    /// The client secret of the portal's two logins at those stand-ins (their ID-porten and
    /// employee directory): the same on every node and on the stand-ins process.
    pub stand_ins_secret: Option<Secret>,
    /// The domain systems' intake (required in production; outside it the built-in stand-in).
    pub domain_url: Option<String>,
    /// Outbox workers in this process.
    pub outbox_workers: usize,
    /// How many hours an aksjonærregisteroppgave delivery stays open for its underskjemaer and
    /// its confirmation; then it is gone (the outbox workers delete it).
    pub ar_open_hours: i64,
    /// The Maskinporten issuer whose tokens the API accepts, as in `iss` (with its trailing
    /// slash; required in production; outside it the built-in stand-in).
    pub maskinporten_issuer: Option<String>,
    /// The portal's own Maskinporten client (as Dialogporten's service owner); outside production
    /// the built-in one.
    pub maskinporten_client: Option<MaskinportenClientSettings>,
    /// Dialogporten's base URL (required in production; outside it the built-in stand-in).
    pub dialogporten_url: Option<String>,
    /// Enhetsregisteret's open data API, e.g. `https://data.brreg.no` (required in production;
    /// outside it the built-in stand-in).
    pub enhetsregisteret_url: Option<String>,
    /// Folkeregisteret's API, e.g. `https://folkeregisteret.api.skatteetaten.no` (required in
    /// production; outside it the built-in stand-in). Reached with the portal's Maskinporten
    /// client.
    pub folkeregister_url: Option<String>,
    /// clamd for virus scanning of attachments: `tcp://host:port` or `unix:/path` (none: files
    /// are checked by content only).
    pub clamd: Option<String>,
    /// Keep attachment bytes in this directory instead of the database.
    pub attachment_dir: Option<PathBuf>,
    /// The proxies in front of the portal whose word on the client's address (`X-Forwarded-For`)
    /// is taken; from anyone else the header is a claim anybody can make.
    pub trusted_proxies: Vec<IpNet>,
    /// The `aud` values the API accepts in Maskinporten tokens.
    pub api_audiences: Vec<String>,
    /// Refuse API tokens without one of `api_audiences` (a token for another API must not do).
    pub require_audience: bool,
    /// Where the SFTP server listens. Unset: off in production; on the embedded default,
    /// `127.0.0.1:2222` (see [`Config::sftp_address`]).
    pub sftp_listen: Option<SocketAddr>,
    /// The SFTP server's host key (OpenSSH format); unset: `sftp_host_key` in the data directory,
    /// made on first start. Several nodes behind one address need the same key.
    pub sftp_host_key: Option<PathBuf>,
    /// How many SFTP sessions one organisation may have open at once.
    pub sftp_sessions_per_org: usize,
    /// An SFTP connection with nothing sent for this long is closed (seconds).
    pub sftp_idle_s: u64,
    /// Where `GET /metrics` (Prometheus) is served: an address of its own, never the public
    /// one. Unset: no metrics listener.
    pub metrics_listen: Option<SocketAddr>,
    /// An OpenTelemetry collector's OTLP/HTTP base URL (e.g. `http://otel-collector:4318`): each
    /// request is then exported as a span of a trace, as JSON to `/v1/traces`. Unset: no traces.
    pub otlp_endpoint: Option<String>,
    /// A request that has not answered this many seconds after its body arrived is answered
    /// 503 with `Retry-After` (a database gone silent must not hold requests for minutes).
    pub request_timeout_s: u64,
    /// The longest one database statement may run, in seconds (PostgreSQL's
    /// `statement_timeout`); then it fails and the request is answered 503.
    pub db_statement_timeout_s: u64,
    /// A draft not saved for this many days is deleted with its files (an area may say
    /// otherwise in `areas.toml`).
    pub retention_draft_days: u32,
    /// A submission is deleted with its files this many years after it was received (an area
    /// may say otherwise).
    pub retention_submission_years: u32,
    /// Audit rows are deleted this many years after they were written (at least 1).
    pub retention_audit_years: u32,
}

/// The portal's own client at Maskinporten. A missing field reads as empty, so that the check can
/// name every missing one at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MaskinportenClientSettings {
    /// The client id.
    pub client_id: String,
    /// PEM file of its RSA key.
    pub key_file: PathBuf,
    /// The key id registered with Maskinporten.
    pub key_id: String,
}

/// How the portal logs in at an OpenID provider (ID-porten, the employee directory). A missing
/// field reads as its default (empty when it has none), so that the check can name every missing
/// one at once.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer, e.g. `https://test.idporten.no`.
    pub issuer: String,
    /// Our client id.
    pub client_id: String,
    /// `client_secret_basic`, `client_secret_post` or `private_key_jwt` (the default).
    pub client_auth: String,
    /// The secret, for the `client_secret_*` methods.
    pub client_secret: Option<Secret>,
    /// PEM file of our RSA key, for `private_key_jwt`.
    pub client_key_file: Option<PathBuf>,
    /// The key id registered with the provider, for `private_key_jwt`.
    pub client_key_id: Option<String>,
    /// Push authorization requests (PAR) when the issuer offers it.
    pub use_par: bool,
}

/// The ways the portal can authenticate at a provider's token endpoint.
pub const CLIENT_AUTH_METHODS: [&str; 3] = [
    "private_key_jwt",
    "client_secret_basic",
    "client_secret_post",
];

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_auth: "private_key_jwt".into(),
            client_secret: None,
            client_key_file: None,
            client_key_id: None,
            use_par: true,
        }
    }
}

/// Where Altinn Authorization is and how the portal authenticates to it. A missing `url` reads as
/// empty, so that the check names it along with the rest.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
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
            forms_dir: PathBuf::from("forms"),
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
            production: false,
            body_limit: 10 * 1024 * 1024,
            db_max_connections: 16,
            login_per_minute: 30,
            session_idle_s: 30 * 60,
            session_absolute_s: 120 * 60,
            idporten: None,
            ansatt: None,
            ansatt_idle_s: 60 * 60,
            ansatt_absolute_s: 8 * 60 * 60,
            live_preview: false,
            altinn: None,
            dev_registry: None,
            dev_domain_delay_ms: 3000,
            stand_ins_url: None,
            stand_ins_secret: None,
            domain_url: None,
            outbox_workers: 2,
            ar_open_hours: 72,
            maskinporten_issuer: None,
            maskinporten_client: None,
            dialogporten_url: None,
            enhetsregisteret_url: None,
            folkeregister_url: None,
            clamd: None,
            attachment_dir: None,
            trusted_proxies: Vec::new(),
            api_audiences: Vec::new(),
            require_audience: false,
            sftp_listen: None,
            sftp_host_key: None,
            sftp_sessions_per_org: 4,
            sftp_idle_s: 300,
            metrics_listen: None,
            otlp_endpoint: None,
            request_timeout_s: 30,
            db_statement_timeout_s: 20,
            retention_draft_days: 90,
            retention_submission_years: 10,
            retention_audit_years: 10,
        }
    }
}

/// Where the caseworker side lives, and its login callback (registered at the employee directory).
pub const ANSATT_HOME: &str = "/saksbehandling";
/// Where the employee directory sends an employee after logout.
pub const ANSATT_LOGGED_OUT: &str = "/saksbehandling/logget-ut";
/// The employee directory's redirect URI, under [`ANSATT_HOME`].
pub const ANSATT_CALLBACK: &str = "/saksbehandling/logg-inn/tilbake";

/// Every setting's file key and environment variable, in one place so that a problem can name
/// both and neither list drifts from the other.
const SETTINGS: &[(&str, &str)] = &[
    ("listen", "TASTESKJEMA_LISTEN"),
    ("public_url", "TASTESKJEMA_PUBLIC_URL"),
    ("data_dir", "TASTESKJEMA_DATA_DIR"),
    ("database_url", "TASTESKJEMA_DATABASE_URL"),
    ("forms_dir", "TASTESKJEMA_FORMS_DIR"),
    ("log_format", "TASTESKJEMA_LOG_FORMAT"),
    ("log_filter", "TASTESKJEMA_LOG"),
    ("production", "TASTESKJEMA_PRODUCTION"),
    ("body_limit", "TASTESKJEMA_BODY_LIMIT"),
    ("db_max_connections", "TASTESKJEMA_DB_MAX_CONNECTIONS"),
    ("login_per_minute", "TASTESKJEMA_LOGIN_PER_MINUTE"),
    ("session_idle_s", "TASTESKJEMA_SESSION_IDLE_S"),
    ("session_absolute_s", "TASTESKJEMA_SESSION_ABSOLUTE_S"),
    ("idporten.issuer", "TASTESKJEMA_IDPORTEN_ISSUER"),
    ("idporten.client_id", "TASTESKJEMA_IDPORTEN_CLIENT_ID"),
    ("idporten.client_auth", "TASTESKJEMA_IDPORTEN_CLIENT_AUTH"),
    (
        "idporten.client_secret",
        "TASTESKJEMA_IDPORTEN_CLIENT_SECRET",
    ),
    (
        "idporten.client_key_file",
        "TASTESKJEMA_IDPORTEN_CLIENT_KEY_FILE",
    ),
    (
        "idporten.client_key_id",
        "TASTESKJEMA_IDPORTEN_CLIENT_KEY_ID",
    ),
    ("idporten.use_par", "TASTESKJEMA_IDPORTEN_PAR"),
    ("ansatt.issuer", "TASTESKJEMA_ANSATT_ISSUER"),
    ("ansatt.client_id", "TASTESKJEMA_ANSATT_CLIENT_ID"),
    ("ansatt.client_auth", "TASTESKJEMA_ANSATT_CLIENT_AUTH"),
    ("ansatt.client_secret", "TASTESKJEMA_ANSATT_CLIENT_SECRET"),
    (
        "ansatt.client_key_file",
        "TASTESKJEMA_ANSATT_CLIENT_KEY_FILE",
    ),
    ("ansatt.client_key_id", "TASTESKJEMA_ANSATT_CLIENT_KEY_ID"),
    ("ansatt.use_par", "TASTESKJEMA_ANSATT_PAR"),
    ("ansatt_idle_s", "TASTESKJEMA_ANSATT_IDLE_S"),
    ("ansatt_absolute_s", "TASTESKJEMA_ANSATT_ABSOLUTE_S"),
    ("altinn.url", "TASTESKJEMA_ALTINN_URL"),
    ("altinn.token", "TASTESKJEMA_ALTINN_TOKEN"),
    (
        "altinn.subscription_key",
        "TASTESKJEMA_ALTINN_SUBSCRIPTION_KEY",
    ),
    ("dev_registry", "TASTESKJEMA_DEV_REGISTRY"),
    ("dev_domain_delay_ms", "TASTESKJEMA_DEV_DOMAIN_DELAY_MS"),
    ("stand_ins_url", "TASTESKJEMA_STAND_INS_URL"),
    ("stand_ins_secret", "TASTESKJEMA_STAND_INS_SECRET"),
    ("domain_url", "TASTESKJEMA_DOMAIN_URL"),
    ("outbox_workers", "TASTESKJEMA_OUTBOX_WORKERS"),
    ("ar_open_hours", "TASTESKJEMA_AR_OPEN_HOURS"),
    ("maskinporten_issuer", "TASTESKJEMA_MASKINPORTEN_ISSUER"),
    (
        "maskinporten_client.client_id",
        "TASTESKJEMA_MASKINPORTEN_CLIENT_ID",
    ),
    (
        "maskinporten_client.key_file",
        "TASTESKJEMA_MASKINPORTEN_KEY_FILE",
    ),
    (
        "maskinporten_client.key_id",
        "TASTESKJEMA_MASKINPORTEN_KEY_ID",
    ),
    ("dialogporten_url", "TASTESKJEMA_DIALOGPORTEN_URL"),
    ("enhetsregisteret_url", "TASTESKJEMA_ENHETSREGISTERET_URL"),
    ("folkeregister_url", "TASTESKJEMA_FOLKEREGISTER_URL"),
    ("clamd", "TASTESKJEMA_CLAMD"),
    ("attachment_dir", "TASTESKJEMA_ATTACHMENT_DIR"),
    ("trusted_proxies", "TASTESKJEMA_TRUSTED_PROXIES"),
    ("api_audiences", "TASTESKJEMA_API_AUDIENCES"),
    ("require_audience", "TASTESKJEMA_REQUIRE_AUDIENCE"),
    ("sftp_listen", "TASTESKJEMA_SFTP_LISTEN"),
    ("sftp_host_key", "TASTESKJEMA_SFTP_HOST_KEY"),
    ("sftp_sessions_per_org", "TASTESKJEMA_SFTP_SESSIONS_PER_ORG"),
    ("sftp_idle_s", "TASTESKJEMA_SFTP_IDLE_S"),
    ("metrics_listen", "TASTESKJEMA_METRICS_LISTEN"),
    ("otlp_endpoint", "TASTESKJEMA_OTLP_ENDPOINT"),
    ("request_timeout_s", "TASTESKJEMA_REQUEST_TIMEOUT_S"),
    (
        "db_statement_timeout_s",
        "TASTESKJEMA_DB_STATEMENT_TIMEOUT_S",
    ),
    ("retention_draft_days", "TASTESKJEMA_RETENTION_DRAFT_DAYS"),
    (
        "retention_submission_years",
        "TASTESKJEMA_RETENTION_SUBMISSION_YEARS",
    ),
    ("retention_audit_years", "TASTESKJEMA_RETENTION_AUDIT_YEARS"),
];

/// The environment variable of a file key.
fn env_var(key: &str) -> Option<&'static str> {
    SETTINGS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Every problem that kept the configuration from loading, one per line when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong, each naming its setting.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A configuration as read, with what could not be read: a setting whose value was refused keeps
/// its default (or the file's value), so `tasteskjema config check` can show all the rest.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file read (from `--config` or `TASTESKJEMA_CONFIG`), if any.
    pub file: Option<PathBuf>,
    /// Defaults, the file and the environment, minus the refused values.
    pub config: Config,
    /// Values that could not be read (wrong type, not a number, an unreadable file).
    pub problems: Vec<Problem>,
}

impl Loaded {
    /// The configuration, or every problem in reading it and in its values (what is missing for
    /// production is left to [`Config::problems`]: other commands than `serve` may run without it).
    pub fn checked(self) -> Result<Config, ConfigError> {
        let mut problems = self.problems;
        problems.extend(self.config.value_problems());
        if problems.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigError { problems })
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (or `TASTESKJEMA_CONFIG`) if given, then the environment, and
    /// checks the values.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::read(file).checked()
    }

    /// As [`Config::load`], reading variables through `env` (tests pass their own).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        Self::read_from(file, env).checked()
    }

    /// Reads defaults, `file` (or `TASTESKJEMA_CONFIG`) and the environment, collecting what
    /// cannot be read instead of stopping at it.
    pub fn read(file: Option<&Path>) -> Loaded {
        Self::read_from(file, |k| match std::env::var(k) {
            Ok(v) => Some(v),
            // Shown (and refused where a type is expected) rather than silently ignored.
            Err(std::env::VarError::NotUnicode(v)) => Some(v.to_string_lossy().into_owned()),
            Err(std::env::VarError::NotPresent) => None,
        })
    }

    /// As [`Config::read`], reading variables through `env`.
    pub fn read_from(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Loaded {
        let mut problems = Vec::new();
        let file = file.map(Path::to_path_buf).or_else(|| {
            env("TASTESKJEMA_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let mut config = match &file {
            Some(p) => file::read(p, &mut problems),
            None => Config::default(),
        };
        env::apply(&mut config, &env, &mut problems);
        Loaded {
            file,
            config,
            problems,
        }
    }

    /// Everything wrong with this configuration: values that are not what their setting takes,
    /// settings that are needed and missing (all of them at once in production), key files that
    /// cannot be read. Empty when the portal can start.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = self.value_problems();
        problems.extend(check::missing(self));
        problems
    }

    /// As [`Config::problems`], as one error.
    pub fn check(&self) -> Result<(), ConfigError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// The values given that are not what their setting takes.
    fn value_problems(&self) -> Vec<Problem> {
        check::values(self)
    }

    /// Every setting as `key = value` lines, TOML-like (secrets as `[REDACTED]`, an unset one as a
    /// comment), for `tasteskjema config check`.
    pub fn describe(&self) -> String {
        show::describe(self)
    }

    /// Where the SFTP server listens, if it runs: `sftp_listen`, or on the embedded default
    /// `127.0.0.1:2222`; in production only where configured.
    pub fn sftp_address(&self) -> Option<SocketAddr> {
        self.sftp_listen
            .or_else(|| (!self.production).then(|| SocketAddr::from(([127, 0, 0, 1], 2222))))
    }

    /// The SFTP server's host key file.
    pub fn sftp_host_key_file(&self) -> PathBuf {
        self.sftp_host_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("sftp_host_key"))
    }

    /// The portal's own base URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// Where the built-in stand-ins answer: the stand-ins process (`stand_ins_url`), or the portal
    /// itself.
    pub fn stand_ins_base(&self) -> String {
        match &self.stand_ins_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => self.public_url(),
        }
    }

    /// Where the built-in stand-in for `service` answers.
    pub fn stand_in_url(&self, service: Service) -> String {
        format!("{}{}", self.stand_ins_base(), service.stand_in_path())
    }

    /// The client secret shared with a stand-ins process, when one is set (and not empty).
    pub fn shared_stand_ins_secret(&self) -> Option<&str> {
        self.stand_ins_secret
            .as_ref()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
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
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    /// The environment of a test: these variables and nothing else.
    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.get(k).cloned()
    }

    fn refused(vars: &[(&str, &str)]) -> Vec<Problem> {
        Config::load_from(None, env(vars))
            .expect_err("the configuration is refused")
            .problems
    }

    fn keys(problems: &[Problem]) -> BTreeSet<&str> {
        problems.iter().map(|p| p.key.as_str()).collect()
    }

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
    fn a_variable_may_name_a_file_holding_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("db");
        std::fs::write(&secret, "postgres://u:hunter2@h/db\n").unwrap();
        let at = secret.display().to_string();
        let c = Config::load_from(None, |k| {
            (k == "TASTESKJEMA_DATABASE_URL_FILE").then(|| at.clone())
        })
        .unwrap();
        assert_eq!(
            c.database_url.as_ref().map(Secret::expose),
            Some("postgres://u:hunter2@h/db"),
            "read, without its line end"
        );
        // A file that is not there, or the variable and its file both: refused, named.
        let e = Config::load_from(None, |k| {
            (k == "TASTESKJEMA_ALTINN_TOKEN_FILE").then(|| "/no/such/file".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("TASTESKJEMA_ALTINN_TOKEN_FILE: /no/such/file cannot be read"),
            "{e}"
        );
        let e = Config::load_from(None, |k| match k {
            "TASTESKJEMA_DATABASE_URL_FILE" => Some(at.clone()),
            "TASTESKJEMA_DATABASE_URL" => Some("sqlite://x.db".to_owned()),
            _ => None,
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("both TASTESKJEMA_DATABASE_URL and TASTESKJEMA_DATABASE_URL_FILE"),
            "{e}"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config {
            database_url: Some(Secret::new("postgres://u:hunter2@h/db")),
            altinn: Some(AltinnSettings {
                url: "https://platform.tt02.altinn.no".into(),
                token: Some(Secret::new("hunter3")),
                subscription_key: None,
            }),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        let shown = c.describe();
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("database_url = \"[REDACTED]\""), "{shown}");
        assert!(shown.contains("[altinn]\nurl = \"https://platform.tt02.altinn.no\"\ntoken = \"[REDACTED]\"\n# subscription_key = (not set)"), "{shown}");
    }

    #[test]
    fn production_true_with_a_capital_is_refused_naming_the_variable() {
        let problems = refused(&[("TASTESKJEMA_PRODUCTION", "True")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].env, Some("TASTESKJEMA_PRODUCTION"));
        assert_eq!(problems[0].origin, Origin::Environment);
        assert_eq!(
            problems[0].to_string(),
            "TASTESKJEMA_PRODUCTION (production): \"True\" is not a boolean (accepted: true, false, 1, 0, yes, no; lower-case)"
        );
        // Nor any other near miss, nor an empty value (something was meant).
        for v in ["TRUE", "on", "y", "2", " true", ""] {
            let p = refused(&[("TASTESKJEMA_PRODUCTION", v)]);
            assert_eq!(p[0].env, Some("TASTESKJEMA_PRODUCTION"), "{v:?}");
        }
    }

    #[test]
    fn the_accepted_booleans_mean_what_they_say() {
        for (v, meant) in [
            ("true", true),
            ("1", true),
            ("yes", true),
            ("false", false),
            ("0", false),
            ("no", false),
        ] {
            let c = Config::load_from(
                None,
                env(&[
                    ("TASTESKJEMA_PRODUCTION", v),
                    ("TASTESKJEMA_REQUIRE_AUDIENCE", v),
                    ("TASTESKJEMA_API_AUDIENCES", "skatteetaten"),
                ]),
            )
            .unwrap();
            assert_eq!((c.production, c.require_audience), (meant, meant), "{v}");
        }
    }

    #[test]
    fn every_kind_of_bad_value_is_refused_all_at_once() {
        let bad = [
            ("TASTESKJEMA_PRODUCTION", "True"),
            ("TASTESKJEMA_IDPORTEN_PAR", "nei"),
            ("TASTESKJEMA_REQUIRE_AUDIENCE", "maybe"),
            ("TASTESKJEMA_LOGIN_PER_MINUTE", "abc"),
            ("TASTESKJEMA_BODY_LIMIT", "-1"),
            ("TASTESKJEMA_DB_MAX_CONNECTIONS", "0"),
            ("TASTESKJEMA_SESSION_IDLE_S", "0"),
            ("TASTESKJEMA_SESSION_ABSOLUTE_S", "30m"),
            ("TASTESKJEMA_DEV_DOMAIN_DELAY_MS", "1.5"),
            ("TASTESKJEMA_OUTBOX_WORKERS", " 2"),
            ("TASTESKJEMA_LISTEN", "localhost:8080"),
            ("TASTESKJEMA_PUBLIC_URL", "skjema.example.no"),
            ("TASTESKJEMA_DOMAIN_URL", "ftp://domene.example.no"),
            ("TASTESKJEMA_MASKINPORTEN_ISSUER", "/maskinporten/"),
            ("TASTESKJEMA_DIALOGPORTEN_URL", "https://"),
            ("TASTESKJEMA_ALTINN_URL", "platform.tt02.altinn.no"),
            ("TASTESKJEMA_IDPORTEN_ISSUER", "test.idporten.no"),
            ("TASTESKJEMA_LOG_FORMAT", "JSON"),
            ("TASTESKJEMA_LOG", "info,["),
            ("TASTESKJEMA_CLAMD", "clamd:3310"),
            ("TASTESKJEMA_IDPORTEN_CLIENT_AUTH", "secret"),
            ("TASTESKJEMA_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33"),
        ];
        let problems = refused(&bad);
        let named: BTreeSet<&str> = problems.iter().filter_map(|p| p.env).collect();
        let given: BTreeSet<&str> = bad.iter().map(|(k, _)| *k).collect();
        assert_eq!(named, given, "{problems:#?}");
        assert_eq!(problems.len(), bad.len(), "{problems:#?}");
        // Each names its variable and the value, and says what would do.
        for p in &problems {
            let line = p.to_string();
            let (var, value) = bad.iter().find(|(k, _)| Some(*k) == p.env).unwrap();
            assert!(line.contains(var), "{line}");
            assert!(line.contains("accepted"), "{line}");
            if *var != "TASTESKJEMA_TRUSTED_PROXIES" {
                assert!(
                    line.contains(&format!("{value:?}").replace("\"", "")),
                    "{line}"
                );
            }
        }
        // One line per problem.
        let shown = ConfigError {
            problems: problems.clone(),
        }
        .to_string();
        assert_eq!(shown.lines().count(), problems.len(), "{shown}");
    }

    #[test]
    fn good_values_of_every_kind_are_taken() {
        let c = Config::load_from(
            None,
            env(&[
                ("TASTESKJEMA_LISTEN", "[::1]:8443"),
                ("TASTESKJEMA_PUBLIC_URL", "https://skjema.example.no/"),
                ("TASTESKJEMA_LOG_FORMAT", "json"),
                ("TASTESKJEMA_LOG", "info,tasteskjema=debug"),
                ("TASTESKJEMA_BODY_LIMIT", "1048576"),
                ("TASTESKJEMA_DB_MAX_CONNECTIONS", "4"),
                ("TASTESKJEMA_SESSION_IDLE_S", "60"),
                // A node that only serves: no deliveries from this process.
                ("TASTESKJEMA_OUTBOX_WORKERS", "0"),
                ("TASTESKJEMA_DEV_DOMAIN_DELAY_MS", "0"),
                ("TASTESKJEMA_AR_OPEN_HOURS", "24"),
                ("TASTESKJEMA_CLAMD", "unix:/run/clamav/clamd.ctl"),
                (
                    "TASTESKJEMA_TRUSTED_PROXIES",
                    "10.0.0.0/8, ::1/128,192.0.2.7",
                ),
                (
                    "TASTESKJEMA_API_AUDIENCES",
                    "https://api.example.no, skatteetaten",
                ),
                ("TASTESKJEMA_REQUIRE_AUDIENCE", "true"),
                ("TASTESKJEMA_IDPORTEN_ISSUER", "https://test.idporten.no"),
                ("TASTESKJEMA_IDPORTEN_CLIENT_AUTH", "client_secret_post"),
                ("TASTESKJEMA_IDPORTEN_PAR", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen, "[::1]:8443".parse().unwrap());
        assert_eq!(c.public_url(), "https://skjema.example.no");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(
            (c.body_limit, c.db_max_connections, c.session_idle_s),
            (1048576, 4, 60)
        );
        assert_eq!((c.outbox_workers, c.dev_domain_delay_ms), (0, 0));
        assert_eq!(c.ar_open_hours, 24);
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128", "192.0.2.7/32"]);
        assert_eq!(c.api_audiences, ["https://api.example.no", "skatteetaten"]);
        assert!(c.require_audience);
        let i = c.idporten.unwrap();
        assert_eq!(i.client_auth, "client_secret_post");
        assert!(!i.use_par);
    }

    #[test]
    fn production_with_nothing_set_lists_every_missing_setting_at_once() {
        let c = Config::load_from(None, env(&[("TASTESKJEMA_PRODUCTION", "true")])).unwrap();
        let problems = c.problems();
        assert_eq!(
            keys(&problems),
            BTreeSet::from([
                "idporten.issuer",
                "idporten.client_id",
                "idporten.client_key_file",
                "idporten.client_key_id",
                "ansatt.issuer",
                "ansatt.client_id",
                "ansatt.client_key_file",
                "ansatt.client_key_id",
                "altinn.url",
                "domain_url",
                "maskinporten_issuer",
                "maskinporten_client.client_id",
                "maskinporten_client.key_file",
                "maskinporten_client.key_id",
                "dialogporten_url",
                "enhetsregisteret_url",
                "folkeregister_url",
                "public_url",
            ]),
            "{problems:#?}"
        );
        assert_eq!(problems.len(), 18);
        for p in &problems {
            let line = p.to_string();
            assert!(
                line.contains(&p.key) && line.contains(p.env.unwrap()),
                "{line}"
            );
            assert!(line.contains("required in production"), "{line}");
        }
        let e = c.check().unwrap_err().to_string();
        assert_eq!(e.lines().count(), 18, "{e}");
    }

    #[test]
    fn development_mode_serves_this_machine_only() {
        for (var, value) in [
            ("TASTESKJEMA_LISTEN", "0.0.0.0:8080"),
            ("TASTESKJEMA_LISTEN", "192.0.2.10:8080"),
            ("TASTESKJEMA_PUBLIC_URL", "https://skjema.example.no"),
        ] {
            let c = Config::load_from(None, env(&[(var, value)])).unwrap();
            let problems = c.problems();
            assert_eq!(problems.len(), 1, "{var}={value}: {problems:#?}");
            let line = problems[0].to_string();
            assert!(
                line.contains(var) && line.contains("production = true"),
                "{line}"
            );
        }
        for (var, value) in [
            ("TASTESKJEMA_LISTEN", "[::1]:8080"),
            ("TASTESKJEMA_PUBLIC_URL", "http://localhost:8080"),
            ("TASTESKJEMA_PUBLIC_URL", "http://127.0.0.2:9000"),
        ] {
            let c = Config::load_from(None, env(&[(var, value)])).unwrap();
            assert_eq!(c.problems(), [], "{var}={value}");
        }
    }

    #[test]
    fn postgresql_needs_a_connection_besides_the_listening_one() {
        let pg = (
            "TASTESKJEMA_DATABASE_URL",
            "postgres://db.example/tasteskjema",
        );
        let one = ("TASTESKJEMA_DB_MAX_CONNECTIONS", "1");
        let problems = refused(&[pg, one]);
        assert_eq!(keys(&problems), BTreeSet::from(["db_max_connections"]));
        assert!(
            problems[0].to_string().contains("2 or more"),
            "{problems:?}"
        );
        let two = ("TASTESKJEMA_DB_MAX_CONNECTIONS", "2");
        assert_eq!(
            Config::load_from(None, env(&[pg, two])).unwrap().problems(),
            []
        );
        // SQLite has no listener: one connection is enough.
        assert_eq!(Config::load_from(None, env(&[one])).unwrap().problems(), []);
    }

    /// Production with every service named, key files that exist.
    fn complete_production(dir: &Path) -> Config {
        let key = dir.join("key.pem");
        std::fs::write(&key, "not read here").unwrap();
        Config {
            production: true,
            public_url: Some("https://skjema.example.no".into()),
            idporten: Some(OidcSettings {
                issuer: "https://test.idporten.no".into(),
                client_id: "tasteskjema".into(),
                client_key_file: Some(key.clone()),
                client_key_id: Some("k1".into()),
                ..OidcSettings::default()
            }),
            ansatt: Some(OidcSettings {
                issuer: "https://login.microsoftonline.com/tenant-id/v2.0".into(),
                client_id: "tasteskjema-saksbehandling".into(),
                client_key_file: Some(key.clone()),
                client_key_id: Some("k3".into()),
                ..OidcSettings::default()
            }),
            altinn: Some(AltinnSettings {
                url: "https://platform.tt02.altinn.no".into(),
                ..AltinnSettings::default()
            }),
            domain_url: Some("https://domene.example.no".into()),
            maskinporten_issuer: Some("https://test.maskinporten.no/".into()),
            maskinporten_client: Some(MaskinportenClientSettings {
                client_id: "portal".into(),
                key_file: key,
                key_id: "k2".into(),
            }),
            dialogporten_url: Some("https://platform.tt02.altinn.no/dialogporten".into()),
            enhetsregisteret_url: Some("https://data.brreg.no".into()),
            folkeregister_url: Some("https://folkeregisteret.api.skatteetaten.no".into()),
            ..Config::default()
        }
    }

    #[test]
    fn complete_production_has_no_problems_and_each_gap_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let c = complete_production(dir.path());
        assert_eq!(c.problems(), []);

        let mut http = c.clone();
        http.public_url = Some("http://skjema.example.no".into());
        assert_eq!(keys(&http.problems()), BTreeSet::from(["public_url"]));

        let mut gone = c.clone();
        gone.maskinporten_client.as_mut().unwrap().key_file = dir.path().join("missing.pem");
        let p = gone.problems();
        assert_eq!(keys(&p), BTreeSet::from(["maskinporten_client.key_file"]));
        assert!(p[0].to_string().contains("cannot read"), "{}", p[0]);

        let mut secret = c.clone();
        secret.idporten.as_mut().unwrap().client_auth = "client_secret_basic".into();
        assert_eq!(
            keys(&secret.problems()),
            BTreeSet::from(["idporten.client_secret"])
        );
        // The employee directory's settings are checked as ID-porten's are.
        let mut directory = c.clone();
        directory.ansatt.as_mut().unwrap().client_auth = "client_secret_jwt".into();
        directory.ansatt.as_mut().unwrap().issuer = "not a url".into();
        assert_eq!(
            keys(&directory.problems()),
            BTreeSet::from(["ansatt.client_auth", "ansatt.issuer"])
        );
    }

    #[test]
    fn a_section_given_outside_production_must_be_complete() {
        let c = Config::load_from(
            None,
            env(&[("TASTESKJEMA_MASKINPORTEN_CLIENT_ID", "portal")]),
        )
        .unwrap();
        assert_eq!(
            keys(&c.problems()),
            BTreeSet::from(["maskinporten_client.key_file", "maskinporten_client.key_id"])
        );
        assert_eq!(Config::default().problems(), []);
    }

    #[test]
    fn variables_override_a_files_section_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "[idporten]\nissuer = \"https://test.idporten.no\"\nclient_id = \"fra-fila\"\n",
        )
        .unwrap();
        let c = Config::load_from(
            Some(&f),
            env(&[
                ("TASTESKJEMA_IDPORTEN_CLIENT_AUTH", "client_secret_basic"),
                ("TASTESKJEMA_IDPORTEN_CLIENT_SECRET", "s3"),
            ]),
        )
        .unwrap();
        let i = c.idporten.as_ref().unwrap();
        assert_eq!(
            (
                i.issuer.as_str(),
                i.client_id.as_str(),
                i.client_auth.as_str()
            ),
            (
                "https://test.idporten.no",
                "fra-fila",
                "client_secret_basic"
            )
        );
        assert_eq!(i.client_secret.as_ref().unwrap().expose(), "s3");
        assert!(i.use_par);
        assert_eq!(c.problems(), []);
    }

    #[test]
    fn require_audience_needs_an_audience() {
        let p = refused(&[("TASTESKJEMA_REQUIRE_AUDIENCE", "true")]);
        assert_eq!(keys(&p), BTreeSet::from(["require_audience"]));
        assert!(
            p[0].to_string().contains("TASTESKJEMA_API_AUDIENCES"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn a_file_with_bad_values_is_refused_naming_each_and_keeping_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            r#"
production = "True"
login_per_minute = 5
body_limit = -1
listen = "nowhere"
session_idle_s = 0
ar_open_hours = 0
public_url = "skjema.example.no"
log_filter = "info,["
clamd = "clamd:3310"
trusted_proxies = ["10.0.0.0/8", "10.0.0.0/33"]
unknown_setting = 1

[idporten]
issuer = "https://test.idporten.no"
client_auth = "secret"
use_par = "no"
"#,
        )
        .unwrap();
        let loaded = Config::read_from(Some(&f), env(&[]));
        assert_eq!(loaded.config.login_per_minute, 5, "the good values count");
        assert_eq!(
            loaded.config.idporten.as_ref().unwrap().issuer,
            "https://test.idporten.no"
        );
        let problems = loaded.checked().unwrap_err().problems;
        assert_eq!(
            keys(&problems),
            BTreeSet::from([
                "production",
                "body_limit",
                "listen",
                "session_idle_s",
                "ar_open_hours",
                "public_url",
                "log_filter",
                "clamd",
                "trusted_proxies",
                "unknown_setting",
                "idporten.client_auth",
                "idporten.use_par",
            ]),
            "{problems:#?}"
        );
        let production = problems.iter().find(|p| p.key == "production").unwrap();
        assert_eq!(production.origin, Origin::File(f.clone()));
        let line = production.to_string();
        assert!(
            line.starts_with(&format!(
                "{}: production (TASTESKJEMA_PRODUCTION): ",
                f.display()
            )),
            "{line}"
        );
        assert!(line.contains("True"), "{line}");
    }

    #[test]
    fn a_file_that_is_not_toml_or_not_there_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:1\"\nproduction = \n").unwrap();
        let p = Config::load_from(Some(&f), env(&[])).unwrap_err().problems;
        assert_eq!(p.len(), 1);
        assert!(p[0].to_string().contains("line 2"), "{}", p[0]);
        let gone = dir.path().join("gone.toml");
        let p = Config::load_from(None, env(&[("TASTESKJEMA_CONFIG", gone.to_str().unwrap())]))
            .unwrap_err()
            .problems;
        assert!(
            p[0].to_string().starts_with(&gone.display().to_string()),
            "{}",
            p[0]
        );
    }

    /// Every field of the configuration has a line in the settings list (and so a variable) and in
    /// the README's table; a new setting cannot be forgotten in either.
    #[test]
    fn every_setting_has_a_variable_and_a_line_in_the_readme() {
        let c = Config {
            idporten: Some(OidcSettings::default()),
            ansatt: Some(OidcSettings::default()),
            altinn: Some(AltinnSettings::default()),
            maskinporten_client: Some(MaskinportenClientSettings::default()),
            ..Config::default()
        };
        let serde_json::Value::Object(top) = serde_json::to_value(&c).unwrap() else {
            unreachable!()
        };
        let mut fields = BTreeSet::new();
        for (k, v) in top {
            match v {
                serde_json::Value::Object(t) => {
                    fields.extend(t.keys().map(|s| format!("{k}.{s}")));
                }
                _ => {
                    fields.insert(k);
                }
            }
        }
        let listed: BTreeSet<String> = SETTINGS.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(fields, listed);
        let readme = include_str!("../README.md");
        for (key, var) in SETTINGS {
            assert!(
                readme.contains(&format!("| `{var}` | `{key}` |")),
                "README: {var} {key}"
            );
        }
    }
}
