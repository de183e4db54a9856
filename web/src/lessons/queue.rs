//! `queue` on message-passing workers: the page produces items, workers consume them; at most
//! one item per worker is in flight, which is the queue's bound.

use crate::exec::platform::PerfClock;
use crate::exec::{self, Env, run_workers};
use interleave_shared::lessons::queue::{self, Ledger};
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, SpanKind, Strategy, StrategyId as S, Timing,
};

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    env: &Env,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    if strategy.id != S::Workers {
        return Err(exec::unsupported(LessonId::Queue, strategy));
    }
    progress(format!(
        "queue: {} web workers consuming {} items…",
        p.workers, p.size
    ));
    let jobs = (0..p.size).map(|item| Job::QueueItem { item }).collect();
    let clock = PerfClock::start();
    let (outs, spans) = run_workers(jobs, p.workers, SpanKind::Compute, &clock, env).await?;
    let wall = clock.now_ms();
    let mut ledger = Ledger::new(p.size);
    for (id, out) in (0u32..).zip(outs) {
        ledger.consumed(u64::from(id), out.value(id).map_err(|e| e.to_string())?);
    }
    let note = format!(
        "the page produced {} items; {} workers consumed them, each holding at most one",
        p.size, p.workers
    );
    let checked = Checked::exact(ledger.render(), queue::expected(p.size));
    Ok(Execution::new(checked, spans, p.workers, Timing::wall(wall)).with_note(note))
}
