//! Facts: the few numbers a lesson's point rests on, measured by the runner and kept in the
//! record beside the timings (`"facts": {"drift": 61}` in JSON). Claims, verdicts and the page's
//! lesson-specific views read them by key instead of parsing result strings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a fact counts. One key per kind of number; each lesson sets the ones it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// race: how far the balance ended from 0 (signed).
    Drift,
    /// race: unsynchronized writes that overwrote another worker's update.
    Overwritten,
    /// race: balance updates made in all (each deposit and each withdrawal).
    Updates,
    /// race: times the mutex passed from one worker to another (mutex runs).
    LockHandovers,
    /// deadlock: workers that gave up on their second lock and reported the wait-for cycle.
    CycleReports,
    /// deadlock: rounds the workers completed, in all.
    RoundsDone,
    /// daemon: steps the background thread finished.
    StepsDone,
    /// daemon: steps it wanted to do.
    StepsWanted,
    /// queue: times a producer found the queue full and had to wait.
    ProducerWaits,
    /// queue: times a consumer found the queue empty and had to wait.
    ConsumerWaits,
    /// queue: most items in the queue at once.
    MaxFill,
    /// queue: the queue's slots.
    Capacity,
    /// local: connections the server saw.
    Connections,
    /// db: transactions committed.
    Commits,
    /// db: rows in the database at the end.
    Rows,
    /// cost: microseconds per task.
    PerTaskUs,
    /// pools: tasks the pool was given (items, or chunks of items).
    Tasks,
    /// distributed: times the broker delivered a task, in all (more than the tasks when a
    /// worker died holding one).
    Deliveries,
    /// distributed: tasks whose counted answer came from a second or later delivery.
    Redelivered,
    /// event-loop: when task 0's blocking call (or its offloaded, sliced or cancelled twin)
    /// began, ms since the run started.
    SpecialFromMs,
    /// event-loop: when it ended.
    SpecialToMs,
    /// event-loop: the cancelled task's clean-up ran (1) or not (0).
    CleanedUp,
}

/// A record's facts, in key order.
pub type Facts = BTreeMap<Fact, f64>;
