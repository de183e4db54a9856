//! The interleaving explorer: tiny step models of the race's and the deadlock's critical
//! sections, replayed step by step or enumerated in full.
//!
//! A *step* is one worker's next operation; a *schedule* is a maximal sequence of steps: it ends
//! when no worker can step (all finished, or the rest blocked). [`enumerate`] counts every
//! schedule once, how many end wrong (the race's balance is not 0; a worker never finished), and
//! finds the shortest wrong one (fewest steps; ties broken by the first in lexicographic order).
//! Counting memoises on the state: two schedules that reach the same state have the same
//! continuations, so the count is of schedules while the work is proportional to states.

mod machine;

pub mod program;
pub use machine::{LOCK_NAMES, Machine, Op, State, Stuck};

use crate::catalogue::{LessonId, StrategyId};
use crate::lessons::race::amount;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The most schedules `enumerate` takes on.
pub const MAX_SCHEDULES: u128 = 10_000_000;

/// The most distinct states the memoised count visits before it gives up: the bound on work
/// when the number of schedules is not known in advance. Every model the explorer can finish
/// has far fewer (race mutex, 3 workers × 2 rounds: 8,785 states for 34,650 schedules).
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
) -> Result<Machine, ExploreError> {
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
    let programs = (0..workers)
        .map(|w| {
            let one = round(id, w);
            one.iter()
                .copied()
                .cycle()
                .take(one.len() * rounds as usize)
                .collect()
        })
        .collect();
    Ok(Machine {
        lesson,
        strategy: id,
        programs,
    })
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

/// One round of worker `w`'s program.
fn round(strategy: StrategyId, w: u32) -> Vec<Op> {
    let n = amount(w);
    let (a, b) = (Op::Lock { lock: 0 }, Op::Lock { lock: 1 });
    let (ua, ub) = (Op::Unlock { lock: 0 }, Op::Unlock { lock: 1 });
    match strategy {
        StrategyId::Unsynchronized => vec![
            Op::Load,
            Op::Store { delta: n },
            Op::Load,
            Op::Store { delta: -n },
        ],
        StrategyId::Mutex => vec![
            a,
            Op::Load,
            Op::Store { delta: n },
            ua,
            a,
            Op::Load,
            Op::Store { delta: -n },
            ua,
        ],
        StrategyId::Atomic => vec![Op::AtomicAdd { delta: n }, Op::AtomicAdd { delta: -n }],
        StrategyId::OppositeOrder if w % 2 == 1 => vec![b, a, ua, ub],
        _ => vec![a, b, ub, ua],
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

/// From one state: schedules, wrong ones, and the shortest wrong continuation as
/// (steps, first worker).
type Tally = (u128, u128, Option<(usize, usize)>);

/// [`Tally`] per state visited.
type Memo = HashMap<State, Tally>;

/// Enumerate every schedule of `m`. Refused when there are more than [`MAX_SCHEDULES`]:
/// - before any work, when the interleavings of the programs are fewer than that (then so are
///   the schedules) or when nothing can block (then the two are equal);
/// - otherwise (locks make the bound loose) after a memoised count that stops at
///   [`MAX_STATES`] states, so the work before a refusal is bounded too.
pub fn enumerate(m: &Machine) -> Result<Census, ExploreError> {
    let too_large = |size: String| ExploreError::TooLarge {
        what: describe(m),
        size,
    };
    let bound = m.interleavings();
    let can_block = m
        .programs
        .iter()
        .flatten()
        .any(|op| matches!(op, Op::Lock { .. }));
    match bound {
        Some(b) if b <= MAX_SCHEDULES => {}
        Some(b) if !can_block => return Err(too_large(b.to_string())),
        None if !can_block => return Err(too_large("more than 10³⁸".into())),
        _ => {}
    }
    let mut memo = Memo::new();
    let start = m.start();
    let (schedules, wrong, _) = visit(m, &start, &mut memo).ok_or_else(|| {
        too_large(format!(
            "too many to count (more than {MAX_STATES} distinct states)"
        ))
    })?;
    if schedules > MAX_SCHEDULES {
        return Err(too_large(schedules.to_string()));
    }
    // Both are at most MAX_SCHEDULES now.
    let (schedules, wrong) = (schedules as u64, wrong as u64);
    // Follow the memoised first steps to spell the shortest wrong schedule out.
    let mut shortest = None;
    let mut s = start;
    if wrong > 0 {
        let mut path = Vec::new();
        // A wrong end is stored with no next worker (`usize::MAX`), which stops the walk.
        while let Some(&(_, _, Some((_, w)))) = memo.get(&s) {
            if w >= m.workers() {
                break;
            }
            let Ok(op) = m.can_step(&s, w) else { break };
            m.step(&mut s, w, op);
            path.push(w);
        }
        shortest = Some(path);
    }
    Ok(Census {
        schedules,
        wrong,
        shortest_wrong: shortest,
    })
}

/// Schedules, wrong schedules and the shortest wrong continuation from `s`; `None` once the
/// memo holds [`MAX_STATES`] states.
fn visit(m: &Machine, s: &State, memo: &mut Memo) -> Option<Tally> {
    if let Some(v) = memo.get(s) {
        return Some(*v);
    }
    if memo.len() >= MAX_STATES {
        return None;
    }
    let mut count = 0u128;
    let mut wrong = 0u128;
    let mut best: Option<(usize, usize)> = None;
    let mut any = false;
    for w in 0..m.workers() {
        let Ok(op) = m.can_step(s, w) else { continue };
        any = true;
        let mut next = s.clone();
        m.step(&mut next, w, op);
        let (c, bad, short) = visit(m, &next, memo)?;
        count += c;
        wrong += bad;
        // Workers are tried in order, so on equal lengths the first kept is the lexicographically
        // smallest schedule.
        if let Some((len, _)) = short
            && best.is_none_or(|(b, _)| len + 1 < b)
        {
            best = Some((len + 1, w));
        }
    }
    let v = if any {
        (count, wrong, best)
    } else if m.wrong(s) {
        (1, 1, Some((0, usize::MAX)))
    } else {
        (1, 0, None)
    };
    memo.insert(s.clone(), v);
    Some(v)
}

/// "race unsynchronized with 2 workers × 1 round".
pub fn describe(m: &Machine) -> String {
    let rounds = m.programs.first().map_or(0, Vec::len) / round(m.strategy, 0).len().max(1);
    format!(
        "{} {} with {} worker{} × {} round{}",
        m.lesson,
        m.strategy,
        m.workers(),
        if m.workers() == 1 { "" } else { "s" },
        rounds,
        if rounds == 1 { "" } else { "s" }
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

/// The shared state of `s` as the model's lesson shows it.
pub fn shared(m: &Machine, s: &State) -> Shared {
    let locks = match m.strategy {
        StrategyId::Unsynchronized | StrategyId::Atomic => 0,
        StrategyId::Mutex => 1,
        _ => LOCK_NAMES.len(),
    };
    Shared {
        balance: (m.lesson == LessonId::Race).then_some(s.balance),
        locks: s.holder[..locks].to_vec(),
    }
}

/// Take the steps of `schedule` from the start, each by an existing worker that can step;
/// the state reached and the steps taken. A schedule so far, as the page's stepper holds it.
pub fn walk(m: &Machine, schedule: &[usize]) -> Result<(State, Vec<Step>), ExploreError> {
    let mut s = m.start();
    let mut steps = Vec::new();
    for (position, &w) in schedule.iter().enumerate() {
        let bad = |why: String| ExploreError::Schedule { position, why };
        if w >= m.workers() {
            return Err(bad(format!(
                "worker {w} does not exist (workers 0..={})",
                m.workers() - 1
            )));
        }
        let op = match m.can_step(&s, w) {
            Ok(op) => op,
            Err(Stuck::Finished) => return Err(bad(format!("worker {w} has already finished"))),
            Err(Stuck::Blocked { lock, holder }) => {
                return Err(bad(format!(
                    "worker {w} is blocked: its next step takes lock {} held by worker {holder}",
                    lock_name(m, lock)
                )));
            }
        };
        m.step(&mut s, w, op);
        steps.push(Step {
            worker: w,
            op: op.code(m.lesson),
            register: (m.lesson == LessonId::Race).then_some(s.reg[w]),
            shared: shared(m, &s),
        });
    }
    Ok((s, steps))
}

/// Replay `schedule`: it must name an existing worker that can step at every position, and
/// end where no worker can step.
pub fn replay(m: &Machine, schedule: &[usize]) -> Result<Replay, ExploreError> {
    let (s, steps) = walk(m, schedule)?;
    let able: Vec<String> = m.enabled(&s).map(|w| w.to_string()).collect();
    if !able.is_empty() {
        return Err(ExploreError::Schedule {
            position: schedule.len(),
            why: format!(
                "the schedule stops early: worker{} {} can still step",
                if able.len() == 1 { "" } else { "s" },
                able.join(", ")
            ),
        });
    }
    Ok(Replay {
        steps,
        end: shared(m, &s),
        wrong: m.wrong(&s),
    })
}

/// "balance 5; mutex held by w0", as the CLI and the page show a shared state.
pub fn shared_text(m: &Machine, s: &Shared) -> String {
    let mut parts = Vec::new();
    if let Some(b) = s.balance {
        parts.push(format!("balance {b}"));
    }
    for (lock, holder) in s.locks.iter().enumerate() {
        let name = lock_name(m, lock);
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

/// A lock's name as the model's lesson calls it.
pub fn lock_name(m: &Machine, lock: usize) -> &'static str {
    if m.lesson == LessonId::Race {
        "mutex"
    } else {
        LOCK_NAMES.get(lock).copied().unwrap_or("?")
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
