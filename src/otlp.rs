//! OpenTelemetry traces, when `otlp_endpoint` is set (off by default): one server span for each
//! request, named by its route template, sent in batches to an OTLP collector over HTTP as JSON
//! (`POST {otlp_endpoint}/v1/traces`, the OTLP/HTTP JSON encoding). A request that carries a W3C
//! `traceparent` header continues the caller's trace (a load balancer's or a gateway's), and one
//! the caller chose not to sample is not exported.
//!
//! Exporting never holds a request: a finished span goes into a bounded queue, and a batch leaves
//! every two seconds or at 512 spans. When the collector is slow or gone, the spans that do not fit
//! are dropped and counted (`tasteskjema_otlp_spans_total`, by outcome), never waited for.
//! Spans carry no identifiers of people or parties: the method, the route template, the status
//! and the portal's request id (which the logs also carry).

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// How many finished spans may wait for export; more are dropped.
const QUEUE: usize = 8192;
/// The most spans in one export.
const BATCH: usize = 512;
/// How long a span waits at most for its batch to fill.
const EVERY: Duration = Duration::from_secs(2);
/// How long one export may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A trace's place as a `traceparent` header gives it (W3C Trace Context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The trace (16 bytes, not all zero).
    pub trace_id: [u8; 16],
    /// The caller's span (8 bytes, not all zero).
    pub span_id: [u8; 8],
    /// Whether the caller records this trace (the `sampled` flag).
    pub sampled: bool,
}

impl Parent {
    /// Reads a `traceparent` header; `None` for one that is not valid, which is then ignored as
    /// the recommendation says (a new trace is started).
    pub fn parse(header: &str) -> Option<Parent> {
        let mut parts = header.trim().split('-');
        let version = parts.next()?;
        let trace = parts.next()?;
        let span = parts.next()?;
        let flags = parts.next()?;
        // Version 00 has exactly four parts; a later version may add parts after them.
        let rest = parts.next();
        if version.len() != 2
            || !lower_hex(version)
            || version == "ff"
            || (version == "00" && rest.is_some())
            || flags.len() != 2
            || !lower_hex(flags)
        {
            return None;
        }
        let trace_id: [u8; 16] = hex_bytes(trace)?;
        let span_id: [u8; 8] = hex_bytes(span)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(Parent {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }
}

fn lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex_bytes<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !lower_hex(s) {
        return None;
    }
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// A request's place in a trace: its trace, its own span, and the caller's span if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    /// The trace.
    pub trace_id: [u8; 16],
    /// The request's span.
    pub span_id: [u8; 8],
    /// The caller's span, when the request continued a trace.
    pub parent: Option<[u8; 8]>,
}

/// A finished server span, named `METHOD /route/{template}`.
#[derive(Debug, Clone)]
pub struct Span {
    /// Its trace, itself and its caller's span.
    pub ids: Ids,
    /// When the request came (from the clock, for the collector).
    pub start: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The request's method.
    pub method: &'static str,
    /// The route template (`unmatched` when no route took it).
    pub route: String,
    /// The answer's status.
    pub status: u16,
    /// The portal's id of the request (`x-request-id`).
    pub request_id: String,
}

/// Sends spans to the collector from a task of its own.
pub struct Exporter {
    queue: mpsc::Sender<Span>,
}

impl Exporter {
    /// Starts exporting to `endpoint` (the collector's base URL, e.g.
    /// `http://otel-collector:4318`) on the current runtime.
    pub fn start(endpoint: &str) -> anyhow::Result<Arc<Exporter>> {
        let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(send_batches(rx, http, url, resource()));
        Ok(Arc::new(Exporter { queue }))
    }

    /// The trace a request belongs to and its own span id: the caller's trace when it sent a
    /// valid `traceparent`, else a new one. `None` when the caller's trace is not sampled.
    pub fn begin(header: Option<&str>) -> Option<Ids> {
        let mut rng = rand::rng();
        let span_id = nonzero(&mut rng);
        match header.and_then(Parent::parse) {
            Some(p) if !p.sampled => None,
            Some(p) => Some(Ids {
                trace_id: p.trace_id,
                span_id,
                parent: Some(p.span_id),
            }),
            None => Some(Ids {
                trace_id: nonzero(&mut rng),
                span_id,
                parent: None,
            }),
        }
    }

    /// Queues a finished span; drops it (counted) when the queue is full.
    pub fn record(&self, span: Span) {
        if self.queue.try_send(span).is_err() {
            metrics::counter!("tasteskjema_otlp_spans_total", "outcome" => "dropped").increment(1);
        }
    }
}

fn nonzero<const N: usize>(rng: &mut impl rand::Rng) -> [u8; N] {
    loop {
        let mut b = [0u8; N];
        rng.fill(&mut b[..]);
        if b != [0; N] {
            return b;
        }
    }
}

/// What every span comes from: this service, its version and this process.
fn resource() -> Value {
    json!({
        "attributes": [
            text("service.name", "tasteskjema"),
            text("service.version", env!("CARGO_PKG_VERSION")),
            text("service.instance.id", &uuid::Uuid::new_v4().to_string()),
        ]
    })
}

/// A text attribute.
fn text(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

/// The request as OTLP JSON: ids in lower-case hex, times as decimal strings of nanoseconds.
fn span_json(s: &Span) -> Value {
    let start = s
        .start
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let end = start + s.duration.as_nanos();
    let mut span = json!({
        "traceId": hex::encode(s.ids.trace_id),
        "spanId": hex::encode(s.ids.span_id),
        "name": format!("{} {}", s.method, s.route),
        // SPAN_KIND_SERVER
        "kind": 2,
        "startTimeUnixNano": start.to_string(),
        "endTimeUnixNano": end.to_string(),
        "attributes": [
            text("http.request.method", s.method),
            text("http.route", &s.route),
            json!({"key": "http.response.status_code", "value": {"intValue": s.status.to_string()}}),
            text("tasteskjema.request_id", &s.request_id),
        ],
        // A server's own failures are errors; a 4xx is the client's (left unset).
        "status": if s.status >= 500 { json!({"code": 2}) } else { json!({}) },
    });
    if let Some(p) = s.ids.parent {
        span["parentSpanId"] = json!(hex::encode(p));
    }
    span
}

/// One export request's body.
fn body(resource: &Value, spans: &[Span]) -> Value {
    json!({
        "resourceSpans": [{
            "resource": resource,
            "scopeSpans": [{
                "scope": {"name": "tasteskjema", "version": env!("CARGO_PKG_VERSION")},
                "spans": spans.iter().map(span_json).collect::<Vec<_>>(),
            }],
        }],
    })
}

/// The exporting task: a batch when it is full or two seconds old, until the portal stops.
async fn send_batches(
    mut rx: mpsc::Receiver<Span>,
    http: reqwest::Client,
    url: String,
    resource: Value,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // Wait for a first span, then fill the batch for at most EVERY.
        match rx.recv().await {
            Some(s) => batch.push(s),
            None => return,
        }
        let deadline = tokio::time::Instant::now() + EVERY;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(s)) => batch.push(s),
                Ok(None) | Err(_) => break,
            }
        }
        let outcome = match http.post(&url).json(&body(&resource, &batch)).send().await {
            Ok(r) if r.status().is_success() => "exported",
            Ok(r) => {
                tracing::warn!(status = r.status().as_u16(), %url, "the trace collector refused spans");
                "failed"
            }
            Err(e) => {
                tracing::warn!(error = %e, %url, "the trace collector could not be reached");
                "failed"
            }
        };
        metrics::counter!("tasteskjema_otlp_spans_total", "outcome" => outcome)
            .increment(batch.len() as u64);
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN: &str = "00f067aa0ba902b7";

    #[test]
    fn a_valid_traceparent_is_read() {
        let p = Parent::parse(&format!("00-{TRACE}-{SPAN}-01")).unwrap();
        assert_eq!(hex::encode(p.trace_id), TRACE);
        assert_eq!(hex::encode(p.span_id), SPAN);
        assert!(p.sampled);
        assert!(
            !Parent::parse(&format!("00-{TRACE}-{SPAN}-00"))
                .unwrap()
                .sampled
        );
        // A later version may carry more after the flags.
        assert!(Parent::parse(&format!("01-{TRACE}-{SPAN}-01-more")).is_some());
    }

    #[test]
    fn an_invalid_traceparent_is_ignored() {
        for bad in [
            String::new(),
            "garbage".into(),
            format!("00-{}-{SPAN}-01", "0".repeat(32)),
            format!("00-{TRACE}-{}-01", "0".repeat(16)),
            format!("00-{}-{SPAN}-01", TRACE.to_uppercase()),
            format!("ff-{TRACE}-{SPAN}-01"),
            format!("00-{TRACE}-{SPAN}-01-more"),
            format!("00-{TRACE}a-{SPAN}-01"),
            format!("00-{TRACE}-{SPAN}-1"),
            format!("0-{TRACE}-{SPAN}-01"),
            format!("00-{TRACE}-{SPAN}"),
        ] {
            assert_eq!(Parent::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_trace_is_continued_or_begun_and_an_unsampled_one_is_not_recorded() {
        let ids = Exporter::begin(Some(&format!("00-{TRACE}-{SPAN}-01"))).unwrap();
        assert_eq!(hex::encode(ids.trace_id), TRACE);
        assert_eq!(ids.parent.map(hex::encode).as_deref(), Some(SPAN));
        assert_ne!(ids.span_id, [0; 8]);
        assert_eq!(
            Exporter::begin(Some(&format!("00-{TRACE}-{SPAN}-00"))),
            None
        );
        let ids = Exporter::begin(Some("not a traceparent")).unwrap();
        assert_ne!(hex::encode(ids.trace_id), TRACE);
        assert_eq!(ids.parent, None);
    }

    #[test]
    fn a_span_is_written_as_the_otlp_json_encoding_has_it() {
        let s = Span {
            ids: Ids {
                trace_id: hex_bytes(TRACE).unwrap(),
                span_id: hex_bytes(SPAN).unwrap(),
                parent: Some([1, 2, 3, 4, 5, 6, 7, 8]),
            },
            start: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            duration: Duration::from_micros(2_500),
            method: "GET",
            route: "/kvittering/{id}".into(),
            status: 503,
            request_id: "r-1".into(),
        };
        let v = span_json(&s);
        assert_eq!(v["traceId"], TRACE);
        assert_eq!(v["spanId"], SPAN);
        assert_eq!(v["parentSpanId"], "0102030405060708");
        assert_eq!(v["kind"], 2);
        assert_eq!(v["startTimeUnixNano"], "1700000000123000000");
        assert_eq!(v["endTimeUnixNano"], "1700000000125500000");
        assert_eq!(v["status"]["code"], 2);
        assert_eq!(v["attributes"][2]["value"]["intValue"], "503");
        let b = body(&resource(), &[s]);
        assert_eq!(
            b["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
            "tasteskjema"
        );
        assert_eq!(
            b["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"],
            "GET /kvittering/{id}"
        );
    }
}
