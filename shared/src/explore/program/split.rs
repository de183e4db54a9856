//! How a line splits into steps, as text: as The Deadlock Empire expands `a = a + 1` into
//! `tmp1 = a` and `a = tmp1 + 1`, each read before a line's last step gets a temporary, and the
//! last step is the line with those reads replaced.

use super::ast::{Stmt, StmtKind, Target};
use super::expr::{Expr, Sub, show, show_at, show_var};

/// The text of each step of `s`, given the node ids of its shared reads in reading order and
/// its number of shared accesses.
pub(super) fn texts(s: &Stmt, reads: &[u32], accesses: u32) -> Vec<String> {
    let n = accesses as usize;
    if n <= 1 {
        return vec![s.text.clone()];
    }
    let tmp = |k: usize| format!("tmp{}", k + 1);
    let mut out = Vec::with_capacity(n);
    for k in 0..n - 1 {
        let done = &reads[..k.min(reads.len())];
        let sub = |id: u32| done.iter().position(|&r| r == id).map(tmp);
        let read = reads
            .get(k)
            .and_then(|&id| find(s, id, &sub))
            .unwrap_or_else(|| "?".to_string());
        out.push(format!("{} = {read}", tmp(k)));
    }
    let done = &reads[..(n - 1).min(reads.len())];
    let sub = |id: u32| done.iter().position(|&r| r == id).map(tmp);
    out.push(statement(s, &sub));
    out
}

/// The read with node id `id` in `s` (not in its nested blocks), as code.
fn find(s: &Stmt, id: u32, sub: Sub) -> Option<String> {
    let target = |t: &Target| {
        if t.id == id {
            return Some(show_var(&t.name, t.index.as_ref(), sub));
        }
        t.index.as_ref().and_then(|i| find_expr(i, id, sub))
    };
    match &s.kind {
        StmtKind::Assign {
            target: t, value, ..
        } => target(t).or_else(|| find_expr(value, id, sub)),
        StmtKind::Lock(t) | StmtKind::Unlock(t) => target(t),
        StmtKind::Atomic {
            target: t, delta, ..
        } => target(t).or_else(|| find_expr(delta, id, sub)),
        StmtKind::If { cond, .. } | StmtKind::While { cond, .. } | StmtKind::Assert(cond) => {
            find_expr(cond, id, sub)
        }
        _ => None,
    }
}

fn find_expr(e: &Expr, id: u32, sub: Sub) -> Option<String> {
    match e {
        Expr::Var {
            name, id: i, index, ..
        } => {
            if *i == id {
                return Some(show_var(name, index.as_deref(), sub));
            }
            index.as_deref().and_then(|x| find_expr(x, id, sub))
        }
        Expr::Neg(x) | Expr::Not(x) => find_expr(x, id, sub),
        Expr::Bin(_, l, r) => find_expr(l, id, sub).or_else(|| find_expr(r, id, sub)),
        Expr::Int(_) | Expr::Me { .. } => None,
    }
}

/// `s` as code (its head only, for a block), reads substituted by `sub`.
fn statement(s: &Stmt, sub: Sub) -> String {
    let target = |t: &Target| show_var(&t.name, t.index.as_ref(), sub);
    match &s.kind {
        StmtKind::Assign {
            target: t,
            op: None,
            value,
        } => format!("{} = {}", target(t), show(value, sub)),
        StmtKind::Assign {
            target: t,
            op: Some(op),
            value,
        } => {
            let old = sub(t.id).unwrap_or_else(|| target(t));
            let value = show_at(value, sub, op.prec() + 1);
            format!("{} = {old} {} {value}", target(t), op.sym())
        }
        StmtKind::Lock(t) => format!("lock {}", target(t)),
        StmtKind::Unlock(t) => format!("unlock {}", target(t)),
        StmtKind::Atomic {
            target: t,
            sub: minus,
            delta,
        } => {
            let op = if *minus { "-=" } else { "+=" };
            format!("atomic {} {op} {}", target(t), show(delta, sub))
        }
        StmtKind::If { cond, elif, .. } => {
            let kw = if *elif { "elif" } else { "if" };
            format!("{kw} {}", show(cond, sub))
        }
        StmtKind::While { cond, .. } => format!("while {}", show(cond, sub)),
        StmtKind::Assert(cond) => format!("assert {}", show(cond, sub)),
        _ => s.text.clone(),
    }
}
