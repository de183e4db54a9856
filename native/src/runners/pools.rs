//! `pools`: map, chunked map, starmap and apply_async on a thread pool with an initializer, and
//! map on a pool of processes.

use crate::runner::{Execution, measure};
use crate::strategies::{self, processes};
use anyhow::{Result, bail};
use interleave_shared::lessons::pools;
use interleave_shared::{Clock, Params, Span, SpanKind, Workload};
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
}

fn chunked(items: u64, chunk: u64) -> Vec<std::ops::Range<u64>> {
    (0..items.div_ceil(chunk))
        .map(|c| c * chunk..((c + 1) * chunk).min(items))
        .collect()
}

pub fn execute(strategy: &str, p: Params) -> Result<Execution> {
    let chunk = match strategy {
        "map-chunked" | "processes-map-chunked" => pools::chunk_size(p.size, p.workers),
        _ => 1,
    };
    let inits = AtomicU32::new(0);
    let init = |_| {
        inits.fetch_add(1, Ordering::Relaxed);
    };
    let mut errors = 0;
    let mut children_peak_kb = 0;
    let (total, spans, meter): (u128, Vec<Span>, _) = match strategy {
        "map" | "map-chunked" | "starmap" => {
            let work = Chunks {
                chunks: chunked(p.size, chunk),
                star: strategy == "starmap",
            };
            let (run, meter) = measure(|c| Ok(strategies::pool(&work, p.workers, c, &init)))?;
            (run.outputs.iter().sum(), run.spans, meter)
        }
        "apply-async" => {
            let ((total, errs, spans), meter) =
                measure(|c| apply_async(p.size, p.workers, c, &init))?;
            errors = errs;
            (total, spans, meter)
        }
        "processes-map" | "processes-map-chunked" => {
            let lines = chunked(p.size, chunk)
                .iter()
                .enumerate()
                .map(|(t, r)| format!("{t} {} {}", r.start, r.end))
                .collect();
            let plan = processes::Plan::for_strategy(
                "processes",
                p.workers,
                |_| "pools 1".into(),
                lines,
                SpanKind::Compute,
            );
            let (outcome, meter) = measure(|c| processes::run(&plan, c))?;
            children_peak_kb = outcome.children_peak_rss_kb;
            let total = outcome
                .payloads
                .iter()
                .map(|(_, s)| s.trim().parse::<u128>())
                .sum::<Result<u128, _>>()?;
            inits.store(plan.per_child.len() as u32, Ordering::Relaxed);
            (total, outcome.spans, meter)
        }
        other => bail!("strategy '{other}' is not available natively for pools"),
    };
    let result = pools::render(total, errors);
    let expected = pools::expected(p.size, strategy == "apply-async");
    Ok(Execution {
        correct: result == expected,
        result,
        expected,
        spans,
        meter,
        workers: p.workers,
        children_peak_kb,
        note: Some(format!(
            "chunk size {chunk}: {} tasks; the initializer ran {} times (once per worker)",
            p.size.div_ceil(chunk),
            inits.load(Ordering::Relaxed)
        )),
    })
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
