//! `bench --soak SECS`: the companion, in a process of its own, under mixed load for a while —
//! delayed pages of random sizes from 100 clients at once, health checks, and native runs one
//! after another — with every answer checked and the server's resident memory sampled twice a
//! second. Figures, not a pass/fail test: errors should be 0 and memory flat.

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
    /// Highest sample, KiB.
    pub rss_peak_kb: u64,
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
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
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
    let counts = [
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    ];
    let [pages, health, runs, errors] = &counts;
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
        let pages_all = futures::future::join_all((0..CLIENTS).map(page_loop));
        futures::join!(pages_all, health_loop, run_loop);
    });
    stop.store(true, Ordering::Relaxed);
    let samples = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the RSS sampler panicked"))?;
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
        rss_peak_kb: samples.iter().copied().max().unwrap_or(0),
    })
}
