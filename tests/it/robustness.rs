//! Bad input: each gets a clear page in the user's language, a status that means what it says, and
//! nothing typed is lost. No internals in any response.

use crate::helpers::{SKOGLY, SUBSTANTIAL, client, spawn_app};

fn no_internals(body: &str) {
    for leak in ["sqlx", "panicked", "SELECT", "stack backtrace", "src/"] {
        assert!(!body.contains(leak), "response leaks {leak:?}: {body}");
    }
}

#[tokio::test]
async fn an_unknown_form_or_page_is_404_in_the_users_language() {
    let app = spawn_app().await;
    let r = app.get("/skjema/RF-9999").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Vi fant ikke siden"));
    assert!(r.body.contains("<html lang=\"nb\">"));
    let p1 = app.start("RF-1140").await;
    let r = app.get(&p1.replace("/om-leveransen", "/finnes-ikke")).await;
    assert_eq!(r.status, 404);
    app.get("/?lang=en").await;
    let r = app.get("/ingen/slik/side").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("We could not find the page"));
    no_internals(&r.body);
}

#[tokio::test]
async fn a_draft_of_a_form_version_that_no_longer_exists_is_404() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let owner_draft = app.document(&p1).await;
    assert!(owner_draft.is_object());
    // A draft pinned to a version that is not in the catalogue (as after a version is retired).
    let d = app
        .store
        .create_draft(
            &tasteskjema::store::Owner::new(crate::helpers::DINA, crate::helpers::SKOGLY),
            "RF-1140",
            "1999-1",
            &serde_json::json!({}),
            &[],
            "test",
        )
        .await
        .unwrap();
    let r = app
        .get(&format!("/skjema/RF-1140/{}/om-leveransen", d.id))
        .await;
    assert_eq!(r.status, 404);
}

/// Rita Regnskap Fiktivsen (synthetic), regnskapsfører for Skogly among others.
const RITA: &str = "23866410070";

#[tokio::test]
async fn another_persons_or_another_partys_draft_is_404() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let id = p1.split('/').nth(3).unwrap().to_string();
    // Nobody logged in: sent to log in, nothing shown.
    let anonymous = client();
    let r = app.get_with(&anonymous, &p1).await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().starts_with("/logg-inn?neste="));
    // Rita may act for the same party, but the draft is Dina's: not found, by any route.
    let rita = client();
    let r = app.log_in_via(&rita, "/", RITA, SUBSTANTIAL).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app
        .post_raw_with(
            &rita,
            "/aktor",
            b"party=org%3A819897522&neste=%2F".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app.get_with(&rita, &p1).await;
    assert_eq!(r.status, 404);
    let r = app
        .post_raw_with(
            &rita,
            &p1,
            b"_version=1&_action=save&leveranse.leveransetype=ordinaer".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post_raw_with(&rita, &format!("/utkast/{id}/slett"), Vec::new(), &[])
        .await;
    assert_eq!(r.status, 404);
    let r = app.get_with(&rita, "/utkast").await;
    assert!(!r.body.contains(&id), "not listed for another person");
    // Dina herself, acting for another party: not found either.
    app.choose_party("org:311800019").await;
    let r = app.get(&p1).await;
    assert_eq!(r.status, 404);
    app.choose_party(SKOGLY).await;
    let r = app.get(&p1).await;
    assert_eq!(r.status, 200);
    assert!(app.document(&p1).await.is_object(), "still there");
}

#[tokio::test]
async fn unknown_fields_and_tampered_hidden_fields_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let before = app.document(&p1).await;
    let v = app.version(&p1).await;
    let r = app
        .post_form(
            &p1,
            &[
                ("_version", &v),
                ("_action", "next"),
                ("leveranse.hemmelig", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Forespørselen kunne ikke leses"));
    let r = app
        .post_form(
            &p1,
            &[("_version", "abc"), ("leveranse.leveransetype", "ordinaer")],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .post_form(&p1, &[("_version", &v), ("_action", "slett-alt")])
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .post_form(
            &p1,
            &[("_version", &v), ("_action", "add:leveranse.oppgavegiver")],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .post_raw(&p1, b"_version=1&%ff%fe=%zz".to_vec(), &[])
        .await;
    assert_eq!(r.status, 400);
    no_internals(&r.body);
    assert_eq!(app.document(&p1).await, before);
}

#[tokio::test]
async fn a_wrong_type_where_a_choice_belongs_is_422_with_the_value_kept() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let r = app
        .post_page(
            &p1,
            "next",
            &[
                ("leveranse.inntektsaar", "tjuefemogtjue"),
                ("leveranse.leveransetype", "noe-annet"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Velg et av alternativene"));
    assert!(r.body.contains("value=\"tjuefemogtjue\""));
}

#[tokio::test]
async fn an_oversized_post_is_413_with_a_page() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let v = app.version(&p1).await;
    let mut body = format!("_version={v}&_action=save&leveranse.oppgavegiversLeveranseReferanse=")
        .into_bytes();
    body.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024 + 1));
    let r = app.post_raw(&p1, body, &[]).await;
    assert_eq!(r.status, 413);
    assert!(
        r.body.contains("for stort"),
        "{}",
        &r.body[..r.body.len().min(500)]
    );
    no_internals(&r.body);
    // The draft is unharmed and the version unchanged.
    assert_eq!(app.version(&p1).await, v);
}

#[tokio::test]
async fn a_wrong_method_is_405() {
    let app = spawn_app().await;
    let r = app
        .client
        .delete(format!("{}/", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn check_names_file_and_line_of_a_broken_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::helpers::forms_dir().join("areas.toml"),
        dir.path().join("areas.toml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("toll")).unwrap();
    std::fs::write(
        dir.path().join("toll/T-1.toml"),
        "id = \"T-1\"\nversion = \"1\"\narea = \"toll\"\nresource = \"r\"\ntitle = { nb = \"T\", nn = \"T\", en = \"T\" }\n\n[[page]]\nid = \"p\"\ntitle = { nb = \"P\", nn = \"P\", en = \"P\" }\n\n  [[page.field]]\n  bind = \"a.b\"\n  kind = \"amount\"\n  label = { nb = \"A\", nn = \"A\", en = \"A\" }\n  when = \"a.finnes.ikke > 0\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("T-1.toml:15:"), "{err}");
    assert!(err.contains("a.finnes.ikke"), "{err}");
    // The shipped forms pass.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .arg("check")
        .arg(crate::helpers::forms_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let p1 = app.start("RF-1140").await;
    let v = app.version(&p1).await;
    let body = format!("_version={v}&_action=save&leveranse.leveransetype=ingenoppgaver");
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("origin", "https://angriper.example")][..],
    ] {
        let r = app.post_raw(&p1, body.clone().into_bytes(), headers).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.body.contains("ble avvist"), "{}", r.body);
        no_internals(&r.body);
    }
    assert_eq!(app.version(&p1).await, v, "nothing was saved");
    // The portal's own pages pass: same origin, as a browser sends it.
    let origin = app.addr.clone();
    let r = app
        .post_raw(
            &p1,
            body.into_bytes(),
            &[("sec-fetch-site", "same-origin"), ("origin", &origin)],
        )
        .await;
    assert_eq!(r.status, 303);
}

/// Saves that come at once are written together (one statement for those queued at a time): each
/// is still checked against the version it was made from, each writes its audit row, and a save
/// whose request gives up half way is written or not, never half.
#[tokio::test]
async fn saves_at_once_each_keep_their_own_version_check_and_audit_row() {
    use tasteskjema::store::{Owner, Saved};
    let app = spawn_app().await;
    let dina = Owner::new(crate::helpers::DINA, SKOGLY);
    let rita = Owner::new(RITA, SKOGLY);
    let mut drafts = Vec::new();
    for i in 0..24 {
        let d = app
            .store
            .create_draft(
                &dina,
                "RF-1140",
                "2025-1",
                &serde_json::json!({ "n": i }),
                &[],
                "test",
            )
            .await
            .unwrap();
        drafts.push(d.id);
    }
    // Each draft saved twice from version 1 (two tabs) and once by another person; all at once.
    let mut saves = Vec::new();
    for (i, id) in drafts.iter().enumerate() {
        for (tab, owner) in [(0, &dina), (1, &dina), (2, &rita)] {
            let (store, id, owner) = (app.store.clone(), id.clone(), owner.clone());
            saves.push(tokio::spawn(async move {
                let doc = serde_json::json!({ "n": i, "tab": tab });
                let r = store
                    .save_draft(
                        &owner,
                        &id,
                        1,
                        &doc,
                        Some("side"),
                        &format!("req-{i}-{tab}"),
                    )
                    .await
                    .unwrap();
                (id, tab, r)
            }));
        }
    }
    let mut won = std::collections::HashMap::new();
    for s in saves {
        let (id, tab, r) = s.await.unwrap();
        match (tab, r) {
            (2, r) => assert_eq!(r, Saved::NotFound, "another person's save of {id}"),
            (_, Saved::Ok(2)) => assert!(
                won.insert(id.clone(), tab).is_none(),
                "{id} saved twice from version 1"
            ),
            (_, Saved::Stale { current: 2 }) => {}
            (_, r) => panic!("{id}: {r:?}"),
        }
    }
    assert_eq!(won.len(), drafts.len(), "every draft saved once");
    for (i, id) in drafts.iter().enumerate() {
        let d = app.store.draft(&dina, id).await.unwrap().unwrap();
        assert_eq!(d.version, 2);
        assert_eq!(d.document.0, serde_json::json!({ "n": i, "tab": won[id] }));
        assert_eq!(d.last_page.as_deref(), Some("side"));
        let rows = app.store.audit_rows(id).await.unwrap();
        let saved: Vec<_> = rows.iter().filter(|r| r.event == "draft.saved").collect();
        assert_eq!(saved.len(), 1, "{id}: {rows:?}");
        assert_eq!(saved[0].request_id, format!("req-{i}-{}", won[id]));
    }
    // While the database does not answer, a save whose request gives up is not kept, whether it
    // waited in the queue or in the statement; the saves queued beside it are.
    let lock = crate::operations::hold_lock(&app, "drafts").await;
    let blocked: Vec<_> = (1..5)
        .map(|k| {
            let (store, id, dina) = (app.store.clone(), drafts[k].clone(), dina.clone());
            tokio::spawn(async move {
                store
                    .save_draft(
                        &dina,
                        &id,
                        2,
                        &serde_json::json!({ "k": k }),
                        None,
                        "blocked",
                    )
                    .await
            })
        })
        .collect();
    let id = drafts[0].clone();
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        app.store.save_draft(
            &dina,
            &id,
            2,
            &serde_json::json!({ "gave_up": true }),
            None,
            "gave-up",
        ),
    )
    .await;
    assert!(gave_up.is_err(), "{gave_up:?}");
    drop(lock);
    for b in blocked {
        assert_eq!(b.await.unwrap().unwrap(), Saved::Ok(3));
    }
    let d = app.store.draft(&dina, &id).await.unwrap().unwrap();
    assert_eq!(d.version, 2);
    assert_eq!(d.document.0["tab"], serde_json::json!(won[&id]));
    let next = app
        .store
        .save_draft(
            &dina,
            &id,
            2,
            &serde_json::json!({ "after": 1 }),
            None,
            "after",
        )
        .await
        .unwrap();
    assert_eq!(next, Saved::Ok(3));
}
