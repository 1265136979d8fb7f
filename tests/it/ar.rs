//! The aksjonærregisteroppgave (RF-1086) over HTTP: a delivery in steps (hovedskjema, underskjemaer,
//! confirmation) as a system user of the company, through the same intake as everything else.

use serde_json::Value;
use tasteskjema::dev::aksjonaerregister::{self as ar, Company, Holder, Shareholder};

use crate::helpers::{TestApp, count, spawn_app};

const TIGER: &str = "314259521";
const BAKERY: &str = "311800019";
const SCOPE: &str = "skatteetaten:innrapporteringaksjonaerregisteroppgave";
const BASE: &str = "/api/innrapportering/aksjonaerregisteroppgave/1086/v1/2025";

fn company() -> Company {
    Company {
        orgnr: TIGER.into(),
        navn: "MOSEGRODD ORANSJE TIGER AS".into(),
        year: 2025,
        shares: 300,
        par: 100,
    }
}

fn shareholder(n: u32, shares: i64) -> Shareholder {
    Shareholder {
        holder: Holder::Person(ar::person_number(n)),
        navn: format!("Aksjonær {n} Testesen"),
        shares,
        bought: Some((shares, "2025-01-02".into(), shares * 100)),
    }
}

/// A system user of `org` calling the API.
struct Vendor<'a> {
    app: &'a TestApp,
    token: String,
}

struct Answer {
    status: u16,
    body: Value,
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl<'a> Vendor<'a> {
    fn of(app: &'a TestApp, org: &str) -> Vendor<'a> {
        Vendor {
            app,
            token: app.token(org, SCOPE),
        }
    }

    async fn post(&self, path: &str, body: Option<&str>, key: &str) -> Answer {
        let mut rb = self
            .app
            .client
            .post(format!("{}{BASE}{path}", self.app.addr))
            .bearer_auth(&self.token)
            .header("idempotencyKey", key);
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/xml")
                .body(b.to_owned());
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        Answer {
            status,
            body: r.json().await.unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .app
            .client
            .get(format!("{}{BASE}{path}", self.app.addr))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Opens a delivery; its id.
    async fn open(&self, xml: &str) -> String {
        let a = self.post("/1086H", Some(xml), &key()).await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body["hovedskjemaid"].as_str().unwrap().to_owned()
    }

    async fn add(&self, id: &str, xml: &str) -> Answer {
        self.post(&format!("/{id}/1086U"), Some(xml), &key()).await
    }

    async fn confirm(&self, id: &str, n: i64, key: &str) -> Answer {
        self.post(&format!("/{id}/bekreft?antall_underskjema={n}"), None, key)
            .await
    }
}

fn detail(a: &Answer, i: usize) -> &Value {
    &a.body["spesifisering"][i]
}

async fn submissions(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM submissions WHERE form_id = 'RF-1086'",
    )
    .await
}

/// The outbox jobs a submission causes when it is received (the feedback job follows later).
async fn jobs(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM outbox WHERE kind IN ('dialogporten', 'domain')",
    )
    .await
}

#[tokio::test]
async fn a_delivery_in_steps_reaches_the_intake_only_when_confirmed() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let hoved = ar::hovedskjema(&c);
    let id = v.open(&hoved).await;
    let subs: Vec<String> = (0..3)
        .map(|i| ar::underskjema(&c, &shareholder(i, 100)))
        .collect();
    let mut ids = Vec::new();
    for s in &subs {
        let a = v.add(&id, s).await;
        assert_eq!(a.status, 201, "{}", a.body);
        ids.push(a.body["underskjemaid"].as_str().unwrap().to_owned());
    }
    // Open: stored as given, and nothing else has happened.
    assert_eq!(submissions(&app).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 0);
    let (status, list) = v.get(&format!("/{id}/dokumenter")).await;
    assert_eq!(status, 200, "{list}");
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["antallDokumenter"], 4);
    assert_eq!(list["bekreftet"], false);
    let docs = list["dokumenter"].as_array().unwrap();
    assert_eq!(docs[0]["dokumentid"], id.as_str());
    assert_eq!(docs[0]["skjematype"], "1086H");
    assert_eq!(docs[0]["innhold"], hoved.as_str());
    assert_eq!(docs[3]["dokumentid"], ids[2].as_str());
    let (status, xml) = v.get(&format!("/{id}/dokumenter/{}", ids[1])).await;
    assert_eq!((status, xml.as_str()), (200, subs[1].as_str()));

    let ok = v.confirm(&id, 3, &key()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["oppgavegiversLeveranseReferanse"], id.as_str());
    assert_eq!(ok.body["antallUnderskjema"], 3);
    let forsendelse = ok.body["forsendelseId"].as_str().unwrap();
    assert!(ok.body["dialogId"].is_string());
    // One submission, with the whole delivery as the form's document, and its deliveries.
    assert_eq!(submissions(&app).await, 1);
    let row = app
        .store
        .submission_by_transmission(forsendelse, &format!("org:{TIGER}"))
        .await
        .unwrap()
        .expect("the submission");
    assert_eq!(row.channel, "api");
    assert_eq!(
        serde_json::from_str::<Value>(&row.response).unwrap(),
        ok.body
    );
    let doc: Value = serde_json::from_str(&row.document).unwrap();
    assert_eq!(doc["selskap"]["organisasjonsnummer"], TIGER);
    assert_eq!(doc["aksjeklassen"]["antallAksjer"], 300);
    let holders = doc["aksjonaerer"].as_array().unwrap();
    assert_eq!(holders.len(), 3);
    assert_eq!(holders[2]["foedselsnummer"], ar::person_number(2).as_str());
    assert_eq!(doc["tilganger"][2]["aksjonaer"], 3);
    assert_eq!(doc["tilganger"][2]["tidspunkt"], "2025-01-02");
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM outbox WHERE submission_id = '{}' AND kind IN ('dialogporten', 'domain')",
                row.id
            )
        )
        .await,
        2
    );
    // The documents stay, as given.
    let (_, list) = v.get(&format!("/{id}/dokumenter")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap()["bekreftet"],
        true
    );
}

#[tokio::test]
async fn a_count_that_does_not_match_is_refused_and_the_delivery_stays_open() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let id = v.open(&ar::hovedskjema(&c)).await;
    // None yet: nothing to confirm.
    let a = v.confirm(&id, 0, &key()).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "GLD_1026");
    for i in 0..2 {
        assert_eq!(
            v.add(&id, &ar::underskjema(&c, &shareholder(i, 100)))
                .await
                .status,
            201
        );
    }
    let a = v.confirm(&id, 3, &key()).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["kode"], "GLD_006");
    assert_eq!(detail(&a, 0)["kode"], "GLD_1018");
    assert_eq!(detail(&a, 0)["angittVerdi"], "3");
    assert_eq!(submissions(&app).await, 0);
    // Still open: the third arrives, and the count is right now.
    assert_eq!(
        v.add(&id, &ar::underskjema(&c, &shareholder(2, 100)))
            .await
            .status,
        201
    );
    let a = v.confirm(&id, 3, &key()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(submissions(&app).await, 1);
}

#[tokio::test]
async fn the_shares_must_add_up_when_the_delivery_is_confirmed() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let id = v.open(&ar::hovedskjema(&c)).await;
    for (i, shares) in [(0, 100), (1, 150)] {
        let a = v
            .add(&id, &ar::underskjema(&c, &shareholder(i, shares)))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = v.confirm(&id, 2, &key()).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["kode"], "GLD_010");
    assert_eq!(detail(&a, 0)["kode"], "rule");
    assert_eq!(
        detail(&a, 0)["sti"],
        "Skjema/Selskapsopplysninger-grp-2589/AntallAksjerIDenneAksjeklassen-grp-3445/AksjerMvAntall-datadef-29167"
    );
    assert_eq!(submissions(&app).await, 0);
    // Still open: the missing 50 shares' holder comes, and it is received.
    let a = v.add(&id, &ar::underskjema(&c, &shareholder(2, 50))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(v.confirm(&id, 3, &key()).await.status, 200);
}

#[tokio::test]
async fn nothing_is_taken_after_the_confirmation() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let id = v.open(&ar::hovedskjema(&c)).await;
    v.add(&id, &ar::underskjema(&c, &shareholder(0, 300))).await;
    assert_eq!(v.confirm(&id, 1, &key()).await.status, 200);
    let late = ar::underskjema(&c, &shareholder(1, 10));
    for a in [
        v.add(&id, &late).await,
        v.post(&format!("/{id}/1086U/validering"), Some(&late), &key())
            .await,
        v.confirm(&id, 1, &key()).await,
    ] {
        assert_eq!(a.status, 409, "{}", a.body);
        assert_eq!(detail(&a, 0)["kode"], "GLD_1053", "{}", a.body);
    }
    assert_eq!(submissions(&app).await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM staged_parts").await,
        2,
        "the late underskjema is not kept"
    );
}

#[tokio::test]
async fn each_step_repeated_gives_the_same_answer_and_a_reused_key_is_refused() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let hoved = ar::hovedskjema(&c);
    let k = key();
    let first = v.post("/1086H", Some(&hoved), &k).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = v.post("/1086H", Some(&hoved), &k).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    let other = hoved.replace("MOSEGRODD", "MOSEGRO");
    let reused = v.post("/1086H", Some(&other), &k).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.body["kode"], "GLD_019");
    let id = first.body["hovedskjemaid"].as_str().unwrap();

    let sub = ar::underskjema(&c, &shareholder(0, 300));
    let ku = key();
    let a = v.post(&format!("/{id}/1086U"), Some(&sub), &ku).await;
    let b = v.post(&format!("/{id}/1086U"), Some(&sub), &ku).await;
    assert_eq!((a.status, b.status), (201, 200), "{} {}", a.body, b.body);
    assert_eq!(a.body, b.body);
    let c2 = ar::underskjema(&c, &shareholder(1, 300));
    let reused = v.post(&format!("/{id}/1086U"), Some(&c2), &ku).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.body["kode"], "GLD_019");
    // The key of the opening is not a key for an underskjema.
    let reused = v.post(&format!("/{id}/1086U"), Some(&c2), &k).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.body["kode"], "GLD_019");
    // One underskjema was received, whatever the repeats.
    let kb = key();
    let ok = v.confirm(id, 1, &kb).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let repeat = v.confirm(id, 1, &kb).await;
    assert_eq!(repeat.status, 200, "{}", repeat.body);
    assert_eq!(repeat.body, ok.body);
    let reused = v.confirm(id, 2, &kb).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.body["kode"], "GLD_019");
    assert_eq!(submissions(&app).await, 1);
    assert_eq!(jobs(&app).await, 2);
}

#[tokio::test]
async fn an_unconfirmed_delivery_expires_and_is_swept_away() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let id = v.open(&ar::hovedskjema(&c)).await;
    v.add(&id, &ar::underskjema(&c, &shareholder(0, 300))).await;
    let row = app
        .store
        .staged(&id, &format!("org:{TIGER}"))
        .await
        .unwrap()
        .unwrap();
    // Open for the configured 72 hours.
    let hours = (row.expires_at - row.created_at) as f64 / 3_600_000.0;
    assert!((hours - 72.0).abs() < 0.01, "{hours}");
    // The time runs out.
    crate::helpers::execute(
        &app,
        &format!("UPDATE staged_deliveries SET expires_at = 1 WHERE id = '{id}'"),
    )
    .await;
    let late = v.add(&id, &ar::underskjema(&c, &shareholder(1, 10))).await;
    assert_eq!(late.status, 410, "{}", late.body);
    let a = v.confirm(&id, 1, &key()).await;
    assert_eq!(a.status, 410, "{}", a.body);
    assert_eq!(v.get(&format!("/{id}/dokumenter")).await.0, 410);
    assert_eq!(submissions(&app).await, 0);
    // The outbox workers delete it, with its documents.
    let mut left = 1;
    for _ in 0..100 {
        left = count(&app, "SELECT COUNT(*) FROM staged_parts").await
            + count(&app, "SELECT COUNT(*) FROM staged_deliveries").await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(left, 0, "not swept");
    let a = v.confirm(&id, 1, &key()).await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "GLD_1016");
}

#[tokio::test]
async fn the_open_time_is_a_setting() {
    let app = crate::helpers::spawn_app_with(|c| c.ar_open_hours = 1).await;
    let v = Vendor::of(&app, TIGER);
    let id = v.open(&ar::hovedskjema(&company())).await;
    let row = app
        .store
        .staged(&id, &format!("org:{TIGER}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.expires_at - row.created_at, 3_600_000);
}

#[tokio::test]
async fn bad_xml_is_refused_saying_what_and_where() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let hoved = ar::hovedskjema(&c);
    // Not well-formed.
    let broken = hoved.replace("</Selskap-grp-2588>", "</Selskap>");
    let a = v.post("/1086H", Some(&broken), &key()).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["kode"], "GLD_010");
    assert!(
        detail(&a, 0)["melding"]
            .as_str()
            .unwrap()
            .contains("ikke velformet"),
        "{}",
        a.body
    );
    // Another root; an underskjema where the hovedskjema goes.
    let a = v.post("/1086H", Some("<Melding/>"), &key()).await;
    assert_eq!((a.status, a.body["kode"].as_str()), (400, Some("GLD_010")));
    let sub = ar::underskjema(&c, &shareholder(0, 300));
    let a = v.post("/1086H", Some(&sub), &key()).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["sti"], "Skjema/@skjemanummer");
    assert_eq!(detail(&a, 0)["angittVerdi"], "923");
    // JSON is not what this API takes.
    let r = app
        .client
        .post(format!("{}{BASE}/1086H", app.addr))
        .bearer_auth(&v.token)
        .header("idempotencyKey", key())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // An element the portal does not take, at its place; the year in the address.
    let id = v.open(&hoved).await;
    let extra = sub.replace(
        "<Adresse-grp-7722 gruppeid=\"7722\"></Adresse-grp-7722>",
        "<Adresse-grp-7722 gruppeid=\"7722\"><Gate>Tigerveien</Gate></Adresse-grp-7722>",
    );
    let a = v.add(&id, &extra).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "unknown_element");
    assert_eq!(
        detail(&a, 0)["sti"],
        "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/Adresse-grp-7722/Gate"
    );
    let a = v
        .add(
            &id,
            &sub.replace(
                ">2025</Inntektsar-datadef-692>",
                ">2024</Inntektsar-datadef-692>",
            ),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "GLD_1052");
    assert_eq!(detail(&a, 0)["angittVerdi"], "2024");
    let r = app
        .client
        .post(format!(
            "{}/api/innrapportering/aksjonaerregisteroppgave/1086/v1/2024/1086H",
            app.addr
        ))
        .bearer_auth(&v.token)
        .header("idempotencyKey", key())
        .header("content-type", "application/xml")
        .body(hoved.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Nothing of the refused ones was kept.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM staged_parts").await, 1);
}

#[tokio::test]
async fn an_invalid_fodselsnummer_is_refused_at_its_element() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let id = v.open(&ar::hovedskjema(&c)).await;
    let mut holder = shareholder(0, 300);
    let good = ar::person_number(0);
    let last = good.chars().last().unwrap().to_digit(10).unwrap();
    let bad = format!("{}{}", &good[..10], (last + 1) % 10);
    holder.holder = Holder::Person(bad.clone());
    let a = v.add(&id, &ar::underskjema(&c, &holder)).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["kode"], "GLD_010");
    let d = detail(&a, 0);
    assert_eq!(d["kode"], "fnr");
    assert_eq!(
        d["sti"],
        "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarFodselsnummer-datadef-1156"
    );
    assert_eq!(d["angittVerdi"], bad.as_str());
    assert!(
        d["melding"].as_str().unwrap().contains("ødselsnummer"),
        "{d}"
    );
    // An underskjema of another company is refused at its organisasjonsnummer.
    let other = Company {
        orgnr: BAKERY.into(),
        ..company()
    };
    let a = v
        .add(&id, &ar::underskjema(&other, &shareholder(1, 300)))
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "not_as_hovedskjema");
    assert_eq!(
        detail(&a, 0)["sti"],
        "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/EnhetOrganisasjonsnummer-datadef-18"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM staged_parts").await, 1);
}

#[tokio::test]
async fn another_organisations_delivery_is_not_found() {
    let app = spawn_app().await;
    let tiger = Vendor::of(&app, TIGER);
    let bakery = Vendor::of(&app, BAKERY);
    let c = company();
    let id = tiger.open(&ar::hovedskjema(&c)).await;
    let sub = ar::underskjema(&c, &shareholder(0, 300));
    let a = bakery.add(&id, &sub).await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "GLD_1016");
    assert_eq!(bakery.confirm(&id, 0, &key()).await.status, 404);
    assert_eq!(bakery.get(&format!("/{id}/dokumenter")).await.0, 404);
    assert_eq!(bakery.get(&format!("/{id}/dokumenter/{id}")).await.0, 404);
    // The bakery's own hovedskjema must be for the bakery.
    let a = bakery
        .post("/1086H", Some(&ar::hovedskjema(&c)), &key())
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "rule");
    // And a system user without the resource is stopped before anything is read.
    let token = app.token("819897522", SCOPE);
    let r = app
        .client
        .post(format!(
            "{}{BASE}/{id}/bekreft?antall_underskjema=0",
            app.addr
        ))
        .bearer_auth(token)
        .header("idempotencyKey", key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(tiger.add(&id, &sub).await.status, 201);
}

#[tokio::test]
async fn validering_checks_each_step_and_stores_nothing() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let hoved = ar::hovedskjema(&c);
    let a = v.post("/1086H/validering", Some(&hoved), &key()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM staged_deliveries").await,
        0
    );
    let id = v.open(&hoved).await;
    let sub = ar::underskjema(&c, &shareholder(0, 300));
    let a = v
        .post(&format!("/{id}/1086U/validering"), Some(&sub), &key())
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM staged_parts").await, 1);
    let a = v
        .post(
            &format!("/{id}/1086U/validering"),
            Some(&sub.replace(">300</AksjonarAksjerAntall", ">-3</AksjonarAksjerAntall")),
            &key(),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(detail(&a, 0)["kode"], "too_small");
    v.add(&id, &sub).await;
    let a = v
        .post(
            &format!("/{id}/bekreft/validering?antall_underskjema=1"),
            None,
            &key(),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(submissions(&app).await, 0);
    // The confirmation itself is still to come.
    assert_eq!(v.confirm(&id, 1, &key()).await.status, 200);
}

#[tokio::test]
async fn the_same_documents_as_one_file_make_the_same_delivery_as_the_apis_steps() {
    let app = spawn_app().await;
    let v = Vendor::of(&app, TIGER);
    let c = company();
    let hoved = ar::hovedskjema(&c);
    let subs: Vec<String> = (0..3)
        .map(|i| ar::underskjema(&c, &shareholder(i, 100)))
        .collect();
    let id = v.open(&hoved).await;
    for s in &subs {
        assert_eq!(v.add(&id, s).await.status, 201);
    }
    let ok = v.confirm(&id, 3, &key()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let party = format!("org:{TIGER}");
    let by_api = app
        .store
        .submission_by_transmission(ok.body["forsendelseId"].as_str().unwrap(), &party)
        .await
        .unwrap()
        .unwrap();

    // Tiril, daglig leder of the company, uploads the same documents as one file.
    app.log_in("15837510047", crate::helpers::SUBSTANTIAL).await;
    app.choose_party(&party).await;
    let page = crate::file_delivery::upload_ar(&app, ar::file(&hoved, &subs).into_bytes()).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = page
        .location
        .unwrap()
        .trim_start_matches("/innsendt/")
        .to_owned();
    let by_file = app
        .store
        .submission_without_owner_check(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_file.channel, "upload");
    assert_ne!(by_file.id, by_api.id);
    // The same document, to the byte, as the one intake stores it.
    assert_eq!(by_file.document, by_api.document);
    assert_eq!(by_file.sha256, by_api.sha256);
}
