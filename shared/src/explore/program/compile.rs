//! From syntax to code: names resolved (shared variables, locks, registers), each statement
//! compiled into operations whose shared accesses become steps, the state laid out.

use std::collections::HashMap;

use super::expr::{BinOp, Expr};
use super::ir::{Check, Code, LExpr, NO_STMT, Op, OpKind, Program, SharedVar, Unit};
use super::parse::{Ast, Stmt, StmtKind, Target, UnitDecl};
use super::step::HEADER;
use super::{ProgramError, StepInfo, split};

/// The most threads and tasks in one program, copies included.
const MAX_UNITS: usize = 16;
/// The most registers and temporaries of one thread (a bit each in a liveness mask).
const MAX_LOCALS: usize = 64;

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

/// What a declared name is.
#[derive(Debug, Clone, Copy)]
enum Name {
    Shared(usize),
    Lock(usize),
}

/// Declared names: shared variables and locks.
#[derive(Default)]
struct Names {
    map: HashMap<String, (Name, u32)>,
    shared: Vec<SharedVar>,
    locks: Vec<SharedVar>,
}

impl Names {
    fn declare(&mut self, name: &str, line: u32, col: u32, what: Name) -> Result<(), ProgramError> {
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

    fn get(&self, name: &str) -> Option<Name> {
        self.map.get(name).map(|(n, _)| *n)
    }

    fn is_shared(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Name::Shared(_)))
    }
}

/// Compile a parsed program.
pub(super) fn program(ast: &Ast) -> Result<Program, ProgramError> {
    let mut names = Names::default();
    let mut slot = HEADER;
    let mut init = vec![0; HEADER];
    for d in &ast.shared {
        names.declare(&d.name, d.line, d.col, Name::Shared(names.shared.len()))?;
        names.shared.push(SharedVar {
            name: d.name.clone(),
            slot,
            len: d.len,
        });
        slot += d.init.len();
        init.extend_from_slice(&d.init);
    }
    let locks_base = slot;
    let mut lock_names = Vec::new();
    for d in &ast.locks {
        names.declare(&d.name, d.line, d.col, Name::Lock(names.locks.len()))?;
        names.locks.push(SharedVar {
            name: d.name.clone(),
            slot,
            len: d.len,
        });
        match d.len {
            Some(n) => lock_names.extend((0..n).map(|k| format!("{}[{k}]", d.name))),
            None => lock_names.push(d.name.clone()),
        }
        slot = locks_base + lock_names.len();
    }
    let (units, codes) = units(ast, &names)?;
    let mut program = Program {
        units,
        has_loops: codes.iter().any(has_loops),
        codes,
        shared: Vec::new(),
        locks: Vec::new(),
        lock_names,
        locks_base,
        checks: Vec::new(),
        init: Vec::new(),
    };
    for u in &mut program.units {
        u.pc = slot;
        slot += 1 + usize::from(program.codes[u.code].locals);
    }
    init.resize(slot, 0);
    program.init = init;
    program.checks = ast
        .checks
        .iter()
        .map(|c| {
            let mut vars = Vec::new();
            let cond = check_expr(&c.cond, c.line, &names, &mut vars)?;
            Ok(Check {
                cond,
                line: c.line,
                text: c.text.clone(),
                vars,
            })
        })
        .collect::<Result<_, ProgramError>>()?;
    program.shared = names.shared;
    program.locks = names.locks;
    Ok(program)
}

/// The threads and tasks, copies expanded, and the code of each declaration.
fn units(ast: &Ast, names: &Names) -> Result<(Vec<Unit>, Vec<Code>), ProgramError> {
    let mut units: Vec<Unit> = Vec::new();
    let mut codes = Vec::new();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for d in &ast.units {
        if let Some(first) = seen.insert(&d.name, d.line) {
            return Err(err(
                d.line,
                d.col,
                format!("a thread or task named '{}' is already declared on line {first}", d.name),
            ));
        }
        let code = Gen::code(d, names)?;
        let copies = d.copies.unwrap_or(1);
        for k in 0..copies {
            if units.len() >= MAX_UNITS {
                return Err(err(
                    d.line,
                    d.col,
                    format!("at most {MAX_UNITS} threads and tasks in all, copies included"),
                ));
            }
            let name = match d.copies {
                Some(_) => format!("{}#{k}", d.name),
                None => d.name.clone(),
            };
            units.push(Unit {
                name,
                code: codes.len(),
                me: i64::from(k),
                task: d.task,
                group: 0,
                pc: 0,
            });
        }
        codes.push(code);
    }
    let tasks = units.iter().position(|u| u.task).unwrap_or(0) as u8;
    for (i, u) in units.iter_mut().enumerate() {
        u.group = if u.task { tasks } else { i as u8 };
    }
    Ok((units, codes))
}

fn has_loops(code: &Code) -> bool {
    code.ops
        .iter()
        .enumerate()
        .any(|(i, op)| matches!(op.kind, OpKind::Jump { target } if target as usize <= i))
}

/// A check's condition: shared variables only, read directly.
fn check_expr(
    e: &Expr,
    at: u32,
    names: &Names,
    vars: &mut Vec<usize>,
) -> Result<LExpr, ProgramError> {
    let b = |e: &Expr, vars: &mut Vec<usize>| check_expr(e, at, names, vars).map(Box::new);
    Ok(match e {
        Expr::Int(v) => LExpr::Const(*v),
        Expr::Me => {
            return Err(err(
                at,
                7,
                "'me' is a copy's number; a check runs after all threads and has none",
            ));
        }
        Expr::Var {
            name,
            line,
            col,
            index,
            ..
        } => {
            let Some(Name::Shared(v)) = names.get(name) else {
                return Err(err(
                    *line,
                    *col,
                    format!("a check reads shared variables only; '{name}' is not one"),
                ));
            };
            let var = &names.shared[v];
            shape(name, var.len, index.is_some(), *line, *col)?;
            if !vars.contains(&v) {
                vars.push(v);
            }
            LExpr::Shared {
                slot: var.slot,
                len: var.len.unwrap_or(1),
                index: match index {
                    Some(i) => Some(b(i, vars)?),
                    None => None,
                },
            }
        }
        Expr::Neg(x) => LExpr::Neg(b(x, vars)?),
        Expr::Not(x) => LExpr::Not(b(x, vars)?),
        Expr::Bin(op, l, r) => LExpr::Bin(*op, b(l, vars)?, b(r, vars)?),
    })
}

/// An error unless a shared variable is indexed exactly when it is an array.
fn shape(name: &str, len: Option<u32>, indexed: bool, line: u32, col: u32) -> Result<(), ProgramError> {
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

/// Code generation for one declaration.
struct Gen<'a> {
    names: &'a Names,
    task: bool,
    regs: Vec<String>,
    ops: Vec<Op>,
    /// Per statement: its line and the text of each of its steps.
    metas: Vec<(u32, Vec<String>)>,
    cur: u32,
    at: (u32, u32),
    temps: usize,
    max_temps: usize,
    /// Node ids of the shared reads of the current statement, in order.
    reads: Vec<u32>,
    accesses: u32,
    /// Enclosing loops: head and the `break` jumps to patch.
    loops: Vec<(u32, Vec<usize>)>,
}

impl<'a> Gen<'a> {
    fn code(d: &UnitDecl, names: &'a Names) -> Result<Code, ProgramError> {
        let mut regs = Vec::new();
        collect(&d.body, names, &mut regs);
        let mut g = Gen {
            names,
            task: d.task,
            regs,
            ops: Vec::new(),
            metas: Vec::new(),
            cur: 0,
            at: (d.line, d.col),
            temps: 0,
            max_temps: 0,
            reads: Vec::new(),
            accesses: 0,
            loops: Vec::new(),
        };
        g.block(&d.body)?;
        let locals = g.regs.len() + g.max_temps;
        if locals > MAX_LOCALS {
            return Err(err(
                d.line,
                d.col,
                format!("'{}' needs {locals} registers and temporaries; at most {MAX_LOCALS}", d.name),
            ));
        }
        Ok(g.finish(locals as u8))
    }

    fn emit(&mut self, kind: OpKind) -> usize {
        let access = matches!(
            kind,
            OpKind::Load { .. }
                | OpKind::Store { .. }
                | OpKind::Atomic { .. }
                | OpKind::Lock { .. }
                | OpKind::Unlock { .. }
        );
        let stmt = if matches!(kind, OpKind::Jump { .. }) {
            NO_STMT
        } else {
            self.cur
        };
        self.accesses += u32::from(access);
        self.ops.push(Op { kind, stmt, access });
        self.ops.len() - 1
    }

    fn here(&self) -> u32 {
        self.ops.len() as u32
    }

    /// Point the jump or branch at `at` to `target`.
    fn patch(&mut self, at: usize, to: u32) {
        if let OpKind::Jump { target } | OpKind::Branch { target, .. } = &mut self.ops[at].kind {
            *target = to;
        }
    }

    fn temp(&mut self) -> Result<u8, ProgramError> {
        let slot = self.regs.len() + self.temps;
        self.temps += 1;
        self.max_temps = self.max_temps.max(self.temps);
        if slot >= MAX_LOCALS {
            let (line, col) = self.at;
            return Err(err(line, col, "this line reads too many shared values at once"));
        }
        Ok(slot as u8)
    }

    fn reg(&mut self, name: &str) -> u8 {
        match self.regs.iter().position(|r| r == name) {
            Some(i) => i as u8,
            None => {
                self.regs.push(name.to_string());
                (self.regs.len() - 1) as u8
            }
        }
    }

    fn block(&mut self, stmts: &[Stmt]) -> Result<(), ProgramError> {
        stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn begin(&mut self, s: &Stmt) {
        self.cur = self.metas.len() as u32;
        self.metas.push((s.line, Vec::new()));
        self.at = (s.line, s.col);
        self.temps = 0;
        self.reads.clear();
        self.accesses = 0;
    }

    fn end(&mut self, s: &Stmt) {
        let texts = split::texts(s, &self.reads, self.accesses);
        self.metas[self.cur as usize].1 = texts;
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), ProgramError> {
        self.begin(s);
        match &s.kind {
            StmtKind::Assign { target, op, value } => self.assign(target, *op, value)?,
            StmtKind::Lock(t) | StmtKind::Unlock(t) => {
                let (lock, index) = self.lock(t)?;
                self.emit(match s.kind {
                    StmtKind::Lock(_) => OpKind::Lock { lock, index },
                    _ => OpKind::Unlock { lock, index },
                });
            }
            StmtKind::Atomic { target, sub, delta } => {
                let Some((var, index)) = self.shared(target)? else {
                    return Err(err(
                        target.line,
                        target.col,
                        format!("'atomic' needs a shared variable; '{}' is not one", target.name),
                    ));
                };
                let delta = self.value(delta)?;
                self.emit(OpKind::Atomic {
                    var,
                    index,
                    delta,
                    sub: *sub,
                });
            }
            StmtKind::If { cond, then, els, .. } => return self.if_(s, cond, then, els),
            StmtKind::While { cond, body } => return self.while_(s, cond, body),
            StmtKind::Break | StmtKind::Continue => {
                let Some((head, _)) = self.loops.last() else {
                    let what = if matches!(s.kind, StmtKind::Break) { "break" } else { "continue" };
                    return Err(err(s.line, s.col, format!("'{what}' outside a loop")));
                };
                let head = *head;
                self.emit(OpKind::Nop);
                let to = if matches!(s.kind, StmtKind::Break) { 0 } else { head };
                let j = self.emit(OpKind::Jump { target: to });
                if let (StmtKind::Break, Some((_, breaks))) = (&s.kind, self.loops.last_mut()) {
                    breaks.push(j);
                }
            }
            StmtKind::Pass => {
                self.emit(OpKind::Nop);
            }
            StmtKind::Await if !self.task => {
                return Err(err(
                    s.line,
                    s.col,
                    "'await' belongs in a task; a thread is preempted anywhere without it",
                ));
            }
            StmtKind::Await => {
                self.emit(OpKind::Await);
            }
            StmtKind::Assert(e) => {
                let cond = self.value(e)?;
                self.emit(OpKind::Assert { cond });
            }
        }
        self.end(s);
        Ok(())
    }

    fn if_(&mut self, s: &Stmt, cond: &Expr, then: &[Stmt], els: &[Stmt]) -> Result<(), ProgramError> {
        let cond = self.value(cond)?;
        let branch = self.emit(OpKind::Branch {
            cond,
            when: false,
            target: 0,
        });
        self.end(s);
        self.block(then)?;
        if els.is_empty() {
            self.patch(branch, self.here());
        } else {
            let jump = self.emit(OpKind::Jump { target: 0 });
            self.patch(branch, self.here());
            self.block(els)?;
            self.patch(jump, self.here());
        }
        Ok(())
    }

    fn while_(&mut self, s: &Stmt, cond: &Expr, body: &[Stmt]) -> Result<(), ProgramError> {
        let head = self.here();
        let cond = self.value(cond)?;
        let branch = self.emit(OpKind::Branch {
            cond,
            when: false,
            target: 0,
        });
        self.end(s);
        self.loops.push((head, Vec::new()));
        self.block(body)?;
        self.emit(OpKind::Jump { target: head });
        let end = self.here();
        self.patch(branch, end);
        if let Some((_, breaks)) = self.loops.pop() {
            for b in breaks {
                self.patch(b, end);
            }
        }
        Ok(())
    }

    fn assign(&mut self, t: &Target, op: Option<BinOp>, value: &Expr) -> Result<(), ProgramError> {
        if let Some(Name::Lock(_)) = self.names.get(&t.name) {
            return Err(err(
                t.line,
                t.col,
                format!("'{}' is a lock; take and release it with 'lock' and 'unlock'", t.name),
            ));
        }
        if let Some((var, index)) = self.shared(t)? {
            let value = match op {
                Some(op) => {
                    let old = self.temp()?;
                    self.emit(OpKind::Load {
                        dst: old,
                        var,
                        index: index.clone(),
                    });
                    self.reads.push(t.id);
                    LExpr::Bin(op, Box::new(LExpr::Local(old)), Box::new(self.value(value)?))
                }
                None => self.value(value)?,
            };
            self.emit(OpKind::Store { var, index, value });
            return Ok(());
        }
        if t.index.is_some() {
            return Err(not_array(&t.name, t.line, t.col));
        }
        let dst = self.reg(&t.name);
        let rhs = self.value(value)?;
        let value = match op {
            Some(op) => LExpr::Bin(op, Box::new(LExpr::Local(dst)), Box::new(rhs)),
            None => rhs,
        };
        self.emit(OpKind::Set { dst, value });
        Ok(())
    }

    /// A shared target's variable and compiled index; `None` if it is not shared.
    #[allow(clippy::type_complexity)]
    fn shared(&mut self, t: &Target) -> Result<Option<(u16, Option<LExpr>)>, ProgramError> {
        let Some(Name::Shared(v)) = self.names.get(&t.name) else {
            return Ok(None);
        };
        shape(&t.name, self.names.shared[v].len, t.index.is_some(), t.line, t.col)?;
        let index = match &t.index {
            Some(i) => Some(self.value(i)?),
            None => None,
        };
        Ok(Some((v as u16, index)))
    }

    fn lock(&mut self, t: &Target) -> Result<(u16, Option<LExpr>), ProgramError> {
        let Some(Name::Lock(l)) = self.names.get(&t.name) else {
            let what = if self.names.is_shared(&t.name) { "a shared variable" } else { "not declared" };
            return Err(err(
                t.line,
                t.col,
                format!("'{}' is {what}; declare locks with 'lock {}' at the top", t.name, t.name),
            ));
        };
        let len = self.names.locks[l].len;
        match (len, &t.index) {
            (None, Some(_)) => Err(err(t.line, t.col, format!("'{}' is a single lock; it takes no index", t.name))),
            (Some(n), None) => Err(err(
                t.line,
                t.col,
                format!("'{}' is an array of {n} locks; pick one, as in {}[0]", t.name, t.name),
            )),
            (_, Some(i)) => Ok((l as u16, Some(self.value(i)?))),
            (None, None) => Ok((l as u16, None)),
        }
    }

    /// Compile `e`: its shared reads become loads (steps) into temporaries, in reading order;
    /// what is left is an expression over locals.
    fn value(&mut self, e: &Expr) -> Result<LExpr, ProgramError> {
        Ok(match e {
            Expr::Int(v) => LExpr::Const(*v),
            Expr::Me => LExpr::Me,
            Expr::Var {
                name,
                line,
                col,
                id,
                index,
            } => match self.names.get(name) {
                Some(Name::Shared(v)) => {
                    shape(name, self.names.shared[v].len, index.is_some(), *line, *col)?;
                    let index = match index {
                        Some(i) => Some(self.value(i)?),
                        None => None,
                    };
                    let dst = self.temp()?;
                    self.emit(OpKind::Load {
                        dst,
                        var: v as u16,
                        index,
                    });
                    self.reads.push(*id);
                    LExpr::Local(dst)
                }
                Some(Name::Lock(_)) => {
                    return Err(err(
                        *line,
                        *col,
                        format!("'{name}' is a lock, not a value; use 'lock {name}' and 'unlock {name}'"),
                    ));
                }
                None if index.is_some() => return Err(not_array(name, *line, *col)),
                None => LExpr::Local(self.reg(name)),
            },
            Expr::Neg(x) => LExpr::Neg(Box::new(self.value(x)?)),
            Expr::Not(x) => LExpr::Not(Box::new(self.value(x)?)),
            Expr::Bin(op @ (BinOp::And | BinOp::Or), l, r)
                if super::expr::reads(r, &|n| self.names.is_shared(n)) =>
            {
                self.short_circuit(*op, l, r)?
            }
            Expr::Bin(op, l, r) => {
                let l = self.value(l)?;
                LExpr::Bin(*op, Box::new(l), Box::new(self.value(r)?))
            }
        })
    }

    /// `l and r` / `l or r` whose right side reads shared state: it is read only when needed.
    fn short_circuit(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Result<LExpr, ProgramError> {
        let truth = |x: LExpr| LExpr::Bin(BinOp::Ne, Box::new(x), Box::new(LExpr::Const(0)));
        let t = self.temp()?;
        let l = self.value(l)?;
        self.emit(OpKind::Set { dst: t, value: truth(l) });
        let skip = self.emit(OpKind::Branch {
            cond: LExpr::Local(t),
            when: op == BinOp::Or,
            target: 0,
        });
        let r = self.value(r)?;
        self.emit(OpKind::Set { dst: t, value: truth(r) });
        self.patch(skip, self.here());
        Ok(LExpr::Local(t))
    }

    fn finish(self, locals: u8) -> Code {
        let n = self.ops.len();
        let resolve = (0..=n)
            .map(|i| {
                let mut j = i;
                for _ in 0..=n {
                    match self.ops.get(j).map(|o| &o.kind) {
                        Some(OpKind::Jump { target }) => j = *target as usize,
                        _ => break,
                    }
                }
                j as u32
            })
            .collect();
        let live = super::step::liveness(&self.ops);
        let mut steps = Vec::new();
        let mut first = Vec::with_capacity(self.metas.len());
        for (line, texts) in self.metas {
            first.push((steps.len() as u32, texts.len() as u32));
            steps.extend(texts.into_iter().map(|text| StepInfo { line, text }));
        }
        let mut seen = vec![0u32; first.len()];
        let step_of = self
            .ops
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
            ops: self.ops,
            resolve,
            live,
            step_of,
            steps,
            locals,
            regs: self.regs,
        }
    }
}

fn not_array(name: &str, line: u32, col: u32) -> ProgramError {
    err(
        line,
        col,
        format!("'{name}' is not a shared array (declare one with 'shared {name}[N]'), so it takes no index"),
    )
}

/// Every register name in `stmts`: the names read or assigned that are not declared.
fn collect(stmts: &[Stmt], names: &Names, regs: &mut Vec<String>) {
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
            StmtKind::If { cond, then, els, .. } => {
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
        Expr::Int(_) | Expr::Me => {}
    }
}
