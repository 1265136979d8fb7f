//! Starting the real portal on a free port, against SQLite (always) or PostgreSQL (when
//! `TASTESKJEMA_TEST_DATABASE_URL` names a server: each test gets a fresh database).

use std::path::PathBuf;

use reqwest::redirect::Policy;
use serde_json::Value;
use sqlx::Connection;
use tasteskjema::config::{Config, Secret};

pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub store: tasteskjema::store::Store,
    /// The portal's data directory (uploads wait in its `uploads` folder).
    pub data_dir: PathBuf,
    /// The database the portal uses (SQLite in `data_dir`, or a fresh PostgreSQL database).
    pub db_url: String,
    /// Where its SFTP server listens, when the configuration starts one.
    pub sftp: Option<std::net::SocketAddr>,
    /// Where `/metrics` is served, when the configuration sets `metrics_listen`.
    pub metrics: Option<std::net::SocketAddr>,
    _dir: tempfile::TempDir,
}

pub fn forms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("forms")
}

/// A fresh PostgreSQL database on the server named by the env var, or `None` for SQLite.
pub async fn fresh_postgres() -> Option<String> {
    let admin = std::env::var("TASTESKJEMA_TEST_DATABASE_URL").ok()?;
    let name = format!("ts_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// A browser whose cookies can be read (to copy one, as a thief would).
pub fn browser_with_jar() -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .build()
        .unwrap();
    (browser, jar)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Dina Daglig Testesen (synthetic), daglig leder of TESTSAMEIET SKOGLY and more.
pub const DINA: &str = "12837810092";
/// TESTSAMEIET SKOGLY (synthetic), as a party key.
pub const SKOGLY: &str = "org:819897522";
/// The level most forms need.
pub const SUBSTANTIAL: &str = "idporten-loa-substantial";

/// The portal, with Dina logged in (at the built-in ID-porten) acting for Skogly.
pub async fn spawn_app() -> TestApp {
    spawn_logged_in_with(|_| {}).await
}

/// As [`spawn_app`], with the configuration changed first.
pub async fn spawn_logged_in_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let app = spawn_app_with(change).await;
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    app
}

/// Production settings: the real ID-porten and Altinn replaced by another (development) portal's
/// stand-ins, as a production deployment would name the real ones.
pub fn production(dev: &TestApp) -> impl FnOnce(&mut Config) + use<> {
    let issuer = format!("{}/dev/idporten", dev.addr);
    let altinn = format!("{}/dev/altinn", dev.addr);
    let maskinporten = format!("{}/dev/maskinporten/", dev.addr);
    let domain = format!("{}/dev/domene", dev.addr);
    let dialogporten = format!("{}/dev/dialogporten", dev.addr);
    let brreg = format!("{}/dev/brreg", dev.addr);
    let folkeregister = format!("{}/dev/folkeregister", dev.addr);
    let ansatt = format!("{}/dev/ansatt", dev.addr);
    move |c: &mut Config| {
        c.production = true;
        // Production is served over https; nothing here follows a link to the portal itself.
        c.public_url = Some("https://skjema.test".into());
        c.maskinporten_issuer = Some(maskinporten);
        c.domain_url = Some(domain);
        c.dialogporten_url = Some(dialogporten);
        c.enhetsregisteret_url = Some(brreg);
        c.folkeregister_url = Some(folkeregister);
        c.maskinporten_client = Some(tasteskjema::config::MaskinportenClientSettings {
            client_id: tasteskjema::dev::maskinporten::PORTAL_CLIENT_ID.into(),
            key_file: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("dev/keys/maskinporten-dev-client.pem"),
            key_id: tasteskjema::dev::maskinporten::PORTAL_KID.into(),
        });
        c.idporten = Some(tasteskjema::config::OidcSettings {
            issuer,
            client_id: "tasteskjema".into(),
            client_auth: "client_secret_basic".into(),
            client_secret: Some(Secret::new("not-registered-at-the-dev-idp")),
            client_key_file: None,
            client_key_id: None,
            use_par: false,
        });
        c.ansatt = Some(tasteskjema::config::OidcSettings {
            issuer: ansatt,
            client_id: "tasteskjema-saksbehandling".into(),
            client_auth: "client_secret_basic".into(),
            client_secret: Some(Secret::new("not-registered-at-the-dev-directory")),
            client_key_file: None,
            client_key_id: None,
            use_par: false,
        });
        c.altinn = Some(tasteskjema::config::AltinnSettings {
            url: altinn,
            token: None,
            subscription_key: None,
        });
    }
}

/// The portal, nobody logged in.
pub async fn spawn_anonymous() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_anonymous`], with the configuration changed first.
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: fresh_postgres().await.map(Secret::new),
        forms_dir: forms_dir(),
        db_max_connections: 4,
        ..Config::default()
    };
    change(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    config.listen = listener.local_addr().unwrap();
    let addr = format!("http://{}", config.listen);
    let data_dir = config.data_dir.clone();
    let db_url = config.database_url().expose().to_string();
    let app = tasteskjema::build(&config).await.expect("the app builds");
    let sftp = app.sftp;
    let metrics = app.metrics;
    let router = app.router;
    // The production server loop, with its time limits.
    tokio::spawn(async move {
        tasteskjema::server::serve(listener, router, std::future::pending())
            .await
            .unwrap();
    });
    TestApp {
        addr,
        client: client(),
        store: app.store,
        data_dir,
        db_url,
        sftp,
        metrics,
        _dir: dir,
    }
}

impl TestApp {
    /// A portal running in another process at `addr`, reached with `client`, its database at
    /// `db_url`.
    pub async fn elsewhere(addr: &str, client: reqwest::Client, db_url: &str) -> TestApp {
        let store = tasteskjema::store::Store::connect(&Secret::new(db_url), 2)
            .await
            .expect("the portal's database");
        let dir = tempfile::tempdir().unwrap();
        TestApp {
            addr: addr.to_string(),
            client,
            store,
            data_dir: dir.path().to_path_buf(),
            db_url: db_url.to_string(),
            sftp: None,
            metrics: None,
            _dir: dir,
        }
    }
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// A value of an attribute of the first tag starting with `tag_start`.
pub fn attr(html: &str, tag_start: &str, name: &str) -> String {
    let at = html
        .find(tag_start)
        .unwrap_or_else(|| panic!("no {tag_start} in {html}"));
    let rest = &html[at..];
    let key = format!("{name}=\"");
    let i = rest.find(&key).unwrap() + key.len();
    rest[i..].split('"').next().unwrap().replace("&amp;", "&")
}

impl TestApp {
    /// The browser's part of a login at the stand-in, from `/logg-inn` to the portal's callback;
    /// returns the callback's answer.
    pub async fn log_in_via(
        &self,
        client: &reqwest::Client,
        next: &str,
        pid: &str,
        acr: &str,
    ) -> Page {
        log_in_across(client, self, self, &self.addr, next, pid, acr).await
    }

    /// Logs in with the app's own client; the login must succeed.
    pub async fn log_in(&self, pid: &str, acr: &str) {
        let r = self.log_in_via(&self.client, "/", pid, acr).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }

    /// Chooses whom to act for (a party key such as `org:819897522`).
    pub async fn choose_party(&self, party: &str) {
        let r = self
            .post_form("/aktor", &[("party", party), ("neste", "/")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_with(&self.client, path).await
    }

    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> Page {
        let r = client
            .get(format!("{}{path}", self.addr))
            .send()
            .await
            .unwrap();
        page(r).await
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(pairs).unwrap();
        self.post_raw(path, body.into_bytes(), &[]).await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Page {
        self.post_raw_with(&self.client, path, body, headers).await
    }

    pub async fn post_raw_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut rb = client
            .post(format!("{}{path}", self.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        page(rb.send().await.unwrap()).await
    }

    /// Starts a new draft of a form; returns the first page's path.
    pub async fn start(&self, form: &str) -> String {
        let r = self.post_form(&format!("/skjema/{form}"), &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        r.location.unwrap()
    }

    /// Starts RF-1140 and answers its first page so that owners are to be reported; returns the
    /// first and second pages' paths.
    pub async fn start_rf1140_with_owners(&self) -> (String, String) {
        let p1 = self.start("RF-1140").await;
        let r = self
            .post_page(
                &p1,
                "next",
                &[
                    ("leveranse.inntektsaar", "2025"),
                    ("leveranse.leveransetype", "ordinaer"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        (p1, r.location.unwrap())
    }

    /// The draft version shown in a page.
    pub async fn version(&self, path: &str) -> String {
        let p = self.get(path).await;
        hidden_version(&p.body)
    }

    /// The saved document of the draft in a page path (read past the owner check).
    pub async fn document(&self, path: &str) -> Value {
        let id = path.split('/').nth(3).unwrap();
        self.store
            .draft_without_owner_check(id)
            .await
            .unwrap()
            .expect("the draft exists")
            .document
            .0
    }
}

pub fn hidden_version(body: &str) -> String {
    let i = body
        .find("name=\"_version\" value=\"")
        .expect("a version field")
        + 23;
    body[i..].split('"').next().unwrap().to_string()
}

pub async fn page(r: reqwest::Response) -> Page {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    Page {
        status,
        location,
        body,
    }
}

/// A synthetic fødselsnummer (month + 80) for a date: never a real person.
pub fn synthetic_fnr(day: u32, month: u32, yy: u32) -> String {
    (100..500)
        .find_map(|i| fnr_with(day, month, yy, i))
        .expect("some individual number works")
}

fn fnr_with(day: u32, month: u32, yy: u32, individ: u32) -> Option<String> {
    let mut d: Vec<u32> = format!("{day:02}{:02}{yy:02}{individ:03}", month + 80)
        .bytes()
        .map(|b| (b - b'0') as u32)
        .collect();
    let k = |d: &[u32], w: &[u32]| {
        let s: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
        match 11 - s % 11 {
            11 => Some(0),
            10 => None,
            x => Some(x),
        }
    };
    let k1 = k(&d, &[3, 7, 6, 1, 8, 9, 4, 5, 2])?;
    d.push(k1);
    let k2 = k(&d, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])?;
    d.push(k2);
    Some(d.iter().map(|x| x.to_string()).collect())
}

impl TestApp {
    /// Posts a page as a browser would: with the version it was shown with and an action.
    pub async fn post_page(&self, path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let v = self.version(path).await;
        let mut pairs: Vec<(&str, &str)> = vec![("_version", &v), ("_action", action)];
        pairs.extend_from_slice(fields);
        self.post_form(path, &pairs).await
    }
}

/// The path part of a redirect, without any `#fragment`.
pub fn path_of(location: &str) -> String {
    location.split('#').next().unwrap().to_string()
}

impl TestApp {
    /// A system-user token for `org` from the built-in Maskinporten (as `tasteskjema dev token`).
    pub fn token(&self, org: &str, scope: &str) -> String {
        dev_token(&self.addr, org, scope)
    }

    /// As [`TestApp::token`], audience-restricted to `resource` when one is given (a grant's
    /// `resource`, which the token carries as `aud`).
    pub fn token_for(&self, org: &str, scope: &str, resource: Option<&str>) -> String {
        dev_token_for(&self.addr, org, scope, resource)
    }
}

/// A system-user token for `org` from the built-in Maskinporten of the portal at `url`.
pub fn dev_token(url: &str, org: &str, scope: &str) -> String {
    dev_token_for(url, org, scope, None)
}

/// As [`dev_token`], audience-restricted to `resource` when one is given.
pub fn dev_token_for(url: &str, org: &str, scope: &str, resource: Option<&str>) -> String {
    let catalog = tasteskjema::load_catalog(&forms_dir()).unwrap();
    tasteskjema::dev::maskinporten::system_user_token_for(
        &format!("{url}/dev/maskinporten/"),
        &catalog,
        org,
        scope,
        resource,
    )
    .unwrap()
}

/// A count from the portal's database, by SQL written for both dialects.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    if app.db_url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    }
}

/// Runs one statement on the portal's database, by SQL written for both dialects.
pub async fn execute(app: &TestApp, sql: &str) {
    if app.db_url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}

/// A process of the real binary, killed when dropped.
pub struct Process {
    pub child: std::process::Child,
    pub port: u16,
}

impl Process {
    /// Its address, on its port.
    pub fn url(&self) -> String {
        local_url(self.port)
    }
}

/// The address of `port` on this machine.
pub fn local_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts the binary with `args` and `env` (the forms beside the source, its own database unless
/// `env` names one); resolves once its first line, which must contain `says`, is out.
pub async fn start_binary(args: &[&str], env: &[(&str, String)], port: u16, says: &str) -> Process {
    use std::io::BufRead as _;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tasteskjema"));
    cmd.args(args)
        .env("TASTESKJEMA_FORMS_DIR", forms_dir())
        .env("TASTESKJEMA_LOG", "warn")
        .env_remove("TASTESKJEMA_DATABASE_URL")
        .env_remove("TASTESKJEMA_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let read = tokio::task::spawn_blocking(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let got = reader.read_line(&mut line).map(|_| line);
        // Keep reading, so that the process never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        got
    });
    let line = tokio::time::timeout(std::time::Duration::from_secs(90), read)
        .await
        .expect("it starts in time")
        .unwrap()
        .unwrap();
    assert!(line.contains(says), "{line}");
    Process { child, port }
}

/// The browser's part of a login: `/logg-inn` on `first`, the stand-in ID-porten at
/// `stand_ins`, and its callback (to `first`'s address) answered by `back` (one portal, or
/// another node behind the same address); returns the callback's answer.
pub async fn log_in_across(
    client: &reqwest::Client,
    first: &TestApp,
    back: &TestApp,
    stand_ins: &str,
    next: &str,
    pid: &str,
    acr: &str,
) -> Page {
    let q = serde_urlencoded::to_string([("neste", next)]).unwrap();
    let r = first.get_with(client, &format!("/logg-inn?{q}")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let authorize = r.location.unwrap();
    assert!(
        authorize.starts_with(&format!("{stand_ins}/dev/idporten/authorize?")),
        "{authorize}"
    );
    let page_at = page(client.get(&authorize).send().await.unwrap()).await;
    assert_eq!(page_at.status, 200, "{}", page_at.body);
    let login = attr(
        &page_at.body,
        "<input type=\"hidden\" name=\"login\"",
        "value",
    );
    let action = attr(&page_at.body, "<form", "action");
    let body = serde_urlencoded::to_string([
        ("login", login.as_str()),
        ("pid", pid),
        ("acr", acr),
        ("action", "login"),
    ])
    .unwrap();
    let r = client
        .post(format!("{stand_ins}{action}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let r = page(r).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let callback = r.location.unwrap();
    assert!(
        callback.starts_with(&format!("{}/logg-inn/tilbake?", first.addr)),
        "{callback}"
    );
    back.get_with(client, callback.trim_start_matches(&first.addr))
        .await
}

/// Asks `ask` up to 40 times, 50 ms apart, until it answers true: a change one node makes reaches
/// another's cache when its notification does, a moment after the change.
pub async fn soon(mut ask: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..40 {
        if ask().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// `GET url` with only `cookie` (a copy of a browser's), not following redirects.
pub async fn get_with_cookie(
    url: &str,
    cookie: &reqwest::header::HeaderValue,
) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .get(url)
        .header(reqwest::header::COOKIE, cookie.clone())
        .send()
        .await
        .unwrap()
}

/// Whether a request with `cookie` (a copy of a browser's) to `node` is sent to log in.
pub async fn sent_to_log_in(node: &str, cookie: &reqwest::header::HeaderValue) -> bool {
    let r = get_with_cookie(&format!("{node}/skjema/RF-1140"), cookie).await;
    r.status() == 303
        && r.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/logg-inn?")
}
