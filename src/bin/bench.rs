//! `cargo run --release --bin bench`: the figures in BENCHMARKS.md, measured on this machine.
//!
//! `bench api [TOTAL] [CONCURRENCY]` measures API submissions of an RF-1140 document with 100
//! owner rows through the whole intake, on SQLite and (when `TASTESKJEMA_BENCH_DATABASE_URL`
//! names a PostgreSQL server) on PostgreSQL, beside the database's own insert ceiling.
//!
//! `bench hello 127.0.0.1:PORT` instead serves a trivial `GET /` → "hello" on the same kind of
//! runtime as the portal (multi-threaded tokio, axum), printing `hello is running: open
//! http://ADDR/` once it listens: the ceiling that `bench/load.py` compares the portal with.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tasteskjema::config::Config;
use tasteskjema::form::{Context, Lang, Scope, validate::validate};

fn forms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("forms")
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// An RF-1140 document with `n` owner rows (synthetic organisation owners) and matching sums.
fn document(n: usize) -> Value {
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "oppgaveeier": { "organisasjonsnummer": "800877830", "navn": format!("EIER {i} AS") },
                "matrikkelnummer": { "kommunenummer": "1554", "gaardsnummer": 91, "bruksnummer": 227, "seksjonsnummer": (i % 9999) + 1 },
                "eiertid": { "start": "0101", "slutt": "3112" },
                "andelSkattepliktigeInntekter": 100, "andelFradragsberettigedeKostnader": 50,
                "andelFormue": 1000, "andelGjeld": 500
            })
        })
        .collect();
    let n64 = n as i64;
    json!({ "leveranse": {
        "inntektsaar": 2025, "leveransetype": "ordinaer", "kildesystem": "Tasteskjema",
        "oppgavegiver": { "organisasjonsnummer": "819897522" },
        "oppgave": rows,
        "oppgaveoppsummering": {
            "antallOppgaver": n64, "sumAndelSkattepliktigeInntekter": 100 * n64,
            "sumAndelFradragsberettigedeKostnader": 50 * n64, "sumAndelFormue": 1000 * n64, "sumAndelGjeld": 500 * n64
        }
    }})
}

/// Serves `GET /` → "hello" until the process is stopped.
fn hello(listen: &str) {
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    rt.block_on(async {
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .unwrap_or_else(|e| panic!("binding {listen}: {e}"));
        let addr = listener.local_addr().expect("a local address");
        println!("hello is running: open http://{addr}/");
        axum::serve(listener, app).await.expect("serving");
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("api") {
        let total = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
        let concurrency = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
        api_bench(total, concurrency);
        return;
    }
    if args.first().map(String::as_str) == Some("hello") {
        hello(args.get(1).map_or("127.0.0.1:0", String::as_str));
        return;
    }
    println!(
        "Tasteskjema benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // 1. Start-up: load and check every form, open the database, migrate, build the app.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        forms_dir: forms_dir(),
        ..Config::default()
    };
    let t = Instant::now();
    let catalog = tasteskjema::load_catalog(&config.forms_dir).unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let app = rt.block_on(tasteskjema::build(&config)).unwrap();
    let build = t.elapsed();
    drop(app);
    println!(
        "start-up: forms loaded and checked in {}, whole app (forms + SQLite + migrations) in {}  [target < 300 ms]",
        ms(load),
        ms(build)
    );

    // 2. Render of an RF-1140 page (the owners page with three rows).
    let form = catalog.latest("RF-1140").unwrap();
    let doc = document(3);
    let (pi, _) = form.page("oppgaver").unwrap();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..2000 {
        let t = Instant::now();
        let html = tasteskjema::web::forms::render_page(form, pi, &doc, Lang::Nb);
        times.push(t.elapsed());
        bytes = html.len();
    }
    println!(
        "render RF-1140 page 'oppgaver' (3 rows, {bytes} bytes): p50 {}, p99 {}  [target p50 < 1 ms]",
        ms(percentile(&mut times, 0.5)),
        ms(percentile(&mut times, 0.99))
    );
    let (p1, _) = form.page("om-leveransen").unwrap();
    let mut times = Vec::new();
    for _ in 0..2000 {
        let t = Instant::now();
        let html = tasteskjema::web::forms::render_page(form, p1, &doc, Lang::Nb);
        times.push(t.elapsed());
        bytes = html.len();
    }
    println!(
        "render RF-1140 page 'om-leveransen' ({bytes} bytes): p50 {}, p99 {}",
        ms(percentile(&mut times, 0.5)),
        ms(percentile(&mut times, 0.99))
    );

    // 3. Full validation of a 10 000-row document.
    let big = document(10_000);
    let ctx = Context::default();
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let errs = validate(form, &big, Scope::All, &ctx);
        times.push(t.elapsed());
        assert!(errs.is_empty(), "{:?}", errs.first());
    }
    println!(
        "validate RF-1140 with 10 000 rows (all pages, rules, sums): p50 {}, max {}  [target < 50 ms]",
        ms(percentile(&mut times, 0.5)),
        ms(percentile(&mut times, 1.0))
    );

    // 4. Peak memory of the idle server: the release binary, started as a user would.
    let exe = std::env::current_exe()
        .unwrap()
        .with_file_name("tasteskjema");
    if !exe.exists() {
        println!("idle memory: build the server first (cargo build --release)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let spawned = Instant::now();
    let mut child = Command::new(&exe)
        .env("TASTESKJEMA_LISTEN", "127.0.0.1:0")
        .env("TASTESKJEMA_DATA_DIR", data.path())
        .env("TASTESKJEMA_FORMS_DIR", forms_dir())
        .env("TASTESKJEMA_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    println!(
        "start-up of the release binary, exec to listening (forms, SQLite, migrations): {}  [target < 300 ms]",
        ms(spawned.elapsed())
    );
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    for path in [
        "/",
        "/skjema/RF-1140",
        "/skjema/RF-1139",
        "/utkast",
        "/healthz",
    ] {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    println!(
        "idle server after serving each page once: peak RSS (VmHWM) {}, now (VmRSS) {}  [target < 50 MB]",
        field("VmHWM:"),
        field("VmRSS:")
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `total` requests, `concurrency` at a time, of `one(i)`; returns the wall time and each
/// request's latency.
async fn drive<F, Fut>(total: usize, concurrency: usize, one: F) -> (Duration, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = Arc::new(AtomicUsize::new(0));
    let one = Arc::new(one);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, one) = (next.clone(), one.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    break lat;
                }
                let t = Instant::now();
                one(i).await;
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    (start.elapsed(), all)
}

fn report(what: &str, total: usize, wall: Duration, lat: &mut [Duration]) {
    println!(
        "  {what}: {:.0}/s  (p50 {}, p99 {})",
        total as f64 / wall.as_secs_f64(),
        ms(percentile(lat, 0.50)),
        ms(percentile(lat, 0.99))
    );
}

/// The database the ceiling is measured on.
#[derive(Clone)]
enum Ceiling {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Ceiling {
    /// Runs `sql` in its own transaction, binding a new id and `doc` when given.
    async fn run(&self, sql: &str, doc: Option<&str>) {
        let id = uuid::Uuid::new_v4().to_string();
        match self {
            Ceiling::Sqlite(p) => {
                let q = sqlx::query(sql);
                let q = match doc {
                    Some(d) => q.bind(id).bind(d),
                    None => q,
                };
                q.execute(p).await.unwrap();
            }
            Ceiling::Postgres(p) => {
                let q = sqlx::query(sql);
                let q = match doc {
                    Some(d) => q.bind(id).bind(d),
                    None => q,
                };
                q.execute(p).await.unwrap();
            }
        }
    }
}

/// API submissions per second through the whole intake, and the database's insert ceiling.
fn api_bench(total: usize, concurrency: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut doc = document(100);
        doc["leveranse"]["oppgavegiver"]["kontaktinformasjon"] =
            json!({"navn": "Kari Testperson", "telefonnummer": "22222222"});
        let body = doc.to_string();
        println!(
            "API: POST /api/innrapportering/boligsameie/v1/2025, RF-1140 with 100 owner rows ({} bytes), {total} requests, {concurrency} at a time",
            body.len()
        );
        let mut backends: Vec<(&str, Option<String>)> = vec![("SQLite", None)];
        let mut admin = None;
        if let Ok(url) = std::env::var("TASTESKJEMA_BENCH_DATABASE_URL") {
            use sqlx::Connection;
            let name = format!("ts_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b).to_owned();
            backends.push(("PostgreSQL", Some(format!("{base}/{name}"))));
            admin = Some((url, name));
        }
        for (name, db) in backends {
            let dir = tempfile::tempdir().unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let config = Config {
                listen: listener.local_addr().unwrap(),
                data_dir: dir.path().to_path_buf(),
                database_url: db.clone().map(tasteskjema::config::Secret::new),
                forms_dir: forms_dir(),
                log_filter: "error".into(),
                db_max_connections: 16,
                // The intake alone: the deliveries it queues wait in the outbox (counted below),
                // so that one backend's deliveries do not run during the next one's measurement.
                outbox_workers: 0,
                ..Config::default()
            };
            let url = format!("http://{}", config.listen);
            let app = tasteskjema::build(&config).await.unwrap();
            let store = app.store.clone();
            tokio::spawn(async move {
                axum::serve(listener, app.router).await.unwrap();
            });
            let token = tasteskjema::dev::maskinporten::system_user_token(
                &format!("{url}/dev/maskinporten/"),
                &tasteskjema::load_catalog(&forms_dir()).unwrap(),
                "819897522",
                "skatteetaten:innrapporteringboligsameie",
            )
            .unwrap();
            let http = reqwest::Client::new();
            let post = {
                let (http, url, token, body) = (http.clone(), url.clone(), token.clone(), body.clone());
                move |_i: usize| {
                    let (http, url, token, body) = (http.clone(), url.clone(), token.clone(), body.clone());
                    async move {
                        let r = http
                            .post(format!("{url}/api/innrapportering/boligsameie/v1/2025"))
                            .bearer_auth(&token)
                            .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap_or_default());
                    }
                }
            };
            drive(50, concurrency, post.clone()).await;
            println!("{name}:");
            let (wall, mut lat) = drive(total, concurrency, post).await;
            report("API submissions (validate, PDP, one transaction with receipt, jobs and audit)", total, wall, &mut lat);
            let open = store.open_jobs(100_000).await.unwrap().len();
            println!("  deliveries waiting in the outbox afterwards: {open}");
            // The same database's ceiling: one-row insert transactions of the same document.
            let canonical = tasteskjema::intake::canonical::canonical(&doc);
            let pool = match &db {
                None => Ceiling::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(16)
                        .connect_with(
                            sqlx::sqlite::SqliteConnectOptions::new()
                                .filename(dir.path().join("tasteskjema.db"))
                                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                                .busy_timeout(Duration::from_secs(10)),
                        )
                        .await
                        .unwrap(),
                ),
                Some(u) => Ceiling::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(16)
                        .connect(u)
                        .await
                        .unwrap(),
                ),
            };
            pool.run("CREATE TABLE bench_ceiling (id TEXT PRIMARY KEY, doc TEXT NOT NULL)", None)
                .await;
            let doc = canonical.clone();
            let ceiling = drive(total, concurrency, move |_| {
                let (pool, doc) = (pool.clone(), doc.clone());
                async move {
                    pool.run("INSERT INTO bench_ceiling (id, doc) VALUES ($1, $2)", Some(&doc))
                        .await;
                }
            })
            .await;
            let (wall, mut lat) = ceiling;
            report("database ceiling (one-row insert transactions of the same document)", total, wall, &mut lat);
        }
        if let Some((url, name)) = admin {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    });
}
