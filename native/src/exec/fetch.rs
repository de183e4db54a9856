//! HTTP clients for the I/O lessons: a blocking client per thread (thread-local storage, the
//! notes' `threading.local()` session), a connection per page for tokio strategies, and a kept
//! session of keep-alive connections for the benchmark's warm-session figure.

use interleave_shared::lessons::io::{self, Downloaded};
use interleave_shared::task::PageSource;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Blocking clients created so far in this process: one per thread that fetched, which the
/// `local` lesson counts.
pub static CLIENTS_CREATED: AtomicU64 = AtomicU64::new(0);

// @code local:per-thread io:pool
thread_local! {
    static CLIENT: RefCell<Option<reqwest::blocking::Client>> = const { RefCell::new(None) };
}
// @end

/// Where pages come from: the task protocol's [`PageSource`] (natively never simulated).
pub type Target = PageSource;

/// A page source for the companion at `base`.
pub fn target(base: &str, latency_ms: u64, bytes: u64) -> Target {
    PageSource {
        base: base.to_string(),
        latency_ms,
        bytes,
        simulated: false,
    }
}

/// Full URL of page `page`.
pub fn url(target: &Target, page: u64) -> String {
    format!(
        "{}{}",
        target.base,
        io::page_path(page, target.latency_ms, target.bytes)
    )
}

fn timeout(target: &Target) -> Duration {
    Duration::from_millis(target.latency_ms + 30_000)
}

fn new_blocking(target: &Target) -> Result<reqwest::blocking::Client, String> {
    CLIENTS_CREATED.fetch_add(1, Ordering::Relaxed);
    reqwest::blocking::Client::builder()
        .timeout(timeout(target))
        .build()
        .map_err(|e| format!("cannot create an HTTP client: {e}"))
}

/// Make sure this thread has its client (a pool initializer calls this so the connection set-up
/// is not charged to the first task).
// @code local:per-thread io:pool
pub fn init_thread_client(target: &Target) -> Result<(), String> {
    CLIENT.with(|c| {
        if c.borrow().is_none() {
            *c.borrow_mut() = Some(new_blocking(target)?);
        }
        Ok(())
    })
}
// @end

/// Fetch one page with this thread's client and check its length.
pub fn fetch_blocking(target: &Target, page: u64) -> Result<Downloaded, String> {
    init_thread_client(target)?;
    let client = CLIENT.with(|c| c.borrow().clone()).ok_or("no client")?;
    let url = url(target, page);
    let resp = client
        .get(&url)
        .send()
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("GET {url}: {e}"))?;
    let body = resp.bytes().map_err(|e| format!("GET {url}: {e}"))?;
    Ok(Downloaded::page(&body))
}

/// A kept session: one keep-alive HTTP/1.1 connection per slot, opened on first use and reused
/// after, its connection driven by a task of its own on the runtime. What a long-running program
/// with one HTTP session has; the lessons open a connection per page instead ([`fetch_async`]),
/// and the benchmark's warm-session figure uses this to show what reusing connections saves.
pub struct Session {
    target: Target,
    senders: Vec<RefCell<Option<Sender>>>,
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Empty<hyper::body::Bytes>>;

impl Session {
    /// A session with room for `slots` connections to `target`.
    pub fn new(target: &Target, slots: usize) -> Session {
        Session {
            target: target.clone(),
            senders: (0..slots).map(|_| RefCell::new(None)).collect(),
        }
    }

    /// Fetch `page` on connection `slot` (opened now if it is not open yet or was closed).
    pub async fn fetch(&self, slot: usize, page: u64) -> Result<Downloaded, String> {
        use http_body_util::BodyExt;
        let url = url(&self.target, page);
        let fail = |e: &dyn std::fmt::Display| format!("GET {url}: {e}");
        let cell = self
            .senders
            .get(slot)
            .ok_or_else(|| fail(&"no such slot"))?;
        let uri: hyper::Uri = url.parse().map_err(|e| fail(&e))?;
        let host = uri.authority().ok_or_else(|| fail(&"no host"))?.clone();
        let kept = cell.borrow_mut().take().filter(|s| !s.is_closed());
        let exchange = async {
            let mut sender = match kept {
                Some(s) => s,
                None => {
                    let stream = tokio::net::TcpStream::connect(host.as_str())
                        .await
                        .map_err(|e| fail(&e))?;
                    let (sender, connection) =
                        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                            .await
                            .map_err(|e| fail(&e))?;
                    // Lives as long as the sender: it ends when the session is dropped.
                    tokio::spawn(connection);
                    sender
                }
            };
            sender.ready().await.map_err(|e| fail(&e))?;
            let request = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
                .header(hyper::header::HOST, host.as_str())
                .body(http_body_util::Empty::new())
                .map_err(|e| fail(&e))?;
            let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
            if !response.status().is_success() {
                return Err(fail(&response.status()));
            }
            let body = response.into_body().collect().await.map_err(|e| fail(&e))?;
            Ok((sender, body.to_bytes()))
        };
        let (sender, body) = tokio::time::timeout(timeout(&self.target), exchange)
            .await
            .map_err(|_| fail(&"timed out"))??;
        *cell.borrow_mut() = Some(sender);
        Ok(Downloaded::page(&body))
    }
}

/// Fetch one page asynchronously on a connection of its own: connect, one HTTP/1.1 exchange
/// over hyper's client connection, driven in this task (nothing spawned), then close. Bounded by
/// the same timeout as the blocking clients.
///
/// Why not a pooled client here: the async strategies start every page at once, so a pool opens
/// one connection per page anyway, and what it adds on top (a spawned task and a channel per
/// connection, checkout bookkeeping, a timer per request) is CPU on the one thread that also
/// opens all the connections. Measured at 1,000 pages × 100 ms: reqwest's pooled client
/// 225–243 ms (medians of 9) against 183–210 ms for this, with the plain-TCP floor of the same
/// machine at ~190 ms (docs/benchmarks.md).
// @code io:async
pub async fn fetch_async(target: &Target, page: u64) -> Result<Downloaded, String> {
    use http_body_util::BodyExt;
    let url = url(target, page);
    let fail = |e: &dyn std::fmt::Display| format!("GET {url}: {e}");
    let uri: hyper::Uri = url.parse().map_err(|e| fail(&e))?;
    let host = uri.authority().ok_or_else(|| fail(&"no host"))?.clone();
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(host.as_str())
            .await
            .map_err(|e| fail(&e))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| fail(&e))?;
        let request = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header(hyper::header::HOST, host.as_str())
            .body(http_body_util::Empty::<hyper::body::Bytes>::new())
            .map_err(|e| fail(&e))?;
        let answer = async move {
            let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
            if !response.status().is_success() {
                return Err(fail(&response.status()));
            }
            let body = response.into_body().collect().await.map_err(|e| fail(&e))?;
            Ok(body.to_bytes())
            // `sender` drops here, so the connection closes once the exchange is done.
        };
        // The connection is driven beside the exchange, in this task.
        futures::future::join(answer, connection).await.0
    };
    let body = tokio::time::timeout(timeout(target), exchange)
        .await
        .map_err(|_| fail(&"timed out"))??;
    Ok(Downloaded::page(&body))
}
// @end
