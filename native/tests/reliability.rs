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
