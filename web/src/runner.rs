//! The browser strategies. Each one only schedules a lesson's tasks (from `interleave-shared`)
//! and times them; results are checked by the lesson, exactly as natively.
//!
//! - `sequential`: every task on the main thread. The page cannot repaint until it ends, and the
//!   record says so.
//! - `pool`: rayon on web workers that share the wasm memory (wasm-bindgen-rayon). The work is
//!   started with `rayon::spawn` and its result awaited through a oneshot channel, so the main
//!   thread keeps handling events while the pool computes.

use crate::platform::{self, PerfClock};
use futures::channel::oneshot;
use interleave_shared::lessons::{LessonInfo, cpu};
use interleave_shared::record::annotate_speedups;
use interleave_shared::{Clock, Params, RunRecord, Side, TaskRun, strategy};
use std::cell::Cell;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Threads of the page's rayon pool once started (a browser pool cannot be resized).
    static POOL_THREADS: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Start the web-worker pool with `threads` workers unless it is already running; returns the
/// number of threads it really has. Starting workers takes tens of milliseconds, paid once per
/// page, so it happens before the clock starts, as a program starts its pool once.
async fn ensure_pool(threads: u32) -> Result<u32, String> {
    if let Some(n) = POOL_THREADS.with(Cell::get) {
        return Ok(n);
    }
    if !platform::cross_origin_isolated() {
        return Err(
            "the pool needs shared memory, and this page is not cross-origin isolated \
                    (the server must send COOP/COEP headers); the other strategies still run"
                .into(),
        );
    }
    JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads as usize))
        .await
        .map_err(|e| format!("could not start the worker pool: {e:?}"))?;
    POOL_THREADS.with(|c| c.set(Some(threads)));
    Ok(threads)
}

/// Run `strategies` of `lesson` one after another, reporting progress, and return checked records.
pub async fn run(
    lesson: &'static LessonInfo,
    strategies: &[&'static str],
    params: Params,
    progress: impl Fn(String),
) -> Result<Vec<RunRecord>, String> {
    let mut records = Vec::new();
    for strategy in strategies {
        records.push(run_one(lesson, strategy, params, &progress).await?);
    }
    annotate_speedups(&mut records);
    Ok(records)
}

async fn run_one(
    lesson: &'static LessonInfo,
    strategy: &'static str,
    params: Params,
    progress: &impl Fn(String),
) -> Result<RunRecord, String> {
    match lesson.name {
        cpu::NAME => {
            let work =
                cpu::SumOfSquares::new(params.size, params.workers).map_err(|e| e.to_string())?;
            let (run, wall_ms, workers, note) = match strategy {
                "sequential" => {
                    progress("sequential: running on the main thread, so the page cannot repaint until it ends…".into());
                    platform::yield_to_paint().await;
                    let clock = PerfClock::start();
                    let run = strategy::sequential(&work, &clock);
                    let wall = clock.now_ms();
                    (
                        run,
                        wall,
                        1,
                        Some(
                            "ran on the main thread: the page could not repaint meanwhile"
                                .to_string(),
                        ),
                    )
                }
                "pool" => {
                    progress(format!(
                        "pool: starting up to {} web workers…",
                        params.workers
                    ));
                    let threads = ensure_pool(params.workers).await?;
                    progress(format!(
                        "pool: computing on {threads} web workers; the page stays responsive…"
                    ));
                    let note = (threads != params.workers).then(|| {
                        format!("the pool was started with {threads} workers earlier; browsers cannot resize it (reload to change)")
                    });
                    let (run, wall) = on_pool(work.clone()).await?;
                    (run, wall, threads, note)
                }
                other => {
                    return Err(format!(
                        "strategy '{other}' is not available in the browser for cpu"
                    ));
                }
            };
            let result = cpu::SumOfSquares::combine(&run.outputs);
            let expected = work.expected();
            Ok(RunRecord {
                lesson: lesson.name.into(),
                strategy: strategy.into(),
                side: Side::Web,
                workers,
                params: params.to_map(),
                wall_ms,
                cpu_ms: None,
                peak_rss_kb: None,
                workers_used: RunRecord::count_workers(&run.spans),
                speedup: None,
                efficiency: None,
                repeats: None,
                note,
                result: result.map_or_else(|| "overflow".into(), |r| r.to_string()),
                expected: expected.to_string(),
                correct: result == Some(expected),
                spans: run.spans,
            })
        }
        other => Err(format!("lesson '{other}' has no browser runner")),
    }
}

/// Run the cpu work on the pool without blocking the main thread: the whole `par_iter` is one
/// `rayon::spawn`ed job whose result comes back over a oneshot channel.
async fn on_pool(work: cpu::SumOfSquares) -> Result<(TaskRun<u128>, f64), String> {
    let (tx, rx) = oneshot::channel();
    let clock = PerfClock::start();
    rayon::spawn(move || {
        let run = strategy::rayon_par(&work, &clock);
        let _ = tx.send(run);
    });
    let run = rx
        .await
        .map_err(|_| "the worker pool stopped before answering".to_string())?;
    Ok((run, clock.now_ms()))
}
