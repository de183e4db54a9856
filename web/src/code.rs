//! The code beside the run: for each strategy of a lesson, the lines of this repository that make
//! it what it is (cut from the sources at build time by `build.rs`, so they cannot drift from what
//! runs) and a short Python version in the style of the notes
//! (`shared/python/notes_<lesson>.py`, run by the tests, so it is real Python that gives the same
//! answer).

use interleave_shared::{LessonId, Side, StrategyId};
use serde::Deserialize;

/// Which crate an excerpt comes from, and so on which side it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excerpt {
    /// Lesson name, as in `LessonId::name`.
    pub lesson: String,
    /// Strategy name, as in `StrategyId::name`.
    pub strategy: String,
    /// The crate it was cut from.
    pub origin: Origin,
    /// Rust or Python.
    pub lang: Lang,
    /// Path from the repository root.
    pub file: String,
    /// 1-based line of its first line.
    pub line: usize,
    /// The lines.
    pub code: String,
}

/// The data file this build of the page fetches (`page-data-<hash>.bin`, written by build.rs and
/// copied beside the wasm by Trunk's post-build hook): deflated JSON of [`PageData`].
pub const DATA_FILE: &str = env!("INTERLEAVE_PAGE_DATA");

/// What the page fetches when it first needs it instead of carrying it in its WebAssembly: every
/// excerpt in the repository, in file order, and the glossary's terms with their meanings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageData {
    /// Every excerpt, in file order.
    pub excerpts: Vec<Excerpt>,
    /// Terms and what they mean, longest first where one contains another.
    pub glossary: Vec<(String, String)>,
}

/// Why the data file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    /// Not deflate data (a host that served an error page, or a truncated file).
    #[error("the page's data file ({DATA_FILE}) is not deflate data: {0}")]
    Inflate(String),
    /// Inflated, but not the JSON this build writes.
    #[error("the page's data file ({DATA_FILE}) does not hold this build's data: {0}")]
    Json(String),
}

impl PageData {
    /// Largest inflated data accepted: today's is ~110 KB; a corrupt or hostile file must not
    /// make the page allocate without bound.
    pub const MAX_BYTES: usize = 4 << 20;

    /// The data from the bytes of [`DATA_FILE`].
    pub fn parse(packed: &[u8]) -> Result<PageData, DataError> {
        let json = miniz_oxide::inflate::decompress_to_vec_with_limit(packed, Self::MAX_BYTES)
            .map_err(|e| DataError::Inflate(e.to_string()))?;
        serde_json::from_slice(&json).map_err(|e| DataError::Json(e.to_string()))
    }

    /// The excerpts that show how `strategy` of `lesson` runs on `side` in `lang`, in file order.
    pub fn excerpts(
        &self,
        lesson: LessonId,
        strategy: StrategyId,
        side: Side,
        lang: Lang,
    ) -> impl Iterator<Item = &Excerpt> {
        self.excerpts.iter().filter(move |e| {
            e.lesson == lesson.name()
                && e.strategy == strategy.name()
                && e.lang == lang
                && (lang == Lang::Python || e.origin.runs_on(side))
        })
    }

    /// The glossary as (term, meaning) pairs, for `glossary::pieces_with`.
    pub fn terms(&self) -> impl Iterator<Item = (&str, &str)> {
        self.glossary.iter().map(|(t, m)| (t.as_str(), m.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interleave_shared::lessons::{self, LessonInfo};

    /// The data build.rs wrote for this build, plain.
    fn data() -> PageData {
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/page-data.json")))
            .expect("build.rs writes PageData")
    }

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
        let data = data();
        assert!(data.excerpts.len() > 100, "{}", data.excerpts.len());
        for e in &data.excerpts {
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
        let data = data();
        let mut missing = Vec::new();
        for info in lessons::catalogue() {
            for (side, ids) in sides(info) {
                for id in ids {
                    for lang in [Lang::Rust, Lang::Python] {
                        if data.excerpts(info.id, id, side, lang).next().is_none() {
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

    /// The page reads the file as build.rs packs it (deflate), glossary included, and refuses
    /// what is not: an HTML error page from a host, or data inflating past the limit.
    #[test]
    fn the_packed_data_file_reads_back_and_bad_bytes_are_refused() {
        let plain = include_bytes!(concat!(env!("OUT_DIR"), "/page-data.json"));
        let packed = miniz_oxide::deflate::compress_to_vec(plain, 10);
        let data = PageData::parse(&packed).unwrap();
        assert_eq!(data, super::tests::data());
        let glossary: Vec<_> = data.terms().collect();
        assert_eq!(glossary.len(), interleave_shared::glossary::TERMS.len());
        assert!(matches!(
            PageData::parse(b"<html>404</html>"),
            Err(DataError::Inflate(_))
        ));
        let huge = miniz_oxide::deflate::compress_to_vec(&vec![b' '; PageData::MAX_BYTES + 1], 10);
        assert!(matches!(PageData::parse(&huge), Err(DataError::Inflate(_))));
        let not_ours = miniz_oxide::deflate::compress_to_vec(b"{\"x\":1}", 10);
        assert!(matches!(
            PageData::parse(&not_ours),
            Err(DataError::Json(_))
        ));
    }

    /// The file name carries a hash of the content, so caches can keep it forever.
    #[test]
    fn the_data_file_is_named_by_its_content() {
        let hash = DATA_FILE
            .strip_prefix("page-data-")
            .and_then(|r| r.strip_suffix(".bin"))
            .expect("page-data-<hash>.bin");
        assert_eq!(hash.len(), 16, "{DATA_FILE}");
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{DATA_FILE}");
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
