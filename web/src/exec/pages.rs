//! Fetching the io lesson's pages in the browser: from the companion's `/api/delay` (through
//! Trunk's same-origin proxy), or, when no companion answers, simulated with a timer and the
//! lesson's own page bytes, so the lesson still runs and the rows say "simulated".

use interleave_shared::lessons::io::{self, Downloaded};

/// Where pages come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Page origin (`location.origin`), so workers created from blob: URLs can build absolute URLs.
    pub origin: String,
    /// Server-side delay per page.
    pub latency_ms: u64,
    /// Bytes per page.
    pub bytes: u64,
    /// No companion: wait with a timer and make the bytes locally.
    pub simulated: bool,
}

impl Source {
    /// The task message a worker understands (see `workers::worker_task`).
    pub fn task(&self, page: u64) -> String {
        format!(
            "io {} {page} {} {} {}",
            self.origin,
            self.latency_ms,
            self.bytes,
            u8::from(self.simulated)
        )
    }

    /// Parse a task message back.
    pub fn parse(task: &str) -> Option<(Self, u64)> {
        let f: Vec<&str> = task.split_whitespace().collect();
        match f.as_slice() {
            ["io", origin, page, latency, bytes, sim] => Some((
                Source {
                    origin: (*origin).to_string(),
                    latency_ms: latency.parse().ok()?,
                    bytes: bytes.parse().ok()?,
                    simulated: *sim == "1",
                },
                page.parse().ok()?,
            )),
            _ => None,
        }
    }

    /// Fetch (or simulate) page `page`.
    pub async fn fetch(&self, page: u64) -> Result<Downloaded, String> {
        if self.simulated {
            gloo_timers::future::TimeoutFuture::new(self.latency_ms.min(u64::from(u32::MAX)) as u32).await;
            return Ok(Downloaded::page(&io::page_body(page, self.bytes)));
        }
        let url = format!(
            "{}{}",
            self.origin,
            io::page_path(page, self.latency_ms, self.bytes)
        );
        let resp = gloo_net::http::Request::get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !resp.ok() {
            return Err(format!("GET {url}: HTTP {}", resp.status()));
        }
        let body = resp.binary().await.map_err(|e| format!("GET {url}: {e}"))?;
        Ok(Downloaded::page(&body))
    }
}

/// The page's origin, e.g. `http://127.0.0.1:8080` (works in workers too).
pub fn origin() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|l| js_sys::Reflect::get(&l, &"origin".into()))
        .ok()
        .and_then(|o| o.as_string())
        .unwrap_or_default()
}
