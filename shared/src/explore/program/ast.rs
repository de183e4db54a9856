//! The program's syntax tree: declarations, threads and tasks with their statements, checks —
//! what `parse` builds and `line`, `compile`, `codegen` and `split` read — and the one token
//! helper they share (a name that is not a keyword). A leaf, so the parsers of blocks and of
//! single lines can both use it without importing each other.

use super::ProgramError;
use super::expr::{BinOp, Expr, KEYWORDS};
use super::lex::Cursor;

/// A whole program as written.
#[derive(Debug, Default)]
pub(super) struct Ast {
    pub shared: Vec<SharedDecl>,
    pub locks: Vec<LockDecl>,
    pub units: Vec<UnitDecl>,
    pub checks: Vec<CheckDecl>,
}

/// `shared x = 1` or `shared a[3] = 0` or `shared a[3] = [1, 2, 3]`.
#[derive(Debug)]
pub(super) struct SharedDecl {
    pub name: String,
    pub line: u32,
    pub col: u32,
    pub len: Option<u32>,
    pub init: Vec<i64>,
}

/// `lock m` or `lock f[5]`.
#[derive(Debug)]
pub(super) struct LockDecl {
    pub name: String,
    pub line: u32,
    pub col: u32,
    pub len: Option<u32>,
}

/// `thread NAME [x K]:` or `task NAME [x K]:` and its block.
#[derive(Debug)]
pub(super) struct UnitDecl {
    pub name: String,
    pub line: u32,
    pub col: u32,
    pub task: bool,
    pub copies: Option<u32>,
    pub body: Vec<Stmt>,
}

/// `check cond`.
#[derive(Debug)]
pub(super) struct CheckDecl {
    pub cond: Expr,
    pub line: u32,
    pub text: String,
}

/// Where a statement writes or what it locks: a name, maybe indexed. `id` numbers the read of
/// the target that `x += e` makes.
#[derive(Debug)]
pub(super) struct Target {
    pub name: String,
    pub line: u32,
    pub col: u32,
    pub id: u32,
    pub index: Option<Expr>,
}

/// One statement: its kind, where it starts and its source text (a block head's text stops
/// before the `:`).
#[derive(Debug)]
pub(super) struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
    pub col: u32,
    pub text: String,
}

#[derive(Debug)]
pub(super) enum StmtKind {
    /// `x = e`, or `x += e` / `x -= e` (`op` is then `Add` / `Sub`).
    Assign {
        target: Target,
        op: Option<BinOp>,
        value: Expr,
    },
    Lock(Target),
    Unlock(Target),
    Atomic {
        target: Target,
        sub: bool,
        delta: Expr,
    },
    /// `if` (or an `elif`, which is an `if` alone in the `else` block of the one before).
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        elif: bool,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
    },
    Break,
    Continue,
    Pass,
    Await,
    Assert(Expr),
}

/// A name that is not a keyword: the name, its line and column.
pub(super) fn name(c: &mut Cursor, what: &str) -> Result<(String, u32, u32), ProgramError> {
    let (line, col) = (c.line.no, c.col());
    match c.peek_name() {
        Some(n) if KEYWORDS.contains(&n) => {
            Err(c.err(format!("expected {what}, but '{n}' is a keyword")))
        }
        Some(n) => {
            c.bump();
            Ok((n.to_string(), line, col))
        }
        None => Err(c.err(format!("expected {what}, found {}", c.found()))),
    }
}
