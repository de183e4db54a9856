//! The page's pure logic as a library: the permalink's parsing, the interleaving explorer's
//! view model, and the code excerpts shown beside a run (cut from the sources by `build.rs`).
//! They take no browser API in their core (`url::parse`, `explorer::Explorer`, `code::excerpts`),
//! so they are unit-tested on the host and fuzzed (`fuzz/fuzz_targets/url_params.rs`); the page
//! (`main.rs`) uses them from here.
#![deny(missing_docs)]

pub mod announce;
pub mod code;
pub mod embed;
pub mod explorer;
pub mod isolation;
pub mod lanes;
pub mod link;
pub mod url;
