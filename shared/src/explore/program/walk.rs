//! Walking a schedule one step at a time: what the page's stepper shows after each step (every
//! thread's next step and whether it can take it, the shared state, how the schedule ended) and
//! the two moments a learner should not miss, marked on the step where they happen: a write
//! that overwrites another thread's update (a *lost* write) and a lock that leaves another
//! thread waiting.

use std::collections::HashMap;

use serde::Serialize;

use super::Program;
use super::step::{Access, CUR_TASK, Exec, FAULT, Seen};

/// A schedule walked so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Walk {
    /// Every step, in order.
    pub steps: Vec<WalkStep>,
    /// Every thread as it stands now.
    pub threads: Vec<ThreadNow>,
    /// Shared variables and locks now: `balance=5 m=w0`.
    pub state: String,
    /// Each shared variable's value now (`name`, or `name[k]` for an array element).
    pub values: Vec<(String, i64)>,
    /// Each lock now and who holds it (a thread index).
    pub locks: Vec<(String, Option<usize>)>,
    /// How the schedule ended, once nothing can step or a step went wrong.
    pub ended: Option<Ended>,
}

/// How a schedule ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ended {
    /// In words naming the line; "every thread finished, every check held" when it ended well.
    pub text: String,
    /// Whether it is a bad ending.
    pub bad: bool,
}

/// What a good ending reads.
pub const ENDED_WELL: &str = "every thread finished, every check held";

/// One step taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkStep {
    /// Who stepped (an index into [`Program::threads`]).
    pub thread: usize,
    /// The 1-based source line of the step.
    pub line: u32,
    /// The step as code, as [`Program::steps_of`] lists it.
    pub text: String,
    /// Shared variables and locks after the step.
    pub state: String,
    /// The stepping thread's registers after the step: `r=5`.
    pub registers: String,
    /// A write whose thread last read that variable before another thread wrote it: the other
    /// thread's update is overwritten (for `balance = r + 5` after a stale `r = balance`, the
    /// lost update).
    pub lost: bool,
    /// A step after which a thread waits for a lock (another for one this step took, or the
    /// stepping thread for one another holds), or a task that found its lock held and now
    /// blocks every task.
    pub blocked: bool,
    /// What `lost` or `blocked` means here, in words; empty otherwise.
    pub note: String,
}

/// A thread as it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadNow {
    /// Its display name (`w0`, `p#1`).
    pub name: String,
    /// The index (into [`Program::steps_of`]) of its next step; `None` once finished.
    pub next: Option<usize>,
    /// Whether it can take that step now.
    pub status: Status,
    /// Its registers: name and value.
    pub registers: Vec<(String, i64)>,
}

/// Whether a thread can step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    /// It can take its next step.
    Ready,
    /// Its next step takes a lock another holds.
    Blocked {
        /// The lock's name (`m`, `fork[2]`).
        lock: String,
        /// Who holds it.
        holder: Option<usize>,
    },
    /// A task while another task runs.
    Waiting {
        /// The running task.
        running: usize,
    },
    /// It has run its last step.
    Finished,
    /// The schedule ended badly at a step that went wrong: nothing steps any more.
    Stopped,
}

/// Why a schedule could not be walked at some position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule position {position}: {refused}")]
pub struct WalkError {
    /// 0-based position in the schedule.
    pub position: usize,
    /// Why that step cannot be taken.
    pub refused: Refused,
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A thread index out of range.
    #[error("thread {thread} does not exist (threads 0..={})", threads - 1)]
    NoSuchThread {
        /// The index given.
        thread: usize,
        /// How many threads there are.
        threads: usize,
    },
    /// The thread has finished.
    #[error("thread {thread} ({name}) has already finished")]
    Finished {
        /// Its index.
        thread: usize,
        /// Its name.
        name: String,
    },
    /// Its next step takes a held lock.
    #[error("thread {thread} ({name}) is blocked: its next step takes {lock} held by {holder}")]
    Blocked {
        /// Its index.
        thread: usize,
        /// Its name.
        name: String,
        /// The lock.
        lock: String,
        /// The holder's name (or "nobody").
        holder: String,
        /// The holder's index.
        holder_index: Option<usize>,
    },
    /// A task while another runs.
    #[error("task {thread} ({name}) cannot run now: task {running} runs until it awaits or ends")]
    NotItsTurn {
        /// Its index.
        thread: usize,
        /// Its name.
        name: String,
        /// The running task's name.
        running: String,
    },
    /// A step already went wrong.
    #[error("the schedule already ended badly ({ending}); nothing steps after that")]
    AlreadyEnded {
        /// How it ended.
        ending: String,
    },
}

/// Records the shared accesses of one step.
#[derive(Default)]
struct Accesses(Vec<(usize, Access)>);

impl Seen for Accesses {
    fn access(&mut self, slot: usize, how: Access) {
        self.0.push((slot, how));
    }
}

/// Walk `schedule` (thread indices) from the start; it may stop anywhere.
pub fn walk(p: &Program, schedule: &[usize]) -> Result<Walk, WalkError> {
    let mut st = p.init.clone();
    let mut steps = Vec::with_capacity(schedule.len());
    // (thread, slot) → the step of the thread's last read of the slot.
    let mut last_read: HashMap<(usize, usize), usize> = HashMap::new();
    // slot → every write to it: (step, thread).
    let mut writes: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (position, &u) in schedule.iter().enumerate() {
        let refuse = |refused: Refused| Err(WalkError { position, refused });
        if st[FAULT] != 0 {
            return refuse(Refused::AlreadyEnded {
                ending: p.ending(&st),
            });
        }
        let Some(unit) = p.units.get(u) else {
            return refuse(Refused::NoSuchThread {
                thread: u,
                threads: p.units.len(),
            });
        };
        let name = unit.name.clone();
        let info = p.next_step(&st, u).unwrap_or_default();
        let waiting_before = waiting(p, &st);
        let mut next = st.clone();
        let mut seen = Accesses::default();
        let mut text = info.text;
        let (mut blocked, mut note) = (false, String::new());
        match p.run_seen(&mut next, u, false, &mut seen) {
            Exec::Stepped | Exec::Faulted => {}
            Exec::Parked { lock } => {
                let by = p.holder_name(&st, lock);
                text = format!("{text} (blocks: {} is held by {by})", p.lock_name(lock));
                blocked = true;
                note = format!(
                    "{name} found {} held by {by}: it blocks, and no other task can run",
                    p.lock_name(lock)
                );
            }
            Exec::Finished => return refuse(Refused::Finished { thread: u, name }),
            Exec::Blocked { lock } => {
                return refuse(Refused::Blocked {
                    thread: u,
                    name,
                    lock: p.lock_name(lock).to_string(),
                    holder: p.holder_name(&st, lock),
                    holder_index: p.holder(&st, lock),
                });
            }
            Exec::NotItsTurn => {
                return refuse(Refused::NotItsTurn {
                    thread: u,
                    name,
                    running: running(p, &st).map_or("?".into(), |t| p.units[t].name.clone()),
                });
            }
        }
        st = next;
        let mut lost = false;
        for &(slot, how) in &seen.0 {
            match how {
                Access::Read => {
                    last_read.insert((u, slot), position);
                }
                Access::Write | Access::Atomic => {
                    let history = writes.entry(slot).or_default();
                    if how == Access::Write
                        && let Some(&read) = last_read.get(&(u, slot))
                        && let Some(&(at, by)) =
                            history.iter().rev().find(|&&(at, by)| at > read && by != u)
                    {
                        lost = true;
                        note = format!(
                            "lost update: {name} writes {} from a value it read at step {}, \
                             overwriting what {} wrote at step {}",
                            p.slot_name(slot),
                            read + 1,
                            p.units[by].name,
                            at + 1
                        );
                    }
                    history.push((position, u));
                }
            }
        }
        // Every thread this step left waiting: another for a lock it took, or itself for one
        // another holds (the step that closes a deadlock's cycle does both).
        for (v, lock) in waiting(p, &st) {
            if !waiting_before.iter().any(|&(w, _)| w == v) {
                blocked = true;
                let waits = format!(
                    "{} now waits for {}, held by {}",
                    p.units[v].name,
                    p.lock_name(lock),
                    p.holder_name(&st, lock)
                );
                note = if note.is_empty() {
                    waits
                } else {
                    format!("{note}; {waits}")
                };
            }
        }
        steps.push(WalkStep {
            thread: u,
            line: info.line,
            text,
            state: p.state_text(&st),
            registers: p.registers_text(&st, u),
            lost,
            blocked,
            note,
        });
    }
    Ok(p.now(&st, steps))
}

/// Threads whose next step takes a held lock, and that lock's slot.
fn waiting(p: &Program, st: &[i64]) -> Vec<(usize, usize)> {
    (0..p.units.len())
        .filter_map(|v| match p.run(&mut st.to_vec(), v, false) {
            Exec::Blocked { lock } => Some((v, lock)),
            _ => None,
        })
        .collect()
}

/// The task running on the tasks' thread, if one is.
fn running(p: &Program, st: &[i64]) -> Option<usize> {
    usize::try_from(st[CUR_TASK] - 1)
        .ok()
        .filter(|&t| t < p.units.len())
}

impl Program {
    /// Thread `u`'s next step in `st`, `None` once it has finished.
    fn next_step(&self, st: &[i64], u: usize) -> Option<super::StepInfo> {
        let code = self.code(u);
        usize::try_from(st[self.units[u].pc])
            .ok()
            .and_then(|pc| code.step_of.get(pc))
            .and_then(|&k| code.steps.get(k as usize))
            .cloned()
    }

    /// The index of thread `u`'s next step among its steps.
    fn next_index(&self, st: &[i64], u: usize) -> Option<usize> {
        let code = self.code(u);
        usize::try_from(st[self.units[u].pc])
            .ok()
            .and_then(|pc| code.step_of.get(pc))
            .map(|&k| k as usize)
            .filter(|&k| k < code.steps.len())
    }

    /// The name of whoever holds the lock in `slot`, or "nobody".
    fn holder_name(&self, st: &[i64], slot: usize) -> String {
        self.holder(st, slot)
            .map_or("nobody".into(), |h| self.units[h].name.clone())
    }

    /// A shared slot's name: `balance`, `flags[1]`.
    fn slot_name(&self, slot: usize) -> String {
        self.shared
            .iter()
            .find_map(|v| match v.len {
                None if v.slot == slot => Some(v.name.clone()),
                Some(n) if (v.slot..v.slot + n as usize).contains(&slot) => {
                    Some(format!("{}[{}]", v.name, slot - v.slot))
                }
                _ => None,
            })
            .unwrap_or_else(|| "?".into())
    }

    /// Everything the stepper shows of `st`, after `steps`.
    fn now(&self, st: &[i64], steps: Vec<WalkStep>) -> Walk {
        let stopped = st[FAULT] != 0;
        let threads = (0..self.units.len())
            .map(|u| {
                let unit = &self.units[u];
                let status = if stopped {
                    Status::Stopped
                } else {
                    match self.run(&mut st.to_vec(), u, false) {
                        Exec::Finished => Status::Finished,
                        Exec::Blocked { lock } => Status::Blocked {
                            lock: self.lock_name(lock).to_string(),
                            holder: self.holder(st, lock),
                        },
                        Exec::NotItsTurn => Status::Waiting {
                            running: running(self, st).unwrap_or(0),
                        },
                        Exec::Stepped | Exec::Faulted | Exec::Parked { .. } => Status::Ready,
                    }
                };
                let regs = &self.codes[unit.code].regs;
                ThreadNow {
                    name: unit.name.clone(),
                    next: if self.finished(st, u) {
                        None
                    } else {
                        self.next_index(st, u)
                    },
                    status,
                    registers: regs
                        .iter()
                        .enumerate()
                        .map(|(k, r)| (r.clone(), st[unit.pc + 1 + k]))
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        let ended = (stopped || threads.iter().all(|t| t.status != Status::Ready)).then(|| {
            let text = self.ending(st);
            Ended {
                bad: !text.is_empty(),
                text: if text.is_empty() {
                    ENDED_WELL.to_string()
                } else {
                    text
                },
            }
        });
        let mut values = Vec::new();
        for v in &self.shared {
            match v.len {
                None => values.push((v.name.clone(), st[v.slot])),
                Some(n) => {
                    for k in 0..n as usize {
                        values.push((format!("{}[{k}]", v.name), st[v.slot + k]));
                    }
                }
            }
        }
        let locks = (0..self.lock_names.len())
            .map(|k| {
                let slot = self.locks_base + k;
                (self.lock_name(slot).to_string(), self.holder(st, slot))
            })
            .collect();
        Walk {
            steps,
            threads,
            state: self.state_text(st),
            values,
            locks,
            ended,
        }
    }
}
