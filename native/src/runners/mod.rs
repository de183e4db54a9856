//! Native runners of the lessons beyond cpu and io (those two live in `runner.rs`). Each module
//! turns one lesson's strategies into real threads, tasks, processes or database writes, and its
//! outcome into an [`Execution`] checked against the lesson's exact expectation.

mod coroutine;
mod cost;
mod daemon;
mod db;
mod deadlock;
mod local;
mod pools;
mod procs;
mod queue;
mod race;

pub use daemon::child_main as daemon_child;
pub use procs::emit_main as emit;

use crate::runner::{Execution, Meter, RunRequest};
use anyhow::{Result, bail};
use interleave_shared::Span;

/// Run `strategy` of the request's lesson once.
pub fn execute(req: &RunRequest, strategy: &'static str) -> Result<Execution> {
    let p = req.params;
    match req.lesson.name {
        "race" => race::execute(strategy, p),
        "deadlock" => deadlock::execute(strategy, p),
        "queue" => queue::execute(strategy, p),
        "pools" => pools::execute(strategy, p),
        "coroutine" => coroutine::execute(strategy, p),
        "cost" => cost::execute(strategy, p),
        "local" => local::execute(strategy, p, req.server.as_deref()),
        "daemon" => daemon::execute(strategy, p),
        "processes" => procs::execute(strategy, p),
        "db" => db::execute(strategy, p),
        other => bail!("lesson '{other}' has no native runner"),
    }
}

/// An execution whose check is "result equals expected".
fn exact(
    result: String,
    expected: String,
    spans: Vec<Span>,
    meter: Meter,
    workers: u32,
) -> Execution {
    Execution {
        correct: result == expected,
        result,
        expected,
        spans,
        meter,
        workers,
        children_peak_kb: 0,
        note: None,
    }
}
