//! `{{#interleave LESSON key=value …}}`: where directives are in a chapter and what they ask for.
//!
//! Everything a directive says is checked at build time against the same catalogue and bounds
//! the page enforces, so a typo fails `mdbook build` with the chapter, the line, the bad value and
//! what is allowed, instead of showing readers an error inside the frame.

use interleave_shared::lessons::{self, LessonInfo};
use interleave_shared::request::{RawParams, RunBody, StrategyList};
use interleave_shared::{ParamError, Side};

/// What opens a directive. `\{{#interleave …}}` (a backslash first) is left as text, without
/// the backslash, the way mdBook escapes its own `{{#include}}`.
pub const OPEN: &str = "{{#interleave";

/// What may follow the lesson, and in which URL parameter it ends up.
const KEYS: &[&str] = &[
    "strategies",
    "size",
    "workers",
    "latency",
    "repeat",
    "predict",
    "autorun",
    "native",
    "height",
];

/// Frame heights a directive may ask for before the lesson reports its own, in CSS pixels.
pub const HEIGHT: std::ops::RangeInclusive<u32> = 200..=4000;
/// The frame's height until the lesson reports its own (or without the host script).
pub const DEFAULT_HEIGHT: u32 = 720;

/// A directive that cannot be embedded, named with what is allowed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DirectiveError {
    /// `{{#interleave` with no closing `}}` on its line.
    #[error("'{0}' is not closed: a directive ends with }} on the same line")]
    Unclosed(String),
    /// No lesson named.
    #[error("{{{{#interleave}}}} names no lesson: allowed {0}")]
    NoLesson(String),
    /// A word that is not `key=value`.
    #[error("'{0}' is not key=value: allowed keys are {keys}", keys = KEYS.join(", "))]
    NotPair(String),
    /// A key the directive does not take.
    #[error("unknown key '{0}': allowed keys are {keys}", keys = KEYS.join(", "))]
    UnknownKey(String),
    /// The same key twice.
    #[error("key '{0}' is given twice")]
    Repeated(String),
    /// A value the lessons refuse (unknown lesson or strategy, out-of-range number).
    #[error("{0}")]
    Lesson(#[from] ParamError),
    /// A number that is not one.
    #[error("{key} '{value}' is not a whole number: allowed {allowed}")]
    NotNumber {
        /// The key.
        key: &'static str,
        /// As written.
        value: String,
        /// The allowed range.
        allowed: String,
    },
    /// A flag that is not 0 or 1.
    #[error("{key} '{value}' must be 0 or 1")]
    NotFlag {
        /// The key.
        key: &'static str,
        /// As written.
        value: String,
    },
    /// `height` outside [`HEIGHT`].
    #[error("height {0} is out of range: allowed {min}..={max} (px)", min = HEIGHT.start(), max = HEIGHT.end())]
    Height(u32),
    /// A lesson the browser cannot run.
    #[error(
        "lesson '{0}' runs natively only (the CLI and the companion), and an embed runs in the \
         reader's browser: link to it instead"
    )]
    NativeOnly(&'static str),
}

/// One directive, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// The lesson.
    pub lesson: &'static LessonInfo,
    /// The link's parameters after `lesson=`, in the order written (values as checked).
    pub params: Vec<(&'static str, String)>,
    /// The frame's starting height in pixels.
    pub height: u32,
}

/// Where a directive sits in a chapter: its byte range and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of `{{`.
    pub start: usize,
    /// Byte offset just past `}}`.
    pub end: usize,
    /// 1-based line.
    pub line: usize,
}

/// One `{{#interleave …}}` found in a chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence<'a> {
    /// Where it is.
    pub place: Found,
    /// The part between `{{#interleave` and `}}`.
    pub body: &'a str,
    /// Written `\{{#interleave …}}`: text to keep, minus the backslash.
    pub escaped: bool,
}

/// A bad directive: its 1-based line and what is wrong.
pub type Located = (usize, DirectiveError);

/// Every `{{#interleave …}}` in `text`, or the line of one that is not closed.
pub fn find(text: &str) -> Result<Vec<Occurrence<'_>>, Located> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(OPEN) {
        let start = from + at;
        let line = text[..start].matches('\n').count() + 1;
        let escaped = start > 0 && text.as_bytes()[start - 1] == b'\\';
        let rest = &text[start + OPEN.len()..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let Some(close) = rest[..line_end].find("}}") else {
            if escaped {
                from = start + OPEN.len();
                continue;
            }
            let shown: String = text[start..start + OPEN.len() + line_end]
                .chars()
                .take(60)
                .collect();
            return Err((line, DirectiveError::Unclosed(shown)));
        };
        let end = start + OPEN.len() + close + 2;
        let (start, body) = if escaped {
            (start - 1, &rest[..close])
        } else {
            (start, &rest[..close])
        };
        out.push(Occurrence {
            place: Found { start, end, line },
            body,
            escaped,
        });
        from = end;
    }
    Ok(out)
}

/// Read and check a directive's body: `LESSON key=value …`.
pub fn parse(body: &str) -> Result<Directive, DirectiveError> {
    let mut words = body.split_whitespace();
    let names = || {
        lessons::catalogue()
            .filter(|l| !l.web.is_empty())
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(name) = words.next() else {
        return Err(DirectiveError::NoLesson(names()));
    };
    let lesson = lessons::find(name)?;
    if lesson.web.is_empty() {
        return Err(DirectiveError::NativeOnly(lesson.name()));
    }
    let mut params: Vec<(&'static str, String)> = Vec::new();
    let mut height = DEFAULT_HEIGHT;
    let mut body = RunBody {
        lesson: lesson.name().into(),
        strategies: None,
        workers: None,
        params: RawParams::default(),
    };
    for word in words {
        let Some((key, value)) = word.split_once('=') else {
            return Err(DirectiveError::NotPair(word.into()));
        };
        let Some(key) = KEYS.iter().copied().find(|k| *k == key) else {
            return Err(DirectiveError::UnknownKey(key.into()));
        };
        if params.iter().any(|(k, _)| *k == key) || (key == "height" && height != DEFAULT_HEIGHT) {
            return Err(DirectiveError::Repeated(key.into()));
        }
        let number = |allowed: String| {
            value
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| DirectiveError::NotNumber {
                    key,
                    value: value.into(),
                    allowed,
                })
        };
        match key {
            "strategies" => body.strategies = Some(StrategyList::Comma(value.into())),
            "size" => {
                body.params.size = Some(number(format!(
                    "{}..={}",
                    lesson.size.min, lesson.size.max
                ))?)
            }
            "latency" => {
                let spec = lesson.latency;
                body.params.latency_ms = Some(number(
                    spec.map_or("none: this lesson does not wait".into(), |s| {
                        format!("{}..={}", s.min, s.max)
                    }),
                )?)
            }
            "workers" => {
                let w = interleave_shared::params::WORKERS;
                body.workers = Some(number(format!("{}..={}", w.min, w.max))?)
            }
            "repeat" => {
                let r = number("1..=20".into())?;
                if !(1..=20).contains(&r) {
                    return Err(DirectiveError::NotNumber {
                        key,
                        value: value.into(),
                        allowed: "1..=20".into(),
                    });
                }
            }
            "height" => {
                let h = number(format!("{}..={}", HEIGHT.start(), HEIGHT.end()))?;
                let h = u32::try_from(h).unwrap_or(u32::MAX);
                if !HEIGHT.contains(&h) {
                    return Err(DirectiveError::Height(h));
                }
                height = h;
                continue;
            }
            _ => {
                if !matches!(value, "0" | "1") {
                    return Err(DirectiveError::NotFlag {
                        key,
                        value: value.into(),
                    });
                }
            }
        }
        params.push((key, value.replace('_', "")));
    }
    // The same checks the page makes before a run, on the browser's side.
    body.resolve(Side::Web, 2)?;
    // A run at load answers the question before a reader could: autorun asks for no question,
    // unless the directive says otherwise.
    let autorun = params.iter().any(|(k, v)| *k == "autorun" && v == "1");
    if autorun && !params.iter().any(|(k, _)| *k == "predict") {
        params.push(("predict", "0".into()));
    }
    Ok(Directive {
        lesson,
        params,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_directives_with_their_lines_and_escapes() {
        let text = "# A\n\n{{#interleave race}}\n\ntext \\{{#interleave cpu}} more\n{{#interleave io size=8}}\n";
        let found = find(text).unwrap();
        assert_eq!(found.len(), 3);
        let seen = |i: usize| (found[i].place.line, found[i].body.trim(), found[i].escaped);
        assert_eq!(seen(0), (3, "race", false));
        assert_eq!(seen(1), (5, "cpu", true));
        assert_eq!(
            &text[found[1].place.start..found[1].place.end],
            "\\{{#interleave cpu}}"
        );
        assert_eq!(seen(2), (6, "io size=8", false));
        let (line, err) = find("ok\n{{#interleave race\n}}").unwrap_err();
        assert_eq!(line, 2);
        assert!(matches!(err, DirectiveError::Unclosed(_)));
    }

    #[test]
    fn reads_a_lesson_and_its_settings() {
        let d = parse(" cpu strategies=sequential,pool size=2_000_000 workers=2").unwrap();
        assert_eq!(d.lesson.name(), "cpu");
        assert_eq!(
            d.params,
            vec![
                ("strategies", "sequential,pool".to_string()),
                ("size", "2000000".to_string()),
                ("workers", "2".to_string())
            ]
        );
        assert_eq!(d.height, DEFAULT_HEIGHT);
        let d = parse("race autorun=1 height=900").unwrap();
        assert_eq!(
            d.params,
            vec![("autorun", "1".to_string()), ("predict", "0".to_string())]
        );
        assert_eq!(d.height, 900);
        assert!(
            parse("race autorun=1 predict=1")
                .unwrap()
                .params
                .contains(&("predict", "1".into()))
        );
    }

    #[test]
    fn refuses_what_the_page_would_refuse_naming_the_value() {
        let msg = |body: &str| parse(body).unwrap_err().to_string();
        assert!(msg("").contains("names no lesson: allowed"));
        assert!(msg("racee").contains("racee"));
        assert!(msg("cpu size=1e99").contains("size '1e99' is not a whole number"));
        let too_big = msg("cpu size=999999999999999");
        assert!(too_big.contains("999999999999999"), "{too_big}");
        assert!(
            msg("cpu strategies=rayon").contains("rayon"),
            "a native-only strategy"
        );
        assert!(msg("cpu colour=red").contains("unknown key 'colour'"));
        assert!(msg("cpu size").contains("'size' is not key=value"));
        assert!(msg("cpu size=1 size=2").contains("given twice"));
        assert!(msg("cpu predict=yes").contains("predict 'yes' must be 0 or 1"));
        assert!(msg("cpu height=50").contains("height 50 is out of range: allowed 200..=4000"));
        assert!(msg("cpu repeat=0").contains("allowed 1..=20"));
        assert!(msg("cpu latency=5").contains("latency"));
    }
}
