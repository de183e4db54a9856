//! Fetching the io lesson's pages in the browser: from the companion's `/api/delay` (through
//! Trunk's same-origin proxy), or, when no companion answers, simulated with a timer and the
//! lesson's own page bytes, so the lesson still runs and the rows say "simulated".

use interleave_shared::lessons::io::{self, Downloaded};
use interleave_shared::task::PageSource;

/// Fetch (or simulate) page `page` of `source`. Works on the page and in workers alike.
pub async fn fetch(source: &PageSource, page: u64) -> Result<Downloaded, String> {
    if source.simulated {
        let ms = source.latency_ms.min(u64::from(u32::MAX)) as u32;
        gloo_timers::future::TimeoutFuture::new(ms).await;
        return Ok(Downloaded::page(&io::page_body(page, source.bytes)));
    }
    let url = format!(
        "{}{}",
        source.base,
        io::page_path(page, source.latency_ms, source.bytes)
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

/// The page's origin, e.g. `http://127.0.0.1:8080` (works in workers too), so workers started
/// from blob: URLs can build absolute URLs.
pub fn origin() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|l| js_sys::Reflect::get(&l, &"origin".into()))
        .ok()
        .and_then(|o| o.as_string())
        .unwrap_or_default()
}
