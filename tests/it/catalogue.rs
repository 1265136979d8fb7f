use crate::helpers::{production, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_catalogue_lists_every_area_and_its_forms() {
    let app = spawn_app().await;
    let p = app.get("/").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("<html lang=\"nb\">"));
    for area in [
        "grunnlagsdata",
        "aksjonaerregisteret",
        "toll",
        "innkreving",
        "motorvogn-saeravgifter",
        "a-ordningen",
        "skatteprosessen",
        "publikumstjenester",
        "ovrige",
    ] {
        assert!(p.body.contains(&format!("id=\"area-{area}\"")), "{area}");
    }
    for form in [
        "/skjema/RF-1140",
        "/skjema/RF-1139",
        "/skjema/skriv-til-oss",
    ] {
        assert!(p.body.contains(form), "{form}");
    }
    assert_eq!(p.body.matches("<h1").count(), 1);
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let app = spawn_app().await;
    let r = app.get("/?lang=en").await;
    assert_eq!(r.status, 303);
    let p = app.get("/").await;
    assert!(p.body.contains("<html lang=\"en\">"));
    assert!(p.body.contains("Forms and services"));
    app.get("/?lang=nn").await;
    let p = app.get("/").await;
    assert!(p.body.contains("<html lang=\"nn\">"));
    assert!(p.body.contains("Skjema og tenester"));
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/", app.addr))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn production_tells_browsers_to_stay_on_https() {
    let dev = spawn_app().await;
    let r = dev
        .client
        .get(format!("{}/", dev.addr))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    let prod = spawn_app_with(production(&dev)).await;
    let r = prod
        .client
        .get(format!("{}/", prod.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // A login under way is kept in the session, whose cookie is Secure in production.
    let r = prod
        .client
        .get(format!("{}/logg-inn?neste=/", prod.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn the_stand_ins_answer_in_the_same_binary_but_never_in_production() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!(
            "{}/dev/idporten/.well-known/openid-configuration",
            app.addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let meta: serde_json::Value = r.json().await.unwrap();
    assert_eq!(meta["issuer"], format!("{}/dev/idporten", app.addr));
    assert!(meta["pushed_authorization_request_endpoint"].is_string());
    // The registry answers Altinn's authorized-parties shape for a synthetic person.
    let r = app
        .client
        .post(format!(
            "{}/dev/altinn/accessmanagement/api/v1/resourceowner/authorizedparties",
            app.addr
        ))
        .json(
            &serde_json::json!({"type": "urn:altinn:person:identifier-no", "value": "12837810092"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let parties: serde_json::Value = r.json().await.unwrap();
    assert!(parties.to_string().contains("819897522"), "{parties}");

    let prod = spawn_app_with(production(&app)).await;
    for path in [
        "/dev/idporten/.well-known/openid-configuration",
        "/dev/altinn/accessmanagement/api/v1/resourceowner/authorizedparties",
        "/dev/maskinporten/.well-known/oauth-authorization-server",
        "/dev/dialogporten",
        "/dev/domene/stats",
    ] {
        let r = prod.get(path).await;
        assert_eq!(r.status, 404, "{path}");
    }
}

#[tokio::test]
async fn a_search_finds_forms_by_number_name_or_words_without_javascript() {
    let app = spawn_app().await;
    let r = app.get("/?q=tollkreditt").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("role=\"search\""), "{}", r.body);
    assert!(
        r.body.contains("value=\"tollkreditt\""),
        "what was typed stays"
    );
    assert!(r.body.contains("href=\"/skjema/RF-1344\""), "{}", r.body);
    assert!(!r.body.contains("href=\"/skjema/RF-1140\""));
    assert!(r.body.contains("passer søket «tollkreditt»"), "{}", r.body);
    // By number, in any case, and several words must all be found.
    let r = app.get("/?q=rf-1140").await;
    assert!(r.body.contains("href=\"/skjema/RF-1140\""), "{}", r.body);
    let r = app.get("/?q=boligsameie%20seksjonseier").await;
    assert!(r.body.contains("href=\"/skjema/RF-1140\""), "{}", r.body);
    assert!(!r.body.contains("href=\"/skjema/RF-1139\""), "{}", r.body);
    // In English, English words find the form too.
    let r = app.get("/?q=customs%20credit&lang=en").await;
    let r = match r.status {
        303 => app.get("/?q=customs%20credit").await,
        _ => r,
    };
    assert!(r.body.contains("href=\"/skjema/RF-1344\""), "{}", r.body);
    // Nothing found: said, with the way back to every form.
    let r = app.get("/?q=finnesikke").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("finnesikke"), "{}", r.body);
    assert!(!r.body.contains("href=\"/skjema/"), "{}", r.body);
    // Markup in a search is text.
    let r = app.get("/?q=%3Cscript%3E").await;
    assert!(!r.body.contains("<script>"), "{}", r.body);
}

#[tokio::test]
async fn a_start_page_says_what_the_form_needs_before_one_begins() {
    let app = spawn_app().await;
    let r = app.get("/skjema/RF-1140").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Før du begynner"), "{}", r.body);
    assert!(r.body.contains("ID-porten på betydelig nivå"), "{}", r.body);
}

#[tokio::test]
async fn vendors_read_each_api_form_without_a_login() {
    let app = crate::helpers::spawn_anonymous().await;
    let index = app.get("/systemleverandorer").await;
    assert_eq!(index.status, 200, "{}", index.body);
    for href in [
        "/systemleverandorer/RF-1140",
        "/systemleverandorer/RF-1360",
        "/systemleverandorer/klage",
    ] {
        assert!(index.body.contains(href), "{href}");
    }
    // A form only for the browser has no vendor page.
    assert!(!index.body.contains("/systemleverandorer/RF-1316"));
    assert_eq!(app.get("/systemleverandorer/RF-1316").await.status, 404);
    assert_eq!(app.get("/systemleverandorer/finnes-ikke").await.status, 404);
    let page = app.get("/systemleverandorer/RF-1360").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "POST /api/innrapportering/boligsparingungdom/v1/{inntektsaar}",
        "POST /api/innrapportering/boligsparingungdom/v1/{inntektsaar}/validering",
        "skatteetaten:innrapporteringboligsparingungdom",
        "ske-innrapportering-boligsparing-ungdom",
        "leveranse.oppgave[*].kontonummer",
        "leveranse.oppgaveoppsummering.sumSaldo",
        "100 MB",
        "GLD_1052",
        "--org 311800108",
        // The same document as one file: uploaded, or put by SFTP in the scheme's folder.
        "href=\"/skjema/RF-1360/fil\"",
        "<code>innsending/boligsparingungdom/2025/</code>",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    // The aksjonærregisteroppgave's file is XML, in a folder named for the scheme.
    let ar = app.get("/systemleverandorer/RF-1086").await;
    assert_eq!(ar.status, 200, "{}", ar.body);
    assert!(
        ar.body.contains("«Aksjonaerregisteroppgave»"),
        "{}",
        ar.body
    );
    assert!(
        ar.body
            .contains("<code>innsending/aksjonaerregisteroppgave/2025/</code>"),
        "{}",
        ar.body
    );
    // A form without a whole-delivery API has no such section.
    let klage = app.get("/systemleverandorer/klage").await;
    assert!(!klage.body.contains("id=\"fil\""), "{}", klage.body);
    // The example request is a delivery the API takes as it stands.
    let start = page.body.find("id=\"foresporsel\"").unwrap();
    let rest = &page.body[start..];
    let rest = &rest[rest.find("<code>").unwrap() + "<code>".len()..];
    let json = html_unescape(&rest[..rest.find("</code>").unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let form = catalog.latest("RF-1360").unwrap();
    let ctx = tasteskjema::intake::context(Some(
        &tasteskjema::auth::altinn::PartyId::Organisation("311800108".into()),
    ));
    assert!(
        tasteskjema::form::validate::validate(form, &doc, tasteskjema::form::Scope::All, &ctx)
            .is_empty()
    );
    // In nynorsk and English too.
    for (lang, heading) in [("nn", "Kontrollsummar"), ("en", "Control sums")] {
        let switched = app
            .get(&format!("/systemleverandorer/RF-1360?lang={lang}"))
            .await;
        assert_eq!(switched.status, 303);
        let page = app.get("/systemleverandorer/RF-1360").await;
        assert!(page.body.contains(&format!("<html lang=\"{lang}\">")));
        assert!(page.body.contains(heading), "{lang}");
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_accessibility_statement_and_the_privacy_notice_are_linked_from_every_page() {
    let app = spawn_app().await;
    for page in ["/", "/finnes-ikke", "/systemleverandorer"] {
        let p = app.get(page).await;
        assert!(p.body.contains("href=\"/tilgjengelighet\""), "{page}");
        assert!(p.body.contains("href=\"/personvern\""), "{page}");
    }
    for (lang, a11y, privacy) in [
        (
            "nb",
            "Hva de automatiske kontrollene dekker",
            "Et utkast som ikke lagres på 90 dager",
        ),
        (
            "nn",
            "Kva dei automatiske kontrollane dekkjer",
            "Eit utkast som ikkje blir lagra på 90 dagar",
        ),
        (
            "en",
            "What the automated checks cover",
            "A draft that is not saved for 90 days",
        ),
    ] {
        app.get(&format!("/?lang={lang}")).await;
        let p = app.get("/tilgjengelighet").await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(&format!("<html lang=\"{lang}\">")));
        assert!(p.body.contains(a11y), "{lang}: {}", p.body);
        assert!(p.body.contains("axe-core"));
        let p = app.get("/personvern").await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(privacy), "{lang}: {}", p.body);
        // The areas with their own periods, from areas.toml: customs keeps drafts 30 days.
        assert!(p.body.contains("<td>30</td>"), "{lang}");
    }
}
