//! The TOML file. Each key is read on its own, so that one wrong value is one problem and the
//! rest of the file still counts (and every wrong value is named, not just the first).

use std::path::Path;

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::check::{Origin, Problem};
use super::{AltinnSettings, Config, MaskinportenClientSettings, OidcSettings};

/// The configuration in the file at `path` over the defaults; what cannot be read is added to
/// `problems` and leaves its setting at the default.
pub(super) fn read(path: &Path, problems: &mut Vec<Problem>) -> Config {
    let whole = |message: String| Problem::new("", Origin::File(path.to_owned()), message);
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(whole(format!("cannot read the file: {e}")));
            return Config::default();
        }
    };
    let table: Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            let at = e.span().map_or(String::new(), |s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            });
            problems.push(whole(format!("{at}{} (not TOML)", e.message().trim())));
            return Config::default();
        }
    };
    // Alphabetical, sections where their name falls: the problems come in one order.
    let mut good = Table::new();
    for (key, value) in table {
        let value = match (key.as_str(), value) {
            (section @ ("idporten" | "ansatt"), Value::Table(t)) => {
                Value::Table(sift::<OidcSettings>(t, section, path, problems))
            }
            ("altinn", Value::Table(t)) => {
                Value::Table(sift::<AltinnSettings>(t, "altinn", path, problems))
            }
            ("maskinporten_client", Value::Table(t)) => {
                Value::Table(sift::<MaskinportenClientSettings>(
                    t,
                    "maskinporten_client",
                    path,
                    problems,
                ))
            }
            (_, v) => v,
        };
        good.extend(sift::<Config>(
            Table::from_iter([(key, value)]),
            "",
            path,
            problems,
        ));
    }
    Value::Table(good)
        .try_into()
        .unwrap_or_else(|e: toml::de::Error| {
            problems.push(whole(e.message().trim().to_owned()));
            Config::default()
        })
}

/// The keys of `table` that read as part of a `T` on their own; the others become problems.
fn sift<T: DeserializeOwned>(
    table: Table,
    section: &str,
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Table {
    let mut good = Table::new();
    for (key, value) in table {
        let one = Table::from_iter([(key.clone(), value.clone())]);
        match Value::Table(one).try_into::<T>() {
            Ok(_) => {
                good.insert(key, value);
            }
            Err(e) => {
                let message = e.message().trim();
                // serde lists every setting there is; the README's table does that better.
                let message = if section.is_empty() && message.starts_with("unknown field") {
                    "not a setting (the settings are in the README's Configuration table)"
                } else {
                    message
                };
                let name = if section.is_empty() {
                    key
                } else {
                    format!("{section}.{key}")
                };
                problems.push(Problem::new(&name, Origin::File(path.to_owned()), message));
            }
        }
    }
    good
}
