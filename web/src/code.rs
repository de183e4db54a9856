//! The code beside the run: for each strategy of a lesson, the lines of this repository that make
//! it what it is (cut from the sources at build time by `build.rs`, so they cannot drift from what
//! runs) and a short Python version in the style of the notes
//! (`shared/python/notes_<lesson>.py`, run by the tests, so it is real Python that gives the same
//! answer).

use interleave_shared::{LessonId, Side, StrategyId};

/// Which crate an excerpt comes from, and so on which side it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `shared/`: the lesson's pure work, run by both sides (and the Python files).
    Shared,
    /// `native/`: the CLI's runners.
    Native,
    /// `web/`: the page's runners.
    Web,
}

impl Origin {
    /// Whether code from here runs on `side`.
    pub fn runs_on(self, side: Side) -> bool {
        match self {
            Origin::Shared => true,
            Origin::Native => side == Side::Native,
            Origin::Web => side == Side::Web,
        }
    }
}

/// The language of an excerpt (`data-lang` on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// The Rust that runs.
    Rust,
    /// The notes' Python, written for this page.
    Python,
}

impl Lang {
    /// The name used in test ids and class names.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
        }
    }
}

/// One excerpt, as the build script cut it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt {
    /// Lesson name, as in `LessonId::name`.
    pub lesson: &'static str,
    /// Strategy name, as in `StrategyId::name`.
    pub strategy: &'static str,
    /// The crate it was cut from.
    pub origin: Origin,
    /// Rust or Python.
    pub lang: Lang,
    /// Path from the repository root.
    pub file: &'static str,
    /// 1-based line of its first line.
    pub line: usize,
    /// The lines.
    pub code: &'static str,
}

/// Every excerpt in the repository, in file order.
pub static EXCERPTS: &[Excerpt] = include!(concat!(env!("OUT_DIR"), "/excerpts.rs"));

/// The excerpts that show how `strategy` of `lesson` runs on `side` in `lang`, in file order.
pub fn excerpts(
    lesson: LessonId,
    strategy: StrategyId,
    side: Side,
    lang: Lang,
) -> impl Iterator<Item = &'static Excerpt> {
    EXCERPTS.iter().filter(move |e| {
        e.lesson == lesson.name()
            && e.strategy == strategy.name()
            && e.lang == lang
            && (lang == Lang::Python || e.origin.runs_on(side))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use interleave_shared::lessons::{self, LessonInfo};

    fn sides(info: &LessonInfo) -> [(Side, Vec<StrategyId>); 2] {
        [
            (
                Side::Native,
                info.strategies(Side::Native).iter().map(|s| s.id).collect(),
            ),
            (
                Side::Web,
                info.strategies(Side::Web).iter().map(|s| s.id).collect(),
            ),
        ]
    }

    /// A marker with a misspelt lesson or strategy would silently show nothing; every key must
    /// name a real strategy of a real lesson.
    #[test]
    fn every_excerpt_names_a_strategy_its_lesson_has() {
        for e in EXCERPTS {
            let info = lessons::catalogue()
                .find(|l| l.name() == e.lesson)
                .unwrap_or_else(|| panic!("{}:{} names no lesson '{}'", e.file, e.line, e.lesson));
            let known = sides(info)
                .iter()
                .any(|(_, ids)| ids.iter().any(|id| id.name() == e.strategy));
            assert!(
                known,
                "{}:{}: lesson {} has no strategy '{}'",
                e.file, e.line, e.lesson, e.strategy
            );
        }
    }

    /// The page promises code beside every strategy it can show, on both sides.
    #[test]
    fn every_strategy_has_its_rust_and_its_python() {
        let mut missing = Vec::new();
        for info in lessons::catalogue() {
            for (side, ids) in sides(info) {
                for id in ids {
                    for lang in [Lang::Rust, Lang::Python] {
                        if excerpts(info.id, id, side, lang).next().is_none() {
                            missing.push(format!(
                                "{} {} {side:?} {}",
                                info.name(),
                                id.name(),
                                lang.name()
                            ));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no excerpt for:\n{}",
            missing.join("\n")
        );
    }

    /// Trunk rebuilds the page when a watched path changes: every tree the build script cuts
    /// excerpts from must be under one, or an edited excerpt would leave a stale page.
    #[test]
    fn trunk_watches_every_tree_excerpts_come_from() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let trunk = std::fs::read_to_string(root.join("Trunk.toml")).expect("Trunk.toml");
        let line = trunk
            .lines()
            .find(|l| l.trim_start().starts_with("watch ="))
            .expect("a watch list in Trunk.toml");
        let watched: Vec<&str> = line
            .split('"')
            .skip(1)
            .step_by(2)
            .map(|p| p.trim_end_matches('/'))
            .collect();
        for (tree, _) in interleave_shared::code::TREES {
            assert!(
                watched
                    .iter()
                    .any(|w| *tree == *w || tree.starts_with(&format!("{w}/"))),
                "Trunk.toml does not watch {tree} (watching {watched:?})"
            );
        }
    }
}
