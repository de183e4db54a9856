//! The explorer's program files (`interleave explore --program FILE`, the page's editor and
//! its `program=` links): any text must parse or give an error naming a line and a column
//! inside the text, never panic or hang; a program that parses is checked within a small state
//! limit, and its shortest bad schedule replays to a bad ending.
#![no_main]

use interleave_shared::explore::program::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let p = match program::parse(&src) {
        Ok(p) => p,
        Err(e) => {
            let lines = src.lines().count().max(1) as u32;
            assert!(e.line >= 1 && e.line <= lines + 1, "{e} in {lines} lines");
            assert!(e.column >= 1, "{e}");
            return;
        }
    };
    let limits = Limits {
        max_states: 5_000,
        max_preemptions: None,
    };
    let Ok(report) = program::check(&p, &limits, &mut |_| true) else {
        return;
    };
    if !report.shortest_wrong.is_empty() {
        let replay = program::replay(&p, &report.shortest_wrong).expect("the shortest bad one replays");
        assert!(!replay.ending.is_empty(), "it ends badly: {report:?}");
    }
    // Any prefix walks, and every thread's state can be shown.
    let half = &report.shortest_wrong[..report.shortest_wrong.len() / 2];
    let walked = program::walk(&p, half).expect("a prefix of a schedule walks");
    assert_eq!(walked.steps.len(), half.len());
});
