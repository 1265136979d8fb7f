//! What an operator relies on: `/metrics` on its own listener, `/livez`, `/readyz`.

use crate::api::{PATH, SAMEIE, SCOPE, key, melding, post};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Every sample of `name` whose labels include all of `labels`, summed (None: no such sample).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (n, rest) = series.split_once('{').unwrap_or((series, ""));
        if n != name
            || !labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        {
            continue;
        }
        *found.get_or_insert(0.0) += value.parse::<f64>().unwrap();
    }
    found
}

async fn scrape(app: &TestApp) -> String {
    let at = app.metrics.expect("metrics_listen is set");
    let r = reqwest::get(format!("http://{at}/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    r.text().await.unwrap()
}

async fn with_metrics() -> TestApp {
    spawn_app_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = spawn_app().await;
    assert!(
        app.metrics.is_none(),
        "no metrics listener unless configured"
    );
    assert_eq!(app.get("/metrics").await.status, 404);
    let app = with_metrics().await;
    assert_eq!(
        app.get("/metrics").await.status,
        404,
        "never on the public port"
    );
    let text = scrape(&app).await;
    assert!(text.contains("tasteskjema_db_connections"), "{text}");
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status_without_identifiers() {
    let app = with_metrics().await;
    app.log_in(crate::helpers::DINA, crate::helpers::SUBSTANTIAL)
        .await;
    app.choose_party(crate::helpers::SKOGLY).await;
    let draft = app.start("RF-1140").await;
    assert_eq!(app.get(&draft).await.status, 200);
    assert_eq!(app.get("/no/such/page").await.status, 404);
    let text = scrape(&app).await;
    let route = "/skjema/{form}/{draft}/{page}";
    assert!(
        sample(
            &text,
            "tasteskjema_http_requests_total",
            &[("method", "GET"), ("route", route), ("status", "200")]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "tasteskjema_http_request_duration_seconds_count",
            &[("route", route)]
        )
        .is_some_and(|n| n >= 1.0)
    );
    assert!(
        sample(
            &text,
            "tasteskjema_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        )
        .is_some_and(|n| n >= 1.0)
    );
    // No label carries the draft's id, the person or the party.
    let id = draft.split('/').nth(3).unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{draft}");
    for secret in [
        id,
        crate::helpers::DINA,
        crate::helpers::SKOGLY,
        "/no/such/page",
    ] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
    // The login and the session it made.
    assert!(
        sample(
            &text,
            "tasteskjema_logins_total",
            &[("side", "business"), ("outcome", "ok")]
        )
        .is_some_and(|n| n >= 1.0)
    );
    assert!(
        sample(&text, "tasteskjema_sessions_live", &[("side", "business")])
            .is_some_and(|n| n >= 1.0),
        "{text}"
    );
}

#[tokio::test]
async fn submissions_and_the_outbox_are_counted_by_form_channel_and_outcome() {
    let app = with_metrics().await;
    let token = app.token(SAMEIE, SCOPE);
    let k = key();
    let a = post(&app, PATH, Some(&token), Some(&k), &melding("Drift-1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let again = post(&app, PATH, Some(&token), Some(&k), &melding("Drift-1")).await;
    assert_eq!(again.status, 200);
    let text = scrape(&app).await;
    let counted = |outcome: &str| {
        sample(
            &text,
            "tasteskjema_submissions_total",
            &[
                ("form", "RF-1140"),
                ("channel", "api"),
                ("outcome", outcome),
            ],
        )
        .unwrap_or(0.0)
    };
    assert!(
        sample(&text, "tasteskjema_metrics_read_failures_total", &[]).is_none(),
        "every figure was read: {text}"
    );
    assert!(counted("received") >= 1.0, "{text}");
    assert!(counted("repeated") >= 1.0, "{text}");
    // Every job kind and state has its series, at 0 when there is none.
    for kind in ["domain", "dialogporten"] {
        for state in ["pending", "parked"] {
            assert!(
                sample(
                    &text,
                    "tasteskjema_outbox_jobs",
                    &[("kind", kind), ("state", state)]
                )
                .is_some(),
                "{kind} {state}: {text}"
            );
        }
        assert!(
            sample(
                &text,
                "tasteskjema_outbox_oldest_pending_seconds",
                &[("kind", kind)]
            )
            .is_some()
        );
    }
    // The workers deliver: the attempts are counted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let text = scrape(&app).await;
        if sample(
            &text,
            "tasteskjema_outbox_attempts_total",
            &[("kind", "domain"), ("outcome", "done")],
        )
        .is_some_and(|n| n >= 1.0)
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn livez_answers_and_readyz_names_each_check() {
    let app = spawn_app().await;
    let live = app.get("/livez").await;
    assert_eq!((live.status, live.body.as_str()), (200, "ok\n"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    for line in ["database: ok", "migrations: ok", "forms: ok ("] {
        assert!(ready.body.contains(line), "{line} in {}", ready.body);
    }
    assert!(!ready.body.contains("clamd"), "clamd is not configured");
    // /healthz is the same check under its older name.
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body), (200, ready.body));
}

#[tokio::test]
async fn readyz_fails_while_clamd_or_a_migration_is_missing() {
    // A port nothing listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("tcp://{}", free.local_addr().unwrap());
    drop(free);
    let app = spawn_app_with(move |c| c.clamd = Some(dead)).await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(
        ready.body.contains("clamd: failed (no answer)"),
        "{}",
        ready.body
    );
    assert!(ready.body.contains("database: ok"), "{}", ready.body);
    // The process itself still answers: an orchestrator must not restart it for this.
    assert_eq!(app.get("/livez").await.status, 200);

    let app = spawn_app().await;
    crate::helpers::execute(
        &app,
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(
        ready.body.contains("migrations: failed (1 not applied)"),
        "{}",
        ready.body
    );
}

/// Starts the binary with `vars`, asks for `/` once it listens, stops it, and returns all it
/// wrote (standard output, then standard error).
fn run_and_ask(vars: &[(&str, &str)]) -> (String, String) {
    use std::io::{BufRead as _, BufReader};
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TASTESKJEMA_FORMS_DIR", crate::helpers::forms_dir())
        .env("TASTESKJEMA_DATA_DIR", data.path())
        .env("TASTESKJEMA_LISTEN", "127.0.0.1:0")
        .env("TASTESKJEMA_SFTP_LISTEN", "127.0.0.1:0")
        .envs(vars.iter().copied())
        .current_dir(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "it stopped: {seen}");
        seen.push_str(&line);
        if let Some(at) = line.find("open http://") {
            let rest = &line[at + "open http://".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ':'))
                .unwrap_or(rest.len());
            break rest[..end].to_owned();
        }
    };
    // One plain HTTP/1.1 request.
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut conn,
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut conn, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The request's line is written as its response goes out; give it a moment, then stop.
    std::thread::sleep(std::time::Duration::from_millis(300));
    unsafe_terminate(child.id());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    child.wait().unwrap();
    (seen + &rest, err)
}

/// SIGTERM, as an orchestrator stops a container.
fn unsafe_terminate(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn in_json_mode_every_line_is_json_and_each_request_has_its_line() {
    let (out, err) = run_and_ask(&[("TASTESKJEMA_LOG_FORMAT", "json")]);
    let all = format!("{out}{err}");
    assert!(!all.contains('\u{1b}'), "no terminal colours: {all}");
    let lines: Vec<serde_json::Value> = all
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().any(|l| {
        l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Tasteskjema is running: open http://"))
    }));
    let request = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request" && l["fields"]["route"] == "/")
        .unwrap_or_else(|| panic!("no line for GET /: {all}"));
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["fields"]["status"], 200);
    assert_eq!(request["fields"]["method"], "GET");
    assert!(request["fields"]["duration_ms"].as_f64().is_some());
    let id = request["fields"]["request_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok() || id.len() >= 16, "{id}");
}

#[test]
fn pretty_lines_have_no_colours_when_not_written_to_a_terminal() {
    let (out, err) = run_and_ask(&[]);
    let all = format!("{out}{err}");
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(all.contains("route=/ status=200"), "{all}");
}

/// Another connection holding the write lock (SQLite) or an exclusive lock on `table`
/// (PostgreSQL) until it is dropped: to the portal, a database that has stopped answering.
pub(crate) async fn hold_lock(app: &TestApp, table: &str) -> Box<dyn std::any::Any> {
    use sqlx::{Connection as _, Executor as _};
    if app.db_url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
        c.execute("BEGIN EXCLUSIVE").await.unwrap();
        Box::new(c)
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
        c.execute("BEGIN").await.unwrap();
        c.execute(format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE").as_str())
            .await
            .unwrap();
        Box::new(c)
    }
}

#[tokio::test]
async fn a_silent_database_is_answered_503_with_retry_after_and_nothing_half_done() {
    let app = spawn_app_with(|c| c.request_timeout_s = 1).await;
    // The API: 503 with Retry-After in the API's own error shape.
    let token = app.token(SAMEIE, SCOPE);
    let k = key();
    let lock = hold_lock(&app, "submissions").await;
    let started = std::time::Instant::now();
    let a = post(&app, PATH, Some(&token), Some(&k), &melding("Stille-1")).await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    assert_eq!(a.body["kode"], "GLD_001");
    assert!(a.body["melding"].as_str().unwrap().contains("igjen"));
    drop(lock);
    // Sent again with the same key once the database answers: stored once.
    let b = post(&app, PATH, Some(&token), Some(&k), &melding("Stille-1")).await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(
        crate::helpers::count(&app, "SELECT COUNT(*) FROM submissions").await,
        1
    );

    // A page: the 503 page in the person's language, with Retry-After, and the draft as it was.
    app.log_in(crate::helpers::DINA, crate::helpers::SUBSTANTIAL)
        .await;
    app.choose_party(crate::helpers::SKOGLY).await;
    let page = app.start("RF-1140").await;
    app.get("/?lang=en").await;
    let version = app.version(&page).await;
    let lock = hold_lock(&app, "drafts").await;
    let r = app
        .client
        .post(format!("{}{page}", app.addr))
        .form(&[
            ("_version", version.as_str()),
            ("_action", "save"),
            ("leveranse.oppgavegiversLeveranseReferanse", "Stille"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body = r.text().await.unwrap();
    assert!(body.contains("<html lang=\"en\">"), "{body}");
    assert!(
        body.contains("The service is unavailable for the moment"),
        "{body}"
    );
    drop(lock);
    // Nothing of the cut-off save was kept; the same save now works.
    let r = app
        .post_page(
            &page,
            "save",
            &[("leveranse.oppgavegiversLeveranseReferanse", "Stille")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.version(&page).await,
        (version.parse::<i64>().unwrap() + 1).to_string()
    );
}

#[tokio::test]
async fn a_statement_past_its_time_limit_is_answered_503() {
    let app = spawn_app_with(|c| c.db_statement_timeout_s = 1).await;
    if !app.db_url.starts_with("postgres") {
        // SQLite has no statement limit; its busy wait ends in the same 503 after 10 s, which
        // `a_silent_database_…` covers through the request limit.
        return;
    }
    let token = app.token(SAMEIE, SCOPE);
    let lock = hold_lock(&app, "submissions").await;
    let started = std::time::Instant::now();
    let a = post(&app, PATH, Some(&token), Some(&key()), &melding("Treg-1")).await;
    drop(lock);
    assert_eq!(a.status, 503, "{}", a.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(a.body["kode"], "GLD_001");
}

/// A trace collector as OpenTelemetry's speaks OTLP/HTTP: it keeps each export's body.
async fn collector() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use axum::routing::post;
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                assert_eq!(headers["content-type"], "application/json");
                keep.lock()
                    .unwrap()
                    .push(serde_json::from_slice::<serde_json::Value>(&body).unwrap());
                axum::Json(serde_json::json!({}))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// Every span the collector has received.
fn spans(got: &std::sync::Mutex<Vec<serde_json::Value>>) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    for export in got.lock().unwrap().iter() {
        for rs in export["resourceSpans"].as_array().unwrap() {
            assert_eq!(
                rs["resource"]["attributes"][0]["value"]["stringValue"],
                "tasteskjema"
            );
            for ss in rs["scopeSpans"].as_array().unwrap() {
                all.extend(ss["spans"].as_array().unwrap().iter().cloned());
            }
        }
    }
    all
}

fn attribute<'a>(span: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    let attrs = span["attributes"].as_array().unwrap();
    let a = attrs.iter().find(|a| a["key"] == key).unwrap();
    &a["value"]
}

#[tokio::test]
async fn requests_are_exported_as_spans_continuing_the_callers_trace() {
    let (url, got) = collector().await;
    let app = spawn_app_with(|c| c.otlp_endpoint = Some(url.clone())).await;
    let http = reqwest::Client::new();
    let (trace, parent) = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    let unsampled = "4bf92f3577b34da6a3ce929d0e0e4736";
    let send = |path: &str, traceparent: Option<String>| {
        let mut r = http.get(format!("{}{path}", app.addr));
        if let Some(t) = traceparent {
            r = r.header("traceparent", t);
        }
        r.send()
    };
    assert_eq!(
        send("/livez", Some(format!("00-{trace}-{parent}-01")))
            .await
            .unwrap()
            .status(),
        200
    );
    // A path with an identifier in it: the span names its route template only.
    assert_eq!(
        send(
            "/static/no-such-file-12837810092.css",
            Some(format!("00-{trace}-{parent}-01"))
        )
        .await
        .unwrap()
        .status(),
        404
    );
    send("/livez", Some(format!("00-{unsampled}-{parent}-00")))
        .await
        .unwrap();
    send("/readyz", None).await.unwrap();
    let mut all = Vec::new();
    for _ in 0..100 {
        all = spans(&got);
        if all.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let text = serde_json::to_string(&all).unwrap();
    assert_eq!(all.len(), 3, "{text}");
    assert!(
        !text.contains("12837810092"),
        "no identifier leaves: {text}"
    );
    assert!(
        !text.contains(unsampled),
        "the caller did not sample that trace: {text}"
    );
    let live = all.iter().find(|s| s["name"] == "GET /livez").unwrap();
    assert_eq!(live["traceId"], trace);
    assert_eq!(live["parentSpanId"], parent);
    assert_eq!(live["kind"], 2);
    assert_eq!(attribute(live, "http.route")["stringValue"], "/livez");
    assert_eq!(
        attribute(live, "http.response.status_code")["intValue"],
        "200"
    );
    let span_id = live["spanId"].as_str().unwrap();
    assert!(span_id.len() == 16 && span_id != parent, "{span_id}");
    let start: u128 = live["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
    let end: u128 = live["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
    assert!(
        start > 1_700_000_000_000_000_000 && end >= start,
        "{start} {end}"
    );
    let file = all
        .iter()
        .find(|s| s["name"] == "GET /static/{file}")
        .unwrap();
    assert_eq!(file["traceId"], trace);
    assert_eq!(
        attribute(file, "http.response.status_code")["intValue"],
        "404"
    );
    // A request with no traceparent begins a trace of its own.
    let ready = all.iter().find(|s| s["name"] == "GET /readyz").unwrap();
    assert_ne!(ready["traceId"], trace);
    assert!(ready.get("parentSpanId").is_none(), "{ready}");
}
