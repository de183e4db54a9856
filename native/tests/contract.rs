//! The contracts other tools rely on (`../shared/DESIGN.md`, "Contracts"), listed once: CLI
//! subcommands and flags, exit codes, JSON record keys, the page's URL parameters and its
//! stable test ids. Scripts, tutorial sites and the browser tests depend on each name, so
//! removing or renaming one fails here; adding one only adds a line to these lists.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn interleave() -> Command {
    Command::new(env!("CARGO_BIN_EXE_interleave"))
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Every public subcommand and the flags each takes.
const CLI: &[(&str, &[&str])] = &[
    ("list", &["--json"]),
    (
        "run",
        &[
            "--strategies",
            "--workers",
            "--size",
            "--latency-ms",
            "--bytes",
            "--repeat",
            "--json",
            "--trace",
            "--server",
            "--broker",
            "--token",
            "--kill-worker",
        ],
    ),
    ("compare", &["--json", "--quick"]),
    ("clean", &[]),
    (
        "explore",
        &[
            "--strategy",
            "--workers",
            "--rounds",
            "--all",
            "--schedule",
            "--json",
            "--program",
            "--max-preemptions",
        ],
    ),
    (
        "serve",
        &[
            "--addr",
            "--static-dir",
            "--allow-host",
            "--header-timeout-secs",
            "--write-stall-secs",
        ],
    ),
    (
        "bench",
        &[
            "--repeat",
            "--json",
            "--browser",
            "--size",
            "--workers",
            "--out",
            "--soak",
            "--claims",
            "--runs",
            "--distributed",
            "--tasks",
            "--lessons",
        ],
    ),
    (
        "worker",
        &[
            "--broker",
            "--token",
            "--run",
            "--id",
            "--idle-ms",
            "--prefetch",
        ],
    ),
];

/// Keys every record has, and the keys of its spans and claims.
const RECORD_KEYS: &[&str] = &[
    "lesson",
    "strategy",
    "side",
    "workers",
    "params",
    "wall_ms",
    "result",
    "expected",
    "correct",
    "spans",
    "workers_used",
];
const MEASURED_KEYS: &[&str] = &["cpu_ms", "peak_rss_kb", "speedup", "efficiency"];
const SPAN_KEYS: &[&str] = &["worker", "task", "start_ms", "end_ms", "kind"];
const CLAIM_KEYS: &[&str] = &["id", "text", "held", "why"];

/// The page's URL parameters, each a key `web/src/url.rs`'s parser reads (its own tests check
/// what each does; `a_permalink_reads_back_as_the_settings_it_came_from` writes them all back).
const URL_PARAMETERS: &[&str] = &[
    "lesson",
    "strategies",
    "workers",
    "size",
    "latency",
    "repeat",
    "autorun",
    "embed",
    "predict",
    "native",
    "explore",
    "rounds",
    "schedule",
    "parent",
];

/// Stable test ids (`data-testid`), each written by the page and listed in docs/testing.md.
/// Ids with a suffix (`strategy-<name>`) are listed by their prefix.
const TEST_IDS: &[&str] = &[
    "lesson-picker",
    "strategy-",
    "run",
    "cancel",
    "result-row",
    "timeline",
    "verdict",
    "isolation",
    "companion",
    "error",
    "claim",
    "prediction",
    "predict-",
    "prediction-result",
    "explore",
    "step-",
    "explore-state",
    "explore-count",
    "param-size",
    "param-workers",
    "param-latency",
    "param-repeat",
    "native-rows",
    "code-panel",
    "code-tab-",
    "visual",
    "wait-for",
    "see-how",
    "import",
    "export",
    "export-trace",
    "task-lane",
    "loop-lane",
    "ready-queue",
    "task-hover",
    "announce",
    "pool-off",
    "pool-new-tab",
    "timeline-table",
    "timeline-row",
];

fn help(sub: Option<&str>) -> String {
    let out = interleave()
        .args(sub.into_iter().chain(["--help"]))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{sub:?} --help: {:?}", out.status);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_subcommand_keeps_its_flags() {
    let top = help(None);
    for (sub, flags) in CLI {
        assert!(top.contains(sub), "`interleave help` lists no {sub}");
        let text = help(Some(sub));
        for flag in *flags {
            assert!(
                text.contains(&format!("{flag} ")) || text.contains(&format!("{flag}\n")),
                "`interleave {sub}` lost {flag}:\n{text}"
            );
        }
    }
}

fn run_json(args: &[&str]) -> Vec<Value> {
    let out = interleave().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON records")
}

fn has_keys(v: &Value, keys: &[&str], what: &str) {
    for k in keys {
        assert!(v.get(k).is_some(), "{what} lost key '{k}': {v}");
    }
}

#[test]
fn records_keep_their_keys() {
    let records = run_json(&["run", "cpu", "--size", "100000", "--workers", "2", "--json"]);
    assert!(!records.is_empty());
    for r in &records {
        has_keys(r, RECORD_KEYS, "a cpu record");
        has_keys(&r["spans"][0], SPAN_KEYS, "a span");
        assert!(r["side"] == "native" && r["result"].is_string() && r["expected"].is_string());
    }
    let claims: Vec<&Value> = records
        .iter()
        .flat_map(|r| r["claims"].as_array().into_iter().flatten())
        .collect();
    assert!(!claims.is_empty(), "cpu records carry their claims");
    for c in claims {
        has_keys(c, CLAIM_KEYS, "a claim");
    }
    let measured = &records[records.len() - 1];
    has_keys(measured, MEASURED_KEYS, "a measured record");
    // Lesson-specific keys sit flat beside the common ones.
    let queue = run_json(&[
        "run",
        "queue",
        "--strategies",
        "threads",
        "--size",
        "50",
        "--json",
    ]);
    has_keys(&queue[0], &["levels"], "a queue record");
    let deadlock = run_json(&[
        "run",
        "deadlock",
        "--strategies",
        "opposite-order",
        "--size",
        "1",
        "--json",
    ]);
    has_keys(&deadlock[0], &["cycle", "shows_bug"], "a deadlock record");
    let event_loop = run_json(&["run", "event-loop", "--strategies", "blocking", "--json"]);
    has_keys(&event_loop[0], &["tasks", "ready"], "an event-loop record");
    has_keys(
        &event_loop[0]["tasks"][0],
        &["id", "name", "polls", "states"],
        "a task",
    );
    has_keys(
        &event_loop[0]["tasks"][0]["states"][0],
        &["from_ms", "to_ms", "state"],
        "a task's state",
    );
    has_keys(
        &deadlock[0]["cycle"][0],
        &["worker", "holds", "wants", "held_by"],
        "a wait-for step",
    );
    // The distributed lesson's keys, without a broker: the record type writes them.
    let e = interleave_shared::Execution::new(
        interleave_shared::Checked::exact(1, 1),
        vec![],
        1,
        interleave_shared::Timing::wall(1.0),
    )
    .delivered(
        interleave_shared::detail::Delivery {
            tasks: 1,
            deliveries: 2,
            redelivered: 1,
        },
        vec!["127.0.0.1".into()],
    );
    let params = interleave_shared::lessons::distributed::INFO
        .params(Some(1), Some(1), None, None, 1)
        .expect("valid parameters");
    let r = interleave_shared::RunRecord::from_execution(
        interleave_shared::LessonId::Distributed,
        interleave_shared::StrategyId::Broker,
        interleave_shared::Side::Native,
        &params,
        e,
    );
    let v = serde_json::to_value(&r).expect("serialisable");
    has_keys(&v, &["delivery", "hosts", "facts"], "a distributed record");
    has_keys(
        &v["delivery"],
        &["tasks", "deliveries", "redelivered"],
        "delivery",
    );
    has_keys(
        &v["facts"],
        &["deliveries", "redelivered", "tasks"],
        "distributed facts",
    );
}

/// `interleave explore race --strategy unsynchronized … --json`, parsed.
fn explore_json(mode: &[&str]) -> Value {
    let out = interleave()
        .args(["explore", "race", "--strategy", "unsynchronized", "--json"])
        .args(mode)
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn explore_json_keeps_its_keys() {
    let all = explore_json(&["--all"]);
    has_keys(
        &all,
        &["schedules", "wrong", "shortest_wrong"],
        "explore --all",
    );
    let replay = explore_json(&["--schedule", "0,0,0,0,1,1,1,1"]);
    has_keys(&replay, &["steps", "final", "wrong"], "explore --schedule");
}

#[test]
fn exit_codes_mean_success_bad_input_and_failure() {
    let code = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = interleave()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("runs");
        let _ = child
            .stdin
            .take()
            .expect("piped")
            .write_all(stdin.as_bytes());
        child.wait().expect("ends").code()
    };
    assert_eq!(code(&["list"], ""), Some(0), "success");
    assert_eq!(
        code(&["run", "cpu", "--size", "0"], ""),
        Some(2),
        "bad input"
    );
    assert_eq!(code(&["run", "nope"], ""), Some(2), "an unknown lesson");
    // The child side of the processes strategies fails on a task it cannot read: a failure,
    // not bad input from a person.
    assert_eq!(code(&["__worker"], "not a task\n"), Some(1), "failure");
}

#[test]
fn the_page_reads_every_url_parameter() {
    let url = std::fs::read_to_string(root().join("web/src/url.rs")).expect("web/src/url.rs");
    for p in URL_PARAMETERS {
        assert!(
            url.contains(&format!("\"{p}\"")),
            "web/src/url.rs no longer reads `{p}=`"
        );
    }
}

/// Every `data-testid` the page's sources write, with `{…}` suffixes cut to their prefix.
fn page_test_ids() -> Vec<String> {
    let mut ids = Vec::new();
    let mut stack = vec![root().join("web/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("web/src readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for part in text.split("data-testid=").skip(1) {
                let id: String = part
                    .trim_start_matches(['{', '"'])
                    .trim_start_matches("format!(\"")
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                ids.push(id);
            }
        }
    }
    ids
}

#[test]
fn every_stable_test_id_is_on_the_page_and_in_the_docs() {
    let page = page_test_ids();
    let docs = std::fs::read_to_string(root().join("docs/testing.md")).expect("docs/testing.md");
    for id in TEST_IDS {
        assert!(
            page.iter().any(|p| p == id),
            "the page no longer writes data-testid `{id}`"
        );
        assert!(
            docs.contains(&format!("`{id}")),
            "docs/testing.md does not list `{id}`"
        );
    }
}
