//! The `TASTESKJEMA_*` environment variables over the defaults and the file. Each value is read
//! strictly: a value that is not exactly one the setting takes is a problem, never a guess.

use std::path::PathBuf;
use std::str::FromStr;

use super::check::{Origin, Problem};
use super::{
    AltinnSettings, Config, IpNet, LogFormat, MaskinportenClientSettings, OidcSettings, Secret,
    env_var,
};

/// The one spelling of a boolean in every variable.
const BOOLEAN: &str = "a boolean (accepted: true, false, 1, 0, yes, no; lower-case)";

struct Env<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    problems: &'a mut Vec<Problem>,
}

impl Env<'_> {
    fn var(key: &str) -> &'static str {
        env_var(key).unwrap_or_else(|| panic!("{key} is in the settings list"))
    }

    /// The variable's value, as given (also when empty).
    fn raw(&self, key: &str) -> Option<String> {
        (self.get)(Self::var(key))
    }

    /// A text setting: an empty variable counts as unset.
    fn text(&self, key: &str) -> Option<String> {
        self.raw(key).filter(|v| !v.is_empty())
    }

    /// A typed setting: the value must parse, even an empty one (`TASTESKJEMA_PRODUCTION=`
    /// says something was meant).
    fn parse<T>(
        &mut self,
        key: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let v = self.raw(key)?;
        let parsed = parse(&v);
        if parsed.is_none() {
            self.problems.push(Problem::new(
                key,
                Origin::Environment,
                format!("{v:?} is not {what}"),
            ));
        }
        parsed
    }

    fn bool(&mut self, key: &str) -> Option<bool> {
        self.parse(key, BOOLEAN, |v| match v {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        })
    }

    /// A whole number in decimal digits (a sign or spaces are refused).
    fn number<T: FromStr>(&mut self, key: &str, what: &str) -> Option<T> {
        self.parse(key, what, |v| {
            v.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| v.parse().ok())
                .flatten()
        })
    }

    /// A comma-separated list; spaces around an item are dropped, and so are empty items.
    fn list(&self, key: &str) -> Option<Vec<String>> {
        self.text(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// Any of these variables given (non-empty): the section they belong to is meant.
    fn any(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.text(k).is_some())
    }
}

/// Lays the environment over `c`; a value that cannot be read is a problem and leaves the
/// setting as it was.
pub(super) fn apply(
    c: &mut Config,
    get: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) {
    // Every variable may instead name a file holding its value (`TASTESKJEMA_X_FILE`, as
    // container platforms mount secrets): read here, its last line end dropped. Both at once, or
    // a file that cannot be read, is a problem.
    // Each file is read once, here.
    let mut from_files = std::collections::HashMap::new();
    for (key, var) in super::SETTINGS {
        let file_var = format!("{var}_FILE");
        let Some(path) = get(&file_var).filter(|p| !p.is_empty()) else {
            continue;
        };
        if get(var).is_some() {
            problems.push(Problem::new(
                key,
                Origin::Environment,
                format!("both {var} and {file_var} are set; set one"),
            ));
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(v) => {
                let v = v.strip_suffix('\n').unwrap_or(&v);
                from_files.insert(*var, v.strip_suffix('\r').unwrap_or(v).to_owned());
            }
            Err(err) => problems.push(Problem::new(
                key,
                Origin::Environment,
                format!("{file_var}: {path} cannot be read ({err})"),
            )),
        }
    }
    let with_files = |name: &str| get(name).or_else(|| from_files.get(name).cloned());
    let mut e = Env {
        get: &with_files,
        problems,
    };
    if let Some(v) = e.parse(
        "listen",
        "a socket address (accepted: IP:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)",
        |v| v.parse().ok(),
    ) {
        c.listen = v;
    }
    if let Some(v) = e.text("public_url") {
        c.public_url = Some(v.trim_end_matches('/').to_string());
    }
    if let Some(v) = e.text("data_dir") {
        c.data_dir = v.into();
    }
    if let Some(v) = e.text("database_url") {
        c.database_url = Some(Secret(v));
    }
    if let Some(v) = e.text("forms_dir") {
        c.forms_dir = v.into();
    }
    if let Some(v) = e.parse(
        "log_format",
        "a log format (accepted: pretty, json)",
        |v| match v {
            "pretty" => Some(LogFormat::Pretty),
            "json" => Some(LogFormat::Json),
            _ => None,
        },
    ) {
        c.log_format = v;
    }
    if let Some(v) = e.text("log_filter") {
        c.log_filter = v;
    }
    if let Some(v) = e.bool("production") {
        c.production = v;
    }
    const BYTES: &str = "a number of bytes (accepted: a whole number, 1 or more)";
    const COUNT: &str = "a whole number (accepted: 1 or more)";
    const SECONDS: &str = "a number of seconds (accepted: a whole number, 1 or more)";
    if let Some(v) = e.number("body_limit", BYTES) {
        c.body_limit = v;
    }
    if let Some(v) = e.number("db_max_connections", COUNT) {
        c.db_max_connections = v;
    }
    if let Some(v) = e.number("login_per_minute", COUNT) {
        c.login_per_minute = v;
    }
    if let Some(v) = e.number("session_idle_s", SECONDS) {
        c.session_idle_s = v;
    }
    if let Some(v) = e.number("session_absolute_s", SECONDS) {
        c.session_absolute_s = v;
    }
    if let Some(v) = e.number("ansatt_idle_s", SECONDS) {
        c.ansatt_idle_s = v;
    }
    if let Some(v) = e.number("ansatt_absolute_s", SECONDS) {
        c.ansatt_absolute_s = v;
    }
    if let Some(v) = e.number(
        "dev_domain_delay_ms",
        "a number of milliseconds (accepted: a whole number, 0 or more)",
    ) {
        c.dev_domain_delay_ms = v;
    }
    if let Some(v) = e.number(
        "outbox_workers",
        "a number of workers (accepted: a whole number, 0 or more; 0 for a node that only serves)",
    ) {
        c.outbox_workers = v;
    }
    if let Some(v) = e.number(
        "ar_open_hours",
        "a number of hours (accepted: a whole number, 1 or more)",
    ) {
        c.ar_open_hours = v;
    }
    if let Some(v) = e.text("maskinporten_issuer") {
        c.maskinporten_issuer = Some(v);
    }
    if let Some(v) = e.text("otlp_endpoint") {
        c.otlp_endpoint = Some(v);
    }
    if let Some(v) = e.text("dialogporten_url") {
        c.dialogporten_url = Some(v);
    }
    if let Some(v) = e.text("domain_url") {
        c.domain_url = Some(v);
    }
    if let Some(v) = e.text("enhetsregisteret_url") {
        c.enhetsregisteret_url = Some(v);
    }
    if let Some(v) = e.text("folkeregister_url") {
        c.folkeregister_url = Some(v);
    }
    if let Some(v) = e.text("clamd") {
        c.clamd = Some(v);
    }
    if let Some(v) = e.parse(
        "sftp_listen",
        "a socket address (accepted: IP:PORT, e.g. 0.0.0.0:2222)",
        |v| v.parse().ok(),
    ) {
        c.sftp_listen = Some(v);
    }
    if let Some(v) = e.parse(
        "metrics_listen",
        "a socket address (accepted: IP:PORT, e.g. 127.0.0.1:9100)",
        |v| v.parse().ok(),
    ) {
        c.metrics_listen = Some(v);
    }
    if let Some(v) = e.text("sftp_host_key") {
        c.sftp_host_key = Some(v.into());
    }
    if let Some(v) = e.number("sftp_sessions_per_org", COUNT) {
        c.sftp_sessions_per_org = v;
    }
    const DAYS: &str = "a number of days (accepted: a whole number, 1 or more)";
    const YEARS: &str = "a number of years (accepted: a whole number, 1 or more)";
    if let Some(v) = e.number("retention_draft_days", DAYS) {
        c.retention_draft_days = v;
    }
    if let Some(v) = e.number("retention_submission_years", YEARS) {
        c.retention_submission_years = v;
    }
    if let Some(v) = e.number("retention_audit_years", YEARS) {
        c.retention_audit_years = v;
    }
    if let Some(v) = e.number("request_timeout_s", SECONDS) {
        c.request_timeout_s = v;
    }
    if let Some(v) = e.number("db_statement_timeout_s", SECONDS) {
        c.db_statement_timeout_s = v;
    }
    if let Some(v) = e.number("sftp_idle_s", SECONDS) {
        c.sftp_idle_s = v;
    }
    if let Some(v) = e.text("attachment_dir") {
        c.attachment_dir = Some(v.into());
    }
    if let Some(v) = e.text("dev_registry") {
        c.dev_registry = Some(v.into());
    }
    if let Some(v) = e.text("stand_ins_url") {
        c.stand_ins_url = Some(v);
    }
    if let Some(v) = e.text("stand_ins_secret") {
        c.stand_ins_secret = Some(Secret(v));
    }
    oidc("idporten", &mut c.idporten, &mut e);
    oidc("ansatt", &mut c.ansatt, &mut e);
    altinn(c, &e);
    maskinporten_client(c, &e);
    if let Some(items) = e.list("trusted_proxies") {
        let mut nets = Vec::new();
        let mut all_read = true;
        for item in items {
            match item.parse::<IpNet>() {
                Ok(n) => nets.push(n),
                Err(why) => {
                    all_read = false;
                    e.problems.push(Problem::new(
                    "trusted_proxies",
                    Origin::Environment,
                    format!(
                        "{item:?} is not an IP network: {why} (accepted: comma-separated CIDR networks or addresses, e.g. 10.0.0.0/8, ::1)"
                    ),
                ));
                }
            }
        }
        // Half a list would trust other proxies than meant: a bad item leaves the setting as it
        // was (and is a problem, so nothing starts with it).
        if all_read {
            c.trusted_proxies = nets;
        }
    }
    if let Some(v) = e.list("api_audiences") {
        c.api_audiences = v;
    }
    if let Some(v) = e.bool("require_audience") {
        c.require_audience = v;
    }
}

/// The variables override the file's `[idporten]` (or `[ansatt]`) one by one; any of them sets
/// the section.
fn oidc(section: &str, slot: &mut Option<OidcSettings>, e: &mut Env<'_>) {
    let key = |field: &str| format!("{section}.{field}");
    let fields = [
        "issuer",
        "client_id",
        "client_auth",
        "client_secret",
        "client_key_file",
        "client_key_id",
        "use_par",
    ];
    let keys: Vec<String> = fields.iter().map(|f| key(f)).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let use_par = e.bool(&key("use_par"));
    if slot.is_none() && !e.any(&keys) {
        return;
    }
    let s = slot.get_or_insert_with(OidcSettings::default);
    if let Some(v) = e.text(&key("issuer")) {
        s.issuer = v;
    }
    if let Some(v) = e.text(&key("client_id")) {
        s.client_id = v;
    }
    if let Some(v) = e.text(&key("client_auth")) {
        s.client_auth = v;
    }
    if let Some(v) = e.text(&key("client_secret")) {
        s.client_secret = Some(Secret(v));
    }
    if let Some(v) = e.text(&key("client_key_file")) {
        s.client_key_file = Some(PathBuf::from(v));
    }
    if let Some(v) = e.text(&key("client_key_id")) {
        s.client_key_id = Some(v);
    }
    if let Some(v) = use_par {
        s.use_par = v;
    }
}

/// As for `[idporten]`.
fn altinn(c: &mut Config, e: &Env<'_>) {
    let keys = ["altinn.url", "altinn.token", "altinn.subscription_key"];
    if c.altinn.is_none() && !e.any(&keys) {
        return;
    }
    let a = c.altinn.get_or_insert_with(AltinnSettings::default);
    if let Some(v) = e.text("altinn.url") {
        a.url = v;
    }
    if let Some(v) = e.text("altinn.token") {
        a.token = Some(Secret(v));
    }
    if let Some(v) = e.text("altinn.subscription_key") {
        a.subscription_key = Some(Secret(v));
    }
}

/// As for `[idporten]`.
fn maskinporten_client(c: &mut Config, e: &Env<'_>) {
    let keys = [
        "maskinporten_client.client_id",
        "maskinporten_client.key_file",
        "maskinporten_client.key_id",
    ];
    if c.maskinporten_client.is_none() && !e.any(&keys) {
        return;
    }
    let m = c
        .maskinporten_client
        .get_or_insert_with(MaskinportenClientSettings::default);
    if let Some(v) = e.text("maskinporten_client.client_id") {
        m.client_id = v;
    }
    if let Some(v) = e.text("maskinporten_client.key_file") {
        m.key_file = v.into();
    }
    if let Some(v) = e.text("maskinporten_client.key_id") {
        m.key_id = v;
    }
}
