//! The M2M API over HTTP: Skatteetaten's paths, headers, bodies and errors, a system-user token
//! from the built-in Maskinporten, and the same intake as the browser.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, synthetic_fnr};

pub(crate) const SAMEIE: &str = "819897522";
const BORETTSLAG: &str = "932061899";
pub(crate) const SCOPE: &str = "skatteetaten:innrapporteringboligsameie";
pub(crate) const PATH: &str = "/api/innrapportering/boligsameie/v1/2025";

/// A complete RF-1140 delivery for Skogly (synthetic), with two owners and matching sums.
pub(crate) fn melding(reference: &str) -> Value {
    let owner = |id: Value, navn: &str, seksjon: i64, inntekt: i64| {
        json!({
            "oppgaveeier": if id.as_str().is_some_and(|s| s.len() == 11) {
                json!({"foedselsnummer": id, "navn": navn})
            } else {
                json!({"organisasjonsnummer": id, "navn": navn})
            },
            "eiertid": {"start": "0101", "slutt": "3112"},
            "matrikkelnummer": {"kommunenummer": "0301", "gaardsnummer": 12, "bruksnummer": 34, "seksjonsnummer": seksjon},
            "andelSkattepliktigeInntekter": inntekt,
            "andelFradragsberettigedeKostnader": 100,
            "andelFormue": 5000,
            "andelGjeld": 2000
        })
    };
    json!({"leveranse": {
        "kildesystem": "Testsystem 1",
        "oppgavegiver": {"organisasjonsnummer": SAMEIE, "kontaktinformasjon": {
            "navn": "Kari Testperson", "telefonnummer": "22222222", "varselEpostadresse": "kontakt@eksempel.no"}},
        "inntektsaar": 2025,
        "oppgavegiversLeveranseReferanse": reference,
        "leveransetype": "ordinaer",
        "oppgave": [
            owner(json!(synthetic_fnr(4, 5, 71)), "ALLA TESTESEN", 1, 300),
            owner(json!("800877830"), "NØYTRALE TEST AS", 2, 700)
        ],
        "oppgaveoppsummering": {"antallOppgaver": 2, "sumAndelSkattepliktigeInntekter": 1000,
            "sumAndelFradragsberettigedeKostnader": 200, "sumAndelFormue": 10000, "sumAndelGjeld": 4000}
    }})
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &Value,
) -> Answer {
    let mut rb = app
        .client
        .post(format!("{}{path}", app.addr))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(k) = key {
        rb = rb.header("idempotencyKey", k);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    Answer { status, body }
}

/// `GET …/forsendelser/{forsendelse}/dokumenter/{forsendelse}`: the receipt, as `accept` asks.
async fn receipt_document(
    app: &TestApp,
    token: &str,
    forsendelse: &str,
    accept: &str,
) -> reqwest::Response {
    app.client
        .get(format!(
            "{}{PATH}/forsendelser/{forsendelse}/dokumenter/{forsendelse}",
            app.addr
        ))
        .header("accept", accept)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn a_delivery_gets_a_leveransebekreftelse_once_whatever_the_retries() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, SCOPE);
    let k = key();
    let doc = melding("Leveranse-A");
    let a = post(&app, PATH, Some(&token), Some(&k), &doc).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["oppgavegiversLeveranseReferanse"], "Leveranse-A");
    assert_eq!(a.body["antallOppgaver"], 2);
    assert_eq!(a.body["antallSletteoppgaver"], 0);
    let dialog = a.body["dialogId"].as_str().unwrap();
    let forsendelse = a.body["forsendelseId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(dialog).is_ok() && uuid::Uuid::parse_str(forsendelse).is_ok());
    // The same key and body again (keys in another order): the same answer, one submission.
    let reordered: Value = serde_json::from_str(&doc.to_string()).unwrap();
    let b = post(&app, PATH, Some(&token), Some(&k), &reordered).await;
    assert_eq!(b.status, 200);
    assert_eq!(b.body, a.body);
    // The same key with another body: 409 GLD_019, nothing stored.
    let c = post(&app, PATH, Some(&token), Some(&k), &melding("Leveranse-B")).await;
    assert_eq!(c.status, 409, "{}", c.body);
    assert_eq!(c.body["kode"], "GLD_019");
    assert!(
        c.body["korrelasjonsid"]
            .as_str()
            .is_some_and(|s| s.len() > 8)
    );
    // The receipt document can be fetched by the party's systems.
    let r = receipt_document(&app, &token, forsendelse, "application/json").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), a.body);
    // Stored as from the API, for the party, by the system user.
    let row = app
        .store
        .submission_by_key(&format!("api:org:{SAMEIE}:RF-1140:{k}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "api");
    assert_eq!(row.party, format!("org:{SAMEIE}"));
    assert!(row.submitter.starts_with("systemuser:"));
    assert_eq!(row.transmission_id, forsendelse);
    // With the names as they were then: the organisation's and its end-user system's.
    assert_eq!(row.party_name.as_deref(), Some("TESTSAMEIET SKOGLY"));
    assert_eq!(
        row.submitter_name.as_deref(),
        Some("Fiktivt sameiesystem for TESTSAMEIET SKOGLY")
    );
}

#[tokio::test]
async fn each_kind_of_bad_request_gets_its_gld_code() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, SCOPE);
    let doc = melding("L-1");
    // No token, a bad token, the wrong scope.
    let a = post(&app, PATH, None, Some(&key()), &doc).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (401, Some("GLD_004")));
    let a = post(&app, PATH, Some("not-a-jwt"), Some(&key()), &doc).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (401, Some("GLD_004")));
    let other_scope = app.token(SAMEIE, "skatteetaten:innrapporteringboligselskap");
    let a = post(&app, PATH, Some(&other_scope), Some(&key()), &doc).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (403, Some("GLD_005")));
    // No idempotency key, or not a UUID.
    let a = post(&app, PATH, Some(&token), None, &doc).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (400, Some("GLD_011")));
    assert_eq!(a.body["spesifisering"][0]["kode"], "GLD_1028");
    let a = post(&app, PATH, Some(&token), Some("abc"), &doc).await;
    assert_eq!(a.body["spesifisering"][0]["kode"], "GLD_1028");
    // A year the API does not take.
    let a = post(
        &app,
        "/api/innrapportering/boligsameie/v1/2019",
        Some(&token),
        Some(&key()),
        &doc,
    )
    .await;
    assert_eq!((a.status, a.body["kode"].as_str()), (400, Some("GLD_011")));
    assert_eq!(a.body["spesifisering"][0]["kode"], "GLD_1027");
    // The body's year differs from the path's.
    let mut wrong_year = doc.clone();
    wrong_year["leveranse"]["inntektsaar"] = json!(2024);
    let a = post(&app, PATH, Some(&token), Some(&key()), &wrong_year).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (400, Some("GLD_010")));
    assert_eq!(a.body["spesifisering"][0]["kode"], "GLD_1052");
    assert_eq!(a.body["spesifisering"][0]["sti"], "leveranse.inntektsaar");
    // Not JSON.
    let r = app
        .client
        .post(format!("{}{PATH}", app.addr))
        .bearer_auth(&token)
        .header("idempotencyKey", key())
        .header("content-type", "application/json")
        .body("{\"leveranse\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["kode"], "GLD_008");
    // Not declared as JSON.
    let r = app
        .client
        .post(format!("{}{PATH}", app.addr))
        .bearer_auth(&token)
        .header("idempotencyKey", key())
        .header("content-type", "text/plain")
        .body(doc.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["spesifisering"][0]["kode"], "GLD_1047");
    // Errors in the content: each at its path, with the value given.
    let mut bad = doc.clone();
    bad["leveranse"]["oppgave"][0]["oppgaveeier"]["foedselsnummer"] = json!("12345678901");
    bad["leveranse"]["oppgaveoppsummering"]["sumAndelFormue"] = json!(1);
    let a = post(&app, PATH, Some(&token), Some(&key()), &bad).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (400, Some("GLD_010")));
    let details = a.body["spesifisering"].as_array().unwrap();
    let at = |sti: &str| {
        details
            .iter()
            .find(|d| d["sti"] == sti)
            .unwrap_or_else(|| panic!("{sti} in {details:?}"))
    };
    assert_eq!(
        at("leveranse.oppgave[0].oppgaveeier.foedselsnummer")["angittVerdi"],
        "12345678901"
    );
    assert_eq!(
        at("leveranse.oppgaveoppsummering.sumAndelFormue")["angittVerdi"],
        "1"
    );
    // The borettslag's system user may not deliver for itself on the boligsameie API: the PDP says no.
    let theirs = app.token(BORETTSLAG, SCOPE);
    let a = post(&app, PATH, Some(&theirs), Some(&key()), &doc).await;
    assert_eq!(
        (a.status, a.body["kode"].as_str()),
        (403, Some("GLD_005")),
        "{}",
        a.body
    );
    // Over the 10 MB limit: 413 in the API's own format.
    let big = format!("{{\"leveranse\": \"{}\"}}", "x".repeat(11 * 1024 * 1024));
    let r = app
        .client
        .post(format!("{}{PATH}", app.addr))
        .bearer_auth(&token)
        .header("idempotencyKey", key())
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["kode"], "GLD_006");
    // Unknown paths.
    let r = app
        .client
        .get(format!("{}/api/finnes-ikke", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["kode"], "GLD_021");
    // Nothing of this was stored.
    assert!(app.store.open_jobs(100).await.unwrap().is_empty());
}

#[tokio::test]
async fn other_forms_have_the_generic_door_and_the_api_is_described() {
    let app = spawn_app().await;
    // RF-1140's area offers M2M: the generic door takes it too, into the same intake.
    let token = app.token(SAMEIE, SCOPE);
    let a = post(
        &app,
        "/api/v1/skjema/RF-1140/innsendinger",
        Some(&token),
        Some(&key()),
        &melding("G-1"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        tasteskjema::intake::reference::parse_reference(a.body["referanse"].as_str().unwrap())
            .is_some()
    );
    // Skriv til oss is a browser form only: its area offers no M2M.
    let other = app.token(BORETTSLAG, "skatteetaten:tasteskjema.skriv-til-oss");
    let doc = json!({"henvendelse": {"tema": "skatt", "emne": "Frist", "melding": "Når?"}});
    let a = post(
        &app,
        "/api/v1/skjema/skriv-til-oss/innsendinger",
        Some(&other),
        Some(&key()),
        &doc,
    )
    .await;
    assert_eq!((a.status, a.body["kode"].as_str()), (404, Some("GLD_021")));
    let r = app
        .client
        .get(format!("{}/api/v1/skjema/RF-1140/schema", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let schema: Value = r.json().await.unwrap();
    assert!(schema.to_string().contains("oppgaveoppsummering"));
    let r = app
        .client
        .get(format!("{}/api/openapi.json", app.addr))
        .send()
        .await
        .unwrap();
    let api: Value = r.json().await.unwrap();
    assert_eq!(api["openapi"], "3.1.0");
    assert!(api["paths"][PATH.replace("2025", "{inntektsaar}")]["post"].is_object());
    assert!(api["paths"]["/api/v1/skjema/RF-1140/innsendinger"]["post"].is_object());
    assert!(api["paths"]["/api/v1/skjema/skriv-til-oss/innsendinger"].is_null());
}

#[tokio::test]
async fn the_receipt_and_the_feedback_can_be_fetched_as_json_and_pdf() {
    let app = crate::helpers::spawn_logged_in_with(|c| c.dev_domain_delay_ms = 100).await;
    let token = app.token(SAMEIE, SCOPE);
    let a = post(&app, PATH, Some(&token), Some(&key()), &melding("Dok-1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let forsendelse = a.body["forsendelseId"].as_str().unwrap().to_string();
    let docs = format!("{}{PATH}/forsendelser/{forsendelse}/dokumenter", app.addr);
    let r = app
        .client
        .get(format!("{docs}/{forsendelse}"))
        .bearer_auth(&token)
        .header("accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // The feedback, once the domain system has answered: its id is the document id.
    let row = loop {
        let row = app
            .store
            .submission_by_transmission(&forsendelse, &format!("org:{SAMEIE}"))
            .await
            .unwrap()
            .unwrap();
        if row.feedback.is_some() {
            break row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let feedback: Value = serde_json::from_str(row.feedback.as_deref().unwrap()).unwrap();
    let dokument = feedback["id"].as_str().unwrap();
    let r = app
        .client
        .get(format!("{docs}/{dokument}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["status"], "godkjent");
    assert_eq!(got["innsendingId"], row.id.as_str());
    let r = app
        .client
        .get(format!("{docs}/{dokument}"))
        .bearer_auth(&token)
        .header("accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // Another organisation's system cannot read them: the PDP lets it read nothing of this form
    // for itself, and asked first, says so (403) before any submission is looked for.
    let theirs = app.token(BORETTSLAG, "skatteetaten:innrapporteringboligsameie");
    let r = app
        .client
        .get(format!("{docs}/{dokument}"))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn the_readmes_example_delivery_is_accepted() {
    let app = spawn_app().await;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/rf1140-2025.json"),
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let token = app.token(SAMEIE, SCOPE);
    let a = post(&app, PATH, Some(&token), Some(&key()), &doc).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["antallOppgaver"], 2);
}

#[tokio::test]
async fn the_readmes_example_complaint_with_a_file_is_accepted() {
    let app = spawn_app().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // The document exactly as the README's curl sends it.
    let doc = readme
        .split("-F 'dokument=")
        .nth(1)
        .and_then(|rest| rest.split(";type=application/json'").next())
        .expect("the README shows a complaint with a file");
    let doc: Value = serde_json::from_str(doc).unwrap();
    assert!(readme.contains("dokumentasjon=@docs/examples/vedtak.pdf"));
    let pdf = std::fs::read(root.join("docs/examples/vedtak.pdf")).unwrap();
    let form = reqwest::multipart::Form::new()
        .part(
            "dokument",
            reqwest::multipart::Part::text(doc.to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .part(
            "dokumentasjon",
            reqwest::multipart::Part::bytes(pdf.clone())
                .file_name("vedtak.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let token = app.token(SAMEIE, "skatteetaten:tasteskjema.klage");
    let r = app
        .client
        .post(format!("{}/api/v1/skjema/klage/innsendinger", app.addr))
        .bearer_auth(&token)
        .header("idempotencyKey", key())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let id = body["innsendingId"].as_str().unwrap();
    let files = app.store.attachments_of_submission(id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "vedtak.pdf");
    assert_eq!(files[0].media_type, "application/pdf");
    assert_eq!(files[0].size as usize, pdf.len());
}

/// The text of a PDF, all pages.
fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text out of the PDF")
}

#[tokio::test]
async fn the_receipt_pdf_names_the_party_and_the_end_user_system() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, SCOPE);
    let k = key();
    let a = post(&app, PATH, Some(&token), Some(&k), &melding("Leveranse-N")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let forsendelse = a.body["forsendelseId"].as_str().unwrap();
    let r = receipt_document(&app, &token, forsendelse, "application/pdf").await;
    assert_eq!(r.status().as_u16(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("TESTSAMEIET SKOGLY (819 897 522)"), "{text}");
    assert!(
        text.contains("Fiktivt sameiesystem for TESTSAMEIET SKOGLY"),
        "{text}"
    );
    assert!(!text.contains("org:"), "{text}");
    assert!(!text.contains("systemuser:"), "{text}");
    // When it was sent, in Oslo time and written the Norwegian way.
    assert!(text.contains(" kl. "), "{text}");
}

#[tokio::test]
async fn validering_answers_as_a_delivery_would_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, SCOPE);
    let check = format!("{PATH}/validering");
    let before = crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await;
    // A valid delivery: the counts its Leveransebekreftelse would have, without ids.
    let doc = melding("Leveranse-V");
    let k = key();
    let v = post(&app, &check, Some(&token), Some(&k), &doc).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["oppgavegiversLeveranseReferanse"], "Leveranse-V");
    assert_eq!(v.body["antallOppgaver"], 2);
    assert!(v.body.get("dialogId").is_none(), "{}", v.body);
    assert!(v.body.get("forsendelseId").is_none(), "{}", v.body);
    // Validated twice with the same key: still nothing stored, and the key is still free.
    let again = post(&app, &check, Some(&token), Some(&k), &doc).await;
    assert_eq!(again.body, v.body);
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await,
        before
    );
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM outbox").await,
        0
    );
    let sent = post(&app, PATH, Some(&token), Some(&k), &doc).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let mut without_ids = sent.body.clone();
    without_ids.as_object_mut().unwrap().remove("dialogId");
    without_ids.as_object_mut().unwrap().remove("forsendelseId");
    assert_eq!(without_ids, v.body);
    // An invalid delivery: the same Feil, with every error, as the delivery gets.
    let mut bad = melding("Leveranse-F");
    bad["leveranse"]["oppgavegiver"]["organisasjonsnummer"] = json!("819897523");
    bad["leveranse"]["oppgaveoppsummering"]["sumAndelFormue"] = json!(1);
    let checked = post(&app, &check, Some(&token), Some(&key()), &bad).await;
    let refused = post(&app, PATH, Some(&token), Some(&key()), &bad).await;
    assert_eq!(checked.status, 400, "{}", checked.body);
    assert_eq!(checked.status, refused.status);
    assert_eq!(checked.body["kode"], refused.body["kode"]);
    assert_eq!(
        checked.body["spesifisering"], refused.body["spesifisering"],
        "{}",
        checked.body
    );
    assert!(
        checked.body["spesifisering"]
            .as_array()
            .is_some_and(|e| e.len() >= 2),
        "{}",
        checked.body
    );
    // The checks before the document are the same too: no token, another scheme's token, no key,
    // a year the scheme does not take.
    let none = post(&app, &check, None, Some(&key()), &doc).await;
    assert_eq!(none.status, 401, "{}", none.body);
    let other = app.token(SAMEIE, "skatteetaten:innrapporteringboligselskap");
    assert_eq!(
        post(&app, &check, Some(&other), Some(&key()), &doc)
            .await
            .status,
        403
    );
    let no_key = post(&app, &check, Some(&token), None, &doc).await;
    assert_eq!(
        no_key.body["spesifisering"][0]["kode"], "GLD_1028",
        "{}",
        no_key.body
    );
    let year = post(
        &app,
        "/api/innrapportering/boligsameie/v1/2019/validering",
        Some(&token),
        Some(&key()),
        &doc,
    )
    .await;
    assert_eq!(
        year.body["spesifisering"][0]["kode"], "GLD_1027",
        "{}",
        year.body
    );
    // Only the delivery above was stored.
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await,
        before + 1
    );
}

#[tokio::test]
async fn a_form_may_take_larger_deliveries_than_the_default() {
    let app = spawn_app().await;
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let bsu = tasteskjema::form::testdata::generate(
        catalog.latest("RF-1360").unwrap(),
        &tasteskjema::form::testdata::Ask {
            rows: Some(3),
            seed: 3,
            break_check: None,
        },
    )
    .unwrap();
    // 11 MB: over the portal's 10 MB default, under RF-1360's 100 MB (JSON allows the spaces).
    let padded = |doc: &Value| format!("{doc}{}", " ".repeat(11 * 1024 * 1024));
    let send = |path: &'static str, org: &'static str, scope: &'static str, body: String| {
        let (client, url, token) = (app.client.clone(), app.addr.clone(), app.token(org, scope));
        async move {
            let r = client
                .post(format!("{url}{path}"))
                .bearer_auth(token)
                .header("idempotencyKey", key())
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, ok) = send(
        "/api/innrapportering/boligsparingungdom/v1/2025",
        "311800108",
        "skatteetaten:innrapporteringboligsparingungdom",
        padded(&bsu),
    )
    .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["antallOppgaver"], 3);
    // A body that large has its canonical text spooled and stored in pieces: read back whole.
    let stored = app
        .store
        .submission_by_transmission(ok["forsendelseId"].as_str().unwrap(), "org:311800108")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.document,
        tasteskjema::intake::canonical::canonical(&bsu)
    );
    let pieces = format!(
        "SELECT COUNT(*) FROM submission_pieces WHERE submission_id = '{}'",
        stored.id
    );
    assert_eq!(crate::helpers::count(&app, &pieces).await, 1);
    let (status, refused) = send(PATH, SAMEIE, SCOPE, padded(&melding("Stor"))).await;
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["kode"], "GLD_006");
}
