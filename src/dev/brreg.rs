//! The built-in stand-in for Enhetsregisteret's open data API (Brønnøysundregistrene, at
//! `https://data.brreg.no`), answering from the synthetic registry (`dev/registry.toml`) on the
//! real paths and in the real shapes, so that the portal's
//! [`Registers`](crate::intake::registers::Registers) client cannot tell it from the register:
//!
//! - `GET /enhetsregisteret/api/enheter/{orgnr}`: a main unit, with its business address
//!   (`forretningsadresse`) and its registrations in Merverdiavgiftsregisteret and
//!   Foretaksregisteret;
//! - `GET /enhetsregisteret/api/underenheter/{orgnr}`: a sub-unit, with its location
//!   (`beliggenhetsadresse`), its registration in Merverdiavgiftsregisteret and its main unit
//!   (`overordnetEnhet`).
//!
//! A number the register does not hold (or a sub-unit asked for as a main unit, and the other way
//! round) is 404; a deleted unit is 410 with its number and `slettedato`; a number that is not nine
//! digits is 400. Like the real API it needs no token.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::registry::{Organisation, Registry, UnitAddress, organisation_form};
use crate::form::no::Kommunenummer;
use crate::intake::registers::{ENHETER_PATH, UNDERENHETER_PATH};

/// The register's public address, for the `_links` its answers carry.
const PUBLIC: &str = "https://data.brreg.no";

/// The stand-in's routes, relative to where it is mounted (`/dev/brreg`).
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route(&format!("{ENHETER_PATH}/{{orgnr}}"), get(view_enhet))
        .route(
            &format!("{UNDERENHETER_PATH}/{{orgnr}}"),
            get(view_underenhet),
        )
        .with_state(registry)
}

async fn view_enhet(
    State(registry): State<Arc<Registry>>,
    UrlPath(orgnr): UrlPath<String>,
) -> Response {
    unit(&registry, &orgnr, false)
}

async fn view_underenhet(
    State(registry): State<Arc<Registry>>,
    UrlPath(orgnr): UrlPath<String>,
) -> Response {
    unit(&registry, &orgnr, true)
}

/// The answer for `orgnr` asked for as a sub-unit (`sub`) or a main unit.
fn unit(registry: &Registry, orgnr: &str, sub: bool) -> Response {
    let path = if sub { UNDERENHETER_PATH } else { ENHETER_PATH };
    if orgnr.len() != 9 || !orgnr.bytes().all(|b| b.is_ascii_digit()) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Ugyldig organisasjonsnummer: {orgnr}"),
            path,
        );
    }
    let Some(org) = registry
        .organisation(orgnr)
        .filter(|o| o.parent.is_some() == sub)
    else {
        let what = if sub { "underenhet" } else { "enhet" };
        return error(
            StatusCode::NOT_FOUND,
            &format!("Ingen {what} med organisasjonsnummer {orgnr} ble funnet"),
            path,
        );
    };
    if org.deleted {
        let mut body = json!({
            "organisasjonsnummer": org.orgnr,
            "_links": { "self": { "href": format!("{PUBLIC}{path}/{orgnr}") } },
        });
        if let Some(d) = &org.deleted_on {
            body["slettedato"] = json!(d);
        }
        return answer(StatusCode::GONE, &body);
    }
    answer(StatusCode::OK, &described(org, path))
}

/// A unit as the register describes it.
fn described(org: &Organisation, path: &str) -> Value {
    let mut body = json!({
        "organisasjonsnummer": org.orgnr,
        "navn": org.name,
        "organisasjonsform": {
            "kode": org.unit_type,
            "beskrivelse": organisation_form(&org.unit_type).unwrap_or_default(),
            "_links": { "self": { "href": format!(
                "{PUBLIC}/enhetsregisteret/api/organisasjonsformer/{}", org.unit_type
            ) } },
        },
        "registrertIMvaregisteret": org.mva,
        "_links": { "self": { "href": format!("{PUBLIC}{path}/{}", org.orgnr) } },
    });
    let address = org.address.as_ref().map(address);
    match &org.parent {
        Some(main) => {
            body["overordnetEnhet"] = json!(main);
            if let Some(a) = address {
                body["beliggenhetsadresse"] = a;
            }
        }
        None => {
            if let Some(a) = address {
                body["forretningsadresse"] = a;
            }
            body["registrertIForetaksregisteret"] = json!(org.foretaksregisteret);
            body["registrertIStiftelsesregisteret"] = json!(false);
            body["registrertIFrivillighetsregisteret"] = json!(false);
            body["konkurs"] = json!(false);
            body["underAvvikling"] = json!(false);
            body["underTvangsavviklingEllerTvangsopplosning"] = json!(false);
        }
    }
    body
}

/// An address as the register writes it: Norwegian ones with country and municipality.
fn address(a: &UnitAddress) -> Value {
    let kommune = Kommunenummer::parse(&a.kommunenummer)
        .map(|k| k.name().to_uppercase())
        .unwrap_or_default();
    json!({
        "land": "Norge",
        "landkode": "NO",
        "postnummer": a.postnummer,
        "poststed": a.poststed,
        "adresse": a.lines,
        "kommune": kommune,
        "kommunenummer": a.kommunenummer,
    })
}

fn answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// An error in the register's shape.
fn error(status: StatusCode, message: &str, path: &str) -> Response {
    answer(
        status,
        &json!({
            "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or("Error"),
            "message": message,
            "path": path,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> (StatusCode, Value) {
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn units_sub_units_unknown_and_deleted_ones() {
        let r = Registry::embedded();
        let (status, bakery) = body(unit(&r, "311800019", false)).await;
        assert_eq!(status, StatusCode::OK);
        let read: crate::intake::registers::Enhet = serde_json::from_value(bakery).unwrap();
        let entry = read.entry();
        assert_eq!(entry.navn.as_deref(), Some("FIKTIV BAKERI OG KAFÉ AS"));
        assert!(entry.mva && entry.foretaksregisteret);

        let (status, sub) = body(unit(&r, "311800027", true)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sub["overordnetEnhet"], "311800019");
        assert_eq!(sub["beliggenhetsadresse"]["kommune"], "OSLO");
        assert!(sub.get("registrertIForetaksregisteret").is_none());
        // A sub-unit is not a main unit, nor the other way round.
        assert_eq!(unit(&r, "311800027", false).status(), StatusCode::NOT_FOUND);
        assert_eq!(unit(&r, "311800019", true).status(), StatusCode::NOT_FOUND);
        assert_eq!(unit(&r, "999999999", false).status(), StatusCode::NOT_FOUND);
        assert_eq!(unit(&r, "12345", false).status(), StatusCode::BAD_REQUEST);

        let (status, gone) = body(unit(&r, "311800078", false)).await;
        assert_eq!(status, StatusCode::GONE);
        assert_eq!(gone["slettedato"], "2024-06-30");
    }
}
