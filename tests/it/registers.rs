//! Prefill from the public registers, over real HTTP: the built-in Enhetsregisteret and
//! Folkeregisteret answer from the synthetic registry, RF-1331 takes the agent's name and
//! registrations from Enhetsregisteret (locked) and requires both registrations of its party, and
//! a register that does not answer leaves the form to be filled in by hand.

use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::{
    DINA, SUBSTANTIAL, TestApp, count, forms_dir, spawn_app, spawn_app_with, spawn_logged_in_with,
};

/// FIKTIV BAKERI OG KAFÉ AS: in Foretaksregisteret and Merverdiavgiftsregisteret.
const BAKERI: &str = "org:311800019";
/// Leif Styre Prøvesen, styreleder of TESTBORETTSLAGET BJØRKELY.
const LEIF: &str = "05918510062";
/// TESTBORETTSLAGET BJØRKELY: in Foretaksregisteret, not in Merverdiavgiftsregisteret.
const BJORKELY: &str = "org:932061899";

/// An address where nothing listens: a register that is down.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// The `<input …>` tag of the field with this element id.
pub(crate) fn input<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {body}"));
    let start = body[..at].rfind('<').unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

async fn get_json(app: &TestApp, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut rb = app.client.get(format!("{}{path}", app.addr));
    if let Some(t) = bearer {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_stand_ins_answer_as_the_registers_do() {
    let app = spawn_app().await;
    let base = "/dev/brreg/enhetsregisteret/api";
    let (status, bakery) = get_json(&app, &format!("{base}/enheter/311800019"), None).await;
    assert_eq!(status, 200, "{bakery}");
    assert_eq!(bakery["navn"], "FIKTIV BAKERI OG KAFÉ AS");
    assert_eq!(bakery["organisasjonsform"]["kode"], "AS");
    assert_eq!(bakery["forretningsadresse"]["kommunenummer"], "0301");
    assert_eq!(bakery["registrertIMvaregisteret"], true);
    assert_eq!(bakery["registrertIForetaksregisteret"], true);
    let (status, sub) = get_json(&app, &format!("{base}/underenheter/311800027"), None).await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["overordnetEnhet"], "311800019");
    let (status, _) = get_json(&app, &format!("{base}/enheter/311800027"), None).await;
    assert_eq!(status, 404, "a sub-unit is not a main unit");
    let (status, _) = get_json(&app, &format!("{base}/enheter/999999999"), None).await;
    assert_eq!(status, 404);
    let (status, gone) = get_json(&app, &format!("{base}/enheter/311800078"), None).await;
    assert_eq!(status, 410);
    assert_eq!(gone["slettedato"], "2024-06-30");

    // Folkeregisteret wants a Maskinporten token with its scope, as the real one does.
    let person = "/dev/folkeregister/folkeregisteret/offentlig-med-hjemmel/api/v1/personer";
    let (status, _) = get_json(&app, &format!("{person}/{DINA}?part=navn"), None).await;
    assert_eq!(status, 401);
    let wrong = app.token("819897522", "skatteetaten:innrapporteringboligsameie");
    let (status, _) = get_json(&app, &format!("{person}/{DINA}"), Some(&wrong)).await;
    assert_eq!(status, 401, "a token for another API");
}

#[tokio::test]
async fn rf_1331_starts_prefilled_from_enhetsregisteret_and_keeps_what_is_locked() {
    let app = spawn_app().await;
    app.choose_party(BAKERI).await;
    let start = app.get("/skjema/RF-1331").await;
    assert_eq!(start.status, 200);
    assert!(!start.body.contains("id=\"krav\""), "{}", start.body);
    let p1 = app.start("RF-1331").await;
    assert!(p1.ends_with("/speditoer"), "{p1}");
    let page = app.get(&p1).await;
    assert_eq!(page.status, 200);

    // The name is shown read-only, with where it came from tied to it.
    let navn = input(&page.body, "f-speditoer-navn");
    assert!(navn.contains("readonly"), "{navn}");
    assert!(
        navn.contains("value=\"FIKTIV BAKERI OG KAFÉ AS\""),
        "{navn}"
    );
    assert!(
        !navn.contains("name="),
        "a locked field is not posted: {navn}"
    );
    assert!(
        navn.contains("aria-describedby=\"f-speditoer-navn-source\""),
        "{navn}"
    );
    assert!(
        page.body.contains(
            "id=\"f-speditoer-navn-source\">Hentet fra Enhetsregisteret. Er det feil, må det rettes der.</div>"
        ),
        "{}",
        page.body
    );
    // The organisation number is not from a register: an ordinary field.
    assert!(!input(&page.body, "f-speditoer-organisasjonsnummer").contains("readonly"));

    // A post that tries to change the name is saved, the name as the register has it.
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("speditoer.organisasjonsnummer", "311800019"),
                ("speditoer.navn", "ET ANNET NAVN AS"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let doc = app.document(&p1).await;
    assert_eq!(
        doc["speditoer"],
        json!({ "organisasjonsnummer": "311800019", "navn": "FIKTIV BAKERI OG KAFÉ AS" })
    );
    assert_eq!(
        doc["vilkaar"],
        json!({ "foretaksregisteret": true, "merverdiavgiftsregisteret": true })
    );

    // The registrations are locked yes-answers: "no" cannot be posted over them.
    let p3 = p1.replace("/speditoer", "/vilkaar");
    let page = app.get(&p3).await;
    let mva = input(&page.body, "f-vilkaar-merverdiavgiftsregisteret");
    assert!(
        mva.contains("readonly") && mva.contains("value=\"Ja\""),
        "{mva}"
    );
    let r = app
        .post_page(
            &p3,
            "save",
            &[
                ("vilkaar.foretaksregisteret", "nei"),
                ("vilkaar.merverdiavgiftsregisteret", "nei"),
                ("vilkaar.tvinnTilgang", "ja"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let doc = app.document(&p1).await;
    assert_eq!(
        doc["vilkaar"],
        json!({ "foretaksregisteret": true, "merverdiavgiftsregisteret": true, "tvinnTilgang": true })
    );
    // In English, too.
    app.get("/?lang=en").await;
    let body = app.get(&p1).await.body;
    assert!(
        body.contains("Taken from the Central Coordinating Register for Legal Entities."),
        "{body}"
    );
}

#[tokio::test]
async fn a_party_lacking_a_registration_cannot_start_rf_1331() {
    // Dina acts for TESTSAMEIET SKOGLY, which has neither registration.
    let app = spawn_app().await;
    let start = app.get("/skjema/RF-1331").await;
    assert_eq!(start.status, 200);
    let b = &start.body;
    assert!(
        b.contains("TESTSAMEIET SKOGLY kan ikke starte dette skjemaet ennå"),
        "{b}"
    );
    assert!(b.contains("<strong>Foretaksregisteret</strong>"), "{b}");
    assert!(
        b.contains("<strong>Merverdiavgiftsregisteret</strong>"),
        "{b}"
    );
    assert!(
        !b.contains("<form method=\"post\" action=\"/skjema/RF-1331\""),
        "no way to start: {b}"
    );
    // Going around the page is refused the same way, and makes no draft.
    let r = app.post_form("/skjema/RF-1331", &[]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("kan ikke starte dette skjemaet"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);

    // Leif acts for TESTBORETTSLAGET BJØRKELY: in Foretaksregisteret, so only VAT is named.
    let app = spawn_app_with(|_| {}).await;
    app.log_in(LEIF, SUBSTANTIAL).await;
    app.choose_party(BJORKELY).await;
    app.get("/?lang=nn").await;
    let b = app.get("/skjema/RF-1331").await.body;
    assert!(b.contains("kan ikkje starte dette skjemaet enno"), "{b}");
    assert!(
        b.contains("<strong>Meirverdiavgiftsregisteret</strong>"),
        "{b}"
    );
    assert!(!b.contains("<strong>Føretaksregisteret</strong>"), "{b}");
}

#[tokio::test]
async fn a_register_that_is_down_lets_the_form_start_without_prefill() {
    let down = closed_port();
    let app = spawn_logged_in_with(move |c| {
        c.enhetsregisteret_url = Some(down.clone());
        c.folkeregister_url = Some(down);
    })
    .await;
    // Skogly lacks both registrations, but that could not be checked: a warning, not a stop.
    let start = app.get("/skjema/RF-1331").await;
    assert_eq!(start.status, 200);
    assert!(
        start
            .body
            .contains("Vi fikk ikke sjekket Enhetsregisteret akkurat nå"),
        "{}",
        start.body
    );
    assert!(
        start
            .body
            .contains("<form method=\"post\" action=\"/skjema/RF-1331\""),
        "{}",
        start.body
    );
    let p1 = app.start("RF-1331").await;
    let page = app.get(&p1).await;
    assert_eq!(page.status, 200);
    let navn = input(&page.body, "f-speditoer-navn");
    assert!(!navn.contains("readonly"), "{navn}");
    assert!(
        navn.contains("name=\"speditoer.navn\" value=\"\""),
        "{navn}"
    );
    assert!(!page.body.contains("Enhetsregisteret."), "{}", page.body);
    let doc = app.document(&p1).await;
    assert_eq!(
        doc["speditoer"],
        json!({ "organisasjonsnummer": "819897522" })
    );
    // Typed by hand, the name is kept.
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("speditoer.organisasjonsnummer", "819897522"),
                ("speditoer.navn", "TESTSAMEIET SKOGLY"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.document(&p1).await["speditoer"]["navn"],
        "TESTSAMEIET SKOGLY"
    );
}

/// A form that takes the person's name (locked) and address (editable) from Folkeregisteret and
/// the party's name (editable) from Enhetsregisteret.
const PERSON_FORM: &str = r#"
id = "T-FOLKEREGISTER"
version = "1"
area = "publikumstjenester"
resource = "ske-skriv-til-oss"
persons = true
packages = ["skattegrunnlag"]
title = { nb = "Opplysninger om deg", nn = "Opplysningar om deg", en = "About you" }

[[page]]
id = "deg"
title = { nb = "Deg", nn = "Deg", en = "You" }

  [[page.field]]
  bind = "person.navn"
  kind = "text"
  label = { nb = "Navn", nn = "Namn", en = "Name" }
  prefill = "folkeregister.navn"
  locked = true

  [[page.field]]
  bind = "person.adresse"
  kind = "text"
  label = { nb = "Adresse", nn = "Adresse", en = "Address" }
  prefill = "folkeregister.adresse"

  [[page.field]]
  bind = "person.postnummer"
  kind = "postnummer"
  label = { nb = "Postnummer", nn = "Postnummer", en = "Postcode" }
  prefill = "folkeregister.postnummer"

  [[page.field]]
  bind = "virksomhet.navn"
  kind = "text"
  label = { nb = "Virksomhet", nn = "Verksemd", en = "Business" }
  prefill = "register.navn"
"#;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_form_prefilled_from_folkeregisteret_with_a_maskinporten_token() {
    let forms = tempfile::tempdir().unwrap();
    copy_dir(&forms_dir(), forms.path());
    std::fs::write(
        forms.path().join("publikumstjenester/T-FOLKEREGISTER.toml"),
        PERSON_FORM,
    )
    .unwrap();
    let dir = forms.path().to_path_buf();
    let app = spawn_logged_in_with(move |c| c.forms_dir = dir).await;
    let p1 = app.start("T-FOLKEREGISTER").await;
    let page = app.get(&p1).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let navn = input(&page.body, "f-person-navn");
    assert!(
        navn.contains("readonly") && navn.contains("value=\"Dina Daglig Testesen\""),
        "{navn}"
    );
    assert!(
        page.body
            .contains("id=\"f-person-navn-source\">Hentet fra Folkeregisteret."),
        "{}",
        page.body
    );
    let adresse = input(&page.body, "f-person-adresse");
    assert!(
        adresse.contains("value=\"Testveien 12B\"") && !adresse.contains("readonly"),
        "{adresse}"
    );
    assert!(
        adresse.contains("aria-describedby=\"f-person-adresse-source\""),
        "{adresse}"
    );
    assert!(
        page.body.contains(
            "id=\"f-person-adresse-source\">Forhåndsutfylt fra Folkeregisteret. Du kan endre svaret.</div>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("id=\"f-virksomhet-navn-source\">Forhåndsutfylt fra Enhetsregisteret."),
        "{}",
        page.body
    );
    assert_eq!(
        app.document(&p1).await,
        json!({
            "person": { "navn": "Dina Daglig Testesen", "adresse": "Testveien 12B", "postnummer": "0150" },
            "virksomhet": { "navn": "TESTSAMEIET SKOGLY" }
        })
    );
    // Changed, an editable answer no longer says it came from the register.
    let r = app
        .post_page(
            &p1,
            "save",
            &[
                ("person.adresse", "Et annet sted 1"),
                ("person.postnummer", "0150"),
                ("virksomhet.navn", "TESTSAMEIET SKOGLY"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app.get(&p1).await;
    assert!(
        !page.body.contains("f-person-adresse-source"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("f-person-postnummer-source"),
        "{}",
        page.body
    );
}
