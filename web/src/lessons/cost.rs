//! `cost` in the browser: N trivial tasks of one kind, one after another.

use crate::exec::platform::PerfClock;
use crate::exec::{self, ensure_pool, executor, workers};
use futures::channel::oneshot;
use interleave_shared::lessons::cost as lesson;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
    Timing,
};

/// Said under the browser's async-task rung: what a hop costs here, and why.
const MICROTASK_WHY: &str = "; the page's own executor polls each task from its run queue \
    inside one microtask, as tokio does on its thread: wasm-bindgen-futures' threaded executor \
    would park every await with Atomics.waitAsync, settled in an event-loop task, tens of µs a \
    hop";

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    let n = p.size;
    progress(format!("cost: {n} × {}…", strategy.id));
    if strategy.id == S::PoolJob {
        ensure_pool(p.workers).await?;
    }
    let clock = PerfClock::start();
    let mut done = 0u64;
    let mut trips_ms = None;
    match strategy.id {
        // @code cost:async-task
        S::AsyncTask => {
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                executor::spawn(async move {
                    let _ = tx.send(std::hint::black_box(i));
                });
                done += u64::from(rx.await.is_ok());
            }
        }
        // @end
        // @code cost:pool-job
        S::PoolJob => {
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                rayon::spawn(move || {
                    let _ = tx.send(std::hint::black_box(i));
                });
                done += u64::from(rx.await.is_ok());
            }
        }
        // @end
        S::WorkerMessage => {
            let (d, ms) = workers::round_trips(n).await?;
            done = d;
            trips_ms = Some(ms);
        }
        S::WorkerStart => done = workers::starts(n).await?,
        _ => return Err(exec::unsupported(LessonId::Cost, strategy)),
    }
    let wall = trips_ms.unwrap_or_else(|| clock.now_ms());
    let span = Span {
        worker: 0,
        task: 0,
        start_ms: 0.0,
        end_ms: wall,
        kind: SpanKind::Spawn,
    };
    let checked = Checked::exact(lesson::render(done), lesson::render(n));
    let mut note = lesson::note(wall, n);
    if strategy.id == S::AsyncTask {
        // The learner pass saw tens of µs here, with no word on why: the executor, read from
        // js-sys 0.3's futures::task::multithread. The page now runs its own (exec::executor),
        // and the row says which, so the figure can be read.
        note.push_str(MICROTASK_WHY);
    }
    Ok(Execution::new(checked, vec![span], 1, Timing::wall(wall))
        .with_note(note)
        .fact(Fact::PerTaskUs, wall * 1000.0 / n.max(1) as f64))
}
