//! The real `interleave` binary: exit codes, messages and output shapes of the CLI contract.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn interleave() -> Command {
    Command::cargo_bin("interleave").expect("the interleave binary is built by cargo test")
}

#[test]
fn list_shows_every_lesson_with_strategies_and_bounds() {
    interleave()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("cpu"))
        .stdout(predicate::str::contains("sequential, threads, rayon"))
        .stdout(predicate::str::contains(
            "--size 100000000 (1..=100000000000",
        ));
}

#[test]
fn run_cpu_json_is_exact_on_every_strategy() {
    let out = interleave()
        .args([
            "run",
            "cpu",
            "--size",
            "1000003",
            "--workers",
            "2",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let records: Value = serde_json::from_slice(&out).unwrap();
    let records = records.as_array().unwrap();
    let strategies: Vec<&str> = records
        .iter()
        .map(|r| r["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(strategies, ["sequential", "threads", "rayon"]);
    for r in records {
        assert_eq!(r["result"], "333335833339500005", "{r}");
        assert_eq!(r["expected"], r["result"]);
        assert_eq!(r["correct"], true);
        assert_eq!(r["side"], "native");
        assert_eq!(r["params"]["size"], 1000003);
        assert!(r["wall_ms"].as_f64().unwrap() > 0.0);
        assert_eq!(r["spans"].as_array().unwrap().len(), 8);
    }
    // Two threads really ran tasks for the parallel strategies: counted from spans.
    assert_eq!(records[1]["workers_used"], 2);
    assert!(records[2]["workers_used"].as_u64().unwrap() >= 1);
}

#[test]
fn table_marks_the_fastest_and_writes_a_verdict() {
    interleave()
        .args([
            "run",
            "cpu",
            "--size",
            "3000000",
            "--strategies",
            "sequential,threads",
            "--workers",
            "2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("★"))
        .stdout(predicate::str::contains("exact"))
        .stdout(predicate::str::contains(
            "Why: the work is pure computation",
        ));
}

#[test]
fn repeat_reports_median_with_spread() {
    let out = interleave()
        .args([
            "run",
            "cpu",
            "--size",
            "100000",
            "--strategies",
            "threads",
            "--repeat",
            "3",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let records: Value = serde_json::from_slice(&out).unwrap();
    let r = &records[0];
    assert_eq!(r["repeats"]["runs"], 3);
    let (min, med, max) = (
        r["repeats"]["min_ms"].as_f64().unwrap(),
        r["wall_ms"].as_f64().unwrap(),
        r["repeats"]["max_ms"].as_f64().unwrap(),
    );
    assert!(min <= med && med <= max, "{min} {med} {max}");
}

fn bad(args: &[&str], message: &str) {
    interleave()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
}

#[test]
fn unknown_lesson_exits_2_listing_lessons() {
    bad(
        &["run", "nope"],
        "unknown lesson 'nope'; available lessons: cpu",
    );
}

#[test]
fn unknown_strategy_exits_2_listing_allowed() {
    bad(
        &["run", "cpu", "--strategies", "gpu"],
        "no native strategy 'gpu'; allowed: sequential, threads, rayon",
    );
}

#[test]
fn zero_and_absurd_sizes_exit_2_with_bounds() {
    bad(
        &["run", "cpu", "--size", "0"],
        "size 0 is out of range: allowed 1..=100000000000",
    );
    bad(
        &["run", "cpu", "--size", "100000000001"],
        "larger sizes take minutes",
    );
}

#[test]
fn size_whose_answer_overflows_u128_exits_2() {
    bad(
        &["run", "cpu", "--size", "18000000000000"],
        "the exact answer overflows u128",
    );
}

#[test]
fn workers_out_of_range_exit_2() {
    bad(
        &["run", "cpu", "--workers", "0"],
        "workers 0 is out of range: allowed 1..=256",
    );
    bad(
        &["run", "cpu", "--workers", "100000"],
        "workers 100000 is out of range",
    );
}

#[test]
fn a_flag_the_lesson_does_not_take_exits_2() {
    bad(
        &["run", "cpu", "--latency-ms", "5"],
        "lesson 'cpu' takes no parameter 'latency'",
    );
}

#[test]
fn malformed_numbers_exit_2_through_clap() {
    bad(
        &["run", "cpu", "--size", "ten"],
        "invalid value 'ten' for '--size <SIZE>'",
    );
    bad(&["run", "cpu", "--repeat", "0"], "--repeat <REPEAT>");
}

#[test]
fn serve_refuses_a_busy_address_with_exit_1() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    interleave()
        .args(["serve", "--addr", &addr])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!("cannot listen on {addr}")));
}
