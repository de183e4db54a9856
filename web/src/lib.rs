//! The page's pure logic as a library: the permalink's parsing and the interleaving explorer's
//! view model. They take no browser API in their core (`url::parse`, `explorer::Explorer`), so
//! they are unit-tested on the host and fuzzed (`fuzz/fuzz_targets/url_params.rs`); the page
//! (`main.rs`) uses them from here.
#![deny(missing_docs)]

pub mod explorer;
pub mod url;
