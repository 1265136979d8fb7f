//! Tasteskjema: Skatteetaten's form portal. Accessible browser forms and (later) the M2M API,
//! both feeding one intake.

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod dev;
pub mod form;
#[doc(hidden)]
pub mod fuzz;
pub mod i18n;
pub mod intake;
pub mod observe;
pub mod otlp;
pub mod ratelimit;
mod security;
pub mod server;
pub mod sftp;
pub mod store;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Extensions, HeaderMap, StatusCode, Version, header};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use config::{Config, LogFormat, Service};
use form::Catalog;
use store::Store;

/// A built portal: its router and what tests may want to reach behind it.
pub struct App {
    /// The whole HTTP app.
    pub router: Router,
    /// The database.
    pub store: Store,
    /// Every form.
    pub catalog: Arc<Catalog>,
    /// Where the SFTP server listens, when it runs (`sftp_listen`).
    pub sftp: Option<std::net::SocketAddr>,
    /// Where `/metrics` is served, when it is (`metrics_listen`).
    pub metrics: Option<std::net::SocketAddr>,
}

/// Loads and checks every form; an error names each problem as `file:line: …`.
pub fn load_catalog(dir: &std::path::Path) -> anyhow::Result<Catalog> {
    let loaded = form::load::load_dir(dir);
    for p in loaded.problems.iter().filter(|p| p.warning) {
        tracing::warn!("{p}");
    }
    match loaded.catalog {
        Some(c) => Ok(c),
        None => {
            let list: Vec<String> = loaded.errors().map(|p| p.to_string()).collect();
            anyhow::bail!("the forms have errors:\n{}", list.join("\n"))
        }
    }
}

/// Builds the portal from its configuration: forms, database, sessions, routes and layers; and
/// the SFTP server when `sftp_listen` is set.
pub async fn build(config: &Config) -> anyhow::Result<App> {
    build_with(config, None).await
}

/// As [`build`], with the SFTP server on a listener already bound.
pub async fn build_with(
    config: &Config,
    sftp_listener: Option<tokio::net::TcpListener>,
) -> anyhow::Result<App> {
    // Every problem at once, before anything starts: the settings missing in production are
    // named together rather than one per attempt (the arms below refusing them are a backstop).
    config
        .check()
        .map_err(|e| anyhow::anyhow!("the configuration has problems:\n{e}"))?;
    if config.production && config.live_preview {
        anyhow::bail!("the live preview is a tool for form authors, never run in production");
    }
    // The live preview starts whatever the files hold, and shows their problems on its pages.
    let live = config.live_preview.then(|| {
        Arc::new(web::saksbehandling::live::Live::new(
            config.forms_dir.clone(),
        ))
    });
    let catalog = match &live {
        Some(l) => l.now().catalog,
        None => Arc::new(load_catalog(&config.forms_dir)?),
    };
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let store = Store::connect_with(
        &config.database_url(),
        config.db_max_connections,
        Duration::from_secs(config.db_statement_timeout_s),
    )
    .await
    .context("connecting to the database")?
    .with_attachment_dir(config.attachment_dir.clone());
    // Expired sessions are deleted by the retention job. Each node caches the sessions it reads,
    // and forgets those another node changes (`Store::listen`, below).
    let sessions = store.session_store();
    let limits = web::session::Limits {
        idle_s: config.session_idle_s,
        absolute_s: config.session_absolute_s,
    };
    // In production the cookie is `__Host-` prefixed: browsers then take it only when Secure, for
    // Path=/, and without a Domain, so no other host under the same domain can set or shadow it.
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(if config.production {
            "__Host-tasteskjema_id"
        } else {
            "tasteskjema_id"
        })
        .with_path("/")
        .with_http_only(true)
        .with_secure(config.production)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            limits.kept_s(),
        )));
    // The embedded default logs in at the built-in ID-porten with a secret made for this start;
    // nodes sharing a stand-ins process (`stand_ins_url`) with the secret configured for it, and
    // mount no stand-ins of their own.
    let (dev_secret, mount_stand_ins) = match &config.stand_ins_url {
        _ if config.production => (None, false),
        Some(_) => (
            Some(
                config
                    .shared_stand_ins_secret()
                    .context("stand_ins_url needs stand_ins_secret")?
                    .to_owned(),
            ),
            false,
        ),
        None => {
            use rand::Rng;
            let made = rand::rng()
                .sample_iter(rand::distr::Alphanumeric)
                .take(40)
                .map(char::from)
                .collect::<String>();
            (Some(made), true)
        }
    };
    let public = config.public_url();
    let oidc = match (&config.idporten, &dev_secret) {
        (Some(s), _) => Some(oidc_config(
            s,
            "idporten",
            format!("{public}/logg-inn/tilbake"),
            format!("{public}/"),
        )?),
        (None, Some(secret)) => Some(dev::idporten_client(config, secret)),
        (None, None) => {
            config.endpoint(Service::Idporten)?;
            None
        }
    };
    let login = oidc
        .map(|c| web::login::Login::new(c, config.login_per_minute).map(Arc::new))
        .transpose()?;
    // The caseworker side's own login, at the agency's employee directory.
    let ansatt = match (&config.ansatt, &dev_secret) {
        (Some(s), _) => Some(oidc_config(
            s,
            "ansatt",
            format!("{public}{}", config::ANSATT_CALLBACK),
            format!("{public}{}", config::ANSATT_LOGGED_OUT),
        )?),
        (None, Some(secret)) => Some(dev::ansatt_client(config, secret)),
        (None, None) => {
            config.endpoint(Service::Ansatt)?;
            None
        }
    };
    let ansatt_login = ansatt
        .map(|c| {
            web::saksbehandling::login::AnsattLogin::new(c, config.login_per_minute).map(Arc::new)
        })
        .transpose()?;
    let http = auth::idporten::http_client()?;
    let mut altinn = auth::altinn::AltinnClient::new(config.endpoint(Service::Altinn)?.url, http);
    if let Some(a) = &config.altinn {
        if let Some(t) = &a.token {
            altinn = altinn.with_bearer_token(t.expose());
        }
        if let Some(k) = &a.subscription_key {
            altinn = altinn.with_subscription_key(k.expose());
        }
    }
    let authz: Arc<dyn auth::altinn::Authorization> = Arc::new(altinn);
    let domain_url = config.endpoint(Service::Domain)?.url;
    let maskinporten_issuer = config.endpoint(Service::Maskinporten)?.url;
    let dialogporten_url = config.endpoint(Service::Dialogporten)?.url;
    // The portal's own Maskinporten client, for Dialogporten's service-owner API.
    let (client_id, pem, kid) = match &config.maskinporten_client {
        Some(c) => (
            c.client_id.clone(),
            std::fs::read_to_string(&c.key_file)
                .with_context(|| format!("reading {}", c.key_file.display()))?,
            c.key_id.clone(),
        ),
        None if !config.production => dev::maskinporten::portal_client_key(),
        None => anyhow::bail!(
            "production needs the portal's Maskinporten client: set [maskinporten_client] or TASTESKJEMA_MASKINPORTEN_CLIENT_ID"
        ),
    };
    let mp_client = auth::maskinporten_client::MaskinportenClient::new(
        &maskinporten_issuer,
        &client_id,
        &pem,
        &kid,
        intake::dialogporten::SCOPE,
        auth::idporten::http_client()?,
    )?;
    // The same client asks for Folkeregisteret's scope in tokens of their own.
    let folkeregister_tokens = auth::maskinporten_client::MaskinportenClient::new(
        &maskinporten_issuer,
        &client_id,
        &pem,
        &kid,
        intake::registers::FOLKEREGISTER_SCOPE,
        auth::idporten::http_client()?,
    )?;
    let registers = Arc::new(intake::registers::Registers::new(
        config.endpoint(Service::Enhetsregisteret)?.url,
        config.endpoint(Service::Folkeregisteret)?.url,
        auth::idporten::http_client()?,
        Arc::new(folkeregister_tokens),
    ));
    let inbox = intake::inbox::DialogportenInbox::new(
        intake::dialogporten::DialogportenClient::new(
            dialogporten_url,
            auth::idporten::http_client()?,
            Arc::new(mp_client),
        ),
        &public,
    );
    let outbox = intake::outbox::Outbox::new(
        store.clone(),
        catalog.clone(),
        intake::domain::DomainClient::new(domain_url, auth::idporten::http_client()?),
        Some(inbox),
    );
    outbox.spawn(config.outbox_workers);
    // One connection hears the other nodes: jobs they added (for the workers, if any), sessions
    // they changed (for this node's cache).
    if config.outbox_workers > 0 {
        store.listen(outbox.waker());
    } else {
        store.listen(|| {});
    }
    let retention = Arc::new(intake::retention::Retention::new(
        store.clone(),
        catalog.clone(),
        intake::retention::Periods {
            draft_days: config.retention_draft_days,
            submission_years: config.retention_submission_years,
            audit_years: config.retention_audit_years,
        },
    ));
    retention.clone().spawn();
    let tokens = auth::maskinporten::TokenValidator::new(
        auth::maskinporten::MaskinportenConfig {
            audiences: config.api_audiences.clone(),
            require_audience: config.require_audience,
            ..auth::maskinporten::MaskinportenConfig::new(maskinporten_issuer)
        },
        auth::idporten::http_client()?,
    )?;
    let idp_origin = login.as_ref().and_then(|l| l.issuer_origin());
    let tracer = match &config.otlp_endpoint {
        Some(endpoint) => Some(otlp::Exporter::start(endpoint)?),
        None => None,
    };
    let metrics = match config.metrics_listen {
        Some(at) => Some(observe::spawn_metrics(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("binding the metrics listener to {at}"))?,
            observe::Sources {
                store: store.clone(),
                handle: observe::recorder(),
            },
        )?),
        None => None,
    };
    let scanner = match &config.clamd {
        Some(c) => {
            let sc = Arc::new(intake::scan::Scanner::from_setting(c)?);
            tokio::spawn(
                sc.clone()
                    .sweep_every(store.clone(), std::time::Duration::from_secs(60)),
            );
            Some(sc)
        }
        None => None,
    };
    let readiness = observe::Readiness {
        store: store.clone(),
        forms: catalog.forms.len(),
        clamd: scanner.clone(),
    };
    let uploads = Arc::new(intake::attachments::Uploads::new(
        &catalog,
        scanner,
        intake::attachments::upload_dir(&config.data_dir),
        config.body_limit,
    ));
    let sftp_listener = match (sftp_listener, config.sftp_listen) {
        (Some(l), _) => Some(l),
        (None, Some(at)) => Some(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("binding the SFTP server to {at}"))?,
        ),
        (None, None) => None,
    };
    let sftp = match sftp_listener {
        Some(listener) => {
            if !config.production {
                dev::register_sftp_keys(config, &store).await?;
            }
            let state = Arc::new(sftp::SftpState::new(
                catalog.clone(),
                store.clone(),
                authz.clone(),
                Some(outbox.clone()),
                config.data_dir.join("sftp-spool"),
                config.body_limit,
                config.sftp_sessions_per_org,
            ));
            let host_key = auth::ssh::host_key(&config.sftp_host_key_file())?;
            Some(sftp::spawn(
                listener,
                state,
                host_key,
                Duration::from_secs(config.sftp_idle_s),
            )?)
        }
        None => None,
    };
    let state = web::AppState {
        catalog: catalog.clone(),
        store: store.clone(),
        login,
        authz: Some(authz.clone()),
        outbox: Some(outbox.clone()),
        limits,
        uploads: uploads.clone(),
        stash_limit: Arc::new(ratelimit::RateLimit::new(10, Duration::from_secs(60))),
        registers,
        retention,
    };
    let api = api::router(api::ApiState {
        catalog: catalog.clone(),
        store: store.clone(),
        authz,
        tokens,
        outbox: Some(outbox),
        permits: Arc::default(),
        names: Arc::default(),
        uploads,
        staged_open_ms: config.ar_open_hours.saturating_mul(3_600_000),
    });
    let caseworkers = web::saksbehandling::router(
        web::saksbehandling::CaseState {
            catalog: catalog.clone(),
            store: store.clone(),
            login: ansatt_login,
            limits: web::session::Limits {
                idle_s: config.ansatt_idle_s,
                absolute_s: config.ansatt_absolute_s,
            },
            outbox: state.outbox.clone(),
            forms_dir: (!config.production).then(|| config.forms_dir.clone()),
            author: live.as_ref().map(|_| web::saksbehandling::live::author()),
            live,
            spool_dir: state.uploads.tmp_dir.clone(),
        },
        config.production,
    );
    let mut router = web::router(state)
        .merge(api)
        .merge(caseworkers)
        .merge(observe::probes(readiness));
    if let Some(secret) = dev_secret.as_deref().filter(|_| mount_stand_ins) {
        router = router.merge(dev::mount(config, &catalog, secret).await?);
    }
    if config.production {
        router = router.layer(axum::middleware::from_fn(security::no_stand_ins));
    }
    let router = router
        .layer(session_layer)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(security::Policy::new(
                config.production,
                idp_origin.as_deref().filter(|o| *o != public_origin(&public)),
            )),
            security::headers,
        ))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                // Files are sent as they were given (most are compressed already).
                .compress_when(DefaultPredicate::new().and(
                    |_: StatusCode, _: Version, h: &HeaderMap, _: &Extensions| {
                        !h.contains_key(header::CONTENT_DISPOSITION)
                    },
                )),
        )
        .layer(axum::middleware::from_fn_with_state(
            trusted_proxies(config),
            client_ip::layer,
        ))
        // A request stuck (a database gone silent) is answered 503 after its time limit.
        .layer(axum::middleware::from_fn_with_state(
            server::TimeLimit {
                after: Duration::from_secs(config.request_timeout_s),
                answer: Arc::new(|path: &str, headers: &axum::http::HeaderMap| {
                    if path == "/api" || path.starts_with("/api/") {
                        api::unavailable()
                    } else {
                        web::unavailable_page(path, headers)
                    }
                }),
            },
            server::time_limit,
        ))
        // A body that goes quiet half way is ended rather than held open.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            server::BODY_IDLE_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                let client_id = req
                    .extensions()
                    .get::<security::ClientRequestId>()
                    .map_or("-", |c| c.0.as_str());
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, client_request_id = %client_id)
            }),
        )
        // Counted, timed and logged once each, by route template (inside the request id).
        .layer(axum::middleware::from_fn_with_state(
            tracer,
            observe::requests,
        ))
        // Outermost: every request gets the portal's own id before anything logs.
        .layer(axum::middleware::from_fn(security::request_id));
    Ok(App {
        router,
        store,
        catalog,
        sftp,
        metrics,
    })
}

/// Whether an address is one of the configured trusted proxies.
fn trusted_proxies(config: &Config) -> client_ip::Trusted {
    let nets = config.trusted_proxies.clone();
    Arc::new(move |ip| nets.iter().any(|n| n.contains(ip)))
}

/// The origin (scheme, host, port) of a URL.
fn public_origin(url: &str) -> String {
    openidconnect::url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// The client configuration for a real OpenID provider (`section`: `idporten` or `ansatt`).
fn oidc_config(
    s: &config::OidcSettings,
    section: &str,
    redirect_uri: String,
    post_logout_redirect_uri: String,
) -> anyhow::Result<auth::idporten::OidcConfig> {
    use auth::idporten::ClientAuth;
    let secret = || {
        s.client_secret
            .clone()
            .with_context(|| format!("{section}.client_secret is required for this client_auth"))
    };
    let client_auth = match s.client_auth.as_str() {
        "client_secret_basic" => ClientAuth::SecretBasic(secret()?),
        "client_secret_post" => ClientAuth::SecretPost(secret()?),
        "private_key_jwt" => {
            let file = s.client_key_file.as_ref().with_context(|| {
                format!("{section}.client_key_file is required for private_key_jwt")
            })?;
            let pem = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            ClientAuth::PrivateKeyJwt {
                key_pem: config::Secret::new(pem),
                kid: s.client_key_id.clone().with_context(|| {
                    format!("{section}.client_key_id is required for private_key_jwt")
                })?,
            }
        }
        other => anyhow::bail!("unknown {section}.client_auth {other:?}"),
    };
    Ok(auth::idporten::OidcConfig {
        issuer: s.issuer.clone(),
        client_id: s.client_id.clone(),
        client_auth,
        redirect_uri,
        post_logout_redirect_uri,
        use_par: s.use_par,
    })
}

/// Starts logging as configured.
pub fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .try_init(),
        // Colours only for a person at a terminal, never into a file or a log collector.
        LogFormat::Pretty => {
            use std::io::IsTerminal as _;
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(std::io::stdout().is_terminal())
                .try_init()
        }
    };
}

/// What `serve` prints when it is ready: the address to open, and where SFTP listens.
fn ready_lines(
    config: &Config,
    addr: std::net::SocketAddr,
    sftp: Option<std::net::SocketAddr>,
    metrics: Option<std::net::SocketAddr>,
) -> Vec<String> {
    let mut said = Vec::new();
    said.push(if config.live_preview {
        format!(
            "Tasteskjema's live preview of {} is running: open http://{addr}{}/skjema",
            config.forms_dir.display(),
            config::ANSATT_HOME
        )
    } else {
        format!("Tasteskjema is running: open http://{addr}/")
    });
    if let Some(sftp) = sftp {
        said.push(format!("SFTP is listening on {sftp}"));
        if !config.production {
            said.push(format!(
                "  try: sftp -P {} -i dev/keys/819897522 819897522@{}",
                sftp.port(),
                sftp.ip()
            ));
        }
    }
    if let Some(m) = metrics {
        said.push(format!("metrics: http://{m}/metrics"));
    }
    said
}

/// Prints the lines that say a process is ready, in one write (whoever reads the first line may
/// stop reading after it). In JSON mode each is a JSON line, as the logs are, so that every line
/// of the output is JSON.
fn print_ready(config: &Config, said: &[String]) {
    use std::io::Write as _;
    let mut out = String::new();
    for line in said {
        match config.log_format {
            LogFormat::Pretty => out.push_str(line),
            LogFormat::Json => out.push_str(
                &serde_json::json!({
                    "timestamp": time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                    "level": "INFO",
                    "fields": { "message": line.trim_start() },
                    "target": "tasteskjema",
                })
                .to_string(),
            ),
        }
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    // Nobody reading is no reason to stop serving.
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Serves the portal until Ctrl-C or SIGTERM, then finishes the requests under way.
pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    // Bind first: with port 0 the address, and so the default public URL, is known only now.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    config.listen = addr;
    // SFTP on the embedded default: port 2222, or any free port when it is taken (printed
    // below). A configured address is bound by `build`, which refuses one that is taken.
    let sftp_listener = match (config.sftp_listen, config.sftp_address()) {
        (None, Some(at)) => Some(match tokio::net::TcpListener::bind(at).await {
            Ok(l) => l,
            Err(_) => tokio::net::TcpListener::bind(std::net::SocketAddr::new(at.ip(), 0)).await?,
        }),
        _ => None,
    };
    if let Some(l) = &sftp_listener {
        config.sftp_listen = Some(l.local_addr()?);
    }
    let app = build_with(&config, sftp_listener).await?;
    tracing::info!(%addr, database = app.store.backend(), forms = app.catalog.forms.len(), "listening");
    print_ready(&config, &ready_lines(&config, addr, app.sftp, app.metrics));
    server::serve(listener, app.router, shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Serves the built-in stand-ins alone (`tasteskjema dev stand-ins`) on `listen`, or the host and
/// port of `stand_ins_url`, until Ctrl-C or SIGTERM. Their client secret is `stand_ins_secret`;
/// the portal's clients are registered at its `public_url`.
pub async fn serve_stand_ins(
    mut config: Config,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        !config.production,
        "the configuration says production: the built-in stand-ins are refused"
    );
    let secret = config
        .shared_stand_ins_secret()
        .context("set stand_ins_secret (TASTESKJEMA_STAND_INS_SECRET): the nodes' client secret")?
        .to_owned();
    let listen = match (listen, &config.stand_ins_url) {
        (Some(at), _) => at,
        (None, Some(u)) => {
            let url = openidconnect::url::Url::parse(u)
                .with_context(|| format!("stand_ins_url {u:?}"))?;
            let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
            let port = url.port_or_known_default().unwrap_or(80);
            format!("{host}:{port}").parse().with_context(|| {
                format!("stand_ins_url {u:?} names no IP address: give --listen")
            })?
        }
        (None, None) => anyhow::bail!(
            "set stand_ins_url (TASTESKJEMA_STAND_INS_URL), the address the nodes reach the stand-ins at"
        ),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    if config.stand_ins_url.is_none() {
        config.stand_ins_url = Some(format!("http://{addr}"));
    }
    let catalog = load_catalog(&config.forms_dir)?;
    let router = dev::mount(&config, &catalog, &secret)
        .await?
        .route("/livez", axum::routing::get(|| async { "ok\n" }))
        .layer(TraceLayer::new_for_http());
    tracing::info!(%addr, "stand-ins listening");
    print_ready(
        &config,
        &[format!(
            "Tasteskjema's stand-ins are running at {}/dev/ for the portal at {}",
            config.stand_ins_base(),
            config.public_url()
        )],
    );
    server::serve(listener, router, shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
