//! Replaying one schedule: every step with the state after it, and how the schedule ended.

use serde::Serialize;

use super::Program;
use super::step::{Succs, decode, encode};
use super::table::StateSet;
use super::text::LIVELOCK;
use super::walk::{WalkStep, walk};

/// A replayed schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// Every step, in order.
    pub steps: Vec<ReplayStep>,
    /// How the schedule ended, in words naming the line; empty when it ended well.
    pub ending: String,
}

/// One replayed step: the same as a walked one.
pub type ReplayStep = WalkStep;

/// Why a schedule cannot be replayed: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule position {position}: {message}")]
pub struct ReplayError {
    /// 0-based position in the schedule (its length when it stops too early).
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

/// The most states searched after a schedule that stops while threads can still step, to tell
/// a livelock (no schedule can end from there) from a schedule that stops early.
const LIVELOCK_SEARCH: usize = 1_000_000;

/// Replay `schedule` (thread indices) from the start. It must be a whole schedule, or a prefix
/// that reaches a bad ending (a failed assert, a fault, a livelock).
pub fn replay(p: &Program, schedule: &[usize]) -> Result<Replay, ReplayError> {
    let walked = walk(p, schedule).map_err(|e| ReplayError {
        position: e.position,
        message: e.refused.to_string(),
    })?;
    let ending = match walked.ended {
        Some(e) if e.bad => e.text,
        Some(_) => String::new(),
        None => stopped_early(p, schedule)?,
    };
    Ok(Replay {
        steps: walked.steps,
        ending,
    })
}

/// A schedule that stops while threads can still step: a livelock's prefix, or too short.
fn stopped_early(p: &Program, schedule: &[usize]) -> Result<String, ReplayError> {
    let mut st = p.init.clone();
    for &u in schedule {
        p.run(&mut st, u, false);
    }
    ending(p, &st, schedule.len())
}

/// How a replay that stopped in `st` ended, or why it should not have stopped.
fn ending(p: &Program, st: &[i64], position: usize) -> Result<String, ReplayError> {
    let mut succ = Succs::new(p.width());
    p.expand(st, None, &mut succ);
    if succ.len() == 0 {
        return Ok(p.ending(st));
    }
    if !can_end(p, st) {
        return Ok(LIVELOCK.to_string());
    }
    let able: Vec<String> = succ.units.iter().map(usize::to_string).collect();
    Err(ReplayError {
        position,
        message: format!(
            "the schedule stops early: thread{} {} can still step",
            if able.len() == 1 { "" } else { "s" },
            able.join(", ")
        ),
    })
}

/// Whether some schedule from `st` ends (searched depth-first; a search that grows too large
/// counts as yes).
fn can_end(p: &Program, st: &[i64]) -> bool {
    let mut set = StateSet::new();
    let mut key = Vec::new();
    encode(st, &mut key);
    set.insert(&key);
    let mut stack = vec![0];
    let (mut cur, mut succ) = (vec![0; p.width()], Succs::new(p.width()));
    while let Some(id) = stack.pop() {
        decode(set.key(id), &mut cur);
        p.expand(&cur, None, &mut succ);
        if succ.len() == 0 {
            return true;
        }
        for k in 0..succ.len() {
            encode(succ.get(k), &mut key);
            let (t, new) = set.insert(&key);
            if new {
                stack.push(t);
            }
        }
        if set.len() > LIVELOCK_SEARCH {
            return true;
        }
    }
    false
}
