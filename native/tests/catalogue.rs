//! Every (lesson, strategy) the catalogue claims natively, through the real binary at a small
//! size: each must run and produce the lesson's exact answer (or, for a strategy that exists to
//! show a bug, a result the lesson can render). A strategy listed in the catalogue but not wired
//! into its lesson's runner fails here, by name.

mod common;

use assert_cmd::Command;
use interleave_shared::lessons::catalogue;
use serde_json::Value;

/// A size that takes well under a second for every strategy: a twentieth of the default, at
/// least two (the daemon lesson needs two steps to cut one off).
fn small(default: u64, min: u64) -> u64 {
    (default / 20).max(min).max(2)
}

#[test]
fn every_native_strategy_of_every_lesson_runs_exactly() {
    let (mut ran, mut skipped) = (0, 0);
    for lesson in catalogue() {
        for strategy in lesson.native {
            let what = format!("{} {}", lesson.name(), strategy.id);
            if !common::needs(&what, &common::for_requirements(strategy.requires)) {
                skipped += 1;
                continue;
            }
            let size = small(lesson.size.default, lesson.size.min).to_string();
            let mut args = vec![
                "run",
                lesson.name(),
                "--strategies",
                strategy.id.name(),
                "--size",
                &size,
                "--json",
            ];
            if lesson.uses_server {
                args.extend(["--latency-ms", "5"]);
            }
            let out = Command::cargo_bin("interleave")
                .unwrap()
                .args(&args)
                .timeout(std::time::Duration::from_secs(120))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{what}: exit {:?}, {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            let records: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(records.len(), 1, "{what}");
            let r = &records[0];
            assert_eq!(r["strategy"], strategy.id.name(), "{what}");
            assert!(
                r["correct"] == true || strategy.shows_bug,
                "{what}: {} instead of {}",
                r["result"],
                r["expected"]
            );
            assert!(
                !r["spans"].as_array().unwrap().is_empty(),
                "{what}: no spans"
            );
            ran += 1;
        }
    }
    let claimed: usize = catalogue().map(|l| l.native.len()).sum();
    assert_eq!(ran + skipped, claimed);
}
