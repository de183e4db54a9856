//! The step machine: each worker's program as a list of operations, the shared state they act
//! on, and what one step does. Small enough to print whole, exact enough to count.

use crate::catalogue::{LessonId, StrategyId};
use serde::Serialize;

/// One operation of a worker's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// `r ← load balance`.
    Load,
    /// `store balance ← r + delta`.
    Store {
        /// What is added to the register.
        delta: i64,
    },
    /// `balance ← balance + delta` in one indivisible step.
    AtomicAdd {
        /// What is added.
        delta: i64,
    },
    /// Take a lock; cannot be taken while another worker holds it.
    Lock {
        /// Which lock.
        lock: usize,
    },
    /// Let a lock go.
    Unlock {
        /// Which lock.
        lock: usize,
    },
}

/// Names of the locks: the race's one mutex, the deadlock's A and B.
pub const LOCK_NAMES: [&str; 2] = ["A", "B"];

impl Op {
    /// The operation as a line of code.
    pub fn code(self, lesson: LessonId) -> String {
        let lock = |l: usize| match lesson {
            LessonId::Race => "mutex".to_string(),
            _ => LOCK_NAMES.get(l).copied().unwrap_or("?").to_string(),
        };
        match self {
            Op::Load => "r ← load balance".into(),
            Op::Store { delta } if delta >= 0 => format!("store balance ← r + {delta}"),
            Op::Store { delta } => format!("store balance ← r − {}", -delta),
            Op::AtomicAdd { delta } if delta >= 0 => format!("balance += {delta} (atomic)"),
            Op::AtomicAdd { delta } => format!("balance −= {} (atomic)", -delta),
            Op::Lock { lock: l } => format!("lock {}", lock(l)),
            Op::Unlock { lock: l } => format!("unlock {}", lock(l)),
        }
    }
}

/// The shared state and every worker's private state at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct State {
    /// Next operation of each worker (its program counter).
    pub pc: Vec<usize>,
    /// Each worker's register `r`.
    pub reg: Vec<i64>,
    /// The shared balance.
    pub balance: i64,
    /// Who holds each lock.
    pub holder: Vec<Option<usize>>,
}

/// The programs of one model: what each worker runs, and how a finished schedule is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Which lesson the model is of.
    pub lesson: LessonId,
    /// Which strategy.
    pub strategy: StrategyId,
    /// `programs[w]` is worker `w`'s code.
    pub programs: Vec<Vec<Op>>,
}

/// Why a worker cannot take its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stuck {
    /// It has run its whole program.
    Finished,
    /// Its next step takes a lock another worker holds.
    Blocked {
        /// The lock.
        lock: usize,
        /// Who holds it.
        holder: usize,
    },
}

impl Machine {
    /// Workers in the model.
    pub fn workers(&self) -> usize {
        self.programs.len()
    }

    /// The state before any step.
    pub fn start(&self) -> State {
        State {
            pc: vec![0; self.workers()],
            reg: vec![0; self.workers()],
            balance: 0,
            holder: vec![None; LOCK_NAMES.len()],
        }
    }

    /// Whether worker `w` can step in `s`, and if not, why.
    pub fn can_step(&self, s: &State, w: usize) -> Result<Op, Stuck> {
        let op = *self.programs[w].get(s.pc[w]).ok_or(Stuck::Finished)?;
        if let Op::Lock { lock } = op
            && let Some(holder) = s.holder[lock]
            && holder != w
        {
            return Err(Stuck::Blocked { lock, holder });
        }
        Ok(op)
    }

    /// Workers that can step in `s`, in order.
    pub fn enabled(&self, s: &State) -> impl Iterator<Item = usize> + '_ {
        let s = s.clone();
        (0..self.workers()).filter(move |w| self.can_step(&s, *w).is_ok())
    }

    /// Take worker `w`'s next step (it must be able to).
    pub fn step(&self, s: &mut State, w: usize, op: Op) {
        match op {
            Op::Load => s.reg[w] = s.balance,
            Op::Store { delta } => s.balance = s.reg[w] + delta,
            Op::AtomicAdd { delta } => s.balance += delta,
            Op::Lock { lock } => s.holder[lock] = Some(w),
            Op::Unlock { lock } => s.holder[lock] = None,
        }
        s.pc[w] += 1;
    }

    /// Whether a schedule that ended in `s` went wrong: the race's balance is not 0, or a worker
    /// never finished (deadlock).
    pub fn wrong(&self, s: &State) -> bool {
        let unfinished = (0..self.workers()).any(|w| s.pc[w] < self.programs[w].len());
        unfinished || s.balance != 0
    }

    /// Steps in every program together: the longest a schedule can be.
    pub fn total_steps(&self) -> usize {
        self.programs.iter().map(Vec::len).sum()
    }

    /// Upper bound on the number of schedules: the interleavings of the programs as if nothing
    /// ever blocked, (Σ nᵢ)! / Π nᵢ!; `None` above `u128`. Exact when no step can block.
    pub fn interleavings(&self) -> Option<u128> {
        let mut total: u128 = 1;
        let mut placed: u128 = 0;
        for p in &self.programs {
            // Multiply by C(placed + k, k) one factor at a time; each partial product is a
            // binomial coefficient, so every division is exact.
            for k in 1..=p.len() as u128 {
                placed += 1;
                total = total.checked_mul(placed)? / k;
            }
        }
        Some(total)
    }
}
