//! Runs a lesson with a list of strategies and turns each run into a [`RunRecord`].
//!
//! Per strategy: an untimed warm-up when repeating, then the timed runs; wall time, CPU time
//! (children included) and peak RSS (children included) are measured around each run, and the
//! result is checked against the lesson's exact answer.

use crate::clock::MonoClock;
use crate::fetch::{self, Target};
use crate::strategies::{self, processes};
use crate::usage;
use anyhow::{Result, bail};
use interleave_shared::lessons::io::Downloaded;
use interleave_shared::lessons::{LessonInfo, cpu, io};
use interleave_shared::record::annotate_speedups;
use interleave_shared::strategy::{self, async_workers};
use interleave_shared::{
    Clock, ParamError, Params, Repeats, RunRecord, Side, Span, SpanKind, TaskRun, Workload,
};

/// Most OS threads one run may start.
pub const MAX_THREADS: u32 = 1024;

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
    /// Companion base URL for lessons that fetch pages.
    pub server: Option<String>,
}

/// Check the limits that depend on the strategy (heavy workers are capped lower than async
/// tasks), before anything runs.
pub fn check_workers(req: &RunRequest) -> Result<(), ParamError> {
    for s in &req.strategies {
        let cap = match *s {
            "processes" | "hybrid" => processes::MAX_PROCESSES,
            "threads" | "pool" | "rayon" => MAX_THREADS,
            _ => continue,
        };
        if *s != "hybrid" && req.params.workers > cap {
            return Err(ParamError::OutOfRange {
                name: "workers".into(),
                value: u64::from(req.params.workers),
                min: 1,
                max: u64::from(cap),
                hint: format!(
                    " for {s} (each worker is a whole OS {})",
                    if cap == processes::MAX_PROCESSES {
                        "process"
                    } else {
                        "thread"
                    }
                ),
            });
        }
    }
    Ok(())
}

/// Wall, CPU and memory of one timed execution.
pub(crate) struct Meter {
    pub(crate) wall_ms: f64,
    pub(crate) cpu_ms: f64,
    pub(crate) peak_rss_kb: Option<u64>,
}

pub(crate) fn measure<T>(f: impl FnOnce(&MonoClock) -> Result<T>) -> Result<(T, Meter)> {
    usage::reset_peak_rss();
    let cpu0 = usage::self_cpu_ms() + usage::children_cpu_ms();
    let clock = MonoClock::start();
    let out = f(&clock)?;
    let wall_ms = clock.now_ms();
    let cpu_ms = usage::self_cpu_ms() + usage::children_cpu_ms() - cpu0;
    Ok((
        out,
        Meter {
            wall_ms,
            cpu_ms,
            peak_rss_kb: usage::peak_rss_kb(),
        },
    ))
}

/// One execution, before it becomes a record.
pub(crate) struct Execution {
    pub(crate) result: String,
    pub(crate) expected: String,
    pub(crate) correct: bool,
    pub(crate) spans: Vec<Span>,
    pub(crate) meter: Meter,
    pub(crate) workers: u32,
    pub(crate) children_peak_kb: u64,
    pub(crate) note: Option<String>,
}

/// Run every requested strategy, check every result, and fill speedups. A wrong result is not an
/// error here: it is recorded (`correct: false`) so every view can show it; the CLI then exits 1.
/// `progress(i)` is called before strategy run `i` (warm-ups and repeats included).
pub fn run(req: &RunRequest, progress: &dyn Fn(&str)) -> Result<Vec<RunRecord>> {
    check_workers(req)?;
    let mut records = Vec::new();
    for strategy in &req.strategies {
        progress(strategy);
        records.push(run_one(req, strategy)?);
    }
    annotate_speedups(&mut records);
    Ok(records)
}

fn run_one(req: &RunRequest, strategy: &'static str) -> Result<RunRecord> {
    let runs = if req.repeat > 1 { req.repeat + 1 } else { 1 };
    let mut timed = Vec::new();
    for i in 0..runs {
        let e = execute(req, strategy)?;
        if runs == 1 || i > 0 {
            timed.push(e);
        }
    }
    timed.sort_by(|a, b| a.meter.wall_ms.total_cmp(&b.meter.wall_ms));
    let min_ms = timed.first().map_or(0.0, |e| e.meter.wall_ms);
    let max_ms = timed.last().map_or(0.0, |e| e.meter.wall_ms);
    let wrong = timed.iter().find(|e| !e.correct).map(|e| e.result.clone());
    let mid = timed.len() / 2;
    let e = timed.swap_remove(mid);
    let p = req.params;
    Ok(RunRecord {
        lesson: req.lesson.name.to_string(),
        strategy: strategy.to_string(),
        side: Side::Native,
        workers: e.workers,
        params: p.to_map(),
        wall_ms: e.meter.wall_ms,
        cpu_ms: Some(e.meter.cpu_ms),
        peak_rss_kb: e.meter.peak_rss_kb.map(|kb| kb + e.children_peak_kb),
        workers_used: RunRecord::count_workers(&e.spans),
        speedup: None,
        efficiency: None,
        repeats: (req.repeat > 1).then_some(Repeats {
            runs: req.repeat,
            min_ms,
            max_ms,
        }),
        note: e.note,
        // Any wrong repeat makes the record wrong: one lost update is a bug even if others were right.
        correct: wrong.is_none(),
        result: wrong.unwrap_or(e.result),
        expected: e.expected,
        spans: e.spans,
    })
}

fn execute(req: &RunRequest, strategy: &'static str) -> Result<Execution> {
    match req.lesson.name {
        cpu::NAME => execute_cpu(strategy, req.params),
        io::NAME => {
            let Some(base) = req.server.clone() else {
                bail!("the io lesson needs a companion server URL");
            };
            let p = req.params;
            let target = Target {
                base,
                latency_ms: p.latency_ms.unwrap_or(0),
                bytes: p.bytes.unwrap_or(0),
            };
            execute_io(strategy, p, &target)
        }
        _ => crate::runners::execute(req, strategy),
    }
}

/// A current-thread tokio runtime: the event loop of asyncio, one thread for all tasks.
pub(crate) fn event_loop() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn execute_cpu(strategy: &'static str, p: Params) -> Result<Execution> {
    let work = cpu::SumOfSquares::new(p.size, p.workers)?;
    let tasks = work.task_count();
    let mut children_peak_kb = 0;
    let mut note = None;
    let (run, meter): (TaskRun<u128>, Meter) = match strategy {
        "sequential" => measure(|c| Ok(strategy::sequential(&work, c)))?,
        "threads" => measure(|c| Ok(strategies::threads(&work, p.workers, c)))?,
        "pool" => measure(|c| Ok(strategies::pool(&work, p.workers, c, &|_| {})))?,
        "rayon" => {
            let pool = strategies::rayon_pool(p.workers)?;
            measure(|c| Ok(pool.install(|| strategy::rayon_par(&work, c))))?
        }
        "async" => {
            let rt = event_loop()?;
            note = Some("all async workers share one thread: computing never awaits, so they only take turns".into());
            measure(|c| {
                Ok(rt.block_on(async_workers(
                    tasks,
                    p.workers as usize,
                    c,
                    SpanKind::Compute,
                    |t| {
                        let work = &work;
                        async move { work.run_task(t) }
                    },
                )))
            })?
        }
        "processes" | "hybrid" => {
            let lines = work
                .ranges()
                .iter()
                .enumerate()
                .map(|(t, r)| format!("{t} {} {}", r.start, r.end))
                .collect();
            let plan = processes::Plan::for_strategy(
                strategy,
                p.workers,
                |c| format!("cpu {c}"),
                lines,
                SpanKind::Compute,
            );
            let (outcome, meter) = measure(|c| processes::run(&plan, c))?;
            children_peak_kb = outcome.children_peak_rss_kb;
            let outputs = outcome
                .payloads
                .iter()
                .map(|(_, s)| s.parse::<u128>())
                .collect::<Result<Vec<_>, _>>()?;
            (
                TaskRun {
                    outputs,
                    spans: outcome.spans,
                },
                meter,
            )
        }
        other => bail!("strategy '{other}' is not available natively for cpu"),
    };
    let result = cpu::SumOfSquares::combine(&run.outputs);
    let expected = work.expected();
    Ok(Execution {
        result: result.map_or_else(|| "overflow".to_string(), |r| r.to_string()),
        expected: expected.to_string(),
        correct: result == Some(expected),
        spans: run.spans,
        meter,
        workers: workers_of(strategy, p.workers),
        children_peak_kb,
        note,
    })
}

/// Workers a strategy was given: sequential always runs on one, whatever `--workers` says.
fn workers_of(strategy: &str, workers: u32) -> u32 {
    if strategy == "sequential" { 1 } else { workers }
}

/// The io lesson's tasks for blocking strategies: page `t` through this thread's client.
struct IoWork<'a> {
    target: &'a Target,
    pages: usize,
}

impl Workload for IoWork<'_> {
    type Output = Result<Downloaded, String>;
    fn task_count(&self) -> usize {
        self.pages
    }
    fn run_task(&self, task: usize) -> Self::Output {
        fetch::fetch_blocking(self.target, task as u64)
    }
    fn kind(&self) -> SpanKind {
        SpanKind::Wait
    }
}

fn execute_io(strategy: &'static str, p: Params, target: &Target) -> Result<Execution> {
    let work = IoWork {
        target,
        pages: p.size as usize,
    };
    let mut children_peak_kb = 0;
    let (run, meter): (TaskRun<Result<Downloaded, String>>, Meter) = match strategy {
        "sequential" => measure(|c| Ok(strategy::sequential(&work, c)))?,
        "threads" => measure(|c| Ok(strategies::threads(&work, p.workers, c)))?,
        "pool" => {
            let init = |_| {
                let _ = fetch::init_thread_client(target);
            };
            measure(|c| Ok(strategies::pool(&work, p.workers, c, &init)))?
        }
        "async" => {
            let rt = event_loop()?;
            measure(|c| {
                let client = fetch::async_client(target).map_err(anyhow::Error::msg)?;
                Ok(rt.block_on(async_workers(
                    work.pages,
                    p.workers as usize,
                    c,
                    SpanKind::Wait,
                    |t| {
                        let client = &client;
                        async move { fetch::fetch_async(client, target, t as u64).await }
                    },
                )))
            })?
        }
        "processes" | "hybrid" => {
            let plan = processes::Plan::for_strategy(
                strategy,
                p.workers,
                |c| {
                    format!(
                        "io {c} {} {} {}",
                        target.base, target.latency_ms, target.bytes
                    )
                },
                (0..work.pages).map(|t| t.to_string()).collect(),
                SpanKind::Wait,
            );
            let (outcome, meter) = measure(|c| processes::run(&plan, c))?;
            children_peak_kb = outcome.children_peak_rss_kb;
            let outputs = outcome
                .payloads
                .iter()
                .map(|(_, s)| Downloaded::from_wire(s))
                .collect();
            (
                TaskRun {
                    outputs,
                    spans: outcome.spans,
                },
                meter,
            )
        }
        other => bail!("strategy '{other}' is not available natively for io"),
    };
    let total: Downloaded = run
        .outputs
        .into_iter()
        .sum::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let expected = io::expected(p.size, target.bytes);
    Ok(Execution {
        result: total.render(),
        expected: expected.render(),
        correct: total == expected,
        spans: run.spans,
        meter,
        workers: workers_of(strategy, p.workers),
        children_peak_kb,
        note: None,
    })
}
