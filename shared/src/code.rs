//! The code a learner sees beside a run: excerpts cut from this repository's own sources at build
//! time, so the page can never show code that differs from the code that ran.
//!
//! A source file marks an excerpt with a comment line naming the lesson and strategy keys it
//! belongs to, and ends it with an end line:
//!
//! ```text
//! // @code race:mutex race:atomic
//! let mut balance = lock.lock();
//! // @end
//! ```
//!
//! A key may end in `@native` or `@web` when an excerpt from `shared/` runs on one side only
//! (rayon's `par_iter` is the page's pool but the CLI's `rayon` strategy). Python files use
//! `# @code …` / `# @end`. One excerpt may serve several keys (the thread pool
//! that runs both the cpu and the io lesson), and one key may collect several excerpts (the
//! lesson's kernel in `shared/` plus the runner that schedules it), which are shown in file order.
//!
//! This module is plain Rust with no dependencies on the rest of the crate, because the web
//! crate's build script compiles it on its own (`#[path]`) to cut the excerpts before the page is
//! built.

/// One marked excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The keys from the marker line.
    pub keys: Vec<Key>,
    /// The lines between the markers, with their common indentation removed.
    pub code: String,
    /// 1-based line of the first excerpted line in its file.
    pub line: usize,
}

/// `lesson:strategy[@side]`: what an excerpt shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The lesson's name.
    pub lesson: String,
    /// The strategy's name.
    pub strategy: String,
    /// `native` or `web` when the key is limited to one side.
    pub side: Option<String>,
}

impl Key {
    /// Parse `lesson:strategy` or `lesson:strategy@native|web`.
    fn parse(key: &str) -> Option<Key> {
        let (pair, side) = match key.split_once('@') {
            Some((pair, side @ ("native" | "web"))) => (pair, Some(side.to_string())),
            Some(_) => return None,
            None => (key, None),
        };
        let (lesson, strategy) = pair.split_once(':')?;
        (!lesson.is_empty() && !strategy.is_empty()).then(|| Key {
            lesson: lesson.to_string(),
            strategy: strategy.to_string(),
            side,
        })
    }
}

/// A malformed marker, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

impl std::fmt::Display for MarkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

/// The trees the web crate's build script cuts excerpts from, relative to the workspace root,
/// and the side their code runs on. Trunk must watch each of them (`Trunk.toml`), or an edited
/// excerpt would not rebuild the page; a test in `web/src/code.rs` holds the two together.
pub const TREES: &[(&str, &str)] = &[
    ("shared/src", "Shared"),
    ("native/src", "Native"),
    ("web/src", "Web"),
    ("shared/python", "Shared"),
];

/// The comment a marker starts with in a file of this kind: `//` for Rust, `#` for Python.
pub fn comment_for(path: &str) -> Option<&'static str> {
    if path.ends_with(".rs") {
        Some("//")
    } else if path.ends_with(".py") {
        Some("#")
    } else {
        None
    }
}

/// Cut every marked excerpt out of `text`, whose comments start with `comment`.
///
/// Markers must pair up and must not nest; each key must be `lesson:strategy`. Errors name the
/// line so a typo fails the build where it is, not as a missing excerpt on the page.
pub fn extract(text: &str, comment: &str) -> Result<Vec<Excerpt>, MarkerError> {
    let open = format!("{comment} @code");
    let close = format!("{comment} @end");
    let mut out = Vec::new();
    let mut current: Option<(Vec<Key>, usize, Vec<&str>)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_start();
        let marker = trimmed
            .strip_prefix(&open)
            .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        if let Some(rest) = marker {
            if current.is_some() {
                return Err(MarkerError {
                    line,
                    what: "an excerpt starts inside another one (close it with @end first)".into(),
                });
            }
            let keys = rest
                .split_whitespace()
                .map(|key| {
                    Key::parse(key).ok_or_else(|| MarkerError {
                        line,
                        what: format!("'{key}' is not a lesson:strategy[@native|@web] key"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if keys.is_empty() {
                return Err(MarkerError {
                    line,
                    what: "@code names no lesson:strategy key".into(),
                });
            }
            current = Some((keys, line + 1, Vec::new()));
        } else if trimmed.starts_with(&close)
            || (current.is_some() && raw.trim_end().ends_with(&close))
        {
            // rustfmt moves a marker after a match's last arm onto the arm's closing brace
            // (`} // @end`): the code before it is the excerpt's last line.
            let before = raw.trim_end().strip_suffix(close.as_str()).unwrap_or("");
            let Some((keys, first, mut lines)) = current.take() else {
                return Err(MarkerError {
                    line,
                    what: "@end without an @code before it".into(),
                });
            };
            if !before.trim().is_empty() {
                lines.push(before.trim_end());
            }
            if lines.iter().all(|l| l.trim().is_empty()) {
                return Err(MarkerError {
                    line,
                    what: "the excerpt is empty".into(),
                });
            }
            out.push(Excerpt {
                keys,
                code: dedent(&lines),
                line: first,
            });
        } else if let Some((_, _, lines)) = current.as_mut() {
            lines.push(raw);
        }
    }
    match current {
        Some((_, first, _)) => Err(MarkerError {
            line: first - 1,
            what: "@code is never closed by @end".into(),
        }),
        None => Ok(out),
    }
}

/// Remove the indentation every non-blank line shares, and trailing blank lines.
fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = lines
        .iter()
        .map(|l| if l.len() >= indent { &l[indent..] } else { "" })
        .map(str::trim_end)
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_keeps_its_lines_without_their_shared_indent() {
        let text = "fn a() {\n    // @code race:mutex race:atomic\n    let x = 1;\n        nested();\n    // @end\n}\n";
        let got = extract(text, "//").unwrap();
        assert_eq!(got.len(), 1);
        let keys: Vec<_> = got[0]
            .keys
            .iter()
            .map(|k| (k.lesson.as_str(), k.strategy.as_str(), k.side.as_deref()))
            .collect();
        assert_eq!(
            keys,
            vec![("race", "mutex", None), ("race", "atomic", None)]
        );
        assert_eq!(got[0].code, "let x = 1;\n    nested();");
        assert_eq!(got[0].line, 3);
    }

    #[test]
    fn an_end_marker_that_rustfmt_moved_onto_a_closing_brace_still_ends_the_excerpt() {
        let text = "match v {\n    // @code a:b\n    A => {\n        x();\n    } // @end\n}\n";
        let got = extract(text, "//").unwrap();
        assert_eq!(got[0].code, "A => {\n    x();\n}");
    }

    #[test]
    fn a_key_can_be_limited_to_one_side() {
        let got = extract("// @code cpu:pool@web cpu:rayon\nx\n// @end\n", "//").unwrap();
        assert_eq!(got[0].keys[0].side.as_deref(), Some("web"));
        assert_eq!(got[0].keys[1].side, None);
    }

    #[test]
    fn python_markers_use_the_hash_comment() {
        let text = "import threading\n# @code race:mutex\nwith lock:\n    balance += n\n# @end\n";
        let got = extract(text, comment_for("race.py").unwrap()).unwrap();
        assert_eq!(got[0].code, "with lock:\n    balance += n");
    }

    #[test]
    fn malformed_markers_name_their_line() {
        let unclosed = extract("// @code a:b\nx\n", "//").unwrap_err();
        assert_eq!(unclosed.line, 1);
        let nested = extract("// @code a:b\n// @code a:c\n// @end\n", "//").unwrap_err();
        assert_eq!(nested.line, 2);
        let stray = extract("x\n// @end\n", "//").unwrap_err();
        assert_eq!(stray.line, 2);
        let bad_key = extract("// @code race\nx\n// @end\n", "//").unwrap_err();
        assert!(bad_key.what.contains("'race'"), "{bad_key}");
        let bad_side = extract("// @code a:b@moon\nx\n// @end\n", "//").unwrap_err();
        assert!(bad_side.what.contains("a:b@moon"), "{bad_side}");
        let empty = extract("// @code a:b\n\n// @end\n", "//").unwrap_err();
        assert!(empty.what.contains("empty"), "{empty}");
    }

    #[test]
    fn text_outside_markers_is_ignored() {
        assert!(
            extract("fn main() {}\n// @coder not a marker\n", "//")
                .unwrap()
                .is_empty()
        );
        assert!(
            extract("fn main() {}\n// code here\n", "//")
                .unwrap()
                .is_empty()
        );
    }
}
