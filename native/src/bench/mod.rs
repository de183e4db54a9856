//! `interleave bench`: the figures the README quotes, measured in one run — medians and ratios,
//! never pass/fail timings in tests. `probes` measures what is not a lesson run, `browser` drives
//! the release page in Chromium, `report` assembles and renders; this module only orders them.

mod broker;
mod browser;
pub mod claims;
mod goals;
mod probes;
mod report;
mod soak;

use crate::cli::{BenchArgs, BenchMode};
use crate::exec;
use crate::lessons::cost;
use crate::run::{self, Plan};
use crate::server::Background;
use anyhow::{Context, Result};
use interleave_shared::request::{RawParams, StrategyList};
use interleave_shared::{RunBody, RunRecord, StrategyId as S};
use probes::CONCURRENT_REQUESTS;
use report::{BestOf, Paired, Ratios, Report, median_of, min_of};

/// One lesson run through the same request path as the CLI.
fn run_lesson(
    name: &str,
    strategies: &str,
    size: u64,
    latency: Option<u64>,
    workers: Option<u64>,
    repeat: u32,
    server: Option<&Background>,
) -> Result<Vec<RunRecord>> {
    let body = RunBody {
        lesson: name.into(),
        strategies: Some(StrategyList::Comma(strategies.into())),
        workers,
        params: RawParams {
            size: Some(size),
            latency_ms: latency,
            bytes: None,
        },
    };
    let plan = Plan::new(run::resolve(&body)?)
        .repeat(repeat)
        .server(server.map(|s| s.base.clone()));
    run::run(&plan, &|s| eprintln!("  {name}: {s}…"))
}

/// Run the benchmark the flags select and print (or return as JSON) what it measured.
pub fn run(args: &BenchArgs) -> Result<()> {
    match args.mode() {
        BenchMode::Figures => figures(args),
        BenchMode::Soak(seconds) => soak_companion(seconds, args.json),
        BenchMode::Claims => claim_tallies(args),
        BenchMode::Distributed => distributed(args),
    }
}

/// The companion's stated bound on resident memory, under any load (docs/benchmarks.md).
pub const RSS_BOUND_MIB: u64 = 256;

/// `--soak SECS`: the companion under mixed load, its errors and its memory over time.
fn soak_companion(seconds: u64, json: bool) -> Result<()> {
    exec::raise_fd_limit();
    eprintln!("soaking the companion for {seconds} s…");
    let s = soak::soak(seconds)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let mib = |kb: u64| kb as f64 / 1024.0;
        println!(
            "soak, {} s: {} pages, {} health checks, {} native runs checked; {} errors {}\n\
             companion RSS: {:.1} MiB early, {:.1} MiB late ({:+.1}%, flat within 10% {}), peak {:.1} MiB",
            s.seconds,
            s.pages,
            s.health,
            s.runs,
            s.errors,
            if s.errors == 0 { "✓" } else { "✗" },
            mib(s.rss_early_kb),
            mib(s.rss_late_kb),
            s.growth() * 100.0,
            if s.growth().abs() <= 0.10 {
                "✓"
            } else {
                "✗"
            },
            mib(s.rss_peak_kb)
        );
        let h = &s.hostile;
        println!(
            "hostile mix: {}/{} unread 16 MiB pages cut off, {}/{} trickling bodies answered 408, \
             {}/{} oversized runs refused, {} runs aborted by their client ({} runs found the \
             slot busy); peak RSS {:.1} MiB against the {} MiB bound {}",
            h.unread_cut,
            h.unread_pages,
            h.slow_bodies_cut,
            h.slow_bodies,
            h.oversized_refused,
            h.oversized_runs,
            h.aborted_runs,
            s.busy,
            mib(s.rss_peak_kb),
            RSS_BOUND_MIB,
            if mib(s.rss_peak_kb) < RSS_BOUND_MIB as f64 {
                "✓"
            } else {
                "✗"
            }
        );
    }

    Ok(())
}

/// `--distributed`: tasks per second through the broker, the pool and a raw loop.
fn distributed(args: &BenchArgs) -> Result<()> {
    let workers = args.workers.unwrap_or(2);
    eprintln!(
        "distributed, {} tasks, {workers} workers, {} repeats after a warm-up",
        args.tasks, args.repeat
    );
    let d = broker::measure(usize::try_from(args.tasks)?, workers, args.repeat)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        print!("{}", broker::render(&d));
    }

    Ok(())
}

/// `--claims`: how often each lesson's claims hold at its defaults.
fn claim_tallies(args: &BenchArgs) -> Result<()> {
    let lessons: Vec<interleave_shared::LessonId> = match &args.lessons {
        Some(list) => list
            .split(',')
            .map(|n| interleave_shared::lessons::find(n).map(|l| l.id))
            .collect::<Result<_, _>>()?,
        None => interleave_shared::LessonId::ALL.to_vec(),
    };
    let tallies = if args.browser {
        browser::claims(&lessons, args.runs)?
    } else {
        claims::tally(&lessons, args.runs, &|s| eprintln!("  {s}…"))?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&tallies)?);
    } else {
        println!("{}", claims::render(&tallies));
    }

    Ok(())
}

/// The figures: cpu and io on every native strategy, the probes, the ladder, the distributed
/// path, and with `--browser` the page's own.
fn figures(args: &BenchArgs) -> Result<()> {
    let repeat = args.repeat;
    let workers = args.workers.unwrap_or_else(exec::default_workers);
    exec::raise_fd_limit();
    eprintln!(
        "cpu, N = {}, {workers} workers, {repeat} repeats after a warm-up",
        args.size
    );
    let cpu = run_lesson(
        "cpu",
        "all",
        args.size,
        None,
        Some(u64::from(workers)),
        repeat,
        None,
    )?;
    let server = Background::start()?;
    eprintln!("io, 200 pages × 100 ms");
    let mut io_records = run_lesson("io", "all", 200, Some(100), None, 1, Some(&server))?;
    eprintln!("io, async, 1,000 pages × 100 ms, 1,000 at once");
    let mut async_1000 = run_lesson(
        "io",
        "async",
        1000,
        Some(100),
        Some(1000),
        repeat,
        Some(&server),
    )?;
    eprintln!("io floor: the same 1,000 pages over plain TCP, no HTTP client");
    let p5_paired = probes::raw_tcp_floor(&server, 1000, 100, repeat)?;
    eprintln!(
        "io, async with a warm session: the same 1,000 pages over kept-alive connections, and plain TCP over kept-alive connections"
    );
    let p5_warm = probes::async_warm_session(&server, 1000, 100, repeat)?;
    drop(server);
    for r in &mut async_1000 {
        r.note = Some("1,000 × 100 ms".into());
    }
    let async_1000_wall_ms = async_1000.first().map_or(0.0, |r| r.wall_ms);
    io_records.extend(async_1000);
    eprintln!("explorer: race unsynchronized, 2 workers × 2 rounds");
    let explore_race_2x2 = probes::explore_race(repeat)?;
    eprintln!("explorer: programs (race 3 × 3, five philosophers)");
    let programs = probes::explore_programs(repeat)?;
    eprintln!("event-loop recorder: cost per poll");
    let recorder = probes::recorder_cost(repeat)?;
    eprintln!("task-cost ladder");
    let ladder = cost::ladder()?;
    eprintln!("distributed: 10,000 small tasks through the broker, the pool and a raw loop");
    let distributed = broker::measure(10_000, workers, repeat)?;
    eprintln!("{CONCURRENT_REQUESTS} concurrent delayed requests");
    let concurrent = probes::concurrent(CONCURRENT_REQUESTS, 1000)?;
    let rayon_efficiency = cpu
        .iter()
        .find(|r| r.strategy == S::Rayon)
        .and_then(|r| r.efficiency)
        .unwrap_or(0.0);
    let browser = if args.browser {
        Some(browser::measure(args.size, workers, repeat, &mut || {
            native_cpu_round(args.size, workers)
        })?)
    } else {
        None
    };
    let ratios = ratios(
        &cpu,
        browser.as_ref(),
        rayon_efficiency,
        async_1000_wall_ms,
        workers,
    );
    let report = Report {
        cpu,
        io: io_records,
        ladder,
        concurrent,
        rayon_efficiency,
        async_1000_wall_ms,
        p5_floor: p5_paired.floor.clone(),
        p5_paired,
        p5_warm_session: p5_warm.lesson.clone(),
        p5_warm_floor: p5_warm,
        explore_race_2x2,
        programs,
        recorder,
        distributed,
        browser,
        ratios,
    };
    publish(&report, args, workers)
}

/// One native round for the page's paired cpu runs: sequential, then rayon, once each (after
/// their small warm-ups) at the page's N and workers, on the rayon pool the native cpu runs
/// built and kept.
fn native_cpu_round(size: u64, workers: u32) -> Result<browser::NativeRound> {
    let records = run_lesson(
        "cpu",
        "sequential,rayon",
        size,
        None,
        Some(u64::from(workers)),
        1,
        None,
    )?;
    let wall = |strategy: S| {
        records
            .iter()
            .find(|r| r.strategy == strategy && r.correct)
            .map(|r| r.wall_ms)
            .with_context(|| format!("native cpu {strategy} gave no exact result"))
    };
    Ok(browser::NativeRound {
        sequential_ms: wall(S::Sequential)?,
        rayon_ms: wall(S::Rayon)?,
    })
}

/// The ratios the targets are judged on, from the cpu records and the browser's figures.
fn ratios(
    cpu: &[RunRecord],
    browser: Option<&browser::Browser>,
    rayon_efficiency: f64,
    async_1000_wall_ms: f64,
    workers: u32,
) -> Ratios {
    let figures = browser.as_ref().map(|b| &b.figures);
    Ratios {
        p1_native_efficiency: rayon_efficiency,
        p2_wasm_over_native_sequential: figures
            .map(|f| f.cpu.sequential.median)
            .zip(median_of(cpu, S::Sequential))
            .map(|(w, n)| w / n),
        p3_wasm_pool_over_native_rayon: figures
            .map(|f| f.cpu.pool.median)
            .zip(median_of(cpu, S::Rayon))
            .map(|(w, n)| n / w),
        paired: figures.and_then(|f| Paired::of(&f.cpu_paired)),
        p5_native_async_io: async_1000_wall_ms / 100.0,
        p5_browser_async_io: figures.map(|f| f.io_async.median / f.io_async.latency_ms),
        best_of: BestOf {
            p1_native_efficiency: min_of(cpu, S::Sequential)
                .zip(min_of(cpu, S::Rayon))
                .map(|(s, r)| s / r / f64::from(workers)),
            p2_wasm_over_native_sequential: figures
                .map(|f| f.cpu.sequential.min)
                .zip(min_of(cpu, S::Sequential))
                .map(|(w, n)| w / n),
            p3_wasm_pool_over_native_rayon: figures
                .map(|f| f.cpu.pool.min)
                .zip(min_of(cpu, S::Rayon))
                .map(|(w, n)| n / w),
        },
    }
}

/// Print the report (or its JSON), write `--out`, and with browser figures rewrite the
/// generated block of docs/benchmarks.md.
fn publish(report: &Report, args: &BenchArgs, workers: u32) -> Result<()> {
    let (repeat, json) = (args.repeat, args.json);
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_vec_pretty(report)?)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let text = report::render(report, args.size, workers, repeat);
    println!("{text}");
    if report.browser.is_some() {
        let block = format!(
            "Machine: {}. Command (from the repository root, tools from `scripts/setup test`):\n\n```sh\ncargo run --release -p interleave -- bench --browser --repeat {repeat} --size {size} --out docs/benchmarks.json\n```\n\nMedians of {repeat} runs after a warm-up run (three in the browser, where V8 is still compiling the page's code to its optimising tier during the first runs); ratios are what to compare from run to run. Targets are judged on medians; \"best runs\" repeats a ratio from the fastest run of each side, and the gap between the two is the machine's noise.\n\n```text\n{text}\n```\n",
            report::machine(),
            size = args.size,
        );
        let path = std::path::Path::new("docs/benchmarks.md");
        let old = std::fs::read_to_string(path).unwrap_or_default();
        std::fs::create_dir_all("docs")?;
        std::fs::write(path, report::replace_generated(&old, &block))?;
        eprintln!("wrote docs/benchmarks.md");
    }
    Ok(())
}
