//! The compiled program: each thread's code as operations over one flat state of integers
//! (the layout is in `step`), and the evaluator for the register-only expressions inside them.

use super::StepInfo;
use super::expr::BinOp;

/// An expression over registers and constants (and, in checks only, shared variables): what is
/// left of an expression once its shared reads have become steps of their own.
#[derive(Debug, Clone)]
pub(super) enum LExpr {
    Const(i64),
    /// A local slot of the running thread: a register or a temporary.
    Local(u8),
    /// A shared variable read directly (checks only): first slot, length, index.
    Shared {
        slot: usize,
        len: u32,
        index: Option<Box<LExpr>>,
    },
    Neg(Box<LExpr>),
    Not(Box<LExpr>),
    Bin(BinOp, Box<LExpr>, Box<LExpr>),
}

/// Why an evaluation stopped: each is a bad ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EvalError {
    Overflow,
    DivZero,
    Index { value: i64, len: u32 },
}

/// The value of `e` in state `st`, for the thread whose locals start at `base`.
pub(super) fn eval(e: &LExpr, st: &[i64], base: usize) -> Result<i64, EvalError> {
    Ok(match e {
        LExpr::Const(v) => *v,
        LExpr::Local(l) => st[base + usize::from(*l)],
        LExpr::Shared { slot, len, index } => {
            let k = match index {
                Some(i) => element(eval(i, st, base)?, *len)?,
                None => 0,
            };
            st[slot + k]
        }
        LExpr::Neg(x) => eval(x, st, base)?
            .checked_neg()
            .ok_or(EvalError::Overflow)?,
        LExpr::Not(x) => i64::from(eval(x, st, base)? == 0),
        LExpr::Bin(BinOp::And, l, r) => {
            i64::from(eval(l, st, base)? != 0 && eval(r, st, base)? != 0)
        }
        LExpr::Bin(BinOp::Or, l, r) => {
            i64::from(eval(l, st, base)? != 0 || eval(r, st, base)? != 0)
        }
        LExpr::Bin(op, l, r) => arith(*op, eval(l, st, base)?, eval(r, st, base)?)?,
    })
}

/// `op` applied to `l` and `r`, computed now when both are constants (and that cannot fail).
pub(super) fn fold(op: BinOp, l: LExpr, r: LExpr) -> LExpr {
    if let (LExpr::Const(a), LExpr::Const(b)) = (&l, &r)
        && let Ok(v) = arith(op, *a, *b)
    {
        return LExpr::Const(v);
    }
    LExpr::Bin(op, Box::new(l), Box::new(r))
}

/// An index checked against an array's length.
pub(super) fn element(value: i64, len: u32) -> Result<usize, EvalError> {
    match usize::try_from(value) {
        Ok(k) if k < len as usize => Ok(k),
        _ => Err(EvalError::Index { value, len }),
    }
}

fn arith(op: BinOp, a: i64, b: i64) -> Result<i64, EvalError> {
    let v = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div | BinOp::Rem if b == 0 => return Err(EvalError::DivZero),
        BinOp::Div => a.checked_div_euclid(b),
        BinOp::Rem => a.checked_rem_euclid(b),
        BinOp::Eq => Some(i64::from(a == b)),
        BinOp::Ne => Some(i64::from(a != b)),
        BinOp::Lt => Some(i64::from(a < b)),
        BinOp::Le => Some(i64::from(a <= b)),
        BinOp::Gt => Some(i64::from(a > b)),
        BinOp::Ge => Some(i64::from(a >= b)),
        BinOp::And => Some(i64::from(a != 0 && b != 0)),
        BinOp::Or => Some(i64::from(a != 0 || b != 0)),
    };
    v.ok_or(EvalError::Overflow)
}

/// One operation. Shared accesses (`access`) are where steps split.
#[derive(Debug, Clone)]
pub(super) enum OpKind {
    Load {
        dst: u8,
        var: u16,
        index: Option<LExpr>,
    },
    Store {
        var: u16,
        index: Option<LExpr>,
        value: LExpr,
    },
    Atomic {
        var: u16,
        index: Option<LExpr>,
        delta: LExpr,
        sub: bool,
    },
    Lock {
        lock: u16,
        index: Option<LExpr>,
    },
    Unlock {
        lock: u16,
        index: Option<LExpr>,
    },
    Set {
        dst: u8,
        value: LExpr,
    },
    /// Jump to `target` when the truth of `cond` is `when`.
    Branch {
        cond: LExpr,
        when: bool,
        target: u32,
    },
    /// A jump that is no step of its own (the end of a branch, a loop's way back).
    Jump {
        target: u32,
    },
    Assert {
        cond: LExpr,
    },
    Nop,
    Await,
}

/// An operation and the statement it belongs to.
#[derive(Debug, Clone)]
pub(super) struct Op {
    pub kind: OpKind,
    /// Index of the statement in its code; [`NO_STMT`] for jumps.
    pub stmt: u32,
    /// Whether it reads or writes shared state or a lock.
    pub access: bool,
}

/// The statement of a jump, which belongs to none.
pub(super) const NO_STMT: u32 = u32::MAX;

/// The code of one thread or task declaration (copies share it).
#[derive(Debug, Clone)]
pub(super) struct Code {
    pub ops: Vec<Op>,
    /// `resolve[i]`: where execution really continues when it reaches `i` (jumps followed).
    pub resolve: Vec<u32>,
    /// Locals live on entry to each op (and at the end, none): the others are zeroed.
    pub live: Vec<u64>,
    /// Steps deep each op lies (code without loops only): see `flow`.
    pub depth: Vec<u32>,
    /// For each op that can start a step, the index of that step in `steps`.
    pub step_of: Vec<u32>,
    pub steps: Vec<StepInfo>,
    /// Source text of each statement.
    pub sources: Vec<String>,
    /// Registers and temporaries.
    pub locals: u8,
    /// Register names (slots `0..regs.len()`; temporaries follow).
    pub regs: Vec<String>,
}

/// One thread or task as scheduled: a copy of a declaration.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    /// Display name: `w0`, or `p#0` for a copy.
    pub name: String,
    pub code: usize,
    pub task: bool,
    /// Scheduling group: its own index for a thread, one shared group for all tasks.
    pub group: u8,
    /// Slot of the program counter; locals follow it.
    pub pc: usize,
}

/// A shared variable: its first slot and, for an array, its length.
#[derive(Debug, Clone)]
pub(super) struct SharedVar {
    pub name: String,
    pub slot: usize,
    pub len: Option<u32>,
}

/// A check after the threads.
#[derive(Debug, Clone)]
pub(super) struct Check {
    pub cond: LExpr,
    pub line: u32,
    pub text: String,
    /// Shared variables it reads (indices into `shared`), to show their values.
    pub vars: Vec<usize>,
}

/// A parsed and compiled program, ready to [`check`](super::check) or [`replay`](super::replay).
#[derive(Debug, Clone)]
pub struct Program {
    pub(super) units: Vec<Unit>,
    pub(super) codes: Vec<Code>,
    pub(super) shared: Vec<SharedVar>,
    /// Locks declared (a `SharedVar` each: slots hold the holder + 1, or 0 when free).
    pub(super) locks: Vec<SharedVar>,
    /// Name of each lock slot, `m` or `f[2]`, from the first lock slot on.
    pub(super) lock_names: Vec<String>,
    pub(super) locks_base: usize,
    pub(super) checks: Vec<Check>,
    pub(super) init: Vec<i64>,
    pub(super) has_loops: bool,
}

impl Program {
    /// Display names of the threads and tasks, copies expanded (`w0`, `p#0`, `p#1`, …): a
    /// schedule's entries index this list.
    pub fn threads(&self) -> Vec<String> {
        self.units.iter().map(|u| u.name.clone()).collect()
    }

    /// The steps thread `thread` can take, in code order, so the page can show how each line
    /// splits into steps; empty for an index out of range.
    pub fn steps_of(&self, thread: usize) -> Vec<StepInfo> {
        self.units
            .get(thread)
            .map(|u| self.codes[u.code].steps.clone())
            .unwrap_or_default()
    }

    /// The code of unit `u`.
    pub(super) fn code(&self, u: usize) -> &Code {
        &self.codes[self.units[u].code]
    }
}

impl Program {
    /// Names of the lock slots in declaration order (`m`, `fork[0]`, …): a walk's `locks` and
    /// a model's shared state list them in this order.
    pub fn lock_names(&self) -> &[String] {
        &self.lock_names
    }
}
