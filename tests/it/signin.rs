//! Logging in through the portal's own routes at the ID-porten stand-in in the same binary, acting
//! for a party, the session's limits, and logging out (RP-initiated and front-channel).

use std::time::Duration;

use crate::helpers::{
    DINA, SKOGLY, SUBSTANTIAL, client, forms_dir, path_of, spawn_anonymous, spawn_app,
    spawn_app_with, synthetic_fnr,
};

/// Per Rolleløs Testmann (synthetic): no roles, no delegations.
const PER: &str = "30819210027";

fn events(trail: &[(String, String, String)]) -> Vec<&str> {
    trail.iter().map(|(e, _, _)| e.as_str()).collect()
}

#[tokio::test]
async fn a_person_logs_in_chooses_a_party_fills_in_and_logs_out() {
    let app = spawn_anonymous().await;
    // A form sends the visitor to log in, and back to the form afterwards.
    let r = app.get("/skjema/RF-1140").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location.as_deref(),
        Some("/logg-inn?neste=%2Fskjema%2FRF-1140")
    );
    let r = app
        .log_in_via(&app.client, "/skjema/RF-1140", DINA, SUBSTANTIAL)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/skjema/RF-1140"));
    // Dina may act for four parties here: she is asked which.
    let r = app.get("/skjema/RF-1140").await;
    assert_eq!(r.status, 303);
    let choose = r.location.unwrap();
    assert_eq!(choose, "/aktor?neste=%2Fskjema%2FRF-1140");
    let page = app.get(&choose).await;
    assert_eq!(page.status, 200);
    for orgnr in [
        "org:819897522",
        "org:311800019",
        "org:311800027",
        "org:311800035",
    ] {
        assert!(
            page.body.contains(&format!("value=\"{orgnr}\"")),
            "{orgnr} offered"
        );
    }
    assert!(!page.body.contains("800877830"), "not Rune's client");
    assert!(
        !page.body.contains("value=\"person:"),
        "RF-1140 is not for persons"
    );
    assert!(page.body.contains("Underenhet av 311 800 019"));
    // Nothing chosen: the error is summarised and linked to the list.
    let r = app
        .post_form("/aktor", &[("neste", "/skjema/RF-1140")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#parties\""));
    assert!(r.body.contains("Velg hvem du vil representere."));
    let r = app
        .post_form("/aktor", &[("party", SKOGLY), ("neste", "/skjema/RF-1140")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/skjema/RF-1140"));
    // Every page shows who is logged in and for whom, and the session's end.
    let page = app.get("/skjema/RF-1140").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Dina Daglig Testesen"));
    assert!(page.body.contains("TESTSAMEIET SKOGLY"));
    assert!(page.body.contains("819 897 522"));
    assert!(page.body.contains("Du blir logget ut kl."));
    // The party is the draft's prefilled oppgavegiver.
    let p1 = app.start("RF-1140").await;
    let doc = app.document(&p1).await;
    assert!(doc.to_string().contains("819897522"), "{doc}");
    // Logout goes to ID-porten's end-session endpoint with the id_token as hint, and ends the
    // session here: the form asks for a login again.
    let r = app.post_form("/logg-ut", &[]).await;
    assert_eq!(r.status, 303);
    let end = r.location.unwrap();
    assert!(
        end.starts_with(&format!("{}/dev/idporten/endsession?", app.addr)),
        "{end}"
    );
    assert!(end.contains("id_token_hint=") && end.contains("post_logout_redirect_uri="));
    let r = app.get(&p1).await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().starts_with("/logg-inn?"));
    let trail = app.store.audit_trail(DINA).await.unwrap();
    assert_eq!(events(&trail), ["login", "logout"]);
    let chosen = app.store.audit_rows(SKOGLY).await.unwrap();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0].event, "party.chosen");
    assert_eq!(chosen[0].person.as_deref(), Some(DINA));
    assert_eq!(chosen[0].party.as_deref(), Some(SKOGLY));
    assert_ne!(chosen[0].request_id, "-");
}

#[tokio::test]
async fn a_party_the_person_may_not_represent_is_refused() {
    let app = spawn_app().await;
    // Rune's client, and a made-up key: neither is on Dina's list.
    for party in ["org:800877830", "org:123", "person:05918510062"] {
        let r = app
            .post_form("/aktor", &[("party", party), ("neste", "/skjema/RF-1140")])
            .await;
        assert_eq!(r.status, 403, "{party}");
        assert!(r.body.contains("Du kan ikke representere"), "{}", r.body);
    }
    // Still acting for Skogly.
    let page = app.get("/skjema/RF-1140").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("TESTSAMEIET SKOGLY"));
}

#[tokio::test]
async fn a_person_without_rights_is_told_so_and_may_still_write_for_themself() {
    let app = spawn_anonymous().await;
    app.log_in(PER, SUBSTANTIAL).await;
    let r = app.get("/skjema/RF-1140").await;
    assert_eq!(r.status, 303);
    let page = app.get(&r.location.unwrap()).await;
    assert_eq!(page.status, 403);
    assert!(
        page.body
            .contains("Du har ikke tilgang til å bruke dette skjemaet for noen")
    );
    // Skriv til oss allows persons: he is the one party, chosen for him.
    let page = app.get("/skjema/skriv-til-oss").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Per Rolleløs Testmann"));
    let rows = app
        .store
        .audit_rows(&format!("person:{PER}"))
        .await
        .unwrap();
    assert_eq!(rows[0].event, "party.chosen");
}

#[tokio::test]
async fn a_form_needing_a_higher_level_asks_for_it_and_refuses_a_lower_one() {
    // The same forms, with RF-1139 at level high.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&forms_dir(), dir.path());
    let f = dir.path().join("grunnlagsdata/RF-1139.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replacen("level = \"substantial\"", "level = \"high\"", 1),
    )
    .unwrap();
    let forms = dir.path().to_path_buf();
    let app = spawn_app_with(move |c| c.forms_dir = forms).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    assert_eq!(app.get("/skjema/RF-1140").await.status, 200);
    let r = app.get("/skjema/RF-1139").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location.as_deref(),
        Some("/logg-inn?neste=%2Fskjema%2FRF-1139")
    );
    let r = app.get("/logg-inn?neste=%2Fskjema%2FRF-1139").await;
    let authorize = r.location.unwrap();
    // The level travels in the pushed request; the stand-in's page shows what was asked for.
    let page = app.get(authorize.trim_start_matches(&app.addr)).await;
    assert!(
        page.body.contains("value=\"idporten-loa-high\" checked"),
        "{}",
        page.body
    );
    // Logging in at the lower level anyway is refused…
    let r = app
        .log_in_via(&app.client, "/skjema/RF-1139", DINA, SUBSTANTIAL)
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    // …and at the right level works.
    let r = app
        .log_in_via(&app.client, "/skjema/RF-1139", DINA, "idporten-loa-high")
        .await;
    assert_eq!(r.status, 303);
    app.choose_party(SKOGLY).await;
    assert_eq!(app.get("/skjema/RF-1139").await.status, 200);
}

pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_callback_without_a_login_under_way_or_with_a_forged_state_is_refused() {
    let app = spawn_anonymous().await;
    let r = app.get("/logg-inn/tilbake?code=x&state=y").await;
    assert_eq!(r.status, 401);
    assert!(
        r.body.contains("Innloggingen ble ikke fullført"),
        "{}",
        r.body
    );
    // A login under way, but the callback's state is not the one sent.
    let r = app.get("/logg-inn?neste=/").await;
    assert_eq!(r.status, 303);
    let r = app
        .get(&format!(
            "/logg-inn/tilbake?code=x&state=forged&iss={}/dev/idporten",
            app.addr
        ))
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn only_local_paths_are_returned_to_after_login() {
    let app = spawn_anonymous().await;
    let pid = synthetic_fnr(23, 6, 64);
    let r = app
        .log_in_via(&app.client, "//angriper.example/", &pid, SUBSTANTIAL)
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let app = spawn_anonymous().await;
    let r = app
        .client
        .get(format!("{}/logg-inn?neste=/", app.addr))
        .send()
        .await
        .unwrap();
    let before = session_cookie(&r).expect("a session for the login under way");
    // The login, by hand, to see the callback's cookie.
    let authorize = app.get("/logg-inn?neste=/").await.location.unwrap();
    let page = app.get(authorize.trim_start_matches(&app.addr)).await;
    let login = crate::helpers::attr(&page.body, "<input type=\"hidden\" name=\"login\"", "value");
    let action = crate::helpers::attr(&page.body, "<form", "action");
    let r = app
        .post_form(
            &action,
            &[
                ("login", &login),
                ("pid", DINA),
                ("acr", SUBSTANTIAL),
                ("action", "login"),
            ],
        )
        .await;
    let callback = r.location.unwrap();
    let r = app.client.get(&callback).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let after = session_cookie(&r).expect("a new session id is set at login");
    assert_ne!(before, after);
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tasteskjema_id="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

#[tokio::test]
async fn a_session_ends_when_idle_and_answers_posted_after_that_are_kept_over_the_login() {
    let app = spawn_app_with(|c| c.session_idle_s = 2).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    let p1 = app.start("RF-1140").await;
    let v = app.version(&p1).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    // The page post arrives after the session ended: the answers are kept, the user logs in.
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", &v),
                ("_action", "next"),
                ("leveranse.inntektsaar", "2025"),
                ("leveranse.leveransetype", "ordinaer"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to_login = r.location.unwrap();
    assert!(to_login.starts_with("/logg-inn?neste="), "{to_login}");
    let next: String =
        serde_urlencoded::from_str::<Vec<(String, String)>>(to_login.split_once('?').unwrap().1)
            .unwrap()
            .remove(0)
            .1;
    assert_eq!(next, p1);
    let r = app.log_in_via(&app.client, &next, DINA, SUBSTANTIAL).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some(p1.as_str()));
    // A new login: the party is asked for again, then the answers go into the draft.
    let r = app.get(&p1).await;
    assert_eq!(r.status, 303);
    let choose = r.location.unwrap();
    assert!(choose.starts_with("/aktor?"), "{choose}");
    app.choose_party(SKOGLY).await;
    let r = app.get(&p1).await;
    assert_eq!(r.status, 303, "the kept post moves on to the next page");
    assert!(path_of(&r.location.unwrap()).ends_with("/oppgavegiver"));
    let doc = app.document(&p1).await;
    assert_eq!(doc["leveranse"]["inntektsaar"], 2025, "{doc}");
    assert_eq!(doc["leveranse"]["leveransetype"], "ordinaer", "{doc}");
    // Kept once: the page shows normally now.
    assert_eq!(app.get(&p1).await.status, 200);
}

#[tokio::test]
async fn answers_kept_over_a_login_never_reach_another_persons_draft() {
    let app = spawn_app_with(|c| c.session_idle_s = 2).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    let p1 = app.start("RF-1140").await;
    let before = app.document(&p1).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", "1"),
                ("_action", "save"),
                ("leveranse.inntektsaar", "1999"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // Someone else logs in in this browser: the draft is not theirs.
    app.log_in("23866410070", SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    assert_eq!(app.get(&p1).await.status, 404);
    assert_eq!(app.document(&p1).await, before);
}

#[tokio::test]
async fn a_login_ends_at_its_absolute_limit_however_active() {
    let app = spawn_app_with(|c| c.session_absolute_s = 3).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    for _ in 0..2 {
        assert_eq!(app.get("/utkast").await.status, 200);
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = app.get("/utkast").await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().starts_with("/logg-inn?"));
}

#[tokio::test]
async fn an_htmx_request_after_the_session_ended_sends_the_whole_page_to_login() {
    let app = spawn_app_with(|c| c.session_idle_s = 2).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    let p1 = app.start("RF-1140").await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = app
        .client
        .post(format!("{}{p1}/felt", app.addr))
        .header("hx-request", "true")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("_version=1&leveranse.inntektsaar=2025")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let to = r.headers()["hx-redirect"].to_str().unwrap().to_string();
    assert!(to.starts_with("/logg-inn?neste="), "{to}");
}

#[tokio::test]
async fn staying_logged_in_pushes_the_end_on() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/okt/forleng", app.addr))
        .header("x-requested-with", "fetch")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("neste=%2Futkast")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ends = v["ends"].as_i64().unwrap();
    assert!((now + 29 * 60..=now + 30 * 60).contains(&ends), "{v}");
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .starts_with("Du blir logget ut kl. ")
    );
    // Without JavaScript: back to the page.
    let r = app.post_form("/okt/forleng", &[("neste", "/utkast")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/utkast"));
}

#[tokio::test]
async fn front_channel_logout_ends_the_session_of_that_idporten_session() {
    let app = spawn_app().await;
    assert_eq!(app.get("/utkast").await.status, 200);
    let logins = app.store.logins_of(DINA).await.unwrap();
    assert_eq!(logins.len(), 1);
    let sid = logins[0].1.clone();
    let issuer = format!("{}/dev/idporten", app.addr);
    // ID-porten's iframe carries no cookie of ours.
    let frame = client();
    let q = serde_urlencoded::to_string([("iss", "https://other.example/"), ("sid", sid.as_str())])
        .unwrap();
    let r = app
        .get_with(&frame, &format!("/logg-ut/frontkanal?{q}"))
        .await;
    assert_eq!(r.status, 400, "another issuer's logout is refused");
    assert_eq!(app.get("/utkast").await.status, 200);
    let q = serde_urlencoded::to_string([("iss", issuer.as_str()), ("sid", sid.as_str())]).unwrap();
    let r = frame
        .get(format!("{}/logg-ut/frontkanal?{q}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {}", app.addr)),
        "{csp}"
    );
    assert!(r.headers().get("x-frame-options").is_none());
    let r = app.get("/utkast").await;
    assert_eq!(r.status, 303, "the session has ended");
    let trail = app.store.audit_trail(DINA).await.unwrap();
    assert_eq!(events(&trail), ["login", "logout.frontchannel"]);
    // Every other page still refuses to be framed.
    let r = app
        .client
        .get(format!("{}/", app.addr))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn logins_are_rate_limited_per_client() {
    let app = spawn_app_with(|c| c.login_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(app.get("/logg-inn?neste=/").await.status, 303);
    }
    let r = app.get("/logg-inn?neste=/").await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("for mange ganger"), "{}", r.body);
}

#[tokio::test]
async fn pages_outside_forms_show_a_login_link_to_come_back_to() {
    let app = spawn_anonymous().await;
    let page = app.get("/").await;
    assert!(
        page.body.contains("href=\"/logg-inn?neste=%2F\""),
        "{}",
        page.body
    );
    let r = app.get("/utkast").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/logg-inn?neste=%2Futkast"));
    // Logged in without a party yet: "My drafts" asks for one.
    app.log_in(DINA, SUBSTANTIAL).await;
    let r = app.get("/utkast").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/aktor?neste=%2Futkast"));
    let page = app.get("/aktor?neste=%2Futkast").await;
    // Without a form: every party she may use any form for, herself included.
    assert!(page.body.contains(&format!("value=\"person:{DINA}\"")));
    assert!(page.body.contains("value=\"org:819897522\""));
}
