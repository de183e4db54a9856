//! The source cut into lines of tokens. Each line keeps its number, indentation and text, each
//! token its 1-based column, so every later error can point at the place.

use super::ProgramError;

/// The longest program accepted, in bytes: far more than a page's editor holds, little enough
/// that parsing stays instant.
const MAX_SOURCE: usize = 64 * 1024;

/// The most tokens on one line: keeps expression trees shallow enough for recursion.
const MAX_TOKENS: usize = 400;

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// A name or keyword.
    Name(String),
    /// A non-negative integer literal (a minus sign is an operator).
    Int(u64),
    /// An operator or punctuation.
    Sym(&'static str),
}

/// A token and where it is.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    /// 1-based column.
    pub col: u32,
    /// Byte range in the line's text.
    pub start: usize,
    pub end: usize,
}

/// One line that holds code.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// 1-based line number.
    pub no: u32,
    /// Width of the indentation, in characters.
    pub indent: u32,
    pub toks: Vec<Token>,
    pub text: String,
    /// The column just after the last token: where "the line ends here" points.
    pub end_col: u32,
}

const SYMBOLS: [&str; 23] = [
    "==", "!=", "<=", ">=", "+=", "-=", "&&", "||", "(", ")", "[", "]", ",", ":", "=", "<", ">",
    "+", "-", "*", "/", "%", "!",
];

fn err(line: u32, col: u32, message: impl Into<String>) -> ProgramError {
    ProgramError::new(line, col, message)
}

/// The lines of `src` that hold code (blank and comment-only lines are dropped).
pub(super) fn lines(src: &str) -> Result<Vec<Line>, ProgramError> {
    if src.len() > MAX_SOURCE {
        return Err(err(
            1,
            1,
            format!(
                "the program is {} bytes long; at most {MAX_SOURCE} are accepted",
                src.len()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut style = None;
    for (i, text) in src.lines().enumerate() {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(line) = line(no, text, &mut style)? {
            out.push(line);
        }
    }
    Ok(out)
}

fn line(no: u32, text: &str, style: &mut Option<(u8, u32)>) -> Result<Option<Line>, ProgramError> {
    let rest = text.trim_start_matches([' ', '\t']);
    let indent = &text[..text.len() - rest.len()];
    if rest.trim_end_matches([' ', '\t', '\r']).is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    check_indent(no, indent.as_bytes(), style)?;
    let (toks, end_col) = tokens(no, text, indent.len())?;
    Ok(Some(Line {
        no,
        indent: indent.len() as u32,
        toks,
        text: text.to_string(),
        end_col,
    }))
}

fn check_indent(no: u32, indent: &[u8], style: &mut Option<(u8, u32)>) -> Result<(), ProgramError> {
    let Some(&first) = indent.first() else {
        return Ok(());
    };
    if let Some(pos) = indent.iter().position(|&c| c != first) {
        return Err(err(
            no,
            pos as u32 + 1,
            "this indentation mixes tabs and spaces; use one or the other",
        ));
    }
    let name = |c: u8| if c == b'\t' { "tabs" } else { "spaces" };
    match *style {
        Some((s, line)) if s != first => Err(err(
            no,
            1,
            format!(
                "this line is indented with {} but line {line} with {}; use one or the other",
                name(first),
                name(s)
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *style = Some((first, no));
            Ok(())
        }
    }
}

/// The tokens of `text` from byte `from`, and the column after the last one. Every character
/// before a comment must be ASCII, so byte offsets are columns.
fn tokens(no: u32, text: &str, from: usize) -> Result<(Vec<Token>, u32), ProgramError> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        let col = (i + 1) as u32;
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => break,
            b'0'..=b'9' => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let v = text[start..i]
                    .parse::<u64>()
                    .map_err(|_| err(no, col, "this number is too large: integers are 64-bit"))?;
                Tok::Int(v)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Name(text[start..i].to_string())
            }
            _ => {
                let sym = SYMBOLS
                    .iter()
                    .find(|s| b[i..].starts_with(s.as_bytes()))
                    .ok_or_else(|| {
                        let ch = text[i..].chars().next().unwrap_or('?');
                        err(no, col, format!("unexpected character '{ch}'"))
                    })?;
                i += sym.len();
                Tok::Sym(sym)
            }
        };
        toks.push(Token {
            tok,
            col,
            start,
            end: i,
        });
        if toks.len() > MAX_TOKENS {
            return Err(err(
                no,
                col,
                format!("this line is too long: at most {MAX_TOKENS} words and symbols"),
            ));
        }
    }
    let end_col = toks.last().map_or(from + 1, |t| t.end + 1) as u32;
    Ok((toks, end_col))
}

/// A reader over one line's tokens.
pub(super) struct Cursor<'a> {
    pub line: &'a Line,
    pub pos: usize,
    /// The next node id: names read in one line are numbered so a line's steps can be shown.
    next_id: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(line: &'a Line) -> Self {
        Cursor {
            line,
            pos: 0,
            next_id: 0,
        }
    }

    pub fn peek(&self) -> Option<&'a Tok> {
        self.line.toks.get(self.pos).map(|t| &t.tok)
    }

    /// The name at the cursor, if the token there is one.
    pub fn peek_name(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Tok::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub fn bump(&mut self) {
        self.pos += 1;
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.line.toks.len()
    }

    /// The column of the token at the cursor, or where the line ends.
    pub fn col(&self) -> u32 {
        self.line
            .toks
            .get(self.pos)
            .map_or(self.line.end_col, |t| t.col)
    }

    pub fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    pub fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.is_sym(s);
        if yes {
            self.bump();
        }
        yes
    }

    pub fn eat_name(&mut self, s: &str) -> bool {
        let yes = self.peek_name() == Some(s);
        if yes {
            self.bump();
        }
        yes
    }

    /// An error at the cursor.
    pub fn err(&self, message: impl Into<String>) -> ProgramError {
        err(self.line.no, self.col(), message)
    }

    /// What is at the cursor, for messages: `'x'` or "the end of the line".
    pub fn found(&self) -> String {
        match self.line.toks.get(self.pos) {
            Some(t) => format!("'{}'", &self.line.text[t.start..t.end]),
            None => "the end of the line".to_string(),
        }
    }

    /// An error unless the line ends at the cursor.
    pub fn expect_end(&self, after: &str) -> Result<(), ProgramError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.err(format!(
                "expected the end of the line after {after}, found {}",
                self.found()
            )))
        }
    }

    /// The source text of tokens `from..self.pos`.
    pub fn text_from(&self, from: usize) -> String {
        let toks = &self.line.toks;
        match (
            toks.get(from),
            self.pos.checked_sub(1).and_then(|l| toks.get(l)),
        ) {
            (Some(a), Some(b)) if from < self.pos => self.line.text[a.start..b.end].to_string(),
            _ => String::new(),
        }
    }

    /// A fresh node id for a name read on this line.
    pub fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }
}
