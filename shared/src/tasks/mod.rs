//! What each async task of a real run did, over time: `running` (being polled), `ready` (what it
//! waited for has happened; it waits for the loop), `waiting` (parked on a timer, a thread,
//! another task), and how it ended (`done`, `failed`, `cancelled`). Both runtimes — tokio's
//! current-thread runtime natively and the page's own executor — wrap each task in the same
//! [`Traced`] future, whose waker notes when a task was woken; nothing here is simulated.
//!
//! - [`recorder`]: the wrapper, its waker and the per-task log; [`cost`]: what it costs per poll.
//! - this module: the record's types (`tasks` and `ready` in JSON) and the numbers the event-loop
//!   lesson's claims read off them.

pub mod cost;
mod recorder;
#[cfg(test)]
mod tests;

pub use recorder::{Probe, Recorder, Site, Traced};

use serde::{Deserialize, Serialize};

/// A task's state during one stretch of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// Being polled: the loop runs this task's code, and nothing else runs.
    Running,
    /// What it waited for has happened (or it is new); it waits for the loop to poll it.
    Ready,
    /// Parked at an `await` on something that has not happened yet.
    Waiting,
    /// Dropped before it finished (a timeout cancelled it).
    Cancelled,
    /// Finished with an error.
    Failed,
    /// Finished with a result.
    Done,
}

impl TaskState {
    /// The lowercase name used in JSON and on the page.
    pub const fn name(self) -> &'static str {
        match self {
            TaskState::Running => "running",
            TaskState::Ready => "ready",
            TaskState::Waiting => "waiting",
            TaskState::Cancelled => "cancelled",
            TaskState::Failed => "failed",
            TaskState::Done => "done",
        }
    }

    /// Whether the task has ended in this state.
    pub const fn is_end(self) -> bool {
        matches!(
            self,
            TaskState::Cancelled | TaskState::Failed | TaskState::Done
        )
    }
}

/// One stretch of one state. For `waiting`, what the task waits on and the line of its `await`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSpan {
    /// Start, ms since the run started.
    pub from_ms: f64,
    /// End, ms since the run started.
    pub to_ms: f64,
    /// The state.
    pub state: TaskState,
    /// What a waiting task waits on ("timer 10 ms", "a thread"); for an end state, why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The source line of the `await` it waits at (in the lesson's task code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// One task of a run: who, how often it was polled, and its states in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTrace {
    /// Its number in the run.
    pub id: u32,
    /// Its name ("t0").
    pub name: String,
    /// Times the loop polled it.
    pub polls: u32,
    /// Its states, back to back from its start to the run's end.
    pub states: Vec<StateSpan>,
}

impl TaskTrace {
    /// Time spent in `state`, in ms.
    pub fn time_in(&self, state: TaskState) -> f64 {
        self.states
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.to_ms - s.from_ms)
            .sum()
    }

    /// The longest stretch in `state`, in ms.
    pub fn longest(&self, state: TaskState) -> f64 {
        self.states
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.to_ms - s.from_ms)
            .fold(0.0, f64::max)
    }

    /// How the task ended, if it did.
    pub fn end(&self) -> Option<&StateSpan> {
        self.states.last().filter(|s| s.state.is_end())
    }
}

/// The ready queue's length over time, `[ms, tasks ready]` at every change: how many tasks had
/// what they waited for and were waiting for the loop.
pub fn ready_queue(tasks: &[TaskTrace]) -> Vec<(f64, u32)> {
    let mut changes: Vec<(f64, i32)> = tasks
        .iter()
        .flat_map(|t| t.states.iter())
        .filter(|s| s.state == TaskState::Ready && s.to_ms > s.from_ms)
        .flat_map(|s| [(s.from_ms, 1), (s.to_ms, -1)])
        .collect();
    // At one instant, leaving comes before joining: a queue handed from one task to the next
    // does not count both.
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<(f64, u32)> = vec![(0.0, 0)];
    let mut n: i32 = 0;
    for (at, d) in changes {
        n += d;
        let len = n.max(0) as u32;
        match out.last_mut() {
            Some(last) if last.0 == at => last.1 = len,
            _ => out.push((at, len)),
        }
    }
    out.dedup_by(|b, a| a.1 == b.1);
    out
}

/// The tasks as timeline spans, one lane per task: its polls as compute, its waits as waits
/// (a `ready` stretch is left empty on the lane: the task wanted to run and could not).
pub fn spans(tasks: &[TaskTrace]) -> Vec<crate::Span> {
    tasks
        .iter()
        .flat_map(|t| {
            t.states.iter().filter_map(move |s| {
                let kind = match s.state {
                    TaskState::Running => crate::SpanKind::Compute,
                    TaskState::Waiting => crate::SpanKind::Wait,
                    _ => return None,
                };
                Some(crate::Span {
                    worker: t.id,
                    task: t.id,
                    start_ms: s.from_ms,
                    end_ms: s.to_ms,
                    kind,
                })
            })
        })
        .collect()
}

/// Whether at most one task was running at any moment (they share one thread): the stretches
/// of `running`, sorted, never overlap by more than `slack_ms` (two clock reads apart).
pub fn one_running_at_a_time(tasks: &[TaskTrace], slack_ms: f64) -> bool {
    let mut running: Vec<(f64, f64)> = tasks
        .iter()
        .flat_map(|t| t.states.iter())
        .filter(|s| s.state == TaskState::Running)
        .map(|s| (s.from_ms, s.to_ms))
        .collect();
    running.sort_by(|a, b| a.0.total_cmp(&b.0));
    running.windows(2).all(|w| w[1].0 >= w[0].1 - slack_ms)
}
