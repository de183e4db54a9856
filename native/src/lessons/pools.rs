//! `pools`: map, chunked map, starmap and apply_async on a thread pool with an initializer, and
//! map on a pool of processes.

use crate::exec::{self, measure, processes};
use anyhow::Result;
use interleave_shared::lessons::pools;
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
    Workload,
};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// A pool workload: each task is a list of items (one for map, many for a chunk).
struct Chunks {
    chunks: Vec<std::ops::Range<u64>>,
    star: bool,
}

impl Workload for Chunks {
    type Output = u128;
    fn task_count(&self) -> usize {
        self.chunks.len()
    }
    // @code pools:map pools:map-chunked pools:starmap
    fn run_task(&self, task: usize) -> u128 {
        self.chunks[task]
            .clone()
            .map(|x| {
                if self.star {
                    pools::f2(x * pools::K, (x + 1) * pools::K)
                } else {
                    pools::f(x)
                }
            })
            .sum()
    }
    // @end
}

fn chunked(items: u64, chunk: u64) -> Vec<std::ops::Range<u64>> {
    (0..items.div_ceil(chunk))
        .map(|c| c * chunk..((c + 1) * chunk).min(items))
        .collect()
}

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    // @code pools:map pools:map-chunked pools:starmap pools:processes-map pools:processes-map-chunked
    let chunk = match strategy.id {
        S::MapChunked | S::ProcessesMapChunked => pools::chunk_size(p.size, p.workers),
        _ => 1,
    };
    // @end
    let inits = AtomicU32::new(0);
    let init = |_| {
        inits.fetch_add(1, Ordering::Relaxed);
    };
    let mut errors = 0;
    let (total, spans, timing): (u128, Vec<Span>, _) = match strategy.id {
        // @code pools:map pools:map-chunked pools:starmap
        S::Map | S::MapChunked | S::Starmap => {
            let work = Chunks {
                chunks: chunked(p.size, chunk),
                star: strategy.id == S::Starmap,
            };
            let (run, timing) = measure(|c| Ok(exec::pool(&work, p.workers, c, &init)))?;
            (run.outputs.iter().sum(), run.spans, timing)
        }
        // @end
        // @code pools:apply-async
        S::ApplyAsync => {
            let ((total, errs, spans), timing) =
                measure(|c| apply_async(p.size, p.workers, c, &init))?;
            errors = errs;
            (total, spans, timing)
        }
        // @end
        // @code pools:processes-map pools:processes-map-chunked
        S::ProcessesMap | S::ProcessesMapChunked => {
            let jobs = chunked(p.size, chunk).into_iter().map(|r| Job::PoolItems {
                first: r.start,
                last: r.end,
            });
            let (outcome, timing) =
                processes::run_measured(strategy.runs, p.workers, jobs, SpanKind::Compute)?;
            inits.store(outcome.children, Ordering::Relaxed);
            (outcome.sums()?.into_iter().sum(), outcome.spans, timing)
        }
        // @end
        _ => return Err(super::unsupported(LessonId::Pools, strategy)),
    };
    let checked = Checked::exact(
        pools::render(total, errors),
        pools::expected(p.size, strategy.id == S::ApplyAsync),
    );
    let note = format!(
        "chunk size {chunk}: {} tasks; the initializer ran {} times (once per worker)",
        p.size.div_ceil(chunk),
        inits.load(Ordering::Relaxed)
    );
    Ok(
        Execution::new(checked, spans, strategy.workers_given(p.workers), timing)
            .with_note(note)
            .fact(Fact::Tasks, p.size.div_ceil(chunk) as f64),
    )
}

/// One job per item on a running pool; results and errors arrive through callbacks that run on
/// the worker threads (Python runs them on a result-handler thread), accumulating under a lock.
fn apply_async(
    items: u64,
    workers: u32,
    clock: &impl Clock,
    init: &(dyn Fn(u32) + Sync),
) -> Result<(u128, u64, Vec<Span>)> {
    struct Acc {
        total: u128,
        errors: u64,
        spans: Vec<Span>,
    }
    let acc = Mutex::new(Acc {
        total: 0,
        errors: 0,
        spans: Vec::new(),
    });
    // @code pools:apply-async
    let on_result = |v: u128| acc.lock().unwrap_or_else(|p| p.into_inner()).total += v;
    let on_error = |_e: String| acc.lock().unwrap_or_else(|p| p.into_inner()).errors += 1;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()?;
    // The initializer: once on every worker, before any job.
    pool.broadcast(|ctx| init(ctx.index() as u32));
    pool.scope(|s| {
        for x in 0..items {
            let (acc, on_result, on_error) = (&acc, &on_result, &on_error);
            s.spawn(move |_| {
                let w = rayon::current_thread_index().unwrap_or(0) as u32;
                let t0 = clock.now_ms();
                let r = pools::job(x);
                let span = Span {
                    worker: w,
                    task: x as u32,
                    start_ms: t0,
                    end_ms: clock.now_ms(),
                    kind: SpanKind::Compute,
                };
                match r {
                    Ok(v) => on_result(v),
                    Err(e) => on_error(e),
                }
                // @end
                acc.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .spans
                    .push(span);
            });
        }
    });
    drop(pool);
    let acc = acc.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((acc.total, acc.errors, acc.spans))
}
