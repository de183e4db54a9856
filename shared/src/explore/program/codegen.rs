//! Code generation for one thread or task declaration: each statement becomes operations, its
//! shared reads loads into temporaries (in reading order), so that every access is a step.

use super::ast::{Stmt, StmtKind, Target, UnitDecl};
use super::expr::{BinOp, Expr};
use super::ir::{Code, LExpr, NO_STMT, Op, OpKind, fold};
use super::names::{MAX_LOCALS, Name, Names, collect, not_array, shape};
use super::{ProgramError, flow, split};

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

/// Compile one declaration's block.
pub(super) fn code(d: &UnitDecl, names: &Names, me: i64) -> Result<Code, ProgramError> {
    Gen::code(d, names, me)
}

/// Code generation for one declaration.
struct Gen<'a> {
    names: &'a Names,
    /// The copy's number: `me` is a constant in its code.
    me: i64,
    task: bool,
    regs: Vec<String>,
    ops: Vec<Op>,
    /// Per statement: its line, its source and the text of each of its steps.
    metas: Vec<(u32, String, Vec<String>)>,
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
    fn code(d: &UnitDecl, names: &'a Names, me: i64) -> Result<Code, ProgramError> {
        let mut regs = Vec::new();
        collect(&d.body, names, &mut regs);
        let mut g = Gen {
            names,
            me,
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
                format!(
                    "'{}' needs {locals} registers and temporaries; at most {MAX_LOCALS}",
                    d.name
                ),
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
            return Err(err(
                line,
                col,
                "this line reads too many shared values at once",
            ));
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
        self.metas.push((s.line, s.text.clone(), Vec::new()));
        self.at = (s.line, s.col);
        self.temps = 0;
        self.reads.clear();
        self.accesses = 0;
    }

    fn end(&mut self, s: &Stmt) {
        let texts = split::texts(s, &self.reads, self.accesses);
        self.metas[self.cur as usize].2 = texts;
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
                        format!(
                            "'atomic' needs a shared variable; '{}' is not one",
                            target.name
                        ),
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
            StmtKind::If {
                cond, then, els, ..
            } => return self.if_(s, cond, then, els),
            StmtKind::While { cond, body } => return self.while_(s, cond, body),
            StmtKind::Break | StmtKind::Continue => {
                let Some((head, _)) = self.loops.last() else {
                    let what = if matches!(s.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    return Err(err(s.line, s.col, format!("'{what}' outside a loop")));
                };
                let head = *head;
                self.emit(OpKind::Nop);
                let to = if matches!(s.kind, StmtKind::Break) {
                    0
                } else {
                    head
                };
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

    fn if_(
        &mut self,
        s: &Stmt,
        cond: &Expr,
        then: &[Stmt],
        els: &[Stmt],
    ) -> Result<(), ProgramError> {
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
                format!(
                    "'{}' is a lock; take and release it with 'lock' and 'unlock'",
                    t.name
                ),
            ));
        }
        // `r = x` and `r = a[i]`: the value goes straight into the register.
        if op.is_none()
            && t.index.is_none()
            && self.names.get(&t.name).is_none()
            && matches!(value, Expr::Var { name, .. } if self.names.is_shared(name))
        {
            let dst = self.reg(&t.name);
            self.load(value, Some(dst))?;
            return Ok(());
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
                    LExpr::Bin(
                        op,
                        Box::new(LExpr::Local(old)),
                        Box::new(self.value(value)?),
                    )
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
        shape(
            &t.name,
            self.names.shared[v].len,
            t.index.is_some(),
            t.line,
            t.col,
        )?;
        let index = match &t.index {
            Some(i) => Some(self.value(i)?),
            None => None,
        };
        Ok(Some((v as u16, index)))
    }

    fn lock(&mut self, t: &Target) -> Result<(u16, Option<LExpr>), ProgramError> {
        let Some(Name::Lock(l)) = self.names.get(&t.name) else {
            let what = if self.names.is_shared(&t.name) {
                "a shared variable"
            } else {
                "not declared"
            };
            return Err(err(
                t.line,
                t.col,
                format!(
                    "'{}' is {what}; declare locks with 'lock {}' at the top",
                    t.name, t.name
                ),
            ));
        };
        let len = self.names.locks[l].len;
        match (len, &t.index) {
            (None, Some(_)) => Err(err(
                t.line,
                t.col,
                format!("'{}' is a single lock; it takes no index", t.name),
            )),
            (Some(n), None) => Err(err(
                t.line,
                t.col,
                format!(
                    "'{}' is an array of {n} locks; pick one, as in {}[0]",
                    t.name, t.name
                ),
            )),
            (_, Some(i)) => Ok((l as u16, Some(self.value(i)?))),
            (None, None) => Ok((l as u16, None)),
        }
    }

    /// Load the shared variable (or element) `e` names into `dst`, or a new temporary.
    fn load(&mut self, e: &Expr, dst: Option<u8>) -> Result<u8, ProgramError> {
        let Expr::Var {
            name,
            line,
            col,
            id,
            index,
        } = e
        else {
            return Err(err(self.at.0, self.at.1, "expected a shared variable"));
        };
        let Some(Name::Shared(v)) = self.names.get(name) else {
            return Err(err(
                *line,
                *col,
                format!("'{name}' is not a shared variable"),
            ));
        };
        shape(name, self.names.shared[v].len, index.is_some(), *line, *col)?;
        let index = match index {
            Some(i) => Some(self.value(i)?),
            None => None,
        };
        let dst = match dst {
            Some(d) => d,
            None => self.temp()?,
        };
        self.emit(OpKind::Load {
            dst,
            var: v as u16,
            index,
        });
        self.reads.push(*id);
        Ok(dst)
    }

    /// Compile `e`: its shared reads become loads (steps) into temporaries, in reading order;
    /// what is left is an expression over locals.
    fn value(&mut self, e: &Expr) -> Result<LExpr, ProgramError> {
        Ok(match e {
            Expr::Int(v) => LExpr::Const(*v),
            Expr::Me { .. } => LExpr::Const(self.me),
            Expr::Var {
                name,
                line,
                col,
                id: _,
                index,
            } => match self.names.get(name) {
                Some(Name::Shared(_)) => LExpr::Local(self.load(e, None)?),
                Some(Name::Lock(_)) => {
                    return Err(err(
                        *line,
                        *col,
                        format!(
                            "'{name}' is a lock, not a value; use 'lock {name}' and 'unlock {name}'"
                        ),
                    ));
                }
                None if index.is_some() => return Err(not_array(name, *line, *col)),
                None => LExpr::Local(self.reg(name)),
            },
            Expr::Neg(x) => match self.value(x)? {
                LExpr::Const(v) if v != i64::MIN => LExpr::Const(-v),
                x => LExpr::Neg(Box::new(x)),
            },
            Expr::Not(x) => match self.value(x)? {
                LExpr::Const(v) => LExpr::Const(i64::from(v == 0)),
                x => LExpr::Not(Box::new(x)),
            },
            Expr::Bin(op @ (BinOp::And | BinOp::Or), l, r)
                if super::expr::reads(r, &|n| self.names.is_shared(n)) =>
            {
                self.short_circuit(*op, l, r)?
            }
            Expr::Bin(op, l, r) => {
                let l = self.value(l)?;
                fold(*op, l, self.value(r)?)
            }
        })
    }

    /// `l and r` / `l or r` whose right side reads shared state: it is read only when needed.
    fn short_circuit(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Result<LExpr, ProgramError> {
        let truth = |x: LExpr| LExpr::Bin(BinOp::Ne, Box::new(x), Box::new(LExpr::Const(0)));
        let t = self.temp()?;
        let l = self.value(l)?;
        self.emit(OpKind::Set {
            dst: t,
            value: truth(l),
        });
        let skip = self.emit(OpKind::Branch {
            cond: LExpr::Local(t),
            when: op == BinOp::Or,
            target: 0,
        });
        let r = self.value(r)?;
        self.emit(OpKind::Set {
            dst: t,
            value: truth(r),
        });
        self.patch(skip, self.here());
        Ok(LExpr::Local(t))
    }

    fn finish(self, locals: u8) -> Code {
        flow::code(self.ops, self.metas, locals, self.regs)
    }
}
