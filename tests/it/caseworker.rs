//! The caseworker side: employees log in through the built-in employee directory with a session
//! of their own, find submissions of their own areas, read them as given, and every view is in
//! the audit log.

use serde_json::Value;

use crate::helpers::{Page, TestApp, attr, client, spawn_app};

/// Test employees of `dev/registry.toml` (synthetic).
pub(crate) const SIRI_FORM_OWNER: &str = "5a1f0c3e-8d2b-4e6a-9f10-000000000001";
const GEIR_GRUNNLAGSDATA: &str = "5a1f0c3e-8d2b-4e6a-9f10-000000000002";
const TONE_TOLL: &str = "5a1f0c3e-8d2b-4e6a-9f10-000000000003";
const DAG_DRIFT: &str = "5a1f0c3e-8d2b-4e6a-9f10-000000000004";

/// An employee's browser: from `/saksbehandling/logg-inn` through the directory's page to the
/// callback; returns the client (with the employee's cookie) and the callback's answer.
async fn employee_login(app: &TestApp, employee: &str, next: &str) -> (reqwest::Client, Page) {
    employee_login_with(app, client(), employee, next).await
}

/// As [`employee_login`], in the browser `c`.
pub(crate) async fn employee_login_with(
    app: &TestApp,
    c: reqwest::Client,
    employee: &str,
    next: &str,
) -> (reqwest::Client, Page) {
    let q = serde_urlencoded::to_string([("neste", next)]).unwrap();
    let r = app
        .get_with(&c, &format!("/saksbehandling/logg-inn?{q}"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let authorize = r.location.unwrap();
    assert!(
        authorize.starts_with(&format!("{}/dev/ansatt/authorize?", app.addr)),
        "{authorize}"
    );
    // An employee login asks for no ID-porten level.
    assert!(!authorize.contains("acr_values"), "{authorize}");
    let page = app
        .get_with(&c, authorize.trim_start_matches(&app.addr))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"ansatt\""), "{}", page.body);
    let login = attr(&page.body, "<input type=\"hidden\" name=\"login\"", "value");
    let action = attr(&page.body, "<form", "action");
    let body = serde_urlencoded::to_string([
        ("login", login.as_str()),
        ("ansatt", employee),
        ("action", "login"),
    ])
    .unwrap();
    let r = app.post_raw_with(&c, &action, body.into_bytes(), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let callback = r.location.unwrap();
    assert!(
        callback.starts_with(&format!("{}/saksbehandling/logg-inn/tilbake?", app.addr)),
        "{callback}"
    );
    let done = app
        .get_with(&c, callback.trim_start_matches(&app.addr))
        .await;
    (c, done)
}

/// An RF-1140 delivery through the API for Skogly (synthetic); its `forsendelseId`.
async fn m2m_submission(app: &TestApp) -> String {
    use crate::api::{PATH, SAMEIE, SCOPE, melding};
    let r = app
        .client
        .post(format!("{}{PATH}", app.addr))
        .bearer_auth(app.token(SAMEIE, SCOPE))
        .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
        .json(&melding("Saksbehandling-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    body["forsendelseId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_employee_logs_in_with_the_directory_and_sees_their_roles() {
    let app = spawn_app().await;
    let (c, done) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/saksbehandling"));
    let home = app.get_with(&c, "/saksbehandling").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body.contains("Siri Skjemaeier Testansatt"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Skjemaforvalter"), "{}", home.body);
    // The employee cookie is the caseworker side's own: limited to its paths.
    let audit = app.store.audit_rows(SIRI_FORM_OWNER).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.event == "ansatt.login" && a.employee.as_deref() == Some(SIRI_FORM_OWNER)),
        "{audit:?}"
    );
    // Logging out ends the employee session and goes through the directory.
    let out = app
        .post_raw_with(&c, "/saksbehandling/logg-ut", Vec::new(), &[])
        .await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert!(
        out.location
            .unwrap()
            .starts_with(&format!("{}/dev/ansatt/endsession?", app.addr))
    );
    let after = app.get_with(&c, "/saksbehandling").await;
    assert_eq!(after.status, 303);
}

#[tokio::test]
async fn the_two_sides_never_share_a_session() {
    // `app.client` is Dina's business session.
    let app = spawn_app().await;
    let to_employee_login = Some("/saksbehandling/logg-inn?neste=%2Fsaksbehandling%2Finnsendinger");
    let business = app.get("/saksbehandling/innsendinger").await;
    assert_eq!(business.status, 303, "{}", business.body);
    assert_eq!(business.location.as_deref(), to_employee_login);
    // A stranger is answered the same way.
    let stranger = app
        .get_with(&client(), "/saksbehandling/innsendinger")
        .await;
    assert_eq!(stranger.status, 303);
    assert_eq!(stranger.location.as_deref(), to_employee_login);
    // An employee is a stranger on the business side.
    let (c, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    let drafts = app.get_with(&c, "/utkast").await;
    assert_eq!(drafts.status, 303, "{}", drafts.body);
    assert!(drafts.location.unwrap().starts_with("/logg-inn?"));
    // A business session id presented as the employee cookie opens nothing.
    let business_cookie = session_cookie(&app, &app.client, "tasteskjema_id").await;
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = forged
        .get(format!("{}/saksbehandling/innsendinger", app.addr))
        .header("cookie", format!("tasteskjema_ansatt={business_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

/// The value of a cookie the portal set in `c`'s jar, read back through a page that echoes
/// nothing: the jar is asked for the portal's URL.
async fn session_cookie(app: &TestApp, _c: &reqwest::Client, name: &str) -> String {
    // reqwest's jar does not expose cookies; log in again on a client that records them.
    let (c, jar) = crate::helpers::browser_with_jar();
    let r = app
        .log_in_via(&c, "/", crate::helpers::DINA, crate::helpers::SUBSTANTIAL)
        .await;
    assert_eq!(r.status, 303);
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.addr.parse().unwrap();
    let header = jar.cookies(&url).unwrap();
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_m2m_submission_is_found_by_forsendelse_id_read_as_given_and_its_readers_audited() {
    let app = spawn_app().await;
    let forsendelse = m2m_submission(&app).await;
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    let found = app
        .get_with(
            &geir,
            &format!("/saksbehandling/innsendinger?forsendelse={forsendelse}"),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let row = app
        .store
        .submission_by_transmission(&forsendelse, "org:819897522")
        .await
        .unwrap()
        .unwrap();
    let href = format!("/saksbehandling/innsendinger/{}", row.id);
    assert!(found.body.contains(&href), "{}", found.body);
    assert!(found.body.contains(&row.reference), "{}", found.body);
    assert!(found.body.contains("819 897 522"), "{}", found.body);
    // As given: the form's own labels and the answers, in bokmål (the API's language).
    let page = app.get_with(&geir, &href).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<div lang=\"nb\">"), "{}", page.body);
    assert!(page.body.contains("ALLA TESTESEN"), "{}", page.body);
    assert!(page.body.contains("Saksbehandling-1"), "{}", page.body);
    assert!(page.body.contains(&forsendelse), "{}", page.body);
    // The receipt PDF, as the employee downloads it.
    let pdf = app.get_with(&geir, &format!("{href}/kvittering.pdf")).await;
    assert_eq!(pdf.status, 200);
    // The search and the view are in the audit log with the employee.
    let audit = app.store.audit_rows(&row.id).await.unwrap();
    for event in ["submission.viewed", "receipt.read"] {
        assert!(
            audit.iter().any(|a| a.event == event
                && a.employee.as_deref() == Some(GEIR_GRUNNLAGSDATA)
                && a.owner == format!("ansatt:{GEIR_GRUNNLAGSDATA}")),
            "{event}: {audit:?}"
        );
    }
    let searched = app
        .store
        .audit_rows(&format!("search:forsendelse={forsendelse}"))
        .await
        .unwrap();
    assert_eq!(searched.len(), 1, "{searched:?}");
    // The readers page names him.
    let readers = app.get_with(&geir, &format!("{href}/lesere")).await;
    assert_eq!(readers.status, 200, "{}", readers.body);
    assert!(
        readers.body.contains("Geir Grunnlag Saksbehandler"),
        "{}",
        readers.body
    );
    // An employee of another area: nothing found, and 404 for the submission itself.
    let (tone, _) = employee_login(&app, TONE_TOLL, "/saksbehandling").await;
    let none = app
        .get_with(
            &tone,
            &format!("/saksbehandling/innsendinger?forsendelse={forsendelse}"),
        )
        .await;
    assert_eq!(none.status, 200);
    assert!(!none.body.contains(&href), "{}", none.body);
    for path in [
        href.clone(),
        format!("{href}/kvittering.pdf"),
        format!("{href}/lesere"),
    ] {
        assert_eq!(app.get_with(&tone, &path).await.status, 404, "{path}");
    }
    // …and a form owner without a caseworker role may not search at all.
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    assert_eq!(
        app.get_with(&siri, "/saksbehandling/innsendinger")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn a_bad_search_is_explained_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    let r = app
        .get_with(
            &geir,
            "/saksbehandling/innsendinger?orgnr=819897523&fra=31.02.2026&referanse=ABCD",
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"error-summary\""), "{}", r.body);
    assert!(r.body.contains("href=\"#orgnr\""), "{}", r.body);
    assert!(r.body.contains("href=\"#fra\""), "{}", r.body);
    assert!(r.body.contains("value=\"819897523\""), "{}", r.body);
    assert!(r.body.contains("value=\"ABCD\""), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
}

#[tokio::test]
async fn operations_see_waiting_deliveries_and_others_may_not() {
    let app = spawn_app().await;
    let (dag, _) = employee_login(&app, DAG_DRIFT, "/saksbehandling").await;
    let ops = app.get_with(&dag, "/saksbehandling/drift").await;
    assert_eq!(ops.status, 200, "{}", ops.body);
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    assert_eq!(
        app.get_with(&geir, "/saksbehandling/drift").await.status,
        403
    );
    let requeue = app
        .post_raw_with(
            &geir,
            "/saksbehandling/drift/leveranser/1/prov-igjen",
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(requeue.status, 403);
}

#[tokio::test]
async fn a_form_owner_previews_rf1140_in_three_languages_with_every_branch_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    let list = app.get_with(&siri, "/saksbehandling/skjema").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let form = catalog.latest("RF-1140").unwrap().clone();
    let version = format!("/saksbehandling/skjema/RF-1140/{}", form.version);
    assert!(list.body.contains(&version), "{}", list.body);
    let overview = app.get_with(&siri, &version).await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(
        overview
            .body
            .contains("svaret på «Hva skal du rapportere?» er «Opplysninger om seksjonseierne»"),
        "{}",
        overview.body
    );
    for (lang, shown_when, page_title) in [
        ("nb", "Vises bare når", "Oppgaver per seksjonseier"),
        ("nn", "Blir berre vist når", "Oppgåver per seksjonseigar"),
        ("en", "Shown only when", "Entries per section owner"),
    ] {
        let switched = app
            .get_with(&siri, &format!("/saksbehandling/skjema?lang={lang}"))
            .await;
        assert_eq!(switched.status, 303);
        for page in &form.pages {
            let path = format!("{version}/side/{}?alle=ja", page.id);
            let r = app.get_with(&siri, &path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            assert!(
                r.body.contains(&format!("<html lang=\"{lang}\">")),
                "{path}"
            );
            // The business side's own page body.
            assert!(r.body.contains("id=\"page-form\""), "{path}");
            if page.when.is_some() {
                assert!(r.body.contains(shown_when), "{lang} {path}: {}", r.body);
            }
        }
        let oppgaver = app
            .get_with(&siri, &format!("{version}/side/oppgaver?alle=ja"))
            .await;
        assert!(oppgaver.body.contains(page_title), "{lang}");
    }
    // The example document (the API scenario's) and the scenarios to fill from.
    assert!(
        overview.body.contains("id=\"example-doc\""),
        "{}",
        overview.body
    );
    assert!(
        overview.body.contains("Eksempelsystem 1"),
        "{}",
        overview.body
    );
    assert!(
        overview.body.contains("scenario=ordinaer-to-eiere"),
        "{}",
        overview.body
    );
    let filled = app
        .get_with(
            &siri,
            &format!("{version}/side/oppgaver?scenario=ordinaer-to-eiere"),
        )
        .await;
    assert_eq!(filled.status, 200, "{}", filled.body);
    assert!(
        filled.body.contains("value=\"Dina Daglig Testesen\""),
        "{}",
        filled.body
    );
    // A post is validated as the real page is, and shows the real messages; nothing is stored.
    let drafts_before = crate::helpers::count(&app, "SELECT COUNT(*) FROM drafts").await;
    let r = app
        .post_raw_with(
            &siri,
            &format!("{version}/side/oppgavegiver"),
            serde_urlencoded::to_string([
                ("_version", "0"),
                ("_action", "next"),
                ("leveranse.oppgavegiver.organisasjonsnummer", "819897523"),
            ])
            .unwrap()
            .into_bytes(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"error-summary\""), "{}", r.body);
    assert!(r.body.contains("value=\"819897523\""), "{}", r.body);
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM drafts").await,
        drafts_before
    );
    // Only form owners preview.
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    assert_eq!(app.get_with(&geir, &version).await.status, 403);
}

#[tokio::test]
async fn outside_production_a_form_owner_sees_the_form_files_that_do_not_load() {
    let forms = tempfile::tempdir().unwrap();
    crate::signin::copy_dir(&crate::helpers::forms_dir(), forms.path());
    let dir = forms.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |c| c.forms_dir = dir).await;
    // A file broken after the start: the running catalogue is not changed, the page names it.
    std::fs::write(
        forms.path().join("publikumstjenester/halvferdig.toml"),
        "id = \"HALVFERDIG\"\nversion = \n",
    )
    .unwrap();
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    let r = app.get_with(&siri, "/saksbehandling/skjema").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("halvferdig.toml:2"), "{}", r.body);
    assert!(r.body.contains("RF-1140"), "{}", r.body);
}

#[tokio::test]
async fn a_scenario_shows_as_check_your_answers_receipt_and_pdf_marked_preview() {
    let app = spawn_app().await;
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let form = catalog.latest("RF-1140").unwrap().clone();
    let version = format!("/saksbehandling/skjema/RF-1140/{}", form.version);
    let overview = app.get_with(&siri, &version).await;
    for shows in ["oppsummering", "kvittering", "kvittering.pdf"] {
        let link = format!("{version}/{shows}?scenario=ordinaer-to-eiere");
        assert!(overview.body.contains(&link), "{link}: {}", overview.body);
    }
    let submissions = crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await;

    let summary = app
        .get_with(
            &siri,
            &format!("{version}/oppsummering?scenario=ordinaer-to-eiere"),
        )
        .await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    assert!(
        summary.body.contains("Forhåndsvisning – ikke sendt inn"),
        "{}",
        summary.body
    );
    assert!(
        summary.body.contains("Dina Daglig Testesen"),
        "{}",
        summary.body
    );
    // The computed sums, and each page's "change" opens its preview from the same scenario.
    assert!(summary.body.contains("75\u{a0}000 kr"), "{}", summary.body);
    assert!(
        summary.body.contains(&format!(
            "{version}/side/oppgaver?scenario=ordinaer-to-eiere"
        )),
        "{}",
        summary.body
    );
    // Nothing here submits.
    assert!(!summary.body.contains("/send\""), "{}", summary.body);
    assert!(!summary.body.contains("id=\"error-summary\""));

    // A scenario with mistakes shows the errors the whole document gives.
    let empty = app
        .get_with(
            &siri,
            &format!("{version}/oppsummering?scenario=tomt-skjema"),
        )
        .await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(
        empty.body.contains("id=\"error-summary\""),
        "{}",
        empty.body
    );

    for (lang, mark, reference) in [
        ("nb", "Forhåndsvisning – ikke sendt inn", "FORHÅNDSVISNING"),
        ("nn", "Førehandsvising – ikkje send inn", "FØREHANDSVISING"),
        ("en", "Preview – not submitted", "PREVIEW"),
    ] {
        let receipt = app
            .get_with(
                &siri,
                &format!("{version}/kvittering?scenario=ordinaer-to-eiere&lang={lang}"),
            )
            .await;
        // The language switch answers with a redirect to the same page in that language.
        let receipt = match receipt.status {
            303 => {
                app.get_with(
                    &siri,
                    &format!("{version}/kvittering?scenario=ordinaer-to-eiere"),
                )
                .await
            }
            _ => receipt,
        };
        assert_eq!(receipt.status, 200, "{}", receipt.body);
        assert!(receipt.body.contains(&format!("<html lang=\"{lang}\">")));
        assert!(receipt.body.contains(mark), "{lang}: {}", receipt.body);
        assert!(receipt.body.contains(reference), "{lang}: {}", receipt.body);
        assert!(receipt.body.contains("Dina Daglig Testesen"), "{lang}");
    }
    let pdf = siri
        .get(format!(
            "{}{version}/kvittering.pdf?scenario=ordinaer-to-eiere",
            app.addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");

    // An unknown scenario is not found; nothing was stored; only form owners see it.
    let missing = app
        .get_with(&siri, &format!("{version}/kvittering?scenario=finnes-ikke"))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await,
        submissions
    );
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    let refused = app
        .get_with(
            &geir,
            &format!("{version}/oppsummering?scenario=ordinaer-to-eiere"),
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn the_live_preview_shows_a_changed_form_file_without_a_login_or_a_restart() {
    let forms = tempfile::tempdir().unwrap();
    crate::signin::copy_dir(&crate::helpers::forms_dir(), forms.path());
    let dir = forms.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |c| {
        c.forms_dir = dir;
        c.live_preview = true;
    })
    .await;
    let catalog = tasteskjema::load_catalog(forms.path()).unwrap();
    let form = catalog.latest("RF-1140").unwrap().clone();
    let version = format!("/saksbehandling/skjema/RF-1140/{}", form.version);
    // No login: a fresh browser.
    let author = client();
    let page = app.get_with(&author, &version).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&form.title.nb), "{}", page.body);
    assert!(page.body.contains("data-live=\""), "{}", page.body);
    let generation = |app: &TestApp, c: reqwest::Client| {
        let url = format!("{}/saksbehandling/skjema/lasting", app.addr);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap().parse::<u64>().unwrap()
        }
    };
    let first = generation(&app, author.clone()).await;

    // The author changes the title: the next look shows it.
    let file = forms.path().join("grunnlagsdata/RF-1140.toml");
    let src = std::fs::read_to_string(&file).unwrap();
    let changed = src.replacen(
        &format!("nb = \"{}\"", form.title.nb),
        "nb = \"Boligsameie, ny tittel\"",
        1,
    );
    assert_ne!(changed, src);
    std::fs::write(&file, &changed).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let page = app.get_with(&author, &version).await;
    assert!(
        page.body.contains("Boligsameie, ny tittel"),
        "{}",
        page.body
    );
    let second = generation(&app, author.clone()).await;
    assert!(second > first, "{first} → {second}");

    // A mistake: the page names the problem with file and line, and still shows the last forms.
    std::fs::write(
        &file,
        changed.replacen("kind = \"year\"", "kind = \"aar\"", 1),
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let page = app.get_with(&author, &version).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Skjemafilene har feil"), "{}", page.body);
    assert!(page.body.contains("RF-1140.toml:"), "{}", page.body);
    assert!(
        page.body.contains("Boligsameie, ny tittel"),
        "{}",
        page.body
    );

    // The business side still needs its login.
    let r = app.get_with(&client(), "/utkast").await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn production_refuses_the_live_preview() {
    let dev = crate::helpers::spawn_anonymous().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = tasteskjema::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        forms_dir: crate::helpers::forms_dir(),
        ..tasteskjema::config::Config::default()
    };
    crate::helpers::production(&dev)(&mut config);
    config.live_preview = true;
    let e = tasteskjema::build(&config).await.err().expect("refused");
    assert!(format!("{e:#}").contains("live preview"), "{e:#}");
}

#[tokio::test]
async fn a_form_owner_reads_what_changed_between_two_versions_in_words() {
    let forms = tempfile::tempdir().unwrap();
    crate::signin::copy_dir(&crate::helpers::forms_dir(), forms.path());
    // A second version of Skriv til oss: a label changed, and persons no longer allowed.
    let first = std::fs::read_to_string(forms.path().join("publikumstjenester/skriv-til-oss.toml"))
        .unwrap();
    let second = first
        .replacen("version = \"2025-1\"", "version = \"2027-1\"", 1)
        .replacen(
            "label = { nb = \"Hva gjelder det?\", nn = \"Kva gjeld det?\", en = \"What is it about?\" }",
            "label = { nb = \"Hva gjelder henvendelsen?\", nn = \"Kva gjeld førespurnaden?\", en = \"What is your enquiry about?\" }",
            1,
        );
    assert_ne!(first, second);
    std::fs::write(
        forms
            .path()
            .join("publikumstjenester/skriv-til-oss-2027.toml"),
        &second,
    )
    .unwrap();
    let dir = forms.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |c| c.forms_dir = dir).await;
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;

    let newest = app
        .get_with(&siri, "/saksbehandling/skjema/skriv-til-oss/2027-1")
        .await;
    assert_eq!(newest.status, 200, "{}", newest.body);
    let link = "/saksbehandling/skjema/skriv-til-oss/endringer?fra=2025-1&#38;til=2027-1";
    assert!(newest.body.contains(link), "{}", newest.body);

    let changes = app
        .get_with(&siri, "/saksbehandling/skjema/skriv-til-oss/endringer")
        .await;
    assert_eq!(changes.status, 200, "{}", changes.body);
    assert!(
        changes
            .body
            .contains("Fra versjon 2025-1 til versjon 2027-1</h2>"),
        "{}",
        changes.body
    );
    assert!(
        changes
            .body
            .contains("ledeteksten er endret på bokmål, nynorsk og engelsk"),
        "{}",
        changes.body
    );
    assert!(changes.body.contains("Hva gjelder henvendelsen?"));
    // The same version on both sides: nothing changed.
    let same = app
        .get_with(
            &siri,
            "/saksbehandling/skjema/skriv-til-oss/endringer?fra=2027-1&til=2027-1",
        )
        .await;
    assert!(same.body.contains("Ingen endringer"), "{}", same.body);
    // An unknown version is not found; only form owners compare.
    let missing = app
        .get_with(
            &siri,
            "/saksbehandling/skjema/skriv-til-oss/endringer?fra=1999-1&til=2027-1",
        )
        .await;
    assert_eq!(missing.status, 404);
    let (geir, _) = employee_login(&app, GEIR_GRUNNLAGSDATA, "/saksbehandling").await;
    let refused = app
        .get_with(&geir, "/saksbehandling/skjema/skriv-til-oss/endringer")
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn a_preview_shows_a_locked_answer_from_a_register_as_locked() {
    use crate::registers::input;
    let app = spawn_app().await;
    let (siri, _) = employee_login(&app, SIRI_FORM_OWNER, "/saksbehandling").await;
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    let form = catalog.latest("RF-1400").unwrap().clone();
    let page = format!(
        "/saksbehandling/skjema/RF-1400/{}/side/flyttingen",
        form.version
    );
    // Without a register's answer: locked, empty, and saying where the answer will come from.
    let plain = app.get_with(&siri, &page).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    let navn = input(&plain.body, "f-flytter-navn");
    assert!(navn.contains("readonly"), "{navn}");
    assert!(
        plain
            .body
            .contains("id=\"f-flytter-navn-source\">Hentet fra Folkeregisteret."),
        "{}",
        plain.body
    );
    // Filled from a scenario: the register's answer, locked.
    let filled = app
        .get_with(&siri, &format!("{page}?scenario=flytter-alene"))
        .await;
    let navn = input(&filled.body, "f-flytter-navn");
    assert!(
        navn.contains("readonly") && navn.contains("value=\"Per Rolleløs Testmann\""),
        "{navn}"
    );
    // A scenario where the register did not answer: an ordinary field to fill in.
    let none = app
        .get_with(
            &siri,
            &format!("{page}?scenario=folkeregisteret-svarer-ikke"),
        )
        .await;
    let navn = input(&none.body, "f-flytter-navn");
    assert!(!navn.contains("readonly"), "{navn}");
    // A post cannot give a locked answer, and is not told to: only what the user fills is checked.
    let r = app
        .post_raw_with(
            &siri,
            &page,
            serde_urlencoded::to_string([("_version", "0"), ("_action", "next")])
                .unwrap()
                .into_bytes(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("href=\"#f-flytting-flyttedato\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("href=\"#f-flytter-navn\""), "{}", r.body);
}
