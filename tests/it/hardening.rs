//! Hostile input over HTTP: return paths, the language switch, the M2M documents door, token
//! audiences, posts without a session, authorisation before work, doubled headers, request ids,
//! rate limits behind a proxy, response headers and the stand-ins in production. Each test here
//! failed before the fault it names was mended.

use serde_json::{Value, json};

use crate::helpers::{
    DINA, SKOGLY, SUBSTANTIAL, TestApp, client, production, spawn_anonymous, spawn_app,
    spawn_app_with,
};

const SAMEIE: &str = "819897522";
const BORETTSLAG: &str = "932061899";
const BOLIGSAMEIE: &str = "skatteetaten:innrapporteringboligsameie";
const BOLIGSELSKAP: &str = "skatteetaten:innrapporteringboligselskap";
const RF1140: &str = "/api/innrapportering/boligsameie/v1/2025";

/// How many submissions the portal holds.
async fn submissions(app: &TestApp) -> i64 {
    crate::helpers::count(app, "SELECT COUNT(*) FROM submissions").await
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The README's example delivery for Skogly (a valid RF-1140).
fn rf1140_example() -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/examples/rf1140-2025.json")).unwrap(),
    )
    .unwrap()
}

async fn api_post(
    app: &TestApp,
    path: &str,
    tokens: &[&str],
    body: &Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut rb = app
        .client
        .post(format!("{}{path}", app.addr))
        .header("content-type", "application/json")
        .header("idempotencyKey", key())
        .body(body.to_string());
    for t in tokens {
        rb = rb.header("authorization", format!("Bearer {t}"));
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

async fn api_get(app: &TestApp, path: &str, token: &str) -> u16 {
    app.client
        .get(format!("{}{path}", app.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// --- 1. Return paths ---------------------------------------------------------------------------

#[tokio::test]
async fn return_paths_that_a_browser_would_read_as_another_site_fall_back_to_the_start() {
    for next in [
        "/\t/angriper.example/",
        "/\n/angriper.example/",
        "/\r\n/angriper.example/",
        "/./\t/angriper.example",
        "\t//angriper.example",
    ] {
        let app = spawn_anonymous().await;
        let r = app.log_in_via(&app.client, next, DINA, SUBSTANTIAL).await;
        assert_eq!(r.status, 303, "{next:?}: {}", r.body);
        assert_eq!(r.location.as_deref(), Some("/"), "{next:?}");
    }
}

#[tokio::test]
async fn the_party_choice_and_staying_logged_in_return_only_to_this_site() {
    let app = spawn_anonymous().await;
    app.log_in(DINA, SUBSTANTIAL).await;
    let r = app
        .post_form(
            "/aktor",
            &[("party", SKOGLY), ("neste", "/\t/angriper.example")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/"));
    let r = app
        .post_form("/okt/forleng", &[("neste", "/\t/angriper.example")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
    let r = app
        .post_form("/okt/forleng", &[("neste", "/utkast\r\nSet-Cookie: x=1")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
    // A page shown with such a return path links back only to this site.
    let page = app.get("/aktor?neste=%2F%09%2Fangriper.example").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("angriper.example"), "{}", page.body);
}

// --- 2. The language switch --------------------------------------------------------------------

#[tokio::test]
async fn the_language_switch_never_leads_to_another_site() {
    let app = spawn_anonymous().await;
    for path in ["//angriper.example?lang=nn", "//angriper.example/x?lang=en"] {
        let r = app.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        let to = r.location.unwrap();
        assert!(
            to.starts_with('/') && !to.starts_with("//"),
            "{path} → {to}"
        );
    }
    // The not-found page's language links stay on this site too.
    let r = app.get("//angriper.example").await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("//angriper.example"), "{}", r.body);
    // The switch itself still works.
    let r = app.get("/utkast?lang=nn").await;
    assert_eq!(r.location.as_deref(), Some("/utkast"));
}

// --- 3. The documents door ---------------------------------------------------------------------

#[tokio::test]
async fn the_documents_door_reads_only_its_own_forms_submissions_for_a_permitted_reader() {
    let app = spawn_app().await;
    // A complaint from Skogly's system, through the generic door.
    let klage_token = app.token(SAMEIE, "skatteetaten:tasteskjema.klage");
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/vedtak.pdf"),
    )
    .unwrap();
    let doc = json!({"vedtak": {"referanse": "2026/1", "dato": "2026-10-01", "gjelder": "skatt"},
        "klage": {"begrunnelse": "Feil.", "endring": "Rett opp."}, "kontakt": {"navn": "Kari Testperson"}});
    let form = reqwest::multipart::Form::new()
        .part(
            "dokument",
            reqwest::multipart::Part::text(doc.to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .part(
            "dokumentasjon",
            reqwest::multipart::Part::bytes(pdf)
                .file_name("vedtak.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = app
        .client
        .post(format!("{}/api/v1/skjema/klage/innsendinger", app.addr))
        .bearer_auth(&klage_token)
        .header("idempotencyKey", key())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let klage: Value = r.json().await.unwrap();
    let klage_id = klage["forsendelseId"].as_str().unwrap();
    // A letter Dina sent in the browser for Skogly.
    let letter = send_a_letter(&app).await;
    // An RF-1140 delivery of Skogly's.
    let sameie = app.token(SAMEIE, BOLIGSAMEIE);
    let (status, rf1140, _) = api_post(&app, RF1140, &[&sameie], &rf1140_example()).await;
    assert_eq!(status, 200, "{rf1140}");
    let rf1140_id = rf1140["forsendelseId"].as_str().unwrap();

    let docs = |base: &str, year: &str, id: &str| {
        format!("{base}/v1/{year}/forsendelser/{id}/dokumenter/{id}")
    };
    let sameie_base = "/api/innrapportering/boligsameie";
    let selskap_base = "/api/innrapportering/boligselskap";
    // Its own form's submission: yes.
    assert_eq!(
        api_get(&app, &docs(sameie_base, "2025", rf1140_id), &sameie).await,
        200
    );
    // Another form's submissions, through this form's door: not found.
    assert_eq!(
        api_get(&app, &docs(sameie_base, "2025", klage_id), &sameie).await,
        404
    );
    assert_eq!(
        api_get(
            &app,
            &docs(sameie_base, "2025", &letter.transmission_id),
            &sameie
        )
        .await,
        404
    );
    // Another income year than the submission's: not found.
    assert_eq!(
        api_get(&app, &docs(sameie_base, "2024", rf1140_id), &sameie).await,
        404
    );
    // A token for the boligselskap form: Skogly's system user may not read that form at all.
    let selskap = app.token(SAMEIE, BOLIGSELSKAP);
    assert_eq!(
        api_get(&app, &docs(selskap_base, "2025", rf1140_id), &selskap).await,
        403
    );
}

/// Dina writes to Skatteetaten for Skogly in the browser; the stored submission.
async fn send_a_letter(app: &TestApp) -> tasteskjema::store::SubmissionRow {
    let p1 = app.start("skriv-til-oss").await;
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("henvendelse.tema", "skatt"),
                ("henvendelse.emne", "Skattekort for 2026"),
                ("henvendelse.melding", "Hvorfor ble skattekortet endret?"),
                ("henvendelse.gjelderOrganisasjon", SAMEIE),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let kontakt = crate::helpers::path_of(&r.location.unwrap());
    let r = app
        .post_page(
            &kontakt,
            "next",
            &[
                ("kontakt.navn", "Dina Daglig Testesen"),
                ("kontakt.svarkanal", "innboks"),
                ("kontakt.epost", ""),
                ("kontakt.telefon", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let summary = crate::helpers::path_of(&r.location.unwrap());
    let v = crate::helpers::hidden_version(&app.get(&summary).await.body);
    let r = app
        .post_form(
            &summary.replace("/oppsummering", "/send"),
            &[("_version", &v)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = r
        .location
        .unwrap()
        .trim_start_matches("/innsendt/")
        .to_owned();
    app.store
        .submission_without_owner_check(&id)
        .await
        .unwrap()
        .unwrap()
}

// --- 4. Token audiences ------------------------------------------------------------------------

#[tokio::test]
async fn a_token_restricted_to_another_api_is_refused_and_nothing_is_stored() {
    const OURS: &str = "https://skjema.tasteskjema.test/api";
    let app = spawn_app_with(|c| c.api_audiences = vec![OURS.into()]).await;
    let other = app.token_for(SAMEIE, BOLIGSAMEIE, Some("https://annet-api.example/"));
    let (status, body, headers) = api_post(&app, RF1140, &[&other], &rf1140_example()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["kode"], "GLD_004");
    assert_eq!(body["spesifisering"][0]["kode"], "wrong_audience", "{body}");
    assert!(headers.get("x-request-id").is_some());
    assert_eq!(submissions(&app).await, 0);
    // Restricted to this API: yes. No audience at all (Maskinporten's ordinary token): yes.
    let ours = app.token_for(SAMEIE, BOLIGSAMEIE, Some(OURS));
    let (status, body, _) = api_post(&app, RF1140, &[&ours], &rf1140_example()).await;
    assert_eq!(status, 200, "{body}");
    let plain = app.token_for(SAMEIE, BOLIGSAMEIE, None);
    let (status, body, _) = api_post(&app, RF1140, &[&plain], &rf1140_example()).await;
    assert_eq!(status, 200, "{body}");
    // Where an audience is required, the ordinary token is refused.
    let strict = spawn_app_with(|c| {
        c.api_audiences = vec![OURS.into()];
        c.require_audience = true;
    })
    .await;
    let plain = strict.token_for(SAMEIE, BOLIGSAMEIE, None);
    let (status, _, _) = api_post(&strict, RF1140, &[&plain], &rf1140_example()).await;
    assert_eq!(status, 401);
    // With no audiences configured, any token naming one is someone else's.
    let default = spawn_app().await;
    let ours = default.token_for(SAMEIE, BOLIGSAMEIE, Some(OURS));
    let (status, _, _) = api_post(&default, RF1140, &[&ours], &rf1140_example()).await;
    assert_eq!(status, 401);
}

// --- 5. Posts without a session ----------------------------------------------------------------

fn set_cookies(h: &reqwest::header::HeaderMap) -> Vec<String> {
    h.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_page_post_without_a_session_is_not_stored() {
    let app = spawn_anonymous().await;
    let page = format!("/skjema/RF-1140/{}/leveranse", key());
    let big = format!(
        "_version=1&_action=save&leveranse.kildesystem={}",
        "x".repeat(200_000)
    );
    for cookie in [None, Some(format!("tasteskjema_id={}", "A".repeat(22)))] {
        let mut rb = client()
            .post(format!("{}{page}", app.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big.clone());
        if let Some(c) = &cookie {
            rb = rb.header("cookie", c);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{cookie:?}");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/logg-inn?"),
        );
        // No session is made for it (an unknown cookie is only told to go away).
        let set = set_cookies(r.headers());
        assert!(
            set.iter()
                .all(|c| c.starts_with("tasteskjema_id=;") && c.contains("Max-Age=0")),
            "{cookie:?}: {set:?}"
        );
    }
}

#[tokio::test]
async fn answers_over_the_limit_are_not_kept_over_a_login() {
    let app = spawn_app_with(|c| c.session_idle_s = 2).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    let p1 = app.start("RF-1140").await;
    let v = app.version(&p1).await;
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    let huge = "x".repeat(300 * 1024);
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", &v),
                ("_action", "save"),
                ("leveranse.leveransetype", "ordinaer"),
                ("leveranse.kildesystem", &huge),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    assert_eq!(app.get(&p1).await.status, 200);
    let doc = app.document(&p1).await;
    assert!(doc["leveranse"]["leveransetype"].is_null(), "{doc}");
}

// --- 6. Authorisation before work --------------------------------------------------------------

#[tokio::test]
async fn a_sender_without_rights_gets_403_before_the_document_is_read() {
    let app = spawn_app().await;
    // Bjørkely's system user has no right to Skogly's form; the document is full of errors.
    let theirs = app.token(BORETTSLAG, BOLIGSAMEIE);
    let bad = json!({"leveranse": {"inntektsaar": "tjuefemogtjue", "oppgave": [{}]}});
    let (status, body, _) = api_post(&app, RF1140, &[&theirs], &bad).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["kode"], "GLD_005");
    assert!(
        body["spesifisering"].is_null(),
        "nothing of the document is told: {body}"
    );
    // Not even JSON: still 403.
    let r = app
        .client
        .post(format!("{}{RF1140}", app.addr))
        .bearer_auth(&theirs)
        .header("content-type", "application/json")
        .header("idempotencyKey", key())
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // The generic door likewise: Bjørkely may not complain for itself through the API.
    let klage = app.token(BORETTSLAG, "skatteetaten:tasteskjema.klage");
    let r = app
        .client
        .post(format!("{}/api/v1/skjema/klage/innsendinger", app.addr))
        .bearer_auth(&klage)
        .header("content-type", "application/json")
        .header("idempotencyKey", key())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

// --- 7. Two Authorization headers --------------------------------------------------------------

#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let app = spawn_app().await;
    let good = app.token(SAMEIE, BOLIGSAMEIE);
    for tokens in [[good.as_str(), "x.y.z"], [good.as_str(), good.as_str()]] {
        let (status, body, _) = api_post(&app, RF1140, &tokens, &rf1140_example()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["kode"], "GLD_011");
    }
    assert_eq!(submissions(&app).await, 0);
}

// --- 8. Request ids ----------------------------------------------------------------------------

#[tokio::test]
async fn audit_rows_carry_the_portals_own_request_id() {
    let app = spawn_app().await;
    for sent in [
        "kundens-egen-id-1",
        "<script>alert(1)</script>",
        &"a".repeat(300),
    ] {
        let r = app
            .client
            .post(format!("{}/skjema/skriv-til-oss", app.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let echoed = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
        let draft = r.headers()["location"]
            .to_str()
            .unwrap()
            .split('/')
            .nth(3)
            .unwrap()
            .to_owned();
        let trail = app.store.audit_trail(&draft).await.unwrap();
        assert_eq!(trail[0].0, "draft.started");
        assert_eq!(
            trail[0].2, echoed,
            "the audit row has the portal's id, not {sent:?}"
        );
    }
}

// --- Rate limits behind a proxy ----------------------------------------------------------------

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_limit() {
    let app = spawn_app_with(|c| {
        c.login_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let login = |xff: &'static str| {
        let url = format!("{}/logg-inn?neste=/", app.addr);
        async move {
            client()
                .get(url)
                .header("x-forwarded-for", xff)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..2 {
        assert_eq!(login("198.51.100.1").await.status().as_u16(), 303);
    }
    let r = login("198.51.100.1").await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    // Another client behind the same proxy is not held up by the first.
    assert_eq!(login("198.51.100.2").await.status().as_u16(), 303);
    // A client cannot escape its count by writing its own hops in front.
    assert_eq!(
        login("203.0.113.7, 198.51.100.1").await.status().as_u16(),
        429
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_addresses_are_ignored() {
    let app = spawn_app_with(|c| c.login_per_minute = 2).await;
    for (i, xff) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        let r = client()
            .get(format!("{}/logg-inn?neste=/", app.addr))
            .header("x-forwarded-for", *xff)
            .send()
            .await
            .unwrap();
        let want = if i < 2 { 303 } else { 429 };
        assert_eq!(r.status().as_u16(), want, "{xff}");
    }
}

// --- Headers, cookies and the stand-ins in production -------------------------------------------

#[tokio::test]
async fn every_response_limits_what_other_sites_and_browser_features_may_do() {
    let app = spawn_anonymous().await;
    for path in ["/", "/api/openapi.json", "/finnes-ikke"] {
        let r = client()
            .get(format!("{}{path}", app.addr))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert_eq!(h["cross-origin-resource-policy"], "same-origin", "{path}");
        let pp = h["permissions-policy"].to_str().unwrap();
        assert!(
            pp.contains("camera=()") && pp.contains("geolocation=()"),
            "{path}: {pp}"
        );
    }
}

#[tokio::test]
async fn in_production_the_session_cookie_is_host_prefixed() {
    let dev = spawn_app().await;
    let prod = spawn_app_with(production(&dev)).await;
    let r = client()
        .get(format!("{}/logg-inn?neste=/", prod.addr))
        .send()
        .await
        .unwrap();
    let cookie = set_cookies(r.headers()).join("\n");
    assert!(cookie.starts_with("__Host-tasteskjema_id="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
}

#[tokio::test]
async fn no_stand_in_path_answers_in_production() {
    let dev = spawn_app().await;
    // The inbox page says what it is.
    let inbox = dev.get("/dev/dialogporten?part=819897522").await;
    assert_eq!(inbox.status, 200);
    assert!(
        inbox.body.contains("Testdata – bare for utvikling"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains("development only"));
    let prod = spawn_app_with(production(&dev)).await;
    let id = key();
    let paths = [
        "/dev".to_owned(),
        "/dev/".to_owned(),
        "/dev/idporten/.well-known/openid-configuration".to_owned(),
        "/dev/idporten/jwks".to_owned(),
        "/dev/idporten/authorize".to_owned(),
        "/dev/idporten/par".to_owned(),
        "/dev/idporten/token".to_owned(),
        "/dev/idporten/endsession".to_owned(),
        "/dev/altinn/accessmanagement/api/v1/resourceowner/authorizedparties".to_owned(),
        "/dev/altinn/authorization/api/v1/authorize".to_owned(),
        "/dev/maskinporten/.well-known/oauth-authorization-server".to_owned(),
        "/dev/maskinporten/jwks".to_owned(),
        "/dev/maskinporten/token".to_owned(),
        "/dev/dialogporten".to_owned(),
        "/dev/dialogporten?part=819897522".to_owned(),
        "/dev/dialogporten/events".to_owned(),
        format!("/dev/dialogporten/api/v1/serviceowner/dialogs/{id}"),
        "/dev/domene/stats".to_owned(),
        "/dev/domene/nede".to_owned(),
        "/dev/domene/gld/innsendinger".to_owned(),
        format!("/dev/domene/gld/innsendinger/{id}/tilbakemelding"),
        "/dev/brreg/enhetsregisteret/api/enheter/311800019".to_owned(),
        "/dev/brreg/enhetsregisteret/api/underenheter/311800027".to_owned(),
        "/dev/folkeregister/folkeregisteret/offentlig-med-hjemmel/api/v1/personer/12837810092"
            .to_owned(),
        "/dev/noe-annet".to_owned(),
    ];
    for path in &paths {
        let get = client()
            .get(format!("{}{path}", prod.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status().as_u16(), 404, "GET {path}");
        let post = client()
            .post(format!("{}{path}", prod.addr))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(post.status().as_u16(), 404, "POST {path}");
    }
}

// --- Time limits -------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_that_sends_its_headers_slowly_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_anonymous().await;
    let addr = app.addr.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // A header line now and then, never the blank line that ends them.
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(40), async {
        loop {
            if slow.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
            let mut chunk = [0u8; 512];
            match tokio::time::timeout(std::time::Duration::from_secs(2), slow.read(&mut chunk))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                Err(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection was still open after 40 s");
    let held = started.elapsed();
    assert!(
        held >= tasteskjema::server::HEADER_READ_TIMEOUT
            && held < tasteskjema::server::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(10),
        "cut off after {held:?}"
    );
    // Meanwhile the portal answered everyone else.
    assert_eq!(app.get("/").await.status, 200);
    let _ = buf;
}
