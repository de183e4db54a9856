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
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// How long a client may take to send a request's headers, counted from when the server
/// starts waiting for them: on a new connection and between kept-alive requests alike.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may go without taking any of the bytes the server is trying to send
/// it: a client that asks for a page and stops reading is cut off after this, which frees what
/// its page held (see `pages.rs`).
pub const WRITE_STALL: Duration = Duration::from_secs(10);

/// A connection's socket that notes since when a write has been waiting for the client to make
/// room (the kernel's send buffer full), so the connection's task can cut off one that waits
/// longer than [`WRITE_STALL`].
struct Watched {
    stream: tokio::net::TcpStream,
    /// Milliseconds since `epoch` when a write first found no room; 0 while writes go through.
    stalled_since: Arc<AtomicU64>,
    epoch: Instant,
}

impl Watched {
    fn note(&self, blocked: bool) {
        if !blocked {
            self.stalled_since.store(0, Ordering::Relaxed);
        } else if self.stalled_since.load(Ordering::Relaxed) == 0 {
            let ms = self.epoch.elapsed().as_millis() as u64;
            self.stalled_since.store(ms.max(1), Ordering::Relaxed);
        }
    }
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.note(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.stream).poll_flush(cx);
        self.note(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Resolves once the connection's writes have waited longer than `limit` without a break.
async fn stalled(since: &AtomicU64, epoch: Instant, limit: Duration) {
    let limit_ms = limit.as_millis() as u64;
    loop {
        let at = since.load(Ordering::Relaxed);
        let now = epoch.elapsed().as_millis() as u64;
        if at != 0 && now.saturating_sub(at) >= limit_ms {
            return;
        }
        // Checked a few times per limit: a cut-off comes at most a quarter late.
        tokio::time::sleep(limit / 4).await;
    }
}

/// Accept and serve until `shutdown` resolves, then let in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    write_stall: Duration,
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
        let stalled_since = Arc::new(AtomicU64::new(0));
        let epoch = Instant::now();
        let io = TokioIo::new(Watched {
            stream,
            stalled_since: stalled_since.clone(),
            epoch,
        });
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
                // A client that stopped reading: dropping the connection closes it.
                () = stalled(&stalled_since, epoch, write_stall) => {}
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    tokio::select! {
                        _ = conn => {}
                        () = stalled(&stalled_since, epoch, write_stall) => {}
                    }
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
