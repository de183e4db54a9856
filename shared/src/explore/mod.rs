//! The interleaving explorer: the race's and the deadlock's critical sections as small programs
//! in the explorer's language ([`program`]), replayed step by step or counted in full.
//!
//! A lesson's model is *written* as a program ([`Model::source`], shown on the page and by the
//! CLI) and checked by the same engine as a learner's own program, so there is one source of
//! truth. A *step* is one worker's next operation; a *schedule* is a maximal sequence of steps:
//! it ends when no worker can step (all finished, or the rest blocked). [`enumerate`] counts
//! every schedule once, how many end wrong (the race's balance is not 0; a worker never
//! finished), and finds the shortest wrong one (fewest steps; ties broken by the first in
//! lexicographic order).

mod models;

pub mod program;
pub use models::Model;

use crate::catalogue::{LessonId, StrategyId};
use serde::{Deserialize, Serialize};

/// The most schedules `enumerate` takes on.
pub const MAX_SCHEDULES: u128 = 10_000_000;

/// The most distinct states the count visits before it gives up: the bound on work when the
/// number of schedules is not known in advance. Every model the explorer can finish has far
/// fewer (race mutex, 3 workers × 2 rounds: 34,650 schedules over a few thousand states).
pub const MAX_STATES: usize = 200_000;

/// Most workers a model may have: one step per worker is a byte of a schedule.
pub const MAX_WORKERS: u32 = 8;

/// Most rounds a model may have.
pub const MAX_ROUNDS: u32 = 16;

/// Why a model or a schedule was refused. Every message names the value and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExploreError {
    /// No step model for this lesson.
    #[error("lesson '{0}' has no step model; explorable lessons: race, deadlock")]
    Lesson(LessonId),
    /// No step model for this strategy.
    #[error("lesson '{lesson}' has no strategy '{strategy}' to explore; allowed: {allowed}")]
    Strategy {
        /// The lesson.
        lesson: LessonId,
        /// What was asked for.
        strategy: String,
        /// What exists.
        allowed: String,
    },
    /// Workers or rounds out of bounds.
    #[error("{name} {value} is out of range: allowed {min}..={max}{why}")]
    OutOfRange {
        /// `workers` or `rounds`.
        name: &'static str,
        /// The value given.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
        /// Extra explanation, starting with a space.
        why: &'static str,
    },
    /// Too many schedules to enumerate.
    #[error(
        "{what} has {size} schedules, more than the {MAX_SCHEDULES} the explorer enumerates; use fewer workers or rounds"
    )]
    TooLarge {
        /// The model, e.g. "race unsynchronized with 3 workers × 3 rounds".
        what: String,
        /// The size, in words ("up to 1234", "5678", "more than … states' worth").
        size: String,
    },
    /// A replayed schedule that cannot be followed.
    #[error("schedule position {position}: {why}")]
    Schedule {
        /// 0-based position in the schedule.
        position: usize,
        /// What was wrong there.
        why: String,
    },
}

/// Strategies of each explorable lesson, in the catalogue's order.
pub fn strategies(lesson: LessonId) -> &'static [StrategyId] {
    match lesson {
        LessonId::Race => &[
            StrategyId::Unsynchronized,
            StrategyId::Mutex,
            StrategyId::Atomic,
        ],
        LessonId::Deadlock => &[StrategyId::OppositeOrder, StrategyId::Ordered],
        _ => &[],
    }
}

/// The model of `strategy` of `lesson` with `workers` workers doing `rounds` rounds.
pub fn model(
    lesson: LessonId,
    strategy: &str,
    workers: u32,
    rounds: u32,
) -> Result<Model, ExploreError> {
    let allowed = strategies(lesson);
    if allowed.is_empty() {
        return Err(ExploreError::Lesson(lesson));
    }
    let id = allowed
        .iter()
        .copied()
        .find(|s| s.name() == strategy)
        .ok_or_else(|| ExploreError::Strategy {
            lesson,
            strategy: strategy.to_string(),
            allowed: allowed
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let (min_w, max_w, why) = match lesson {
        LessonId::Deadlock => (2, 2, " for deadlock (two workers, two locks)"),
        _ => (1, MAX_WORKERS, ""),
    };
    check("workers", workers, min_w, max_w, why)?;
    check("rounds", rounds, 1, MAX_ROUNDS, "")?;
    Ok(Model::new(lesson, id, workers, rounds))
}

fn check(
    name: &'static str,
    value: u32,
    min: u32,
    max: u32,
    why: &'static str,
) -> Result<(), ExploreError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ExploreError::OutOfRange {
            name,
            value,
            min,
            max,
            why,
        })
    }
}

/// What enumerating every schedule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Census {
    /// Schedules in all (at most [`MAX_SCHEDULES`], so a `u64` holds it, in JSON too).
    pub schedules: u64,
    /// Schedules that end wrong.
    pub wrong: u64,
    /// The shortest wrong schedule (worker per step), if any.
    pub shortest_wrong: Option<Vec<usize>>,
}

/// Enumerate every schedule of `m`. Refused when there are more than [`MAX_SCHEDULES`]:
/// - before any work, when the interleavings of the programs are fewer than that (then so are
///   the schedules) or when nothing can block (then the two are equal);
/// - otherwise (locks make the bound loose) after a count that stops at [`MAX_STATES`]
///   states, so the work before a refusal is bounded too.
pub fn enumerate(m: &Model) -> Result<Census, ExploreError> {
    let too_large = |size: String| ExploreError::TooLarge {
        what: describe(m),
        size,
    };
    let bound = m.interleavings();
    let can_block = m.can_block();
    match bound {
        Some(b) if b <= MAX_SCHEDULES => {}
        Some(b) if !can_block => return Err(too_large(b.to_string())),
        None if !can_block => return Err(too_large("more than 10³⁸".into())),
        _ => {}
    }
    let limits = program::Limits {
        max_states: MAX_STATES,
        max_preemptions: None,
    };
    let report = program::check(&m.program, &limits, &mut |_| true).map_err(|e| match e {
        program::CheckError::TooManyStates { .. } => too_large(format!(
            "too many to count (more than {MAX_STATES} distinct states)"
        )),
        other => too_large(other.to_string()),
    })?;
    let schedules = report
        .schedules
        .filter(|&n| u128::from(n) <= MAX_SCHEDULES)
        .ok_or_else(|| too_large(report.schedules_text.clone()))?;
    // At most the schedules, so it fits.
    let wrong = report.wrong.parse().unwrap_or(schedules);
    Ok(Census {
        schedules,
        wrong,
        shortest_wrong: (wrong > 0).then_some(report.shortest_wrong),
    })
}

/// "race unsynchronized with 2 workers × 1 round".
pub fn describe(m: &Model) -> String {
    format!(
        "{} {} with {} worker{} × {} round{}",
        m.lesson,
        m.strategy,
        m.workers,
        if m.workers == 1 { "" } else { "s" },
        m.rounds,
        if m.rounds == 1 { "" } else { "s" }
    )
}

/// One replayed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Who stepped.
    pub worker: usize,
    /// What it did, as code.
    pub op: String,
    /// Its register afterwards (race models).
    pub register: Option<i64>,
    /// The shared state afterwards.
    pub shared: Shared,
    /// A lost update or a lock that leaves another worker waiting, in words; empty otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The shared state as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shared {
    /// The balance (race models).
    pub balance: Option<i64>,
    /// Who holds each lock (`None`: free).
    pub locks: Vec<Option<usize>>,
}

/// A replayed schedule: every step, the final state, and whether it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replay {
    /// The steps in order.
    pub steps: Vec<Step>,
    /// The state at the end.
    #[serde(rename = "final")]
    pub end: Shared,
    /// Whether the schedule ended wrong.
    pub wrong: bool,
}

/// The shared state of a walk as the model's lesson shows it.
pub fn shared(m: &Model, w: &program::Walk) -> Shared {
    Shared {
        balance: if m.lesson == LessonId::Race {
            w.values.iter().find(|(n, _)| n == "balance").map(|v| v.1)
        } else {
            None
        },
        locks: w.locks.iter().map(|l| l.1).collect(),
    }
}

/// Take the steps of `schedule` from the start, each by an existing worker that can step; the
/// walk so far and its steps as the lesson shows them (the schedule so far, as the page's
/// stepper holds it).
pub fn walk(m: &Model, schedule: &[usize]) -> Result<(program::Walk, Vec<Step>), ExploreError> {
    let refuse = |e: program::WalkError| ExploreError::Schedule {
        position: e.position,
        why: refused(m, &e.refused),
    };
    let walked = program::walk(&m.program, schedule).map_err(refuse)?;
    // Each step's state as the lesson shows it: walking each prefix again is cheap at the
    // sizes a schedule is replayed (tens of steps).
    let mut steps = Vec::with_capacity(walked.steps.len());
    for (i, s) in walked.steps.iter().enumerate() {
        let at = program::walk(&m.program, &schedule[..=i]).map_err(refuse)?;
        steps.push(Step {
            worker: s.thread,
            op: s.text.clone(),
            register: register(m, &at, s.thread),
            shared: shared(m, &at),
            note: s.note.clone(),
        });
    }
    Ok((walked, steps))
}

/// Worker `worker`'s register `r` (race models).
pub fn register(m: &Model, w: &program::Walk, worker: usize) -> Option<i64> {
    if m.lesson != LessonId::Race {
        return None;
    }
    w.threads
        .get(worker)
        .and_then(|t| t.registers.iter().find(|(n, _)| n == "r"))
        .map(|r| r.1)
}

/// Why a step of a lesson's model was refused, in the lesson's words (workers, not threads).
fn refused(m: &Model, r: &program::Refused) -> String {
    use program::Refused;
    match r {
        Refused::NoSuchThread { thread, threads } => {
            format!(
                "worker {thread} does not exist (workers 0..={})",
                threads - 1
            )
        }
        Refused::Finished { thread, .. } => format!("worker {thread} has already finished"),
        Refused::Blocked {
            thread,
            lock,
            holder_index,
            ..
        } => format!(
            "worker {thread} is blocked: its next step takes lock {lock} held by worker {}",
            holder_index.map_or("?".into(), |h| h.to_string())
        ),
        other => format!("{other} ({})", describe(m)),
    }
}

/// Replay `schedule`: it must name an existing worker that can step at every position, and
/// end where no worker can step.
pub fn replay(m: &Model, schedule: &[usize]) -> Result<Replay, ExploreError> {
    let (walked, steps) = walk(m, schedule)?;
    let Some(ended) = &walked.ended else {
        let able: Vec<String> = walked
            .threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.status == program::Status::Ready)
            .map(|(w, _)| w.to_string())
            .collect();
        return Err(ExploreError::Schedule {
            position: schedule.len(),
            why: format!(
                "the schedule stops early: worker{} {} can still step",
                if able.len() == 1 { "" } else { "s" },
                able.join(", ")
            ),
        });
    };
    Ok(Replay {
        steps,
        end: shared(m, &walked),
        wrong: ended.bad,
    })
}

/// "balance 5; mutex held by w0", as the CLI and the page show a shared state.
pub fn shared_text(m: &Model, s: &Shared) -> String {
    let mut parts = Vec::new();
    if let Some(b) = s.balance {
        parts.push(format!("balance {b}"));
    }
    let names = m.program.lock_names();
    for (lock, holder) in s.locks.iter().enumerate() {
        let name = names.get(lock).map_or("?", String::as_str);
        parts.push(match holder {
            Some(w) => format!("{name} held by w{w}"),
            None => format!("{name} free"),
        });
    }
    parts.join("; ")
}

/// How a finished schedule ended, in a sentence.
pub fn ending(end: &Shared, wrong: bool) -> String {
    match (wrong, end.balance) {
        (true, Some(b)) if b != 0 => {
            format!("ends WRONG: balance {b} instead of 0 — an update was overwritten")
        }
        (true, _) => {
            "ends WRONG: no worker can step, and not all have finished — a deadlock".into()
        }
        (false, _) => "ends right: every worker finished and the balance is 0".into(),
    }
}

/// Parse `0,1,1,0` into worker indices, naming the position of anything that is not one.
pub fn parse_schedule(text: &str) -> Result<Vec<usize>, ExploreError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(position, t)| {
            t.trim().parse().map_err(|_| ExploreError::Schedule {
                position,
                why: format!("'{}' is not a worker number", t.trim()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
