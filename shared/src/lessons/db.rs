//! `db`: the database insertion worker — producers feed rows to one batching writer, to a writer
//! that commits every row, or each writes for itself; SQLite natively, IndexedDB in the browser.

use super::{DefaultWorkers, LessonInfo};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};

/// `db`: the database insertion worker.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Db,
    title: "Database insertion worker",
    summary: "producers feed rows to one batching writer vs per-row commits vs contending writers",
    explanation: "Producers generate rows; something must write them to a database. One writer \
        that takes rows from a queue and commits them in batches pays for a commit once per \
        batch. Committing every row pays it every time. Letting every producer write for itself \
        makes them contend for the database's single write lock. Natively the database is a \
        SQLite file; in the browser it is IndexedDB. In every case each produced \
        row must be in the database at the end — including when a producer fails half-way \
        (producer 0 always does here), whose rows up to the failure must still be there.",
    native: &[
        Strategy::new(S::Batched, Runs::Threads),
        Strategy::new(S::PerRow, Runs::Threads),
        Strategy::new(S::Contending, Runs::Threads),
    ],
    web: &[
        Strategy::new(S::Batched, Runs::EventLoop),
        Strategy::new(S::PerRow, Runs::EventLoop),
        Strategy::new(S::Contending, Runs::EventLoop),
    ],
    size: ParamSpec {
        name: "size",
        default: 1_000,
        min: 1,
        max: 1_000_000,
        unit: "rows",
        help: "rows the producers would make if none failed",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "a commit waits for the disk, so fewer, larger transactions from one writer beat many \
        small ones and beat writers fighting over the lock",
    default_workers: DefaultWorkers::Fixed(4),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 1_000_000,
};
