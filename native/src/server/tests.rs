//! The companion over real HTTP on loopback.

use super::*;
use futures::future::join_all;
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
    assert_eq!(first.await.unwrap().0, 200);
}
