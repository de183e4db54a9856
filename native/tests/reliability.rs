//! Whatever ends the CLI, no child it started outlives it; a worker that dies mid-run is
//! reported at once, by name, and the other workers are stopped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn interleave() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("interleave"))
}

/// Live (not zombie) processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some((state, ppid)) = stat(child)
            && ppid == pid
            && state != 'Z'
        {
            found.push(child);
        }
    }
    found.sort_unstable();
    found
}

/// State letter and parent of a process, from /proc/PID/stat (after the command's parentheses).
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z')
}

/// Start the CLI and wait until it has `n` children.
#[expect(
    clippy::zombie_processes,
    reason = "the child is returned to the caller, which waits for it"
)]
fn start_with_children(args: &[&str], n: usize) -> (Child, Vec<u32>) {
    let mut cli = interleave()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let kids = children_of(cli.id());
        if kids.len() >= n {
            return (cli, kids);
        }
        if Instant::now() > deadline {
            let _ = cli.kill();
            let _ = cli.wait();
            panic!("{args:?}: no {n} children after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) with a pid we started and a valid signal number.
    unsafe { libc::kill(pid as libc::pid_t, sig) };
}

fn assert_all_gone(what: &str, pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "{what}: children {:?} still running",
            pids.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Long runs of every lesson that starts workers as processes.
const LONG_RUNS: [(&str, &[&str], usize); 4] = [
    (
        "cpu processes",
        &[
            "run",
            "cpu",
            "--strategies",
            "processes",
            "--workers",
            "2",
            "--size",
            "90000000000",
        ],
        2,
    ),
    (
        "pools processes-map",
        &[
            "run",
            "pools",
            "--strategies",
            "processes-map",
            "--workers",
            "2",
            "--size",
            "1000000",
        ],
        2,
    ),
    (
        "queue processes",
        &[
            "run",
            "queue",
            "--strategies",
            "processes",
            "--workers",
            "4",
            "--size",
            "1000000",
        ],
        2,
    ),
    (
        "daemon",
        &[
            "run",
            "daemon",
            "--strategies",
            "joined",
            "--size",
            "1000",
            "--latency-ms",
            "1000",
        ],
        1,
    ),
];

#[test]
fn a_terminated_or_killed_cli_leaves_no_child_behind() {
    for (what, args, n) in LONG_RUNS {
        for sig in [libc::SIGTERM, libc::SIGKILL] {
            let (mut cli, kids) = start_with_children(args, n);
            signal(cli.id(), sig);
            let _ = cli.wait();
            assert_all_gone(&format!("{what} after signal {sig}"), &kids);
        }
    }
}

#[test]
fn a_killed_worker_is_reported_at_once_and_the_others_are_stopped() {
    for (what, args, n) in &LONG_RUNS[..3] {
        let (cli, kids) = start_with_children(args, *n);
        std::thread::sleep(Duration::from_millis(300));
        let victim = kids[0];
        let killed_at = Instant::now();
        signal(victim, libc::SIGKILL);
        let out = cli.wait_with_output().unwrap();
        let took = killed_at.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "(pid {victim}) was killed by signal 9 (SIGKILL) while running task"
            )),
            "{what}: {stderr}"
        );
        assert!(
            stderr.contains("the other workers were stopped"),
            "{what}: {stderr}"
        );
        // The issue asks for "within a second"; the margin here is for a loaded CI machine.
        assert!(
            took < Duration::from_secs(3),
            "{what}: reported after {took:?}"
        );
        assert_all_gone(what, &kids);
    }
    // The daemon lesson's one child: its end is named too, at once.
    let (what, args, n) = LONG_RUNS[3];
    let (cli, kids) = start_with_children(args, n);
    std::thread::sleep(Duration::from_millis(300));
    signal(kids[0], libc::SIGKILL);
    let out = cli.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    assert!(
        stderr.contains(&format!(
            "the daemon demo program (pid {}) ended with signal: 9 (SIGKILL)",
            kids[0]
        )),
        "{what}: {stderr}"
    );
}

/// Every strategy that runs work in child processes, at a size that takes a second or two in
/// a debug build, and the moments of its run (fractions of a full run's time) a child is
/// killed at. `processes queue` is over in a fraction of a second at its largest size, so it
/// is killed only early.
const PROCESS_STRATEGIES: [(&str, &[&str], &[f64]); 10] = [
    (
        "cpu processes",
        &["cpu", "processes", "--size", "600000000"],
        &MOMENTS,
    ),
    (
        "cpu hybrid",
        &["cpu", "hybrid", "--size", "500000000"],
        &MOMENTS,
    ),
    (
        "io processes",
        &["io", "processes", "--size", "200", "--latency-ms", "10"],
        &MOMENTS,
    ),
    (
        "io hybrid",
        &["io", "hybrid", "--size", "200", "--latency-ms", "10"],
        &MOMENTS,
    ),
    (
        "pools processes-map",
        &["pools", "processes-map", "--size", "30000"],
        &MOMENTS,
    ),
    (
        "pools processes-map-chunked",
        &["pools", "processes-map-chunked", "--size", "1000000"],
        &MOMENTS,
    ),
    (
        "queue processes",
        &["queue", "processes", "--size", "1000"],
        &MOMENTS,
    ),
    (
        "processes spawn",
        &["processes", "spawn", "--size", "300"],
        &MOMENTS,
    ),
    (
        "processes pipe",
        &["processes", "pipe", "--size", "10000"],
        &MOMENTS,
    ),
    (
        "processes queue",
        &["processes", "queue", "--size", "10000"],
        &[0.0],
    ),
];

/// Early (as soon as a child exists), midway and late.
const MOMENTS: [f64; 3] = [0.0, 0.5, 0.85];

/// `run LESSON --strategies S --workers 2 --repeat 1 REST…`
fn run_args(spec: &[&str]) -> Vec<String> {
    let mut args = vec!["run", spec[0], "--strategies", spec[1], "--workers", "2"];
    args.extend(["--repeat", "1"]);
    args.extend(&spec[2..]);
    args.into_iter().map(String::from).collect()
}

/// Children of `pid` from its threads' `children` files: much quicker than a walk of /proc,
/// which matters for `spawn`'s children that live a few milliseconds each.
fn quick_children_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        found.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    found.sort_unstable();
    found
}

/// How a kill at one moment went.
enum Killed {
    /// The CLI reported the child's end this long after the kill.
    Reported(Duration),
    /// The run was over before the moment came, this long after it started.
    TooLate(Duration),
    /// The child ended on its own between the look and the kill (`spawn`'s children live
    /// for a few milliseconds each), and the run went on to succeed.
    Missed,
}

/// Start the run, SIGKILL one of its children `at` after the start (or as soon as one exists),
/// and check the CLI names it and stops everything else.
fn kill_one_child_at(what: &str, args: &[String], at: Duration) -> Killed {
    let started = Instant::now();
    let mut cli = interleave()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let victim = loop {
        if let Ok(Some(_)) = cli.try_wait() {
            let _ = cli.wait_with_output();
            return Killed::TooLate(started.elapsed());
        }
        let kids = quick_children_of(cli.id());
        if let Some(first) = kids.first()
            && started.elapsed() >= at
        {
            break *first;
        }
        assert!(
            started.elapsed() < at + Duration::from_secs(20),
            "{what}: no child after 20 s"
        );
        std::thread::sleep(Duration::from_micros(200));
    };
    let everyone = children_of(cli.id());
    signal(victim, libc::SIGKILL);
    let killed_at = Instant::now();
    let out = cli.wait_with_output().unwrap();
    let took = killed_at.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Killed::Missed;
    }
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    assert!(
        stderr.contains(&format!("(pid {victim})"))
            && stderr.contains("was killed by signal 9 (SIGKILL)"),
        "{what}: the report does not name pid {victim} and its signal: {stderr}"
    );
    assert_all_gone(what, &everyone);
    Killed::Reported(took)
}

#[test]
fn a_child_killed_early_midway_or_late_is_reported_at_once_in_every_process_strategy() {
    let mut slowest = (Duration::ZERO, String::new());
    for (what, spec, moments) in PROCESS_STRATEGIES {
        let args = run_args(spec);
        // A full run first: the moments are fractions of its time on this machine.
        let t0 = Instant::now();
        let out = interleave().args(&args).output().unwrap();
        let full = t0.elapsed();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for &fraction in moments {
            let mut at = full.mul_f64(fraction);
            let mut tries = 0;
            let took = loop {
                match kill_one_child_at(what, &args, at) {
                    Killed::Reported(took) => break took,
                    // A run quicker than the reference (which may have shared the cores with
                    // the other tests of this binary): the same fraction of this run's time.
                    Killed::TooLate(ended) => {
                        tries += 1;
                        assert!(tries < 8, "{what}: every run ended before {at:?}");
                        at = at.min(ended).mul_f64(fraction);
                    }
                    Killed::Missed => {
                        tries += 1;
                        assert!(tries < 10, "{what}: every child ended before its kill");
                    }
                }
            };
            eprintln!("{what}: killed at {at:?} of {full:?}, reported {took:?} later");
            if took > slowest.0 {
                slowest = (took, format!("{what} at {fraction}"));
            }
        }
    }
    eprintln!("slowest report: {:?} ({})", slowest.0, slowest.1);
    // The guarantee is 100 ms (docs/benchmarks.md has the figures of this test); a debug build
    // on a loaded CI machine gets a margin, a scan of every answer per task (24 s) would not.
    assert!(
        slowest.0 < Duration::from_millis(1000),
        "slowest {slowest:?}"
    );
}
