//! The real `interleave` binary checked against `interleave-shared`: what the CLI prints is the
//! `RunRecord` the shared crate defines, its answers are the shared closed form, and the companion
//! answers over real HTTP on loopback.

use interleave_shared::lessons::cpu;
use interleave_shared::{RunRecord, SpanKind};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The `interleave` binary Cargo built for these tests (never a stale one left in target/).
fn interleave() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_interleave"))
}

#[test]
fn cli_json_is_shared_run_records_with_closed_form_answers() {
    for n in [1u64, 7, 8, 9, 65, 1_000_000] {
        let out = Command::new(interleave())
            .args([
                "run",
                "cpu",
                "--json",
                "--workers",
                "2",
                "--size",
                &n.to_string(),
            ])
            .output()
            .expect("run interleave");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records: Vec<RunRecord> = serde_json::from_slice(&out.stdout).expect("RunRecord JSON");
        assert_eq!(records.len(), cpu::INFO.native.len());
        for r in records {
            assert_eq!(
                r.result,
                cpu::closed_form(n).unwrap().to_string(),
                "n={n} {}",
                r.strategy
            );
            assert!(r.correct);
            assert_eq!(r.workers_used, RunRecord::count_workers(&r.spans));
            let task_spans: Vec<_> = r
                .spans
                .iter()
                .filter(|s| s.kind != SpanKind::Spawn)
                .collect();
            let mut tasks: Vec<u32> = task_spans.iter().map(|s| s.task).collect();
            tasks.sort_unstable();
            tasks.dedup();
            assert_eq!(tasks.len(), task_spans.len(), "each task ran once");
        }
    }
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn companion_health_answers_over_http_with_corp_headers() {
    let mut child = Command::new(interleave())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start companion");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stderr)
        .read_line(&mut line)
        .expect("listening line");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .expect("address in the listening line")
        .to_string();

    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /api/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let lower = response.to_ascii_lowercase();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        lower.contains("cross-origin-resource-policy: cross-origin"),
        "{response}"
    );
    assert!(
        lower.contains("access-control-allow-origin: *"),
        "{response}"
    );
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    let health: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["cores"].as_u64().unwrap() >= 1);
    drop(server);
}
