//! `threads`: OS threads spawned for this run and joined at its end (`std::thread::scope`).
//! Spawning is inside the timed region on purpose: it is what this strategy costs.

use interleave_shared::{Clock, Span, TaskRun, Workload, strategy::timed};

/// Run every task on `workers` freshly spawned threads; worker `w` takes tasks `w`, `w + workers`,
/// ... (a static split: no queue, no stealing). Outputs come back in task order.
pub fn threads<W: Workload>(work: &W, workers: u32, clock: &impl Clock) -> TaskRun<W::Output> {
    let tasks = work.task_count();
    let workers = (workers as usize).clamp(1, tasks.max(1));
    // @code cpu:threads io:threads
    let per_worker: Vec<Vec<(usize, W::Output, Span)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..tasks)
                        .step_by(workers)
                        .map(|t| {
                            let (out, span) =
                                timed(clock, w as u32, t, work.kind(), || work.run_task(t));
                            (t, out, span)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    // @end
    TaskRun::in_task_order(per_worker.into_iter().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::clock::MonoClock;
    use crate::exec::testing::Ids;

    #[test]
    fn every_task_once_in_order_on_distinct_threads() {
        let run = threads(&Ids(10), 3, &MonoClock::start());
        assert_eq!(run.outputs, (0..10).map(|t| t * 3).collect::<Vec<_>>());
        assert_eq!(interleave_shared::RunRecord::count_workers(&run.spans), 3);
    }

    #[test]
    fn more_workers_than_tasks_spawns_only_what_is_needed() {
        let run = threads(&Ids(2), 8, &MonoClock::start());
        assert_eq!(run.outputs, vec![0, 3]);
        assert_eq!(interleave_shared::RunRecord::count_workers(&run.spans), 2);
    }
}
