//! `local`: HTTP clients per thread, shared, or per request; the companion counts the
//! connections it accepted, so the number is measured where connections are made.

use crate::fetch::{self, Target};
use crate::runner::{Execution, measure};
use anyhow::{Context, Result, anyhow, bail};
use interleave_shared::lessons::native_only::local_expected;
use interleave_shared::strategy::timed;
use interleave_shared::{Params, Span, SpanKind};

fn connections(base: &str) -> Result<u64> {
    let body = reqwest::blocking::get(format!("{base}/api/connections"))
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .context("cannot ask the companion how many connections it accepted")?;
    let v: serde_json::Value = serde_json::from_str(&body)?;
    v["accepted"]
        .as_u64()
        .ok_or_else(|| anyhow!("no 'accepted' in {body}"))
}

fn get(client: &reqwest::blocking::Client, target: &Target, page: u64) -> Result<(), String> {
    client
        .get(target.url(page))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn execute(strategy: &str, p: Params, server: Option<&str>) -> Result<Execution> {
    let base = server.context("the local lesson needs the companion")?;
    let target = Target {
        base: base.to_string(),
        latency_ms: p.latency_ms.unwrap_or(0),
        bytes: 64,
    };
    let shared = reqwest::blocking::Client::new();
    let before = connections(base)?;
    let (spans, meter) = measure(|clock| {
        let results: Vec<Result<Vec<Span>, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..p.workers)
                .map(|w| {
                    let (target, shared) = (&target, &shared);
                    s.spawn(move || {
                        let mut spans = Vec::new();
                        for page in (u64::from(w)..p.size).step_by(p.workers as usize) {
                            let (r, span) =
                                timed(clock, w, page as usize, SpanKind::Wait, || match strategy {
                                    "per-thread" => fetch::fetch_blocking(target, page).map(|_| ()),
                                    "shared" => get(shared, target, page),
                                    _ => get(&reqwest::blocking::Client::new(), target, page),
                                });
                            r?;
                            spans.push(span);
                        }
                        Ok(spans)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut spans = Vec::new();
        for r in results {
            spans.extend(r.map_err(|e| anyhow!(e))?);
        }
        Ok(spans)
    })?;
    if !matches!(strategy, "per-thread" | "shared" | "per-request") {
        bail!("strategy '{strategy}' is not available for local");
    }
    let opened = connections(base)?.saturating_sub(before + 1);
    let (lo, hi) = local_expected(strategy, p.size, u64::from(p.workers));
    let result = format!("{} requests over {opened} connections", p.size);
    let expected = if lo == hi {
        format!("{} requests over {lo} connections", p.size)
    } else {
        format!("{} requests over {lo} to {hi} connections", p.size)
    };
    Ok(Execution {
        correct: (lo..=hi).contains(&opened),
        result,
        expected,
        spans,
        meter,
        workers: p.workers,
        children_peak_kb: 0,
        note: Some(match strategy {
            "per-thread" => {
                "each thread made its client on first use and reused its one connection".into()
            }
            "shared" => {
                "one thread-safe client: a connection per request in flight, reused afterwards"
                    .into()
            }
            _ => "a new client for every request: a new connection every time".into(),
        }),
    })
}
