//! `db`: the database insertion worker — producers feed rows to one batching writer, to a writer
//! that commits every row, or each writes for itself; SQLite natively, IndexedDB in the browser.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::facts::Fact;
use crate::prediction::{Answer, Choice, Question};
use crate::record::Side;
use crate::verdict::fmt_ms;
use crate::visual::Visual;

/// `db`: the database insertion worker.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Db,
    title: "Database insertion worker",
    summary: "producers feed rows to one batching writer vs per-row commits vs contending writers",
    explanation: "Producers generate rows; something must write them to a database. One writer \
        that takes rows from a queue and commits them in batches pays for a commit once per \
        batch. Committing every row pays it every time. Letting every producer write for itself \
        makes them contend for the database's single write lock. Natively the database is a \
        SQLite file, and four contending writers are no faster than one. In the browser it is \
        IndexedDB, which queues the writers' transactions and runs them one at a time; queued \
        back to back they skip the wait between one commit and the next request, so four \
        writers come out somewhat faster than one — and still far slower than batching. In \
        every case each produced \
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
    quick: Quick::size(100),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: true,
    visual: Some(Visual::Ratio {
        title: "Rows per commit",
        top: Fact::Rows,
        bottom: Fact::Commits,
        noun: "rows per commit",
    }),
    source: Source {
        title: "Python docs: sqlite3 — transactions",
        url: "https://docs.python.org/3/library/sqlite3.html#transaction-control",
        teaches: "Every commit is a trip to the disk; a single writer that takes rows from a queue and commits them in batches does far fewer trips than committing each row or letting every producer write.",
    },
};

/// What a run of `db` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "batched-beats-per-row",
        text: "One writer committing batches of rows finishes at least 3× sooner than one \
            committing every row",
        side: None,
        test: Test::Faster {
            what: &[S::Batched],
            than: S::PerRow,
            by: 3.0,
        },
    },
    Claim {
        id: "contending-no-better",
        text: "Several writers committing per row are no faster than one (at most 1.25×): the \
            database takes one write transaction at a time",
        side: Some(Side::Native),
        test: Test::NotFaster {
            what: S::Contending,
            than: S::PerRow,
            slack: 1.25,
        },
    },
    Claim {
        id: "batching-beats-writers",
        text: "In IndexedDB too, one writer committing batches finishes at least 3× sooner than \
            four writers committing a row each (IndexedDB runs their transactions one at a time)",
        side: Some(Side::Web),
        test: Test::Faster {
            what: &[S::Batched],
            than: S::Contending,
            by: 3.0,
        },
    },
    Claim {
        id: "exact",
        text: "Every row produced is in the database, including those of the producer that failed",
        side: None,
        test: Test::Exact(&[S::Batched, S::PerRow, S::Contending]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let best = [S::Batched, S::PerRow, S::Contending]
        .iter()
        .filter_map(|s| ev.get(*s))
        .min_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms))?;
    let commits = best.fact(Fact::Commits).unwrap_or(0.0);
    Some(Answer {
        choice: best.strategy.name(),
        because: format!(
            "{} took {} with {commits:.0} commits",
            best.strategy,
            fmt_ms(best.wall_ms)
        ),
        why: match best.strategy {
            S::Batched => "Each commit waits until the database has made it durable; committing \
                a batch pays that wait once for many rows instead of once per row."
                .into(),
            _ => "Here committing more often was no slower: this machine's storage made each \
                commit cheap during the run."
                .into(),
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Which stores a thousand rows first?",
    choices: &[
        Choice {
            id: "batched",
            label: "One writer, 100 rows per commit",
        },
        Choice {
            id: "per-row",
            label: "One writer, a commit per row",
        },
        Choice {
            id: "contending",
            label: "Four writers, a commit per row",
        },
    ],
    answer,
};
