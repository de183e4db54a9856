//! `pool`: a fixed set of worker threads fed by one queue, the `ThreadPoolExecutor` model. Each
//! worker may run an initializer once before its first task (the notes' per-thread session).

use crossbeam_channel::unbounded;
use interleave_shared::record::SETUP_TASK;
use interleave_shared::strategy::timed;
use interleave_shared::{Clock, Span, SpanKind, TaskRun, Workload};

/// What one pool worker did: its initializer's span and `(task, output, span)` per task.
type WorkerRun<T> = (Span, Vec<(usize, T, Span)>);

/// Run every task on `workers` threads that take task numbers from a shared queue until it is
/// empty. `init(worker)` runs once per worker first; its time is a `spawn` span, because it is
/// start-up cost (connecting a client, loading state), not the task's work.
pub fn pool<W: Workload>(
    work: &W,
    workers: u32,
    clock: &impl Clock,
    init: &(dyn Fn(u32) + Sync),
) -> TaskRun<W::Output> {
    let tasks = work.task_count();
    // @code cpu:pool io:pool
    let (tx, rx) = unbounded::<usize>();
    for t in 0..tasks {
        // The receiver lives until the scope ends, so sending cannot fail.
        let _ = tx.send(t);
    }
    drop(tx);
    let workers = (workers as usize).clamp(1, tasks.max(1));
    let per_worker: Vec<WorkerRun<W::Output>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let rx = rx.clone();
                scope.spawn(move || {
                    let w = w as u32;
                    let ((), init_span) =
                        timed(clock, w, SETUP_TASK as usize, SpanKind::Spawn, || init(w));
                    let done: Vec<_> = rx
                        .iter()
                        .map(|t| {
                            let (out, span) = timed(clock, w, t, work.kind(), || work.run_task(t));
                            (t, out, span)
                        })
                        .collect();
                    (init_span, done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    // @end
    let (init_spans, done): (Vec<Span>, Vec<_>) = per_worker.into_iter().unzip();
    let mut run = TaskRun::in_task_order(done.into_iter().flatten());
    // Initializer spans (task SETUP_TASK) stay, so the timeline shows each worker's start-up.
    run.spans.extend(init_spans);
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::clock::MonoClock;
    use crate::exec::testing::Ids;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn initializer_runs_once_per_worker_and_every_task_once() {
        let inits = AtomicU32::new(0);
        let run = pool(&Ids(50), 4, &MonoClock::start(), &|_| {
            inits.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(inits.load(Ordering::SeqCst), 4);
        assert_eq!(run.outputs, (0..50).map(|t| t * 3).collect::<Vec<_>>());
        let spawn_spans = run
            .spans
            .iter()
            .filter(|s| s.kind == SpanKind::Spawn)
            .count();
        assert_eq!(spawn_spans, 4);
        assert_eq!(run.spans.len(), 54);
    }
}
