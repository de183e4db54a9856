//! HTTP clients for the I/O lessons: a blocking client per thread (thread-local storage, the
//! notes' `threading.local()` session) and an async client for tokio strategies.

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

/// An async client for tokio strategies; one per runtime, shared by its tasks.
pub fn async_client(target: &Target) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout(target))
        .build()
        .map_err(|e| format!("cannot create an HTTP client: {e}"))
}

/// Fetch one page asynchronously.
pub async fn fetch_async(
    client: &reqwest::Client,
    target: &Target,
    page: u64,
) -> Result<Downloaded, String> {
    let url = url(target, page);
    let resp = client
        .get(&url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("GET {url}: {e}"))?;
    let body = resp.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
    Ok(Downloaded::page(&body))
}
