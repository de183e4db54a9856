//! The companion server: health, delayed pages for the I/O lessons, native runs for the page,
//! and (with `--static-dir`) the built page itself with the headers that make it cross-origin
//! isolated.

mod background;
mod conn;
mod guard;
mod pages;
#[cfg(test)]
mod tests;

pub use background::{Background, RunCompanion};
pub use conn::{HEADER_TIMEOUT, WRITE_STALL};
pub use guard::HostGuard;

use crate::exec;
use crate::run::{self, Plan};
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use interleave_shared::RunBody;
use interleave_shared::lessons::io;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// `GET /api/health`: the version of this binary and the cores it can use, so the page can label
/// native rows honestly.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Crate version of the running companion.
    pub version: &'static str,
    /// Cores available to this process.
    pub cores: usize,
}

/// Shared by all handlers.
#[derive(Clone)]
struct AppState {
    /// Our own base URL, where io runs fetch their pages.
    base: String,
    /// When the native run in progress started; `None` when there is none (runs are one at a
    /// time). Held by the run's own thread, not by the request.
    slot: Arc<Mutex<Option<Instant>>>,
    /// Bytes of pages in flight (see `pages.rs`).
    pages: pages::Budget,
}

/// Every error answer: `{"error": "..."}` with a status.
#[derive(Debug)]
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

/// Connections accepted by every companion in this process, for the `local` lesson.
static ACCEPTED: AtomicU64 = AtomicU64::new(0);

/// `GET /api/connections`: how many TCP connections this companion has accepted.
async fn connections() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "accepted": ACCEPTED.load(Ordering::SeqCst) }))
}

async fn health() -> Json<Health> {
    Json(Health {
        version: env!("CARGO_PKG_VERSION"),
        cores: exec::default_workers() as usize,
    })
}

/// `GET /api/delay/{ms}?bytes=N&page=K`: wait `ms`, then send page K's N bytes. Every bad value
/// gets a JSON 400 naming it and the allowed range (the reading is `DelayRequest::parse`).
async fn delay(
    State(state): State<AppState>,
    Path(ms): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let io::DelayRequest { ms, bytes, page } =
        io::DelayRequest::parse(&ms, query.as_deref()).map_err(|e| bad(e.to_string()))?;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    // Room is reserved after the wait: a page that is only waiting holds no bytes.
    let room = state.pages.reserve(bytes).await?;
    let body = pages::body(page, bytes, room);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, bytes.to_string()),
        ],
        body,
    )
        .into_response())
}

/// Frees the run slot however the run's thread ends.
struct SlotGuard(Arc<Mutex<Option<Instant>>>);
impl Drop for SlotGuard {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Sets the run's cancel flag if the request is dropped before the run answered: hyper drops
/// the handler when its client goes away, and then nobody is waiting for the records.
struct CancelOnDrop(Option<Arc<AtomicBool>>);
impl CancelOnDrop {
    /// The run answered: nothing to cancel.
    fn disarm(mut self) {
        self.0 = None;
    }
}
impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

/// 429 while another run holds the slot: when it started (`running_for_ms`, additive beside
/// `error`) and when to try again.
fn busy(since: Instant) -> Response {
    let ms = since.elapsed().as_millis() as u64;
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "1")],
        Json(serde_json::json!({
            "error": format!(
                "a native run is already in progress (started {:.1} s ago); runs are one at a \
                 time",
                ms as f64 / 1000.0
            ),
            "running_for_ms": ms,
        })),
    )
        .into_response()
}

async fn run(
    State(state): State<AppState>,
    body: Result<Json<RunBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body too large: /api/run takes at most {RUN_BODY_LIMIT} bytes of JSON"
            ),
        ),
        _ => bad(format!("bad request body: {}", e.body_text())),
    })?;
    let request = run::resolve(&body).map_err(|e| bad(e.to_string()))?;
    request
        .check_companion_limits()
        .map_err(|e| bad(e.to_string()))?;
    let cancel = Arc::new(AtomicBool::new(false));
    let plan = Plan::new(request)
        .server(Some(state.base.clone()))
        .cancel(cancel.clone());
    {
        let mut slot = state.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(since) = *slot {
            return Ok(busy(since));
        }
        *slot = Some(Instant::now());
    }
    // The slot is freed when the run has stopped, not when this request ends: a client that
    // goes away cancels its run (at the next strategy, warm-up or repeat), and the run's own
    // thread holds the slot until then.
    let guard = SlotGuard(state.slot.clone());
    let cancel_on_drop = CancelOnDrop(Some(cancel));
    // Runs block (threads, processes, blocking HTTP): give them a plain OS thread of their own.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run::run(&plan, &|_| {}).map_err(|e| format!("{e:#}")));
        drop(guard);
    });
    let answer = rx.await;
    cancel_on_drop.disarm();
    let records = answer
        .map_err(|_| {
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the run thread died".into(),
            )
        })?
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(Json(records).into_response())
}

/// Largest `POST /api/run` body: a run request is a few hundred bytes; anything near this is
/// not one.
pub const RUN_BODY_LIMIT: usize = 16 * 1024;

/// How long a request body may take to arrive once its headers have (a client sending a byte a
/// second holds a connection and a task until then, and no longer).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// `POST /api/run`'s body, bounded before the handler sees it: a declared length over
/// [`RUN_BODY_LIMIT`] gets 413 at once (the body is never read, so an `Expect: 100-continue`
/// client gets no `100 Continue`), and a body that has not arrived within the deadline gets 408.
async fn bounded_body(
    State(deadline): State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > RUN_BODY_LIMIT as u64) {
        return ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body too large: Content-Length {} but /api/run takes at most \
                 {RUN_BODY_LIMIT} bytes of JSON",
                declared.unwrap_or(0)
            ),
        )
        .into_response();
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, RUN_BODY_LIMIT)).await {
        Err(_) => ApiError(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s",
                deadline.as_secs_f64()
            ),
        )
        .into_response(),
        Ok(Err(_)) => ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body too large: /api/run takes at most {RUN_BODY_LIMIT} bytes of JSON"
            ),
        )
        .into_response(),
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
    }
}

/// The API routes, with the headers an isolated page on another origin needs to read them:
/// CORS for the fetch, CORP so `Cross-Origin-Embedder-Policy: require-corp` lets them through.
fn api(base: String, body_timeout: Duration) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/connections", get(connections))
        .route("/api/delay/{ms}", get(delay))
        .route(
            "/api/run",
            post(run)
                .layer(DefaultBodyLimit::max(RUN_BODY_LIMIT))
                .layer(axum::middleware::from_fn_with_state(
                    body_timeout,
                    bounded_body,
                )),
        )
        .method_not_allowed_fallback(not_allowed)
        .with_state(AppState {
            base,
            slot: Arc::new(Mutex::new(None)),
            pages: pages::Budget::default(),
        })
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
}

/// How a companion is set up besides its address.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also serve this directory (a built page) with COOP/COEP.
    pub static_dir: Option<PathBuf>,
    /// Host names to answer besides the loopback ones.
    pub allow_hosts: Vec<String>,
    /// Deadline for a request's headers; [`HEADER_TIMEOUT`] when `None`.
    pub header_timeout: Option<Duration>,
    /// Deadline for a request's body once its headers are in; [`BODY_TIMEOUT`] when `None`.
    pub body_timeout: Option<Duration>,
    /// How long a client may leave the server's writes waiting; [`WRITE_STALL`] when `None`.
    pub write_stall: Option<Duration>,
}

/// The API plus, optionally, a static directory (a `trunk build --release` output) served with
/// COOP/COEP (and Document-Isolation-Policy for frames) so `crossOriginIsolated` is true and the web-worker pool can share memory; every
/// request passes the [`HostGuard`] first.
pub(crate) fn app(base: String, port: u16, options: &Options) -> Router {
    let guard = Arc::new(HostGuard::new(port, &options.allow_hosts));
    routes(base, options).layer(axum::middleware::from_fn_with_state(guard, guard::check))
}

/// Every error is JSON, `{"error": …}`, including a path or a method the API does not have.
async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {}; the companion answers /api/health, /api/connections, \
             /api/delay/MS and POST /api/run",
            uri.path()
        ),
    )
}

/// A known path with a method it does not take.
async fn not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{method} is not allowed on {}: /api/run takes POST, the rest GET",
            uri.path()
        ),
    )
}

fn routes(base: String, options: &Options) -> Router {
    let router = api(base, options.body_timeout.unwrap_or(BODY_TIMEOUT));
    let static_dir = options.static_dir.clone();
    match static_dir {
        None => router.fallback(not_found),
        Some(dir) => router.fallback_service(
            Router::new()
                // A file's gzip copy (the page's post-build hook writes one beside every text
                // and wasm file) goes to a client that accepts gzip; anyone else gets the file
                // itself. `Vary` tells caches the answer depends on that.
                .fallback_service(ServeDir::new(dir).precompressed_gzip())
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("vary"),
                    HeaderValue::from_static("accept-encoding"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-opener-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-embedder-policy"),
                    HeaderValue::from_static("require-corp"),
                ))
                // In a frame, COOP/COEP isolate the page only if its embedder is isolated too;
                // Document-Isolation-Policy isolates this document on its own (Chromium ≥ 137),
                // so a tutorial page that sends no headers still gets the pool in its iframe.
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("document-isolation-policy"),
                    HeaderValue::from_static("isolate-and-require-corp"),
                ))
                // Lets an isolated (`require-corp`) host page load the playground's files.
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-resource-policy"),
                    HeaderValue::from_static("cross-origin"),
                )),
        ),
    }
}

/// Bind with a deep accept backlog, so thousands of simultaneous connections queue instead of
/// being refused and retried.
pub(crate) fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    Ok(socket.listen(16_384)?)
}

/// Bind `addr` and serve until Ctrl-C or SIGTERM, then finish in-flight requests and return.
pub async fn serve(addr: SocketAddr, options: Options) -> anyhow::Result<()> {
    exec::raise_fd_limit();
    let listener = bind(addr)?;
    let local = listener.local_addr()?;
    eprintln!("interleave companion listening on http://{local}");
    let app = app(format!("http://{local}"), local.port(), &options);
    let timeout = options.header_timeout.unwrap_or(HEADER_TIMEOUT);
    let stall = options.write_stall.unwrap_or(WRITE_STALL);
    conn::serve(listener, app, timeout, stall, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
