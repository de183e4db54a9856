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
    /// cpu at the benchmark's N (`--size`) on every native strategy.
    pub cpu: Vec<RunRecord>,
    /// io 200 × 100 ms on every native strategy, and async at 1,000 × 100 ms.
    pub io: Vec<RunRecord>,
    /// Cost of one task per kind of worker.
    pub ladder: Vec<Rung>,
    /// The companion under 10,000 concurrent delayed requests.
    pub concurrent: Concurrent,
    /// rayon speedup ÷ workers at that N (target ≥ 0.95).
    pub rayon_efficiency: f64,
    /// Async io 1,000 × 100 ms: wall ms and wall ÷ latency (target ≤ 130 ms, i.e. ≤ 1.3).
    pub async_1000_wall_ms: f64,
    /// The same 1,000 pages over plain TCP from one thread: the platform's floor under P5.
    pub p5_floor: Timing,
    /// The same 1,000 pages from one async client kept across runs (connections reused).
    pub p5_warm_session: Timing,
    /// The page's figures, with `--browser`.
    pub browser: Option<Browser>,
    /// P1, P2, P3, P5.
    pub ratios: Ratios,
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

/// Medians and minima of repeated wall times.
#[derive(Debug, Serialize)]
pub struct Timing {
    /// Median wall time, ms.
    pub median_ms: f64,
    /// Fastest wall time, ms.
    pub min_ms: f64,
    /// Timed runs (after one warm-up).
    pub runs: u32,
}

impl Timing {
    fn of(mut walls: Vec<f64>) -> Self {
        walls.sort_by(f64::total_cmp);
        Self {
            median_ms: walls.get(walls.len() / 2).copied().unwrap_or(0.0),
            min_ms: walls.first().copied().unwrap_or(0.0),
            runs: walls.len() as u32,
        }
    }
}

/// The floor under P5: the same delayed pages fetched from one thread over plain tokio TCP, a
/// hand-written `GET` per connection with no HTTP client library and no checksum. What is left
/// is opening, using and closing `pages` loopback connections at once on this machine, so the
/// report can say how much of the async wall is the HTTP stack and how much is the platform.
/// Every answer is still checked (status line and exact body), and a wrong one is an error.
fn raw_tcp_floor(server: &Background, pages: u64, latency_ms: u64, repeat: u32) -> Result<Timing> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = server
        .base
        .strip_prefix("http://")
        .context("the companion's URL is not http://")?
        .to_string();
    let bytes = io::INFO.bytes.map_or(0, |b| b.default);
    let rt = runner::event_loop()?;
    let fetch = |page: u64| {
        let host = host.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&host).await?;
            let path = io::page_path(page, latency_ms, bytes);
            stream
                .write_all(
                    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                )
                .await?;
            let mut answer = Vec::with_capacity(bytes as usize + 512);
            stream.read_to_end(&mut answer).await?;
            let body = io::page_body(page, bytes);
            if !answer.starts_with(b"HTTP/1.1 200") || !answer.ends_with(&body) {
                anyhow::bail!("page {page}: wrong answer from the companion");
            }
            anyhow::Ok(())
        }
    };
    let mut walls = Vec::new();
    for run in 0..=repeat {
        let clock = MonoClock::start();
        rt.block_on(futures::future::try_join_all((0..pages).map(fetch)))?;
        if run > 0 {
            walls.push(clock.now_ms());
        }
    }
    Ok(Timing::of(walls))
}

/// P5 again with a warm session: one async client kept across the runs, so the warm-up run
/// opens the 1,000 keep-alive connections and the timed runs reuse them, as a long-running
/// program with one HTTP session would. The lesson itself (and P5 above) opens a fresh session
/// per run, as the notes' script does; the difference between the two is what setting up 1,000
/// connections costs here. Every run's pages are checked against the lesson's expected result.
fn async_warm_session(
    server: &Background,
    pages: u64,
    latency_ms: u64,
    repeat: u32,
) -> Result<Timing> {
    let target = crate::fetch::Target {
        base: server.base.clone(),
        latency_ms,
        bytes: io::INFO.bytes.map_or(0, |b| b.default),
    };
    let expected = io::expected(pages, target.bytes);
    let rt = runner::event_loop()?;
    let client = crate::fetch::async_client(&target).map_err(anyhow::Error::msg)?;
    let mut walls = Vec::new();
    for run in 0..=repeat {
        let clock = MonoClock::start();
        let done = rt.block_on(interleave_shared::strategy::async_workers(
            pages as usize,
            pages as usize,
            &clock,
            interleave_shared::SpanKind::Wait,
            |t| crate::fetch::fetch_async(&client, &target, t as u64),
        ));
        let wall = clock.now_ms();
        let total: io::Downloaded = done
            .outputs
            .into_iter()
            .sum::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?;
        if total != expected {
            anyhow::bail!(
                "warm-session run {run}: {} instead of {}",
                total.render(),
                expected.render()
            );
        }
        if run > 0 {
            walls.push(wall);
        }
    }
    Ok(Timing::of(walls))
}

/// Figures measured in headless Chromium on the release page (see tests/browser/bench.mjs).
#[derive(Debug, Serialize)]
pub struct Browser {
    /// What the page reported, as bench.mjs printed it.
    pub figures: serde_json::Value,
    /// Release wasm size in bytes, raw and gzip -9.
    pub wasm_bytes: u64,
    /// The same, gzipped.
    pub wasm_gzip_bytes: u64,
}

/// The ratios we compare from run to run.
#[derive(Debug, Serialize)]
pub struct Ratios {
    /// P1: native rayon speedup ÷ workers.
    pub p1_native_efficiency: f64,
    /// P2: wasm sequential ÷ native sequential time.
    pub p2_wasm_over_native_sequential: Option<f64>,
    /// P3: wasm pool throughput ÷ native rayon throughput (native rayon ms ÷ wasm pool ms).
    pub p3_wasm_pool_over_native_rayon: Option<f64>,
    /// P5 native: async io 1,000 × 100 ms, wall ÷ latency.
    pub p5_native_async_io: f64,
    /// P5 browser: async io N × latency, wall ÷ latency.
    pub p5_browser_async_io: Option<f64>,
    /// P1, P2 and P3 again from the fastest run of each side instead of the median: what the
    /// code does when nothing else on the machine gets in the way. The targets are judged on
    /// the medians; the gap between the two is how noisy the machine was.
    pub best_of: BestOf,
}

/// P1–P3 from minima (see [`Ratios::best_of`]).
#[derive(Debug, Serialize)]
pub struct BestOf {
    /// P1 from the fastest sequential and rayon runs.
    pub p1_native_efficiency: Option<f64>,
    /// P2 from the fastest runs.
    pub p2_wasm_over_native_sequential: Option<f64>,
    /// P3 from the fastest runs.
    pub p3_wasm_pool_over_native_rayon: Option<f64>,
}

fn median_of(records: &[RunRecord], strategy: &str) -> Option<f64> {
    records
        .iter()
        .find(|r| r.strategy == strategy)
        .map(|r| r.wall_ms)
}

/// Fastest run of a native strategy (its only run when there were no repeats).
fn min_of(records: &[RunRecord], strategy: &str) -> Option<f64> {
    records
        .iter()
        .find(|r| r.strategy == strategy)
        .map(|r| r.repeats.as_ref().map_or(r.wall_ms, |x| x.min_ms))
}

/// Build the release page, serve it with the companion, and measure it in Chromium.
fn browser(size: u64, workers: u32, repeat: u32) -> Result<Browser> {
    if !std::path::Path::new("Trunk.toml").exists()
        || !std::path::Path::new("tests/browser/bench.mjs").exists()
    {
        anyhow::bail!(
            "bench --browser builds the page: run it from the repository root (where Trunk.toml is)"
        );
    }
    let path = format!(
        "{}/node_modules/.bin:{}",
        std::env::current_dir()?.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    eprintln!("building the release page (trunk build --release)…");
    let built = Command::new("trunk")
        .args(["build", "--release"])
        .env("PATH", &path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .status()
        .context("cannot run trunk (scripts/setup installs it)")?;
    if !built.success() {
        anyhow::bail!("trunk build --release failed");
    }
    let wasm = std::fs::read_dir("dist")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .context("no .wasm in dist/")?;
    let wasm_bytes = std::fs::metadata(&wasm)?.len();
    let gz = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .context("cannot run gzip")?;
    let server = Background::start_serving(Some("dist".into()))?;
    eprintln!(
        "measuring the page in headless Chromium at {}…",
        server.base
    );
    let out = Command::new("node")
        .args([
            "tests/browser/bench.mjs",
            &server.base,
            &size.to_string(),
            &workers.to_string(),
            &repeat.to_string(),
            "60",
            "100",
        ])
        .env("PATH", &path)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run node (scripts/setup installs playwright-core)")?;
    drop(server);
    if !out.status.success() {
        anyhow::bail!("the browser benchmark failed ({})", out.status);
    }
    Ok(Browser {
        figures: serde_json::from_slice(&out.stdout).context("bench.mjs printed no JSON")?,
        wasm_bytes,
        wasm_gzip_bytes: gz.stdout.len() as u64,
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb as f64 / 1048576.0));
    format!("{} cores ({cpu}), {mem} RAM", default_workers())
}

/// Run the benchmark and print (or return as JSON) its figures.
pub fn run(args: &crate::cli::BenchArgs) -> Result<()> {
    let (repeat, json) = (args.repeat, args.json);
    let workers = args.workers.unwrap_or_else(default_workers);
    crate::raise_fd_limit();
    eprintln!(
        "cpu, N = {}, {workers} workers, {repeat} repeats after a warm-up",
        args.size
    );
    let cpu = run_lesson(
        "cpu",
        lessons::cpu::INFO.native.to_vec(),
        args.size,
        None,
        Some(u64::from(workers)),
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
    eprintln!("io floor: the same 1,000 pages over plain TCP, no HTTP client");
    let p5_floor = raw_tcp_floor(&server, 1000, 100, repeat)?;
    eprintln!("io, async with a warm session: the same 1,000 pages over kept-alive connections");
    let p5_warm = async_warm_session(&server, 1000, 100, repeat)?;
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
    let browser = if args.browser {
        Some(browser(args.size, workers, repeat)?)
    } else {
        None
    };
    let fig = |path: &[&str]| -> Option<f64> {
        let mut v = &browser.as_ref()?.figures;
        for k in path {
            v = v.get(k)?;
        }
        v.as_f64()
    };
    let ratios = Ratios {
        p1_native_efficiency: rayon_efficiency,
        p2_wasm_over_native_sequential: fig(&["cpu", "sequential", "median"])
            .zip(median_of(&cpu, "sequential"))
            .map(|(w, n)| w / n),
        p3_wasm_pool_over_native_rayon: fig(&["cpu", "pool", "median"])
            .zip(median_of(&cpu, "rayon"))
            .map(|(w, n)| n / w),
        p5_native_async_io: async_1000_wall_ms / 100.0,
        p5_browser_async_io: fig(&["io_async", "median"])
            .zip(fig(&["io_async", "latency_ms"]))
            .map(|(w, l)| w / l),
        best_of: BestOf {
            p1_native_efficiency: min_of(&cpu, "sequential")
                .zip(min_of(&cpu, "rayon"))
                .map(|(s, r)| s / r / f64::from(workers)),
            p2_wasm_over_native_sequential: fig(&["cpu", "sequential", "min"])
                .zip(min_of(&cpu, "sequential"))
                .map(|(w, n)| w / n),
            p3_wasm_pool_over_native_rayon: fig(&["cpu", "pool", "min"])
                .zip(min_of(&cpu, "rayon"))
                .map(|(w, n)| n / w),
        },
    };
    let report = Report {
        cpu,
        io: io_records,
        ladder,
        concurrent,
        rayon_efficiency,
        async_1000_wall_ms,
        p5_floor,
        p5_warm_session: p5_warm,
        browser,
        ratios,
    };
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let text = render(&report, args.size, workers, repeat);
    println!("{text}");
    if report.browser.is_some() {
        let md = format!(
            "# Benchmarks\n\nMachine: {}. Command (from the repository root, tools from `scripts/setup test`):\n\n```sh\ncargo run --release -p interleave -- bench --browser --repeat {repeat} --size {size} --out docs/benchmarks.json\n```\n\nMedians of {repeat} runs after a warm-up run (three in the browser, where V8 is still compiling the page's code to its optimising tier during the first runs); ratios are what to compare from run to run. Targets are judged on medians; \"best runs\" repeats a ratio from the fastest run of each side, and the gap between the two is the machine's noise.\n\n```text\n{text}\n```\n",
            machine(),
            size = args.size,
        );
        std::fs::create_dir_all("docs")?;
        std::fs::write("docs/benchmarks.md", md)?;
        eprintln!("wrote docs/benchmarks.md");
    }
    Ok(())
}

/// The whole report as text: native tables, the ladder, the companion, the cross-side table and
/// the ratios with their targets.
fn render(report: &Report, size: u64, workers: u32, repeat: u32) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "{}", table::records(&report.cpu));
    let _ = writeln!(o, "{}", table::records(&report.io));
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_header(vec![
        "one task on a…",
        "µs to start and finish",
        "per second",
    ]);
    for r in &report.ladder {
        t.add_row(vec![
            format!("{} (native)", r.what),
            format!("{:.2}", r.us_per_task),
            format!("{:.0}", r.per_second()),
        ]);
    }
    if let Some(b) = &report.browser {
        for r in b.figures["ladder"].as_array().into_iter().flatten() {
            let us = r["us_per_task"].as_f64().unwrap_or(0.0);
            t.add_row(vec![
                format!("{} (browser)", r["what"].as_str().unwrap_or("?")),
                format!("{us:.2}"),
                format!("{:.0}", 1e6 / us.max(f64::MIN_POSITIVE)),
            ]);
        }
    }
    let _ = writeln!(o, "{t}");
    let c = &report.concurrent;
    let _ = writeln!(
        o,
        "companion: {} concurrent requests × {} ms → {} errors, all answered in {:.0} ms",
        c.requests, c.latency_ms, c.errors, c.wall_ms
    );
    if let Some(b) = &report.browser {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED).set_header(vec![
            "cpu, same N and workers",
            "median",
            "min–max",
        ]);
        for s in ["sequential", "threads", "rayon", "processes"] {
            if let Some(r) = report.cpu.iter().find(|r| r.strategy == s) {
                let (lo, hi) = r
                    .repeats
                    .as_ref()
                    .map_or((r.wall_ms, r.wall_ms), |x| (x.min_ms, x.max_ms));
                t.add_row(vec![
                    format!("native {s}"),
                    format!("{:.1} ms", r.wall_ms),
                    format!("{lo:.1}–{hi:.1} ms"),
                ]);
            }
        }
        for s in ["sequential", "pool", "workers"] {
            let f = &b.figures["cpu"][s];
            t.add_row(vec![
                format!("wasm {s}"),
                format!("{:.1} ms", f["median"].as_f64().unwrap_or(0.0)),
                format!(
                    "{:.1}–{:.1} ms",
                    f["min"].as_f64().unwrap_or(0.0),
                    f["max"].as_f64().unwrap_or(0.0)
                ),
            ]);
        }
        let _ = writeln!(o, "N = {size}, {workers} workers, {repeat} repeats\n{t}");
        let _ = writeln!(
            o,
            "page: wasm {:.0} KB raw, {:.0} KB gzip; time to interactive {:.0} ms",
            b.wasm_bytes as f64 / 1000.0,
            b.wasm_gzip_bytes as f64 / 1000.0,
            b.figures["tti_ms"]["median"].as_f64().unwrap_or(0.0)
        );
        if let Some(v) = b.figures["io_verdict"].as_str() {
            let _ = writeln!(o, "browser io: {v}");
        }
    }
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let r = &report.ratios;
    let best = |v: Option<f64>| v.map_or(String::new(), |v| format!("; best runs {v:.3}"));
    let _ = writeln!(
        o,
        "P1 native parallel efficiency (rayon speedup ÷ workers): {:.3}{} (target ≥ 0.95 {})",
        r.p1_native_efficiency,
        best(r.best_of.p1_native_efficiency),
        mark(r.p1_native_efficiency >= 0.95)
    );
    if let Some(p2) = r.p2_wasm_over_native_sequential {
        let _ = writeln!(
            o,
            "P2 wasm sequential ÷ native sequential: {p2:.3}{} (target ≤ 1.10 {})",
            best(r.best_of.p2_wasm_over_native_sequential),
            mark(p2 <= 1.10)
        );
    }
    if let Some(p3) = r.p3_wasm_pool_over_native_rayon {
        let _ = writeln!(
            o,
            "P3 wasm pool throughput ÷ native rayon throughput: {p3:.3}{} (target ≥ 0.85 {})",
            best(r.best_of.p3_wasm_pool_over_native_rayon),
            mark(p3 >= 0.85)
        );
    }
    let _ = writeln!(
        o,
        "P5 native async io 1,000 × 100 ms: {:.1} ms = {:.2} × latency (target ≤ 130 ms {})",
        report.async_1000_wall_ms,
        r.p5_native_async_io,
        mark(report.async_1000_wall_ms <= 130.0)
    );
    let f = &report.p5_floor;
    let _ = writeln!(
        o,
        "   floor: the same 1,000 pages over plain TCP from one thread, new connections (no HTTP client, no checksum): {:.1} ms (fastest {:.1} ms)",
        f.median_ms, f.min_ms
    );
    let w = &report.p5_warm_session;
    let _ = writeln!(
        o,
        "   warm session: one client kept across runs, its 1,000 connections opened by the warm-up: {:.1} ms (fastest {:.1} ms) = {:.2} × latency (target ≤ 130 ms {})",
        w.median_ms,
        w.min_ms,
        w.median_ms / 100.0,
        mark(w.median_ms <= 130.0)
    );
    if let Some(p5) = r.p5_browser_async_io {
        let _ = writeln!(
            o,
            "P5 browser async io 60 × 100 ms: {p5:.2} × latency (the browser opens 6 connections per host)"
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_takes_the_median_and_the_fastest() {
        let t = Timing::of(vec![30.0, 10.0, 20.0, 50.0, 40.0]);
        assert_eq!((t.median_ms, t.min_ms, t.runs), (30.0, 10.0, 5));
        let none = Timing::of(Vec::new());
        assert_eq!((none.median_ms, none.runs), (0.0, 0));
    }

    #[test]
    fn the_p5_reference_points_fetch_and_check_real_pages() {
        let server = Background::start().unwrap();
        let floor = raw_tcp_floor(&server, 20, 5, 2).unwrap();
        assert_eq!(floor.runs, 2);
        assert!(
            floor.min_ms >= 5.0,
            "each page waits 5 ms: {}",
            floor.min_ms
        );
        let warm = async_warm_session(&server, 20, 5, 2).unwrap();
        assert_eq!(warm.runs, 2);
        assert!(warm.min_ms >= 5.0, "each page waits 5 ms: {}", warm.min_ms);
    }
}
