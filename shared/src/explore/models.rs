//! The lessons' models as programs of the explorer's language: the race's deposit and
//! withdrawal (unsynchronized, under a mutex, atomic) and the deadlock's two locks (in opposite
//! orders, in one order). The page and the CLI show this source; the counts come from checking
//! it, as a learner's own program is checked.

use super::program::{self, Program};
use crate::catalogue::{LessonId, StrategyId};
use crate::lessons::race::amount;
use std::fmt::Write;

/// A lesson's model: which one, its source, and that source compiled.
#[derive(Debug, Clone)]
pub struct Model {
    /// Which lesson the model is of.
    pub lesson: LessonId,
    /// Which strategy.
    pub strategy: StrategyId,
    /// Workers (threads of the program).
    pub workers: u32,
    /// Rounds each worker runs.
    pub rounds: u32,
    /// The program, as the page and the CLI show it.
    pub source: String,
    /// The program compiled.
    pub program: Program,
}

impl Model {
    /// The model of `strategy` of `lesson` (an explorable pair, already checked) with `workers`
    /// workers of `rounds` rounds.
    pub(super) fn new(lesson: LessonId, strategy: StrategyId, workers: u32, rounds: u32) -> Self {
        let source = source(lesson, strategy, workers, rounds);
        // Generated from a fixed template, never from input: every model parses (a test
        // parses each strategy at every allowed size).
        let program = program::parse(&source).expect("a lesson's model is a valid program");
        Model {
            lesson,
            strategy,
            workers,
            rounds,
            source,
            program,
        }
    }

    /// Workers in the model.
    pub fn workers(&self) -> usize {
        self.workers as usize
    }

    /// Upper bound on the number of schedules: the interleavings of the programs as if nothing
    /// ever blocked, (Σ nᵢ)! / Π nᵢ!; `None` above `u128`. Exact when no step can block.
    pub fn interleavings(&self) -> Option<u128> {
        let mut total: u128 = 1;
        let mut placed: u128 = 0;
        for w in 0..self.workers() {
            // Multiply by C(placed + k, k) one factor at a time; each partial product is a
            // binomial coefficient, so every division is exact.
            for k in 1..=self.program.steps_of(w).len() as u128 {
                placed += 1;
                total = total.checked_mul(placed)? / k;
            }
        }
        Some(total)
    }

    /// Whether a step can wait for a lock (then schedules are fewer than interleavings).
    pub fn can_block(&self) -> bool {
        !self.program.lock_names().is_empty()
    }
}

/// The program of one model.
fn source(lesson: LessonId, strategy: StrategyId, workers: u32, rounds: u32) -> String {
    let mut s = String::new();
    let rounds_text = if rounds == 1 { "round" } else { "rounds" };
    let workers_text = if workers == 1 { "worker" } else { "workers" };
    let _ = writeln!(
        s,
        "# {lesson} {strategy}: {workers} {workers_text} x {rounds} {rounds_text}"
    );
    match lesson {
        LessonId::Race => {
            let _ = writeln!(
                s,
                "# worker w deposits 5 + 3w and withdraws it again each round"
            );
            s.push_str("shared balance = 0\n");
            if strategy == StrategyId::Mutex {
                s.push_str("lock mutex\n");
            }
        }
        _ => s.push_str("lock A, B\n"),
    }
    for w in 0..workers {
        let _ = writeln!(s, "thread w{w}:");
        let n = amount(w);
        for _ in 0..rounds {
            for line in round(strategy, w, n) {
                let _ = writeln!(s, "    {line}");
            }
        }
    }
    if lesson == LessonId::Race {
        s.push_str("check balance == 0\n");
    }
    s
}

/// One round of worker `w`, which moves `n`.
fn round(strategy: StrategyId, w: u32, n: i64) -> Vec<String> {
    let (take_a, take_b) = ("lock A".to_string(), "lock B".to_string());
    let (free_a, free_b) = ("unlock A".to_string(), "unlock B".to_string());
    match strategy {
        StrategyId::Unsynchronized => vec![
            "r = balance".into(),
            format!("balance = r + {n}"),
            "r = balance".into(),
            format!("balance = r - {n}"),
        ],
        StrategyId::Mutex => vec![
            "lock mutex".into(),
            "r = balance".into(),
            format!("balance = r + {n}"),
            "unlock mutex".into(),
            "lock mutex".into(),
            "r = balance".into(),
            format!("balance = r - {n}"),
            "unlock mutex".into(),
        ],
        StrategyId::Atomic => vec![
            format!("atomic balance += {n}"),
            format!("atomic balance -= {n}"),
        ],
        StrategyId::OppositeOrder if w % 2 == 1 => vec![take_b, take_a, free_a, free_b],
        _ => vec![take_a, take_b, free_b, free_a],
    }
}
