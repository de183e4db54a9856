//! The companion over real HTTP on loopback.

use super::*;
use futures::future::join_all;
use interleave_shared::RunRecord;
use interleave_shared::Side;
use interleave_shared::lessons::io::page_body;
use std::time::Instant;

async fn post(base: &str, body: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/run"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn delay_waits_then_sends_the_page_with_corp() {
    let server = Background::start().unwrap();
    let start = Instant::now();
    let r = reqwest::get(format!("{}/api/delay/50?bytes=100&page=3", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cross-origin-resource-policy"], "cross-origin");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.bytes().await.unwrap().to_vec(), page_body(3, 100));
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn delay_out_of_bounds_is_400_with_a_json_error() {
    let server = Background::start().unwrap();
    for (path, msg) in [
        (
            "/api/delay/30001",
            "delay 30001 ms is out of range: allowed 0..=30000",
        ),
        (
            "/api/delay/1?bytes=16777217",
            "bytes 16777217 is out of range: allowed 0..=16777216",
        ),
        (
            "/api/delay/soon",
            "delay 'soon' is not a whole number of milliseconds",
        ),
        (
            "/api/delay/10?bytes=-1",
            "bytes and page are whole numbers, bytes allowed 0..=16777216",
        ),
    ] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(v["error"].as_str().unwrap().contains(msg), "{path}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_a_thousand_concurrent_delayed_requests() {
    crate::exec::raise_fd_limit();
    let server = Background::start().unwrap();
    let client = reqwest::Client::new();
    let answers = join_all((0..1000).map(|page| {
        let url = format!("{}/api/delay/300?bytes=64&page={page}", server.base);
        let client = client.clone();
        async move {
            let r = client.get(url).send().await.map_err(|e| e.to_string())?;
            let status = r.status();
            let body = r.bytes().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, body.to_vec() == page_body(page, 64)))
        }
    }))
    .await;
    let failures: Vec<_> = answers
        .iter()
        .filter(|a| !matches!(a, Ok((s, true)) if *s == 200))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );
}

#[tokio::test]
async fn run_returns_checked_native_records() {
    let server = Background::start().unwrap();
    let (status, v) = post(
        &server.base,
        r#"{"lesson":"cpu","strategies":["sequential","threads"],"workers":2,"params":{"size":100000}}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let records: Vec<RunRecord> = serde_json::from_value(v).unwrap();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.correct && r.side == Side::Native));
    let (status, v) = post(
        &server.base,
        r#"{"lesson":"io","strategies":"async","workers":4,"params":{"size":4,"latency_ms":10,"bytes":500}}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["correct"], true);
}

#[tokio::test]
async fn run_rejects_bad_bodies_with_400_and_a_message() {
    let server = Background::start().unwrap();
    for (body, msg) in [
        (r#"{"lesson":"nope"}"#, "unknown lesson 'nope'"),
        (
            r#"{"lesson":"cpu","strategies":"gpu"}"#,
            "no native strategy 'gpu'",
        ),
        (
            r#"{"lesson":"cpu","params":{"size":0}}"#,
            "size 0 is out of range",
        ),
        (
            r#"{"lesson":"cpu","params":{"size":5000000000}}"#,
            "out of range for the companion: allowed 1..=2000000000",
        ),
        (
            r#"{"lesson":"cpu","workers":99}"#,
            "allowed 1..=64 for processes",
        ),
        (r#"{"lesson":"cpu","bogus":1}"#, "unknown field `bogus`"),
        ("not json", "bad request body"),
    ] {
        let (status, v) = post(&server.base, body).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(msg), "{body}: {v}");
    }
}

#[tokio::test]
async fn run_caps_worker_processes_whatever_the_strategy_is_called() {
    let server = Background::start().unwrap();
    let (status, v) = post(
        &server.base,
        r#"{"lesson":"pools","strategies":"processes-map","workers":400}"#,
    )
    .await;
    assert_eq!(status, 400, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(
        msg.contains("workers 400 is out of range: allowed 1..=64 for processes-map"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_one_at_a_time() {
    let server = Background::start().unwrap();
    let slow = r#"{"lesson":"io","strategies":"sequential","params":{"size":3,"latency_ms":300,"bytes":10}}"#;
    let base = server.base.clone();
    let first = tokio::spawn(async move { post(&base, slow).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, v) = post(&server.base, slow).await;
    assert_eq!(status, 429, "{v}");
    assert!(v["error"].as_str().unwrap().contains("one at a time"));
    assert!(v["error"].as_str().unwrap().contains("s ago"), "{v}");
    // When the run in progress started, as a number too (additive beside "error").
    let running = v["running_for_ms"].as_u64().expect("running_for_ms");
    assert!((100..5_000).contains(&running), "{v}");
    assert_eq!(first.await.unwrap().0, 200);
}

/// A client that gives up on its run cancels it: the run stops at its next strategy, warm-up
/// or repeat, the slot stays taken until it has really stopped (so clients that go away cannot
/// stack runs on the machine), and frees long before the run could have finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_client_went_away_is_cancelled_and_counts_until_it_stops() {
    let server = Background::start().unwrap();
    // Uncancelled, this run cannot take less than its latencies: sequential waits 4 × 400 ms,
    // then threads and async at least 400 ms each: 2.4 s. Cancelled while sequential runs (the
    // warm-ups wait 1 ms each), it stops when sequential ends, at about 1.6 s.
    let slow = r#"{"lesson":"io","strategies":"sequential,threads,async","params":{"size":4,"latency_ms":400,"bytes":10}}"#;
    let floor = Duration::from_millis(4 * 400 + 2 * 400);
    let asked = std::time::Instant::now();
    let gave_up = reqwest::Client::new()
        .post(format!("{}/api/run", server.base))
        .header("content-type", "application/json")
        .body(slow)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client was meant to give up");
    let (status, v) = post(&server.base, slow).await;
    assert_eq!(status, 429, "the abandoned run has not stopped yet: {v}");
    // Poll until the slot frees: the run stopped at a boundary, well before its floor.
    let quick = r#"{"lesson":"cpu","strategies":"sequential","params":{"size":1000}}"#;
    loop {
        let (status, v) = post(&server.base, quick).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 429, "{v}");
        assert!(
            asked.elapsed() < floor,
            "the abandoned run was not cancelled: the slot is still taken after {:?}",
            asked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One raw HTTP/1.1 exchange, so the test chooses every header (a client library would set
/// Host itself). Returns the status code and the body.
async fn raw(base: &str, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

fn get_with_host(host: &str) -> String {
    format!("GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn only_loopback_host_names_on_our_port_are_answered() {
    let server = Background::start().unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_string();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "127.0.0.1".to_string(),
    ] {
        let (status, _) = raw(&server.base, &get_with_host(&host)).await;
        assert_eq!(status, 200, "{host}");
    }
    // DNS rebinding: a hostile name that resolves to 127.0.0.1.
    for host in [format!("evil.example:{port}"), "127.0.0.1:1".to_string()] {
        let (status, body) = raw(&server.base, &get_with_host(&host)).await;
        assert_eq!(status, 403, "{host}");
        assert!(
            body.contains("is not allowed") && body.contains("--allow-host"),
            "{body}"
        );
    }
    let lan = Background::start_with(Options {
        allow_hosts: vec!["lab-box".into()],
        ..Options::default()
    })
    .unwrap();
    let port = lan.base.rsplit(':').next().unwrap().to_string();
    let (status, _) = raw(&lan.base, &get_with_host(&format!("lab-box:{port}"))).await;
    assert_eq!(status, 200, "--allow-host adds a name");
}

#[tokio::test]
async fn a_half_sent_header_is_cut_off_after_the_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Background::start_with(Options {
        header_timeout: Some(Duration::from_millis(500)),
        ..Options::default()
    })
    .unwrap();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0")
        .await
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 256];
    // The server closes the connection (EOF or reset); it never answers a request it never got.
    let closed = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
    assert!(closed.is_ok(), "still open after 10 s");
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    // A connection that never sends anything is closed too.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut buf)).await;
    assert!(closed.is_ok(), "an idle connection stayed open");
}

#[tokio::test]
async fn an_oversized_run_body_is_413_with_a_message() {
    let server = Background::start().unwrap();
    let huge = format!(
        r#"{{"lesson":"cpu","strategies":"{}"}}"#,
        "sequential,".repeat(4_000)
    );
    let (status, v) = post(&server.base, &huge).await;
    assert_eq!(status, 413, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("at most 16384 bytes"),
        "{v}"
    );
}

#[tokio::test]
async fn cross_origin_requests_stay_refused() {
    let server = Background::start().unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_string();
    // A preflight finds no route: no Access-Control-Allow-Methods, so the browser never sends
    // the real request.
    let preflight = format!(
        "OPTIONS /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n\
         Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\
         Connection: close\r\n\r\n"
    );
    let (status, _) = raw(&server.base, &preflight).await;
    assert_eq!(status, 403, "a foreign Origin is refused before any route");
    // A "simple" cross-origin POST (text/plain, no preflight) is refused by its Origin too.
    let body = r#"{"lesson":"cpu"}"#;
    let simple = format!(
        "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, body) = raw(&server.base, &simple).await;
    assert_eq!(status, 403, "{body}");
    // So is a JSON POST from a non-browser client claiming another site's Origin.
    let json = |origin: &str| {
        let body = r#"{"lesson":"cpu","strategies":"sequential","params":{"size":1000}}"#;
        format!(
            "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let (status, body) = raw(&server.base, &json("https://evil.example")).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("Origin 'https://evil.example' is not allowed"),
        "{body}"
    );
    // The page through Trunk's proxy: a loopback origin on its own port.
    let (status, body) = raw(&server.base, &json("http://127.0.0.1:8080")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_absolute_target_naming_another_host_is_refused() {
    let server = Background::start().unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let request = |target: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
    };
    let (status, body) = raw(&server.base, &request("http://evil.example/api/health")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("names host 'evil.example'"), "{body}");
    let (status, body) = raw(
        &server.base,
        &request(&format!("http://127.0.0.1:{port}/api/health")),
    )
    .await;
    assert_eq!(status, 200, "our own absolute target is fine: {body}");
}

/// A declared length over the limit gets 413 at once, before any body and without a
/// `100 Continue`; a body that trickles in is cut off with 408 at the deadline.
#[tokio::test]
async fn a_huge_declared_body_is_413_at_once_and_a_slow_one_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Background::start_with(Options {
        body_timeout: Some(Duration::from_millis(500)),
        ..Options::default()
    })
    .unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        format!(
            "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Content-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("an answer without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("Content-Length 1000000000"), "{answer}");

    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        format!(
            "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Content-Length: 20\r\nConnection: close\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut got))
        .await
        .expect("closed within 10 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 0.5 s"), "{answer}");
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
}

/// Every error is JSON: an unknown path and a method an endpoint does not take too.
#[tokio::test]
async fn unknown_paths_and_methods_answer_json_errors() {
    let server = Background::start().unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let (status, body) = raw(
        &server.base,
        &format!("GET /api/nope HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains(r#"{"error":"no such endpoint: /api/nope"#),
        "{body}"
    );
    let (status, body) = raw(
        &server.base,
        &format!("DELETE /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 405, "{body}");
    assert!(
        body.contains(r#"{"error":"DELETE is not allowed on /api/run"#),
        "{body}"
    );
}

/// The built page is served with the isolation headers, and a file's gzip copy goes to a client
/// that accepts gzip (marked, with `Vary`); any other client gets the file itself.
#[tokio::test]
async fn a_static_file_goes_compressed_to_who_accepts_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let wasm: Vec<u8> = (0..50_000u32).map(|i| (i % 7) as u8).collect();
    std::fs::write(dir.path().join("page_bg.wasm"), &wasm).unwrap();
    // Not a real gzip stream: what matters is which file is sent, under which headers.
    std::fs::write(dir.path().join("page_bg.wasm.gz"), b"the gzip copy").unwrap();
    let server = Background::start_serving(Some(dir.path().to_path_buf())).unwrap();
    let url = format!("{}/page_bg.wasm", server.base);
    let client = reqwest::Client::new();

    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["content-type"], "application/wasm");
    assert!(
        gz.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("accept-encoding")
    );
    assert_eq!(gz.headers()["cross-origin-embedder-policy"], "require-corp");
    assert_eq!(gz.bytes().await.unwrap().as_ref(), b"the gzip copy");

    let plain = client.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["cross-origin-opener-policy"], "same-origin");
    assert_eq!(plain.bytes().await.unwrap().to_vec(), wasm);

    // A file without a copy is sent as it is, even to a client that accepts gzip.
    std::fs::write(dir.path().join("page-data.bin"), b"deflated already").unwrap();
    let data = client
        .get(format!("{}/page-data.bin", server.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(data.headers().get("content-encoding").is_none());
    assert_eq!(data.bytes().await.unwrap().as_ref(), b"deflated already");
}
