//! Serving connections with a limit axum's `serve` does not set: a deadline for every request's
//! headers. hyper starts it whenever it waits for a request head, so it is both the
//! header-read timeout (a client that sends half a header and stops is cut off) and the idle
//! timeout (a kept-alive connection with no next request is closed), while a request whose
//! handler takes long (a delayed page, a native run) is never cut off. Each accepted
//! connection is counted for the `local` lesson.

use super::ACCEPTED;
use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tower::ServiceExt;

/// How long a client may take to send a request's headers, counted from when the server
/// starts waiting for them: on a new connection and between kept-alive requests alike.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Accept and serve until `shutdown` resolves, then let in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, say: keep serving those already open.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        ACCEPTED.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(stream);
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|req: axum::http::Request<Incoming>| req.map(Body::new)),
        );
        let mut closing = close_rx.clone();
        tokio::spawn(async move {
            // HTTP/1.1 only (what the page, Trunk's proxy and the CLI speak): an auto-detecting
            // builder would first wait, with no deadline, for bytes that tell the version.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(io, service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    drop(close_rx);
    let _ = close_tx.send(());
    // Every connection task holds a receiver until it is done.
    close_tx.closed().await;
}
