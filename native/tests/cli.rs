//! The real `interleave` binary: exit codes, messages and output shapes of the CLI contract.

mod common;

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
        // One strategy name a line in its column, each whole.
        .stdout(predicate::str::is_match(r"┆ sequential +┆ sequential +┆").unwrap())
        .stdout(predicate::str::is_match(r"┆ processes +┆").unwrap())
        .stdout(predicate::str::is_match(r"┆ hybrid +┆").unwrap())
        .stdout(predicate::str::contains("io"))
        .stdout(predicate::str::contains("--latency-ms 500 (0..=30000 ms)"))
        .stdout(predicate::str::contains(
            "--size 2000000000 (1..=100000000000",
        ));
}

#[test]
fn list_json_is_the_catalogue_as_data() {
    let out = interleave().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lessons = v.as_array().unwrap();
    assert_eq!(lessons.len(), interleave_shared::LessonId::ALL.len());
    assert_eq!(lessons[0]["lesson"], "cpu");
    assert_eq!(
        lessons[0]["web"],
        serde_json::json!(["sequential", "async", "pool", "workers"])
    );
    let local = lessons.iter().find(|l| l["lesson"] == "local").unwrap();
    assert_eq!(local["web"], serde_json::json!([]));
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
    assert_eq!(
        strategies,
        [
            "sequential",
            "threads",
            "pool",
            "rayon",
            "async",
            "processes",
            "hybrid"
        ]
    );
    for r in records {
        assert_eq!(r["result"], "333335833339500005", "{r}");
        assert_eq!(r["expected"], r["result"]);
        assert_eq!(r["correct"], true);
        assert_eq!(r["side"], "native");
        assert_eq!(r["params"]["size"], 1000003);
        assert!(r["wall_ms"].as_f64().unwrap() > 0.0);
        let tasks = r["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] != "spawn")
            .count();
        assert_eq!(tasks, 8, "{}", r["strategy"]);
        assert!(r["cpu_ms"].as_f64().unwrap() >= 0.0);
        assert!(r["peak_rss_kb"].as_u64().unwrap() > 0);
    }
    // Two threads / processes really ran tasks: counted from spans, not assumed.
    for i in [1, 5] {
        assert_eq!(records[i]["workers_used"], 2, "{}", records[i]["strategy"]);
    }
    // Processes pay to start: their spans include one spawn per child.
    let spawns = records[5]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "spawn")
        .count();
    assert_eq!(spawns, 2);
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
    let names: Vec<&str> = interleave_shared::LessonId::ALL
        .iter()
        .map(|l| l.name())
        .collect();
    bad(
        &["run", "nope"],
        &format!(
            "unknown lesson 'nope'; available lessons: {}",
            names.join(", ")
        ),
    );
}

#[test]
fn unknown_strategy_exits_2_listing_allowed() {
    bad(
        &["run", "cpu", "--strategies", "gpu"],
        "no native strategy 'gpu'; allowed: sequential, threads, pool, rayon, async, processes, hybrid",
    );
    bad(
        &["run", "io", "--strategies", "rayon"],
        "lesson 'io' has no native strategy 'rayon'",
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
        "workers 0 is out of range: allowed 1..=10000",
    );
    bad(
        &["run", "cpu", "--strategies", "processes", "--workers", "65"],
        "workers 65 is out of range: allowed 1..=64 for processes",
    );
    bad(
        &["run", "io", "--strategies", "threads", "--workers", "2000"],
        "workers 2000 is out of range: allowed 1..=1024 for threads",
    );
    bad(
        &["run", "cpu", "--workers", "100000"],
        "workers 100000 is out of range",
    );
}

#[test]
fn every_strategy_that_starts_processes_is_capped_whatever_its_name() {
    bad(
        &[
            "run",
            "pools",
            "--strategies",
            "processes-map",
            "--workers",
            "400",
        ],
        "workers 400 is out of range: allowed 1..=64 for processes-map (each worker is a whole OS process)",
    );
    bad(
        &[
            "run",
            "queue",
            "--strategies",
            "processes",
            "--workers",
            "65",
        ],
        "allowed 1..=64 for processes",
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
fn io_bounds_exit_2() {
    bad(
        &["run", "io", "--latency-ms", "30001"],
        "latency 30001 is out of range: allowed 0..=30000",
    );
    bad(
        &["run", "io", "--bytes", "16777217"],
        "bytes 16777217 is out of range: allowed 0..=16777216",
    );
    bad(
        &["run", "io", "--size", "0"],
        "size 0 is out of range: allowed 1..=10000",
    );
}

#[test]
fn unreachable_server_exits_2() {
    // Bind then drop: a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    bad(
        &[
            "run",
            "io",
            "--size",
            "2",
            "--server",
            &format!("http://127.0.0.1:{port}"),
        ],
        &format!("cannot reach --server http://127.0.0.1:{port}"),
    );
    bad(
        &["run", "cpu", "--server", "http://127.0.0.1:1"],
        "does not apply (only io and local use it)",
    );
}

#[test]
fn unwritable_trace_path_exits_2_before_running() {
    bad(
        &[
            "run",
            "cpu",
            "--size",
            "10",
            "--trace",
            "/nonexistent-dir/t.json",
        ],
        "cannot write --trace /nonexistent-dir/t.json",
    );
}

#[test]
fn io_every_strategy_is_exact_against_its_own_server() {
    let out = interleave()
        .args([
            "run",
            "io",
            "--size",
            "12",
            "--latency-ms",
            "20",
            "--bytes",
            "3000",
            "--workers",
            "4",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let records: Value = serde_json::from_slice(&out).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 6);
    for r in records {
        assert_eq!(r["correct"], true, "{r}");
        assert!(
            r["result"]
                .as_str()
                .unwrap()
                .starts_with("12 pages, 36000 bytes, checksum ")
        );
        let waits = r["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "wait")
            .count();
        assert_eq!(waits, 12, "{}", r["strategy"]);
        // 12 pages × 20 ms: one at a time takes ≥ 240 ms; concurrent strategies overlap.
        if r["strategy"] == "sequential" {
            assert!(r["wall_ms"].as_f64().unwrap() >= 240.0);
        }
    }
}

#[test]
fn trace_file_has_one_track_per_worker() {
    let dir = std::env::temp_dir().join(format!("interleave-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.json");
    interleave()
        .args([
            "run",
            "cpu",
            "--size",
            "100000",
            "--strategies",
            "threads",
            "--workers",
            "3",
        ])
        .arg("--trace")
        .arg(&path)
        .assert()
        .success();
    let t: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let events = t["traceEvents"].as_array().unwrap();
    assert_eq!(events.iter().filter(|e| e["ph"] == "X").count(), 12);
    assert_eq!(
        events.iter().filter(|e| e["name"] == "thread_name").count(),
        3
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn compare_quick_covers_every_lesson_and_native_strategy() {
    let out = interleave()
        .args(["compare", "--quick", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let records: Value = serde_json::from_slice(&out).unwrap();
    let pairs: Vec<String> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["lesson"].as_str().unwrap(),
                r["strategy"].as_str().unwrap()
            )
        })
        .collect();
    // Every pair the catalogue lists that this machine can run (compare leaves out, and says
    // so, what needs root or a broker it lacks).
    let runnable: Vec<String> = interleave_shared::lessons::catalogue()
        .flat_map(|l| {
            l.native
                .iter()
                .filter(|s| common::can_run(s.requires))
                .map(move |s| format!("{}/{}", l.name(), s.id))
        })
        .collect();
    assert_eq!(pairs, runnable);
    assert!(
        pairs.contains(&"io/hybrid".to_string()) && pairs.contains(&"db/contending".to_string())
    );
    for r in records.as_array().unwrap() {
        assert!(
            r["correct"] == true || r["strategy"] == "unsynchronized",
            "{} {}: {}",
            r["lesson"],
            r["strategy"],
            r["result"]
        );
    }
}

#[test]
fn help_explains_lessons_with_examples() {
    interleave()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Lessons:"))
        .stdout(predicate::str::contains("io         fetch N pages"))
        .stdout(predicate::str::contains(
            "interleave run io --size 50 --latency-ms 100",
        ));
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

/// Output that cannot be written (a full disk, a closed pipe) is a failure with one line, not a
/// panic: `list`, `run --json` and `explore` to /dev/full exit 1.
#[test]
fn a_full_stdout_fails_with_one_line_not_a_panic() {
    for args in [
        vec!["list"],
        vec!["run", "cpu", "--size", "1000", "--json"],
        vec!["explore", "race", "--strategy", "unsynchronized", "--all"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(&args)
            .stdout(full)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

/// A trace file on a device that takes nothing is refused before the run, as bad input.
#[test]
fn a_trace_path_on_a_full_device_exits_2_before_running() {
    bad(
        &["run", "cpu", "--size", "10", "--trace", "/dev/full"],
        "cannot write --trace /dev/full",
    );
}

/// --kill-worker names a worker process; the in-process pool has none to kill.
#[test]
fn kill_worker_with_the_local_pool_is_a_usage_error() {
    bad(
        &[
            "run",
            "distributed",
            "--strategies",
            "local-pool",
            "--kill-worker",
            "0",
        ],
        "--kill-worker applies to the broker and hosts strategies",
    );
}

/// A run whose pages in flight would not fit in memory is refused before it starts (exit 2),
/// naming its need and the machine's (or its cgroup's) figure; it used to start and abort.
#[test]
fn a_run_too_large_for_this_machines_memory_is_refused_up_front() {
    let started = std::time::Instant::now();
    bad(
        &[
            "run",
            "io",
            "--strategies",
            "async",
            "--size",
            "10000",
            "--bytes",
            "16777216",
            "--latency-ms",
            "0",
        ],
        "this run would hold about 312.5 GiB of pages at once (10000 pages of 16777216 bytes",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The same size at the default page size fits anywhere this test runs.
    interleave()
        .args([
            "run",
            "io",
            "--strategies",
            "sequential",
            "--size",
            "2",
            "--latency-ms",
            "0",
        ])
        .assert()
        .success();
}
