//! The program's syntax: declarations, threads and tasks with their indented blocks, checks.
//! Names are resolved later (in `compile`); this module only knows the shape.

use super::ProgramError;
use super::ast::{Ast, CheckDecl, Stmt, StmtKind, UnitDecl, name};
use super::expr;
use super::lex::{self, Cursor, Line, Tok};
use super::line::{locks, shared, simple};

/// The most copies of one thread or task.
pub(super) const MAX_COPIES: u32 = 16;
/// How deeply blocks may nest.
const MAX_NESTING: u32 = 24;
/// The most `elif`s after one `if`.
const MAX_ELIFS: usize = 64;

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

struct Parser<'a> {
    lines: &'a [Line],
    i: usize,
}

/// Parse the whole program.
pub(super) fn program(src: &str) -> Result<Ast, ProgramError> {
    let lines = lex::lines(src)?;
    let mut p = Parser {
        lines: &lines,
        i: 0,
    };
    let mut ast = Ast::default();
    while p.i < lines.len() {
        p.top(&mut ast)?;
    }
    if ast.units.is_empty() {
        return Err(err(
            1,
            1,
            "a program needs at least one 'thread NAME:' or 'task NAME:' with an indented block",
        ));
    }
    Ok(ast)
}

impl<'a> Parser<'a> {
    fn top(&mut self, ast: &mut Ast) -> Result<(), ProgramError> {
        let lines = self.lines;
        let line = &lines[self.i];
        let mut c = Cursor::new(line);
        if line.indent > 0 {
            return Err(c.err(
                "unexpected indent: top-level lines (shared, lock, thread, task, check) start at column 1",
            ));
        }
        match c.peek_name() {
            Some(kw @ ("shared" | "lock")) => {
                if !ast.units.is_empty() {
                    return Err(c.err(format!(
                        "declare with '{kw}' before the first thread or task"
                    )));
                }
                c.bump();
                if kw == "shared" {
                    shared(&mut c, &mut ast.shared)?;
                } else {
                    locks(&mut c, &mut ast.locks)?;
                }
                self.i += 1;
            }
            Some("thread" | "task") => {
                if !ast.checks.is_empty() {
                    return Err(c.err("threads and tasks come before the checks"));
                }
                let unit = self.unit(c)?;
                ast.units.push(unit);
            }
            Some("check") => {
                if ast.units.is_empty() {
                    return Err(c.err("a check comes after the threads and tasks it judges"));
                }
                c.bump();
                let from = c.pos;
                let cond = expr::parse(&mut c)?;
                c.expect_end("the check's condition")?;
                ast.checks.push(CheckDecl {
                    cond,
                    line: line.no,
                    text: c.text_from(from),
                });
                self.i += 1;
            }
            _ => {
                return Err(c.err(
                    "expected 'shared', 'lock', 'thread', 'task' or 'check' here; statements belong in a thread's or task's indented block",
                ));
            }
        }
        Ok(())
    }

    fn unit(&mut self, mut c: Cursor<'a>) -> Result<UnitDecl, ProgramError> {
        let task = c.peek_name() == Some("task");
        let kind = if task { "task" } else { "thread" };
        c.bump();
        let (name, line, col) = name(&mut c, &format!("the {kind}'s name after '{kind}'"))?;
        let copies = if c.eat_name("x") {
            match c.peek() {
                Some(&Tok::Int(k)) if (1..=u64::from(MAX_COPIES)).contains(&k) => {
                    c.bump();
                    Some(k as u32)
                }
                Some(Tok::Int(_)) => {
                    return Err(c.err(format!(
                        "the number of copies must be between 1 and {MAX_COPIES}"
                    )));
                }
                _ => return Err(c.err(format!("expected how many copies after '{name} x'"))),
            }
        } else {
            None
        };
        if !c.eat_sym(":") {
            return Err(c.err(format!(
                "expected ':' after '{kind} {name}', found {}",
                c.found()
            )));
        }
        let body = self.block(0, c, 1)?;
        Ok(UnitDecl {
            name,
            line,
            col,
            task,
            copies,
            body,
        })
    }

    /// The block after a `:` at the cursor: a simple statement on the same line, or the more
    /// indented lines that follow. Leaves `self.i` at the first line after the block.
    fn block(
        &mut self,
        parent: u32,
        mut c: Cursor<'a>,
        depth: u32,
    ) -> Result<Vec<Stmt>, ProgramError> {
        let lines = self.lines;
        let header = c.line;
        if depth > MAX_NESTING {
            return Err(c.err(format!("blocks nest too deeply (at most {MAX_NESTING})")));
        }
        if !c.at_end() {
            let s = simple(&mut c)?;
            c.expect_end("the statement")?;
            self.i += 1;
            if let Some(next) = lines.get(self.i).filter(|l| l.indent > parent) {
                return Err(err(
                    next.no,
                    next.indent + 1,
                    format!(
                        "unexpected indent: the block of line {} is already on that line",
                        header.no
                    ),
                ));
            }
            return Ok(vec![s]);
        }
        self.i += 1;
        let Some(indent) = lines.get(self.i).map(|l| l.indent).filter(|&i| i > parent) else {
            return Err(err(
                header.no,
                header.end_col,
                "expected an indented block after this ':' (write 'pass' for an empty one)",
            ));
        };
        let mut body = Vec::new();
        while let Some(line) = lines.get(self.i) {
            if line.indent < indent {
                if line.indent > parent {
                    return Err(err(
                        line.no,
                        line.indent + 1,
                        "this line's indentation matches no enclosing block",
                    ));
                }
                break;
            }
            if line.indent > indent {
                return Err(err(line.no, line.indent + 1, "unexpected indent"));
            }
            body.push(self.statement(indent, depth)?);
        }
        Ok(body)
    }

    fn statement(&mut self, indent: u32, depth: u32) -> Result<Stmt, ProgramError> {
        let lines = self.lines;
        let line = &lines[self.i];
        let mut c = Cursor::new(line);
        match c.peek_name() {
            Some("if") => self.if_chain(indent, depth),
            Some("while") => {
                let col = c.col();
                c.bump();
                let cond = expr::parse(&mut c)?;
                let text = c.text_from(0);
                colon(&mut c, "the loop's condition")?;
                let body = self.block(indent, c, depth + 1)?;
                Ok(Stmt {
                    kind: StmtKind::While { cond, body },
                    line: line.no,
                    col,
                    text,
                })
            }
            Some(kw @ ("elif" | "else")) => Err(c.err(format!(
                "'{kw}' without an 'if' just above it at the same indentation"
            ))),
            _ => {
                let s = simple(&mut c)?;
                c.expect_end("the statement")?;
                self.i += 1;
                Ok(s)
            }
        }
    }

    /// `if` with its `elif`s and `else`, as nested `If`s.
    fn if_chain(&mut self, indent: u32, depth: u32) -> Result<Stmt, ProgramError> {
        let lines = self.lines;
        let mut arms = Vec::new();
        let mut els = Vec::new();
        loop {
            let line = &lines[self.i];
            let mut c = Cursor::new(line);
            let col = c.col();
            c.bump();
            let cond = expr::parse(&mut c)?;
            let text = c.text_from(0);
            colon(&mut c, "the condition")?;
            let then = self.block(indent, c, depth + 1)?;
            arms.push((cond, then, line.no, col, text));
            let Some(next) = lines.get(self.i).filter(|l| l.indent == indent) else {
                break;
            };
            let mut c = Cursor::new(next);
            if c.peek_name() == Some("elif") {
                if arms.len() > MAX_ELIFS {
                    return Err(c.err(format!("at most {MAX_ELIFS} 'elif's follow one 'if'")));
                }
                continue;
            }
            if c.eat_name("else") {
                colon(&mut c, "'else'")?;
                els = self.block(indent, c, depth + 1)?;
            }
            break;
        }
        let mut n = arms.len();
        while let Some((cond, then, line, col, text)) = arms.pop() {
            n -= 1;
            let kind = StmtKind::If {
                cond,
                then,
                els: std::mem::take(&mut els),
                elif: n > 0,
            };
            els = vec![Stmt {
                kind,
                line,
                col,
                text,
            }];
        }
        els.pop().ok_or_else(|| err(1, 1, "expected 'if'"))
    }
}

fn colon(c: &mut Cursor, after: &str) -> Result<(), ProgramError> {
    if c.eat_sym(":") {
        Ok(())
    } else {
        Err(c.err(format!("expected ':' after {after}, found {}", c.found())))
    }
}
