//! Expressions: their tree, the parser (precedence climbing over one line's tokens) and the
//! printer that shows a line's steps with values read by earlier steps replaced by temporaries.

use super::ProgramError;
use super::lex::{Cursor, Tok};

/// Words that cannot name a variable, a lock, a thread or a task.
pub(super) const KEYWORDS: [&str; 22] = [
    "shared", "lock", "unlock", "thread", "task", "check", "if", "elif", "else", "while", "break",
    "continue", "pass", "await", "assert", "atomic", "and", "or", "not", "true", "false", "me",
];

/// How deeply parentheses, `not` and unary minus may nest.
const MAX_DEPTH: u32 = 48;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    /// Binding strength: higher binds tighter (`not` is 3, unary minus 7).
    pub fn prec(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 6,
        }
    }

    pub fn sym(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    fn comparison(tok: Option<&Tok>) -> Option<BinOp> {
        let Some(Tok::Sym(s)) = tok else { return None };
        Some(match *s {
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            _ => return None,
        })
    }
}

/// An expression as written.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    Int(i64),
    /// `me`, and where it is written.
    Me {
        line: u32,
        col: u32,
    },
    /// A name, possibly indexed; `id` numbers the reads of one line.
    Var {
        name: String,
        line: u32,
        col: u32,
        id: u32,
        index: Option<Box<Expr>>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// Parse an expression at the cursor.
pub(super) fn parse(c: &mut Cursor) -> Result<Expr, ProgramError> {
    or(c, 0)
}

fn deeper(c: &Cursor, depth: u32) -> Result<u32, ProgramError> {
    if depth >= MAX_DEPTH {
        return Err(c.err("this expression is nested too deeply"));
    }
    Ok(depth + 1)
}

fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    Expr::Bin(op, Box::new(l), Box::new(r))
}

fn or(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let mut l = and(c, d)?;
    while c.eat_name("or") || c.eat_sym("||") {
        let r = and(c, d)?;
        l = bin(BinOp::Or, l, r);
    }
    Ok(l)
}

fn and(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let mut l = not(c, d)?;
    while c.eat_name("and") || c.eat_sym("&&") {
        let r = not(c, d)?;
        l = bin(BinOp::And, l, r);
    }
    Ok(l)
}

fn not(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    if c.eat_name("not") || c.eat_sym("!") {
        let d = deeper(c, d)?;
        return Ok(Expr::Not(Box::new(not(c, d)?)));
    }
    comparison(c, d)
}

fn comparison(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let l = sum(c, d)?;
    if c.is_sym("=") {
        return Err(c.err("'=' assigns; to compare, write '=='"));
    }
    let Some(op) = BinOp::comparison(c.peek()) else {
        return Ok(l);
    };
    c.bump();
    let r = sum(c, d)?;
    if BinOp::comparison(c.peek()).is_some() {
        return Err(c.err("comparisons cannot be chained; join them with 'and'"));
    }
    Ok(bin(op, l, r))
}

fn sum(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let mut l = term(c, d)?;
    loop {
        let op = if c.eat_sym("+") {
            BinOp::Add
        } else if c.eat_sym("-") {
            BinOp::Sub
        } else {
            return Ok(l);
        };
        let r = term(c, d)?;
        l = bin(op, l, r);
    }
}

fn term(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let mut l = unary(c, d)?;
    loop {
        let op = if c.eat_sym("*") {
            BinOp::Mul
        } else if c.eat_sym("/") {
            BinOp::Div
        } else if c.eat_sym("%") {
            BinOp::Rem
        } else {
            return Ok(l);
        };
        let r = unary(c, d)?;
        l = bin(op, l, r);
    }
}

fn unary(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    if !c.eat_sym("-") {
        return primary(c, d);
    }
    let d = deeper(c, d)?;
    if let Some(&Tok::Int(v)) = c.peek() {
        // A negative literal, so that -9223372036854775808 can be written.
        if v > 1u64 << 63 {
            return Err(c.err("this number is too large: integers are 64-bit"));
        }
        c.bump();
        return Ok(Expr::Int((-i128::from(v)) as i64));
    }
    Ok(Expr::Neg(Box::new(unary(c, d)?)))
}

fn primary(c: &mut Cursor, d: u32) -> Result<Expr, ProgramError> {
    let (line, col) = (c.line.no, c.col());
    match c.peek() {
        Some(&Tok::Int(v)) => {
            let v = i64::try_from(v)
                .map_err(|_| c.err("this number is too large: integers are 64-bit"))?;
            c.bump();
            Ok(Expr::Int(v))
        }
        Some(Tok::Name(n)) if n == "true" || n == "false" => {
            c.bump();
            Ok(Expr::Int(i64::from(n == "true")))
        }
        Some(Tok::Name(n)) if n == "me" => {
            c.bump();
            Ok(Expr::Me { line, col })
        }
        Some(Tok::Name(n)) if KEYWORDS.contains(&n.as_str()) => {
            Err(c.err(format!("expected a value, but '{n}' is a keyword")))
        }
        Some(Tok::Name(n)) => {
            c.bump();
            let id = c.id();
            let index = if c.eat_sym("[") {
                let e = or(c, deeper(c, d)?)?;
                if !c.eat_sym("]") {
                    return Err(c.err(format!(
                        "expected ']' to close the '[' after '{n}', found {}",
                        c.found()
                    )));
                }
                Some(Box::new(e))
            } else {
                None
            };
            Ok(Expr::Var {
                name: n.clone(),
                line,
                col,
                id,
                index,
            })
        }
        Some(Tok::Sym("(")) => {
            c.bump();
            let e = or(c, deeper(c, d)?)?;
            if !c.eat_sym(")") {
                return Err(c.err(format!(
                    "expected ')' to close the '(' at column {col}, found {}",
                    c.found()
                )));
            }
            Ok(e)
        }
        None => Err(c.err("expected a value (a number, a name or '('), but the line ends here")),
        Some(_) => Err(c.err(format!(
            "expected a value (a number, a name or '('), found {}",
            c.found()
        ))),
    }
}

/// Whether `e` reads a name that `shared` says is shared.
pub(super) fn reads(e: &Expr, shared: &dyn Fn(&str) -> bool) -> bool {
    match e {
        Expr::Int(_) | Expr::Me { .. } => false,
        Expr::Var { name, index, .. } => {
            shared(name) || index.as_deref().is_some_and(|i| reads(i, shared))
        }
        Expr::Neg(x) | Expr::Not(x) => reads(x, shared),
        Expr::Bin(_, l, r) => reads(l, shared) || reads(r, shared),
    }
}

/// Substitution for names already read: node id → the temporary holding the value.
pub(super) type Sub<'a> = &'a dyn Fn(u32) -> Option<String>;

/// `e` as code, names substituted by `sub`.
pub(super) fn show(e: &Expr, sub: Sub) -> String {
    let mut out = String::new();
    write(e, sub, 0, &mut out);
    out
}

/// `e` as code, parenthesized if it binds less tightly than `min`.
pub(super) fn show_at(e: &Expr, sub: Sub, min: u8) -> String {
    let mut out = String::new();
    write(e, sub, min, &mut out);
    out
}

/// A name and its index, the name itself never substituted.
pub(super) fn show_var(name: &str, index: Option<&Expr>, sub: Sub) -> String {
    match index {
        Some(i) => format!("{name}[{}]", show(i, sub)),
        None => name.to_string(),
    }
}

fn write(e: &Expr, sub: Sub, min: u8, out: &mut String) {
    let (prec, open) = match e {
        Expr::Neg(_) => (7, min > 7),
        Expr::Not(_) => (3, min > 3),
        Expr::Bin(op, ..) => (op.prec(), op.prec() < min),
        _ => (8, false),
    };
    if open {
        out.push('(');
    }
    match e {
        Expr::Int(v) => out.push_str(&v.to_string()),
        Expr::Me { .. } => out.push_str("me"),
        Expr::Var {
            name, id, index, ..
        } => match sub(*id) {
            Some(t) => out.push_str(&t),
            None => out.push_str(&show_var(name, index.as_deref(), sub)),
        },
        Expr::Neg(x) => {
            out.push('-');
            write(x, sub, prec, out);
        }
        Expr::Not(x) => {
            out.push_str("not ");
            write(x, sub, prec, out);
        }
        Expr::Bin(op, l, r) => {
            // Comparisons do not chain, so both sides of one bind tighter.
            let left = if op.prec() == 4 { prec + 1 } else { prec };
            write(l, sub, left, out);
            out.push(' ');
            out.push_str(op.sym());
            out.push(' ');
            write(r, sub, prec + 1, out);
        }
    }
    if open {
        out.push(')');
    }
}
