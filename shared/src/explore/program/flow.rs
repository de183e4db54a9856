//! Static analyses of one thread's code: where execution really goes on after a jump, which
//! locals are live before each op (dead ones are zeroed, so states differing only in them are
//! one), which step each op starts, and how many steps deep each op lies (the layered engine's
//! rank).

use super::StepInfo;
use super::ir::{Code, LExpr, Op, OpKind};

/// The finished code: `ops` with, per statement, its line, source and step texts.
pub(super) fn code(
    ops: Vec<Op>,
    metas: Vec<(u32, String, Vec<String>)>,
    locals: u8,
    regs: Vec<String>,
) -> Code {
    let resolve = resolve(&ops);
    let live = liveness(&ops);
    let depth = depths(&ops, &resolve);
    let mut steps = Vec::new();
    let mut first = Vec::with_capacity(metas.len());
    let mut sources = Vec::with_capacity(metas.len());
    for (line, source, texts) in metas {
        first.push((steps.len() as u32, texts.len() as u32));
        sources.push(source);
        steps.extend(texts.into_iter().map(|text| StepInfo { line, text }));
    }
    let mut seen = vec![0u32; first.len()];
    let step_of = ops
        .iter()
        .map(|op| {
            let Some(&(start, count)) = first.get(op.stmt as usize) else {
                return 0;
            };
            let k = &mut seen[op.stmt as usize];
            let step = start + (*k).min(count.saturating_sub(1));
            *k += u32::from(op.access);
            step
        })
        .collect();
    Code {
        ops,
        resolve,
        live,
        depth,
        step_of,
        steps,
        sources,
        locals,
        regs,
    }
}

/// `resolve[i]`: the first op that is not a jump reached from `i` (or the end).
fn resolve(ops: &[Op]) -> Vec<u32> {
    let n = ops.len();
    (0..=n)
        .map(|i| {
            let mut j = i;
            for _ in 0..=n {
                match ops.get(j).map(|o| &o.kind) {
                    Some(OpKind::Jump { target }) => j = *target as usize,
                    _ => break,
                }
            }
            j as u32
        })
        .collect()
}

/// For code without loops: for each op, the most steps any run takes from the start to a step
/// that begins there (0 where none begins). Every step raises it.
fn depths(ops: &[Op], resolve: &[u32]) -> Vec<u32> {
    let n = ops.len();
    let mut depth = vec![0u32; n + 1];
    let mut starts = vec![false; n + 1];
    starts[0] = true;
    for s in 0..n {
        if !starts[s] {
            continue;
        }
        for t in step_ends(ops, resolve, s) {
            if t > s {
                depth[t] = depth[t].max(depth[s] + 1);
                starts[t] = true;
            }
        }
    }
    depth
}

/// Where a step that begins at op `s` can end (where the next step begins), whatever the values.
fn step_ends(ops: &[Op], resolve: &[u32], s: usize) -> Vec<usize> {
    let n = ops.len();
    let stmt = ops[s].stmt;
    let mut out = Vec::new();
    let mut seen = vec![false; 2 * n];
    let mut work = vec![(s, false)];
    while let Some((pc, accessed)) = work.pop() {
        let op = &ops[pc];
        if op.access && accessed {
            out.push(pc);
            continue;
        }
        let accessed = accessed || op.access;
        let nexts = match op.kind {
            OpKind::Branch { target, .. } => [Some(pc + 1), Some(target as usize)],
            OpKind::Jump { target } => [Some(target as usize), None],
            _ => [Some(pc + 1), None],
        };
        for next in nexts.into_iter().flatten() {
            let q = resolve.get(next).map_or(n, |&q| q as usize);
            if matches!(op.kind, OpKind::Await) || q >= n || ops[q].stmt != stmt {
                out.push(q);
            } else if !seen[2 * q + usize::from(accessed)] {
                seen[2 * q + usize::from(accessed)] = true;
                work.push((q, accessed));
            }
        }
    }
    out
}

/// Locals read by `e`, as a bit mask.
fn uses(e: &LExpr) -> u64 {
    match e {
        LExpr::Const(_) => 0,
        LExpr::Local(l) => 1u64 << l,
        LExpr::Shared { index, .. } => index.as_deref().map_or(0, uses),
        LExpr::Neg(x) | LExpr::Not(x) => uses(x),
        LExpr::Bin(_, l, r) => uses(l) | uses(r),
    }
}

/// Locals an op reads and writes.
fn use_def(kind: &OpKind) -> (u64, u64) {
    let ix = |i: &Option<LExpr>| i.as_ref().map_or(0, uses);
    match kind {
        OpKind::Load { dst, index, .. } => (ix(index), 1u64 << dst),
        OpKind::Store { index, value, .. } => (ix(index) | uses(value), 0),
        OpKind::Atomic { index, delta, .. } => (ix(index) | uses(delta), 0),
        OpKind::Lock { index, .. } | OpKind::Unlock { index, .. } => (ix(index), 0),
        OpKind::Set { dst, value } => (uses(value), 1u64 << dst),
        OpKind::Branch { cond, .. } | OpKind::Assert { cond } => (uses(cond), 0),
        OpKind::Jump { .. } | OpKind::Nop | OpKind::Await => (0, 0),
    }
}

/// Locals live on entry to each op of `ops` (and at the end: none).
fn liveness(ops: &[Op]) -> Vec<u64> {
    let n = ops.len();
    let mut live = vec![0u64; n + 1];
    let at = |live: &[u64], t: u32| live.get(t as usize).copied().unwrap_or(0);
    let mut changed = true;
    while changed {
        changed = false;
        for p in (0..n).rev() {
            let out = match ops[p].kind {
                OpKind::Jump { target } => at(&live, target),
                OpKind::Branch { target, .. } => live[p + 1] | at(&live, target),
                _ => live[p + 1],
            };
            let (uses, defs) = use_def(&ops[p].kind);
            let inn = uses | (out & !defs);
            if inn != live[p] {
                live[p] = inn;
                changed = true;
            }
        }
    }
    live
}
