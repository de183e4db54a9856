//! Replaying one schedule: every step with the state after it, and how the schedule ended.

use serde::Serialize;

use super::Program;
use super::step::{CUR_TASK, Exec, FAULT, Succs, decode, encode};
use super::table::StateSet;
use super::text::LIVELOCK;

/// A replayed schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// Every step, in order.
    pub steps: Vec<ReplayStep>,
    /// How the schedule ended, in words naming the line; empty when it ended well.
    pub ending: String,
}

/// One replayed step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayStep {
    /// Who stepped (an index into [`Program::threads`]).
    pub thread: usize,
    /// The 1-based source line of the step.
    pub line: u32,
    /// The step as code, as [`Program::steps_of`] lists it.
    pub text: String,
    /// Shared variables and locks after the step: `balance=5 m=w0`.
    pub state: String,
    /// The stepping thread's registers after the step: `r=5`.
    pub registers: String,
}

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
    let mut st = p.init.clone();
    let mut steps = Vec::with_capacity(schedule.len());
    for (position, &u) in schedule.iter().enumerate() {
        let fail = |message: String| Err(ReplayError { position, message });
        if st[FAULT] != 0 {
            return fail(format!(
                "the schedule already ended badly ({}); nothing steps after that",
                p.ending(&st)
            ));
        }
        let Some(unit) = p.units.get(u) else {
            return fail(format!(
                "thread {u} does not exist (threads 0..={})",
                p.units.len() - 1
            ));
        };
        let code = p.code(u);
        let info = usize::try_from(st[unit.pc])
            .ok()
            .and_then(|pc| code.step_of.get(pc))
            .and_then(|&k| code.steps.get(k as usize))
            .cloned()
            .unwrap_or_default();
        let mut next = st.clone();
        let mut text = info.text;
        match p.run(&mut next, u, false) {
            Exec::Stepped | Exec::Faulted => {}
            Exec::Parked { lock } => {
                let by = p
                    .holder(&st, lock)
                    .map_or("nobody", |h| p.units[h].name.as_str());
                text = format!("{text} (blocks: {} is held by {by})", p.lock_name(lock));
            }
            Exec::Finished => {
                return fail(format!("thread {u} ({}) has already finished", unit.name));
            }
            Exec::Blocked { lock } => {
                let by = p
                    .holder(&st, lock)
                    .map_or("nobody", |h| p.units[h].name.as_str());
                return fail(format!(
                    "thread {u} ({}) is blocked: its next step takes {} held by {by}",
                    unit.name,
                    p.lock_name(lock)
                ));
            }
            Exec::NotItsTurn => {
                let running = usize::try_from(st[CUR_TASK] - 1)
                    .ok()
                    .and_then(|t| p.units.get(t))
                    .map_or("?", |t| t.name.as_str());
                return fail(format!(
                    "task {u} ({}) cannot run now: task {running} runs until it awaits or ends",
                    unit.name
                ));
            }
        }
        st = next;
        steps.push(ReplayStep {
            thread: u,
            line: info.line,
            text,
            state: p.state_text(&st),
            registers: p.registers_text(&st, u),
        });
    }
    let ending = ending(p, &st, schedule.len())?;
    Ok(Replay { steps, ending })
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
