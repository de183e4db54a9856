//! `io` natively: N pages from the companion, one after another, on threads, on a pool whose
//! threads each make their client once, as async tasks on one thread, in child processes, and in
//! processes running async tasks.

use super::Ctx;
use crate::exec::fetch::{self, Target};
use crate::exec::{self, measure, processes};
use anyhow::Result;
use interleave_shared::lessons::io::{self as lesson, Downloaded};
use interleave_shared::strategy::{self, async_workers};
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Execution, LessonId, SpanKind, Strategy, StrategyId as S, TaskRun, Workload,
};

/// The io lesson's tasks for blocking strategies: page `t` through this thread's client.
struct Pages<'a> {
    target: &'a Target,
    pages: usize,
}

impl Workload for Pages<'_> {
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

pub fn execute(strategy: &Strategy, ctx: &Ctx) -> Result<Execution> {
    let p = ctx.params;
    let target = fetch::target(
        ctx.server(LessonId::Io.name())?,
        p.latency_ms.unwrap_or(0),
        p.bytes.unwrap_or(0),
    );
    let target = &target;
    let work = Pages {
        target,
        pages: p.size as usize,
    };
    let (run, timing): (TaskRun<Result<Downloaded, String>>, _) = match strategy.id {
        // @code io:sequential
        S::Sequential => measure(|c| Ok(strategy::sequential(&work, c)))?,
        // @end
        // @code io:threads
        S::Threads => measure(|c| Ok(exec::threads(&work, p.workers, c)))?,
        // @end
        // @code io:pool
        S::Pool => {
            let init = |_| {
                let _ = fetch::init_thread_client(target);
            };
            measure(|c| Ok(exec::pool(&work, p.workers, c, &init)))?
        }
        // @end
        // @code io:async
        S::Async => {
            let rt = exec::event_loop()?;
            measure(|c| {
                Ok(rt.block_on(async_workers(
                    work.pages,
                    p.workers as usize,
                    c,
                    SpanKind::Wait,
                    |t| fetch::fetch_async(target, t as u64),
                )))
            })?
        }
        // @end
        // @code io:processes io:hybrid
        S::Processes | S::Hybrid => {
            let jobs = (0..p.size).map(|page| Job::Page {
                page,
                source: target.clone(),
            });
            let (outcome, timing) =
                processes::run_measured(strategy.runs, p.workers, jobs, SpanKind::Wait)?;
            let outputs = outcome.pages()?.into_iter().map(Ok).collect();
            let spans = outcome.spans;
            (TaskRun { outputs, spans }, timing)
        }
        // @end
        _ => return Err(super::unsupported(LessonId::Io, strategy)),
    };
    let total: Downloaded = run
        .outputs
        .into_iter()
        .sum::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let expected = lesson::expected(p.size, target.bytes);
    let checked = Checked::judged(total.render(), expected.render(), total == expected);
    Ok(Execution::new(
        checked,
        run.spans,
        strategy.workers_given(p.workers),
        timing,
    ))
}
