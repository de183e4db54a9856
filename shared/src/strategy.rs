//! Strategies that are the same on every target: a sequential loop and rayon's `par_iter`.
//!
//! They are generic over a [`Workload`] (what one task computes) and a [`Clock`] (how spans are
//! timed). Natively rayon runs on OS threads; in the browser the same code runs on web workers that
//! share the wasm memory (wasm-bindgen-rayon), which is why it lives here and not in a runner.

use crate::{Clock, Span, SpanKind};
use futures::future::join_all;
use rayon::prelude::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Work that splits into independent, numbered tasks. Lessons implement this; strategies call it.
pub trait Workload: Sync {
    /// What one task produces (a partial sum, a byte count, ...).
    type Output: Send;
    /// How many tasks the work was split into.
    fn task_count(&self) -> usize;
    /// Run task `task` (0-based, below [`task_count`](Self::task_count)).
    fn run_task(&self, task: usize) -> Self::Output;
    /// What a task spends its time on, for the timeline: computing unless it says otherwise.
    fn kind(&self) -> SpanKind {
        SpanKind::Compute
    }
}

/// Outputs in task order plus one span per task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun<T> {
    /// `outputs[i]` is task `i`'s output.
    pub outputs: Vec<T>,
    /// Who ran which task when.
    pub spans: Vec<Span>,
}

impl<T> TaskRun<T> {
    /// Gather `(task, output, span)` triples finished in any order (by several workers) into
    /// outputs in task order, spans alongside.
    pub fn in_task_order(done: impl IntoIterator<Item = (usize, T, Span)>) -> Self {
        let mut all: Vec<(usize, T, Span)> = done.into_iter().collect();
        all.sort_by_key(|(t, _, _)| *t);
        let (outputs, spans) = all.into_iter().map(|(_, o, s)| (o, s)).unzip();
        TaskRun { outputs, spans }
    }
}

/// Run `f` and return its value with the span it took.
pub fn timed<T>(
    clock: &impl Clock,
    worker: u32,
    task: usize,
    kind: SpanKind,
    f: impl FnOnce() -> T,
) -> (T, Span) {
    let start_ms = clock.now_ms();
    let value = f();
    let end_ms = clock.now_ms();
    let span = Span {
        worker,
        task: task as u32,
        start_ms,
        end_ms,
        kind,
    };
    (value, span)
}

/// Every task, one after another, on the calling thread (worker 0).
// @code cpu:sequential io:sequential@native
pub fn sequential<W: Workload>(work: &W, clock: &impl Clock) -> TaskRun<W::Output> {
    let (outputs, spans) = (0..work.task_count())
        .map(|task| timed(clock, 0, task, work.kind(), || work.run_task(task)))
        .unzip();
    TaskRun { outputs, spans }
}
// @end

/// Every task through rayon's work stealing, in the rayon pool the caller is in (or the global
/// one). Each span records `rayon::current_thread_index()`, so the number of threads that really
/// ran tasks is measured rather than assumed. One task per rayon job (`with_max_len(1)`): tasks are
/// already sized by the lesson, and stealing whole tasks is what the timeline should show.
// @code cpu:rayon@native cpu:pool@web
pub fn rayon_par<W: Workload>(work: &W, clock: &impl Clock) -> TaskRun<W::Output> {
    let (outputs, spans) = (0..work.task_count())
        .into_par_iter()
        .with_max_len(1)
        .map(|task| {
            let worker = rayon::current_thread_index().unwrap_or(0) as u32;
            timed(clock, worker, task, SpanKind::Compute, || {
                work.run_task(task)
            })
        })
        .unzip();
    TaskRun { outputs, spans }
}
// @end

/// A future that returns `Pending` once (waking itself), so the event loop can run another task:
/// the `await asyncio.sleep(0)` of the notes. Works on any executor, in the browser too.
#[derive(Debug, Default)]
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// `workers` async workers on the caller's executor, each taking the next task number from a
/// shared counter until none is left: asyncio's "N workers reading one queue". `task(i)` is the
/// async work of task `i` (an HTTP fetch, or a computation that never awaits). Workers yield to
/// each other between tasks, so on one thread they take turns, which the timeline shows. The
/// span's worker is the async worker's number (not an OS thread: all of them may share one).
pub async fn async_workers<T, F, Fut>(
    tasks: usize,
    workers: usize,
    clock: &impl Clock,
    kind: SpanKind,
    task: F,
) -> TaskRun<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T>,
{
    // @code cpu:async io:async
    let next = Cell::new(0usize);
    let worker = |w: usize| {
        let (next, task) = (&next, &task);
        async move {
            let mut done = Vec::new();
            loop {
                let t = next.get();
                if t >= tasks {
                    break;
                }
                next.set(t + 1);
                let start_ms = clock.now_ms();
                let out = task(t).await;
                let span = Span {
                    worker: w as u32,
                    task: t as u32,
                    start_ms,
                    end_ms: clock.now_ms(),
                    kind,
                };
                done.push((t, out, span));
                YieldNow::default().await;
            }
            done
        }
    };
    let per_worker = join_all((0..workers.clamp(1, tasks.max(1))).map(worker)).await;
    TaskRun::in_task_order(per_worker.into_iter().flatten())
    // @end
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock that ticks once per reading, so spans are deterministic.
    struct TickClock(AtomicU64);
    impl Clock for TickClock {
        fn now_ms(&self) -> f64 {
            self.0.fetch_add(1, Ordering::Relaxed) as f64
        }
    }

    struct Squares(usize);
    impl Workload for Squares {
        type Output = usize;
        fn task_count(&self) -> usize {
            self.0
        }
        fn run_task(&self, task: usize) -> usize {
            task * task
        }
    }

    #[test]
    fn sequential_keeps_order_and_times_every_task_on_worker_zero() {
        let run = sequential(&Squares(4), &TickClock(AtomicU64::new(0)));
        assert_eq!(run.outputs, vec![0, 1, 4, 9]);
        assert_eq!(run.spans.len(), 4);
        assert!(
            run.spans
                .iter()
                .all(|s| s.worker == 0 && s.end_ms > s.start_ms)
        );
        assert_eq!(run.spans[3].task, 3);
    }

    #[test]
    fn async_workers_run_every_task_once_and_take_turns() {
        let clock = TickClock(AtomicU64::new(0));
        let run = futures::executor::block_on(async_workers(
            7,
            3,
            &clock,
            SpanKind::Wait,
            |t| async move {
                YieldNow::default().await;
                t * 10
            },
        ));
        assert_eq!(run.outputs, (0..7).map(|t| t * 10).collect::<Vec<_>>());
        assert_eq!(crate::RunRecord::count_workers(&run.spans), 3);
        // Taking turns: the first three tasks all started before any of them ended.
        let first_end = run.spans.iter().map(|s| s.end_ms).fold(f64::MAX, f64::min);
        assert!(run.spans[..3].iter().all(|s| s.start_ms < first_end));
        assert!(run.spans.iter().all(|s| s.kind == SpanKind::Wait));
    }

    #[test]
    fn rayon_keeps_task_order_of_outputs() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let run = pool.install(|| rayon_par(&Squares(100), &TickClock(AtomicU64::new(0))));
        assert_eq!(run.outputs, (0..100).map(|t| t * t).collect::<Vec<_>>());
        let mut tasks: Vec<u32> = run.spans.iter().map(|s| s.task).collect();
        tasks.sort_unstable();
        assert_eq!(tasks, (0..100).collect::<Vec<u32>>());
        assert!(run.spans.iter().all(|s| s.worker < 2));
    }
}
