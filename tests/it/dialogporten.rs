//! Delivering to Dialogporten: the production client against the built-in stand-in over real HTTP,
//! with the stand-in nested at `/dev/dialogporten` as the portal serves it and its SQLite file in a
//! temporary folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use tasteskjema::dev::dialogporten::{self, AllowAny, BearerCheck, DialogportenState};
use tasteskjema::form::Text;
use tasteskjema::intake::dialogporten::{
    Actor, Attachment, AttachmentUrl, ConsumerType, Content, ContentValue, Delivered,
    DeliveryError, DialogStatus, DialogportenClient, NewDialog, NewTransmission, StaticToken,
    TransmissionType, localizations, party_urn, resource_urn,
};
use uuid::Uuid;

const SAMEIE: &str = "819897522";
const BORETTSLAG: &str = "932061899";
const DINA: &str = "12837810092";
const SAMEIE_URN: &str = "urn:altinn:organization:identifier-no:819897522";

struct StandIn {
    /// `http://127.0.0.1:<port>/dev/dialogporten`.
    base: String,
    state: Arc<DialogportenState>,
    client: DialogportenClient,
    http: reqwest::Client,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

/// Serves `state` on a free port; the base URL of the nested stand-in.
async fn serve(state: Arc<DialogportenState>) -> String {
    let app = axum::Router::new().nest("/dev/dialogporten", dialogporten::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/dev/dialogporten", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn client(base: &str, token: &str) -> DialogportenClient {
    DialogportenClient::new(
        base,
        reqwest::Client::new(),
        Arc::new(StaticToken(token.into())),
    )
}

async fn spawn_stand_in_with(check: Arc<dyn BearerCheck>) -> StandIn {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dialogporten.sqlite");
    let state = Arc::new(DialogportenState::open(&file, check).await.unwrap());
    let base = serve(state.clone()).await;
    StandIn {
        client: client(&base, "test-token"),
        base,
        state,
        http: reqwest::Client::new(),
        file,
        _dir: dir,
    }
}

async fn spawn_stand_in() -> StandIn {
    spawn_stand_in_with(Arc::new(AllowAny)).await
}

fn text(nb: &str, en: &str) -> Text {
    Text {
        nb: nb.into(),
        nn: None,
        en: Some(en.into()),
    }
}

fn content(nb: &str, en: &str) -> Content {
    Content {
        title: ContentValue::plain(&text(nb, en)),
        summary: None,
    }
}

fn dialog(party_key: &str, title: &str) -> NewDialog {
    NewDialog {
        id: Uuid::now_v7(),
        service_resource: resource_urn("ske-innrapportering-boligsameie"),
        party: party_urn(party_key).unwrap(),
        status: DialogStatus::Awaiting,
        content: Content {
            title: ContentValue::plain(&text(title, "Co-ownership")),
            summary: Some(ContentValue::plain(&text(
                "Mottatt, under behandling",
                "Received, being processed",
            ))),
        },
        external_reference: Some("TS-7KQ4-M2XD".into()),
        transmissions: Vec::new(),
    }
}

fn submission() -> NewTransmission {
    NewTransmission {
        id: Uuid::now_v7(),
        kind: TransmissionType::Submission,
        related_transmission_id: None,
        sender: Actor::person(DINA),
        content: content("Innsending", "Submission"),
        attachments: vec![Attachment {
            display_name: localizations(&text("Kvittering", "Receipt")),
            urls: vec![AttachmentUrl {
                url: "https://tasteskjema.example/kvittering/TS-7KQ4-M2XD.pdf".into(),
                media_type: Some("application/pdf".into()),
                consumer_type: ConsumerType::Gui,
            }],
        }],
        external_reference: Some("TS-7KQ4-M2XD".into()),
    }
}

fn answer_to(kind: TransmissionType, related: Uuid, title: &str) -> NewTransmission {
    NewTransmission {
        id: Uuid::now_v7(),
        kind,
        related_transmission_id: Some(related),
        sender: Actor::service_owner(),
        content: content(title, "Accepted"),
        attachments: Vec::new(),
        external_reference: None,
    }
}

fn permanent_status(r: Result<Delivered, DeliveryError>) -> u16 {
    match r {
        Err(DeliveryError::Permanent { status, .. }) => status,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

fn requests(v: &Value) -> i64 {
    v["_standIn"]["createRequests"].as_i64().unwrap()
}

impl StandIn {
    async fn get_page(&self, query: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{query}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn events(&self, query: &str) -> Vec<Value> {
        let r = self
            .http
            .get(format!("{}/events{query}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn post_dialog_raw(&self, body: &Value) -> (u16, Option<String>, Option<String>, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/serviceowner/dialogs", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, ctype) = (header("location"), header("content-type"));
        let status = r.status().as_u16();
        (
            status,
            location,
            ctype,
            r.json().await.unwrap_or(Value::Null),
        )
    }

    /// A dialog with a submission and the service owner's acceptance of it, each sent twice.
    async fn deliver_twice(&self, d: &NewDialog) -> (NewTransmission, NewTransmission) {
        let sub = submission();
        let acc = answer_to(TransmissionType::Acceptance, sub.id, "Godkjent");
        let c = &self.client;
        assert_eq!(c.create_dialog(d).await, Ok(Delivered::Created));
        assert_eq!(c.create_dialog(d).await, Ok(Delivered::AlreadyCreated));
        assert_eq!(
            c.create_transmission(d.id, &sub).await,
            Ok(Delivered::Created)
        );
        assert_eq!(
            c.create_transmission(d.id, &sub).await,
            Ok(Delivered::AlreadyCreated)
        );
        assert_eq!(
            c.create_transmission(d.id, &acc).await,
            Ok(Delivered::Created)
        );
        assert_eq!(
            c.create_transmission(d.id, &acc).await,
            Ok(Delivered::AlreadyCreated)
        );
        (sub, acc)
    }
}

/// Asserts what [`StandIn::deliver_twice`] stored: once each, every request counted.
fn assert_stored_once(got: &Value, d: &NewDialog, sub: &NewTransmission, acc: &NewTransmission) {
    assert_eq!(got["id"], d.id.to_string());
    assert_eq!(got["party"], SAMEIE_URN);
    assert_eq!(
        got["serviceResource"],
        "urn:altinn:resource:ske-innrapportering-boligsameie"
    );
    assert_eq!(got["status"], "Awaiting");
    assert_eq!(got["externalReference"], "TS-7KQ4-M2XD");
    assert_eq!(
        got["content"]["title"]["value"][2],
        json!({ "languageCode": "en", "value": "Co-ownership" })
    );
    assert_eq!(requests(got), 2);
    let list = got["transmissions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["id"], sub.id.to_string());
    assert_eq!(list[0]["type"], "Submission");
    assert_eq!(
        list[0]["sender"]["actorId"],
        "urn:altinn:person:identifier-no:12837810092"
    );
    assert_eq!(
        list[0]["attachments"][0]["urls"][0]["mediaType"],
        "application/pdf"
    );
    assert_eq!(list[1]["id"], acc.id.to_string());
    assert_eq!(list[1]["type"], "Acceptance");
    assert_eq!(list[1]["relatedTransmissionId"], sub.id.to_string());
    assert_eq!(list[1]["sender"], json!({ "actorType": "ServiceOwner" }));
    assert!(list.iter().all(|t| requests(t) == 2));
}

#[tokio::test]
async fn a_submission_and_its_acceptance_are_stored_once_however_often_they_are_sent() {
    let s = spawn_stand_in().await;
    let d = dialog(
        &format!("org:{SAMEIE}"),
        "Boligsameie – tredjepartsopplysninger",
    );
    let (sub, acc) = s.deliver_twice(&d).await;
    let got = s.client.get_dialog(d.id).await.unwrap();
    assert_stored_once(&got, &d, &sub, &acc);
}

#[tokio::test]
async fn a_dialog_may_bring_its_submission_along() {
    let s = spawn_stand_in().await;
    let mut d = dialog(&format!("person:{DINA}"), "Skriv til oss");
    d.transmissions.push(submission());
    assert_eq!(s.client.create_dialog(&d).await, Ok(Delivered::Created));
    assert_eq!(
        s.client.create_dialog(&d).await,
        Ok(Delivered::AlreadyCreated)
    );
    let got = s.client.get_dialog(d.id).await.unwrap();
    assert_eq!(got["party"], "urn:altinn:person:identifier-no:12837810092");
    assert_eq!(
        got["transmissions"][0]["id"],
        d.transmissions[0].id.to_string()
    );
    assert_eq!(requests(&got["transmissions"][0]), 2);
}

#[tokio::test]
async fn refused_requests_are_permanent_errors() {
    let s = spawn_stand_in().await;
    let mut bad = dialog(&format!("org:{SAMEIE}"), "Feil part");
    bad.party = "urn:altinn:organization:identifier-no:819897523".into();
    assert_eq!(permanent_status(s.client.create_dialog(&bad).await), 400);
    bad.party = format!("org:{SAMEIE}");
    assert_eq!(permanent_status(s.client.create_dialog(&bad).await), 400);

    let unknown = Uuid::now_v7();
    assert_eq!(
        permanent_status(s.client.create_transmission(unknown, &submission()).await),
        404
    );
    match s.client.get_dialog(unknown).await {
        Err(DeliveryError::Permanent { status: 404, body }) => {
            assert!(body.contains("No dialog"), "{body}")
        }
        other => panic!("{other:?}"),
    }

    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    s.client.create_dialog(&d).await.unwrap();
    let orphan = answer_to(TransmissionType::Acceptance, Uuid::now_v7(), "Godkjent");
    assert_eq!(
        permanent_status(s.client.create_transmission(d.id, &orphan).await),
        422
    );
    let got = s.client.get_dialog(d.id).await.unwrap();
    assert_eq!(got["transmissions"], json!([]));
}

#[tokio::test]
async fn the_raw_api_answers_like_dialogporten() {
    let s = spawn_stand_in().await;
    let id = Uuid::now_v7().to_string();
    let body = json!({
        "id": id,
        "serviceResource": "urn:altinn:resource:ske-skriv-til-oss",
        "party": SAMEIE_URN,
        "content": { "title": { "value": [{ "languageCode": "nb", "value": "Spørsmål" }] } },
    });
    let (status, location, _, answer) = s.post_dialog_raw(&body).await;
    assert_eq!(status, 201);
    assert_eq!(answer, json!(id));
    assert_eq!(
        location.as_deref(),
        Some(format!("/dev/dialogporten/api/v1/serviceowner/dialogs/{id}").as_str())
    );
    let (status, _, ctype, problem) = s.post_dialog_raw(&body).await;
    assert_eq!(status, 409);
    assert_eq!(ctype.as_deref(), Some("application/problem+json"));
    assert_eq!(problem["status"], 409);
    // Status defaults to in progress, as Dialogporten shows a dialog created without one.
    let got = s.state.dialog(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(got["status"], "InProgress");

    let (status, _, ctype, problem) = s
        .post_dialog_raw(&json!({
            "id": Uuid::new_v4(),
            "serviceResource": "ske-skriv-til-oss",
            "party": "urn:altinn:person:identifier-no:12837810093",
            "content": { "title": { "value": [], "mediaType": "text/html" } },
        }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(ctype.as_deref(), Some("application/problem+json"));
    for field in ["id", "serviceResource", "party", "content.title"] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let (status, _, _, problem) = s.post_dialog_raw(&json!({ "status": "Lost" })).await;
    assert_eq!(status, 400, "{problem}");
}

#[tokio::test]
async fn the_api_wants_a_bearer_that_passes_the_check() {
    struct Only(&'static str);
    #[async_trait]
    impl BearerCheck for Only {
        async fn check(&self, header: Option<&str>) -> bool {
            header == Some(self.0)
        }
    }
    let s = spawn_stand_in_with(Arc::new(Only("Bearer test-token"))).await;
    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    let (status, _, _, _) = s.post_dialog_raw(&serde_json::to_value(&d).unwrap()).await;
    assert_eq!(status, 401);
    let wrong = client(&s.base, "other-token");
    // A refused token may be renewed by the next try.
    assert!(wrong.create_dialog(&d).await.unwrap_err().is_retryable());
    assert_eq!(s.client.create_dialog(&d).await, Ok(Delivered::Created));
    let done = json!([{ "op": "replace", "path": "/status", "value": "Completed" }]);
    let (status, _, _) = s
        .patch_raw(
            &d.id.to_string(),
            "application/json-patch+json",
            None,
            &done,
        )
        .await;
    assert_eq!(status, 401, "a patch needs the token too");
    assert!(
        wrong
            .set_status(d.id, DialogStatus::Completed)
            .await
            .unwrap_err()
            .is_retryable()
    );
    s.client
        .set_status(d.id, DialogStatus::Completed)
        .await
        .unwrap();
    // The inbox page is for people trying the portal and needs no token.
    let (status, _) = s.get_page(&format!("?part={SAMEIE}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_stand_in_that_is_down_or_failing_is_retried() {
    // A port that was free a moment ago: the connection is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let down = client(&format!("http://{addr}/dev/dialogporten"), "t");
    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    assert!(matches!(
        down.create_dialog(&d).await,
        Err(DeliveryError::Retryable(_))
    ));
    assert!(matches!(
        down.create_transmission(d.id, &submission()).await,
        Err(DeliveryError::Retryable(_))
    ));

    // Overloaded; and a conflict for a dialog that is not there is no proof of delivery.
    for (post, get) in [(503, 503), (409, 404)] {
        let app = axum::Router::new().fallback(move |m: axum::http::Method| async move {
            let code = if m == axum::http::Method::POST {
                post
            } else {
                get
            };
            axum::http::StatusCode::from_u16(code).unwrap()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let failing = client(&base, "t");
        let got = failing.create_dialog(&d).await;
        assert!(
            matches!(got, Err(DeliveryError::Retryable(_))),
            "{post}: {got:?}"
        );
    }
}

#[tokio::test]
async fn everything_delivered_is_there_after_a_restart() {
    let s = spawn_stand_in().await;
    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    let (sub, acc) = s.deliver_twice(&d).await;
    s.state.close().await;

    let reopened = Arc::new(
        DialogportenState::open(&s.file, Arc::new(AllowAny))
            .await
            .unwrap(),
    );
    let base = serve(reopened.clone()).await;
    let again = client(&base, "test-token");
    let got = again.get_dialog(d.id).await.unwrap();
    assert_stored_once(&got, &d, &sub, &acc);
    let events = reopened.events(Some(SAMEIE_URN)).await.unwrap();
    assert_eq!(events.len(), 3);
    // The outbox retries after the restart: still one dialog, one more request counted.
    assert_eq!(again.create_dialog(&d).await, Ok(Delivered::AlreadyCreated));
    assert_eq!(requests(&again.get_dialog(d.id).await.unwrap()), 3);
    assert!(file_exists(&s.file));
}

fn file_exists(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.len() > 0)
}

#[tokio::test]
async fn the_inbox_lists_the_partys_dialogs_newest_first_and_no_one_elses() {
    let s = spawn_stand_in().await;
    let older = dialog(&format!("org:{SAMEIE}"), "Eldre <innsending> & co");
    s.client.create_dialog(&older).await.unwrap();
    let newer = dialog(
        &format!("org:{SAMEIE}"),
        "Boligsameie – tredjepartsopplysninger",
    );
    let (sub, _) = s.deliver_twice(&newer).await;
    let other = dialog(&format!("org:{BORETTSLAG}"), "Borettslagets dialog");
    s.client.create_dialog(&other).await.unwrap();

    let (status, html) = s.get_page(&format!("?part={SAMEIE}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"nb\">"));
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("<label for=\"part\">"));
    assert!(html.contains("id=\"part\" name=\"part\""));
    assert!(html.contains("value=\"819897522\""));
    assert!(
        html.contains("Eldre &#60;innsending&#62; &#38; co")
            || html.contains("Eldre &lt;innsending&gt; &amp; co"),
        "{html}"
    );
    assert!(!html.contains("<innsending>"));
    assert!(!html.contains("Borettslagets dialog"));
    let newer_at = html.find("Boligsameie – tredjepartsopplysninger").unwrap();
    let older_at = html.find("Eldre").unwrap();
    assert!(newer_at < older_at, "newest first");
    let submission_at = html.find("Innsending:").unwrap();
    let acceptance_at = html.find("Godkjent:").unwrap();
    assert!(submission_at < acceptance_at, "transmissions in order");
    assert!(html.contains(&format!("href=\"#t-{}\"", sub.id)));
    assert!(html.contains("Venter på svar"));
    assert!(html.contains("href=\"https://tasteskjema.example/kvittering/TS-7KQ4-M2XD.pdf\""));

    let (status, html) = s.get_page(&format!("?part={BORETTSLAG}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Borettslagets dialog"));
    assert!(!html.contains("Boligsameie"));

    let (status, html) = s.get_page("?part=%22%3E%3Cscript%3E").await;
    assert_eq!(status, 400);
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(!html.contains("<script>"));

    let (status, html) = s.get_page("").await;
    assert_eq!(status, 200);
    assert!(!html.contains("<h2"));
}

#[tokio::test]
async fn the_events_tell_what_was_created() {
    let s = spawn_stand_in().await;
    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    let (sub, acc) = s.deliver_twice(&d).await;
    let other = dialog(&format!("person:{DINA}"), "Skriv til oss");
    s.client.create_dialog(&other).await.unwrap();

    let all = s.events("").await;
    assert_eq!(all.len(), 4, "repeats publish nothing: {all:?}");
    let mine = s.events(&format!("?subject={SAMEIE_URN}")).await;
    let types: Vec<&str> = mine.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "dialogporten.dialog.created.v1",
            "dialogporten.dialog.transmission.created.v1",
            "dialogporten.dialog.transmission.created.v1",
        ]
    );
    for e in &mine {
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(
            e["resource"],
            "urn:altinn:resource:ske-innrapportering-boligsameie"
        );
        assert_eq!(e["resourceinstance"], d.id.to_string());
        assert_eq!(e["subject"], SAMEIE_URN);
        assert!(Uuid::parse_str(e["id"].as_str().unwrap()).is_ok());
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            e["source"],
            format!("/dev/dialogporten/api/v1/serviceowner/dialogs/{}", d.id)
        );
    }
    assert_eq!(mine[1]["data"]["transmissionId"], sub.id.to_string());
    assert_eq!(mine[2]["data"]["transmissionId"], acc.id.to_string());
    assert_eq!(mine[2]["data"]["transmissionType"], "Acceptance");
}

impl StandIn {
    async fn patch_raw(
        &self,
        id: &str,
        content_type: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> (u16, Option<String>, Value) {
        let mut r = self
            .http
            .patch(format!("{}/api/v1/serviceowner/dialogs/{id}", self.base))
            .header("content-type", content_type)
            .body(body.to_string());
        if let Some(rev) = if_match {
            r = r.header("if-match", rev);
        }
        let r = r.send().await.unwrap();
        let etag = r
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = r.status().as_u16();
        (status, etag, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn the_status_follows_the_answer_and_the_inbox_shows_it() {
    let s = spawn_stand_in().await;
    let accepted = dialog(&format!("org:{SAMEIE}"), "Godtatt innsending");
    s.deliver_twice(&accepted).await;
    let rejected = dialog(&format!("org:{SAMEIE}"), "Avvist innsending");
    s.client.create_dialog(&rejected).await.unwrap();
    let (_, html) = s.get_page(&format!("?part={SAMEIE}")).await;
    assert_eq!(html.matches("Venter på svar").count(), 2, "{html}");

    for _ in 0..2 {
        // A repeated delivery sets the same status again: no harm done.
        s.client
            .set_status(accepted.id, DialogStatus::Completed)
            .await
            .unwrap();
    }
    s.client
        .set_status(rejected.id, DialogStatus::RequiresAttention)
        .await
        .unwrap();
    let got = s.client.get_dialog(accepted.id).await.unwrap();
    assert_eq!(got["status"], "Completed");
    let got = s.client.get_dialog(rejected.id).await.unwrap();
    assert_eq!(got["status"], "RequiresAttention");

    let (_, html) = s.get_page(&format!("?part={SAMEIE}")).await;
    assert!(!html.contains("Venter på svar"), "{html}");
    // Times in Oslo time, written the Norwegian way, as on the portal's own pages.
    let created = got["createdAt"].as_str().unwrap();
    let t = time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .unwrap();
    let shown = tasteskjema::i18n::shown(t, tasteskjema::form::Lang::Nb);
    assert!(
        html.contains(&format!("<time datetime=\"{created}\">{shown}</time>")),
        "{shown} in {html}"
    );
    assert!(!html.contains("UTC"), "{html}");
    let done = html.find("Godtatt innsending").unwrap();
    let act = html.find("Avvist innsending").unwrap();
    assert!(html[done..].contains("<dd>Fullført</dd>"), "{html}");
    assert!(
        html[act..done].contains("<dd>Krever handling</dd>"),
        "{html}"
    );

    let updates: Vec<Value> = s
        .events(&format!("?subject={SAMEIE_URN}"))
        .await
        .into_iter()
        .filter(|e| e["type"] == "dialogporten.dialog.updated.v1")
        .collect();
    assert_eq!(
        updates.len(),
        2,
        "one event per change; the repeat changed nothing"
    );
    assert_eq!(updates[0]["resourceinstance"], accepted.id.to_string());
}

#[tokio::test]
async fn a_patch_is_checked_like_dialogporten_checks_it() {
    let s = spawn_stand_in().await;
    let d = dialog(&format!("org:{SAMEIE}"), "Boligsameie");
    s.client.create_dialog(&d).await.unwrap();
    let id = d.id.to_string();
    let patch = "application/json-patch+json";
    let replace = |status: &str| json!([{ "op": "replace", "path": "/status", "value": status }]);

    let (status, _, problem) = s.patch_raw(&id, patch, None, &replace("Lost")).await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["[0].value"].is_array(), "{problem}");
    let other = json!([{ "op": "replace", "path": "/party", "value": SAMEIE_URN }]);
    let (status, _, problem) = s.patch_raw(&id, patch, None, &other).await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["[0].path"].is_array(), "{problem}");
    let (status, _, _) = s
        .patch_raw(&id, patch, None, &json!({ "status": "Completed" }))
        .await;
    assert_eq!(status, 400, "a patch is a list of operations");
    let (status, _, _) = s
        .patch_raw(&id, "text/plain", None, &replace("Completed"))
        .await;
    assert_eq!(status, 415);
    let unknown = Uuid::now_v7().to_string();
    let (status, _, _) = s
        .patch_raw(&unknown, patch, None, &replace("Completed"))
        .await;
    assert_eq!(status, 404);

    // If-Match: only the revision last read.
    let revision = s.client.get_dialog(d.id).await.unwrap()["revision"]
        .as_str()
        .unwrap()
        .to_owned();
    let stale = Uuid::new_v4().to_string();
    let (status, _, _) = s
        .patch_raw(&id, patch, Some(&stale), &replace("Completed"))
        .await;
    assert_eq!(status, 412);
    // A failed test changes nothing.
    let guarded = json!([
        { "op": "test", "path": "/status", "value": "InProgress" },
        { "op": "replace", "path": "/status", "value": "Completed" }
    ]);
    let (status, _, _) = s.patch_raw(&id, patch, None, &guarded).await;
    assert_eq!(status, 422);
    assert_eq!(
        s.client.get_dialog(d.id).await.unwrap()["status"],
        "Awaiting"
    );

    let (status, etag, _) = s
        .patch_raw(
            &id,
            "application/json",
            Some(&revision),
            &replace("Completed"),
        )
        .await;
    assert_eq!(status, 204);
    let got = s.client.get_dialog(d.id).await.unwrap();
    assert_eq!(got["status"], "Completed");
    assert_eq!(etag.as_deref(), got["revision"].as_str());
    assert_ne!(etag.as_deref(), Some(revision.as_str()));
}
