//! Runs a lesson with a list of strategies and turns each run into a [`RunRecord`].

use crate::clock::InstantClock;
use crate::strategies;
use crate::usage::self_cpu_ms;
use anyhow::{Result, bail};
use interleave_shared::lessons::{LessonInfo, cpu};
use interleave_shared::record::annotate_speedups;
use interleave_shared::{Params, Repeats, RunRecord, Side, TaskRun, strategy};

/// What to run: a lesson, its strategies (already validated against the catalogue), parameters.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The lesson.
    pub lesson: &'static LessonInfo,
    /// Strategies in catalogue order.
    pub strategies: Vec<&'static str>,
    /// Validated parameters.
    pub params: Params,
    /// Timed repeats after a warm-up (1 = a single run, no warm-up).
    pub repeat: u32,
}

/// One timed execution: the tasks' outputs and spans, wall and CPU milliseconds.
struct Measured<T> {
    run: TaskRun<T>,
    wall_ms: f64,
    cpu_ms: f64,
}

fn measure<T>(f: impl FnOnce(&InstantClock) -> Result<TaskRun<T>>) -> Result<Measured<T>> {
    let cpu0 = self_cpu_ms();
    let clock = InstantClock::start();
    let run = f(&clock)?;
    let wall_ms = interleave_shared::Clock::now_ms(&clock);
    Ok(Measured {
        run,
        wall_ms,
        cpu_ms: self_cpu_ms() - cpu0,
    })
}

/// Run every requested strategy, check every result, and fill speedups. A wrong result is not an
/// error here: it is recorded (`correct: false`) so every view can show it; the CLI then exits 1.
pub fn run(req: &RunRequest) -> Result<Vec<RunRecord>> {
    let mut records = Vec::new();
    for strategy in &req.strategies {
        records.push(run_one(req, strategy)?);
    }
    annotate_speedups(&mut records);
    Ok(records)
}

fn run_one(req: &RunRequest, strategy: &'static str) -> Result<RunRecord> {
    let runs = if req.repeat > 1 { req.repeat + 1 } else { 1 };
    let mut timed = Vec::new();
    for i in 0..runs {
        let m = execute(req, strategy)?;
        if runs == 1 || i > 0 {
            timed.push(m);
        }
    }
    timed.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
    let min_ms = timed.first().map_or(0.0, |m| m.wall_ms);
    let max_ms = timed.last().map_or(0.0, |m| m.wall_ms);
    let mid = timed.len() / 2;
    let mut median = timed.swap_remove(mid);
    // Any wrong repeat makes the record wrong: one lost update is a bug even if others were right.
    if let Some(bad) = timed.into_iter().find(|m| !m.correct) {
        median.correct = false;
        median.result = bad.result;
    }
    if req.repeat > 1 {
        median.repeats = Some(Repeats {
            runs: req.repeat,
            min_ms,
            max_ms,
        });
    }
    Ok(median)
}

fn execute(req: &RunRequest, strategy: &'static str) -> Result<RunRecord> {
    let p = req.params;
    match req.lesson.name {
        cpu::NAME => {
            let work = cpu::SumOfSquares::new(p.size, p.workers)?;
            let m = match strategy {
                "sequential" => measure(|clock| Ok(strategy::sequential(&work, clock)))?,
                "threads" => measure(|clock| Ok(strategies::threads(&work, p.workers, clock)))?,
                "rayon" => {
                    let pool = strategies::rayon_pool(p.workers)?;
                    measure(|clock| Ok(pool.install(|| strategy::rayon_par(&work, clock))))?
                }
                other => bail!("strategy '{other}' is not implemented natively for cpu"),
            };
            let result = cpu::SumOfSquares::combine(&m.run.outputs);
            let expected = work.expected();
            let workers = if strategy == "sequential" {
                1
            } else {
                p.workers
            };
            Ok(RunRecord {
                lesson: req.lesson.name.to_string(),
                strategy: strategy.to_string(),
                side: Side::Native,
                workers,
                params: p.to_map(),
                wall_ms: m.wall_ms,
                cpu_ms: Some(m.cpu_ms),
                peak_rss_kb: None,
                workers_used: RunRecord::count_workers(&m.run.spans),
                speedup: None,
                efficiency: None,
                repeats: None,
                note: None,
                result: result.map_or_else(|| "overflow".to_string(), |r| r.to_string()),
                expected: expected.to_string(),
                correct: result == Some(expected),
                spans: m.run.spans,
            })
        }
        other => bail!("lesson '{other}' has no native runner yet"),
    }
}
