//! `bench --soak SECS`: the companion, in a process of its own, under mixed load for a while —
//! delayed pages of random sizes from 100 clients at once, health checks, and native runs one
//! after another — with every answer checked and the server's resident memory sampled twice a
//! second. Beside them, a hostile mix (see [`Hostile`]): 16 MiB pages asked for and never read,
//! runs whose client goes away, bodies that trickle in, runs too large for the companion.
//! Figures, not a pass/fail test: errors should be 0, memory flat and under its bound.

use crate::exec::MonoClock;
use anyhow::Result;
use interleave_shared::lessons::io;
use interleave_shared::{Clock, RunRecord};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Clients fetching delayed pages at once.
const CLIENTS: u64 = 100;

/// What the soak measured.
#[derive(Debug, Serialize)]
pub struct Soak {
    /// How long the load ran, s.
    pub seconds: u64,
    /// Delayed pages fetched and checked.
    pub pages: u64,
    /// Health checks answered.
    pub health: u64,
    /// Native runs done through `POST /api/run`, every record exact.
    pub runs: u64,
    /// Answers that failed or were wrong.
    pub errors: u64,
    /// Median resident memory over the first fifth of the samples (after a warm-up), KiB.
    pub rss_early_kb: u64,
    /// Median resident memory over the last fifth, KiB.
    pub rss_late_kb: u64,
    /// Highest resident memory: the highest sample or the kernel's high-water mark, KiB.
    pub rss_peak_kb: u64,
    /// Native runs turned away with 429 because a run (an aborted one, say) still held the slot.
    pub busy: u64,
    /// What the hostile clients did and how the companion answered.
    pub hostile: Hostile,
}

/// The hostile mix: every count is of something the companion must bound or refuse.
#[derive(Debug, Default, Serialize)]
pub struct Hostile {
    /// 16 MiB pages asked for by clients that never read.
    pub unread_pages: u64,
    /// Of those, connections the companion closed before sending the whole page.
    pub unread_cut: u64,
    /// Runs whose client went away 100 ms after asking.
    pub aborted_runs: u64,
    /// Request bodies that promised 200 bytes and sent one.
    pub slow_bodies: u64,
    /// Of those, answered 408.
    pub slow_bodies_cut: u64,
    /// Runs of 400 pages of 16 MiB at once asked for.
    pub oversized_runs: u64,
    /// Of those, refused with 400.
    pub oversized_refused: u64,
}

impl Soak {
    /// Late over early resident memory, minus one: 0.05 is 5% growth.
    pub fn growth(&self) -> f64 {
        self.rss_late_kb as f64 / self.rss_early_kb.max(1) as f64 - 1.0
    }
}

/// A deterministic stream of numbers (a linear congruential generator), so every soak asks
/// for the same mix.
fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

fn rss_kb(pid: u32) -> Option<u64> {
    resident_kb(pid, "VmRSS:")
}

/// One of /proc/PID/status's memory lines (`VmRSS:`, `VmHWM:`), KiB.
fn resident_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// Run the soak for `seconds`.
///
/// Long on purpose: the load, the sampling of the companion's memory and the final tally share one
/// clock and one child process.
pub fn soak(seconds: u64) -> Result<Soak> {
    let (mut child, base) = super::probes::companion_process()?;
    let pid = child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                samples.extend(rss_kb(pid));
                std::thread::sleep(Duration::from_millis(500));
            }
            samples
        })
    };
    let counts: [AtomicU64; 12] = Default::default();
    let [
        pages,
        health,
        runs,
        errors,
        busy,
        unread_pages,
        unread_cut,
        aborted_runs,
        slow_bodies,
        slow_bodies_cut,
        oversized_runs,
        oversized_refused,
    ] = &counts;
    let addr = base.trim_start_matches("http://").to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let clock = MonoClock::start();
        let until = seconds as f64 * 1000.0;
        let going = || clock.now_ms() < until;
        let page_loop = |seed: u64| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let mut state = seed;
                while going() {
                    let (ms, bytes, page) = (next(&mut state) % 50, next(&mut state) % 20_000, next(&mut state) % 1000);
                    let url = format!("{base}{}", io::page_path(page, ms, bytes));
                    let ok = match client.get(url).send().await {
                        Ok(r) if r.status().is_success() => r
                            .bytes()
                            .await
                            .is_ok_and(|b| b.as_ref() == io::page_body(page, bytes).as_slice()),
                        _ => false,
                    };
                    if ok { pages } else { errors }.fetch_add(1, Ordering::Relaxed);
                }
            }
        };
        let health_loop = async {
            while going() {
                let ok = client
                    .get(format!("{base}/api/health"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok { health } else { errors }.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let run_loop = async {
            let body = r#"{"lesson":"cpu","strategies":"sequential,threads,processes","workers":2,"params":{"size":2000000}}"#;
            while going() {
                let answer = client
                    .post(format!("{base}/api/run"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let ok = match answer {
                    // An aborted run of the hostile mix still holds the slot: not an error.
                    Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                        busy.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    Ok(r) if r.status().is_success() => r
                        .bytes()
                        .await
                        .ok()
                        .and_then(|b| serde_json::from_slice::<Vec<RunRecord>>(&b).ok())
                        .is_some_and(|records| records.len() == 3 && records.iter().all(|r| r.correct)),
                    _ => false,
                };
                if ok { runs } else { errors }.fetch_add(1, Ordering::Relaxed);
            }
        };
        // One hostile act every half second, in turn; each connection is held for 15 s (past
        // the companion's 10 s deadlines) by a task of its own.
        let hostile_loop = async {
            let mut held = Vec::new();
            let mut turn = 0u64;
            while going() {
                let addr = addr.clone();
                let act = turn % 4;
                turn += 1;
                held.push(tokio::spawn(async move { hostile(&addr, act).await }));
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            for h in held {
                if let Ok(Some((act, answered))) = h.await {
                    let (asked, answered_count) = match act {
                        0 => (unread_pages, unread_cut),
                        1 => (aborted_runs, aborted_runs),
                        2 => (slow_bodies, slow_bodies_cut),
                        _ => (oversized_runs, oversized_refused),
                    };
                    asked.fetch_add(1, Ordering::Relaxed);
                    if answered && act != 1 {
                        answered_count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        };
        let pages_all = futures::future::join_all((0..CLIENTS).map(page_loop));
        futures::join!(pages_all, health_loop, run_loop, hostile_loop);
    });
    stop.store(true, Ordering::Relaxed);
    let samples = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the RSS sampler panicked"))?;
    // The kernel's own high-water mark: a peak between two samples counts too.
    let high_water = resident_kb(pid, "VmHWM:");
    let _ = child.kill();
    let _ = child.wait();
    // Skip the first tenth (start-up, first allocations), then compare the first and last fifths.
    let skip = samples.len() / 10;
    let steady = &samples[skip.min(samples.len())..];
    let fifth = (steady.len() / 5).max(1);
    Ok(Soak {
        seconds,
        pages: pages.load(Ordering::Relaxed),
        health: health.load(Ordering::Relaxed),
        runs: runs.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        rss_early_kb: median(steady.iter().take(fifth).copied().collect()),
        rss_late_kb: median(steady.iter().rev().take(fifth).copied().collect()),
        rss_peak_kb: samples.iter().copied().chain(high_water).max().unwrap_or(0),
        busy: busy.load(Ordering::Relaxed),
        hostile: Hostile {
            unread_pages: unread_pages.load(Ordering::Relaxed),
            unread_cut: unread_cut.load(Ordering::Relaxed),
            aborted_runs: aborted_runs.load(Ordering::Relaxed),
            slow_bodies: slow_bodies.load(Ordering::Relaxed),
            slow_bodies_cut: slow_bodies_cut.load(Ordering::Relaxed),
            oversized_runs: oversized_runs.load(Ordering::Relaxed),
            oversized_refused: oversized_refused.load(Ordering::Relaxed),
        },
    })
}

/// One hostile act on a raw connection: 0 asks for a 16 MiB page and never reads it, 1 asks for
/// a run and goes away, 2 sends a body a byte short of nothing, 3 asks for a run too large for
/// the companion. Returns the act and whether the companion answered as it must (cut the
/// reader off, answered 408, refused with 400); `None` if the connection failed.
async fn hostile(addr: &str, act: u64) -> Option<(u64, bool)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let post = |json: &str| {
        format!(
            "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        )
    };
    let request = match act {
        0 => format!("GET /api/delay/0?bytes=16777216 HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
        1 => post(r#"{"lesson":"io","strategies":"async","params":{"size":50,"latency":1000}}"#),
        2 => format!(
            "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: 200\r\n\r\n{{"
        ),
        _ => post(
            r#"{"lesson":"io","strategies":"async","params":{"size":400,"bytes":16777216,"latency":0}}"#,
        ),
    };
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    match act {
        0 => {
            // Never read for 15 s, then read what is left: a reader cut off gets the end of
            // the stream before the whole page.
            tokio::time::sleep(Duration::from_secs(15)).await;
            let mut got = 0usize;
            let mut buf = vec![0u8; 64 * 1024];
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => got += n,
                    Err(_) => break,
                }
            }
            Some((act, got < 16 * 1024 * 1024))
        }
        1 => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((act, true))
        }
        _ => {
            let mut answer = String::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(15), s.read_to_string(&mut answer)).await;
            let want = if act == 2 {
                "HTTP/1.1 408"
            } else {
                "HTTP/1.1 400"
            };
            Some((act, answer.starts_with(want)))
        }
    }
}
