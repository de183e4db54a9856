//! Lessons about the operating system's own machinery — connections per thread, daemon threads,
//! processes and pipes, a database file, the cost of starting things — whose catalogue entries
//! live here. Their runners are in the CLI (and, for `cost`, the page too); the checks below are
//! pure so both can share them.

use super::{DefaultWorkers, LessonInfo};
use crate::ParamSpec;

/// `local`: thread-local state, one HTTP client per thread (the notes' thread-local session).
pub const LOCAL: LessonInfo = LessonInfo {
    name: "local",
    title: "Thread-local state: one client per thread",
    summary: "one HTTP client per thread vs one shared vs one per request, counting connections",
    explanation: "An HTTP client keeps connections open to reuse them. The notes gave each thread \
        its own requests.Session through threading.local(), because a Session is not thread-safe: \
        each thread then opens one connection and reuses it. A client per request opens a \
        connection every time; one shared (thread-safe) client opens about as many as there are \
        requests in flight. The companion counts the connections it accepts, so the numbers are \
        measured on the server side.",
    native: &["per-thread", "shared", "per-request"],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 40,
        min: 1,
        max: 10_000,
        unit: "requests",
        help: "requests in all",
    },
    latency: Some(ParamSpec {
        name: "latency",
        default: 20,
        min: 0,
        max: 30_000,
        unit: "ms",
        help: "server-side delay per request",
    }),
    bytes: None,
    insight: "state kept per thread is reused by that thread's later calls and never shared, so it \
        needs no lock and costs one set-up per thread",
    default_workers: DefaultWorkers::Fixed(4),
    demonstrates: &[],
};

/// `daemon`: background threads that do not keep the program alive.
pub const DAEMON: LessonInfo = LessonInfo {
    name: "daemon",
    title: "Daemon threads: cut off when main returns",
    summary: "a background thread that is not joined is cut off when the program ends",
    explanation: "A program ends when its main thread returns; threads nobody waits for (Python's \
        daemon=True, or a Rust thread that is never joined) stop mid-step. Each run starts a \
        child program whose background thread does one step every L ms, while main returns \
        halfway through. Joined, main waits and every step runs; as a daemon, the steps after \
        main returned never happen.",
    native: &["daemon", "joined"],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 10,
        min: 2,
        max: 1_000,
        unit: "steps",
        help: "steps the background thread wants to do",
    },
    latency: Some(ParamSpec {
        name: "latency",
        default: 30,
        min: 1,
        max: 1_000,
        unit: "ms",
        help: "time per step",
    }),
    bytes: None,
    insight: "only joined threads are waited for: a daemon thread's unfinished work simply vanishes \
        with the process",
    default_workers: DefaultWorkers::Fixed(1),
    demonstrates: &[],
};

/// `processes`: fork/spawn, a subprocess with pipes, a queue between processes.
pub const PROCESSES: LessonInfo = LessonInfo {
    name: "processes",
    title: "Processes: spawn, pipes, a queue between them",
    summary: "start processes, talk to a subprocess over pipes, pass a queue between two processes",
    explanation: "A process is a whole program with its own memory; starting one costs a \
        millisecond or so, which is why pools keep them. `spawn` starts N children and waits for \
        each exit code. `pipe` is the notes' subprocess.communicate: write lines to a child's \
        stdin, read its answers from stdout. `queue` connects a writer process to a reader \
        process with an OS pipe, as the notes' multiprocessing.Queue example does, and checks \
        that the reader got every value.",
    native: &["spawn", "pipe", "queue"],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 20,
        min: 1,
        max: 10_000,
        unit: "processes / lines / items",
        help: "children to spawn, lines to pipe, or items to queue",
    },
    latency: None,
    bytes: None,
    insight: "processes share nothing, so everything between them is copied through the kernel, \
        and each start costs far more than a thread",
    default_workers: DefaultWorkers::Fixed(1),
    demonstrates: &[],
};

/// `db`: the database insertion worker.
pub const DB: LessonInfo = LessonInfo {
    name: "db",
    title: "Database insertion worker",
    summary: "producers feed rows to one batching writer vs per-row commits vs contending writers",
    explanation: "Producers generate rows; something must write them to a database. One writer \
        that takes rows from a queue and commits them in batches pays for a commit once per \
        batch. Committing every row pays it every time. Letting every producer write for itself \
        makes them contend for the database's single write lock. Natively the database is a \
        SQLite file; in the browser it is IndexedDB. In every case each produced \
        row must be in the database at the end — including when a producer fails half-way \
        (producer 0 always does here), whose rows up to the failure must still be there.",
    native: &["batched", "per-row", "contending"],
    web: &["batched", "per-row", "contending"],
    size: ParamSpec {
        name: "size",
        default: 1_000,
        min: 1,
        max: 1_000_000,
        unit: "rows",
        help: "rows the producers would make if none failed",
    },
    latency: None,
    bytes: None,
    insight: "a commit waits for the disk, so fewer, larger transactions from one writer beat many \
        small ones and beat writers fighting over the lock",
    default_workers: DefaultWorkers::Fixed(4),
    demonstrates: &[],
};

/// `cost`: what one task costs to start and finish, per kind of worker.
pub const COST: LessonInfo = LessonInfo {
    name: "cost",
    title: "What one task costs",
    summary: "start and finish one trivial task: async task, pool job, thread, process, web worker",
    explanation: "Every way of running something concurrently has a price paid per task, before \
        any useful work: an async task is a small allocation and a queue push; a job on a \
        running pool is a queue push and a wake-up; a new thread asks the kernel for a stack; a \
        new process starts a whole program; a web worker loads and compiles a script. Each row \
        runs N trivial tasks one after another and reports the time per task and tasks per \
        second — the ladder spans about four orders of magnitude.",
    native: &["async-task", "pool-job", "thread", "process"],
    web: &["async-task", "pool-job", "worker-message", "worker-start"],
    size: ParamSpec {
        name: "size",
        default: 200,
        min: 1,
        max: 1_000_000,
        unit: "tasks",
        help: "trivial tasks to start and finish",
    },
    latency: None,
    bytes: None,
    insight: "the cheaper a task is to start, the smaller the work it is worth starting for",
    default_workers: DefaultWorkers::Fixed(1),
    demonstrates: &[],
};

/// The cost lesson's result line.
pub fn cost_render(done: u64) -> String {
    format!("{done} tasks started and finished")
}

/// The cost lesson's note: time per task and tasks per second.
pub fn cost_note(wall_ms: f64, tasks: u64) -> String {
    let us = wall_ms * 1000.0 / tasks.max(1) as f64;
    format!(
        "{us:.2} µs per task, {:.0} tasks per second",
        1e6 / us.max(f64::MIN_POSITIVE)
    )
}

/// The daemon lesson's result line.
pub fn daemon_render(done: u64, steps: u64) -> String {
    format!("{done} of {steps} steps ran")
}

/// The local lesson's expected connection count (exact for per-thread and per-request; for a
/// shared client a range, since it opens one per request in flight).
pub fn local_expected(strategy: &str, requests: u64, threads: u64) -> (u64, u64) {
    let busy = threads.min(requests).max(1);
    match strategy {
        "per-thread" => (busy, busy),
        "per-request" => (requests, requests),
        _ => (1, busy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_exact_where_they_can_be() {
        assert_eq!(local_expected("per-thread", 40, 4), (4, 4));
        assert_eq!(local_expected("per-thread", 2, 4), (2, 2));
        assert_eq!(local_expected("per-request", 40, 4), (40, 40));
        assert_eq!(local_expected("shared", 40, 4), (1, 4));
        assert_eq!(cost_render(3), "3 tasks started and finished");
        assert!(cost_note(1.0, 1000).starts_with("1.00 µs per task, 1000000 tasks per second"));
    }
}
