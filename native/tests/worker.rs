//! `interleave worker` against a real `nats-server`: the right key gets in, a wrong key and an
//! unreachable broker exit 2 with a message that names what went wrong and where.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tests that look at the machine's namespaces take turns: each checks that none is left, which
/// a test creating its own at the same moment would contradict.
static NAMESPACES: Mutex<()> = Mutex::new(());

/// A nats-server on a free loopback port with `token`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    store: std::path::PathBuf,
}

impl Server {
    fn start(token: &str) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store = std::env::temp_dir().join(format!("interleave-worker-test-{port}"));
        std::fs::create_dir_all(&store).unwrap();
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&store)
            .args(["--auth", token])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server is installed (scripts/setup installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            store,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

fn worker(url: &str, token: Option<&str>) -> (Option<i32>, String, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interleave"));
    cmd.args([
        "worker",
        "--broker",
        url,
        "--run",
        "nothing",
        "--idle-ms",
        "200",
    ]);
    cmd.env_remove("INTERLEAVE_TOKEN");
    if let Some(t) = token {
        cmd.env("INTERLEAVE_TOKEN", t);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn a_wrong_key_is_refused_with_exit_2_and_the_right_one_gets_in() {
    if !common::needs(
        "a_wrong_key_is_refused_with_exit_2_and_the_right_one_gets_in",
        common::BROKER,
    ) {
        return;
    }
    let server = Server::start("s3cret");
    let (code, stderr, _) = worker(&server.url, Some("wrong"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("authorization violation"), "{stderr}");
    assert!(stderr.contains(&server.url), "{stderr}");
    let (code, stderr, _) = worker(&server.url, None);
    assert_eq!(code, Some(2), "no key at all: {stderr}");
    // The right key gets past the broker's door; there is no run called "nothing" to join.
    let (code, stderr, _) = worker(&server.url, Some("s3cret"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("authorization"), "{stderr}");
    assert!(stderr.contains("no task stream"), "{stderr}");
}

#[test]
fn an_unreachable_broker_exits_2_within_seconds_naming_the_address() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("nats://127.0.0.1:{port}");
    let (code, stderr, took) = worker(&url, Some("k"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach a broker at {url}")),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(15), "gave up after {took:?}");
    // The figure it gives is the time it really tried, never more than the process ran.
    let said: f64 = stderr
        .split("gave up after ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no figure in: {stderr}"));
    assert!(
        said <= took.as_secs_f64() + 0.05,
        "said {said} s, ran {took:?}"
    );
}

/// A master's private brokers still running, and its stores still on disk (both are named
/// `interleave-broker-<master pid>-<port>`).
fn leftovers(master: u32) -> (usize, usize) {
    let prefix = format!("interleave-broker-{master}-");
    let out = Command::new("pgrep")
        .args(["-c", "-f", &prefix])
        .output()
        .unwrap();
    let running = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let stores = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .count();
    (running, stores)
}

/// `interleave run distributed --json ARGS`: its records, stderr, exit code and pid.
fn run_json(args: &[&str]) -> (serde_json::Value, String, Option<i32>, u32) {
    let child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["run", "distributed", "--json"])
        .args(args)
        .env_remove("INTERLEAVE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (json, stderr, out.status.code(), pid)
}

/// Start a long `broker`/`hosts` run whose stderr goes to `stderr`, and wait until its private
/// broker is up; returns the running master.
fn long_master(strategy: &str, stderr: Stdio) -> std::process::Child {
    let cli = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args([
            "run",
            "distributed",
            "--strategies",
            strategy,
            "--workers",
            "2",
        ])
        .args(["--size", "100000"])
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while leftovers(cli.id()).0 == 0 {
        assert!(
            Instant::now() < deadline,
            "the master never started its broker"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    cli
}

/// A worker killed holding a task: the run still ends with the exact total, the task was
/// delivered again and counted once, and no broker, worker or store is left behind.
#[test]
fn a_killed_workers_task_is_redelivered_and_the_total_stays_exact() {
    if !common::needs(
        "a_killed_workers_task_is_redelivered_and_the_total_stays_exact",
        common::BROKER,
    ) {
        return;
    }
    let (json, stderr, code, pid) = run_json(&[
        "--strategies",
        "broker",
        "--workers",
        "2",
        "--size",
        "30",
        "--kill-worker",
        "1",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let r = &json[0];
    assert_eq!(r["correct"], true, "{r}");
    assert!(r["facts"]["redelivered"].as_f64().unwrap() >= 1.0, "{r}");
    assert!(r["facts"]["deliveries"].as_f64().unwrap() >= 31.0, "{r}");
    // The record says it additively, as the JSON contract grows.
    assert_eq!(r["delivery"]["tasks"], 30, "{r}");
    assert!(r["delivery"]["redelivered"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(r["hosts"].as_array().unwrap().len(), 2, "{r}");
    assert!(
        r["note"].as_str().unwrap().contains("worker 1 was killed"),
        "{r}"
    );
    // The held task is on the killed worker's lane, until the broker handed it on.
    let held = r["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["worker"] == 1 && s["kind"] == "lock")
        .count();
    assert_eq!(held, 1, "{r}");
    // Its second delivery is computed by the survivor, drawn as redelivered work.
    let again: Vec<_> = r["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "redelivered")
        .collect();
    assert!(!again.is_empty(), "{r}");
    assert!(again.iter().all(|s| s["worker"] == 0), "{r}");
    assert_eq!(
        leftovers(pid),
        (0, 0),
        "broker processes, stores left behind"
    );
}

/// With an existing broker: the right key runs, a wrong key is refused with exit 2.
#[test]
fn an_external_broker_takes_the_right_key_and_refuses_a_wrong_one() {
    if !common::needs(
        "an_external_broker_takes_the_right_key_and_refuses_a_wrong_one",
        common::BROKER,
    ) {
        return;
    }
    let server = Server::start("ext-key");
    let common = [
        "--strategies",
        "broker",
        "--workers",
        "2",
        "--size",
        "10",
        "--broker",
    ];
    let mut right = common.to_vec();
    right.extend([server.url.as_str(), "--token", "ext-key"]);
    let (json, stderr, code, _) = run_json(&right);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json[0]["correct"], true);
    let mut wrong = common.to_vec();
    wrong.extend([server.url.as_str(), "--token", "nope"]);
    let (_, stderr, code, _) = run_json(&wrong);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("authorization violation"), "{stderr}");
}

/// A master killed outright (no Drop runs) still takes its private broker with it, and the
/// next master sweeps the store it left.
#[test]
fn a_killed_master_leaves_no_broker_running() {
    if !common::needs("a_killed_master_leaves_no_broker_running", common::BROKER) {
        return;
    }
    let mut cli = long_master("broker", Stdio::null());
    let pid = cli.id();
    cli.kill().unwrap();
    cli.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while leftovers(pid).0 > 0 {
        assert!(
            Instant::now() < deadline,
            "the private broker outlived its master"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, stderr, code, _) =
        run_json(&["--strategies", "broker", "--workers", "1", "--size", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        leftovers(pid),
        (0, 0),
        "the killed master's store was not swept"
    );
}

/// `hosts`: each worker on a network namespace of its own reaches the broker on the bridge; the
/// total is exact and no namespace, link or broker is left. Without root: exit 2, saying why.
#[test]
fn hosts_are_namespaces_that_reach_the_broker_and_vanish() {
    let _turn = NAMESPACES.lock().unwrap_or_else(|p| p.into_inner());
    // SAFETY: geteuid(2) has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        let (_, stderr, code, _) =
            run_json(&["--strategies", "hosts", "--workers", "2", "--size", "10"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("needs root"), "{stderr}");
    }
    if !common::needs(
        "hosts_are_namespaces_that_reach_the_broker_and_vanish",
        common::HOSTS,
    ) {
        return;
    }
    let (json, stderr, code, pid) =
        run_json(&["--strategies", "hosts", "--workers", "2", "--size", "10"]);
    assert_eq!(code, Some(0), "{stderr}");
    let r = &json[0];
    assert_eq!(r["correct"], true, "{r}");
    let hosts: Vec<&str> = r["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(hosts.len(), 2);
    assert!(hosts.iter().all(|h| h.starts_with("10.77.")), "{hosts:?}");
    assert_ne!(hosts[0], hosts[1]);
    let listed = |what: &[&str]| {
        String::from_utf8_lossy(&Command::new("ip").args(what).output().unwrap().stdout)
            .into_owned()
    };
    assert!(
        !listed(&["netns", "list"]).contains("il"),
        "a namespace was left behind"
    );
    assert!(
        !listed(&["link", "show"]).contains("ilb"),
        "a bridge was left behind"
    );
    assert_eq!(leftovers(pid), (0, 0));
}

/// Ctrl-C (SIGINT) or SIGTERM in the middle of a run: the master stops its workers, its broker
/// and, with `hosts`, removes the namespaces and links, which no process death would remove.
#[test]
fn an_interrupted_master_cleans_up_everything_it_made() {
    if !common::needs(
        "an_interrupted_master_cleans_up_everything_it_made",
        common::BROKER,
    ) {
        return;
    }
    let _turn = NAMESPACES.lock().unwrap_or_else(|p| p.into_inner());
    // SAFETY: geteuid(2) has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let strategy = if root { "hosts" } else { "broker" };
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let cli = long_master(strategy, Stdio::piped());
        let pid = cli.id();
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: kill(2) on the child we started.
        unsafe { libc::kill(pid as libc::pid_t, sig) };
        let out = cli.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(leftovers(pid), (0, 0), "signal {sig}: broker or store left");
        if root {
            let netns = Command::new("ip").args(["netns", "list"]).output().unwrap();
            assert!(
                !String::from_utf8_lossy(&netns.stdout).contains("il"),
                "signal {sig}: a namespace was left"
            );
        }
    }
}

/// A worker started by hand (as on a second machine) joins a master that uses a shared broker,
/// and takes part of its tasks; the total stays exact.
#[test]
fn a_worker_started_by_hand_joins_a_masters_run() {
    if !common::needs(
        "a_worker_started_by_hand_joins_a_masters_run",
        common::BROKER,
    ) {
        return;
    }
    let server = Server::start("shared-key");
    let hand = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args([
            "worker",
            "--broker",
            &server.url,
            "--id",
            "7",
            "--idle-ms",
            "8000",
        ])
        .env("INTERLEAVE_TOKEN", "shared-key")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (json, stderr, code, _) = run_json(&[
        "--strategies",
        "broker",
        "--workers",
        "1",
        "--size",
        "200",
        "--broker",
        &server.url,
        "--token",
        "shared-key",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json[0]["correct"], true);
    let out = hand.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let answered: u64 = said
        .split_whitespace()
        .skip_while(|w| *w != "answered")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(answered > 0, "the hand-started worker took no task: {said}");
}

/// A worker number that does not exist is bad input: exit 2, naming the value and the range.
#[test]
fn kill_worker_out_of_range_is_a_usage_error() {
    let (_, stderr, code, _) = run_json(&[
        "--strategies",
        "broker",
        "--workers",
        "2",
        "--size",
        "4",
        "--kill-worker",
        "5",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--kill-worker 5 is out of range: allowed 0..=1"),
        "{stderr}"
    );
}

/// A worker's `--prefetch` and the distributed bench's `--tasks` outside their ranges: exit 2
/// with a message naming the value and the range, before any broker is touched.
#[test]
fn prefetch_and_bench_tasks_out_of_range_are_usage_errors() {
    for (args, range) in [
        (
            vec![
                "worker",
                "--broker",
                "nats://127.0.0.1:1",
                "--prefetch",
                "0",
            ],
            "1..=1000",
        ),
        (
            vec!["bench", "--distributed", "--tasks", "0"],
            "1..=1000000",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("'0'") && stderr.contains(range),
            "{args:?}: {stderr}"
        );
    }
}

/// A run id that is not letters and digits is a usage error, reported before the worker tries
/// to connect (an unreachable broker would take seconds to be reported instead).
#[test]
fn a_bad_run_id_is_refused_before_connecting() {
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args([
            "worker",
            "--broker",
            "nats://10.255.255.1:4222",
            "--run",
            "x>*",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("run id 'x>*' must be 1 to 64 letters and digits"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered in {:?}, so it tried the broker first",
        started.elapsed()
    );
}

/// The part of a hosts name that says which master made it: its pid in five base-36 digits.
fn pid_stem(pid: u32) -> String {
    let mut digits = Vec::new();
    let mut n = pid;
    for _ in 0..5 {
        digits.push(char::from_digit(n % 36, 36).unwrap());
        n /= 36;
    }
    digits.iter().rev().collect()
}

/// Namespaces and links (bridges, veth ends) of master `pid` still on the machine.
fn hosts_left_by(pid: u32) -> Vec<String> {
    let stem = pid_stem(pid);
    let mut left = Vec::new();
    for what in [&["netns", "list"][..], &["-brief", "link", "show"][..]] {
        let out = Command::new("ip").args(what).output().unwrap();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            let name = name.split('@').next().unwrap_or(name);
            if ["il-", "ilb", "ilo", "ili"]
                .iter()
                .any(|p| name.strip_prefix(p).is_some_and(|r| r.starts_with(&stem)))
            {
                left.push(name.to_string());
            }
        }
    }
    left
}

/// A hosts master SIGKILLed (no Drop, no signal handler) while making its namespaces, once its
/// broker is up, and in the middle of the run leaves namespaces and links; the next hosts run
/// sweeps them, and so does `interleave clean`, and neither touches a live master's.
#[test]
fn what_a_killed_hosts_master_left_is_swept_by_the_next_run() {
    if !common::needs(
        "what_a_killed_hosts_master_left_is_swept_by_the_next_run",
        common::HOSTS,
    ) {
        return;
    }
    let _turn = NAMESPACES.lock().unwrap_or_else(|p| p.into_inner());
    let mut dead = Vec::new();
    // Moments: the first namespace exists; the broker is up; workers have been running a while.
    for moment in 0..3 {
        let mut cli = Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args([
                "run",
                "distributed",
                "--strategies",
                "hosts",
                "--workers",
                "3",
            ])
            .args(["--size", "100000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = cli.id();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match moment {
                0 => !hosts_left_by(pid).is_empty(),
                _ => leftovers(pid).0 > 0,
            };
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moment {moment}: never got there"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        if moment == 2 {
            std::thread::sleep(Duration::from_millis(700));
        }
        cli.kill().unwrap();
        cli.wait().unwrap();
        assert!(
            !hosts_left_by(pid).is_empty(),
            "moment {moment}: a SIGKILLed master left nothing, so this test tests nothing"
        );
        dead.push(pid);
    }
    // A live master's hosts are not touched by a sweep.
    let live = long_master("hosts", Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(20);
    while hosts_left_by(live.id()).len() < 3 {
        assert!(Instant::now() < deadline, "the live master made no hosts");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, stderr, code, next) =
        run_json(&["--strategies", "hosts", "--workers", "2", "--size", "10"]);
    assert_eq!(code, Some(0), "{stderr}");
    for pid in dead.iter().copied().chain([next]) {
        assert_eq!(hosts_left_by(pid), Vec::<String>::new(), "master {pid}");
        assert_eq!(leftovers(pid), (0, 0), "master {pid}: broker or store left");
    }
    assert!(
        hosts_left_by(live.id()).len() >= 3,
        "the next run swept a live master's hosts"
    );
    // `interleave clean` removes a dead master's leftovers as well, and says what it removed.
    let mut live = live;
    let pid = live.id();
    live.kill().unwrap();
    live.wait().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .arg("clean")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("removed network namespace il-"), "{said}");
    assert_eq!(hosts_left_by(pid), Vec::<String>::new(), "{said}");
    assert_eq!(leftovers(pid), (0, 0), "{said}");
}

/// Wait for `child` to end, at most `limit`; its exit code, stderr and how long after `since`
/// it ended.
fn ended_within(child: Child, since: Instant, limit: Duration) -> (Option<i32>, String, Duration) {
    let started = since;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => {
            let out = out.unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            (out.status.code(), stderr, started.elapsed())
        }
        Err(_) => {
            // SAFETY: kill(2) on a child we started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("process {pid} still running {limit:?} after its broker was killed");
        }
    }
}

/// The report of a lost broker names its address and how far the run got.
fn assert_lost_story(who: &str, url: &str, stderr: &str, took: Duration, counts: &str) {
    assert!(
        stderr.contains(&format!("lost the broker at {url}")),
        "{who}: {stderr}"
    );
    assert!(stderr.contains(counts), "{who}: {stderr}");
    assert!(!stderr.contains("heartbeat"), "{who}: {stderr}");
    eprintln!("{who}: reported the lost broker {took:?} after its SIGKILL");
    // The guarantee is five seconds; a closed connection is seen at once, then given 1.5 s.
    assert!(took < Duration::from_secs(5), "{who}: took {took:?}");
}

/// A broker SIGKILLed mid-run, private or shared: the master (and a worker started by hand)
/// end within five seconds with exit 1, the broker's address, and what was lost.
#[test]
fn a_lost_broker_is_reported_within_seconds_with_its_address_and_counts() {
    if !common::needs(
        "a_lost_broker_is_reported_within_seconds_with_its_address_and_counts",
        common::BROKER,
    ) {
        return;
    }
    // The master's own broker.
    let master = long_master("broker", Stdio::piped());
    let pid = master.id();
    std::thread::sleep(Duration::from_millis(800));
    let broker = Command::new("pgrep")
        .args(["-f", &format!("interleave-broker-{pid}-")])
        .output()
        .unwrap();
    let broker: i32 = String::from_utf8_lossy(&broker.stdout)
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the master's broker is running");
    let url = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let port = name
                .strip_prefix(&format!("interleave-broker-{pid}-"))?
                .to_string();
            Some(format!("nats://127.0.0.1:{port}"))
        })
        .expect("the master's broker store names its port");
    // SAFETY: kill(2) on the broker our child started.
    unsafe { libc::kill(broker, libc::SIGKILL) };
    let killed = Instant::now();
    let (code, stderr, took) = ended_within(master, killed, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert_lost_story(
        "master, private broker",
        &url,
        &stderr,
        took,
        " tasks answered, ",
    );
    assert_eq!(leftovers(pid), (0, 0));

    // A shared broker, with a worker started by hand beside the master's own.
    let mut server = Server::start("shared-key");
    let hand = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["worker", "--broker", &server.url, "--id", "7"])
        .env("INTERLEAVE_TOKEN", "shared-key")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let master = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args([
            "run",
            "distributed",
            "--strategies",
            "broker",
            "--workers",
            "1",
        ])
        .args([
            "--size",
            "100000",
            "--broker",
            &server.url,
            "--token",
            "shared-key",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap();
    let killed = Instant::now();
    let (code, stderr, took) = ended_within(master, killed, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert_lost_story(
        "master, shared broker",
        &server.url,
        &stderr,
        took,
        " tasks answered, ",
    );
    let (code, stderr, took) = ended_within(hand, killed, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert_lost_story(
        "worker 7",
        &server.url,
        &stderr,
        took,
        "this worker had answered ",
    );
}
