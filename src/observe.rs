//! What an operator watches: Prometheus metrics on a listener of their own (`metrics_listen`),
//! one log line per request, and the probes `/livez` and `/readyz`.
//!
//! Every metric is named `tasteskjema_…`. Label values are chosen from short fixed lists (a route
//! template, a status, a form id, a kind, a reason), never an identifier of a person, an
//! organisation, a submission or a request: those belong in the logs.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::{JobKind, Store};

/// The probes' router: `/livez`, `/readyz`, and `/healthz` as `/readyz`'s older name.
pub fn probes(readiness: Readiness) -> Router {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/healthz", get(readyz))
        .with_state(Arc::new(readiness))
}

/// Latency buckets, in seconds: from a cached page to a slow outside system.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's one recorder (the `metrics` facade has one per process; tests build many apps
/// in one process, and they share it).
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "another metrics recorder was installed first; /metrics stays empty"
                );
            }
            handle
        })
        .clone()
}

/// What the metrics listener reads from at a scrape.
#[derive(Clone)]
pub struct Sources {
    /// The database (outbox, sessions, pool).
    pub store: Store,
    /// The recorder's handle.
    pub handle: PrometheusHandle,
}

/// The metrics listener's router: `GET /metrics` and nothing else.
fn metrics_router(sources: Sources) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Arc::new(sources))
}

/// Starts serving the metrics on `listener`; returns its address.
pub fn spawn_metrics(
    listener: tokio::net::TcpListener,
    sources: Sources,
) -> std::io::Result<std::net::SocketAddr> {
    let at = listener.local_addr()?;
    let app = metrics_router(sources);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(at)
}

/// `GET /metrics`: the figures read from the database now, then everything in the text format.
async fn scrape(State(s): State<Arc<Sources>>) -> Response {
    sample(&s.store).await;
    s.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.handle.render(),
    )
        .into_response()
}

/// Sets the gauges read from the database: the outbox, live sessions, the pool. A failed read
/// is counted (`tasteskjema_metrics_read_failures_total`) and leaves the last figures.
async fn sample(store: &Store) {
    let pool = store.pool_figures();
    metrics::gauge!("tasteskjema_db_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("tasteskjema_db_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("tasteskjema_db_connections_max").set(f64::from(pool.max));
    metrics::gauge!("tasteskjema_db_writers_waiting").set(pool.waiting_to_write as f64);
    match store.job_counts().await {
        Ok(counts) => {
            for kind in JobKind::ALL {
                for state in ["pending", "parked"] {
                    let c = counts
                        .iter()
                        .find(|c| c.kind == kind.as_str() && c.state == state);
                    let labels = [("kind", kind.as_str()), ("state", state)];
                    metrics::gauge!("tasteskjema_outbox_jobs", &labels)
                        .set(c.map_or(0.0, |c| c.jobs as f64));
                    metrics::gauge!("tasteskjema_outbox_job_attempts", &labels)
                        .set(c.map_or(0.0, |c| c.attempts as f64));
                }
                let oldest = counts
                    .iter()
                    .find(|c| c.kind == kind.as_str() && c.state == "pending")
                    .map_or(0.0, |c| c.oldest_ms.max(0) as f64 / 1000.0);
                metrics::gauge!("tasteskjema_outbox_oldest_pending_seconds", "kind" => kind.as_str())
                    .set(oldest);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading the outbox for the metrics failed");
            metrics::counter!("tasteskjema_metrics_read_failures_total", "what" => "outbox")
                .increment(1);
        }
    }
    match store.live_sessions().await {
        Ok((people, employees)) => {
            metrics::gauge!("tasteskjema_sessions_live", "side" => "business").set(people as f64);
            metrics::gauge!("tasteskjema_sessions_live", "side" => "caseworker")
                .set(employees as f64);
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading the sessions for the metrics failed");
            metrics::counter!("tasteskjema_metrics_read_failures_total", "what" => "sessions")
                .increment(1);
        }
    }
}

/// The route a request matched, as its template (`/skjema/{form}/{draft}/{page}`); a request no
/// route took is `unmatched`, so a scan of random paths adds no series.
fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned())
}

/// Counts and times every request by method, route template and status, and writes one `info`
/// line for it with the same and the request id (set by the request-id layer outside this one).
/// With `otlp_endpoint` set, the request is also a server span of a trace (`otlp`), whose id the
/// line then carries.
pub async fn requests(
    State(tracer): State<Option<Arc<crate::otlp::Exporter>>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let started = std::time::SystemTime::now();
    let method = req.method().clone();
    let route = route_of(&req);
    let request_id = crate::security::RequestId::current();
    let trace = tracer.as_ref().and_then(|_| {
        crate::otlp::Exporter::begin(
            req.headers()
                .get("traceparent")
                .and_then(|v| v.to_str().ok()),
        )
    });
    let response = next.run(req).await;
    let elapsed = start.elapsed();
    let status = response.status();
    let trace_id = trace.map_or_else(|| "-".to_owned(), |t| hex::encode(t.trace_id));
    if let (Some(tracer), Some(ids)) = (&tracer, trace) {
        tracer.record(crate::otlp::Span {
            ids,
            start: started,
            duration: elapsed,
            method: method_label(&method),
            route: route.clone(),
            status: status.as_u16(),
            request_id: request_id.clone(),
        });
    }
    let labels = [
        ("method", method_label(&method).to_owned()),
        ("route", route.clone()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("tasteskjema_http_requests_total", &labels).increment(1);
    metrics::histogram!("tasteskjema_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    tracing::info!(
        target: "tasteskjema::request",
        method = %method,
        route = %route,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = %request_id,
        trace_id = %trace_id,
        "request"
    );
    response
}

/// A method as a label: the usual ones by name, anything else as `other`.
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// What `/readyz` looks at.
#[derive(Clone)]
pub struct Readiness {
    /// The database.
    pub store: Store,
    /// How many forms were loaded at start.
    pub forms: usize,
    /// The virus scanner, when `clamd` is configured.
    pub clamd: Option<Arc<crate::intake::scan::Scanner>>,
}

/// `GET /livez`: the process answers. Nothing else is looked at: a database outage must not make
/// an orchestrator restart every node.
pub async fn livez() -> &'static str {
    "ok\n"
}

/// `GET /readyz` (and `/healthz`): 200 when every check passes, else 503; the body names each
/// check and its result, one per line.
pub async fn readyz(State(r): State<Arc<Readiness>>) -> Response {
    let mut lines = Vec::new();
    let mut ready = true;
    let mut check = |name: &str, ok: bool, detail: String| {
        ready &= ok;
        lines.push(format!(
            "{name}: {}{}",
            if ok { "ok" } else { "failed" },
            if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            }
        ));
    };
    match r.store.health().await {
        Ok(()) => check("database", true, String::new()),
        Err(e) => {
            tracing::error!(error = %e, "readiness: the database does not answer");
            check("database", false, "no answer".into());
        }
    }
    match r.store.migrations_missing().await {
        Ok(0) => check("migrations", true, String::new()),
        Ok(n) => check("migrations", false, format!("{n} not applied")),
        Err(e) => {
            tracing::error!(error = %e, "readiness: the migrations could not be read");
            check("migrations", false, "not readable".into());
        }
    }
    check("forms", r.forms > 0, format!("{} loaded", r.forms));
    if let Some(scanner) = &r.clamd {
        let ok = scanner.answers().await;
        check(
            "clamd",
            ok,
            if ok {
                String::new()
            } else {
                "no answer".into()
            },
        );
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = lines.join("\n");
    body.push('\n');
    (status, [(header::CACHE_CONTROL, "no-store")], body).into_response()
}
