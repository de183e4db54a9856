//! Declared names (shared variables, locks) and the registers a block uses: what compiling a
//! program and generating each thread's code both need, kept apart from either so neither
//! imports the other.

use super::ProgramError;
use super::ast::{Stmt, StmtKind, Target};
use super::expr::Expr;
use super::ir::SharedVar;
use std::collections::HashMap;

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

/// The most registers and temporaries of one thread (a bit each in a liveness mask).
pub(super) const MAX_LOCALS: usize = 64;

/// What a declared name is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Name {
    Shared(usize),
    Lock(usize),
}

/// Declared names: shared variables and locks.
#[derive(Default)]
pub(super) struct Names {
    map: HashMap<String, (Name, u32)>,
    pub shared: Vec<SharedVar>,
    pub locks: Vec<SharedVar>,
}

impl Names {
    pub(super) fn declare(
        &mut self,
        name: &str,
        line: u32,
        col: u32,
        what: Name,
    ) -> Result<(), ProgramError> {
        if let Some((_, first)) = self.map.get(name) {
            return Err(err(
                line,
                col,
                format!("'{name}' is already declared on line {first}"),
            ));
        }
        self.map.insert(name.to_string(), (what, line));
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<Name> {
        self.map.get(name).map(|(n, _)| *n)
    }

    pub fn is_shared(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Name::Shared(_)))
    }
}

/// An error unless a shared variable is indexed exactly when it is an array.
pub(super) fn shape(
    name: &str,
    len: Option<u32>,
    indexed: bool,
    line: u32,
    col: u32,
) -> Result<(), ProgramError> {
    match (len, indexed) {
        (None, true) => Err(err(
            line,
            col,
            format!("'{name}' is a single shared integer, not an array; it takes no index"),
        )),
        (Some(n), false) => Err(err(
            line,
            col,
            format!("'{name}' is an array of {n}; pick an element, as in {name}[0]"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn not_array(name: &str, line: u32, col: u32) -> ProgramError {
    err(
        line,
        col,
        format!(
            "'{name}' is not a shared array (declare one with 'shared {name}[N]'), so it takes no index"
        ),
    )
}

/// Every register name in `stmts`: the names read or assigned that are not declared.
pub(super) fn collect(stmts: &[Stmt], names: &Names, regs: &mut Vec<String>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { target, value, .. } => {
                collect_target(target, names, regs);
                collect_expr(value, names, regs);
            }
            StmtKind::Lock(t) | StmtKind::Unlock(t) => collect_target(t, names, regs),
            StmtKind::Atomic { target, delta, .. } => {
                collect_target(target, names, regs);
                collect_expr(delta, names, regs);
            }
            StmtKind::If {
                cond, then, els, ..
            } => {
                collect_expr(cond, names, regs);
                collect(then, names, regs);
                collect(els, names, regs);
            }
            StmtKind::While { cond, body } => {
                collect_expr(cond, names, regs);
                collect(body, names, regs);
            }
            StmtKind::Assert(e) => collect_expr(e, names, regs),
            _ => {}
        }
    }
}

fn add_reg(name: &str, names: &Names, regs: &mut Vec<String>) {
    if names.get(name).is_none() && !regs.iter().any(|r| r == name) {
        regs.push(name.to_string());
    }
}

fn collect_target(t: &Target, names: &Names, regs: &mut Vec<String>) {
    match &t.index {
        Some(i) => collect_expr(i, names, regs),
        None => add_reg(&t.name, names, regs),
    }
}

fn collect_expr(e: &Expr, names: &Names, regs: &mut Vec<String>) {
    match e {
        Expr::Var { index: Some(i), .. } => collect_expr(i, names, regs),
        Expr::Var { name, .. } => add_reg(name, names, regs),
        Expr::Neg(x) | Expr::Not(x) => collect_expr(x, names, regs),
        Expr::Bin(_, l, r) => {
            collect_expr(l, names, regs);
            collect_expr(r, names, regs);
        }
        Expr::Int(_) | Expr::Me { .. } => {}
    }
}
