//! `cost`: what one task costs to start and finish, per kind of worker.

use super::{DefaultWorkers, LessonInfo};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};

/// `cost`: what one task costs to start and finish, per kind of worker.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Cost,
    title: "What one task costs",
    summary: "start and finish one trivial task: async task, pool job, thread, process, web worker",
    explanation: "Every way of running something concurrently has a price paid per task, before \
        any useful work: an async task is a small allocation and a queue push; a job on a \
        running pool is a queue push and a wake-up; a new thread asks the kernel for a stack; a \
        new process starts a whole program; a web worker loads and compiles a script. Each row \
        runs N trivial tasks one after another and reports the time per task and tasks per \
        second — the ladder spans about four orders of magnitude.",
    native: &[
        Strategy::new(S::AsyncTask, Runs::EventLoop),
        Strategy::new(S::PoolJob, Runs::ThreadPool),
        Strategy::new(S::Thread, Runs::Threads),
        Strategy::new(S::Process, Runs::OwnProcesses(1))
            .capped(5_000, "for process (each is a whole program start)"),
    ],
    web: &[
        Strategy::new(S::AsyncTask, Runs::EventLoop),
        Strategy::new(S::PoolJob, Runs::SharedMemoryWorkers),
        Strategy::new(S::WorkerMessage, Runs::MessageWorkers),
        Strategy::new(S::WorkerStart, Runs::MessageWorkers).capped(
            200,
            "for worker-start (each start loads and compiles the program)",
        ),
    ],
    size: ParamSpec {
        name: "size",
        default: 200,
        min: 1,
        max: 1_000_000,
        unit: "tasks",
        help: "trivial tasks to start and finish",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "the cheaper a task is to start, the smaller the work it is worth starting for",
    default_workers: DefaultWorkers::Fixed(1),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 1_000_000,
};

/// The result line.
pub fn render(done: u64) -> String {
    format!("{done} tasks started and finished")
}

/// The note: time per task and tasks per second.
pub fn note(wall_ms: f64, tasks: u64) -> String {
    let us = wall_ms * 1000.0 / tasks.max(1) as f64;
    format!(
        "{us:.2} µs per task, {:.0} tasks per second",
        1e6 / us.max(f64::MIN_POSITIVE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_and_note_name_the_figures() {
        assert_eq!(render(3), "3 tasks started and finished");
        assert!(note(1.0, 1000).starts_with("1.00 µs per task, 1000000 tasks per second"));
    }
}
