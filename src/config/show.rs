//! The configuration as `key = value` lines, for `tasteskjema config check`: generated from the
//! serialized configuration so that a new setting shows up without being added here.

use serde_json::Value;

use super::Config;

/// Top-level settings first, then one `[section]` per table (as TOML needs); an unset setting
/// as a comment, secrets as `[REDACTED]`.
pub(super) fn describe(c: &Config) -> String {
    let Value::Object(top) = serde_json::to_value(c).unwrap_or_else(
        |e| serde_json::json!({ "error": format!("cannot show the configuration: {e}") }),
    ) else {
        return String::new();
    };
    let mut out = String::new();
    let mut sections = Vec::new();
    for (key, value) in &top {
        match value {
            Value::Object(t) => sections.push((key, t)),
            v => line(&mut out, key, v),
        }
    }
    for (key, table) in sections {
        out.push_str(&format!("\n[{key}]\n"));
        for (k, v) in table {
            line(&mut out, k, v);
        }
    }
    out
}

fn line(out: &mut String, key: &str, value: &Value) {
    // JSON's strings, numbers, booleans and arrays of them are TOML's too.
    match value {
        Value::Null => out.push_str(&format!("# {key} = (not set)\n")),
        v => out.push_str(&format!("{key} = {v}\n")),
    }
}
