//! Personal data kept only as long as needed: the retention job.

use std::sync::Arc;

use tasteskjema::clock::now_ms;
use tasteskjema::form::Lang;
use tasteskjema::intake::retention::{Periods, Retention};

use crate::api::{PATH, SAMEIE, SCOPE, key, melding, post};
use crate::helpers::{TestApp, count, execute, forms_dir, spawn_logged_in_with};

const DAY: i64 = 24 * 60 * 60 * 1000;
const YEAR: i64 = 365 * DAY + DAY / 4;

fn job(app: &TestApp) -> Retention {
    Retention::new(
        app.store.clone(),
        Arc::new(tasteskjema::load_catalog(&forms_dir()).unwrap()),
        Periods {
            draft_days: 90,
            submission_years: 10,
            audit_years: 10,
        },
    )
}

fn draft_id(page: &str) -> &str {
    page.split('/').nth(3).unwrap()
}

#[tokio::test]
async fn drafts_past_their_days_go_with_their_files_and_mine_utkast_says_when() {
    let files = tempfile::tempdir().unwrap();
    let dir = files.path().to_path_buf();
    let app = spawn_logged_in_with(move |c| c.attachment_dir = Some(dir)).await;
    // A «Skriv til oss» draft with a file (the portal's 90 days), a customs draft (its area
    // keeps drafts 30 days), and an RF-1140 draft (90 days).
    let old = crate::attachments::drafted(&app, "skriv-til-oss").await;
    assert_eq!(
        std::fs::read_dir(files.path()).unwrap().count(),
        1,
        "the file is kept on disk"
    );
    let toll = app.start("RF-1344").await;
    let fresh = app.start("RF-1140").await;
    // «Mine utkast» tells when each will be deleted.
    let now = now_ms();
    let page = app.get("/utkast").await;
    assert_eq!(page.status, 200);
    for days in [90, 30] {
        let when = tasteskjema::i18n::day(now + days * DAY, Lang::Nb);
        assert!(
            page.body.contains(&format!("<td>{when}</td>")),
            "{when}: {}",
            page.body
        );
    }
    assert!(page.body.contains("<th scope=\"col\">Slettes</th>"));
    // Left unsaved: 91 days, 31 days, 89 days.
    for (id, days) in [
        (old.draft.as_str(), 91),
        (draft_id(&toll), 31),
        (draft_id(&fresh), 89),
    ] {
        execute(
            &app,
            &format!(
                "UPDATE drafts SET updated_at = {} WHERE id = '{id}'",
                now - days * DAY
            ),
        )
        .await;
    }
    let report = job(&app).run(now_ms()).await.unwrap();
    assert_eq!(report.drafts, 2, "{report:?}");
    let gone = |id: String| {
        let app = &app;
        async move {
            app.store
                .draft_without_owner_check(&id)
                .await
                .unwrap()
                .is_none()
        }
    };
    assert!(gone(old.draft.clone()).await);
    assert!(gone(draft_id(&toll).to_owned()).await);
    assert!(!gone(draft_id(&fresh).to_owned()).await, "89 days: kept");
    // The file went with its draft, from the database and the disk.
    assert!(
        app.store
            .attachments_of_holder(&old.draft)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(std::fs::read_dir(files.path()).unwrap().count(), 0);
    // The person's audit trail says so.
    let expired = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'draft.expired' AND person = '{}'",
            crate::helpers::DINA
        ),
    )
    .await;
    assert_eq!(expired, 2);
    // Nothing is left to do.
    assert_eq!(job(&app).run(now_ms()).await.unwrap().drafts, 0);
}

#[tokio::test]
async fn submissions_go_after_their_years_once_delivered_and_old_audit_rows_with_them() {
    let app = spawn_logged_in_with(|_| {}).await;
    let token = app.token(SAMEIE, SCOPE);
    let delivered = post(&app, PATH, Some(&token), Some(&key()), &melding("Gammel-1")).await;
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    let waiting = post(&app, PATH, Some(&token), Some(&key()), &melding("Gammel-2")).await;
    assert_eq!(waiting.status, 200);
    // Every delivery of both done; then one job of the second is waiting again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while count(&app, "SELECT COUNT(*) FROM outbox WHERE state <> 'done'").await > 0
        || count(&app, "SELECT COUNT(*) FROM outbox").await < 8
    {
        assert!(std::time::Instant::now() < deadline, "deliveries not done");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    execute(
        &app,
        "UPDATE outbox SET state = 'pending', next_at = 9999999999999 WHERE id = \
         (SELECT MAX(id) FROM outbox)",
    )
    .await;
    // Both received eleven years ago; an audit row from eleven years ago too.
    let now = now_ms();
    execute(
        &app,
        &format!("UPDATE submissions SET created_at = {}", now - 11 * YEAR),
    )
    .await;
    execute(
        &app,
        &format!(
            "INSERT INTO audit_log (at, event, owner, subject, request_id) \
             VALUES ({}, 'draft.saved', 'x|y', 'gammel', 'r')",
            now - 11 * YEAR
        ),
    )
    .await;
    let report = job(&app).run(now).await.unwrap();
    assert_eq!(
        report.submissions, 1,
        "the one whose deliveries are done: {report:?}"
    );
    assert_eq!(report.audit, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox").await,
        4,
        "the deleted submission's jobs went with it"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE subject = 'gammel'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'submission.expired'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_audit_log_keeps_its_last_year_whatever_is_asked() {
    let app = spawn_logged_in_with(|_| {}).await;
    let before = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    assert!(before > 0, "the login is audited");
    // Asked to delete everything up to now: the database refuses rows younger than a year.
    assert!(app.store.delete_audit_before(now_ms() + 1).await.is_err());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, before);
}

#[tokio::test]
async fn two_nodes_asking_at_once_run_retention_once_with_one_audit_row() {
    let app = spawn_logged_in_with(|_| {}).await;
    let runs = || {
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'retention.run'",
        )
    };
    // The app's own job ran at start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while runs().await == 0 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let first = runs().await;
    execute(
        &app,
        "UPDATE periodic_jobs SET next_at = 0, locked_until = 0",
    )
    .await;
    let (a, b) = (job(&app), job(&app));
    let (ra, rb) = tokio::join!(a.run_if_due(), b.run_if_due());
    let ran: Vec<_> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "one of the two ran it");
    assert_eq!(runs().await, first + 1);
    // Not due again until the next hour.
    assert!(a.run_if_due().await.unwrap().is_none());
    let (at, summary) = app.store.periodic_last("retention").await.unwrap().unwrap();
    assert!(now_ms() - at < 60_000);
    assert!(summary.starts_with("drafts="), "{summary}");
}

/// Runs `tasteskjema audit export ARGS` on the app's database.
fn audit_export(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TASTESKJEMA_DATABASE_URL", &app.db_url)
        .env("TASTESKJEMA_DATA_DIR", &app.data_dir)
        .env("TASTESKJEMA_FORMS_DIR", forms_dir())
        .args(["audit", "export"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn audit_export_writes_a_period_as_json_lines_for_a_person_or_a_party() {
    let app = spawn_logged_in_with(|_| {}).await;
    app.start("RF-1140").await;
    // Days as the export reads them: in Oslo.
    let date = tasteskjema::i18n::oslo(time::OffsetDateTime::now_utc()).date();
    let (today, tomorrow) = (date.to_string(), date.next_day().unwrap().to_string());
    let lines = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    };
    // The person's rows: the login, the party chosen, the draft started.
    let (ok, out, err) = audit_export(
        &app,
        &[
            "--from",
            &today,
            "--to",
            &today,
            "--person",
            crate::helpers::DINA,
        ],
    );
    assert!(ok, "{err}");
    let rows = lines(&out);
    let events: Vec<&str> = rows.iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"login"), "{events:?}");
    assert!(events.contains(&"draft.started"), "{events:?}");
    assert!(rows.iter().all(|r| r["person"] == crate::helpers::DINA));
    assert!(
        rows.iter()
            .all(|r| r["at"].as_str().unwrap().ends_with('Z'))
    );
    // The party's rows only: what was done for TESTSAMEIET SKOGLY.
    let (ok, out, _) = audit_export(
        &app,
        &["--from", &today, "--to", &today, "--party", "819 897 522"],
    );
    assert!(ok);
    let rows = lines(&out);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["party"] == "org:819897522"), "{out}");
    assert!(rows.len() < events.len(), "the login was not for the party");
    // Another period: nothing.
    let (ok, out, _) = audit_export(&app, &["--from", &tomorrow, "--to", &tomorrow]);
    assert!(ok);
    assert_eq!(out, "");
    // Bad input is named.
    let (ok, _, err) = audit_export(&app, &["--from", "6.12.2026", "--to", &today]);
    assert!(!ok);
    assert!(
        err.contains("is not a date (2026-12-06) or an RFC 3339 time"),
        "{err}"
    );
    let (ok, _, err) = audit_export(
        &app,
        &["--from", &today, "--to", &today, "--party", "12345"],
    );
    assert!(!ok);
    assert!(err.contains("is not an organisation number"), "{err}");
}
