//! The HTTP server loop: hyper with the time limits `axum::serve` does not set. A client that
//! sends its request headers a byte at a time, or goes quiet half way through a body, would
//! otherwise hold a connection (and whatever it had spooled) for as long as it liked.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// A request's headers must have arrived this long after its first byte.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// A request body that sends nothing for this long is ended (see [`crate::build`]).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// After a stop signal, requests under way get this long to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests under way
/// finish (for at most [`DRAIN_TIMEOUT`]). Each request carries the peer's address
/// ([`ConnectInfo`]), as `axum::serve` with connect info would give it.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = tower::ServiceExt::map_request(
            router.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            },
        );
        let conn = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still under way at the stop were cut off");
    }
    Ok(())
}

/// What a [`TimeLimit`] answers, from the request's path and headers.
pub type Answer =
    std::sync::Arc<dyn Fn(&str, &axum::http::HeaderMap) -> axum::response::Response + Send + Sync>;

/// A request's time limit: how long it may take once its body has arrived, and what to answer
/// when it runs out (503 with `Retry-After`, in the shape of the part of the portal asked).
#[derive(Clone)]
pub struct TimeLimit {
    /// The limit, counted from the body's end (or from the start, for a request without one),
    /// so a slow upload is limited by [`BODY_IDLE_TIMEOUT`] and not by this.
    pub after: Duration,
    /// The answer when it runs out, from the request's path and headers.
    pub answer: Answer,
}

/// Ends a request that has not answered within its [`TimeLimit`]: a database that has gone
/// silent (no error, no answer) would otherwise hold every request already inside a query for as
/// long as the silence lasts. The handler's future is dropped, which rolls back what it had begun.
pub async fn time_limit(
    axum::extract::State(limit): axum::extract::State<TimeLimit>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use http_body::Body as _;
    let (parts, body) = req.into_parts();
    let (done, body_ended) = tokio::sync::oneshot::channel::<()>();
    let body = if body.is_end_stream() {
        drop(done);
        body
    } else {
        axum::body::Body::new(Watched {
            inner: body,
            done: Some(done),
        })
    };
    // Only what the answer needs is kept aside (not the extensions).
    let (uri, headers) = (parts.uri.clone(), parts.headers.clone());
    let run = next.run(axum::extract::Request::from_parts(parts, body));
    let clock = async {
        // Sent at the body's end; dropped unsent when the handler drops the body unread.
        let _ = body_ended.await;
        tokio::time::sleep(limit.after).await;
    };
    tokio::select! {
        r = run => r,
        () = clock => {
            tracing::warn!(path = %uri.path(), limit_s = limit.after.as_secs(), "request over its time limit; answered 503");
            metrics::counter!("tasteskjema_http_timeouts_total").increment(1);
            (limit.answer)(uri.path(), &headers)
        }
    }
}

/// A request body that says when it has ended.
struct Watched {
    inner: axum::body::Body,
    done: Option<tokio::sync::oneshot::Sender<()>>,
}

impl http_body::Body for Watched {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &polled {
            std::task::Poll::Ready(None | Some(Err(_))) => true,
            std::task::Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            std::task::Poll::Pending => false,
        };
        if ended && let Some(done) = self.done.take() {
            let _ = done.send(());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
