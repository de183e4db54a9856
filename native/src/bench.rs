//! `interleave bench`: the figures the README quotes, measured in one run — medians and ratios,
//! never pass/fail timings in tests.

use crate::clock::MonoClock;
use crate::cost::{self, Rung};
use crate::runner::{self, RunRequest};
use crate::server::Background;
use crate::{default_workers, table};
use anyhow::{Context, Result};
use comfy_table::{Table, presets};
use interleave_shared::lessons::{self, io};
use interleave_shared::{Clock, RunRecord};
use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// How many delayed requests the companion must hold at once.
pub const CONCURRENT_REQUESTS: u32 = 10_000;

/// Result of holding many delayed requests at once.
#[derive(Debug, Serialize)]
pub struct Concurrent {
    /// Requests sent at once.
    pub requests: u32,
    /// Server-side delay of each, ms.
    pub latency_ms: u64,
    /// Requests that failed or came back wrong.
    pub errors: u32,
    /// Wall time for all of them, ms.
    pub wall_ms: f64,
}

/// Everything `bench --json` prints.
#[derive(Debug, Serialize)]
pub struct Report {
    /// cpu at N = 10⁸ on every native strategy.
    pub cpu: Vec<RunRecord>,
    /// io 200 × 100 ms on every native strategy, and async at 1,000 × 100 ms.
    pub io: Vec<RunRecord>,
    /// Cost of one task per kind of worker.
    pub ladder: Vec<Rung>,
    /// The companion under 10,000 concurrent delayed requests.
    pub concurrent: Concurrent,
    /// rayon speedup ÷ workers at N = 10⁸ (target ≥ 0.95).
    pub rayon_efficiency: f64,
    /// Async io 1,000 × 100 ms: wall ms and wall ÷ latency (target ≤ 130 ms, i.e. ≤ 1.3).
    pub async_1000_wall_ms: f64,
}

fn run_lesson(
    name: &str,
    strategies: Vec<&'static str>,
    size: u64,
    latency: Option<u64>,
    workers: Option<u64>,
    repeat: u32,
    server: Option<&Background>,
) -> Result<Vec<RunRecord>> {
    let lesson = lessons::find(name)?;
    let params = lesson.params(Some(size), workers, latency, None, default_workers())?;
    runner::run(
        &RunRequest {
            lesson,
            strategies,
            params,
            repeat,
            server: server.map(|s| s.base.clone()),
        },
        &|s| eprintln!("  {name}: {s}…"),
    )
}

/// Send `count` delayed requests at once to a companion in a separate process (each side then
/// needs ~`count` file descriptors of its own).
fn concurrent(count: u32, latency_ms: u64) -> Result<Concurrent> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start a companion process")?;
    let mut line = String::new();
    BufReader::new(child.stderr.take().context("no stderr")?).read_line(&mut line)?;
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()?;
        let clock = MonoClock::start();
        let answers = futures::future::join_all((0..count).map(|page| {
            let client = client.clone();
            let url = format!("{base}{}", io::page_path(u64::from(page), latency_ms, 64));
            async move {
                let r = client.get(url).send().await.ok()?;
                let ok = r.status().is_success();
                let body = r.bytes().await.ok()?;
                (ok && body.to_vec() == io::page_body(u64::from(page), 64)).then_some(())
            }
        }))
        .await;
        anyhow::Ok(Concurrent {
            requests: count,
            latency_ms,
            errors: answers.iter().filter(|a| a.is_none()).count() as u32,
            wall_ms: clock.now_ms(),
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Run the benchmark and print (or return as JSON) its figures.
pub fn run(repeat: u32, json: bool) -> Result<()> {
    crate::raise_fd_limit();
    eprintln!("cpu, N = 10⁸, {repeat} repeats after a warm-up");
    let cpu = run_lesson(
        "cpu",
        lessons::cpu::INFO.native.to_vec(),
        100_000_000,
        None,
        None,
        repeat,
        None,
    )?;
    let server = Background::start()?;
    eprintln!("io, 200 pages × 100 ms");
    let mut io_records = run_lesson(
        "io",
        io::INFO.native.to_vec(),
        200,
        Some(100),
        None,
        1,
        Some(&server),
    )?;
    eprintln!("io, async, 1,000 pages × 100 ms, 1,000 at once");
    let mut async_1000 = run_lesson(
        "io",
        vec!["async"],
        1000,
        Some(100),
        Some(1000),
        repeat,
        Some(&server),
    )?;
    drop(server);
    for r in &mut async_1000 {
        r.note = Some("1,000 × 100 ms".into());
    }
    let async_1000_wall_ms = async_1000.first().map_or(0.0, |r| r.wall_ms);
    io_records.extend(async_1000);
    eprintln!("task-cost ladder");
    let ladder = cost::ladder()?;
    eprintln!("{CONCURRENT_REQUESTS} concurrent delayed requests");
    let concurrent = concurrent(CONCURRENT_REQUESTS, 1000)?;
    let rayon_efficiency = cpu
        .iter()
        .find(|r| r.strategy == "rayon")
        .and_then(|r| r.efficiency)
        .unwrap_or(0.0);
    let report = Report {
        cpu,
        io: io_records,
        ladder,
        concurrent,
        rayon_efficiency,
        async_1000_wall_ms,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{}", table::records(&report.cpu));
    println!("{}", table::records(&report.io));
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_header(vec![
        "one task on a…",
        "µs to start and finish",
        "per second",
    ]);
    for r in &report.ladder {
        t.add_row(vec![
            r.what.to_string(),
            format!("{:.2}", r.us_per_task),
            format!("{:.0}", r.per_second()),
        ]);
    }
    println!("{t}");
    let c = &report.concurrent;
    println!(
        "companion: {} concurrent requests × {} ms → {} errors, all answered in {:.0} ms",
        c.requests, c.latency_ms, c.errors, c.wall_ms
    );
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    println!(
        "rayon efficiency at N = 10⁸: {:.3} (target ≥ 0.95 {})",
        report.rayon_efficiency,
        mark(report.rayon_efficiency >= 0.95)
    );
    println!(
        "async io 1,000 × 100 ms: {:.1} ms = {:.2} × latency (target ≤ 130 ms {})",
        report.async_1000_wall_ms,
        report.async_1000_wall_ms / 100.0,
        mark(report.async_1000_wall_ms <= 130.0)
    );
    Ok(())
}
