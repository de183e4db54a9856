//! `io` in the browser: pages awaited one after another, many in flight on the event loop, and
//! fetched by message-passing web workers. Without a companion, pages are simulated (a timer and
//! locally made bytes) and the rows say so.

use crate::exec::platform::PerfClock;
use crate::exec::{self, CANCELLED, Env, pages, run_workers};
use interleave_shared::lessons::io::{self as lesson, Downloaded};
use interleave_shared::strategy::async_workers;
use interleave_shared::task::{Job, PageSource};
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, SpanKind, Strategy, StrategyId as S, Timing,
};

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    env: &Env,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    let source = PageSource {
        base: pages::origin(),
        latency_ms: p.latency_ms.unwrap_or(0),
        bytes: p.bytes.unwrap_or(0),
        simulated: !env.companion,
    };
    let pages_n = p.size as usize;
    let label = if source.simulated {
        " (simulated: no companion)"
    } else {
        ""
    };
    // @code io:sequential io:async
    let fetch = |t: usize| {
        let source = &source;
        let cancel = env.cancel.clone();
        async move {
            if cancel.get() {
                return Err(CANCELLED.to_string());
            }
            pages::fetch(source, t as u64).await
        }
    };
    // @end
    let workers = strategy.workers_given(p.workers);
    let clock = PerfClock::start();
    let (outputs, spans): (Vec<Result<Downloaded, String>>, _) = match strategy.id {
        // @code io:sequential io:async
        S::Sequential | S::Async => {
            progress(if strategy.id == S::Sequential {
                format!("sequential: fetching {pages_n} pages one after another{label}…")
            } else {
                format!("async: fetching {pages_n} pages with up to {workers} in flight{label}…")
            });
            let run = async_workers(pages_n, workers as usize, &clock, SpanKind::Wait, fetch).await;
            (run.outputs, run.spans)
        }
        // @end
        // @code io:workers
        S::Workers => {
            progress(format!(
                "workers: {workers} web workers fetching {pages_n} pages{label}…"
            ));
            let jobs = (0..p.size)
                .map(|page| Job::Page {
                    page,
                    source: source.clone(),
                })
                .collect();
            let (outs, spans) = run_workers(jobs, workers, SpanKind::Wait, &clock, env).await?;
            let outputs = (0u32..)
                .zip(outs)
                .map(|(id, o)| o.page(id).map_err(|e| e.to_string()))
                .collect();
            (outputs, spans)
        }
        // @end
        _ => return Err(exec::unsupported(LessonId::Io, strategy)),
    };
    let wall_ms = clock.now_ms();
    let total: Downloaded = outputs.into_iter().sum::<Result<_, _>>()?;
    let expected = lesson::expected(p.size, source.bytes);
    let mut notes = Vec::new();
    if source.simulated {
        notes.push(
            "simulated: no companion answered, so each page was a timer and locally made bytes",
        );
    }
    if strategy.runs.starts_programs() {
        notes.push("each worker started its own copy of the program; start-up and message copying are included");
    }
    let checked = Checked::judged(total.render(), expected.render(), total == expected);
    let e = Execution::new(checked, spans, workers, Timing::wall(wall_ms));
    Ok(if notes.is_empty() {
        e
    } else {
        e.with_note(notes.join("; "))
    })
}
