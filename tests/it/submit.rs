//! Submitting from the browser through the one intake: receipt, idempotency, the PDP asked again.

use serde_json::Value;

use crate::forms::fill_rf1140;
use crate::helpers::{
    DINA, SKOGLY, SUBSTANTIAL, hidden_version, spawn_app, spawn_app_with, spawn_logged_in_with,
};

/// Submits from check-your-answers; returns the answer.
async fn submit(app: &crate::helpers::TestApp, summary: &str) -> crate::helpers::Page {
    let page = app.get(summary).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Send inn"), "{}", page.body);
    let v = hidden_version(&page.body);
    let send = summary.replace("/oppsummering", "/send");
    app.post_form(&send, &[("_version", &v)]).await
}

#[tokio::test]
async fn a_draft_is_submitted_once_and_gets_a_receipt() {
    let app = spawn_app().await;
    let summary = fill_rf1140(&app).await;
    let draft_id = summary.split('/').nth(3).unwrap().to_string();
    let before = app.document(&summary).await;
    let r = submit(&app, &summary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    assert!(receipt.starts_with("/innsendt/"), "{receipt}");
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    // The receipt: reference, party, submitter, the answers as given.
    let page = app.get(&receipt).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Skjemaet er sendt inn."));
    assert!(page.body.contains("TESTSAMEIET SKOGLY (819 897 522)"));
    assert!(page.body.contains("Dina Daglig Testesen"));
    assert!(page.body.contains("NØYTRALE TEST AS"));
    assert!(
        !page.body.contains(">Endre<"),
        "a receipt has no change links"
    );
    let row = app
        .store
        .submission_without_owner_check(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(page.body.contains(&row.reference));
    assert!(page.body.contains(&row.sha256));
    assert_eq!(row.party, SKOGLY);
    assert_eq!(row.submitter, format!("person:{DINA}"));
    assert_eq!(row.channel, "browser");
    assert_eq!(row.form_version, "2025-1");
    // Stored as given (canonical JSON of the draft's document), with its hash.
    let stored: Value = serde_json::from_str(&row.document).unwrap();
    assert_eq!(stored, before);
    assert_eq!(
        row.sha256,
        tasteskjema::intake::canonical::sha256_hex(row.document.as_bytes())
    );
    assert!(
        tasteskjema::intake::reference::parse_reference(&row.reference).is_some(),
        "{}",
        row.reference
    );
    // The draft became the submission.
    assert_eq!(app.get(&summary).await.status, 404);
    // A second press of the button (or the back button, or another tab): the same receipt.
    let again = app
        .post_form(
            &summary.replace("/oppsummering", "/send"),
            &[("_version", "99")],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(again.location.as_deref(), Some(receipt.as_str()));
    // Listed under "Innsendt".
    let list = app.get("/innsendt").await;
    assert!(list.body.contains(&row.reference));
    assert_eq!(list.body.matches("href=\"/innsendt/").count(), 1);
    // Written to the audit log, with the outbox jobs, in the same transaction.
    let trail = app.store.audit_rows(&id).await.unwrap();
    assert_eq!(trail[0].event, "submission.received");
    assert_eq!(trail[0].person.as_deref(), Some(DINA));
    assert_eq!(trail[0].party.as_deref(), Some(SKOGLY));
    assert!(
        app.store
            .submission_by_key(&format!("draft:{draft_id}"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_incomplete_or_stale_draft_is_not_submitted() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let summary = p1.replace("/om-leveransen", "/oppsummering");
    let page = app.get(&summary).await;
    assert!(
        !page.body.contains(">Send inn<"),
        "no button while there are errors"
    );
    let send = summary.replace("/oppsummering", "/send");
    let r = app.post_form(&send, &[("_version", "1")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some(summary.as_str()));
    assert!(app.document(&p1).await.is_object(), "the draft is kept");
    // A complete draft changed in another tab after check-your-answers was shown: 409.
    let summary = fill_rf1140(&app).await;
    let r = app
        .post_form(
            &summary.replace("/oppsummering", "/send"),
            &[("_version", "1")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        app.document(&summary).await.is_object(),
        "the draft is kept"
    );
    // Another person's draft cannot be submitted: not found.
    let other = crate::helpers::client();
    let r = app
        .log_in_via(&other, "/", "23866410070", SUBSTANTIAL)
        .await;
    assert_eq!(r.status, 303);
    let r = app
        .post_raw_with(
            &other,
            "/aktor",
            b"party=org%3A819897522&neste=%2F".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = app
        .post_raw_with(
            &other,
            &summary.replace("/oppsummering", "/send"),
            b"_version=9".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_right_withdrawn_while_the_draft_waited_stops_the_submission() {
    // Two deployments on one database; on the second, Dina is no longer daglig leder of Skogly.
    let data = tempfile::tempdir().unwrap();
    let registry = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dev/registry.toml"),
    )
    .unwrap();
    let withdrawn = registry.replacen(
        "pid = \"12837810092\"\norgnr = \"819897522\"\ncode = \"DAGL\"",
        "pid = \"12837810092\"\norgnr = \"819897522\"\ncode = \"MEDL\"",
        1,
    );
    assert_ne!(
        withdrawn, registry,
        "the registry names Dina's role as expected"
    );
    let file = data.path().join("registry.toml");
    std::fs::write(&file, withdrawn).unwrap();
    let shared = data.path().to_path_buf();
    let before = spawn_app_with({
        let shared = shared.clone();
        move |c| {
            c.data_dir = shared;
            c.database_url = None;
        }
    })
    .await;
    before.log_in(DINA, SUBSTANTIAL).await;
    before.choose_party(SKOGLY).await;
    let summary = fill_rf1140(&before).await;
    let after = spawn_app_with(move |c| {
        c.data_dir = shared;
        c.database_url = None;
        c.dev_registry = Some(file);
    })
    .await;
    let page = after.get_with(&before.client, &summary).await;
    let v = hidden_version(&page.body);
    let r = after
        .post_raw_with(
            &before.client,
            &summary.replace("/oppsummering", "/send"),
            format!("_version={v}").into_bytes(),
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("Du har ikke tilgang til å sende inn"),
        "{}",
        r.body
    );
    assert!(
        before.document(&summary).await.is_object(),
        "the draft is kept"
    );
}

/// Waits (up to 10 s) until every job of submission `id` is done, the feedback's delivery to the
/// inbox included.
pub(crate) async fn all_jobs_done(app: &crate::helpers::TestApp, id: &str) {
    for _ in 0..100 {
        let jobs = app.store.jobs_of(id).await.unwrap();
        if jobs.len() == 4 && jobs.iter().all(|j| j.state == "done") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let jobs = app.store.jobs_of(id).await.unwrap();
    panic!("not every job is done: {jobs:?}");
}

/// Waits (up to 20 s) until the receipt page shows `text`.
async fn receipt_shows(app: &crate::helpers::TestApp, receipt: &str, text: &str) -> String {
    for _ in 0..200 {
        let page = app.get(receipt).await;
        if page.body.contains(text) {
            return page.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{receipt} never showed {text:?}");
}

#[tokio::test]
async fn the_domain_systems_feedback_reaches_the_receipt() {
    let app = spawn_logged_in_with(|c| c.dev_domain_delay_ms = 200).await;
    let summary = fill_rf1140(&app).await;
    let r = submit(&app, &summary).await;
    let receipt = r.location.unwrap();
    let first = app.get(&receipt).await;
    assert!(first.body.contains("blir kontrollert"), "pending at first");
    let body = receipt_shows(&app, &receipt, "kontrollert og godkjent").await;
    assert!(body.contains(">Godkjent<"), "the status changed");
    // The receipt as a tagged PDF, for the owner only.
    let r = app
        .client
        .get(format!("{}{receipt}/kvittering.pdf", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.windows(14).any(|w| w == b"StructTreeRoot"), "tagged");
    // Names, not keys; the time in Oslo, written the Norwegian way.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    assert!(text.contains("TESTSAMEIET SKOGLY (819 897 522)"), "{text}");
    assert!(
        !text.contains("org:") && !text.contains("person:"),
        "{text}"
    );
    let sent = tasteskjema::i18n::when(
        app.store
            .submission_without_owner_check(receipt.trim_start_matches("/innsendt/"))
            .await
            .unwrap()
            .unwrap()
            .created_at,
        tasteskjema::form::Lang::Nb,
    );
    assert!(sent.contains(" kl. "), "{sent}");
    assert!(text.contains(&sent), "{sent} in {text}");
    let stranger = crate::helpers::client();
    let r = app
        .get_with(&stranger, &format!("{receipt}/kvittering.pdf"))
        .await;
    assert_eq!(r.status, 303, "to login, not the PDF");
    let id = receipt.trim_start_matches("/innsendt/");
    let row = app
        .store
        .submission_without_owner_check(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "accepted");
    // The names kept with it: the party's, and the person's who sent it.
    assert_eq!(row.party_name.as_deref(), Some("TESTSAMEIET SKOGLY"));
    assert!(row.submitter_name.as_deref().is_some_and(|n| !n.is_empty()));
    let jobs = app.store.jobs_of(id).await.unwrap();
    let kinds: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j.kind.as_str(), j.state.as_str()))
        .collect();
    assert!(kinds.contains(&("domain", "done")), "{kinds:?}");
    assert!(kinds.contains(&("feedback", "done")), "{kinds:?}");
}

#[tokio::test]
async fn a_rejection_is_shown_beside_the_answer_it_concerns() {
    let app = spawn_logged_in_with(|c| c.dev_domain_delay_ms = 100).await;
    let summary = fill_rf1140(&app).await;
    // The second owner becomes the reporting sameie itself: valid to the form, refused by the
    // domain system.
    let mut doc = app.document(&summary).await;
    assert_eq!(
        doc["leveranse"]["oppgave"][1]["oppgaveeier"]["organisasjonsnummer"],
        "800877830"
    );
    doc["leveranse"]["oppgave"][1]["oppgaveeier"]["organisasjonsnummer"] = "819897522".into();
    let id = summary.split('/').nth(3).unwrap();
    let owner = tasteskjema::store::Owner::new(DINA, SKOGLY);
    let v: i64 = hidden_version(&app.get(&summary).await.body)
        .parse()
        .unwrap();
    let saved = app
        .store
        .save_draft(&owner, id, v, &doc, None, "test")
        .await
        .unwrap();
    assert_eq!(saved, tasteskjema::store::Saved::Ok(v + 1));
    let r = submit(&app, &summary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    let body = receipt_shows(&app, &receipt, "ble avvist").await;
    assert!(body.contains(">Avvist<"));
    // Rejected: the dialog in the party's inbox asks the party to act.
    all_jobs_done(&app, receipt.trim_start_matches("/innsendt/")).await;
    let inbox = app.get("/dev/dialogporten?part=819897522").await;
    assert!(
        inbox.body.contains("<dd>Krever handling</dd>"),
        "{}",
        inbox.body
    );
    assert!(!inbox.body.contains("Venter på svar"), "{}", inbox.body);
    assert_eq!(inbox.body.matches("Avvist").count(), 1, "{}", inbox.body);
    assert!(
        body.contains("Oppgavegiveren kan ikke oppgis som eier"),
        "{body}"
    );
    // Linked from the list to the answer, which carries the message.
    let anchor = "svar-f-leveranse-oppgave-1-oppgaveeier";
    assert!(body.contains(&format!("href=\"#{anchor}\"")), "{body}");
    let at = body
        .find(&format!("id=\"{anchor}\""))
        .expect("the answer row");
    assert!(
        body[at..]
            .split("</div>")
            .next()
            .unwrap()
            .contains("Oppgavegiveren kan ikke")
    );
}

#[tokio::test]
async fn deliveries_complete_after_the_domain_system_comes_back() {
    let app = spawn_logged_in_with(|c| c.dev_domain_delay_ms = 100).await;
    let r = app.post_form("/dev/domene/nede?sekunder=3", &[]).await;
    assert_eq!(r.status, 204);
    let summary = fill_rf1140(&app).await;
    let r = submit(&app, &summary).await;
    let receipt = r.location.unwrap();
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let jobs = app.store.jobs_of(&id).await.unwrap();
    let domain = jobs.iter().find(|j| j.kind == "domain").unwrap();
    assert_eq!(domain.state, "pending", "still down");
    assert!(domain.attempts >= 1);
    assert!(
        domain.last_error.as_deref().unwrap_or("").contains("503"),
        "{domain:?}"
    );
    receipt_shows(&app, &receipt, "kontrollert og godkjent").await;
    let stats: Value = app
        .client
        .get(format!("{}/dev/domene/stats", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&Value> = stats
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] == id.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "stored once: {stats}");
}

#[tokio::test]
async fn a_submission_and_its_feedback_reach_the_partys_inbox() {
    let app = spawn_logged_in_with(|c| c.dev_domain_delay_ms = 100).await;
    let summary = fill_rf1140(&app).await;
    let r = submit(&app, &summary).await;
    let receipt = r.location.unwrap();
    receipt_shows(&app, &receipt, "kontrollert og godkjent").await;
    let id = receipt.trim_start_matches("/innsendt/");
    let row = app
        .store
        .submission_without_owner_check(id)
        .await
        .unwrap()
        .unwrap();
    all_jobs_done(&app, id).await;
    // The party's inbox (the stand-in's page) shows the dialog with both transmissions.
    let inbox = app.get("/dev/dialogporten?part=819897522").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains(&row.reference), "{}", inbox.body);
    assert!(
        inbox.body.contains("<strong>Innsending:</strong>"),
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains("<strong>Godkjent:</strong>"),
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains("Svar på:"),
        "the feedback is related to the submission"
    );
    // The verdict once, as the transmission's type: not again in its title.
    assert_eq!(inbox.body.matches("Godkjent").count(), 1, "{}", inbox.body);
    assert!(
        inbox
            .body
            .contains(&format!("Svar på RF-1140 med referanse {}", row.reference)),
        "{}",
        inbox.body
    );
    // Accepted: the dialog is completed, no longer awaiting an answer.
    assert!(inbox.body.contains("<dd>Fullført</dd>"), "{}", inbox.body);
    assert!(!inbox.body.contains("Venter på svar"), "{}", inbox.body);
    // Its events: the dialog and two transmissions, for the party.
    let events: Value = app
        .client
        .get(format!(
            "{}/dev/dialogporten/events?subject=urn:altinn:organization:identifier-no:819897522",
            app.addr
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resourceinstance"] == row.dialog_id.as_str())
        .collect();
    // Created, two transmissions, and the status change.
    assert_eq!(mine.len(), 4, "{events}");
    assert_eq!(mine[3]["type"], "dialogporten.dialog.updated.v1");
}

#[tokio::test]
async fn a_delivery_the_receiver_refuses_is_parked_visible_and_can_be_put_back() {
    // A domain system that refuses everything it gets (400), on a port of its own.
    let refusing = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", refusing.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new()
            .fallback(|| async { (axum::http::StatusCode::BAD_REQUEST, "ukjent format") });
        axum::serve(refusing, app).await.unwrap();
    });
    let app = spawn_logged_in_with(move |c| c.domain_url = Some(base)).await;
    let summary = fill_rf1140(&app).await;
    let receipt = submit(&app, &summary).await.location.unwrap();
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    let parked = loop {
        let open = app.store.open_jobs(100).await.unwrap();
        if let Some(j) = open
            .iter()
            .find(|j| j.submission_id == id && j.state == "parked")
        {
            break j.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(parked.kind, "domain");
    assert_eq!(parked.attempts, 1, "a refusal is not retried");
    assert!(
        parked.last_error.as_deref().unwrap().contains("400"),
        "{parked:?}"
    );
    // The submission itself is safe, and its receipt says it is received.
    assert!(app.get(&receipt).await.body.contains("blir kontrollert"));
    // An operator puts it back once the receiver is fixed (here: it is not, so it parks again).
    assert!(app.store.requeue_job(parked.id).await.unwrap());
    let again = loop {
        let jobs = app.store.jobs_of(&id).await.unwrap();
        let j = jobs.into_iter().find(|j| j.id == parked.id).unwrap();
        if j.state == "parked" && j.attempts == 1 {
            break j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(again.kind, "domain");
}

/// Posts a submission straight to the built-in domain system of `area` and waits for its feedback.
async fn decided(
    app: &crate::helpers::TestApp,
    area: &str,
    body: serde_json::Value,
) -> tasteskjema::intake::domain::Feedback {
    use tasteskjema::intake::domain::{DomainClient, Poll};
    let client = DomainClient::new(format!("{}/dev/domene", app.addr), reqwest::Client::new());
    let id = body["id"].as_str().unwrap().to_owned();
    let r = reqwest::Client::new()
        .post(format!("{}/dev/domene/{area}/innsendinger", app.addr))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    for _ in 0..50 {
        if let Poll::Ready(f) = client.feedback(area, &id).await.unwrap() {
            return *f;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no feedback on {id}");
}

#[tokio::test]
async fn a_decision_of_the_domain_system_reaches_the_portal_in_its_feedback() {
    let app = crate::helpers::spawn_app_with(|c| c.dev_domain_delay_ms = 0).await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({
        "id": id,
        "skjema": "RF-1114",
        "skjemaversjon": "2026-1",
        "dokument": { "soeknad": { "skattemelding": "rf1030", "inntektsaar": 2025, "nyFrist": "2026-06-20" } },
    });
    let f = decided(&app, "skatteprosessen", body).await;
    assert_eq!(f.status, "godkjent");
    let v = f.vedtak.expect("a deadline granted");
    assert_eq!(v.tittel, "Søknaden om utsatt frist er innvilget");
    assert_eq!(v.frist.as_deref(), Some("2026-06-20"));
    assert!(
        v.summary().contains("Ny frist: 20.06.2026"),
        "{}",
        v.summary()
    );
}

/// Follows a form's pages with `next`, answering each page from `answers` (by its path), until
/// check-your-answers; returns its path.
async fn through_pages(
    app: &crate::helpers::TestApp,
    first: &str,
    answers: &[(&str, &[(&str, &str)])],
) -> String {
    let mut at = first.to_string();
    for _ in 0..10 {
        if at.ends_with("/oppsummering") {
            return at;
        }
        let page = at.rsplit('/').next().unwrap().to_string();
        let fields = answers
            .iter()
            .find(|(p, _)| *p == page)
            .map_or(&[][..], |(_, f)| *f);
        let r = app.post_page(&at, "next", fields).await;
        assert_eq!(r.status, 303, "{at}: {}", r.body);
        at = crate::helpers::path_of(&r.location.unwrap());
    }
    panic!("never reached check-your-answers from {first}");
}

#[tokio::test]
async fn a_certificate_ordered_in_the_browser_arrives_as_pdfs_on_the_receipt_and_in_the_inbox() {
    let app = crate::helpers::spawn_logged_in_with(|c| c.dev_domain_delay_ms = 0).await;
    let p1 = app.start("RF-1316").await;
    let summary = through_pages(
        &app,
        &p1,
        &[
            (
                "bestillingen",
                &[
                    ("bestilling.attester", "skattOgMerverdiavgift"),
                    ("bestilling.attester", "formuesverdiEiendom"),
                    ("bestilling.spraak", "engelsk"),
                    ("bestilling.formaal", "Anbud"),
                ],
            ),
            (
                "eiendom",
                &[
                    ("eiendom.kommunenummer", "0301"),
                    ("eiendom.gaardsnummer", "12"),
                    ("eiendom.bruksnummer", "34"),
                    ("eiendom.annenMottaker", "false"),
                ],
            ),
        ],
    )
    .await;
    let r = submit(&app, &summary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    // The outbox delivers, fetches the decision with its two certificates, and tells the inbox.
    all_jobs_done(&app, &id).await;
    let docs = app.store.feedback_documents(&id).await.unwrap();
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert!(
        docs[0].name.starts_with("certificate-tax-and-vat-A"),
        "{docs:?}"
    );
    assert!(
        docs[1].name.starts_with("certificate-property-value-A"),
        "{docs:?}"
    );
    // The receipt names the decision and links each certificate.
    let page = app.get(&receipt).await;
    assert!(page.body.contains("Attestene er utstedt"), "{}", page.body);
    assert!(page.body.contains("Dokumenter fra Skatteetaten"));
    for d in &docs {
        let link = format!("/innsendt/{id}/dokument/{}", d.id);
        assert!(page.body.contains(&link), "{link} in {}", page.body);
        // Opened by the person, it is the PDF the domain system issued, as a download.
        let got = app
            .client
            .get(format!("{}{link}", app.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], "application/pdf");
        assert!(
            got.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let bytes = got.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(bytes.len() as i64, d.size);
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), d.sha256);
    }
    // The party's inbox: the feedback's transmission carries both, linking to the same download.
    let inbox = app.get("/dev/dialogporten?part=819897522").await;
    for d in &docs {
        assert!(inbox.body.contains(&d.name), "{}", inbox.body);
        assert!(
            inbox
                .body
                .contains(&format!("/innsendt/{id}/dokument/{}", d.id))
        );
    }
    // Nobody else gets them: another person, and no one logged in.
    let anonymous = crate::helpers::client();
    let r = anonymous
        .get(format!(
            "{}/innsendt/{id}/dokument/{}",
            app.addr, docs[0].id
        ))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
    let other = crate::helpers::spawn_anonymous().await;
    let r = other
        .client
        .get(format!(
            "{}/innsendt/{id}/dokument/{}",
            app.addr, docs[0].id
        ))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
    // A document that does not exist is a 404, not an error.
    let r = app.get(&format!("/innsendt/{id}/dokument/ingen")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn an_excise_return_is_assessed_with_a_kid_and_an_amount() {
    let app = crate::helpers::spawn_app_with(|c| c.dev_domain_delay_ms = 0).await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({
        "id": id,
        "skjema": "RF-1347",
        "skjemaversjon": "2026-1",
        "part": "org:311800108",
        "dokument": {
            "periode": { "type": "maaned", "aar": 2026, "maaned": 10, "fristMaaned": "2026-11-18" },
            "linjer": [
                { "avgiftskode": "BV516", "antall": 200, "antall2": 12 },
                { "avgiftskode": "OL720", "antall": 0, "antall2": 0 }
            ]
        },
    });
    let f = decided(&app, "motorvogn-saeravgifter", body).await;
    let v = f.vedtak.expect("an assessment");
    assert_eq!(v.tittel, "Særavgiftene er fastsatt");
    // 200 litres at 12 % by volume, at the stand-in's 5 kroner per litre and per cent.
    assert_eq!(v.belop, Some(12_000));
    assert_eq!(v.frist.as_deref(), Some("2026-11-18"));
    let kid = v.kid.clone().expect("a KID to pay with");
    assert_eq!(kid.len(), 15);
    let summary = v.summary().replace('\u{a0}', " ");
    assert!(summary.contains("Å betale: 12 000 kr"), "{summary}");
    assert!(summary.contains(&format!("KID: {kid}")), "{summary}");
    assert!(summary.contains("Kontonummer: 7694 05 17504"), "{summary}");
}

#[tokio::test]
async fn feedback_the_domain_system_does_not_have_yet_is_asked_for_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A domain system that takes every delivery but answers 404 to the first two asks for its
    // feedback (it has not registered it yet), then gives it.
    let asked = std::sync::Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counter = asked.clone();
    tokio::spawn(async move {
        use axum::extract::Path;
        use axum::http::StatusCode;
        use axum::routing::{get, post};
        let app = axum::Router::new()
            .route(
                "/{area}/innsendinger",
                post(|| async { StatusCode::ACCEPTED }),
            )
            .route(
                "/{area}/innsendinger/{id}/tilbakemelding",
                get(move |Path((_, id)): Path<(String, String)>| {
                    let counter = counter.clone();
                    async move {
                        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                            return (StatusCode::NOT_FOUND, "ukjent innsending").into_response();
                        }
                        axum::Json(serde_json::json!({
                            "id": format!("tilbakemelding-{id}"),
                            "innsendingId": id,
                            "status": "godkjent",
                            "meldinger": [],
                        }))
                        .into_response()
                    }
                }),
            );
        axum::serve(listener, app).await.unwrap();
    });
    use axum::response::IntoResponse as _;
    let app = spawn_logged_in_with(move |c| c.domain_url = Some(base)).await;
    let summary = fill_rf1140(&app).await;
    let receipt = submit(&app, &summary).await.location.unwrap();
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let feedback = loop {
        let jobs = app.store.jobs_of(&id).await.unwrap();
        if let Some(j) = jobs.iter().find(|j| j.kind == "feedback") {
            assert_ne!(
                j.state, "parked",
                "a 404 on feedback is not a refusal: {j:?}"
            );
            if j.state == "done" {
                break j.clone();
            }
        }
        assert!(std::time::Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(feedback.attempts, 3, "two 404s, then the feedback");
    assert_eq!(asked.load(Ordering::SeqCst), 3);
}
