//! Filling in forms page by page, as a browser without JavaScript does, and with htmx.

use serde_json::json;

use crate::helpers::{TestApp, path_of, spawn_app, synthetic_fnr};

/// Starts RF-1140 on the first app and answers its first two pages on the second and third (one
/// portal, or nodes of one); returns the owners page.
pub async fn rf1140_to_owners(on: [&TestApp; 3]) -> String {
    let p1 = on[0].start("RF-1140").await;
    assert!(p1.ends_with("/om-leveransen"), "{p1}");
    let page = on[0].get(&p1).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Steg 1 av"));
    let r = on[1]
        .post_page(
            &p1,
            "next",
            &[
                ("leveranse.inntektsaar", "2025"),
                ("leveranse.leveransetype", "ordinaer"),
                ("leveranse.oppgavegiversLeveranseReferanse", "Leveranse-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p2 = r.location.unwrap();
    assert!(p2.ends_with("/oppgavegiver"), "{p2}");
    let r = on[2]
        .post_page(
            &p2,
            "next",
            &[
                ("leveranse.oppgavegiver.organisasjonsnummer", "819 897 522"),
                (
                    "leveranse.oppgavegiver.kontaktinformasjon.navn",
                    "Kari Testperson",
                ),
                (
                    "leveranse.oppgavegiver.kontaktinformasjon.telefonnummer",
                    "22 22 22 22",
                ),
                (
                    "leveranse.oppgavegiver.kontaktinformasjon.varselEpostadresse",
                    "kontakt@eksempel.no",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p3 = r.location.unwrap();
    assert!(p3.ends_with("/oppgaver"), "{p3}");
    p3
}

/// Fills in RF-1140 from start to check-your-answers with two owners (a person and an
/// organisation) and a third row added and removed again. Returns the summary path.
pub async fn fill_rf1140(app: &TestApp) -> String {
    let p3 = rf1140_to_owners([app, app, app]).await;
    for _ in 0..3 {
        let r = app.post_page(&p3, "add:leveranse.oppgave", &[]).await;
        assert_eq!(r.status, 303);
        assert_eq!(path_of(r.location.as_deref().unwrap()), p3);
    }
    let page = app.get(&p3).await;
    assert!(page.body.contains("leveranse.oppgave[2].oppgaveeier.navn"));
    let fnr = synthetic_fnr(15, 3, 75);
    let row = |i: usize, who: (&'static str, String), navn: &'static str, seksjon: &'static str| {
        let p = |k: &str| format!("leveranse.oppgave[{i}].{k}");
        vec![
            (p(&format!("oppgaveeier.{}", who.0)), who.1),
            (p("oppgaveeier.navn"), navn.to_string()),
            (p("matrikkelnummer.kommunenummer"), "1554".to_string()),
            (p("matrikkelnummer.gaardsnummer"), "91".to_string()),
            (p("matrikkelnummer.bruksnummer"), "227".to_string()),
            (p("matrikkelnummer.seksjonsnummer"), seksjon.to_string()),
            (p("eiertid.start"), "0101".to_string()),
            (p("eiertid.slutt"), "3112".to_string()),
            (p("andelSkattepliktigeInntekter"), "1 766".to_string()),
            (p("andelFradragsberettigedeKostnader"), "1766".to_string()),
            (p("andelFormue"), "9336".to_string()),
            (p("andelGjeld"), "21761".to_string()),
        ]
    };
    let mut fields = row(0, ("foedselsnummer", fnr.clone()), "ALLA TESTESEN", "30");
    fields.extend(row(
        1,
        ("organisasjonsnummer", "800877830".into()),
        "NØYTRALE TEST AS",
        "11",
    ));
    fields.extend(row(
        2,
        ("organisasjonsnummer", "932061899".into()),
        "FJERNES AS",
        "12",
    ));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app
        .post_page(&p3, "remove:leveranse.oppgave:2", &borrowed)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let doc = app.document(&p3).await;
    assert_eq!(doc["leveranse"]["oppgave"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["leveranse"]["oppgave"][0]["oppgaveeier"]["foedselsnummer"],
        json!(fnr)
    );
    let r = app.post_page(&p3, "next", &borrowed[..24]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p4 = r.location.unwrap();
    assert!(p4.ends_with("/sletting"), "{p4}");
    let r = app.post_page(&p4, "next", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let summary = r.location.unwrap();
    assert!(summary.ends_with("/oppsummering"), "{summary}");
    summary
}

#[tokio::test]
async fn rf1140_can_be_filled_in_page_by_page_and_checked() {
    let app = spawn_app().await;
    let summary = fill_rf1140(&app).await;
    let p = app.get(&summary).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Se over svarene"));
    assert!(!p.body.contains("error-summary"), "{}", p.body);
    assert!(p.body.contains("ALLA TESTESEN") && p.body.contains("NØYTRALE TEST AS"));
    assert!(!p.body.contains("FJERNES AS"));
    let doc = app.document(&summary).await;
    let sum = &doc["leveranse"]["oppgaveoppsummering"];
    assert_eq!(sum["antallOppgaver"], json!(2));
    assert_eq!(sum["sumAndelFormue"], json!(2 * 9336));
    assert_eq!(sum["sumAndelSkattepliktigeInntekter"], json!(2 * 1766));
    assert_eq!(
        doc["leveranse"]["oppgavegiver"]["organisasjonsnummer"],
        json!("819897522")
    );
    assert_eq!(doc["leveranse"]["kildesystem"], json!("Tasteskjema"));
    // The document the browser produced is what the API channel's schema accepts.
    let schema = tasteskjema::form::schema::json_schema(app_catalog().latest("RF-1140").unwrap());
    let v = jsonschema::validator_for(&schema).unwrap();
    let errs: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errs.is_empty(), "{errs:?}");
}

pub fn app_catalog() -> tasteskjema::form::Catalog {
    tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap()
}

#[tokio::test]
async fn errors_are_shown_beside_fields_and_summarised_and_nothing_is_lost() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("leveranse.inntektsaar", "2025"),
                ("leveranse.leveransetype", "ordinaer"),
            ],
        )
        .await;
    let p2 = r.location.unwrap();
    let r = app
        .post_page(
            &p2,
            "next",
            &[
                ("leveranse.oppgavegiver.organisasjonsnummer", "819897523"),
                (
                    "leveranse.oppgavegiver.kontaktinformasjon.varselEpostadresse",
                    "ikke-epost",
                ),
                (
                    "leveranse.oppgavegiver.kontaktinformasjon.telefonnummer",
                    "12a",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let b = &r.body;
    assert!(b.contains("id=\"error-summary\""));
    assert!(b.contains("href=\"#f-leveranse-oppgavegiver-organisasjonsnummer\""));
    assert!(b.contains("aria-invalid=\"true\""));
    assert!(b.contains("Organisasjonsnummeret er ikke gyldig"));
    assert!(b.contains("id=\"f-leveranse-oppgavegiver-organisasjonsnummer-error\""));
    assert!(b.contains("aria-describedby=\"f-leveranse-oppgavegiver-organisasjonsnummer-hint f-leveranse-oppgavegiver-organisasjonsnummer-error\"")
        || b.contains("aria-describedby=\"f-leveranse-oppgavegiver-organisasjonsnummer-error\""));
    // What was typed is shown again and saved, invalid or not.
    assert!(b.contains("value=\"819897523\"") && b.contains("value=\"ikke-epost\""));
    let doc = app.document(&p2).await;
    assert_eq!(
        doc["leveranse"]["oppgavegiver"]["organisasjonsnummer"],
        json!("819897523")
    );
    assert_eq!(
        doc["leveranse"]["oppgavegiver"]["kontaktinformasjon"]["telefonnummer"],
        json!("12a")
    );
    // The error page title says there are errors.
    assert!(b.contains("<title>Noen av svarene må rettes"));
    // In English too.
    app.get("/?lang=en").await;
    let r = app
        .post_page(
            &p2,
            "next",
            &[("leveranse.oppgavegiver.organisasjonsnummer", "12345")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("The organisation number must have 9 digits"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn amounts_with_letters_are_kept_and_reported() {
    let app = spawn_app().await;
    let (_, p2) = app.start_rf1140_with_owners().await;
    let p3 = p2.replace("/oppgavegiver", "/oppgaver");
    app.post_page(&p3, "add:leveranse.oppgave", &[]).await;
    let r = app
        .post_page(
            &p3,
            "next",
            &[
                ("leveranse.oppgave[0].andelFormue", "12a"),
                ("leveranse.oppgave[0].eiertid.start", "3102"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("må være et tall"));
    assert!(r.body.contains("som 0101 for 1. januar"));
    assert!(r.body.contains("value=\"12a\""));
    assert!(r.body.contains("Fyll ut ett av feltene under"));
}

#[tokio::test]
async fn a_stale_tab_cannot_overwrite_newer_answers() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let v = app.version(&p1).await;
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", &v),
                ("_action", "save"),
                ("leveranse.leveransetype", "ordinaer"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // The same version again, as from a second tab opened before the save.
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", &v),
                ("_action", "next"),
                ("leveranse.leveransetype", "ingenoppgaver"),
                (
                    "leveranse.oppgavegiversLeveranseReferanse",
                    "fra gammel fane",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("endret i en annen fane"));
    assert!(
        r.body.contains("fra gammel fane"),
        "what was typed is shown"
    );
    let doc = app.document(&p1).await;
    assert_eq!(doc["leveranse"]["leveransetype"], json!("ordinaer"));
}

#[tokio::test]
async fn hidden_answers_are_removed_before_saving() {
    let app = spawn_app().await;
    let (p1, p2) = app.start_rf1140_with_owners().await;
    let p3 = p2.replace("/oppgavegiver", "/oppgaver");
    app.post_page(&p3, "add:leveranse.oppgave", &[]).await;
    app.post_page(
        &p3,
        "save",
        &[("leveranse.oppgave[0].oppgaveeier.navn", "X")],
    )
    .await;
    assert_eq!(
        app.document(&p3).await["leveranse"]["oppgave"][0]["oppgaveeier"]["navn"],
        json!("X")
    );
    app.post_page(&p1, "save", &[("leveranse.leveransetype", "ingenoppgaver")])
        .await;
    let doc = app.document(&p1).await;
    assert!(doc["leveranse"].get("oppgave").is_none(), "{doc}");
    assert_eq!(
        doc["leveranse"]["oppgaveoppsummering"]["antallOppgaver"],
        json!(0)
    );
    // The hidden page is skipped.
    let r = app.get(&p3).await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().ends_with("/sletting"));
}

#[tokio::test]
async fn changing_language_mid_form_keeps_the_answers() {
    let app = spawn_app().await;
    let p1 = app.start("skriv-til-oss").await;
    let r = app
        .post_page(&p1, "lang:nn", &[("henvendelse.emne", "Spørsmål om frist")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some(p1.as_str()));
    let p = app.get(&p1).await;
    assert!(p.body.contains("<html lang=\"nn\">"));
    assert!(p.body.contains("value=\"Spørsmål om frist\""));
}

#[tokio::test]
async fn conditional_required_fields_follow_the_answers() {
    let app = spawn_app().await;
    let p1 = app.start("skriv-til-oss").await;
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("henvendelse.tema", "skatt"),
                ("henvendelse.emne", "Frist"),
                ("henvendelse.melding", "Når er fristen?"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p2 = r.location.unwrap();
    let r = app
        .post_page(
            &p2,
            "next",
            &[
                ("kontakt.navn", "Ola Test"),
                ("kontakt.svarkanal", "telefon"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#f-kontakt-telefon\""), "{}", r.body);
    let r = app
        .post_page(
            &p2,
            "next",
            &[
                ("kontakt.navn", "Ola Test"),
                ("kontakt.svarkanal", "telefon"),
                ("kontakt.telefon", "+47 22 33 44 55"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn htmx_saves_on_change_and_validates_the_changed_field_inline() {
    let app = spawn_app().await;
    let (_, p2) = app.start_rf1140_with_owners().await;
    let v = app.version(&p2).await;
    let name = "leveranse.oppgavegiver.organisasjonsnummer";
    let body = serde_urlencoded::to_string([("_version", v.as_str()), (name, "123")]).unwrap();
    let r = app
        .post_raw(
            &format!("{p2}/felt"),
            body.into_bytes(),
            &[("hx-request", "true"), ("hx-trigger-name", name)],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.starts_with("<form id=\"page-form\""),
        "a fragment, not a page"
    );
    assert!(!r.body.contains("<html"));
    assert!(r.body.contains("må ha 9 siffer"));
    // Only the changed field's error, no summary.
    assert!(!r.body.contains("error-summary"));
    assert_eq!(
        app.document(&p2).await["leveranse"]["oppgavegiver"]["organisasjonsnummer"],
        json!("123")
    );
    // The new version is in the fragment, so the next change is not refused as stale.
    let v2 = crate::helpers::hidden_version(&r.body);
    assert_ne!(v, v2);
}

#[tokio::test]
async fn drafts_are_listed_resumed_and_deleted() {
    let app = spawn_app().await;
    let p1 = app.start("skriv-til-oss").await;
    app.post_page(&p1, "save", &[("henvendelse.emne", "Hei")])
        .await;
    let list = app.get("/utkast").await;
    assert!(list.body.contains("Skriv til oss"), "{}", list.body);
    let start = app.get("/skjema/skriv-til-oss").await;
    assert!(start.body.contains(&p1), "the start page offers to resume");
    let id = p1.split('/').nth(3).unwrap();
    let confirm = app.get(&format!("/utkast/{id}/slett")).await;
    assert_eq!(confirm.status, 200);
    let r = app.post_form(&format!("/utkast/{id}/slett"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.get(&p1).await.status, 404);
    assert!(
        app.get("/utkast")
            .await
            .body
            .contains("ingen lagrede utkast")
    );
}

#[tokio::test]
async fn the_audit_log_records_each_draft_event_with_its_request_id() {
    let app = spawn_app().await;
    let p1 = app.start("skriv-til-oss").await;
    let id = p1.split('/').nth(3).unwrap().to_string();
    app.get(&p1).await;
    app.get(&p1).await; // opened once per session, not per page view
    let r = app
        .client
        .post(format!("{}{p1}", app.addr))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_version={}&_action=save", app.version(&p1).await))
        .send()
        .await
        .unwrap();
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    app.post_form(&format!("/utkast/{id}/slett"), &[]).await;
    let trail = app.store.audit_trail(&id).await.unwrap();
    let events: Vec<&str> = trail.iter().map(|(e, _, _)| e.as_str()).collect();
    assert_eq!(
        events,
        [
            "draft.started",
            "draft.opened",
            "draft.saved",
            "draft.deleted"
        ]
    );
    assert!(trail.iter().all(|(_, owner, _)| owner == &trail[0].1));
    assert_eq!(trail[2].2, rid, "the save carries its request's id");
}

#[tokio::test]
async fn a_draft_keeps_the_form_version_it_began_on() {
    let src = crate::helpers::forms_dir();
    let catalogue = |with_newer: bool| {
        let dir = tempfile::tempdir().unwrap();
        for entry in ["areas.toml", "grunnlagsdata/RF-1140.toml"] {
            let to = dir.path().join(entry);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(src.join(entry), &to).unwrap();
        }
        if with_newer {
            let newer = std::fs::read_to_string(src.join("grunnlagsdata/RF-1140.toml"))
                .unwrap()
                .replace("version = \"2025-1\"", "version = \"2026-1\"")
                .replacen("Om leveransen", "Om leveransen (ny versjon)", 1);
            std::fs::write(dir.path().join("grunnlagsdata/RF-1140-2026.toml"), newer).unwrap();
        }
        dir
    };
    let (old_forms, both_forms) = (catalogue(false), catalogue(true));
    // One database for both servers, as when a new version is deployed.
    let data = tempfile::tempdir().unwrap();
    let on = |forms: &std::path::Path| {
        let (forms, data) = (forms.to_path_buf(), data.path().to_path_buf());
        move |c: &mut tasteskjema::config::Config| {
            c.forms_dir = forms;
            c.data_dir = data;
            c.database_url = None;
        }
    };
    let before = crate::helpers::spawn_app_with(on(old_forms.path())).await;
    before
        .log_in(crate::helpers::DINA, crate::helpers::SUBSTANTIAL)
        .await;
    before.choose_party(crate::helpers::SKOGLY).await;
    let begun = before.start("RF-1140").await;
    let after = crate::helpers::spawn_app_with(on(both_forms.path())).await;
    // The same browser (its session is in the shared database) resumes on the new deployment.
    let page = after.get_with(&before.client, &begun).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains("(ny versjon)"),
        "the draft keeps 2025-1"
    );
    let id = begun.split('/').nth(3).unwrap();
    let d = after
        .store
        .draft_without_owner_check(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.form_version, "2025-1");
    // A draft started now takes the newest version.
    let r = before
        .client
        .post(format!("{}/skjema/RF-1140", after.addr))
        .send()
        .await
        .unwrap();
    let fresh = r.headers()["location"].to_str().unwrap().to_string();
    let page = after.get_with(&before.client, &fresh).await;
    assert!(page.body.contains("(ny versjon)"), "{}", page.body);
}

const ROW_TEXT_FORM: &str = r#"
id = "T-RADTEKST"
version = "1"
area = "publikumstjenester"
resource = "ske-skriv-til-oss"
packages = ["skattegrunnlag"]
title = { nb = "Rader med tekst", nn = "Rader med tekst", en = "Rows with text" }

[[page]]
id = "rader"
title = { nb = "Rader", nn = "Rader", en = "Rows" }

  [[page.field]]
  bind = "rader"
  kind = "group"
  label = { nb = "Kontoer", nn = "Kontoar", en = "Accounts" }
  min = 1

    [[page.field.field]]
    kind = "static"
    label = { nb = "Fyll ut saldoen per 31. desember.", nn = "Fyll ut saldoen per 31. desember.", en = "Give the balance on 31 December." }

    [[page.field.field]]
    bind = "saldo"
    kind = "amount"
    label = { nb = "Saldo", nn = "Saldo", en = "Balance" }
    required = true
"#;

#[tokio::test]
async fn a_text_in_a_row_is_shown_as_text_not_as_an_input() {
    let forms = tempfile::tempdir().unwrap();
    crate::signin::copy_dir(&crate::helpers::forms_dir(), forms.path());
    std::fs::write(
        forms.path().join("publikumstjenester/T-RADTEKST.toml"),
        ROW_TEXT_FORM,
    )
    .unwrap();
    let dir = forms.path().to_path_buf();
    let app = crate::helpers::spawn_logged_in_with(move |c| c.forms_dir = dir).await;
    let p1 = app.start("T-RADTEKST").await;
    let r = app.post_page(&p1, "add:rader", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app.get(&p1).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "<div class=\"static-text\" id=\"f-rader-0-tekst-0\"><p class=\"ds-paragraph\">Fyll ut saldoen per 31. desember.</p></div>"
        ),
        "{}",
        page.body
    );
    // No input carries the row (or the document) as its value, and no id is given twice.
    assert!(!page.body.contains("name=\"rader[0]\""), "{}", page.body);
    assert!(!page.body.contains("{&quot;"), "{}", page.body);
    assert_eq!(
        page.body.matches("id=\"f-rader-0\"").count(),
        1,
        "{}",
        page.body
    );
    // The row's answer is saved as usual.
    let r = app
        .post_page(&p1, "next", &[("rader[0].saldo", "1200")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.document(&p1).await,
        serde_json::json!({ "rader": [{ "saldo": 1200 }] })
    );
}
