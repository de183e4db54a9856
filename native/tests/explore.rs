//! `interleave explore` through the real binary: counts, replays and refusals.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn explore(args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("interleave").unwrap();
    c.arg("explore").args(args);
    c
}

fn json(args: &[&str]) -> Value {
    let out = explore(args).arg("--json").assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn counts_are_the_shared_models_counts() {
    use interleave_shared::LessonId;
    use interleave_shared::explore::{enumerate, model};
    for (lesson, id, strategy, workers, rounds) in [
        ("race", LessonId::Race, "unsynchronized", 2, 2),
        ("race", LessonId::Race, "mutex", 3, 1),
        ("deadlock", LessonId::Deadlock, "opposite-order", 2, 1),
    ] {
        let (w, r) = (workers.to_string(), rounds.to_string());
        let v = json(&[
            lesson,
            "--strategy",
            strategy,
            "--workers",
            &w,
            "--rounds",
            &r,
            "--all",
        ]);
        let c = enumerate(&model(id, strategy, workers, rounds).unwrap()).unwrap();
        assert_eq!(
            v["schedules"].as_u64(),
            Some(c.schedules as u64),
            "{lesson} {strategy}"
        );
        assert_eq!(
            v["wrong"].as_u64(),
            Some(c.wrong as u64),
            "{lesson} {strategy}"
        );
    }
    let v = json(&["race", "-s", "unsynchronized", "--all"]);
    assert_eq!(v["schedules"], 70);
    assert_eq!(
        v["shortest_wrong"],
        serde_json::json!([0, 0, 0, 1, 0, 1, 1, 1])
    );
}

#[test]
fn a_replay_shows_every_step_and_the_lost_update() {
    let v = json(&[
        "race",
        "-s",
        "unsynchronized",
        "--schedule",
        "0,0,0,1,0,1,1,1",
    ]);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    assert_eq!(steps[3]["worker"], 1);
    assert_eq!(steps[3]["op"], "r = balance");
    assert_eq!(steps[3]["register"], 5);
    assert_eq!(v["final"]["balance"], 5);
    assert_eq!(v["wrong"], true);
    explore(&[
        "race",
        "-s",
        "unsynchronized",
        "--schedule",
        "0,0,0,1,0,1,1,1",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "ends WRONG: balance 5 instead of 0",
    ));
}

#[test]
fn bad_requests_exit_2_naming_what_is_wrong() {
    for (args, msg) in [
        (
            vec!["deadlock", "-s", "opposite-order", "--schedule", "0,0,1"],
            "schedule position 2: worker 1 is blocked: its next step takes lock B held by worker 0",
        ),
        (
            vec!["race", "-s", "mutex", "--schedule", "0,5"],
            "schedule position 1: worker 5 does not exist",
        ),
        (
            vec!["race", "-s", "atomic", "--schedule", "0,1"],
            "schedule position 2: the schedule stops early",
        ),
        (
            vec![
                "race",
                "-s",
                "unsynchronized",
                "--workers",
                "3",
                "--rounds",
                "3",
                "--all",
            ],
            "has 3384731762521200 schedules, more than the 10000000",
        ),
        (
            vec!["cpu", "-s", "sequential", "--all"],
            "explorable lessons: race, deadlock",
        ),
        (
            vec!["race", "-s", "spinlock", "--all"],
            "allowed: unsynchronized, mutex, atomic",
        ),
        (
            vec!["nope", "-s", "mutex", "--all"],
            "unknown lesson 'nope'",
        ),
    ] {
        explore(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(msg));
    }
    // One of --all and --schedule is required.
    explore(&["race", "-s", "mutex"]).assert().code(2);
}

/// A program of the learner's own, from a file: the race lesson written by hand counts as the
/// race model does (70 schedules, 40 wrong), and its shortest bad schedule replays to a
/// balance that is not 0.
#[test]
fn a_program_file_counts_like_the_lesson_and_its_shortest_bad_schedule_replays() {
    let dir = std::env::temp_dir().join(format!("interleave-program-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("race.il");
    std::fs::write(
        &file,
        "shared balance = 0\nthread w0:\n    r = balance\n    balance = r + 5\n    r = balance\n    balance = r - 5\n\
         thread w1:\n    r = balance\n    balance = r + 8\n    r = balance\n    balance = r - 8\ncheck balance == 0\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let report = json(&["--program", path, "--all"]);
    assert_eq!(report["schedules"], 70, "{report}");
    assert_eq!(report["wrong"], "40", "{report}");
    let shortest: Vec<String> = report["shortest_wrong"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.to_string())
        .collect();
    let replay = json(&["--program", path, "--schedule", &shortest.join(",")]);
    let last = replay["steps"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["state"].as_str().unwrap().starts_with("balance=") && last["state"] != "balance=0",
        "{replay}"
    );
    assert!(
        replay["ending"].as_str().unwrap().contains("check failed"),
        "{replay}"
    );
    // A malformed program is bad input: exit 2, naming the file, the line and the column.
    std::fs::write(dir.join("bad.il"), "thread a:\n    x = \n").unwrap();
    explore(&["--program", dir.join("bad.il").to_str().unwrap(), "--all"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.il: line 2, column"));
    // A lesson and a program at once is a usage error.
    explore(&["race", "--program", path, "--all"])
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(dir);
}
