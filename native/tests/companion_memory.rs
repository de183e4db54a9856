//! The companion under the hostile loads of a careless or unkind client keeps its resident
//! memory under a stated bound: pages asked for and never read, runs whose client goes away,
//! a run whose pages would not fit, bodies that trickle in, and a large run that does fit.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bound the docs state for the companion's resident memory (docs/benchmarks.md).
const RSS_BOUND_MIB: u64 = 256;

/// A peak of this process's resident memory so far, MiB (`VmHWM`).
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024
}

struct Companion {
    child: Child,
    addr: String,
}

impl Drop for Companion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(stall_secs: u64) -> Companion {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["serve", "--addr", &addr, "--write-stall-secs"])
        .arg(stall_secs.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the companion did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Companion { child, addr }
}

/// Send `head` (and `body`) on a fresh connection; the connection, unread.
fn send(addr: &str, head: &str, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s
}

fn post_run(addr: &str, json: &str) -> String {
    format!(
        "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )
}

/// Read a whole answer (the server closes the connection after it).
fn answer(mut s: TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

#[test]
fn the_companion_stays_under_its_memory_bound_under_hostile_loads() {
    let companion = start(2);
    let addr = companion.addr.clone();
    let pid = companion.child.id();
    let before = peak_rss_mib(pid);

    // 100 clients ask for 16 MiB pages and never read them.
    let page = format!("GET /api/delay/0?bytes=16777216 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let readers: Vec<TcpStream> = (0..100).map(|_| send(&addr, &page, b"")).collect();
    // Six runs whose clients go away at once.
    let slow_run = r#"{"lesson":"io","strategies":"async","params":{"size":100,"latency":2000}}"#;
    for _ in 0..6 {
        drop(send(&addr, &post_run(&addr, slow_run), b""));
        std::thread::sleep(Duration::from_millis(20));
    }
    // Fifty bodies that trickle in: the headers promise 200 bytes, one arrives.
    let trickles: Vec<TcpStream> = (0..50)
        .map(|_| {
            let head = format!(
                "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 Content-Length: 200\r\n\r\n"
            );
            send(&addr, &head, b"{")
        })
        .collect();
    // The issue's run: 400 pages of 16 MiB at once (12.5 GiB) is refused, naming the budget.
    let huge = r#"{"lesson":"io","strategies":"async","params":{"size":400,"bytes":16777216,"latency":0}}"#;
    let refused = answer(send(&addr, &post_run(&addr, huge), b""));
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(
        refused.contains("budget the companion gives one run's pages"),
        "{refused}"
    );
    // A run that fits its budget (100 pages of 300 kB at once: 57 MiB) runs, once the runs
    // whose clients left have stopped and freed the slot.
    let fits =
        r#"{"lesson":"io","strategies":"async","params":{"size":100,"bytes":300000,"latency":0}}"#;
    let deadline = Instant::now() + Duration::from_secs(60);
    let ran = loop {
        let got = answer(send(&addr, &post_run(&addr, fits), b""));
        if !got.starts_with("HTTP/1.1 429") || Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        ran.starts_with("HTTP/1.1 200"),
        "{}",
        &ran[..ran.len().min(600)]
    );
    assert!(
        ran.contains("\"correct\":true"),
        "{}",
        &ran[..ran.len().min(600)]
    );

    // Readers that never read are cut off after the write deadline (2 s here): what each got
    // is what the socket's buffers held, far less than the page, then the end.
    std::thread::sleep(Duration::from_secs(3));
    let mut most = 0usize;
    for mut s in readers {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        most = most.max(got.len());
    }
    assert!(
        most < 16 * 1024 * 1024,
        "a reader that never read got a whole page"
    );
    drop(trickles);
    let peak = peak_rss_mib(pid);
    eprintln!("companion peak RSS: {before} MiB at start, {peak} MiB under the hostile loads");
    assert!(
        peak < RSS_BOUND_MIB,
        "the companion's resident memory peaked at {peak} MiB (bound {RSS_BOUND_MIB} MiB)"
    );
}
