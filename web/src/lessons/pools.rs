//! `pools` on message-passing workers: map item by item, or in chunks.

use crate::exec::platform::PerfClock;
use crate::exec::{self, Env, run_workers};
use interleave_shared::lessons::pools;
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, SpanKind, Strategy, StrategyId as S, Timing,
};

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    env: &Env,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    // @code pools:workers-map pools:workers-map-chunked
    let chunk = match strategy.id {
        S::WorkersMapChunked => pools::chunk_size(p.size, p.workers),
        S::WorkersMap => 1,
        _ => return Err(exec::unsupported(LessonId::Pools, strategy)),
    };
    // @end
    progress(format!(
        "pools: {} on {} web workers…",
        strategy.id, p.workers
    ));
    // @code pools:workers-map pools:workers-map-chunked
    let jobs = (0..p.size.div_ceil(chunk))
        .map(|c| Job::PoolItems {
            first: c * chunk,
            last: ((c + 1) * chunk).min(p.size),
        })
        .collect();
    let clock = PerfClock::start();
    let (outs, spans) = run_workers(jobs, p.workers, SpanKind::Compute, &clock, env).await?;
    // @end
    let wall = clock.now_ms();
    let total = (0u32..)
        .zip(outs)
        .map(|(id, out)| out.sum(id))
        .sum::<Result<u128, _>>()
        .map_err(|e| e.to_string())?;
    let note = format!(
        "chunk size {chunk}: {} messages each way",
        p.size.div_ceil(chunk)
    );
    let checked = Checked::exact(pools::render(total, 0), pools::expected(p.size, false));
    Ok(
        Execution::new(checked, spans, p.workers, Timing::wall(wall))
            .with_note(note)
            .fact(Fact::Tasks, p.size.div_ceil(chunk) as f64),
    )
}
