//! One step of one thread over the flat state, the successors of a state, liveness of locals,
//! and the state's compact encoding for the hash table.
//!
//! The state is a slice of integers: a header (a fault, if a step went wrong; the running task;
//! the last thread to step and the preemptions used, kept only under a preemption bound), the
//! shared variables, the locks (holder + 1, or 0 when free), then per thread its program
//! counter and its locals.

use super::ir::{EvalError, LExpr, OpKind, Program, SharedVar, element, eval};

/// The fault of the step that went wrong, encoded by [`Fault::encode`]; 0 if none.
pub(super) const FAULT: usize = 0;
/// The fault's value (the index out of range, the lock unlocked).
pub(super) const FAULT_VAL: usize = 1;
/// The task running on the tasks' thread + 1; 0 when any task may be chosen.
pub(super) const CUR_TASK: usize = 2;
/// Scheduling group of the last step + 1 (under a preemption bound only).
pub(super) const LAST: usize = 3;
/// Preemptions used so far (under a preemption bound only).
pub(super) const USED: usize = 4;
/// Slots before the shared variables.
pub(super) const HEADER: usize = 5;

/// What went wrong in a step: each is a bad ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    Assert,
    Overflow,
    DivZero,
    Index {
        value: i64,
        len: u32,
    },
    /// `unlock` of the lock in this slot by a thread that does not hold it.
    Unlock {
        slot: usize,
    },
}

impl From<EvalError> for Fault {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::Overflow => Fault::Overflow,
            EvalError::DivZero => Fault::DivZero,
            EvalError::Index { value, len } => Fault::Index { value, len },
        }
    }
}

impl Fault {
    /// The fault of thread `u` at op `op` as the two slots `FAULT`, `FAULT_VAL`.
    fn encode(self, u: usize, op: usize) -> (i64, i64) {
        let (kind, len, val) = match self {
            Fault::Assert => (1, 0, 0),
            Fault::Overflow => (2, 0, 0),
            Fault::DivZero => (3, 0, 0),
            Fault::Index { value, len } => (4, len, value),
            Fault::Unlock { slot } => (5, 0, slot as i64),
        };
        (
            kind | (u as i64) << 8 | i64::from(len) << 16 | (op as i64) << 32,
            val,
        )
    }

    /// The fault, the thread and the op from the two slots.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn decode(code: i64, val: i64) -> (Fault, usize, usize) {
        let len = ((code >> 16) & 0xffff) as u32;
        let fault = match code & 0xff {
            1 => Fault::Assert,
            2 => Fault::Overflow,
            3 => Fault::DivZero,
            4 => Fault::Index { value: val, len },
            _ => Fault::Unlock {
                slot: usize::try_from(val).unwrap_or(0),
            },
        };
        (fault, ((code >> 8) & 0xff) as usize, (code >> 32) as usize)
    }
}

/// How a step touched a shared slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
    /// A read and a write in one indivisible step.
    Atomic,
}

/// Told of every shared access of a step. The search passes `()`; the stepper records.
pub(super) trait Seen {
    fn access(&mut self, slot: usize, how: Access);
}

impl Seen for () {
    #[inline(always)]
    fn access(&mut self, _: usize, _: Access) {}
}

/// What trying to step a thread did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exec {
    Stepped,
    /// It stepped and the step went wrong: the state holds the fault.
    Faulted,
    /// Its next step takes the lock in this slot, which is held.
    Blocked {
        lock: usize,
    },
    /// A task chosen to run next whose first step takes the held lock in this slot: it now
    /// runs, blocked, and holds up every other task (as a blocking lock in async code does).
    Parked {
        lock: usize,
    },
    Finished,
    /// A task while another task runs.
    NotItsTurn,
}

/// Why an op stopped the step.
enum Stop {
    Blocked(usize),
    Fault(Fault),
}

impl From<EvalError> for Stop {
    fn from(e: EvalError) -> Self {
        Stop::Fault(e.into())
    }
}

/// How control goes on after an op.
enum Flow {
    Next,
    Jump(u32),
    Await,
}

/// The successors of one state: each thread that could step and the state after its step.
pub(super) struct Succs {
    buf: Vec<i64>,
    width: usize,
    pub units: Vec<usize>,
}

impl Succs {
    pub fn new(width: usize) -> Self {
        Succs {
            buf: Vec::new(),
            width,
            units: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn get(&self, k: usize) -> &[i64] {
        &self.buf[k * self.width..(k + 1) * self.width]
    }
}

impl Program {
    /// Slots in a state.
    pub(super) fn width(&self) -> usize {
        self.init.len()
    }

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn finished(&self, st: &[i64], u: usize) -> bool {
        st[self.units[u].pc] as usize >= self.code(u).ops.len()
    }

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn all_finished(&self, st: &[i64]) -> bool {
        (0..self.units.len()).all(|u| self.finished(st, u))
    }

    /// The layered engine's rank (code without loops, where every step raises it): twice the
    /// steps taken so far by the longest route to where each thread is, summed, plus one while a
    /// task runs (so choosing a task that blocks at once raises it too); a state whose last step
    /// went wrong goes after every other.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn rank(&self, st: &[i64]) -> usize {
        if st[FAULT] != 0 {
            return self.max_rank();
        }
        let depths: usize = self
            .units
            .iter()
            .map(|u| {
                let depth = &self.codes[u.code].depth;
                depth.get(st[u.pc] as usize).map_or(0, |&d| d as usize)
            })
            .sum();
        2 * depths + usize::from(st[CUR_TASK] != 0)
    }

    /// The rank of `next`, the state after thread `u` stepped from `st` of rank `r`.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn rank_after(&self, r: usize, st: &[i64], next: &[i64], u: usize) -> usize {
        if next[FAULT] != 0 {
            return self.max_rank();
        }
        let unit = &self.units[u];
        let depth = &self.codes[unit.code].depth;
        let at = |s: &[i64]| {
            depth
                .get(s[unit.pc] as usize)
                .map_or(0, |&d| 2 * d as usize)
        };
        let running = |s: &[i64]| usize::from(s[CUR_TASK] != 0);
        r + at(next) + running(next) - at(st) - running(st)
    }

    /// The highest rank.
    pub(super) fn max_rank(&self) -> usize {
        let deepest = |u: &super::ir::Unit| {
            let depth = &self.codes[u.code].depth;
            depth.iter().copied().max().unwrap_or(0) as usize
        };
        2 * self.units.iter().map(deepest).sum::<usize>() + 2
    }

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn turn(&self, st: &[i64], u: usize) -> bool {
        !self.units[u].task || st[CUR_TASK] == 0 || st[CUR_TASK] == u as i64 + 1
    }

    /// Take thread `u`'s next step in `st` (left as it was if it cannot step, but for its
    /// locals). With `canon`, locals dead after the step are zeroed.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn run(&self, st: &mut [i64], u: usize, canon: bool) -> Exec {
        self.run_seen(st, u, canon, &mut ())
    }

    /// [`Program::run`], telling `seen` each shared slot the step reads or writes (the
    /// stepper marks lost writes with it; the search passes `()`, which costs nothing).
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn run_seen(
        &self,
        st: &mut [i64],
        u: usize,
        canon: bool,
        seen: &mut impl Seen,
    ) -> Exec {
        if !self.turn(st, u) {
            return Exec::NotItsTurn;
        }
        let (exec, awaited) = self.exec(st, u, canon, seen);
        if !self.units[u].task {
            return exec;
        }
        match exec {
            Exec::Stepped => {
                st[CUR_TASK] = if awaited || self.finished(st, u) {
                    0
                } else {
                    u as i64 + 1
                };
            }
            Exec::Blocked { lock } if st[CUR_TASK] == 0 => {
                st[CUR_TASK] = u as i64 + 1;
                return Exec::Parked { lock };
            }
            _ => {}
        }
        exec
    }

    /// The step itself, and whether it ended with `await`.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn exec(&self, st: &mut [i64], u: usize, canon: bool, seen: &mut impl Seen) -> (Exec, bool) {
        let unit = &self.units[u];
        let code = &self.codes[unit.code];
        let len = code.ops.len();
        let mut pc = st[unit.pc] as usize;
        if pc >= len {
            return (Exec::Finished, false);
        }
        let stmt = code.ops[pc].stmt;
        let (mut accessed, mut awaited) = (false, false);
        for _ in 0..=len {
            let op = &code.ops[pc];
            if op.access {
                if accessed {
                    break;
                }
                accessed = true;
            }
            let next = match self.op(st, u, &op.kind, seen) {
                Ok(Flow::Next) => pc + 1,
                Ok(Flow::Jump(t)) => t as usize,
                Ok(Flow::Await) => {
                    awaited = true;
                    pc + 1
                }
                Err(Stop::Blocked(lock)) => return (Exec::Blocked { lock }, false),
                Err(Stop::Fault(f)) => {
                    let (code, val) = f.encode(u, pc);
                    st[FAULT] = code;
                    st[FAULT_VAL] = val;
                    st[unit.pc] = (pc + 1) as i64;
                    return (Exec::Faulted, false);
                }
            };
            pc = code.resolve[next] as usize;
            if awaited || pc >= len || code.ops[pc].stmt != stmt {
                break;
            }
        }
        st[unit.pc] = pc as i64;
        if canon {
            let live = code.live[pc];
            let locals = &mut st[unit.pc + 1..unit.pc + 1 + usize::from(code.locals)];
            for (l, v) in locals.iter_mut().enumerate() {
                if live >> l & 1 == 0 {
                    *v = 0;
                }
            }
        }
        (Exec::Stepped, awaited)
    }

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn op(
        &self,
        st: &mut [i64],
        u: usize,
        kind: &OpKind,
        seen: &mut impl Seen,
    ) -> Result<Flow, Stop> {
        let unit = &self.units[u];
        let base = unit.pc + 1;
        let slot = |var: &SharedVar, index: &Option<LExpr>, st: &[i64]| -> Result<usize, Stop> {
            match index {
                None => Ok(var.slot),
                Some(e) => Ok(var.slot + element(eval(e, st, base)?, var.len.unwrap_or(1))?),
            }
        };
        match kind {
            OpKind::Load { dst, var, index } => {
                let s = slot(&self.shared[usize::from(*var)], index, st)?;
                seen.access(s, Access::Read);
                st[base + usize::from(*dst)] = st[s];
            }
            OpKind::Store { var, index, value } => {
                let s = slot(&self.shared[usize::from(*var)], index, st)?;
                st[s] = eval(value, st, base)?;
                seen.access(s, Access::Write);
            }
            OpKind::Atomic {
                var,
                index,
                delta,
                sub,
            } => {
                let s = slot(&self.shared[usize::from(*var)], index, st)?;
                let d = eval(delta, st, base)?;
                let v = if *sub {
                    st[s].checked_sub(d)
                } else {
                    st[s].checked_add(d)
                };
                st[s] = v.ok_or(Stop::Fault(Fault::Overflow))?;
                seen.access(s, Access::Atomic);
            }
            OpKind::Lock { lock, index } => {
                let s = slot(&self.locks[usize::from(*lock)], index, st)?;
                if st[s] != 0 {
                    return Err(Stop::Blocked(s));
                }
                st[s] = u as i64 + 1;
            }
            OpKind::Unlock { lock, index } => {
                let s = slot(&self.locks[usize::from(*lock)], index, st)?;
                if st[s] != u as i64 + 1 {
                    return Err(Stop::Fault(Fault::Unlock { slot: s }));
                }
                st[s] = 0;
            }
            OpKind::Set { dst, value } => st[base + usize::from(*dst)] = eval(value, st, base)?,
            OpKind::Branch { cond, when, target } => {
                if (eval(cond, st, base)? != 0) == *when {
                    return Ok(Flow::Jump(*target));
                }
            }
            OpKind::Jump { target } => return Ok(Flow::Jump(*target)),
            OpKind::Assert { cond } => {
                if eval(cond, st, base)? == 0 {
                    return Err(Stop::Fault(Fault::Assert));
                }
            }
            OpKind::Nop => {}
            OpKind::Await => return Ok(Flow::Await),
        }
        Ok(Flow::Next)
    }

    /// Every thread's step from `st`, in thread order; under a preemption bound only those
    /// within it. None from a state whose last step went wrong.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub(super) fn expand(&self, st: &[i64], bound: Option<u32>, out: &mut Succs) {
        out.buf.clear();
        out.units.clear();
        if st[FAULT] != 0 {
            return;
        }
        for u in 0..self.units.len() {
            if self.finished(st, u) || !self.turn(st, u) {
                continue;
            }
            let at = out.buf.len();
            // Slot by slot: a block copy becomes a libc call per successor, and the step's first
            // loads would come from inside its wide stores (measured: about 10% slower).
            out.buf.reserve(st.len());
            for &v in st {
                out.buf.push(v);
            }
            match self.run(&mut out.buf[at..], u, true) {
                Exec::Stepped | Exec::Faulted | Exec::Parked { .. } => out.units.push(u),
                _ => out.buf.truncate(at),
            }
        }
        if let Some(b) = bound {
            self.bound(st, i64::from(b), out);
        }
    }

    /// Keep the steps within `b` preemptions and record the last group and the count.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn bound(&self, st: &[i64], b: i64, out: &mut Succs) {
        let w = out.width;
        let (last, used) = (st[LAST], st[USED]);
        let group = |u: usize| i64::from(self.units[u].group) + 1;
        let last_can = last != 0 && out.units.iter().any(|&u| group(u) == last);
        let mut keep = 0;
        for k in 0..out.units.len() {
            let u = out.units[k];
            let g = group(u);
            let used = used + i64::from(last_can && g != last);
            if used > b {
                continue;
            }
            if keep != k {
                out.buf.copy_within(k * w..(k + 1) * w, keep * w);
            }
            out.buf[keep * w + LAST] = g;
            out.buf[keep * w + USED] = used;
            out.units[keep] = u;
            keep += 1;
        }
        out.units.truncate(keep);
        out.buf.truncate(keep * w);
    }

    /// The first check that fails in a state where all have finished, and the evaluation
    /// error if it could not be evaluated.
    pub(super) fn failed_check(&self, st: &[i64]) -> Option<(usize, Option<EvalError>)> {
        self.checks
            .iter()
            .enumerate()
            .find_map(|(i, c)| match eval(&c.cond, st, 0) {
                Ok(0) => Some((i, None)),
                Ok(_) => None,
                Err(e) => Some((i, Some(e))),
            })
    }

    /// Whether a state nothing can step from is a bad ending.
    pub(super) fn is_bad_end(&self, st: &[i64]) -> bool {
        st[FAULT] != 0 || !self.all_finished(st) || self.failed_check(st).is_some()
    }
}

/// `st` as bytes: each slot a zigzag varint (most slots are small, so most take one byte).
pub(super) fn encode(st: &[i64], out: &mut Vec<u8>) {
    out.clear();
    encode_into(st, out);
}

/// [`encode`], appending to `out`.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
pub(super) fn encode_into(st: &[i64], out: &mut Vec<u8>) {
    for &v in st {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        while z >= 0x80 {
            out.push(z as u8 | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
    }
}

/// The inverse of [`encode`].
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
pub(super) fn decode(bytes: &[u8], st: &mut [i64]) {
    let mut i = 0;
    for s in st.iter_mut() {
        let (mut z, mut shift) = (0u64, 0u32);
        while let Some(&b) = bytes.get(i) {
            i += 1;
            if shift < 64 {
                z |= u64::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        *s = ((z >> 1) as i64) ^ -((z & 1) as i64);
    }
}
