//! Probes: measurements that are not lesson runs — the companion under thousands of concurrent
//! requests, and the two reference points under P5 (plain TCP with no HTTP client; an async
//! client whose connections are already open).

use crate::exec::{self, MonoClock, fetch};
use crate::server::Background;
use anyhow::{Context, Result};
use interleave_shared::Clock;
use interleave_shared::lessons::io;
use interleave_shared::strategy::TaskRun;
use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// How many delayed requests the companion must hold at once.
pub const CONCURRENT_REQUESTS: u32 = 10_000;

/// Result of holding many delayed requests at once.
#[derive(Debug, Serialize)]
pub struct Concurrent {
    /// Requests sent at once.
    pub requests: u32,
    /// Server-side delay of each, ms.
    pub latency_ms: u64,
    /// Requests that failed or came back wrong.
    pub errors: u32,
    /// Wall time for all of them, ms.
    pub wall_ms: f64,
}

/// A companion in a process of its own on a free loopback port, and its base URL; the caller
/// kills it.
pub fn companion_process() -> Result<(std::process::Child, String)> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start a companion process")?;
    let mut line = String::new();
    BufReader::new(child.stderr.take().context("no stderr")?).read_line(&mut line)?;
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    Ok((child, base))
}

/// Send `count` delayed requests at once to a companion in a separate process (each side then
/// needs ~`count` file descriptors of its own).
pub fn concurrent(count: u32, latency_ms: u64) -> Result<Concurrent> {
    let (mut child, base) = companion_process()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()?;
        let clock = MonoClock::start();
        let answers = futures::future::join_all((0..count).map(|page| {
            let client = client.clone();
            let url = format!("{base}{}", io::page_path(u64::from(page), latency_ms, 64));
            async move {
                let r = client.get(url).send().await.ok()?;
                let ok = r.status().is_success();
                let body = r.bytes().await.ok()?;
                (ok && body.to_vec() == io::page_body(u64::from(page), 64)).then_some(())
            }
        }))
        .await;
        anyhow::Ok(Concurrent {
            requests: count,
            latency_ms,
            errors: answers.iter().filter(|a| a.is_none()).count() as u32,
            wall_ms: clock.now_ms(),
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Medians and minima of repeated wall times.
#[derive(Debug, Clone, Serialize)]
pub struct Walls {
    /// Median wall time, ms.
    pub median_ms: f64,
    /// Fastest wall time, ms.
    pub min_ms: f64,
    /// Timed runs (after one warm-up).
    pub runs: u32,
}

impl Walls {
    pub fn of(mut walls: Vec<f64>) -> Self {
        walls.sort_by(f64::total_cmp);
        Self {
            median_ms: walls.get(walls.len() / 2).copied().unwrap_or(0.0),
            min_ms: walls.first().copied().unwrap_or(0.0),
            runs: walls.len() as u32,
        }
    }
}

/// The explorer's enumeration of race unsynchronized, 2 workers × 2 rounds (12,870 schedules),
/// timed `repeat` times after a warm-up; the counts are checked against the interleavings, which
/// equal the schedules when nothing can block.
pub fn explore_race(repeat: u32) -> Result<Walls> {
    use interleave_shared::LessonId;
    use interleave_shared::explore::{enumerate, model};
    let m = model(LessonId::Race, "unsynchronized", 2, 2)?;
    let mut walls = Vec::new();
    for run in 0..=repeat {
        let clock = MonoClock::start();
        let census = enumerate(&m)?;
        let wall = clock.now_ms();
        if Some(u128::from(census.schedules)) != m.interleavings() {
            anyhow::bail!("the explorer counted {} schedules", census.schedules);
        }
        if run > 0 {
            walls.push(wall);
        }
    }
    Ok(Walls::of(walls))
}

/// Five philosophers, each taking its left fork, then its right.
const PHILOSOPHERS: &str = "lock fork[5]\nthread p x 5:\n    lock fork[me]\n    lock fork[(me + 1) % 5]\n    unlock fork[(me + 1) % 5]\n    unlock fork[me]\n";

/// The explorer on programs: race unsynchronized and mutex, 3 workers × 3 rounds, and five
/// philosophers — states, schedules, and the median time to check each, `repeat` times after a
/// warm-up.
pub fn explore_programs(repeat: u32) -> Result<Vec<ProgramFigure>> {
    use interleave_shared::LessonId;
    use interleave_shared::explore::model;
    use interleave_shared::explore::program;
    // The lesson's own models, as the page and `interleave explore race` show them.
    let race =
        |strategy: &str| -> Result<String> { Ok(model(LessonId::Race, strategy, 3, 3)?.source) };
    let cases = [
        ("race unsynchronized 3 × 3", race("unsynchronized")?, 1000.0),
        ("race mutex 3 × 3", race("mutex")?, 200.0),
        ("five philosophers", PHILOSOPHERS.to_string(), 200.0),
    ];
    let mut out = Vec::new();
    for (name, src, target_ms) in cases {
        let p = program::parse(&src).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let mut walls = Vec::new();
        let mut last = None;
        for run in 0..=repeat {
            let clock = MonoClock::start();
            let report = program::check(&p, &program::Limits::default(), &mut |_| true)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if run > 0 {
                walls.push(clock.now_ms());
            }
            last = Some(report);
        }
        let report = last.ok_or_else(|| anyhow::anyhow!("{name}: no run"))?;
        let ms = Walls::of(walls).median_ms;
        out.push(ProgramFigure {
            name,
            states: report.states,
            schedules: report.schedules_text,
            wrong: report.wrong,
            ms,
            target_ms,
        });
    }
    Ok(out)
}

/// One program the explorer checked in `bench`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgramFigure {
    /// What it is.
    pub name: &'static str,
    /// Distinct states.
    pub states: u64,
    /// Schedules, exact.
    pub schedules: String,
    /// Schedules that end badly, exact.
    pub wrong: String,
    /// Median time to check it, ms.
    pub ms: f64,
    /// What it should take at most (the targets on a 2-core machine), ms.
    pub target_ms: f64,
}

/// What the event-loop lesson's recorder costs per poll (see
/// [`interleave_shared::tasks::cost`]), `repeat` times after a warm-up, medians.
pub fn recorder_cost(repeat: u32) -> Result<RecorderCost> {
    const POLLS: u32 = 200_000;
    let (mut bare, mut traced) = (Vec::new(), Vec::new());
    for run in 0..=repeat {
        let (b, t) = interleave_shared::tasks::cost::per_poll_ns(MonoClock::start(), POLLS)
            .map_err(anyhow::Error::msg)?;
        if run > 0 {
            bare.push(b);
            traced.push(t);
        }
    }
    Ok(RecorderCost {
        polls: POLLS + 1,
        bare_ns: Walls::of(bare).median_ms,
        traced_ns: Walls::of(traced).median_ms,
    })
}

/// [`recorder_cost`]'s figures: nanoseconds per poll, medians.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RecorderCost {
    /// Polls per run.
    pub polls: u32,
    /// A bare poll.
    pub bare_ns: f64,
    /// The same poll through the recorder.
    pub traced_ns: f64,
}

impl RecorderCost {
    /// What the recorder adds to one poll.
    pub fn added_ns(&self) -> f64 {
        self.traced_ns - self.bare_ns
    }
}

/// The floor under P5 and the lesson's async path, measured in alternation.
#[derive(Debug, Serialize)]
pub struct Floor {
    /// The plain-TCP floor's walls.
    pub floor: Walls,
    /// The lesson's async path (the same `fetch::fetch_async` tasks the lesson runs), timed in
    /// the same rounds.
    pub lesson: Walls,
    /// Median over the rounds of lesson ÷ floor, each pair measured back to back.
    pub ratio: f64,
}

/// The floor under P5: the same delayed pages fetched from one thread over plain tokio TCP, a
/// hand-written `GET` per connection with no HTTP client library and no checksum. What is left
/// is opening, using and closing `pages` loopback connections at once on this machine, so the
/// report can say how much of the async wall is the HTTP stack and how much is the platform.
/// Every answer is still checked (status line and exact body), and a wrong one is an error.
///
/// Each round times the floor and then the lesson's own async path back to back, so both see
/// the same machine: on a VM whose speed drifts over a minute, two medians taken one after the
/// other differed by more than the 5% the ratio is held to.
pub fn raw_tcp_floor(
    server: &Background,
    pages: u64,
    latency_ms: u64,
    repeat: u32,
) -> Result<Floor> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = server
        .base
        .strip_prefix("http://")
        .context("the companion's URL is not http://")?
        .to_string();
    let bytes = io::INFO.bytes.map_or(0, |b| b.default);
    let target = fetch::target(&server.base, latency_ms, bytes);
    let expected = io::expected(pages, bytes);
    let rt = exec::event_loop()?;
    let fetch = |page: u64| {
        let host = host.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&host).await?;
            let path = io::page_path(page, latency_ms, bytes);
            stream
                .write_all(
                    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                )
                .await?;
            let mut answer = Vec::with_capacity(bytes as usize + 512);
            stream.read_to_end(&mut answer).await?;
            let body = io::page_body(page, bytes);
            if !answer.starts_with(b"HTTP/1.1 200") || !answer.ends_with(&body) {
                anyhow::bail!("page {page}: wrong answer from the companion");
            }
            anyhow::Ok(())
        }
    };
    let (mut floor, mut lesson, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=repeat {
        let clock = MonoClock::start();
        rt.block_on(futures::future::try_join_all((0..pages).map(fetch)))?;
        let f = clock.now_ms();
        let clock = MonoClock::start();
        let done = rt.block_on(interleave_shared::strategy::async_workers(
            pages as usize,
            pages as usize,
            &clock,
            interleave_shared::SpanKind::Wait,
            |t| fetch::fetch_async(&target, t as u64),
        ));
        let l = clock.now_ms();
        check_pages(done, &expected, &format!("floor round {round}"))?;
        if round > 0 {
            floor.push(f);
            lesson.push(l);
            ratios.push(l / f.max(1e-9));
        }
    }
    let ratio = Walls::of(ratios).median_ms;
    Ok(Floor {
        floor: Walls::of(floor),
        lesson: Walls::of(lesson),
        ratio,
    })
}

/// Every page of a run fetched and exactly the lesson's expected total, or an error naming the
/// run (`what`) and what came instead.
fn check_pages(
    done: TaskRun<Result<io::Downloaded, String>>,
    expected: &io::Downloaded,
    what: &str,
) -> Result<()> {
    let total: io::Downloaded = done
        .outputs
        .into_iter()
        .sum::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    if total != *expected {
        anyhow::bail!(
            "{what}: {} instead of {}",
            total.render(),
            expected.render()
        );
    }
    Ok(())
}

/// P5 again with a warm session: one [`fetch::Session`] kept across the runs, so the warm-up
/// run opens the 1,000 keep-alive connections and the timed runs reuse them, as a long-running
/// program with one HTTP session would. The lesson itself (and P5 above) opens a connection per
/// page in every run, as the notes' script does with a fresh session; the difference between
/// the two is what setting up 1,000 connections costs here. Every run's pages are checked
/// against the lesson's expected result.
///
/// Each round also times the warm floor first, back to back with the session: the same pages
/// over 1,000 kept-alive plain TCP connections of its own (a hand-written `GET`, the answer read
/// to its `Content-Length`, no HTTP client, no checksum). The goal (≤ 1.3 × latency) is held
/// against one latency, and the floor says how much of what lies above it the machine itself
/// takes: a companion and a client sharing its two cores, a thousand answers through loopback.
pub fn async_warm_session(
    server: &Background,
    pages: u64,
    latency_ms: u64,
    repeat: u32,
) -> Result<Floor> {
    let target = fetch::target(
        &server.base,
        latency_ms,
        io::INFO.bytes.map_or(0, |b| b.default),
    );
    let expected = io::expected(pages, target.bytes);
    let rt = exec::event_loop()?;
    let session = fetch::Session::new(&target, pages as usize);
    let host = server
        .base
        .strip_prefix("http://")
        .context("the companion's URL is not http://")?
        .to_string();
    let bytes = target.bytes;
    let mut floor_conns = rt.block_on(futures::future::try_join_all(
        (0..pages).map(|_| tokio::net::TcpStream::connect(host.as_str())),
    ))?;
    let (mut floor, mut warm, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..=repeat {
        let clock = MonoClock::start();
        rt.block_on(futures::future::try_join_all(
            floor_conns.iter_mut().enumerate().map(|(page, conn)| {
                let (host, page) = (host.as_str(), page as u64);
                async move {
                    let path = io::page_path(page, latency_ms, bytes);
                    let body = kept_alive_get(conn, host, &path).await?;
                    if body != io::page_body(page, bytes) {
                        anyhow::bail!("warm floor, page {page}: wrong body from the companion");
                    }
                    anyhow::Ok(())
                }
            }),
        ))?;
        let f = clock.now_ms();
        let clock = MonoClock::start();
        let done = rt.block_on(interleave_shared::strategy::async_workers(
            pages as usize,
            pages as usize,
            &clock,
            interleave_shared::SpanKind::Wait,
            |t| session.fetch(t, t as u64),
        ));
        let wall = clock.now_ms();
        check_pages(done, &expected, &format!("warm-session run {run}"))?;
        if run > 0 {
            floor.push(f);
            warm.push(wall);
            ratios.push(wall / f.max(1e-9));
        }
    }
    Ok(Floor {
        floor: Walls::of(floor),
        lesson: Walls::of(warm),
        ratio: Walls::of(ratios).median_ms,
    })
}

/// One `GET` over a kept-alive plain TCP connection: the request by hand, the status line
/// checked, the headers read up to the blank line, the body read to its `Content-Length`; the
/// connection is left ready for the next request.
async fn kept_alive_get(
    conn: &mut tokio::net::TcpStream,
    host: &str,
    path: &str,
) -> Result<Vec<u8>> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await?;
    // Reading through a buffer that lives only for this answer is safe: the companion sends
    // nothing on a connection until it is asked, so no byte of a later answer is in it.
    let mut reader = tokio::io::BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    if !line.starts_with("HTTP/1.1 200") {
        anyhow::bail!("warm floor: {path} answered {:?}", line.trim_end());
    }
    let mut length = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            anyhow::bail!("warm floor: {path}: the connection closed inside the headers");
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>()?);
        }
    }
    let length = length.with_context(|| format!("warm floor: {path}: no Content-Length"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_takes_the_median_and_the_fastest() {
        let t = Walls::of(vec![30.0, 10.0, 20.0, 50.0, 40.0]);
        assert_eq!((t.median_ms, t.min_ms, t.runs), (30.0, 10.0, 5));
        let none = Walls::of(Vec::new());
        assert_eq!((none.median_ms, none.runs), (0.0, 0));
    }

    #[test]
    fn the_p5_reference_points_fetch_and_check_real_pages() {
        let server = Background::start().unwrap();
        let paired = raw_tcp_floor(&server, 20, 5, 2).unwrap();
        for walls in [&paired.floor, &paired.lesson] {
            assert_eq!(walls.runs, 2);
            assert!(
                walls.min_ms >= 5.0,
                "each page waits 5 ms: {}",
                walls.min_ms
            );
        }
        assert!(paired.ratio > 0.0, "{}", paired.ratio);
        let warm = async_warm_session(&server, 20, 5, 2).unwrap();
        for walls in [&warm.floor, &warm.lesson] {
            assert_eq!(walls.runs, 2);
            assert!(
                walls.min_ms >= 5.0,
                "each page waits 5 ms: {}",
                walls.min_ms
            );
        }
        assert!(warm.ratio > 0.0, "{}", warm.ratio);
    }
}
