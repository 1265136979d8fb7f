//! The built-in stand-in for Folkeregisteret's person lookup for public bodies with legal basis
//! (Skatteetaten, `…/folkeregisteret/offentlig-med-hjemmel/api/v1/personer/{fnr}`), answering
//! from the synthetic registry (`dev/registry.toml`) on the real path and in the real shape, so
//! that the portal's [`Registers`](crate::intake::registers::Registers) client cannot tell it from
//! the register.
//!
//! As the real one, it wants a Maskinporten token with the lookup's scope (401 without one), and
//! gives only the parts asked for with `part=…` (all it has when none is named), always with the
//! person's `identifikasjonsnummer`. A person the registry does not hold is 404, a number that is
//! not a fødselsnummer or d-nummer 400. Names are split as Folkeregisteret keeps them: the first
//! word is the first name, the last the last name, any between the middle name.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::dialogporten::BearerCheck;
use super::registry::{Person, Registry};
use crate::form::no::Fodselsnummer;
use crate::intake::registers::PERSONER_PATH;

/// The parts of a person the lookup knows (the registry holds names and home addresses; the rest
/// are answered with nothing).
const PARTS: &[&str] = &[
    "identifikasjonsnummer",
    "navn",
    "bostedsadresse",
    "status",
    "foedsel",
    "kjoenn",
    "sivilstand",
    "statsborgerskap",
    "postadresse",
    "preferertKontaktadresse",
];

/// The stand-in: the registry to answer from and the token check.
pub struct FolkeregisterState {
    registry: Arc<Registry>,
    check: Arc<dyn BearerCheck>,
}

impl FolkeregisterState {
    /// Answers from `registry`, letting through requests whose token `check` accepts.
    pub fn new(registry: Arc<Registry>, check: Arc<dyn BearerCheck>) -> FolkeregisterState {
        FolkeregisterState { registry, check }
    }
}

/// The stand-in's routes, relative to where it is mounted (`/dev/folkeregister`).
pub fn router(state: Arc<FolkeregisterState>) -> Router {
    Router::new()
        .route(&format!("{PERSONER_PATH}/{{fnr}}"), get(view_person))
        .with_state(state)
}

async fn view_person(
    State(state): State<Arc<FolkeregisterState>>,
    UrlPath(fnr): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let authorization = all.next().and_then(|v| v.to_str().ok());
    if all.next().is_some() || !state.check.check(authorization).await {
        return error(
            StatusCode::UNAUTHORIZED,
            "Autentiseringsinformasjon mangler eller er ugyldig",
        );
    }
    let parts = match parts(query.as_deref()) {
        Ok(p) => p,
        Err(unknown) => {
            return error(StatusCode::BAD_REQUEST, &format!("Ukjent part: {unknown}"));
        }
    };
    if Fodselsnummer::parse(&fnr).is_err() {
        return error(
            StatusCode::BAD_REQUEST,
            "Ugyldig folkeregisteridentifikator",
        );
    }
    match state.registry.person(&fnr) {
        Some(p) => answer(StatusCode::OK, &described(p, &parts)),
        None => error(StatusCode::NOT_FOUND, "Fant ikke person"),
    }
}

/// The parts asked for (`part=a&part=b`); every part when none is. An unknown one is refused.
fn parts(query: Option<&str>) -> Result<Vec<String>, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (k, v) in pairs.into_iter().filter(|(k, _)| k == "part") {
        if !PARTS.contains(&v.as_str()) {
            return Err(format!("{k}={v}"));
        }
        out.push(v);
    }
    if out.is_empty() {
        out = PARTS.iter().map(|p| (*p).to_owned()).collect();
    }
    Ok(out)
}

/// The person as the register describes them, with the parts asked for that the registry holds.
fn described(p: &Person, parts: &[String]) -> Value {
    let wants = |part: &str| parts.iter().any(|x| x == part);
    let kind = match p.pid.as_bytes().first() {
        Some(b'4'..=b'7') => "dnummer",
        _ => "foedselsnummer",
    };
    let mut body = json!({
        "identifikasjonsnummer": [{
            "erGjeldende": true,
            "kilde": "tasteskjema-dev",
            "status": "iBruk",
            "foedselsEllerDNummer": p.pid,
            "identifikatortype": kind,
        }],
    });
    if wants("navn") {
        let words: Vec<&str> = p.name.split_whitespace().collect();
        let mut name = json!({ "erGjeldende": true, "kilde": "tasteskjema-dev" });
        if let Some((last, rest)) = words.split_last() {
            name["etternavn"] = json!(last);
            if let Some((first, middle)) = rest.split_first() {
                name["fornavn"] = json!(first);
                if !middle.is_empty() {
                    name["mellomnavn"] = json!(middle.join(" "));
                }
            }
        }
        body["navn"] = json!([name]);
    }
    if wants("bostedsadresse")
        && let Some(a) = &p.address
    {
        let mut number = json!({ "husnummer": a.number });
        if let Some(letter) = &a.letter {
            number["husbokstav"] = json!(letter);
        }
        body["bostedsadresse"] = json!([{
            "erGjeldende": true,
            "kilde": "tasteskjema-dev",
            "vegadresse": {
                "kommunenummer": a.kommunenummer,
                "adressenavn": a.street,
                "adressenummer": number,
                "poststed": { "poststedsnavn": a.poststed, "postnummer": a.postnummer },
            },
            "adressegradering": "ugradert",
        }]);
    }
    body
}

fn answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// An error in the register's shape: `{kode, melding}`.
fn error(status: StatusCode, melding: &str) -> Response {
    let mut r = answer(
        status,
        &json!({ "kode": format!("FREG-{}", status.as_u16()), "melding": melding }),
    );
    if status == StatusCode::UNAUTHORIZED
        && let Ok(v) = header::HeaderValue::from_str("Bearer")
    {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::registers::Folkeregisterperson;

    #[test]
    fn a_person_with_the_parts_asked_for() {
        let r = Registry::embedded();
        let dina = r.person("12837810092").unwrap();
        let all = parts(Some("part=navn&part=bostedsadresse")).unwrap();
        let read: Folkeregisterperson = serde_json::from_value(described(dina, &all)).unwrap();
        let e = read.entry();
        assert_eq!(e.navn.as_deref(), Some("Dina Daglig Testesen"));
        assert_eq!(e.adresse.as_deref(), Some("Testveien 12B"));
        assert_eq!(e.postnummer.as_deref(), Some("0150"));

        let only_name = described(dina, &parts(Some("part=navn")).unwrap());
        assert!(only_name.get("bostedsadresse").is_none());
        assert_eq!(only_name["navn"][0]["mellomnavn"], "Daglig");
        assert!(parts(Some("part=skostorrelse")).is_err());
        assert_eq!(parts(None).unwrap().len(), PARTS.len());
    }
}
