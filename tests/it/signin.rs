//! Logging in through the portal's own routes, at the ID-porten stand-in in the same binary.

use crate::helpers::{Page, TestApp, spawn_app};

fn attr(html: &str, tag_start: &str, name: &str) -> String {
    let at = html
        .find(tag_start)
        .unwrap_or_else(|| panic!("no {tag_start} in {html}"));
    let rest = &html[at..];
    let key = format!("{name}=\"");
    let i = rest.find(&key).unwrap() + key.len();
    rest[i..].split('"').next().unwrap().replace("&amp;", "&")
}

/// The browser's part of a login at the stand-in: from `/logg-inn` to the portal's callback.
async fn log_in(app: &TestApp, next: &str, pid: &str, acr: &str) -> Page {
    let r = app.get(&format!("/logg-inn?neste={next}")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let authorize = r.location.unwrap();
    assert!(
        authorize.starts_with(&format!("{}/dev/idporten/authorize?", app.addr)),
        "{authorize}"
    );
    let page = app.get(authorize.trim_start_matches(&app.addr)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let login = attr(&page.body, "<input type=\"hidden\" name=\"login\"", "value");
    let action = attr(&page.body, "<form", "action");
    let r = app
        .post_form(
            &action,
            &[
                ("login", &login),
                ("pid", pid),
                ("acr", acr),
                ("action", "login"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let callback = r.location.unwrap();
    assert!(
        callback.starts_with(&format!("{}/logg-inn/tilbake?", app.addr)),
        "{callback}"
    );
    app.get(callback.trim_start_matches(&app.addr)).await
}

#[tokio::test]
async fn a_person_logs_in_and_out_through_the_built_in_idporten() {
    let app = spawn_app().await;
    let pid = crate::helpers::synthetic_fnr(12, 3, 78);
    let cookie_before = app.get("/skjema/RF-1140").await;
    assert_eq!(cookie_before.status, 200);
    let r = log_in(&app, "/skjema/RF-1140", &pid, "idporten-loa-substantial").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/skjema/RF-1140"));
    // Logout goes to ID-porten's end-session endpoint with the id_token as hint.
    let r = app.post_form("/logg-ut", &[]).await;
    assert_eq!(r.status, 303);
    let end = r.location.unwrap();
    assert!(
        end.starts_with(&format!("{}/dev/idporten/endsession?", app.addr)),
        "{end}"
    );
    assert!(end.contains("id_token_hint="));
    let trail = app.store.audit_trail(&pid).await.unwrap();
    let events: Vec<&str> = trail.iter().map(|(e, _, _)| e.as_str()).collect();
    assert_eq!(events, ["login", "logout"]);
}

#[tokio::test]
async fn a_callback_without_a_login_under_way_or_with_a_forged_state_is_refused() {
    let app = spawn_app().await;
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
    let app = spawn_app().await;
    let pid = crate::helpers::synthetic_fnr(23, 6, 64);
    let r = log_in(
        &app,
        "//angriper.example/",
        &pid,
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
}
