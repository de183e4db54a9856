//! The browser tests live in `tests/browser/` (headless Chromium, run by `scripts/test`), and
//! `tests/tests/python.rs` runs the notes' Python beside every lesson. Tests of the binary live
//! in `native/tests/`, where Cargo builds the binary they run. This library is empty on
//! purpose: the package only holds those tests.
