//! The OpenAPI document of the portal's own API, made from the catalogue: the same paths the
//! router serves, each form's request body its JSON Schema.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::ApiState;
use crate::form::definition::{ApiSpec, Channel, Delivery};
use crate::form::schema::json_schema;

/// `GET /api/openapi.json`.
pub async fn serve(State(state): State<ApiState>) -> Response {
    axum::Json(document(&state)).into_response()
}

fn feil() -> Value {
    json!({
        "type": "object",
        "properties": {
            "kode": {"type": "string", "maxLength": 4000},
            "melding": {"type": "string", "maxLength": 4000},
            "korrelasjonsid": {"type": "string", "maxLength": 4000},
            "spesifisering": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "kode": {"type": "string"},
                    "melding": {"type": "string"},
                    "sti": {"type": "string", "description": "The path of the field, e.g. leveranse.oppgave[2].andelFormue."},
                    "angittVerdi": {"type": "string"}
                }
            }}
        }
    })
}

fn errors() -> Value {
    let e = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
    json!({
        "400": e("GLD_006 bad request, GLD_008 not JSON, GLD_010 content errors (one spesifisering per field, with sti), GLD_011 metadata (GLD_1027 year not supported, GLD_1028 idempotencyKey missing, GLD_1029 more than one Authorization header)"),
        "401": e("GLD_004: no valid Maskinporten token (the detail's kode names the check that failed, e.g. expired, wrong_issuer, wrong_audience)"),
        "403": e("GLD_005: the scope is missing, the token has no system user, or the system user may not deliver for the organisation (asked before the body is read)"),
        "406": e("GLD_011 with GLD_1030: Accept must allow application/json"),
        "409": e("GLD_019: the idempotencyKey was used for another body"),
        "413": e("GLD_006: the body is over 10 MB"),
        "415": e("GLD_011 with GLD_1047: Content-Type must be application/json"),
        "500": e("GLD_001: unexpected")
    })
}

fn idempotency_header() -> Value {
    json!({"name": "idempotencyKey", "in": "header", "required": true, "schema": {"type": "string", "format": "uuid"},
           "description": "A new key for every new content. The same key and body again gives the first answer again; the same key with another body gives 409 GLD_019."})
}

/// What the `validering` operations do, which Skatteetaten's APIs do not have.
const VALIDERING: &str = "An extension of Skatteetaten's API, for trying a delivery: the same checks as the submission beside it \
    (the token, the system user's rights through Altinn's PDP, the headers, the income year, the files, the whole validation) \
    answered exactly as the submission would be, with Feil and every error, or 200 when it would be received. Nothing is stored, \
    and the idempotencyKey stays free for the real submission.";

/// A form's JSON Schema as a component: named by `name`, which is also its title (a client
/// generator names its model from the title), with the form's own title as the description, and
/// without `$schema` and `$id`, which belong to the stand-alone document.
fn component(form: &crate::form::Form, name: &str) -> Value {
    let mut v = json_schema(form);
    if let Value::Object(m) = &mut v {
        m.shift_remove("$schema");
        m.shift_remove("$id");
        m.insert("title".into(), name.into());
        m.insert(
            "description".into(),
            format!("{} – {}", form.id, form.title.nb).into(),
        );
    }
    v
}

/// The paths of an API that takes a delivery in steps, as XML (the aksjonærregisteroppgave's):
/// see `api::ar`.
fn staged_paths(
    paths: &mut Map<String, Value>,
    form: &crate::form::Form,
    api: &ApiSpec,
    name: &str,
    tag: &Value,
    security: &Value,
) {
    let years: Vec<String> = api.years.iter().map(|y| y.to_string()).collect();
    let year = json!({"name": "inntektsaar", "in": "path", "required": true, "schema": {"type": "string", "enum": years}});
    let id = json!({"name": "hovedskjemaid", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"},
                    "description": "The id the hovedskjema got when it opened the delivery."});
    let xml = |what: &str| json!({"required": true, "content": {"application/xml": {"schema": {"type": "string", "description": what}}}});
    let id_answer = |key: &str, what: &str, on_delivery: bool| {
        let body = json!({"content": {"application/json": {"schema": {"type": "object", "properties": {key: {"type": "string", "format": "uuid"}}}}}});
        let mut r = errors();
        r["201"] = json!({"description": format!("{what}: received now")});
        r["201"]["content"] = body["content"].clone();
        r["200"] = json!({"description": format!("{what}: received before with the same idempotencyKey and body (the first answer again)")});
        r["200"]["content"] = body["content"].clone();
        if on_delivery {
            r["404"] = json!({"description": "GLD_021 with GLD_1016: no such delivery of this organisation and income year", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
            r["409"] = json!({"description": "GLD_019: the idempotencyKey was used for another body; GLD_006 with GLD_1053: the delivery is confirmed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
            r["410"] = json!({"description": "GLD_021: the delivery was not confirmed in time and is deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
        }
        r["415"] = json!({"description": "GLD_011 with GLD_1047: Content-Type must be application/xml", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
        r
    };
    let hoved = "The hovedskjema, RF-1086 (Skjema with skjemanummer 890), as XML with the element names of Skatteetaten's example. Errors in it are reported at their element (sti Skjema/…).";
    let under = "One underskjema, RF-1086-U (Skjema with skjemanummer 923): one shareholder, as XML with the element names of Skatteetaten's example. Its company, share class and income year must be the hovedskjema's.";
    let count = json!({"name": "antall_underskjema", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0},
                       "description": "The number of underskjemaer sent; it must be the number received (GLD_1018), at least one (GLD_1026)."});
    let base = format!("{}/v1/{{inntektsaar}}", api.base);
    let step = |summary: String,
                op: String,
                params: Vec<Value>,
                body: Option<Value>,
                responses: Value,
                check: bool| {
        let mut o = json!({
            "summary": summary,
            "operationId": op,
            "tags": tag,
            "security": security,
            "parameters": params,
            "responses": responses,
        });
        if let Some(b) = body {
            o["requestBody"] = b;
        }
        if check {
            o["description"] = VALIDERING.into();
            o["x-tasteskjema-utvidelse"] = true.into();
            o["responses"]["200"] = json!({"description": "It would be received", "content": {"application/json": {"schema": {"type": "object"}}}});
            if let Some(r) = o["responses"].as_object_mut() {
                r.remove("201");
            }
        }
        json!({ "post": o })
    };
    let t = &form.title.nb;
    for (suffix, check) in [("", false), ("/validering", true)] {
        let what = if check {
            "validate without storing"
        } else {
            "open a delivery"
        };
        paths.insert(
            format!("{base}/1086H{suffix}"),
            step(
                format!("{t} ({}): {what} with the hovedskjema", form.id),
                format!(
                    "hovedskjema_{}{name}",
                    if check { "validering_" } else { "" }
                ),
                vec![year.clone(), idempotency_header()],
                Some(xml(hoved)),
                id_answer("hovedskjemaid", "The delivery is open", false),
                check,
            ),
        );
        let what = if check {
            "validate without storing"
        } else {
            "add"
        };
        paths.insert(
            format!("{base}/{{hovedskjemaid}}/1086U{suffix}"),
            step(
                format!("{t} ({}): {what} an underskjema", form.id),
                format!(
                    "underskjema_{}{name}",
                    if check { "validering_" } else { "" }
                ),
                vec![year.clone(), id.clone(), idempotency_header()],
                Some(xml(under)),
                id_answer("underskjemaid", "The underskjema is added", true),
                check,
            ),
        );
        let mut confirmed = id_answer("hovedskjemaid", "", true);
        if let Some(r) = confirmed.as_object_mut() {
            r.remove("201");
            r.remove("415");
        }
        confirmed["200"] = json!({"description": "Received: the whole delivery went through the intake as one submission. dialogId and forsendelseId are its Dialogporten dialog and transmission; the same answer again for the same idempotencyKey and count.",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "oppgavegiversLeveranseReferanse": {"type": "string", "description": "The hovedskjemaid"},
                "dialogId": {"type": "string", "format": "uuid"},
                "forsendelseId": {"type": "string", "format": "uuid"},
                "antallUnderskjema": {"type": "integer"}}}}}});
        let what = if check {
            "validate the whole delivery without confirming it"
        } else {
            "confirm with the number of underskjemaer"
        };
        paths.insert(
            format!("{base}/{{hovedskjemaid}}/bekreft{suffix}"),
            step(
                format!("{t} ({}): {what}", form.id),
                format!("bekreft_{}{name}", if check { "validering_" } else { "" }),
                vec![
                    year.clone(),
                    id.clone(),
                    count.clone(),
                    idempotency_header(),
                ],
                None,
                confirmed,
                check,
            ),
        );
    }
    let feil =
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}});
    let mut not_found = feil.clone();
    not_found["description"] =
        "GLD_021: no such delivery (or document) of this organisation and income year".into();
    let mut gone = feil.clone();
    gone["description"] = "GLD_021: the delivery was not confirmed in time and is deleted".into();
    paths.insert(
        format!("{base}/{{hovedskjemaid}}/dokumenter"),
        json!({"get": {
            "summary": format!("{}: the documents of a delivery, 50 a page, the hovedskjema first", form.id),
            "operationId": format!("dokumenter_{name}"),
            "tags": tag,
            "security": security,
            "parameters": [year.clone(), id.clone(),
                {"name": "side", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "default": 1}}],
            "responses": {"200": {"description": "The page: each document with its id, type (1086H or 1086U), time received and the XML as sent (innhold)",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "404": not_found, "410": gone}
        }}),
    );
    paths.insert(
        format!("{base}/{{hovedskjemaid}}/dokumenter/{{dokumentid}}"),
        json!({"get": {
            "summary": format!("{}: one document of a delivery, as sent", form.id),
            "operationId": format!("dokument_{name}"),
            "tags": tag,
            "security": security,
            "parameters": [year, id,
                {"name": "dokumentid", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"200": {"description": "The XML as sent", "content": {"application/xml": {"schema": {"type": "string"}}}},
                          "404": not_found, "410": gone}
        }}),
    );
}

/// The document.
pub fn document(state: &ApiState) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut tags = Vec::new();
    schemas.insert("Feil".into(), feil());
    for form in state.catalog.latest_forms() {
        let m2m = state
            .catalog
            .areas
            .iter()
            .any(|a| a.id == form.area && a.channels.contains(&Channel::M2m));
        if !m2m && form.api.is_none() {
            continue;
        }
        // Names a client generator can use as they are: ASCII, stable, from the form's id.
        let name = form.id.replace(|c: char| !c.is_ascii_alphanumeric(), "");
        schemas.insert(name.clone(), component(form, &name));
        tags.push(
            json!({"name": form.id, "description": format!("{} ({})", form.title.nb, form.id)}),
        );
        let tag = json!([form.id]);
        let body = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        let scope = form.m2m_scope();
        let security = json!([{"maskinporten": [scope]}]);
        if let Some(api) = form
            .api
            .as_ref()
            .filter(|a| a.delivery == Delivery::Aksjonaerregister)
        {
            staged_paths(&mut paths, form, api, &name, &tag, &security);
        } else if let Some(api) = &form.api {
            let mut ok = errors();
            ok["200"] = json!({"description": "Leveransebekreftelse: dialogId and forsendelseId are the Dialogporten dialog and transmission",
                               "content": {"application/json": {"schema": {"type": "object"}}}});
            paths.insert(
                format!("{}/v1/{{inntektsaar}}", api.base),
                json!({"post": {
                    "summary": format!("{} ({}): submit", form.title.nb, form.id),
                    "operationId": format!("innsending_{name}"),
                    "tags": tag,
                    "security": security,
                    "parameters": [
                        {"name": "inntektsaar", "in": "path", "required": true, "schema": {"type": "string", "enum": api.years.iter().map(|y| y.to_string()).collect::<Vec<_>>()}},
                        idempotency_header()
                    ],
                    "requestBody": body,
                    "responses": ok
                }}),
            );
            let mut counted = errors();
            counted["200"] = json!({"description": "The delivery would be received: the counts of its Leveransebekreftelse, without dialogId and forsendelseId",
                                    "content": {"application/json": {"schema": {"type": "object"}}}});
            paths.insert(
                format!("{}/v1/{{inntektsaar}}/validering", api.base),
                json!({"post": {
                    "summary": format!("{} ({}): validate without submitting", form.title.nb, form.id),
                    "description": VALIDERING,
                    "operationId": format!("validering_{name}"),
                    "tags": tag,
                    "x-tasteskjema-utvidelse": true,
                    "security": security,
                    "parameters": [
                        {"name": "inntektsaar", "in": "path", "required": true, "schema": {"type": "string", "enum": api.years.iter().map(|y| y.to_string()).collect::<Vec<_>>()}},
                        idempotency_header()
                    ],
                    "requestBody": body,
                    "responses": counted
                }}),
            );
            paths.insert(
                format!("{}/v1/{{inntektsaar}}/forsendelser/{{forsendelseId}}/dokumenter/{{dokumentId}}", api.base),
                json!({"get": {
                    "summary": format!("{}: a document of a submission (its receipt, its feedback)", form.id),
                    "operationId": format!("uthenting_dokument_{name}"),
                    "tags": tag,
                    "security": security,
                    "parameters": [
                        {"name": "inntektsaar", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "forsendelseId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                        {"name": "dokumentId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
                    ],
                    "responses": {"200": {"description": "The document", "content": {"application/json": {}, "application/pdf": {}}},
                                  "401": {"description": "GLD_004: no valid Maskinporten token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}},
                                  "403": {"description": "GLD_005: the scope is missing, or the system user may not read this form for the organisation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}},
                                  "404": {"description": "GLD_021: no such submission of this form and income year for the organisation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}}}
                }}),
            );
        }
        if m2m {
            let mut ok = errors();
            ok["200"] = json!({"description": "The receipt", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "innsendingId": {"type": "string", "format": "uuid"},
                    "referanse": {"type": "string"},
                    "dialogId": {"type": "string", "format": "uuid"},
                    "forsendelseId": {"type": "string", "format": "uuid"},
                    "sha256": {"type": "string"}}}}}});
            let files: Vec<_> = crate::intake::attachments::fields(form).collect();
            let mut generic_body = body.clone();
            let mut description = String::new();
            if !files.is_empty() {
                // A document with files: multipart, the JSON in `dokument`, each file in a part
                // named by its field's path.
                let mut props = serde_json::Map::new();
                props.insert(
                    "dokument".into(),
                    json!({"$ref": format!("#/components/schemas/{name}")}),
                );
                let mut encoding = serde_json::Map::new();
                encoding.insert(
                    "dokument".into(),
                    json!({"contentType": "application/json"}),
                );
                let mut lines = Vec::new();
                for (path, f, a) in &files {
                    let types: Vec<&str> = a.kinds.iter().map(|k| k.mime()).collect();
                    let mut part = json!({"type": "array", "items": {"type": "string", "format": "binary"},
                        "description": format!("{} ({}): {}", f.label.nb, types.join(", "),
                            crate::form::validate::size(a.max_file))});
                    if let Some(max) = f.max {
                        part["maxItems"] = json!(max as u64);
                    }
                    props.insert(path.clone(), part);
                    encoding.insert(path.clone(), json!({"contentType": types.join(", ")}));
                    lines.push(format!(
                        "`{path}`: {} – høyst {} per fil og {} til sammen",
                        types.join(", "),
                        crate::form::validate::size(a.max_file),
                        crate::form::validate::size(a.total)
                    ));
                }
                generic_body["content"]["multipart/form-data"] = json!({
                    "schema": {"type": "object", "required": ["dokument"], "properties": props},
                    "encoding": encoding
                });
                description = format!(
                    "Med vedlegg: send multipart/form-data med JSON-dokumentet i delen `dokument` og hver fil i en del som heter som vedleggsfeltet. \
                     Filtypen avgjøres av innholdet, ikke av Content-Type; filene kontrolleres (og virussjekkes) før innsendingen tas imot, \
                     og portalen skriver beskrivelsen av dem (filnavn, mediatype, storrelse, sha256) inn i dokumentet. Felter: {}.",
                    lines.join("; ")
                );
            }
            let mut op = json!({
                "summary": format!("{} ({}): submit", form.title.nb, form.id),
                "operationId": format!("innsending_generisk_{name}"),
                "tags": tag,
                "security": security,
                "parameters": [idempotency_header()],
                "requestBody": generic_body,
                "responses": ok
            });
            if !description.is_empty() {
                op["description"] = description.into();
            }
            let mut check = op.clone();
            check["summary"] = format!(
                "{} ({}): validate without submitting",
                form.title.nb, form.id
            )
            .into();
            check["operationId"] = format!("validering_generisk_{name}").into();
            check["x-tasteskjema-utvidelse"] = true.into();
            check["description"] = match op.get("description").and_then(Value::as_str) {
                Some(d) => format!("{VALIDERING}\n\n{d}"),
                None => VALIDERING.to_owned(),
            }
            .into();
            check["responses"]["200"] = json!({"description": "The submission would be received", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "skjema": {"type": "string"},
                    "skjemaversjon": {"type": "string"},
                    "antallVedlegg": {"type": "integer"}}}}}});
            paths.insert(
                format!("/api/v1/skjema/{}/innsendinger", form.id),
                json!({ "post": op }),
            );
            paths.insert(
                format!("/api/v1/skjema/{}/validering", form.id),
                json!({ "post": check }),
            );
            paths.insert(
                format!("/api/v1/skjema/{}/schema", form.id),
                json!({"get": {
                    "summary": format!("{}: the JSON Schema of the document", form.id),
                    "operationId": format!("schema_{name}"),
                    "tags": tag,
                    "responses": {"200": {"description": "JSON Schema", "content": {"application/json": {}}}}
                }}),
            );
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tasteskjema API",
            "version": "1",
            "description": "Submissions from end-user systems into the same intake as the browser forms. Authenticate with a Maskinporten token for a system user (Authorization: Bearer …)."
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"maskinporten": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "A Maskinporten access token with a system user (authorization_details of type urn:altinn:systemuser) and the form's scope."}}
        }
    })
}
