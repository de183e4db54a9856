//! What `bench` reports: the figures as one serialisable [`Report`], the ratios compared from
//! run to run, and the text rendering of both.

use super::browser::{Browser, CpuRound};
use super::probes::{Concurrent, Walls};
use crate::exec;
use crate::lessons::cost::Rung;
use crate::table;
use comfy_table::{Table, presets};
use interleave_shared::{RunRecord, StrategyId as S};
use serde::Serialize;

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
    pub p5_floor: Walls,
    /// The floor and the lesson's async path timed back to back, round by round, and the
    /// median of their ratios: the figure held to ≤ 1.05.
    pub p5_paired: super::probes::Floor,
    /// The same 1,000 pages from one async client kept across runs (connections reused).
    pub p5_warm_session: Walls,
    /// The warm session timed back to back with its floor, round by round: the same pages over
    /// 1,000 kept-alive plain TCP connections (`lesson` is the warm session again).
    pub p5_warm_floor: super::probes::Floor,
    /// The explorer counting race unsynchronized, 2 workers × 2 rounds (target < 1 s).
    pub explore_race_2x2: Walls,
    /// The explorer on programs of its own language.
    pub programs: Vec<super::probes::ProgramFigure>,
    /// The event-loop recorder's cost per poll.
    pub recorder: super::probes::RecorderCost,
    /// The distributed lesson: broker path, pool and raw JetStream loop at 10,000 small tasks.
    pub distributed: super::broker::Distributed,
    /// The page's figures, with `--browser`.
    pub browser: Option<Browser>,
    /// P1, P2, P3, P5.
    pub ratios: Ratios,
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
    /// P2 and P3 round by round: each page run against the native runs just before it. The
    /// goal on P3 is judged on this when the page ran (`None` without `--browser`).
    pub paired: Option<Paired>,
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

/// P2 and P3 from paired rounds: the median of the rounds' own ratios. The VM's speed drifts
/// over minutes (native rayon's median moved from 166 to 103 ms between two batches a minute
/// apart), and the page's runs come minutes after the native table's; a ratio taken within
/// each round compares the two sides under the same conditions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    /// Rounds the medians are taken over.
    pub rounds: usize,
    /// Wasm sequential ÷ native sequential, median of the rounds.
    pub p2_wasm_over_native_sequential: f64,
    /// Native rayon ÷ wasm pool (throughput), median of the rounds.
    pub p3_wasm_pool_over_native_rayon: f64,
    /// Native rayon's median over the rounds, ms: held against the native table's median, so a
    /// paired ratio never looks better because the native side ran slower in the rounds.
    pub native_rayon_ms: f64,
}

impl Paired {
    /// The medians of the rounds' ratios; `None` without rounds.
    pub fn of(rounds: &[CpuRound]) -> Option<Self> {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied()
        };
        Some(Self {
            rounds: rounds.len(),
            p2_wasm_over_native_sequential: median(
                rounds
                    .iter()
                    .map(|r| r.wasm_sequential_ms / r.native_sequential_ms.max(1e-9))
                    .collect(),
            )?,
            p3_wasm_pool_over_native_rayon: median(
                rounds
                    .iter()
                    .map(|r| r.native_rayon_ms / r.wasm_pool_ms.max(1e-9))
                    .collect(),
            )?,
            native_rayon_ms: median(rounds.iter().map(|r| r.native_rayon_ms).collect())?,
        })
    }
}

pub fn median_of(records: &[RunRecord], strategy: S) -> Option<f64> {
    records
        .iter()
        .find(|r| r.strategy == strategy)
        .map(|r| r.wall_ms)
}

/// Fastest run of a native strategy (its only run when there were no repeats).
pub fn min_of(records: &[RunRecord], strategy: S) -> Option<f64> {
    records
        .iter()
        .find(|r| r.strategy == strategy)
        .map(|r| r.repeats.as_ref().map_or(r.wall_ms, |x| x.min_ms))
}

pub fn machine() -> String {
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
    format!("{} cores ({cpu}), {mem} RAM", exec::default_workers())
}

/// The whole report as text: native tables, the ladder, the companion, the cross-side table and
/// the ratios with their targets.
///
/// Long on purpose: the report is one document written top to bottom, and one function keeps its
/// layout in one place.
pub fn render(report: &Report, size: u64, workers: u32, repeat: u32) -> String {
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
        for r in &b.figures.ladder {
            let us = r.us_per_task;
            t.add_row(vec![
                format!("{} (browser)", r.what),
                format!("{us:.2}"),
                format!("{:.0}", 1e6 / us.max(f64::MIN_POSITIVE)),
            ]);
        }
    }
    let _ = writeln!(o, "{t}");
    let _ = writeln!(o, "{}", super::broker::render(&report.distributed));
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
        for s in [S::Sequential, S::Threads, S::Rayon, S::Processes] {
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
        let cpu = &b.figures.cpu;
        for (s, f) in [
            ("sequential", cpu.sequential),
            ("pool", cpu.pool),
            ("workers", cpu.workers),
        ] {
            t.add_row(vec![
                format!("wasm {s}"),
                format!("{:.1} ms", f.median),
                format!("{:.1}–{:.1} ms", f.min, f.max),
            ]);
        }
        let _ = writeln!(o, "N = {size}, {workers} workers, {repeat} repeats\n{t}");
        let _ = writeln!(
            o,
            "page: wasm {:.0} KB raw, {:.0} KB gzip; time to interactive {:.0} ms",
            b.wasm_bytes as f64 / 1000.0,
            b.wasm_gzip_bytes as f64 / 1000.0,
            b.figures.tti_ms.median
        );
        let (st, slow) = (&b.figures.start, &b.figures.start_slow);
        let _ = writeln!(
            o,
            "page start-up: {:.0} KB crossed the network to Run enabled ({:.0}–{:.0}); at {:.0} \
             Mbit/s and {:.0} ms more latency (emulated), picker {:.0} ms ({:.0}–{:.0}), Run \
             enabled {:.0} ms ({:.0}–{:.0})",
            st.transferred_kb.median,
            st.transferred_kb.min,
            st.transferred_kb.max,
            slow.mbps,
            slow.latency_ms,
            slow.picker_ms.median,
            slow.picker_ms.min,
            slow.picker_ms.max,
            slow.run_enabled_ms.median,
            slow.run_enabled_ms.min,
            slow.run_enabled_ms.max
        );
        let sh = &b.figures.static_host;
        let _ = writeln!(
            o,
            "page on a host that sends no headers (service worker): first visit {:.0} ms \
             ({:.0}–{:.0}, one reload included), later visits {:.0} ms ({:.0}–{:.0})",
            sh.first_visit_ms.median,
            sh.first_visit_ms.min,
            sh.first_visit_ms.max,
            sh.later_visit_ms.median,
            sh.later_visit_ms.min,
            sh.later_visit_ms.max
        );
        let _ = writeln!(o, "browser io: {}", b.figures.io_verdict);
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
    if let Some(p) = &r.paired {
        let _ = writeln!(
            o,
            "   paired, round by round (each page run right after a native one), median of {} rounds' ratios: P2 {:.3} ({}), P3 {:.3} ({}); native rayon in the rounds {:.1} ms{}",
            p.rounds,
            p.p2_wasm_over_native_sequential,
            mark(p.p2_wasm_over_native_sequential <= 1.10),
            p.p3_wasm_pool_over_native_rayon,
            mark(p.p3_wasm_pool_over_native_rayon >= 0.85),
            p.native_rayon_ms,
            median_of(&report.cpu, S::Rayon)
                .map_or(String::new(), |t| format!(" (in the table {t:.1} ms)"))
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
    let pr = &report.p5_paired;
    let _ = writeln!(
        o,
        "   paired with the floor, round by round: the lesson's async path {:.1} ms ÷ the floor {:.1} ms, median of {} rounds' ratios {:.3}",
        pr.lesson.median_ms, pr.floor.median_ms, pr.lesson.runs, pr.ratio
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
    let wf = &report.p5_warm_floor;
    let _ = writeln!(
        o,
        "   warm floor: the same 1,000 pages over 1,000 kept-alive plain TCP connections, back to back with the session: {:.1} ms (fastest {:.1} ms) = {:.2} × latency; the session ÷ this floor, median of {} rounds' ratios {:.3}",
        wf.floor.median_ms,
        wf.floor.min_ms,
        wf.floor.median_ms / 100.0,
        wf.floor.runs,
        wf.ratio
    );
    let x = &report.explore_race_2x2;
    let _ = writeln!(
        o,
        "explorer: race unsynchronized, 2 workers × 2 rounds (12,870 schedules): {:.2} ms natively{} (target < 1 s {})",
        x.median_ms,
        report.browser.as_ref().map_or(String::new(), |b| format!(
            ", {:.1} ms in the page (in a web worker, message round trip included)",
            b.figures.explore_ms.median
        )),
        mark(
            x.median_ms < 1000.0
                && report
                    .browser
                    .as_ref()
                    .is_none_or(|b| b.figures.explore_ms.median < 1000.0)
        )
    );
    for p in &report.programs {
        let _ = writeln!(
            o,
            "explorer program: {}: {} states, {} schedules ({} wrong) in {:.1} ms natively, {:.1} M states/s (target < {} {})",
            p.name,
            p.states,
            p.schedules,
            p.wrong,
            p.ms,
            p.states as f64 / p.ms.max(1e-6) / 1e3,
            interleave_shared::format::fmt_ms(p.target_ms),
            mark(p.ms < p.target_ms)
        );
    }
    if let Some(b) = &report.browser {
        let e = &b.figures.explore_program;
        let _ = writeln!(
            o,
            "explorer program in the page: race unsynchronized 3 × 3: {} states in {:.0} ms in a web worker, {:.1} M states/s, {:.0} MiB (targets < 5 s and < 512 MiB {})",
            e.states,
            e.race_3x3_ms.median,
            e.states as f64 / e.race_3x3_ms.median.max(1e-6) / 1e3,
            e.memory_mib,
            mark(e.race_3x3_ms.median < 5000.0 && e.memory_mib < 512.0)
        );
    }
    let rc = &report.recorder;
    let _ = writeln!(
        o,
        "event-loop recorder: {:.0} ns per poll wrapped vs {:.1} ns bare over {} polls: {:.0} ns added (target ≤ 200 ns {})",
        rc.traced_ns,
        rc.bare_ns,
        rc.polls,
        rc.added_ns(),
        mark(rc.added_ns() <= 200.0)
    );
    if let Some(b) = &report.browser {
        let r = &b.figures.recorder;
        let _ = writeln!(
            o,
            "   in the page: {:.0} ns per poll wrapped vs {:.1} ns bare: {:.0} ns added",
            r.traced_ns.median,
            r.bare_ns.median,
            r.traced_ns.median - r.bare_ns.median
        );
    }
    if let Some(p5) = r.p5_browser_async_io {
        let _ = writeln!(
            o,
            "P5 browser async io 60 × 100 ms: {p5:.2} × latency (the browser opens 6 connections per host)"
        );
    }
    let _ = write!(
        o,
        "{}",
        super::goals::render(&super::goals::goals(report, 100.0))
    );
    o
}

/// Where `bench --browser`'s block starts and ends in docs/benchmarks.md.
const BEGIN: &str = "<!-- bench:begin";
const END: &str = "<!-- bench:end -->";

/// `doc` with the generated block between the markers replaced by `block`, leaving every
/// hand-written section as it was; a document without the markers gets them, after its title.
pub fn replace_generated(doc: &str, block: &str) -> String {
    let begin_line =
        "<!-- bench:begin (written by `interleave bench --browser`; edit below the end marker) -->";
    if let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END))
        && b < e
    {
        return format!("{}{begin_line}\n{block}{}", &doc[..b], &doc[e..]);
    }
    format!("# Benchmarks\n\n{begin_line}\n{block}{END}\n")
}

#[cfg(test)]
mod tests {
    use super::{CpuRound, Paired, replace_generated};

    fn round(native_seq: f64, native_rayon: f64, wasm_seq: f64, wasm_pool: f64) -> CpuRound {
        CpuRound {
            native_sequential_ms: native_seq,
            native_rayon_ms: native_rayon,
            wasm_sequential_ms: wasm_seq,
            wasm_pool_ms: wasm_pool,
        }
    }

    /// The paired ratios are medians of each round's own ratio, not ratios of the two sides'
    /// medians: a round where both sides were slow counts as one fair comparison.
    #[test]
    fn paired_ratios_are_medians_of_the_rounds_ratios() {
        let rounds = [
            // The machine slow for both sides: the ratio is what it was in quiet rounds.
            round(400.0, 200.0, 440.0, 220.0),
            round(200.0, 100.0, 220.0, 125.0),
            round(200.0, 100.0, 200.0, 100.0),
        ];
        let p = Paired::of(&rounds).unwrap();
        assert_eq!(p.rounds, 3);
        assert!(
            (p.p2_wasm_over_native_sequential - 1.10).abs() < 1e-9,
            "{p:?}"
        );
        assert!(
            (p.p3_wasm_pool_over_native_rayon - 200.0 / 220.0).abs() < 1e-9,
            "{p:?}"
        );
        assert_eq!(Paired::of(&[]), None);
    }

    /// Regenerating the figures keeps every hand-written section of the page.
    #[test]
    fn regenerating_replaces_only_the_generated_block() {
        let doc = "# Benchmarks\n\n<!-- bench:begin x -->\nold figures\n<!-- bench:end -->\n\n## By hand\nkept\n";
        let new = replace_generated(doc, "new figures\n");
        assert!(
            new.contains("new figures") && !new.contains("old figures"),
            "{new}"
        );
        assert!(
            new.ends_with("<!-- bench:end -->\n\n## By hand\nkept\n"),
            "{new}"
        );
        assert!(replace_generated("", "f\n").contains("f\n<!-- bench:end -->"));
    }
}
