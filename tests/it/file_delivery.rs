//! A whole delivery uploaded as a file in the browser: read and checked as the API reads it,
//! submitted through the one intake, the same file twice one delivery, a refused file's errors
//! shown with their rows, fields and lines and all of them as CSV.

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tasteskjema::dev::aksjonaerregister as ar;
use tasteskjema::form::testdata::{Ask, generate};

use crate::helpers::{Page, TestApp, client, count, spawn_app, spawn_logged_in_with};

fn rf1140(rows: usize, seed: u64) -> Value {
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let form = catalog.latest("RF-1140").unwrap();
    generate(
        form,
        &Ask {
            rows: Some(rows),
            seed,
            break_check: None,
        },
    )
    .unwrap()
}

async fn upload_with(app: &TestApp, c: &reqwest::Client, bytes: Vec<u8>) -> Page {
    let form = Form::new().part(
        "fil",
        Part::bytes(bytes)
            .file_name("leveranse.json")
            .mime_str("application/json")
            .unwrap(),
    );
    let r = c
        .post(format!("{}/skjema/RF-1140/fil", app.addr))
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::page(r).await
}

async fn upload(app: &TestApp, bytes: Vec<u8>) -> Page {
    upload_with(app, &app.client, bytes).await
}

#[tokio::test]
async fn a_valid_file_is_submitted_once_through_the_intake() {
    let app = spawn_app().await;
    let start = app.get("/skjema/RF-1140").await;
    assert!(
        start.body.contains("href=\"/skjema/RF-1140/fil\""),
        "{}",
        start.body
    );
    let page = app.get("/skjema/RF-1140/fil").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"fil\""), "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let doc = rf1140(40, 3);
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let r = upload(&app, bytes.clone()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    assert!(receipt.starts_with("/innsendt/"), "{receipt}");
    let id = receipt.trim_start_matches("/innsendt/");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM submissions WHERE id = '{id}' AND channel = 'upload' AND form_id = 'RF-1140'")
        )
        .await,
        1
    );
    // Stored as the API would store the same document: its canonical text.
    let stored = app
        .store
        .submission_without_owner_check(id)
        .await
        .unwrap()
        .unwrap();
    let back: Value = serde_json::from_str(&stored.document).unwrap();
    assert_eq!(back, doc);
    let shown = app.get(&receipt).await;
    assert_eq!(shown.status, 200, "{}", shown.body);

    // The same file again: the same delivery, said so, nothing new stored.
    let again = upload(&app, bytes).await;
    the_same_delivery(&app, &again, &receipt).await;
}

#[tokio::test]
async fn a_file_larger_than_a_piece_is_stored_in_pieces_and_read_back_whole() {
    let app = spawn_app().await;
    // About 3.5 MB of canonical text: four pieces of at most 1 MiB.
    let doc = rf1140(7_000, 8);
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let r = upload(&app, bytes.clone()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    let stored = stored_of(&app, &receipt).await;
    let id = &stored.id;
    let pieces = format!("SELECT COUNT(*) FROM submission_pieces WHERE submission_id = '{id}'");
    assert!(count(&app, &pieces).await >= 3, "stored in pieces");
    let empty = format!("SELECT COUNT(*) FROM submissions WHERE id = '{id}' AND document = ''");
    assert_eq!(count(&app, &empty).await, 1, "not also as one value");
    // Read back: the whole canonical text, in order, its SHA-256 the one on the receipt.
    assert_eq!(
        stored.document,
        tasteskjema::intake::canonical::canonical(&doc)
    );
    assert_eq!(
        tasteskjema::intake::canonical::sha256_hex(stored.document.as_bytes()),
        stored.sha256
    );
    // The receipt shows the first 200 rows, read piece by piece, and says how many more there are.
    let page = app.get(&receipt).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(">Oppgave 200<"), "{}", page.body);
    assert!(!page.body.contains(">Oppgave 201<"), "{}", page.body);
    assert!(
        page.body.contains("6800 rader til er ikke vist her"),
        "{}",
        page.body
    );
    let pdf = app.get(&format!("{receipt}/kvittering.pdf")).await;
    assert_eq!(pdf.status, 200);
    // The domain system is sent the document piece by piece, and takes it: the whole document
    // parses, and its check of every row comes back as feedback.
    let mut waited = 0;
    loop {
        let jobs = app.store.jobs_of(id).await.unwrap();
        let domain = jobs
            .iter()
            .find(|j| j.kind == "domain")
            .expect("a domain job");
        assert!(domain.state != "parked", "{:?}", domain.last_error);
        let feedback = jobs
            .iter()
            .any(|j| j.kind == "feedback" && j.state == "done");
        if domain.state == "done" && feedback {
            break;
        }
        waited += 1;
        assert!(waited < 300, "not delivered: {jobs:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let delivered = stored_of(&app, &receipt).await;
    assert!(delivered.feedback.is_some(), "the domain system's feedback");
    let stats: Value = reqwest::get(format!("{}/dev/domene/stats", app.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats[0]["id"], Value::String(id.clone()));
    assert_eq!(stats[0]["requests"], 1);
    // The same file again is the same delivery, and stores no more pieces.
    let before = count(&app, "SELECT COUNT(*) FROM submission_pieces").await;
    let again = upload(&app, bytes).await;
    the_same_delivery(&app, &again, &receipt).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM submission_pieces").await,
        before
    );
}

/// The submission behind a receipt's address (`/innsendt/{id}`), as stored.
async fn stored_of(app: &TestApp, receipt: &str) -> tasteskjema::store::SubmissionRow {
    let id = receipt.trim_start_matches("/innsendt/");
    app.store
        .submission_without_owner_check(id)
        .await
        .unwrap()
        .expect("stored")
}

/// The page of a file sent again: the first delivery's receipt, and nothing new stored.
async fn the_same_delivery(app: &TestApp, again: &Page, receipt: &str) {
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(
        again.body.contains(&format!("href=\"{receipt}\"")),
        "{}",
        again.body
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM submissions").await, 1);
}

#[tokio::test]
async fn a_refused_file_shows_rows_fields_and_lines_and_offers_every_error() {
    let app = spawn_app().await;
    let mut doc = rf1140(150, 5);
    // Every property's municipality number wrong, each its own: 150 errors, one per row.
    let rows = doc["leveranse"]["oppgave"].as_array_mut().unwrap();
    let mut wrong = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        let bad = format!("X{i:03}");
        row["matrikkelnummer"]["kommunenummer"] = Value::String(bad.clone());
        wrong.push(bad);
    }
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let r = upload(&app, text.clone().into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("150"), "{}", r.body);
    // The first 100 on the page, with the value given and the line it is on.
    assert_eq!(r.body.matches("<tr><td>").count(), 100, "{}", r.body);
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        r.body.contains("<td>1</td><td>Kommunenummer</td><td>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!(
            "<td class=\"break\">{}</td><td>{}</td>",
            wrong[0],
            line_of(&wrong[0])
        )),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(&wrong[120]),
        "only the first 100 are on the page"
    );
    // All of them as CSV, for this person only.
    let href = crate::helpers::attr(
        &r.body,
        "<a class=\"ds-link\" href=\"/skjema/RF-1140/fil/feil/",
        "href",
    );
    let csv = app.get(&href).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 151, "{}", csv.body);
    assert!(csv.body.contains(&wrong[120]));
    assert!(csv.body.contains(&format!("\"{}\"", line_of(&wrong[120]))));
    assert!(
        csv.body
            .contains("leveranse.oppgave[149].matrikkelnummer.kommunenummer")
    );
    let stranger = client();
    let other = app.get_with(&stranger, &href).await;
    assert_ne!(other.status, 200);
    assert!(!other.body.contains(&wrong[0]));
    // Nothing was stored.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
}

#[tokio::test]
async fn a_file_that_is_not_a_delivery_is_said_so() {
    let app = spawn_logged_in_with(|c| c.body_limit = 64 * 1024).await;
    let r = upload(
        &app,
        b"{\n  \"leveranse\": {\n    \"oppgave\": [1,\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("linje 4"), "{}", r.body);
    assert!(r.body.contains("href=\"#fil\""), "{}", r.body);
    let r = upload(&app, b"[1, 2]".to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("ett JSON-objekt"), "{}", r.body);
    let r = upload(&app, Vec::new()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Velg en fil"), "{}", r.body);
    let big = serde_json::to_vec_pretty(&rf1140(400, 1)).unwrap();
    assert!(big.len() > 64 * 1024);
    let r = upload(&app, big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("64 kB"), "{}", r.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
    // Not logged in: to the login, nothing read.
    let anonymous = client();
    let r = upload_with(&app, &anonymous, b"{}".to_vec()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location.unwrap().starts_with("/logg-inn"));
}

#[tokio::test]
async fn the_receipt_of_a_large_file_shows_its_first_rows_and_how_many_more() {
    let app = spawn_app().await;
    let bytes = serde_json::to_vec(&rf1140(250, 21)).unwrap();
    let r = upload(&app, bytes).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = app.get(&r.location.unwrap()).await;
    assert_eq!(receipt.status, 200);
    let shown = receipt
        .body
        .matches("class=\"ds-heading row-heading\"")
        .count();
    assert_eq!(shown, 200, "the first 200 rows");
    assert!(
        receipt
            .body
            .contains("50 rader til er ikke vist her, men er med i innsendingen."),
        "{}",
        receipt.body
    );
}

/// Tiril, daglig leder of the company of the aksjonærregisteroppgave examples.
const TIRIL: &str = "15837510047";
const TIGER: &str = "314259521";

fn tiger() -> ar::Company {
    ar::Company {
        orgnr: TIGER.into(),
        navn: "MOSEGRODD ORANSJE TIGER AS".into(),
        year: 2025,
        shares: 300,
        par: 100,
    }
}

fn holder(n: u32, fnr: String) -> ar::Shareholder {
    ar::Shareholder {
        holder: ar::Holder::Person(fnr),
        navn: format!("Aksjonær {n} Testesen"),
        shares: 100,
        bought: Some((100, "2025-01-02".into(), 100 * 100)),
    }
}

/// The return of TIGER with three shareholders, the `k`th given `fnr` instead of a valid number.
fn ar_file(wrong: Option<(usize, &str)>) -> String {
    let c = tiger();
    let subs: Vec<String> = (0..3u32)
        .map(|i| {
            let fnr = match wrong {
                Some((k, f)) if k == i as usize => f.to_owned(),
                _ => ar::person_number(i),
            };
            ar::underskjema(&c, &holder(i, fnr))
        })
        .collect();
    ar::file(&ar::hovedskjema(&c), &subs)
}

async fn tiger_app() -> TestApp {
    let app = crate::helpers::spawn_app_with(|_| {}).await;
    app.log_in(TIRIL, crate::helpers::SUBSTANTIAL).await;
    app.choose_party(&format!("org:{TIGER}")).await;
    app
}

/// Uploads an aksjonærregisteroppgave's file as the person logged in to `app`.
pub(crate) async fn upload_ar(app: &TestApp, bytes: Vec<u8>) -> Page {
    let form = Form::new().part(
        "fil",
        Part::bytes(bytes)
            .file_name("aksjonaerregisteroppgave.xml")
            .mime_str("application/xml")
            .unwrap(),
    );
    let r = app
        .client
        .post(format!("{}/skjema/RF-1086/fil", app.addr))
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::page(r).await
}

#[tokio::test]
async fn an_aksjonaerregisteroppgave_file_is_one_delivery_with_every_shareholder() {
    let app = tiger_app().await;
    let page = app.get("/skjema/RF-1086/fil").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("«Aksjonaerregisteroppgave»"),
        "{}",
        page.body
    );
    assert!(page.body.contains("accept=\".xml,"), "{}", page.body);

    let file = ar_file(None);
    let r = upload_ar(&app, file.clone().into_bytes()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    let stored = stored_of(&app, &receipt).await;
    assert_eq!(stored.channel, "upload");
    assert_eq!(stored.form_id, "RF-1086");
    let doc: Value = serde_json::from_str(&stored.document).unwrap();
    let holders = doc["aksjonaerer"].as_array().unwrap();
    assert_eq!(holders.len(), 3, "{doc}");
    assert_eq!(holders[2]["foedselsnummer"], ar::person_number(2).as_str());
    assert_eq!(doc["selskap"]["organisasjonsnummer"], TIGER);
    // Each shareholder's purchase, numbered by the shareholder it is about.
    assert_eq!(doc["tilganger"][2]["aksjonaer"], 3, "{doc}");
    let response: Value = serde_json::from_str(&stored.response).unwrap();
    assert_eq!(response["antallUnderskjema"], 3, "{response}");
    let shown = app.get(&receipt).await;
    assert_eq!(shown.status, 200, "{}", shown.body);

    // The same file again is the same delivery.
    let again = upload_ar(&app, file.into_bytes()).await;
    the_same_delivery(&app, &again, &receipt).await;
}

#[tokio::test]
async fn a_refused_aksjonaerregisteroppgave_file_names_the_document_the_element_and_the_line() {
    let app = tiger_app().await;
    // The second shareholder's fødselsnummer fails its check digits: the whole return's
    // validation finds it, and the page places it in the file.
    let bad = "12345678901";
    let file = ar_file(Some((1, bad)));
    let line = file.lines().position(|l| l.contains(bad)).unwrap() + 1;
    let r = upload_ar(&app, file.clone().into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("<td class=\"break\">{bad}</td><td>{line}</td>")),
        "{}",
        r.body
    );
    assert!(r.body.contains("<tr><td>Underskjema 2</td>"), "{}", r.body);
    let href = crate::helpers::attr(
        &r.body,
        "<a class=\"ds-link\" href=\"/skjema/RF-1086/fil/feil/",
        "href",
    );
    let csv = app.get(&href).await;
    assert!(
        csv.body
            .contains("Aksjonaerregisteroppgave/Skjema[3]/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarFodselsnummer-datadef-1156"),
        "{}",
        csv.body
    );

    // The hovedskjema and the first underskjema of another company: the other two underskjemaer
    // are refused at their element, before anything is validated.
    let other = file.replacen(
        &format!(">{TIGER}</EnhetOrganisasjonsnummer-datadef-18>"),
        ">999999999</EnhetOrganisasjonsnummer-datadef-18>",
        2,
    );
    let r = upload_ar(&app, other.clone().into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let third = other
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!(">{TIGER}<")))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert!(
        r.body.contains(&format!(
            "<tr><td>Underskjema 3</td><td>EnhetOrganisasjonsnummer-datadef-18</td><td>Underskjemaet må ha det samme som hovedskjemaet her: 999999999.</td><td class=\"break\">{TIGER}</td><td>{third}</td></tr>"
        )),
        "{}",
        r.body
    );
    assert_eq!(
        r.body.matches("<tr><td>Underskjema").count(),
        2,
        "{}",
        r.body
    );

    // The underskjemaer without their hovedskjema, and a file that is not XML.
    let c = tiger();
    let only_subs = ar::file(
        &ar::underskjema(&c, &holder(0, ar::person_number(0))),
        &[ar::underskjema(&c, &holder(1, ar::person_number(1)))],
    );
    let r = upload_ar(&app, only_subs.into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("må være hovedskjemaet"), "{}", r.body);
    let r = upload_ar(&app, b"<Aksjonaerregisteroppgave>\n<Skjema>\n".to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("ikke XML som kan leses"), "{}", r.body);
    let r = upload_ar(&app, ar::hovedskjema(&c).into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("rotelementet «Aksjonaerregisteroppgave»"),
        "{}",
        r.body
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
}
