//! The companion server: `GET /api/health` so the page knows a native side is there, and (with
//! `--static-dir`) the built page itself with the headers that make it cross-origin isolated.

use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
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

async fn health() -> Json<Health> {
    Json(Health {
        version: env!("CARGO_PKG_VERSION"),
        cores: crate::default_workers() as usize,
    })
}

/// The API routes, with the headers an isolated page on another origin needs to read them:
/// CORS for the fetch, CORP so `Cross-Origin-Embedder-Policy: require-corp` lets them through.
pub fn api() -> Router {
    Router::new()
        .route("/api/health", get(health))
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
pub fn app(static_dir: Option<PathBuf>) -> Router {
    let router = api();
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

/// Bind `addr` and serve until Ctrl-C or SIGTERM, then finish in-flight requests and return.
pub async fn serve(addr: SocketAddr, static_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    eprintln!(
        "interleave companion listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app(static_dir))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
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
