//! `local`: HTTP clients per thread, shared, or per request; the companion counts the
//! connections it accepted, so the number is measured where connections are made.

use super::Ctx;
use crate::exec::fetch::{self, Target};
use crate::exec::measure;
use anyhow::{Context, Result, anyhow};
use interleave_shared::lessons::local::expected_connections;
use interleave_shared::strategy::timed;
use interleave_shared::{
    Checked, Execution, Fact, LessonId, Span, SpanKind, Strategy, StrategyId as S,
};

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
        .get(fetch::url(target, page))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn execute(strategy: &Strategy, ctx: &Ctx) -> Result<Execution> {
    super::expect(
        LessonId::Local,
        strategy,
        &[S::PerThread, S::Shared, S::PerRequest],
    )?;
    let p = ctx.params;
    let base = ctx.server(LessonId::Local.name())?;
    let target = fetch::target(base, p.latency_ms.unwrap_or(0), 64);
    let shared = reqwest::blocking::Client::new();
    let before = connections(base)?;
    let (spans, timing) = measure(|clock| {
        let results: Vec<Result<Vec<Span>, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..p.workers)
                .map(|w| {
                    let (target, shared) = (&target, &shared);
                    s.spawn(move || {
                        let mut spans = Vec::new();
                        for page in (u64::from(w)..p.size).step_by(p.workers as usize) {
                            // @code local:per-thread local:shared local:per-request
                            let (r, span) = timed(clock, w, page as usize, SpanKind::Wait, || {
                                match strategy.id {
                                    S::PerThread => fetch::fetch_blocking(target, page).map(|_| ()),
                                    S::Shared => get(shared, target, page),
                                    _ => get(&reqwest::blocking::Client::new(), target, page),
                                }
                            });
                            // @end
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
    let opened = connections(base)?.saturating_sub(before + 1);
    let (lo, hi) = expected_connections(strategy.id, p.size, u64::from(p.workers));
    let result = format!("{} requests over {opened} connections", p.size);
    let expected = if lo == hi {
        format!("{} requests over {lo} connections", p.size)
    } else {
        format!("{} requests over {lo} to {hi} connections", p.size)
    };
    let note = match strategy.id {
        S::PerThread => "each thread made its client on first use and reused its one connection",
        S::Shared => {
            "one thread-safe client: a connection per request in flight, reused afterwards"
        }
        _ => "a new client for every request: a new connection every time",
    };
    let checked = Checked::judged(result, expected, (lo..=hi).contains(&opened));
    Ok(
        Execution::new(checked, spans, strategy.workers_given(p.workers), timing)
            .with_note(note)
            .fact(Fact::Connections, opened as f64),
    )
}
