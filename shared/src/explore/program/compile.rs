//! From syntax to code: names resolved (shared variables, locks, registers), each statement
//! compiled into operations whose shared accesses become steps, the state laid out.

use std::collections::HashMap;

use super::ast::Ast;
use super::expr::Expr;
use super::ir::{Check, Code, LExpr, OpKind, Program, SharedVar, Unit};
use super::names::{Name, Names, shape};
use super::step::HEADER;
use super::{ProgramError, codegen};

/// The most threads and tasks in one program, copies included.
const MAX_UNITS: usize = 16;
fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
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
            let cond = check_expr(&c.cond, &names, &mut vars)?;
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
                format!(
                    "a thread or task named '{}' is already declared on line {first}",
                    d.name
                ),
            ));
        }
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
            // Each copy has its code, `me` folded in as a constant.
            codes.push(codegen::code(d, names, i64::from(k))?);
            units.push(Unit {
                name,
                code: codes.len() - 1,
                task: d.task,
                group: 0,
                pc: 0,
            });
        }
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
fn check_expr(e: &Expr, names: &Names, vars: &mut Vec<usize>) -> Result<LExpr, ProgramError> {
    let b = |e: &Expr, vars: &mut Vec<usize>| check_expr(e, names, vars).map(Box::new);
    Ok(match e {
        Expr::Int(v) => LExpr::Const(*v),
        Expr::Me { line, col } => {
            return Err(err(
                *line,
                *col,
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
