//! Constructs that fit on one line: declarations (`shared`, `lock`) and simple statements
//! (assignments, `lock`, `unlock`, `atomic`, `assert`, `await`, `pass`, `break`, `continue`).

use super::ProgramError;
use super::ast::{LockDecl, SharedDecl, Stmt, StmtKind, Target, name};
use super::expr::{self, BinOp, KEYWORDS};
use super::lex::{Cursor, Tok};

/// The longest shared array or array of locks.
const MAX_ARRAY: u64 = 256;

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

/// A statement that fits on one line (no block).
pub(super) fn simple(c: &mut Cursor) -> Result<Stmt, ProgramError> {
    let (from, line, col) = (c.pos, c.line.no, c.col());
    let word = c.peek_name();
    let kind = match word {
        Some("lock" | "unlock") => {
            c.bump();
            let t = target(c, "the lock's name")?;
            if word == Some("lock") {
                StmtKind::Lock(t)
            } else {
                StmtKind::Unlock(t)
            }
        }
        Some("atomic") => {
            c.bump();
            let target = target(c, "a shared variable after 'atomic'")?;
            let sub = if c.eat_sym("+=") {
                false
            } else if c.eat_sym("-=") {
                true
            } else {
                return Err(c.err(format!(
                    "expected '+=' or '-=' after 'atomic {}'",
                    target.name
                )));
            };
            let delta = expr::parse(c)?;
            StmtKind::Atomic { target, sub, delta }
        }
        Some("assert") => {
            c.bump();
            StmtKind::Assert(expr::parse(c)?)
        }
        Some(w @ ("await" | "pass" | "break" | "continue")) => {
            c.bump();
            match w {
                "await" => StmtKind::Await,
                "pass" => StmtKind::Pass,
                "break" => StmtKind::Break,
                _ => StmtKind::Continue,
            }
        }
        Some(kw @ ("if" | "while" | "elif" | "else")) => {
            return Err(c.err(format!(
                "only a simple statement can follow ':' on the same line; put '{kw}' on a line of its own"
            )));
        }
        Some(kw @ ("thread" | "task" | "shared" | "check")) => {
            return Err(c.err(format!(
                "'{kw}' belongs at the top level (column 1), not inside a block"
            )));
        }
        _ => assignment(c)?,
    };
    Ok(Stmt {
        kind,
        line,
        col,
        text: c.text_from(from),
    })
}

fn assignment(c: &mut Cursor) -> Result<StmtKind, ProgramError> {
    if let Some(n) = c.peek_name()
        && KEYWORDS.contains(&n)
        && n != "me"
    {
        return Err(c.err(format!("'{n}' cannot start a statement")));
    }
    if c.peek_name().is_none() {
        return Err(c.err(format!(
            "expected a statement (an assignment, lock, unlock, atomic, if, while, assert, pass, …), found {}",
            c.found()
        )));
    }
    let target = target(c, "a name")?;
    let op = if c.eat_sym("=") {
        None
    } else if c.eat_sym("+=") {
        Some(BinOp::Add)
    } else if c.eat_sym("-=") {
        Some(BinOp::Sub)
    } else {
        return Err(c.err(format!(
            "expected '=' after '{}', found {}",
            target.name,
            c.found()
        )));
    };
    let value = expr::parse(c)?;
    Ok(StmtKind::Assign { target, op, value })
}

fn target(c: &mut Cursor, what: &str) -> Result<Target, ProgramError> {
    if c.peek_name() == Some("me") {
        return Err(c.err("'me' is the copy's number; it cannot be assigned or locked"));
    }
    let (name, line, col) = name(c, what)?;
    let id = c.id();
    let index = if c.eat_sym("[") {
        let e = expr::parse(c)?;
        if !c.eat_sym("]") {
            return Err(c.err(format!("expected ']' after the index, found {}", c.found())));
        }
        Some(e)
    } else {
        None
    };
    Ok(Target {
        name,
        line,
        col,
        id,
        index,
    })
}

/// `[N]` after a declared name: the array's length.
fn array_len(c: &mut Cursor) -> Result<Option<u32>, ProgramError> {
    if !c.eat_sym("[") {
        return Ok(None);
    }
    let len = match c.peek() {
        Some(&Tok::Int(n)) if (1..=MAX_ARRAY).contains(&n) => n as u32,
        Some(Tok::Int(_)) => {
            return Err(c.err(format!("an array has 1 to {MAX_ARRAY} elements")));
        }
        _ => return Err(c.err(format!("expected the array's length, found {}", c.found()))),
    };
    c.bump();
    if !c.eat_sym("]") {
        return Err(c.err(format!(
            "expected ']' after the length, found {}",
            c.found()
        )));
    }
    Ok(Some(len))
}

fn int(c: &mut Cursor) -> Result<i64, ProgramError> {
    let neg = c.eat_sym("-");
    let Some(&Tok::Int(v)) = c.peek() else {
        return Err(c.err(format!("expected an integer, found {}", c.found())));
    };
    let v = if neg { -i128::from(v) } else { i128::from(v) };
    let v = i64::try_from(v).map_err(|_| c.err("this number is too large: integers are 64-bit"))?;
    c.bump();
    Ok(v)
}

pub(super) fn shared(c: &mut Cursor, out: &mut Vec<SharedDecl>) -> Result<(), ProgramError> {
    loop {
        let (name, line, col) = name(c, "a variable's name")?;
        let len = array_len(c)?;
        let n = len.unwrap_or(1) as usize;
        let init = if !c.eat_sym("=") {
            vec![0; n]
        } else if c.is_sym("[") {
            let at = c.col();
            c.bump();
            let mut values = vec![int(c)?];
            while c.eat_sym(",") {
                values.push(int(c)?);
            }
            if !c.eat_sym("]") {
                return Err(c.err(format!("expected ',' or ']', found {}", c.found())));
            }
            if len.is_none() || values.len() != n {
                return Err(err(
                    line,
                    at,
                    format!(
                        "'{name}' has {} element(s) but {} initial value(s); write 'shared {name}[{}] = [...]' or one value for all",
                        n,
                        values.len(),
                        values.len()
                    ),
                ));
            }
            values
        } else {
            vec![int(c)?; n]
        };
        out.push(SharedDecl {
            name,
            line,
            col,
            len,
            init,
        });
        if !c.eat_sym(",") {
            return c.expect_end("the declaration");
        }
    }
}

pub(super) fn locks(c: &mut Cursor, out: &mut Vec<LockDecl>) -> Result<(), ProgramError> {
    loop {
        let (name, line, col) = name(c, "a lock's name")?;
        let len = array_len(c)?;
        out.push(LockDecl {
            name,
            line,
            col,
            len,
        });
        if !c.eat_sym(",") {
            return c.expect_end("the declaration");
        }
    }
}
