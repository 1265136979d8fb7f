//! `cargo run --release --bin bench`: the figures in BENCHMARKS.md, measured on this machine.
//!
//! `bench api [TOTAL] [CONCURRENCY]` measures API submissions of an RF-1140 document with 100
//! owner rows through the whole intake, on SQLite and (when `TASTESKJEMA_BENCH_DATABASE_URL`
//! names a PostgreSQL server) on PostgreSQL, beside the database's own insert ceiling.
//!
//! `bench upload [CLIENTS] [MB] [ROUNDS]` starts the release binary (`target/release/tasteskjema`,
//! built beside this one) and has CLIENTS system users at once send Klage på vedtak through the
//! API, each with a PDF of MB megabytes (default 8 × 20 MB, 3 rounds): upload throughput, and the
//! server's resident memory sampled every 5 ms, above what it used before. Then one 50 MB file
//! (to a copy of the forms where the field allows 60 MB): memory must not follow the file's size.
//!
//! `bench scale [ROWS…]` starts the release binary and sends one RF-1360 (BSU) delivery of each
//! size (default 1 000, 10 000 and 100 000 accounts, made by `dev testdata`) through the API: the
//! time to the answer, validation time per row in-process, and the server's peak resident memory
//! above what it used before, beside the body's size.
//!
//! `bench ar [N…]` starts the release binary for each N (default 100, 1 000 and 5 000) and sends
//! an aksjonærregisteroppgave (RF-1086) in steps for a company with N shareholders: the
//! hovedskjema, N underskjemaer one after another over one keep-alive connection, and the
//! confirmation: the time per underskjema, the confirmation's, and the server's peak resident
//! memory above what it used before, during the underskjemaer and during the confirmation.
//!
//! `bench files [MB] [CLIENTS] [FILES] [ROWS]` starts the release binary with SFTP on and sends
//! one RF-1140 delivery file of MB megabytes (default 50; to a copy of the forms where RF-1140
//! takes 60 MB and 200 000 owners) through the browser's upload (logged in at the built-in ID-porten) and another
//! through SFTP with Debian's OpenSSH `sftp`: the time to the receipt and the server's peak resident
//! memory above what it used before. Then CLIENTS `sftp` clients at once (default 16) each put
//! FILES files (default 50) of ROWS rows (default 1 000), all different: files taken per second.
//!
//! `bench delivery [SECONDS] [CONCURRENCY] [ROWS]` starts the release binary with its outbox
//! workers and built-in stand-ins (a fresh PostgreSQL database when
//! `TASTESKJEMA_BENCH_DATABASE_URL` names a server, else SQLite) and sends RF-1140 deliveries of
//! ROWS owner rows (default 100) through the API from CONCURRENCY clients (default 32) for
//! SECONDS (default 60): accepted per second, delivered per second (to the domain system and to
//! Dialogporten), the backlog every five seconds, and how long after the burst the backlog is gone.
//!
//! `bench soak [MINUTES] [ROUNDS/S]` starts the release binary as a user does (SQLite, the
//! built-in stand-ins, outbox workers) and for MINUTES (default 30) runs ROUNDS rounds a second
//! (default 10), steadily: in each, a logged-in person reads a form page and autosaves it; every
//! 5th round an end-user system sends an RF-1140 through the API, every 10th a complaint with a
//! PDF (multipart), every 50th the person starts a new draft. Every 30 s: the server's own
//! (anonymous) resident memory, the data directory's size, what is stored, and every error so far
//! (any answer but the expected one counts). The run fails if anything failed.
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

/// The portal's allocator, so that the hello route (the ceiling) is measured as the portal runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    if args.first().map(String::as_str) == Some("upload") {
        let clients = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
        let mb = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);
        let rounds = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(3);
        upload_bench(clients, mb, rounds);
        return;
    }
    if args.first().map(String::as_str) == Some("api") {
        let total = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
        let concurrency = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
        api_bench(total, concurrency);
        return;
    }
    if args.first().map(String::as_str) == Some("scale") {
        let sizes: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
        scale_bench(if sizes.is_empty() {
            &[1_000, 10_000, 100_000]
        } else {
            &sizes
        });
        return;
    }
    if args.first().map(String::as_str) == Some("ar") {
        let sizes: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
        ar_bench(if sizes.is_empty() {
            &[100, 1_000, 5_000]
        } else {
            &sizes
        });
        return;
    }
    if args.first().map(String::as_str) == Some("files") {
        let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
        files_bench(n(1, 50), n(2, 16), n(3, 50), n(4, 1_000));
        return;
    }
    if args.first().map(String::as_str) == Some("delivery") {
        let n = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
        delivery_bench(n(1, 60), n(2, 32) as usize, n(3, 100) as usize);
        return;
    }
    if args.first().map(String::as_str) == Some("soak") {
        let n = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
        soak_bench(n(1, 30), n(2, 10));
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
            let (name, db) = bench_database(&url).await;
            backends.push(("PostgreSQL", Some(db)));
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
                    async move { post_boligsameie(&http, &url, &token, body).await }
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
            drop_bench_database(&url, &name).await;
        }
    });
}

/// A PDF of exactly `bytes` bytes: one stream of filler, with its length right.
fn pdf_of(bytes: usize) -> Vec<u8> {
    let head = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n";
    let tail = b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let fixed = head.len() + tail.len() + 64;
    let n = bytes.saturating_sub(fixed);
    let mut out = Vec::with_capacity(bytes);
    out.extend_from_slice(head);
    let dict = format!("3 0 obj << /Length {n:>20} >> stream\n");
    out.extend_from_slice(dict.as_bytes());
    // Filler without the characters of PDF names, so that no check finds anything in it.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(b"0123456789abcdef"[(x & 15) as usize]);
    }
    out.extend_from_slice(tail);
    while out.len() < bytes {
        out.push(b'\n');
    }
    out
}

/// The resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A figure of `/proc/<pid>/status` in KiB (`VmRSS:`, `RssAnon:` …).
fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// The database the bench's servers use (`TASTESKJEMA_BENCH_DATABASE_URL`, else SQLite).
fn database_name() -> &'static str {
    if std::env::var("TASTESKJEMA_BENCH_DATABASE_URL").is_ok() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// Samples a process's RSS every 5 ms until stopped; returns the largest seen.
struct Sampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The peaks of `VmRSS` and of `RssAnon` (memory not backed by a file: the heap, stacks).
    handle: std::thread::JoinHandle<(u64, u64)>,
    /// `RssAnon` when started.
    anon_base: u64,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let anon_base = status_kib(pid, "RssAnon:").unwrap_or(0);
        let handle = std::thread::spawn(move || {
            let (mut max, mut anon) = (0, 0);
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                max = max.max(rss_kib(pid).unwrap_or(0));
                anon = anon.max(status_kib(pid, "RssAnon:").unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            (max, anon)
        });
        Sampler {
            stop,
            handle,
            anon_base,
        }
    }

    /// The peak `VmRSS` in KiB.
    fn stop(self) -> u64 {
        self.stop_both().0
    }

    /// The peak `VmRSS` and the growth of `RssAnon` (in KiB): of the resident memory, what is
    /// not pages of a mapped file (which the kernel takes back when it needs them).
    fn stop_both(self) -> (u64, u64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (max, anon) = self.handle.join().unwrap_or((0, 0));
        (max, anon.saturating_sub(self.anon_base))
    }
}

fn upload_bench(clients: usize, mb: usize, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the forms in which Klage på vedtak takes files up to 60 MB, for the 50 MB run.
    let forms = dir.path().join("forms");
    copy_dir(&forms_dir(), &forms);
    let klage = forms.join("skatteprosessen/klage.toml");
    let text = std::fs::read_to_string(&klage).unwrap();
    let text = text
        .replace("max_file_mb = 20", "max_file_mb = 60")
        .replace("total_mb = 60", "total_mb = 120");
    std::fs::write(&klage, text).unwrap();
    let (mut child, url, _data) = start_server(&forms);
    let pid = child.id();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let token = tasteskjema::dev::maskinporten::system_user_token(
            &format!("{url}/dev/maskinporten/"),
            &tasteskjema::load_catalog(&forms).unwrap(),
            "819897522",
            "skatteetaten:tasteskjema.klage",
        )
        .unwrap();
        let http = reqwest::Client::new();
        let send = |file: axum::body::Bytes| {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            async move {
                let r = send_klage(&http, &url, &token, file).await;
                assert_eq!(r, Ok(200), "the complaint is taken");
            }
        };
        // Warm up with a small file, then measure the resident memory at rest.
        send(pdf_of(100_000).into()).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let base = rss_kib(pid).unwrap();
        let file: axum::body::Bytes = pdf_of(mb * 1_000_000).into();
        println!(
            "upload: {clients} clients at once, each sending Klage på vedtak with a {mb} MB PDF through the API (multipart), {rounds} rounds; server RSS at rest {} MB",
            base / 1024
        );
        let sampler = Sampler::start(pid);
        let t = Instant::now();
        let mut lat = Vec::new();
        for _ in 0..rounds {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..clients {
                let one = send(file.clone());
                set.spawn(async move {
                    let t = Instant::now();
                    one.await;
                    t.elapsed()
                });
            }
            while let Some(d) = set.join_next().await {
                lat.push(d.unwrap());
            }
        }
        let wall = t.elapsed();
        let peak = sampler.stop();
        let total_mb = (clients * rounds * file.len()) as f64 / 1e6;
        println!(
            "  {:.0} MB in {:.2} s: {:.1} MB/s; per upload p50 {}, max {}",
            total_mb,
            wall.as_secs_f64(),
            total_mb / wall.as_secs_f64(),
            ms(percentile(&mut lat, 0.5)),
            ms(percentile(&mut lat, 1.0)),
        );
        println!(
            "  server peak RSS {} MB, growth {:.1} MB (target < 64 MB)",
            peak / 1024,
            (peak.saturating_sub(base)) as f64 / 1024.0
        );
        // One file of 50 MB.
        let base = rss_kib(pid).unwrap();
        let big: axum::body::Bytes = pdf_of(50_000_000).into();
        let sampler = Sampler::start(pid);
        let t = Instant::now();
        send(big).await;
        let wall = t.elapsed();
        let peak = sampler.stop();
        println!(
            "  one 50 MB PDF: {:.2} s; RSS before {} MB, peak {} MB, growth {:.1} MB",
            wall.as_secs_f64(),
            base / 1024,
            peak / 1024,
            (peak.saturating_sub(base)) as f64 / 1024.0
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends Klage på vedtak through the API with `file` as its PDF (multipart); the answer's status.
async fn send_klage(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    file: axum::body::Bytes,
) -> Result<u16, String> {
    let doc = json!({
        "vedtak": {"referanse": "2026/123456", "dato": "2026-10-01", "gjelder": "skatt"},
        "klage": {"begrunnelse": "Inntekten er ført to ganger.", "endring": "Rett opp inntekten."},
        "kontakt": {"navn": "Kari Testperson"}
    });
    let part = |p: reqwest::multipart::Part, mime: &str| p.mime_str(mime).unwrap();
    let form = reqwest::multipart::Form::new()
        .part(
            "dokument",
            part(
                reqwest::multipart::Part::text(doc.to_string()),
                "application/json",
            ),
        )
        .part(
            "dokumentasjon",
            part(
                reqwest::multipart::Part::stream(file).file_name("grunnlag.pdf"),
                "application/pdf",
            ),
        );
    let r = http
        .post(format!("{url}/api/v1/skjema/klage/innsendinger"))
        .bearer_auth(token)
        .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
        .multipart(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    if status != 200 {
        eprintln!("klage: {status}: {}", r.text().await.unwrap_or_default());
    }
    Ok(status)
}

/// The release server beside this binary, on a free port with a fresh data directory and no
/// outbox workers: its process, address and data directory (kept alive by the guard).
fn start_server(forms: &std::path::Path) -> (std::process::Child, String, tempfile::TempDir) {
    start_server_with(forms, &[])
}

/// As [`start_server`], with more settings.
fn start_server_with(
    forms: &std::path::Path,
    env: &[(&str, String)],
) -> (std::process::Child, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    // A port given in `env` (a public URL made for it), else a free one.
    let port = env
        .iter()
        .find(|(k, _)| *k == "TASTESKJEMA_LISTEN")
        .and_then(|(_, v)| v.rsplit(':').next()?.parse().ok())
        .unwrap_or_else(free_port);
    let mut cmd = portal_command();
    cmd.env("TASTESKJEMA_LISTEN", format!("127.0.0.1:{port}"))
        .env("TASTESKJEMA_DATA_DIR", dir.path().join("data"))
        .env("TASTESKJEMA_FORMS_DIR", forms)
        .env("TASTESKJEMA_LOG", "error")
        .env("TASTESKJEMA_OUTBOX_WORKERS", "0");
    // SQLite in the data directory unless a PostgreSQL database is named for the bench.
    match std::env::var("TASTESKJEMA_BENCH_DATABASE_URL") {
        Ok(url) => cmd.env("TASTESKJEMA_DATABASE_URL", url),
        Err(_) => cmd.env_remove("TASTESKJEMA_DATABASE_URL"),
    };
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let (child, line) = spawn_ready(&mut cmd);
    assert!(line.contains("open http://"), "{line}");
    (child, format!("http://127.0.0.1:{port}"), dir)
}

/// The release binary beside this one (`tasteskjema`), to be given its arguments and settings.
fn portal_command() -> Command {
    let exe = std::env::current_exe()
        .expect("the bench's own path")
        .with_file_name("tasteskjema");
    assert!(
        exe.exists(),
        "build the server first: cargo build --release ({} is missing)",
        exe.display()
    );
    Command::new(exe)
}

/// Starts `cmd` and waits for its first line (it listens then); gives the process and the line.
/// Whatever else it says is read, so that it never writes into a closed pipe.
fn spawn_ready(cmd: &mut Command) -> (std::process::Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, line)
}

fn scale_bench(sizes: &[usize]) {
    use tasteskjema::form::testdata::{Ask, generate};
    let forms = forms_dir();
    let catalog = tasteskjema::load_catalog(&forms).unwrap();
    let form = catalog.latest("RF-1360").unwrap().clone();
    let (mut child, url, _dir) = start_server(&forms);
    let pid = child.id();
    let scope = "skatteetaten:innrapporteringboligsparingungdom";
    let token = tasteskjema::dev::maskinporten::system_user_token(
        &format!("{url}/dev/maskinporten/"),
        &catalog,
        "311800108",
        scope,
    )
    .unwrap();
    let ctx = tasteskjema::intake::context(Some(
        &tasteskjema::auth::altinn::PartyId::Organisation("311800108".into()),
    ));
    println!(
        "scale: one RF-1360 (BSU) delivery of each size through the API, release server on {}",
        database_name()
    );
    println!(
        "| accounts | body | read and checked in-process | per row | to the answer | server peak RSS growth | growth / body |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    for &n in sizes {
        let doc = generate(
            &form,
            &Ask {
                rows: Some(n),
                seed: 1,
                break_check: None,
            },
        )
        .expect("a valid delivery");
        let body = serde_json::to_vec(&doc).unwrap();
        drop(doc);
        // As the API reads it: one row at a time, each checked as it is read.
        let t = Instant::now();
        let read = tasteskjema::intake::rows::read(
            &form,
            axum::body::Bytes::from(body.clone()),
            &ctx,
            None,
        )
        .unwrap();
        let errors = read.validate(&form, &ctx);
        let validation = t.elapsed();
        assert!(errors.is_empty(), "{errors:?}");
        drop(read);
        std::thread::sleep(Duration::from_millis(300));
        let base = rss_kib(pid).unwrap();
        let sampler = Sampler::start(pid);
        let t = Instant::now();
        let status = rt.block_on(async {
            let r = http
                .post(format!(
                    "{url}/api/innrapportering/boligsparingungdom/v1/2025"
                ))
                .bearer_auth(&token)
                .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            assert_eq!(
                status,
                200,
                "{}",
                text.chars().take(500).collect::<String>()
            );
            status
        });
        let wall = t.elapsed();
        let peak = sampler.stop();
        let growth = peak.saturating_sub(base) as f64 / 1024.0;
        let mb = body.len() as f64 / 1e6;
        let _ = status;
        println!(
            "| {n} | {mb:.1} MB | {} | {:.1} µs | {} | {growth:.1} MB | {:.1}× |",
            ms(validation),
            validation.as_secs_f64() * 1e6 / n as f64,
            ms(wall),
            growth / (body.len() as f64 / 1024.0 / 1024.0),
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `xml` with the text of its one element `tag` set to `value`; panics when the element is not
/// there exactly once.
fn with_element(xml: &str, tag: &str, value: &str) -> String {
    let open = format!("<{tag} ");
    let close = format!("</{tag}>");
    assert_eq!(xml.matches(&open).count(), 1, "one <{tag}> in the template");
    let start = xml.find(&open).unwrap();
    let text = start + xml[start..].find('>').unwrap() + 1;
    let end = text + xml[text..].find(&close).unwrap();
    format!("{}{value}{}", &xml[..text], &xml[end..])
}

/// Synthetic fødselsnumre, never the same twice: Tenor-style (the birth month + 80, so never a
/// person's), a real date in the 1900s, both mod-11 check digits right.
struct SyntheticFnr {
    next: u64,
}

impl SyntheticFnr {
    fn take(&mut self) -> String {
        const W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
        const W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        let check = |d: &[u32], w: &[u32]| {
            let sum: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
            match (11 - sum % 11) % 11 {
                10 => None,
                k => Some(k),
            }
        };
        loop {
            let i = self.next;
            self.next += 1;
            let (day, month, year, individ) = (
                i % 28 + 1,
                (i / 28) % 12 + 81,
                (i / 336) % 50 + 50,
                (i / 16_800) % 500,
            );
            let base = format!("{day:02}{month:02}{year:02}{individ:03}");
            let mut d: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
            let Some(k1) = check(&d, &W1) else { continue };
            d.push(k1);
            let Some(k2) = check(&d, &W2) else { continue };
            let fnr = format!("{base}{k1}{k2}");
            let parsed = tasteskjema::form::no::Fodselsnummer::parse(&fnr).expect("a valid fnr");
            assert!(parsed.is_synthetic(), "{fnr} is not synthetic");
            return fnr;
        }
    }
}

/// The aksjonærregisteroppgave in steps for MOSEGRODD ORANSJE TIGER AS with `n` shareholders
/// of 10 shares each, from the examples in `docs/examples/`: the hovedskjema with the share
/// class's shares, capital (shares × nominal value 100), paid-up capital and issue made to fit,
/// and one underskjema per shareholder with a fresh synthetic identity.
struct ArDelivery {
    hovedskjema: String,
    underskjemaer: Vec<String>,
}

fn ar_delivery(n: usize, ids: &mut SyntheticFnr) -> ArDelivery {
    const SHARES: u64 = 10;
    const NOMINAL: u64 = 100;
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/examples");
    let main = std::fs::read_to_string(examples.join("rf1086-hovedskjema.xml")).unwrap();
    let sub = std::fs::read_to_string(examples.join("rf1086-underskjema-1.xml")).unwrap();
    let shares = (SHARES * n as u64).to_string();
    let capital = (SHARES * NOMINAL * n as u64).to_string();
    let mut hovedskjema = main;
    for (tag, value) in [
        ("Aksjekapital-datadef-87", &capital),
        ("AksjekapitalISINAksjetype-datadef-17664", &capital),
        ("AksjerMvAntall-datadef-29167", &shares),
        ("AksjekapitalInnbetalt-datadef-5867", &capital),
        ("AksjerNyutstedteStiftelseMvAntall-datadef-17668", &shares),
        ("AksjerStiftelseMvAntall-datadef-17669", &shares),
    ] {
        hovedskjema = with_element(&hovedskjema, tag, value);
    }
    assert!(hovedskjema.contains(&format!(">{NOMINAL}</AksjeMvPalydende-datadef-23945>")));
    let underskjemaer = (0..n)
        .map(|i| {
            let mut u = sub.clone();
            for (tag, value) in [
                ("AksjonarFodselsnummer-datadef-1156", ids.take()),
                (
                    "AksjonarNavn-datadef-1153",
                    format!("Aksjonær {} Testesen", i + 1),
                ),
                ("AksjonarAksjerAntall-datadef-17741", SHARES.to_string()),
                ("AksjerKjopAntall-datadef-12153", SHARES.to_string()),
                (
                    "AksjeAnskaffelsesverdi-datadef-17636",
                    (SHARES * NOMINAL).to_string(),
                ),
            ] {
                u = with_element(&u, tag, &value);
            }
            u
        })
        .collect();
    ArDelivery {
        hovedskjema,
        underskjemaer,
    }
}

/// A system user's token for the aksjonærregisteroppgave, fetched again before it expires (two
/// minutes).
struct ArToken {
    issuer: String,
    catalog: tasteskjema::form::Catalog,
    token: String,
    at: Instant,
}

impl ArToken {
    const ORG: &str = "314259521";
    const SCOPE: &str = "skatteetaten:innrapporteringaksjonaerregisteroppgave";

    fn new(url: &str) -> ArToken {
        let issuer = format!("{url}/dev/maskinporten/");
        let catalog = tasteskjema::load_catalog(&forms_dir()).unwrap();
        let token = tasteskjema::dev::maskinporten::system_user_token(
            &issuer,
            &catalog,
            Self::ORG,
            Self::SCOPE,
        )
        .unwrap();
        ArToken {
            issuer,
            catalog,
            token,
            at: Instant::now(),
        }
    }

    fn get(&mut self) -> &str {
        if self.at.elapsed() > Duration::from_secs(60) {
            self.token = tasteskjema::dev::maskinporten::system_user_token(
                &self.issuer,
                &self.catalog,
                Self::ORG,
                Self::SCOPE,
            )
            .unwrap();
            self.at = Instant::now();
        }
        &self.token
    }
}

/// Posts to the aksjonærregisteroppgave's API and checks the status; the answer's JSON.
async fn ar_post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Option<&str>,
    expect: u16,
) -> Value {
    let mut req = http
        .post(url)
        .bearer_auth(token)
        .header("idempotencyKey", uuid::Uuid::new_v4().to_string());
    if let Some(b) = body {
        req = req
            .header("content-type", "application/xml")
            .body(b.to_owned());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(
        status,
        expect,
        "{}",
        text.chars().take(1000).collect::<String>()
    );
    serde_json::from_str(&text).unwrap()
}

/// One delivery in steps: (each underskjema's time, all of theirs, the confirmation's); with
/// `pid`, the server's peak RSS growth during the underskjemaer and during the confirmation.
async fn ar_run(
    http: &reqwest::Client,
    base: &str,
    token: &mut ArToken,
    delivery: &ArDelivery,
    pid: Option<u32>,
) -> (Vec<Duration>, Duration, Duration, f64, f64) {
    let n = delivery.underskjemaer.len();
    let opened = ar_post(
        http,
        format!("{base}/1086H"),
        token.get(),
        Some(&delivery.hovedskjema),
        201,
    )
    .await;
    let id = opened["hovedskjemaid"].as_str().unwrap().to_owned();
    let settle = || async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        pid.and_then(rss_kib).unwrap_or(0)
    };
    let before = settle().await;
    if pid.is_some() {
        eprintln!(
            "N = {n}: server RSS at rest before the underskjemaer {:.1} MB",
            before as f64 / 1024.0
        );
    }
    let sampler = pid.map(Sampler::start);
    let mut each = Vec::with_capacity(n);
    let t = Instant::now();
    for u in &delivery.underskjemaer {
        let url = format!("{base}/{id}/1086U");
        let token = token.get().to_owned();
        let one = Instant::now();
        let added = ar_post(http, url, &token, Some(u), 201).await;
        each.push(one.elapsed());
        assert!(added["underskjemaid"].is_string(), "{added}");
    }
    let parts = t.elapsed();
    let parts_peak = sampler.map_or(0, Sampler::stop);
    let before_confirm = settle().await;
    if pid.is_some() {
        eprintln!(
            "N = {n}: server RSS at rest before the confirmation {:.1} MB",
            before_confirm as f64 / 1024.0
        );
    }
    let sampler = pid.map(Sampler::start);
    let t = Instant::now();
    let confirmed = ar_post(
        http,
        format!("{base}/{id}/bekreft?antall_underskjema={n}"),
        token.get(),
        None,
        200,
    )
    .await;
    let confirm = t.elapsed();
    let confirm_peak = sampler.map_or(0, Sampler::stop);
    assert_eq!(confirmed["antallUnderskjema"], json!(n), "{confirmed}");
    assert_eq!(confirmed["oppgavegiversLeveranseReferanse"], json!(id));
    let mb = |peak: u64, before: u64| peak.saturating_sub(before) as f64 / 1024.0;
    (
        each,
        parts,
        confirm,
        mb(parts_peak, before),
        mb(confirm_peak, before_confirm),
    )
}

fn ar_bench(sizes: &[usize]) {
    let forms = forms_dir();
    let mut ids = SyntheticFnr { next: 0 };
    println!(
        "ar: the aksjonærregisteroppgave (RF-1086) in steps for MOSEGRODD ORANSJE TIGER AS with N shareholders, \
         release server on SQLite (a fresh one for each N), underskjemaer one after another over one keep-alive connection"
    );
    println!(
        "| N | per underskjema p50 | p95 | all underskjemaer | confirmation | RSS growth, underskjemaer | RSS growth, confirmation |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|");
    let rt = tokio::runtime::Runtime::new().unwrap();
    for &n in sizes {
        let warm = ar_delivery(10, &mut ids);
        let delivery = ar_delivery(n, &mut ids);
        let (mut child, url, _dir) = start_server(&forms);
        let pid = child.id();
        let base = format!("{url}/api/innrapportering/aksjonaerregisteroppgave/1086/v1/2025");
        let mut token = ArToken::new(&url);
        let http = reqwest::Client::new();
        let (mut each, parts, confirm, parts_mb, confirm_mb) = rt.block_on(async {
            // A small delivery first, so that what the server sets up once is not counted.
            ar_run(&http, &base, &mut token, &warm, None).await;
            ar_run(&http, &base, &mut token, &delivery, Some(pid)).await
        });
        println!(
            "| {n} | {:.2} ms | {:.2} ms | {:.2} s | {:.0} ms | {parts_mb:.1} MB | {confirm_mb:.1} MB |",
            percentile(&mut each, 0.5).as_secs_f64() * 1e3,
            percentile(&mut each, 0.95).as_secs_f64() * 1e3,
            parts.as_secs_f64(),
            confirm.as_secs_f64() * 1e3,
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A free port on this machine.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Logs in at the built-in ID-porten as `pid` and chooses `party`, as a browser would: the
/// client's cookie jar holds the session.
async fn browser_login(url: &str, pid: &str, party: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let absolute = |l: String| {
        if l.starts_with('/') {
            format!("{url}{l}")
        } else {
            l
        }
    };
    let r = http
        .get(format!("{url}/logg-inn?neste=%2F"))
        .send()
        .await
        .unwrap();
    let authorize = absolute(location(&r));
    let page = http
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |tag: &str, name: &str| {
        let at = page.find(tag).expect("the login page's form");
        let rest = &page[at..];
        let v = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        rest[v..v + rest[v..].find('"').unwrap()].replace("&amp;", "&")
    };
    let login = value("<input type=\"hidden\" name=\"login\"", "value");
    let action = absolute(value("<form", "action"));
    let r = http
        .post(&action)
        .header("Origin", url)
        .form(&[
            ("login", login.as_str()),
            ("pid", pid),
            ("acr", "idporten-loa-substantial"),
            ("action", "login"),
        ])
        .send()
        .await
        .unwrap();
    let callback = absolute(location(&r));
    let r = http.get(&callback).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303, "the login ends at the portal");
    let r = http
        .post(format!("{url}/aktor"))
        .header("Origin", url)
        .form(&[("party", party), ("neste", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "the party is chosen");
    http
}

/// Runs OpenSSH's `sftp` in batch mode as the test organisation 819897522, its output to `out`.
fn sftp_batch(port: u16, key: &std::path::Path, batch: &str, out: Stdio) -> std::process::Child {
    let mut child = Command::new("sftp")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
        ])
        .args([
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
        ])
        .arg("-i")
        .arg(key)
        .args(["-P", &port.to_string(), "-b", "-", "819897522@127.0.0.1"])
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("sftp (Debian's openssh-client) is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(batch.as_bytes())
        .unwrap();
    child
}

fn files_bench(mb: usize, clients: usize, files: usize, rows: usize) {
    use tasteskjema::form::testdata::{Ask, generate};
    let dir = tempfile::tempdir().unwrap();
    // A copy of the forms in which RF-1140 takes deliveries of up to 60 MB.
    let forms = dir.path().join("forms");
    copy_dir(&forms_dir(), &forms);
    let rf1140 = forms.join("grunnlagsdata/RF-1140.toml");
    let text = std::fs::read_to_string(&rf1140).unwrap();
    let text = text
        .replacen("years = [2025]\n", "years = [2025]\nmax_body_mb = 60\n", 1)
        // (and as many owners as that holds)
        .replacen("  max = 10000\n", "  max = 200000\n", 1);
    std::fs::write(&rf1140, text).unwrap();
    let catalog = tasteskjema::load_catalog(&forms).unwrap();
    let form = catalog.latest("RF-1140").unwrap().clone();
    let make = |rows: usize, seed: u64| {
        let doc = generate(
            &form,
            &Ask {
                rows: Some(rows),
                seed,
                break_check: None,
            },
        )
        .unwrap();
        serde_json::to_vec_pretty(&doc).unwrap()
    };
    // Rows for MB megabytes, from the size of a sample.
    let per_row = make(1_000, 1).len() as f64 / 1_000.0;
    let big_rows = ((mb * 1_000_000) as f64 / per_row) as usize;
    let port = free_port();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // On PostgreSQL a database of its own: the same files sent in an earlier run would be
    // repeats.
    let admin = std::env::var("TASTESKJEMA_BENCH_DATABASE_URL").ok();
    let fresh = admin.as_deref().map(|a| rt.block_on(bench_database(a)));
    let mut env = vec![
        ("TASTESKJEMA_SFTP_LISTEN", format!("127.0.0.1:{port}")),
        (
            "TASTESKJEMA_SFTP_SESSIONS_PER_ORG",
            clients.max(1).to_string(),
        ),
    ];
    if let Some((_, url)) = &fresh {
        env.push(("TASTESKJEMA_DATABASE_URL", url.clone()));
    }
    let (mut child, url, _data) = start_server_with(&forms, &env);
    let pid = child.id();
    let key = dir.path().join("key");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dev/keys/819897522"),
        &key,
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    println!(
        "files: RF-1140 deliveries as files, release server on {}",
        database_name()
    );
    // Through the browser's upload.
    let upload = make(big_rows, 2);
    let (http, receipt) = rt.block_on(async {
        let http = browser_login(&url, "12837810092", "org:819897522").await;
        let send = |bytes: Vec<u8>| {
            let form = reqwest::multipart::Form::new().part(
                "fil",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("sameie.json")
                    .mime_str("application/json")
                    .unwrap(),
            );
            http.post(format!("{url}/skjema/RF-1140/fil"))
                .header("Origin", url.as_str())
                .multipart(form)
                .send()
        };
        // Warm up with a small file, then measure.
        let r = send(make(100, 3)).await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "a small upload is received");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let base = rss_kib(pid).unwrap();
        let size = upload.len();
        let sampler = Sampler::start(pid);
        let t = Instant::now();
        let r = send(upload).await.unwrap();
        let wall = t.elapsed();
        let (peak, anon) = sampler.stop_both();
        assert_eq!(r.status().as_u16(), 303, "the large upload is received");
        println!(
            "  upload, {:.1} MB ({big_rows} rows): receipt after {:.2} s; RSS before {} MB, peak {} MB, growth {:.1} MB ({:.1}× the file), anonymous {:.1} MB",
            size as f64 / 1e6,
            wall.as_secs_f64(),
            base / 1024,
            peak / 1024,
            peak.saturating_sub(base) as f64 / 1024.0,
            peak.saturating_sub(base) as f64 * 1024.0 / size as f64,
            anon as f64 / 1024.0
        );
        // Its receipt page is measured last: what it takes stays in the process.
        let receipt = r.headers()["location"].to_str().unwrap().to_owned();
        (http, receipt)
    });
    // Through SFTP.
    let big = dir.path().join("big.json");
    std::fs::write(&big, make(big_rows, 4)).unwrap();
    let size = std::fs::metadata(&big).unwrap().len();
    let warm = dir.path().join("warm.json");
    std::fs::write(&warm, make(100, 5)).unwrap();
    let put = |file: &std::path::Path, name: &str| {
        format!(
            "put {} innsending/boligsameie/2025/{name}\n",
            file.display()
        )
    };
    assert!(
        sftp_batch(port, &key, &put(&warm, "warm.json"), Stdio::null())
            .wait()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    let base = rss_kib(pid).unwrap();
    let sampler = Sampler::start(pid);
    let t = Instant::now();
    let done = sftp_batch(port, &key, &put(&big, "big.json"), Stdio::null())
        .wait()
        .unwrap();
    let wall = t.elapsed();
    let (peak, anon) = sampler.stop_both();
    assert!(done.success(), "the large file is put");
    println!(
        "  SFTP, {:.1} MB ({big_rows} rows): answer in kvittering/ after {:.2} s; RSS before {} MB, peak {} MB, growth {:.1} MB ({:.1}× the file), anonymous {:.1} MB",
        size as f64 / 1e6,
        wall.as_secs_f64(),
        base / 1024,
        peak / 1024,
        peak.saturating_sub(base) as f64 / 1024.0,
        peak.saturating_sub(base) as f64 * 1024.0 / size as f64,
        anon as f64 / 1024.0
    );
    // Many clients, many files.
    let many = dir.path().join("many");
    std::fs::create_dir(&many).unwrap();
    let t = Instant::now();
    for c in 0..clients {
        for f in 0..files {
            let seed = 1_000 + (c * files + f) as u64;
            std::fs::write(many.join(format!("{c}-{f}.json")), make(rows, seed)).unwrap();
        }
    }
    let made = t.elapsed();
    let base = rss_kib(pid).unwrap();
    let sampler = Sampler::start(pid);
    let t = Instant::now();
    let running: Vec<_> = (0..clients)
        .map(|c| {
            let batch: String = (0..files)
                .map(|f| {
                    put(
                        &many.join(format!("{c}-{f}.json")),
                        &format!("c{c}-f{f}.json"),
                    )
                })
                .collect();
            sftp_batch(port, &key, &batch, Stdio::null())
        })
        .collect();
    for mut r in running {
        assert!(r.wait().unwrap().success(), "every file is put");
    }
    let wall = t.elapsed();
    let peak = sampler.stop();
    let total = clients * files;
    // Every file was answered, and received.
    let answers = dir.path().join("answers");
    std::fs::create_dir_all(&answers).unwrap();
    let batch = format!(
        "ls -1 kvittering\nlcd {}\nget kvittering/c*\n",
        answers.display()
    );
    let listing = sftp_batch(port, &key, &batch, Stdio::piped())
        .wait_with_output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter(|l| l.trim_start().starts_with("kvittering/c"))
        .count();
    let received = std::fs::read_dir(dir.path().join("answers"))
        .unwrap()
        .filter(|e| {
            std::fs::read_to_string(e.as_ref().unwrap().path())
                .is_ok_and(|t| t.contains("forsendelseId"))
        })
        .count();
    assert_eq!(
        (listed, received),
        (total, total),
        "every file answered and received"
    );
    println!(
        "  {clients} SFTP clients at once, {files} files of {rows} rows each ({:.2} MB a file; made in {:.1} s): {total} files in {:.2} s, {:.1} files/s, {:.0} rows/s; RSS growth {:.1} MB",
        std::fs::metadata(many.join("0-0.json")).unwrap().len() as f64 / 1e6,
        made.as_secs_f64(),
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        (total * rows) as f64 / wall.as_secs_f64(),
        peak.saturating_sub(base) as f64 / 1024.0
    );
    rt.block_on(async {
        // The large upload's receipt page: its facts and the first rows of the delivery.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let base = rss_kib(pid).unwrap();
        let sampler = Sampler::start(pid);
        let t = Instant::now();
        let page = http.get(format!("{url}{receipt}")).send().await.unwrap();
        let status = page.status().as_u16();
        let bytes = page.bytes().await.unwrap().len();
        let wall = t.elapsed();
        let (peak, anon) = sampler.stop_both();
        assert_eq!(status, 200, "the receipt is shown");
        println!(
            "  its receipt page ({} kB): after {:.2} s; RSS before {} MB, peak {} MB, growth {:.1} MB, anonymous {:.1} MB",
            bytes / 1000,
            wall.as_secs_f64(),
            base / 1024,
            peak / 1024,
            peak.saturating_sub(base) as f64 / 1024.0,
            anon as f64 / 1024.0
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    if let (Some(admin), Some((name, _))) = (&admin, &fresh) {
        rt.block_on(drop_bench_database(admin, name));
    }
}

/// A fresh PostgreSQL database for one bench run on the server at `admin`: its name and URL.
async fn bench_database(admin: &str) -> (String, String) {
    use sqlx::Connection as _;
    let name = format!("ts_bench_{}", uuid::Uuid::new_v4().simple());
    let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    (name, url)
}

/// Drops a database [`bench_database`] made.
async fn drop_bench_database(admin: &str, name: &str) {
    use sqlx::Connection as _;
    let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut c)
        .await;
}

/// One RF-1140 delivery through the API with a new idempotency key; it must be taken (200).
async fn post_boligsameie(http: &reqwest::Client, url: &str, token: &str, body: String) {
    let r = send_boligsameie(http, url, token, body).await;
    assert_eq!(r, Ok(200), "the delivery is taken");
}

/// One RF-1140 delivery through the API with a new idempotency key; the answer's status (the
/// body of any other answer than 200 written to stderr).
async fn send_boligsameie(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: String,
) -> Result<u16, String> {
    let r = http
        .post(format!("{url}/api/innrapportering/boligsameie/v1/2025"))
        .bearer_auth(token)
        .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    if status != 200 {
        eprintln!(
            "boligsameie: {status}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    Ok(status)
}

/// Counts in the portal's database, read while it runs.
#[derive(Clone, Copy, Default, sqlx::FromRow)]
struct Counts {
    /// Submissions taken.
    accepted: i64,
    /// Delivered to the domain system.
    domain: i64,
    /// Delivered to the party's inbox.
    inbox: i64,
    /// Jobs waiting.
    pending: i64,
    /// Jobs parked.
    parked: i64,
}

async fn delivery_counts(db: &Ceiling) -> Counts {
    let sql = "SELECT (SELECT COUNT(*) FROM submissions) AS accepted, \
               (SELECT COUNT(*) FROM outbox WHERE state = 'done' AND kind = 'domain') AS domain, \
               (SELECT COUNT(*) FROM outbox WHERE state = 'done' AND kind = 'dialogporten') AS inbox, \
               (SELECT COUNT(*) FROM outbox WHERE state = 'pending') AS pending, \
               (SELECT COUNT(*) FROM outbox WHERE state = 'parked') AS parked";
    match db {
        Ceiling::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
        Ceiling::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
    }
}

/// Intake and delivery side by side: a burst of API submissions at full rate, with the outbox
/// workers delivering them meanwhile, and the backlog until it is gone.
fn delivery_bench(seconds: u64, concurrency: usize, rows: usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A database of its own: the counts are this run's.
    let admin = std::env::var("TASTESKJEMA_BENCH_DATABASE_URL").ok();
    let fresh = admin
        .as_ref()
        .map(|admin| rt.block_on(bench_database(admin)));
    // The portal's outbox workers: 2, as by default, unless TASTESKJEMA_OUTBOX_WORKERS says.
    let workers = std::env::var("TASTESKJEMA_OUTBOX_WORKERS").unwrap_or_else(|_| "2".into());
    let mut env = vec![
        ("TASTESKJEMA_OUTBOX_WORKERS", workers.clone()),
        ("TASTESKJEMA_LOG", "warn".to_string()),
    ];
    if let Some((_, url)) = &fresh {
        env.push(("TASTESKJEMA_DATABASE_URL", url.clone()));
    }
    // With TASTESKJEMA_BENCH_STAND_INS=apart the outside systems run as a process of their own
    // (`tasteskjema dev stand-ins`), as they are elsewhere in production: the CPU of each is
    // counted apart.
    let apart = std::env::var("TASTESKJEMA_BENCH_STAND_INS").as_deref() == Ok("apart");
    let stand_ins_dir = tempfile::tempdir().unwrap();
    let mut stand_ins = None;
    // Where the outside systems are: the portal's own, or the stand-ins process.
    let mut outside = None;
    if apart {
        let port = free_port();
        let portal_port = free_port();
        let (stand_ins_url, public) = (
            format!("http://127.0.0.1:{port}"),
            format!("http://127.0.0.1:{portal_port}"),
        );
        let secret = "the-bench-and-its-stand-ins-share-this".to_string();
        let (child, _) = spawn_ready(
            portal_command()
                .args(["dev", "stand-ins"])
                .env("TASTESKJEMA_STAND_INS_URL", &stand_ins_url)
                .env("TASTESKJEMA_STAND_INS_SECRET", &secret)
                .env("TASTESKJEMA_PUBLIC_URL", &public)
                .env("TASTESKJEMA_DATA_DIR", stand_ins_dir.path())
                .env("TASTESKJEMA_FORMS_DIR", forms_dir())
                .env("TASTESKJEMA_LOG", "error"),
        );
        outside = Some(stand_ins_url.clone());
        env.extend([
            ("TASTESKJEMA_STAND_INS_URL", stand_ins_url),
            ("TASTESKJEMA_STAND_INS_SECRET", secret),
            ("TASTESKJEMA_PUBLIC_URL", public),
            ("TASTESKJEMA_LISTEN", format!("127.0.0.1:{portal_port}")),
        ]);
        stand_ins = Some(child);
    }
    let (mut child, url, dir) = start_server_with(&forms_dir(), &env);
    let pids = (child.id(), stand_ins.as_ref().map(|c| c.id()));
    let backend = if fresh.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let body = serde_json::to_string(&document(rows)).unwrap();
    println!(
        "delivery at intake speed on {backend}: {concurrency} clients for {seconds} s, RF-1140 with {rows} rows ({} KB), {workers} outbox workers × {} jobs at once, built-in domain systems (feedback after 3 s) and Dialogporten",
        body.len() / 1024,
        tasteskjema::intake::outbox::CLAIM_BATCH
    );
    let db_url = fresh.as_ref().map(|(_, u)| u.clone());
    rt.block_on(async move {
        let cpu_at_start = (cpu_s(pids.0), pids.1.map(cpu_s));
        let db = match &db_url {
            Some(u) => Ceiling::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .connect(u)
                    .await
                    .unwrap(),
            ),
            None => Ceiling::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(
                        sqlx::sqlite::SqliteConnectOptions::new()
                            .filename(dir.path().join("data/tasteskjema.db"))
                            .busy_timeout(Duration::from_secs(10)),
                    )
                    .await
                    .unwrap(),
            ),
        };
        let outside = outside.unwrap_or_else(|| url.clone());
        let token = tasteskjema::dev::maskinporten::system_user_token(
            &format!("{outside}/dev/maskinporten/"),
            &tasteskjema::load_catalog(&forms_dir()).unwrap(),
            "819897522",
            "skatteetaten:innrapporteringboligsameie",
        )
        .unwrap();
        let http = reqwest::Client::new();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let mut clients = Vec::new();
        for _ in 0..concurrency {
            let (http, url, token, body, stop) = (
                http.clone(),
                url.clone(),
                token.clone(),
                body.clone(),
                stop.clone(),
            );
            clients.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    post_boligsameie(&http, &url, &token, body.clone()).await;
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        println!("| s | accepted | at the domain system | in the inbox | jobs pending |");
        println!("|---|---|---|---|---|");
        let mut at_burst_end = Counts::default();
        let mut cpu_at_burst_end = cpu_at_start;
        let mut drained = None;
        let mut tick = 0u64;
        loop {
            tokio::time::sleep_until(tokio::time::Instant::from_std(
                start + Duration::from_secs(tick + 1),
            ))
            .await;
            tick += 1;
            let c = delivery_counts(&db).await;
            let after_burst = tick >= seconds;
            if tick.is_multiple_of(5) || (after_burst && c.pending == 0) {
                println!(
                    "| {tick} | {} | {} | {} | {} |",
                    c.accepted, c.domain, c.inbox, c.pending
                );
            }
            if tick == seconds {
                stop.store(true, Ordering::Relaxed);
                at_burst_end = c;
                cpu_at_burst_end = (cpu_s(pids.0), pids.1.map(cpu_s));
            }
            if after_burst && c.pending == 0 {
                drained = Some(tick - seconds);
                break;
            }
            if tick > seconds * 5 {
                break;
            }
        }
        let mut lat = Vec::new();
        for c in clients {
            lat.extend(c.await.unwrap());
        }
        let end = delivery_counts(&db).await;
        let s = seconds as f64;
        let b = at_burst_end;
        println!(
            "accepted {:.0}/s (p50 {}, p99 {}); during the burst delivered {:.0}/s to the domain system and {:.0}/s to the inbox; at its end {} of {} at the domain system, {} in the inbox, {} jobs pending",
            b.accepted as f64 / s,
            ms(percentile(&mut lat, 0.5)),
            ms(percentile(&mut lat, 0.99)),
            b.domain as f64 / s,
            b.inbox as f64 / s,
            b.domain,
            b.accepted,
            b.inbox,
            b.pending,
        );
        let parked = end.parked;
        match drained {
            Some(t) => println!(
                "no job pending {t} s after the burst (target: within the burst's {seconds} s); {} submissions, {} at the domain system, {} in the inbox, {parked} jobs parked",
                end.accepted, end.domain, end.inbox
            ),
            None => println!(
                "NOT drained {} s after the burst: {} jobs pending, {parked} parked",
                seconds * 4,
                end.pending
            ),
        }
        // CPU seconds of each process: during the burst, and from its end until drained.
        let cpu_at_end = (cpu_s(pids.0), pids.1.map(cpu_s));
        let during = |a: f64, b: f64| b - a;
        println!(
            "CPU of the portal: {:.1} s during the burst, {:.1} s after it ({:.2} ms per submission in all)",
            during(cpu_at_start.0, cpu_at_burst_end.0),
            during(cpu_at_burst_end.0, cpu_at_end.0),
            during(cpu_at_start.0, cpu_at_end.0) * 1000.0 / end.accepted.max(1) as f64
        );
        if let (Some(a), Some(b), Some(e)) = (cpu_at_start.1, cpu_at_burst_end.1, cpu_at_end.1) {
            println!(
                "CPU of the stand-ins: {:.1} s during the burst, {:.1} s after it ({:.2} ms per submission in all)",
                during(a, b),
                during(b, e),
                during(a, e) * 1000.0 / end.accepted.max(1) as f64
            );
        }
        drop(db);
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Some(mut s) = stand_ins {
        let _ = s.kill();
        let _ = s.wait();
    }
    // Kept for a look afterwards when TASTESKJEMA_BENCH_KEEP is set.
    if let (Some(admin), Some((name, _))) = (admin, fresh)
        && std::env::var_os("TASTESKJEMA_BENCH_KEEP").is_none()
    {
        rt.block_on(drop_bench_database(&admin, &name));
    }
}

/// CPU time a process has used (user and system, all threads), in seconds.
fn cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

/// Bytes under a directory.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// What the portal has stored, read from its database while it runs.
#[derive(Clone, Copy, Default, sqlx::FromRow)]
struct Stored {
    submissions: i64,
    drafts: i64,
    attachments: i64,
    audit: i64,
    /// Bytes of the documents and files kept in the database.
    bytes: i64,
    pending: i64,
}

/// A steady mix for a long time: is memory flat, does anything fail, does the data directory grow
/// only with what is stored?
fn soak_bench(minutes: u64, rounds: u64) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = [
        ("TASTESKJEMA_OUTBOX_WORKERS", "2".to_string()),
        ("TASTESKJEMA_LOG", "warn".to_string()),
    ];
    let (mut child, url, dir) = start_server_with(&forms_dir(), &env);
    let pid = child.id();
    let data = dir.path().join("data");
    println!(
        "soak on the embedded default (SQLite, built-in stand-ins, 2 outbox workers): {minutes} min, {rounds} rounds/s; each round a form page and an autosave, every 5th an RF-1140 through the API, every 10th a complaint with a 200 KB PDF, every 50th a new draft"
    );
    let failed = rt.block_on(async move {
        let db = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(data.join("tasteskjema.db"))
                    .busy_timeout(Duration::from_secs(10)),
            )
            .await
            .unwrap();
        let catalog = tasteskjema::load_catalog(&forms_dir()).unwrap();
        let maskinporten = format!("{url}/dev/maskinporten/");
        // The systems' tokens, made again each minute (the built-in Maskinporten's last two).
        let minted: std::sync::Mutex<Option<(Instant, String, String)>> = Default::default();
        let tokens = || {
            let mut m = minted.lock().unwrap();
            if m.as_ref().is_none_or(|(at, _, _)| at.elapsed() > Duration::from_secs(60)) {
                let token = |scope: &str| {
                    tasteskjema::dev::maskinporten::system_user_token(
                        &maskinporten,
                        &catalog,
                        "819897522",
                        scope,
                    )
                    .unwrap()
                };
                *m = Some((
                    Instant::now(),
                    token("skatteetaten:innrapporteringboligsameie"),
                    token("skatteetaten:tasteskjema.klage"),
                ));
            }
            let (_, gld, klage) = m.as_ref().unwrap();
            (gld.clone(), klage.clone())
        };
        let browser = browser_login(&url, "12837810092", "org:819897522").await;
        let api = reqwest::Client::new();
        let body = serde_json::to_string(&document(10)).unwrap();
        let pdf: axum::body::Bytes = pdf_of(200_000).into();
        let errors = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicU64::new(0));
        let first_errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let fail = {
            let (errors, first_errors) = (errors.clone(), first_errors.clone());
            move |what: String| {
                errors.fetch_add(1, Ordering::Relaxed);
                let mut f = first_errors.lock().unwrap();
                if f.len() < 5 {
                    f.push(what);
                }
            }
        };
        // The person's drafts: a new one every 50th round, the last 8 used.
        let start_draft = {
            let (browser, url) = (browser.clone(), url.clone());
            move || {
                let (browser, url) = (browser.clone(), url.clone());
                async move {
                    let r = browser
                        .post(format!("{url}/skjema/RF-1140"))
                        .header("Origin", &url)
                        .send()
                        .await
                        .ok()?;
                    let at = r.headers().get("location")?.to_str().ok()?.to_string();
                    (r.status().as_u16() == 303).then(|| at.split('/').nth(3).map(str::to_string))?
                }
            }
        };
        let mut drafts = Vec::new();
        for _ in 0..8 {
            drafts.push(start_draft().await.expect("a draft starts"));
        }
        let drafts = Arc::new(std::sync::Mutex::new(drafts));
        let start = Instant::now();
        let end = start + Duration::from_secs(minutes * 60);
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rounds.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_sample = start;
        let mut samples: Vec<(u64, u64, u64, Stored, u64, u64)> = Vec::new();
        let mut round: u64 = 0;
        let mut tasks = tokio::task::JoinSet::new();
        while Instant::now() < end {
            tick.tick().await;
            round += 1;
            while tasks.try_join_next().is_some() {}
            let draft = {
                let d = drafts.lock().unwrap();
                d[(round as usize) % d.len()].clone()
            };
            // A page and its autosave, one after the other as a browser does.
            let (browser2, url2, fail2, req2) =
                (browser.clone(), url.clone(), fail.clone(), requests.clone());
            tasks.spawn(async move {
                let page = format!("{url2}/skjema/RF-1140/{draft}/oppgavegiver");
                req2.fetch_add(2, Ordering::Relaxed);
                let Ok(r) = browser2.get(&page).send().await else {
                    return fail2("page: no answer".into());
                };
                if r.status().as_u16() != 200 {
                    return fail2(format!("page: {}", r.status()));
                }
                let text = r.text().await.unwrap_or_default();
                let Some(v) = text
                    .split("name=\"_version\" value=\"")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                else {
                    return fail2("page: no _version".into());
                };
                let form = [
                    ("_version", v.to_string()),
                    ("leveranse.oppgavegiver.organisasjonsnummer", "819897522".into()),
                    ("leveranse.oppgavegiver.kontaktinformasjon.navn", format!("Kari Testperson {round}")),
                    ("leveranse.oppgavegiver.kontaktinformasjon.telefonnummer", "22 22 22 22".into()),
                    ("leveranse.oppgavegiver.kontaktinformasjon.varselEpostadresse", "kontakt@eksempel.no".into()),
                ];
                match browser2
                    .post(format!("{page}/felt"))
                    .header("HX-Request", "true")
                    .header("Origin", &url2)
                    .form(&form)
                    .send()
                    .await
                {
                    // Two saves of one draft may cross (409): the person is told to reload.
                    Ok(r) if r.status().is_success() || r.status().as_u16() == 409 => {}
                    Ok(r) => fail2(format!("autosave: {}", r.status())),
                    Err(e) => fail2(format!("autosave: {e}")),
                }
            });
            let (gld, klage) = tokens();
            if round.is_multiple_of(5) {
                let (api, url, gld, body, fail, req) =
                    (api.clone(), url.clone(), gld.clone(), body.clone(), fail.clone(), requests.clone());
                tasks.spawn(async move {
                    req.fetch_add(1, Ordering::Relaxed);
                    match send_boligsameie(&api, &url, &gld, body).await {
                        Ok(200) => {}
                        Ok(status) => fail(format!("api: {status}")),
                        Err(e) => fail(format!("api: {e}")),
                    }
                });
            }
            if round.is_multiple_of(10) {
                let (api, url, klage, pdf, fail, req) =
                    (api.clone(), url.clone(), klage.clone(), pdf.clone(), fail.clone(), requests.clone());
                tasks.spawn(async move {
                    req.fetch_add(1, Ordering::Relaxed);
                    match send_klage(&api, &url, &klage, pdf).await {
                        Ok(200) => {}
                        Ok(status) => fail(format!("upload: {status}")),
                        Err(e) => fail(format!("upload: {e}")),
                    }
                });
            }
            if round.is_multiple_of(50) {
                requests.fetch_add(1, Ordering::Relaxed);
                match start_draft().await {
                    Some(d) => {
                        let mut all = drafts.lock().unwrap();
                        all.remove(0);
                        all.push(d);
                    }
                    None => fail("new draft: refused".into()),
                }
            }
            if Instant::now() >= next_sample {
                next_sample += Duration::from_secs(30);
                let sql = "SELECT (SELECT COUNT(*) FROM submissions) AS submissions, \
                           (SELECT COUNT(*) FROM drafts) AS drafts, \
                           (SELECT COUNT(*) FROM attachments) AS attachments, \
                           (SELECT COUNT(*) FROM audit_log) AS audit, \
                           (SELECT COALESCE(SUM(LENGTH(document)), 0) FROM submissions) + \
                           (SELECT COALESCE(SUM(LENGTH(document)), 0) FROM drafts) + \
                           (SELECT COALESCE(SUM(size), 0) FROM attachments) AS bytes, \
                           (SELECT COUNT(*) FROM outbox WHERE state = 'pending') AS pending";
                let stored: Stored = sqlx::query_as(sql).fetch_one(&db).await.unwrap_or_default();
                // The process's own memory: the resident set less the files it maps (the binary,
                // and the database, which SQLite reads through a mapping).
                let rss = status_kib(pid, "RssAnon:").unwrap_or(0);
                let disk = dir_bytes(&data);
                let s = start.elapsed().as_secs();
                println!(
                    "{:>5} s  RSS (anonymous) {:>6.1} MB  data dir {:>7.1} MB  stored {:>7.1} MB  submissions {:>6}  drafts {:>4}  files {:>5}  audit rows {:>7}  jobs pending {:>4}  requests {:>7}  errors {}",
                    s,
                    rss as f64 / 1024.0,
                    disk as f64 / 1e6,
                    stored.bytes as f64 / 1e6,
                    stored.submissions,
                    stored.drafts,
                    stored.attachments,
                    stored.audit,
                    stored.pending,
                    requests.load(Ordering::Relaxed),
                    errors.load(Ordering::Relaxed)
                );
                samples.push((s, rss, disk, stored, requests.load(Ordering::Relaxed), errors.load(Ordering::Relaxed)));
            }
        }
        while tasks.join_next().await.is_some() {}
        let errors = errors.load(Ordering::Relaxed);
        let requests = requests.load(Ordering::Relaxed);
        let wall = start.elapsed().as_secs_f64();
        println!("{requests} requests in {wall:.0} s ({:.1}/s), {errors} errors", requests as f64 / wall);
        for e in first_errors.lock().unwrap().iter() {
            println!("  error: {e}");
        }
        // Memory after the warm-up (the second sample on) and at the end.
        if let (Some(warm), Some(last)) = (samples.get(2), samples.last()) {
            let max = samples[2..].iter().map(|s| s.1).max().unwrap_or(0);
            println!(
                "RSS (anonymous) after warm-up ({} s) {:.1} MB, at the end {:.1} MB, highest since {:.1} MB",
                warm.0,
                warm.1 as f64 / 1024.0,
                last.1 as f64 / 1024.0,
                max as f64 / 1024.0
            );
            let grown = last.2 as f64 - warm.2 as f64;
            let stored = (last.3.bytes - warm.3.bytes) as f64;
            println!(
                "data dir grew {:.1} MB while {:.1} MB more was stored ({} submissions, {} files, {} audit rows more)",
                grown / 1e6,
                stored / 1e6,
                last.3.submissions - warm.3.submissions,
                last.3.attachments - warm.3.attachments,
                last.3.audit - warm.3.audit
            );
        }
        errors > 0
    });
    let _ = child.kill();
    let _ = child.wait();
    if failed {
        std::process::exit(1);
    }
}
