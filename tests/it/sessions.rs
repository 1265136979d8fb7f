//! Each node caches the sessions it reads: what another node changes in a session (a party
//! chosen, a logout) must reach it. On PostgreSQL two portals share one database; on SQLite, which
//! one node uses, the same steps run against that node.

use reqwest::cookie::CookieStore;
use tasteskjema::config::Secret;

use crate::helpers::*;

/// FIKTIV BAKERI OG KAFÉ AS (synthetic), Dina's other party.
const BAKERI: &str = "org:311800019";

/// A second portal on `a`'s database (PostgreSQL), or `a` itself (SQLite), reached with `browser`.
async fn beside(a: &TestApp, browser: &reqwest::Client) -> TestApp {
    if !a.db_url.starts_with("postgres") {
        return TestApp::elsewhere(&a.addr, browser.clone(), &a.db_url).await;
    }
    let url = a.db_url.clone();
    let mut b = spawn_app_with(move |c| c.database_url = Some(Secret::new(url))).await;
    b.client = browser.clone();
    b
}

#[tokio::test]
async fn a_session_changed_or_ended_on_one_node_is_changed_or_ended_on_another() {
    let (browser, jar) = browser_with_jar();
    let mut a = spawn_anonymous().await;
    a.client = browser.clone();
    let b = beside(&a, &browser).await;
    a.log_in(DINA, SUBSTANTIAL).await;
    a.choose_party(SKOGLY).await;
    // B reads the session (and keeps it).
    for _ in 0..3 {
        let page = b.get("/skjema/RF-1140").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("TESTSAMEIET SKOGLY"));
    }
    // Another party chosen on A is the party on B.
    a.choose_party(BAKERI).await;
    let changed = soon(async || {
        let page = b.get("/skjema/RF-1140").await;
        page.status == 200 && page.body.contains("FIKTIV BAKERI OG KAF")
    })
    .await;
    assert!(changed, "B still shows the party chosen before");
    let page = b.get("/skjema/RF-1140").await;
    assert!(!page.body.contains("TESTSAMEIET SKOGLY"));

    // A copy of the cookie taken before the logout (a stolen one) is worth nothing on B after it.
    let url: reqwest::Url = a.addr.parse().unwrap();
    let cookie = jar.cookies(&url).expect("the session cookie");
    assert!(!sent_to_log_in(&b.addr, &cookie).await);
    let r = a.post_form("/logg-ut", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ended = soon(async || sent_to_log_in(&b.addr, &cookie).await).await;
    assert!(ended, "B still serves the session that was logged out on A");
}

#[tokio::test]
async fn an_employee_logged_out_on_one_node_is_logged_out_on_another() {
    use crate::caseworker::{SIRI_FORM_OWNER, employee_login_with};
    let (browser, jar) = browser_with_jar();
    let a = spawn_anonymous().await;
    let b = beside(&a, &browser).await;
    let (c, done) = employee_login_with(&a, browser, SIRI_FORM_OWNER, "/saksbehandling").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let url: reqwest::Url = format!("{}/saksbehandling/", a.addr).parse().unwrap();
    let cookie = jar.cookies(&url).expect("the employee's cookie");
    let home = format!("{}/saksbehandling", b.addr);
    let on_b = async || get_with_cookie(&home, &cookie).await.status().as_u16();
    // B reads the session (and keeps it).
    assert_eq!(on_b().await, 200);
    assert_eq!(on_b().await, 200);
    let out = a
        .post_raw_with(&c, "/saksbehandling/logg-ut", Vec::new(), &[])
        .await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert!(
        soon(async || on_b().await == 303).await,
        "B still serves the employee logged out on A"
    );
}
