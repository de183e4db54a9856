//! The companion server: health, delayed pages for the I/O lessons, native runs for the page,
//! and (with `--static-dir`) the built page itself with the headers that make it cross-origin
//! isolated.

use crate::runner::{self, RunRequest};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use interleave_shared::lessons::{self, io};
use interleave_shared::{RunRecord, Side};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest cpu size `/api/run` accepts: a few seconds of work, so one page cannot occupy the
/// companion for minutes.
pub const API_MAX_CPU_SIZE: u64 = 2_000_000_000;

/// Largest number of pages `/api/run` fetches in one io run.
pub const API_MAX_PAGES: u64 = 2_000;

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
    /// Set while a native run is in progress (runs are one at a time).
    busy: Arc<AtomicBool>,
}

/// Every error answer: `{"error": "..."}` with a status.
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
        cores: crate::default_workers() as usize,
    })
}

#[derive(Debug, Deserialize)]
struct DelayQuery {
    bytes: Option<u64>,
    page: Option<u64>,
}

/// `GET /api/delay/{ms}?bytes=N&page=K`: wait `ms`, then send page K's N bytes.
async fn delay(Path(ms): Path<String>, Query(q): Query<DelayQuery>) -> Result<Response, ApiError> {
    let ms: u64 = ms.parse().map_err(|_| {
        bad(format!(
            "delay '{ms}' is not a whole number of milliseconds: allowed 0..={}",
            io::MAX_LATENCY_MS
        ))
    })?;
    if ms > io::MAX_LATENCY_MS {
        return Err(bad(format!(
            "delay {ms} ms is out of range: allowed 0..={}",
            io::MAX_LATENCY_MS
        )));
    }
    let bytes = q.bytes.unwrap_or(0);
    if bytes > io::MAX_BYTES {
        return Err(bad(format!(
            "bytes {bytes} is out of range: allowed 0..={}",
            io::MAX_BYTES
        )));
    }
    tokio::time::sleep(Duration::from_millis(ms)).await;
    let body = io::page_body(q.page.unwrap_or(0), bytes);
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}

/// `POST /api/run` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    lesson: String,
    #[serde(default)]
    strategies: Option<StrategyList>,
    #[serde(default)]
    workers: Option<u64>,
    #[serde(default)]
    params: RunParams,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StrategyList {
    List(Vec<String>),
    Comma(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunParams {
    size: Option<u64>,
    latency_ms: Option<u64>,
    latency: Option<u64>,
    bytes: Option<u64>,
}

/// Clears the busy flag however the handler ends.
struct BusyGuard(Arc<AtomicBool>);
impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

async fn run(
    State(state): State<AppState>,
    body: Result<Json<RunBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Vec<RunRecord>>, ApiError> {
    let Json(body) = body.map_err(|e| bad(format!("bad request body: {}", e.body_text())))?;
    let lesson = lessons::find(&body.lesson).map_err(|e| bad(e.to_string()))?;
    let list = match body.strategies {
        None => "all".to_string(),
        Some(StrategyList::Comma(s)) => s,
        Some(StrategyList::List(v)) => v.join(","),
    };
    let strategies = lesson
        .parse_strategies(Side::Native, &list)
        .map_err(|e| bad(e.to_string()))?;
    let p = body.params;
    let params = lesson
        .params(
            p.size,
            body.workers,
            p.latency_ms.or(p.latency),
            p.bytes,
            crate::default_workers(),
        )
        .map_err(|e| bad(e.to_string()))?;
    let cap = if lesson.name == io::NAME {
        API_MAX_PAGES
    } else {
        API_MAX_CPU_SIZE
    };
    if params.size > cap {
        return Err(bad(format!(
            "size {} is out of range for the companion: allowed 1..={cap} (use the CLI for bigger runs)",
            params.size
        )));
    }
    let req = RunRequest {
        lesson,
        strategies,
        params,
        repeat: 1,
        server: Some(state.base.clone()),
    };
    runner::check_workers(&req).map_err(|e| bad(e.to_string()))?;
    if state.busy.swap(true, Ordering::SeqCst) {
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            "a native run is already in progress; runs are one at a time".into(),
        ));
    }
    let guard = BusyGuard(state.busy.clone());
    // Runs block (threads, processes, blocking HTTP): give them a plain OS thread of their own.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(runner::run(&req, &|_| {}).map_err(|e| format!("{e:#}")));
    });
    let records = rx
        .await
        .map_err(|_| {
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the run thread died".into(),
            )
        })?
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    drop(guard);
    Ok(Json(records))
}

/// The API routes, with the headers an isolated page on another origin needs to read them:
/// CORS for the fetch, CORP so `Cross-Origin-Embedder-Policy: require-corp` lets them through.
fn api(base: String) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/connections", get(connections))
        .route("/api/delay/{ms}", get(delay))
        .route("/api/run", post(run))
        .with_state(AppState {
            base,
            busy: Arc::new(AtomicBool::new(false)),
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

/// The API plus, optionally, a static directory (a `trunk build --release` output) served with
/// COOP/COEP so `crossOriginIsolated` is true and the web-worker pool can share memory.
fn app(base: String, static_dir: Option<PathBuf>) -> Router {
    let router = api(base);
    match static_dir {
        None => router,
        Some(dir) => router.fallback_service(
            Router::new()
                .fallback_service(ServeDir::new(dir))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-opener-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-embedder-policy"),
                    HeaderValue::from_static("require-corp"),
                )),
        ),
    }
}

/// Bind with a deep accept backlog, so thousands of simultaneous connections queue instead of
/// being refused and retried.
fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
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

/// Count every accepted connection (see [`connections`]).
fn counting(listener: tokio::net::TcpListener) -> impl axum::serve::Listener<Addr = SocketAddr> {
    listener.tap_io(|_| {
        ACCEPTED.fetch_add(1, Ordering::SeqCst);
    })
}

/// Bind `addr` and serve until Ctrl-C or SIGTERM, then finish in-flight requests and return.
pub async fn serve(addr: SocketAddr, static_dir: Option<PathBuf>) -> anyhow::Result<()> {
    crate::raise_fd_limit();
    let listener = bind(addr)?;
    let local = listener.local_addr()?;
    eprintln!("interleave companion listening on http://{local}");
    axum::serve(
        counting(listener),
        app(format!("http://{local}"), static_dir),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// A companion running on its own thread and runtime, for CLI runs of I/O lessons without
/// `--server`. Dropping it shuts the server down and joins the thread.
pub struct Background {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Start on an ephemeral loopback port. The server gets a thread and a runtime of its own, so
    /// this works from plain threads and from inside another runtime alike.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_serving(None)
    }

    /// The same, also serving a built page from `static_dir` with COOP/COEP.
    pub fn start_serving(static_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<String>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                    .and_then(|l| Ok((l.local_addr()?, l)))
                {
                    Ok((addr, l)) => {
                        let _ = ready_tx.send(Ok(format!("http://{addr}")));
                        (addr, l)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let (addr, listener) = listener;
                let _ = axum::serve(
                    counting(listener),
                    app(format!("http://{addr}"), static_dir),
                )
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        let base = ready_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the in-process companion thread died"))??;
        Ok(Self {
            base,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::join_all;
    use interleave_shared::lessons::io::page_body;
    use std::time::Instant;

    async fn post(base: &str, body: &str) -> (u16, serde_json::Value) {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/run"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (
            status,
            serde_json::from_slice(&r.bytes().await.unwrap()).unwrap(),
        )
    }

    #[tokio::test]
    async fn delay_waits_then_sends_the_page_with_corp() {
        let server = Background::start().unwrap();
        let start = Instant::now();
        let r = reqwest::get(format!("{}/api/delay/50?bytes=100&page=3", server.base))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cross-origin-resource-policy"], "cross-origin");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        assert_eq!(r.bytes().await.unwrap().to_vec(), page_body(3, 100));
        assert!(start.elapsed() >= Duration::from_millis(50));
    }

    #[tokio::test]
    async fn delay_out_of_bounds_is_400_with_a_json_error() {
        let server = Background::start().unwrap();
        for (path, msg) in [
            (
                "/api/delay/30001",
                "delay 30001 ms is out of range: allowed 0..=30000",
            ),
            (
                "/api/delay/1?bytes=16777217",
                "bytes 16777217 is out of range: allowed 0..=16777216",
            ),
            (
                "/api/delay/soon",
                "delay 'soon' is not a whole number of milliseconds",
            ),
        ] {
            let r = reqwest::get(format!("{}{path}", server.base))
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{path}");
            let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
            assert!(v["error"].as_str().unwrap().contains(msg), "{path}: {v}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn holds_a_thousand_concurrent_delayed_requests() {
        crate::raise_fd_limit();
        let server = Background::start().unwrap();
        let client = reqwest::Client::new();
        let answers = join_all((0..1000).map(|page| {
            let url = format!("{}/api/delay/300?bytes=64&page={page}", server.base);
            let client = client.clone();
            async move {
                let r = client.get(url).send().await.map_err(|e| e.to_string())?;
                let status = r.status();
                let body = r.bytes().await.map_err(|e| e.to_string())?;
                Ok::<_, String>((status, body.to_vec() == page_body(page, 64)))
            }
        }))
        .await;
        let failures: Vec<_> = answers
            .iter()
            .filter(|a| !matches!(a, Ok((s, true)) if *s == 200))
            .collect();
        assert!(
            failures.is_empty(),
            "{} failed, e.g. {:?}",
            failures.len(),
            failures.first()
        );
    }

    #[tokio::test]
    async fn run_returns_checked_native_records() {
        let server = Background::start().unwrap();
        let (status, v) = post(
            &server.base,
            r#"{"lesson":"cpu","strategies":["sequential","threads"],"workers":2,"params":{"size":100000}}"#,
        )
        .await;
        assert_eq!(status, 200, "{v}");
        let records: Vec<RunRecord> = serde_json::from_value(v).unwrap();
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.correct && r.side == Side::Native));
        let (status, v) = post(
            &server.base,
            r#"{"lesson":"io","strategies":"async","workers":4,"params":{"size":4,"latency_ms":10,"bytes":500}}"#,
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v[0]["correct"], true);
    }

    #[tokio::test]
    async fn run_rejects_bad_bodies_with_400_and_a_message() {
        let server = Background::start().unwrap();
        for (body, msg) in [
            (r#"{"lesson":"nope"}"#, "unknown lesson 'nope'"),
            (
                r#"{"lesson":"cpu","strategies":"gpu"}"#,
                "no native strategy 'gpu'",
            ),
            (
                r#"{"lesson":"cpu","params":{"size":0}}"#,
                "size 0 is out of range",
            ),
            (
                r#"{"lesson":"cpu","params":{"size":5000000000}}"#,
                "out of range for the companion: allowed 1..=2000000000",
            ),
            (
                r#"{"lesson":"cpu","workers":99}"#,
                "allowed 1..=64 for processes",
            ),
            (r#"{"lesson":"cpu","bogus":1}"#, "unknown field `bogus`"),
            ("not json", "bad request body"),
        ] {
            let (status, v) = post(&server.base, body).await;
            assert_eq!(status, 400, "{body}: {v}");
            assert!(v["error"].as_str().unwrap().contains(msg), "{body}: {v}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_are_one_at_a_time() {
        let server = Background::start().unwrap();
        let slow = r#"{"lesson":"io","strategies":"sequential","params":{"size":3,"latency_ms":300,"bytes":10}}"#;
        let base = server.base.clone();
        let first = tokio::spawn(async move { post(&base, slow).await });
        tokio::time::sleep(Duration::from_millis(150)).await;
        let (status, v) = post(&server.base, slow).await;
        assert_eq!(status, 429, "{v}");
        assert!(v["error"].as_str().unwrap().contains("one at a time"));
        assert_eq!(first.await.unwrap().0, 200);
    }
}
