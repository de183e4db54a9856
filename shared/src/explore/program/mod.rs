//! The explorer for a learner's own program: a few threads or async tasks over shared
//! integers, arrays and locks, typed in the page or read from a file, checked over every
//! interleaving.
//!
//! [`parse`] turns source into a [`Program`], or a [`ProgramError`] naming the line and column
//! and what was expected there. [`check`] visits every reachable state once, counts schedules
//! exactly over the state graph and finds the shortest schedule that ends badly; [`replay`]
//! walks one schedule step by step, so the learner can watch it go wrong.
//!
//! # The language
//! ```text
//! shared balance = 0, flags[2] = 0     # shared integers and arrays (64-bit)
//! lock m, fork[5]                      # mutexes, and arrays of them
//! thread w0:                           # one thread, preempted anywhere
//!     r = balance                      # `r`: the thread's own register (starts at 0)
//!     balance = r + 5
//! thread p x 5:                        # five copies p#0 … p#4; `me` is the copy's number
//!     lock fork[me]
//!     lock fork[(me + 1) % 5]
//!     unlock fork[(me + 1) % 5]
//!     unlock fork[me]
//! task t:                              # async tasks share one thread, switch only at `await`
//!     await
//! check balance == 0                   # judged when every thread has finished
//! ```
//! Statements: `x = e` (and `x += e`, `x -= e`: a read, then a write), `lock m`, `unlock m`,
//! `atomic x += e` / `atomic x -= e` (one indivisible step), `if` / `elif` / `else`, `while`,
//! `break`, `continue`, `pass`, `await` (tasks only), `assert cond`. A simple statement may follow
//! a block's `:` on the same line (`while flag == 1: pass`). Expressions: integers, `true`,
//! `false`, `me`, names, `a[i]`, `+ - * / %` (`/` and `%` round towards negative infinity, so
//! `(me - 1) % 5` is an index), comparisons (not chained), `and` / `or` / `not` (also `&&`,
//! `||`, `!`), which short-circuit: `i < 5 and a[i] == 0` never reads `a[5]`.
//!
//! # Steps
//! Every read or write of a shared variable, every `lock`, `unlock` and `atomic` is one step. A
//! line that touches several shared variables splits into one step per access, in reading order
//! (left to right, the write last); [`Program::steps_of`] lists the split. Register-only work
//! happens with the step it belongs to; a line with no shared access is one step of its own. A
//! `while` head is a step each time it is evaluated: the jump back from the end of the body lands
//! on the head, whose evaluation is the next step, so `while true: pass` takes two steps a turn
//! and makes a cycle in the state graph instead of hanging. `else:` is not a step.
//!
//! Any thread that can step may take the next step; a `lock` whose lock is held is not a step
//! (the thread waits). Tasks together are one thread: only the running task steps, until it
//! executes `await` or ends; then any unfinished task may go next. A task chosen next whose first
//! step takes a held lock starts running and blocks, holding up every other task, as a blocking
//! lock does in async code (choosing it is a step of its own, shown as `lock m (blocks: …)`).
//! A preemption is a step by another thread (all tasks counting as one) while the last thread to
//! step could still step.
//!
//! # Bad endings
//! An `assert` or `check` that fails; a deadlock (nothing can step and not all have finished);
//! a livelock (a reachable state from which no schedule can ever end, though threads can still
//! step); a 64-bit overflow; an array index out of range; a division by zero; `unlock` of a lock
//! the thread does not hold.
//!
//! # Counting
//! States are hashed (dead registers are zeroed, so states that differ only in a value never read
//! again are one). Schedules are paths through the state graph, counted exactly (`u64`, then
//! `u128` if that overflows; beyond, [`CheckError::TooManySchedules`]). The shortest bad schedule
//! is found breadth-first, the first in lexicographic order among the shortest (with branches of
//! unequal length in a program without loops, one of the shortest). Programs without loops run on
//! a layered engine (every step takes a thread deeper into its code, so states are processed rank
//! by rank and only the ranks ahead are in memory); programs with loops on a graph engine that
//! keeps every edge, detects cycles (then schedules are infinite) and livelocks. Copies are
//! display-named `NAME#k` (`k` from 0), a thread declared once by its name.

mod ast;
mod codegen;
mod compile;
mod examples;
mod expr;
mod flow;
mod graph;
mod ir;
mod layered;
mod lex;
mod line;
mod names;
mod parse;
mod pending;
mod replay;
mod split;
mod step;
mod table;
mod text;
mod walk;

#[cfg(test)]
mod tests;

pub use examples::{Example, examples};
pub use ir::Program;
pub use replay::{Replay, ReplayError, ReplayStep, replay};
pub use walk::{ENDED_WELL, Ended, Refused, Status, ThreadNow, Walk, WalkError, WalkStep, walk};

use serde::{Deserialize, Serialize};

/// A program the parser refused: where (1-based line and column) and what was expected there,
/// so the page can show it beside the line.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ProgramError {
    fn new(line: u32, column: u32, message: impl Into<String>) -> Self {
        ProgramError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ProgramError {}

/// One step of a thread's code, so the page can show how a line splits into steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepInfo {
    /// The 1-based source line the step belongs to.
    pub line: u32,
    /// The step as code, values read by earlier steps of the line shown as `tmp1`, `tmp2`, ….
    pub text: String,
}

/// Parse and compile a program; an error names the line, the column and what was expected.
pub fn parse(src: &str) -> Result<Program, ProgramError> {
    let ast = parse::program(src)?;
    compile::program(&ast)
}

/// How far [`check`] may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most distinct states visited before the check is refused.
    pub max_states: usize,
    /// Count only schedules with at most this many preemptions (switching away from a thread
    /// that could still step), like Loom's `LOOM_MAX_PREEMPTIONS`; `None`: every schedule.
    pub max_preemptions: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_states: 20_000_000,
            max_preemptions: None,
        }
    }
}

/// What checking every interleaving found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Distinct states reached.
    pub states: u64,
    /// The number of schedules when finite and at most 2⁵³ (exact in a JSON number).
    pub schedules: Option<u64>,
    /// The exact number of schedules in decimal, or why there is none.
    pub schedules_text: String,
    /// The exact number of schedules that end badly in decimal, or why there is none.
    pub wrong: String,
    /// States that are bad endings (including every state of a livelock).
    pub wrong_states: u64,
    /// Thread indices of the shortest schedule that ends badly; empty if none does.
    pub shortest_wrong: Vec<usize>,
    /// How that schedule ends, in words naming the line; empty if none ends badly.
    pub ending: String,
}

/// Text of a count that is infinite because the state graph has a cycle.
pub const INFINITE: &str = "infinite (the state graph has a cycle)";

/// A count of schedules: exact, or infinite because of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Exact(u128),
    Infinite,
}

impl Count {
    fn text(self) -> String {
        match self {
            Count::Exact(n) => n.to_string(),
            Count::Infinite => INFINITE.to_string(),
        }
    }
}

/// What a search found, before it becomes a [`Report`].
struct Found {
    states: usize,
    schedules: Count,
    wrong: Count,
    wrong_states: usize,
    shortest: Vec<usize>,
    ending: String,
}

impl From<Found> for Report {
    fn from(f: Found) -> Self {
        let schedules = match f.schedules {
            Count::Exact(n) if n <= 1u128 << 53 => u64::try_from(n).ok(),
            _ => None,
        };
        Report {
            states: f.states as u64,
            schedules,
            schedules_text: f.schedules.text(),
            wrong: f.wrong.text(),
            wrong_states: f.wrong_states as u64,
            shortest_wrong: f.shortest,
            ending: f.ending,
        }
    }
}

/// Why [`check`] gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// More distinct states than [`Limits::max_states`].
    #[error(
        "the program has more than {limit} distinct states, the most the explorer visits; use fewer threads, shorter loops or a preemption bound"
    )]
    TooManyStates {
        /// The limit that was reached.
        limit: usize,
    },
    /// More schedules than 2¹²⁸ − 1, the largest count kept exactly.
    #[error(
        "the program has more than 2^128 - 1 schedules, the largest count the explorer keeps exactly; use fewer threads or a preemption bound"
    )]
    TooManySchedules,
    /// The progress callback asked to stop.
    #[error("cancelled")]
    Cancelled,
}

/// How often (in states) the progress callback is called.
const PROGRESS_EVERY: usize = 1 << 16;

/// Check every interleaving of `p` within `limits`. `progress(states so far)` is called every
/// 65,536 states; returning `false` cancels with [`CheckError::Cancelled`].
pub fn check(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Report, CheckError> {
    let found = if p.has_loops {
        graph::check(p, limits, progress)?
    } else {
        layered::check(p, limits, progress)?
    };
    Ok(found.into())
}

/// `added` more states after `before`: refuse beyond the limit, report progress each time
/// another [`PROGRESS_EVERY`] states are passed.
fn counted(
    before: usize,
    added: usize,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<(), CheckError> {
    let after = before + added;
    if after > limits.max_states {
        return Err(CheckError::TooManyStates {
            limit: limits.max_states,
        });
    }
    if after / PROGRESS_EVERY > before / PROGRESS_EVERY && !progress(after) {
        return Err(CheckError::Cancelled);
    }
    Ok(())
}
