//! Cross-crate end-to-end tests live in `tests/tests/`; the browser tests in `tests/browser/`.
//! This library is empty on purpose: the package exists so `cargo test` builds the real
//! `interleave` binary and runs it against `interleave-shared`'s exact answers.
