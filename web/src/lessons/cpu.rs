//! `cpu` in the browser: the main thread, async tasks on the event loop, the shared-memory pool
//! on web workers, and message-passing web workers.

use crate::exec::platform::{self, PerfClock};
use crate::exec::{self, Env, ensure_pool, on_pool, run_workers};
use interleave_shared::lessons::cpu::SumOfSquares;
use interleave_shared::strategy::{self, async_workers};
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, SpanKind, Strategy, StrategyId as S, TaskRun,
    Timing, Workload,
};

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    env: &Env,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    let work = SumOfSquares::new(p.size, p.workers).map_err(|e| e.to_string())?;
    let tasks = work.task_count();
    let mut workers = strategy.workers_given(p.workers);
    let mut note = None;
    let (run, wall_ms) = match strategy.id {
        // @code cpu:sequential
        S::Sequential => {
            progress("sequential: computing on the main thread, so the page cannot repaint until it ends…".into());
            platform::yield_to_paint().await;
            note = Some("ran on the main thread: the page could not repaint meanwhile".to_string());
            let clock = PerfClock::start();
            let run = strategy::sequential(&work, &clock);
            (run, clock.now_ms())
        }
        // @end
        // @code cpu:async
        S::Async => {
            progress("async: computing in async tasks on the main thread's event loop; the page freezes until they end…".into());
            platform::yield_to_paint().await;
            note = Some("async tasks share the main thread: computing never awaits, so they only took turns and the page could not repaint".into());
            let clock = PerfClock::start();
            let run = async_workers(tasks, workers as usize, &clock, SpanKind::Compute, |t| {
                let work = &work;
                async move { work.run_task(t) }
            })
            .await;
            (run, clock.now_ms())
        }
        // @end
        // @code cpu:pool
        S::Pool => {
            progress(format!("pool: starting up to {} web workers…", p.workers));
            workers = ensure_pool(p.workers).await?;
            progress(format!(
                "pool: computing on {workers} web workers that share memory; the page stays responsive…"
            ));
            // Let that message render and paint before the workers start: on a machine with as
            // many cores as workers, the page's own layout and paint would otherwise take a core
            // from one of them in the middle of the timed run.
            platform::yield_to_paint().await;
            if workers != p.workers {
                note = Some(format!(
                    "the pool was started with {workers} workers earlier; browsers cannot resize it (reload to change)"
                ));
            }
            let work = work.clone();
            let clock = PerfClock::start();
            let run = on_pool(move || strategy::rayon_par(&work, &clock)).await?;
            (run, clock.now_ms())
        }
        // @end
        // @code cpu:workers
        S::Workers => {
            progress(format!(
                "workers: starting {workers} web workers (no shared memory) and sending them tasks…"
            ));
            let jobs = work
                .ranges()
                .iter()
                .map(|r| Job::SumSquares {
                    start: r.start,
                    end: r.end,
                })
                .collect();
            let clock = PerfClock::start();
            let (outs, spans) = run_workers(jobs, workers, SpanKind::Compute, &clock, env).await?;
            let outputs = (0u32..)
                .zip(outs)
                .map(|(id, o)| o.sum(id))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            note = Some("each worker started its own copy of the program; start-up and message copying are included".into());
            (TaskRun { outputs, spans }, clock.now_ms())
        }
        // @end
        _ => return Err(exec::unsupported(LessonId::Cpu, strategy)),
    };
    let checked = Checked::values(
        SumOfSquares::combine(&run.outputs),
        work.expected(),
        "overflow",
    );
    let e = Execution::new(checked, run.spans, workers, Timing::wall(wall_ms));
    Ok(match note {
        Some(n) => e.with_note(n),
        None => e,
    })
}
