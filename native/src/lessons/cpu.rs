//! `cpu` natively: the sum of squares on the calling thread, OS threads, a queue-fed pool, rayon,
//! async tasks on one thread, child processes, and processes running async tasks.

use crate::exec::{self, measure, processes};
use anyhow::Result;
use interleave_shared::lessons::cpu::SumOfSquares;
use interleave_shared::strategy::{self, async_workers};
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Execution, LessonId, Params, SpanKind, Strategy, StrategyId as S, TaskRun, Workload,
};

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let work = SumOfSquares::new(p.size, p.workers)?;
    let tasks = work.task_count();
    let mut note = None;
    let (run, timing): (TaskRun<u128>, _) = match strategy.id {
        // @code cpu:sequential
        S::Sequential => measure(|c| Ok(strategy::sequential(&work, c)))?,
        // @end
        // @code cpu:threads
        S::Threads => measure(|c| Ok(exec::threads(&work, p.workers, c)))?,
        // @end
        // @code cpu:pool
        S::Pool => measure(|c| Ok(exec::pool(&work, p.workers, c, &|_| {})))?,
        // @end
        // @code cpu:rayon
        S::Rayon => {
            let pool = exec::rayon_pool(p.workers)?;
            measure(|c| Ok(pool.install(|| strategy::rayon_par(&work, c))))?
        }
        // @end
        // @code cpu:async
        S::Async => {
            let rt = exec::event_loop()?;
            note = Some(
                "all async workers share one thread: computing never awaits, so they only take turns",
            );
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
        // @end
        // @code cpu:processes cpu:hybrid
        S::Processes | S::Hybrid => {
            let jobs = work.ranges().iter().map(|r| Job::SumSquares {
                start: r.start,
                end: r.end,
            });
            let (outcome, timing) =
                processes::run_measured(strategy.runs, p.workers, jobs, SpanKind::Compute)?;
            let outputs = outcome.sums()?;
            let spans = outcome.spans;
            (TaskRun { outputs, spans }, timing)
        }
        // @end
        _ => return Err(super::unsupported(LessonId::Cpu, strategy)),
    };
    let checked = Checked::values(
        SumOfSquares::combine(&run.outputs),
        work.expected(),
        "overflow",
    );
    let e = Execution::new(
        checked,
        run.spans,
        strategy.workers_given(p.workers),
        timing,
    );
    Ok(match note {
        Some(n) => e.with_note(n),
        None => e,
    })
}
