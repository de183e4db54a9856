//! The performance goals each figure of a `bench` run is held against, in one table: the page's
//! weight and start-up, a browser async task against the browser's own microtask hop, the
//! browser's cost ladder in order, native async io against the plain-TCP floor of the same run,
//! and the wasm pool against native rayon. Judged on medians, like every target in the report.

use super::report::{Paired, Report};
use comfy_table::{Table, presets};
use interleave_shared::lessons::cost;

/// One figure beside its goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// What is measured.
    pub figure: String,
    /// What this run measured.
    pub now: String,
    /// What it is held against.
    pub goal: String,
    /// Whether the median met it.
    pub met: bool,
}

/// Page wasm, gzip -9, at most this many bytes: what the first screen needs.
pub const WASM_GZIP_MAX: u64 = 350_000;
/// Navigation to the lesson picker (and to Run enabled), ms, on fresh loads.
pub const START_MAX_MS: f64 = 250.0;
/// One browser async task, µs.
pub const ASYNC_TASK_MAX_US: f64 = 5.0;
/// Native async io ÷ the plain-TCP floor of the same run.
pub const IO_OVER_FLOOR_MAX: f64 = 1.05;
/// The warm session ÷ one latency.
pub const WARM_OVER_LATENCY_MAX: f64 = 1.3;
/// Wasm pool throughput ÷ native rayon throughput.
pub const POOL_OVER_RAYON_MIN: f64 = 0.90;
/// How much slower native rayon may run in the paired rounds than in the native table before
/// the paired P3 stops counting: the table's own spread from run to run on this VM is ~5–10%.
pub const ROUNDS_NATIVE_SLACK: f64 = 1.10;
/// The browser's ladder, cheapest first (the cost lesson's web claim).
const WEB_LADDER: [&str; 4] = ["async-task", "pool-job", "worker-message", "worker-start"];

/// Every goal this report has the figures for (the page's only with `--browser`).
pub fn goals(report: &Report, latency_ms: f64) -> Vec<Goal> {
    let mut out = Vec::new();
    if let Some(b) = &report.browser {
        out.push(Goal {
            figure: "page wasm, gzip -9".into(),
            now: format!(
                "{:.0} KB ({:.0} KB raw)",
                b.wasm_gzip_bytes as f64 / 1000.0,
                b.wasm_bytes as f64 / 1000.0
            ),
            goal: format!("≤ {} KB", WASM_GZIP_MAX / 1000),
            met: b.wasm_gzip_bytes <= WASM_GZIP_MAX,
        });
        let f = &b.figures;
        let start = |figure: &str, s: &super::browser::Stats| Goal {
            figure: figure.into(),
            now: format!(
                "{:.0} ms ({:.0}–{:.0}, {} loads)",
                s.median, s.min, s.max, s.runs
            ),
            goal: format!("≤ {START_MAX_MS:.0} ms"),
            met: s.median <= START_MAX_MS,
        };
        out.push(start(
            "to the lesson picker, fresh loads",
            &f.start.picker_ms,
        ));
        out.push(start(
            "to Run enabled, fresh loads",
            &f.start.run_enabled_ms,
        ));
        out.push(start(
            "to Run enabled, host without headers, first visit (service worker, one reload)",
            &f.static_host.first_visit_ms,
        ));
        out.push(start(
            "to Run enabled, host without headers, later visits",
            &f.static_host.later_visit_ms,
        ));
        if let Some(task) = f.ladder.iter().find(|r| r.what == "async-task") {
            out.push(Goal {
                figure: "one browser async task (spawn + oneshot)".into(),
                now: format!(
                    "{:.2} µs ({:.2}–{:.2}); one queueMicrotask hop {:.2} µs",
                    task.us_per_task, task.min_us, task.max_us, f.microtask_us.median
                ),
                goal: format!("≤ {ASYNC_TASK_MAX_US:.0} µs"),
                met: task.us_per_task <= ASYNC_TASK_MAX_US,
            });
        }
        let rungs: Vec<(&str, f64)> = WEB_LADDER
            .iter()
            .filter_map(|w| {
                let r = f.ladder.iter().find(|r| r.what == *w)?;
                Some((*w, r.us_per_task))
            })
            .collect();
        if rungs.len() == WEB_LADDER.len() {
            let met = in_order(&rungs);
            let now = rungs
                .iter()
                .map(|(w, us)| format!("{w} {}", us_text(*us)))
                .collect::<Vec<_>>()
                .join(" < ");
            out.push(Goal {
                figure: "browser ladder, all four rungs in order".into(),
                now,
                goal: "in order; each ≥ 2× the one before but the middle step".into(),
                met,
            });
        }
    }
    let pair = &report.p5_paired;
    if pair.floor.runs > 0 {
        out.push(Goal {
            figure: "native async io 1,000 pages ÷ plain-TCP floor, back to back".into(),
            now: format!(
                "{:.3} ({:.1} ms ÷ {:.1} ms, {} rounds)",
                pair.ratio, pair.lesson.median_ms, pair.floor.median_ms, pair.floor.runs
            ),
            goal: format!("≤ {IO_OVER_FLOOR_MAX:.2}"),
            met: pair.ratio <= IO_OVER_FLOOR_MAX,
        });
    }
    let warm = report.p5_warm_session.median_ms / latency_ms;
    out.push(Goal {
        figure: "native async io, warm session ÷ latency".into(),
        now: format!(
            "{warm:.2} ({:.1} ms ÷ {latency_ms:.0} ms); kept-alive plain TCP {:.2}",
            report.p5_warm_session.median_ms,
            report.p5_warm_floor.floor.median_ms / latency_ms
        ),
        goal: format!("≤ {WARM_OVER_LATENCY_MAX:.1}"),
        met: warm <= WARM_OVER_LATENCY_MAX,
    });
    let table_rayon = super::report::median_of(&report.cpu, interleave_shared::StrategyId::Rayon);
    out.extend(pool_over_rayon(
        report.ratios.paired.as_ref(),
        report.ratios.p3_wasm_pool_over_native_rayon,
        table_rayon,
    ));
    out
}

/// The wasm pool against native rayon: judged round by round when the rounds were paired (the
/// two sides a second apart), as P5 is, with the ratio of the two sides' separate medians shown
/// beside it. A paired ratio counts only if native rayon ran in the rounds as fast as in the
/// native table (`table_rayon_ms`, within [`ROUNDS_NATIVE_SLACK`]): the page must not gain by
/// the native side being slowed.
fn pool_over_rayon(
    paired: Option<&Paired>,
    separate: Option<f64>,
    table_rayon_ms: Option<f64>,
) -> Option<Goal> {
    let Some(p) = paired else {
        return separate.map(|p3| Goal {
            figure: "wasm pool ÷ native rayon throughput, cpu".into(),
            now: format!("{p3:.3}"),
            goal: format!("≥ {POOL_OVER_RAYON_MIN:.2}"),
            met: p3 >= POOL_OVER_RAYON_MIN,
        });
    };
    let native_kept_pace =
        table_rayon_ms.is_none_or(|t| p.native_rayon_ms <= t * ROUNDS_NATIVE_SLACK);
    Some(Goal {
        figure: "wasm pool ÷ native rayon throughput, cpu, paired round by round".into(),
        now: format!(
            "{:.3} ({} rounds; native rayon {:.1} ms in them{}){}",
            p.p3_wasm_pool_over_native_rayon,
            p.rounds,
            p.native_rayon_ms,
            table_rayon_ms.map_or(String::new(), |t| format!(", {t:.1} ms in the table")),
            separate.map_or(String::new(), |s| format!(
                "; the two sides' separate medians {s:.3}"
            ))
        ),
        goal: format!(
            "≥ {POOL_OVER_RAYON_MIN:.2}, native rayon in the rounds ≤ {ROUNDS_NATIVE_SLACK:.2} × the table's"
        ),
        met: p.p3_wasm_pool_over_native_rayon >= POOL_OVER_RAYON_MIN && native_kept_pace,
    })
}

/// The cost lesson's web ladder claim, on the benchmark's medians.
fn in_order(rungs: &[(&str, f64)]) -> bool {
    let us: Vec<f64> = rungs.iter().map(|r| r.1).collect();
    cost::climbs(&us, cost::WEB_STEPS)
}

fn us_text(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.2} µs")
    }
}

/// The goals as a table, with a line saying how many were met.
pub fn render(goals: &[Goal]) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_header(vec![
        "figure",
        "this run (median)",
        "goal",
        "met",
    ]);
    for g in goals {
        t.add_row(vec![
            g.figure.clone(),
            g.now.clone(),
            g.goal.clone(),
            if g.met { "✓" } else { "✗" }.to_string(),
        ]);
    }
    let met = goals.iter().filter(|g| g.met).count();
    format!("goals: {met} of {} met\n{t}\n", goals.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(met: bool) -> Goal {
        Goal {
            figure: "x".into(),
            now: "1".into(),
            goal: "≤ 2".into(),
            met,
        }
    }

    #[test]
    fn the_table_counts_what_was_met() {
        let text = render(&[goal(true), goal(false), goal(true)]);
        assert!(text.starts_with("goals: 2 of 3 met"), "{text}");
        assert_eq!(text.matches('✓').count(), 2, "{text}");
        assert_eq!(text.matches('✗').count(), 1, "{text}");
    }

    #[test]
    fn the_ladder_goal_is_the_claim_on_medians() {
        let measured = [("a", 1.0), ("b", 95.0), ("c", 267.0), ("d", 38_814.0)];
        assert!(in_order(&measured));
        let close_middle = [("a", 1.0), ("b", 228.0), ("c", 273.0), ("d", 30_362.0)];
        assert!(in_order(&close_middle));
        let close_start = [("a", 60.0), ("b", 95.0), ("c", 267.0), ("d", 38_814.0)];
        assert!(!in_order(&close_start));
        let swapped = [("a", 1.0), ("b", 267.0), ("c", 95.0), ("d", 38_814.0)];
        assert!(!in_order(&swapped));
    }

    fn paired(p3: f64, native_rayon_ms: f64) -> Paired {
        Paired {
            rounds: 5,
            p2_wasm_over_native_sequential: 1.0,
            p3_wasm_pool_over_native_rayon: p3,
            native_rayon_ms,
        }
    }

    /// The pool goal is judged on the paired rounds, and only while native rayon kept its pace
    /// in them; without rounds, on the separate medians.
    #[test]
    fn the_pool_goal_counts_paired_rounds_only_if_native_kept_its_pace() {
        let met = |p: Option<&Paired>, s, t| pool_over_rayon(p, s, t).map(|g| g.met);
        assert_eq!(
            met(Some(&paired(0.93, 100.0)), Some(0.80), Some(97.0)),
            Some(true)
        );
        assert_eq!(
            met(Some(&paired(0.88, 100.0)), Some(0.95), Some(97.0)),
            Some(false)
        );
        // Native rayon 30% slower in the rounds than in the table: the page's gain does not count.
        assert_eq!(
            met(Some(&paired(0.95, 130.0)), Some(0.80), Some(100.0)),
            Some(false)
        );
        assert_eq!(met(None, Some(0.92), Some(100.0)), Some(true));
        assert_eq!(met(None, None, Some(100.0)), None);
        let text = pool_over_rayon(Some(&paired(0.93, 100.0)), Some(0.8), Some(97.0)).unwrap();
        assert!(
            text.now.contains("0.930 (5 rounds") && text.now.contains("0.800"),
            "{}",
            text.now
        );
    }

    #[test]
    fn microseconds_read_as_the_ladder_prints_them() {
        assert_eq!(us_text(1.234), "1.23 µs");
        assert_eq!(us_text(18_725.7), "18726 µs");
    }
}
