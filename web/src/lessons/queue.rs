//! `queue` on message-passing workers: the page produces items, workers consume them; at most
//! one item per worker is in flight, which is the queue's bound.

use crate::exec::platform::PerfClock;
use crate::exec::{self, Env, workers};
use interleave_shared::detail::LessonDetail;
use interleave_shared::lessons::queue::{self, Ledger};
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
    if strategy.id != S::Workers {
        return Err(exec::unsupported(LessonId::Queue, strategy));
    }
    progress(format!(
        "queue: {} web workers consuming {} items…",
        p.workers, p.size
    ));
    let jobs = (0..p.size).map(|item| Job::QueueItem { item }).collect();
    let clock = PerfClock::start();
    // The queue's 8 slots, shared out among the consumers: each worker holds at most its share
    // of posted, unanswered items, and the page (the producer) waits when that share is full.
    // @code queue:workers
    let depth = queue::CAPACITY.div_ceil(p.workers.max(1) as usize);
    let (outs, spans, pressure, levels) = workers::run_queued(
        jobs,
        p.workers,
        SpanKind::Compute,
        &clock,
        &env.cancel,
        depth,
    )
    .await?;
    // @end
    if env.cancel.get() {
        return Err(exec::CANCELLED.into());
    }
    let wall = clock.now_ms();
    let mut ledger = Ledger::new(p.size);
    for (id, out) in (0u32..).zip(outs) {
        ledger.consumed(u64::from(id), out.value(id).map_err(|e| e.to_string())?);
    }
    let note = format!(
        "the page produced {} items into a queue of {} slots ({depth} per worker); {} workers consumed them",
        p.size,
        queue::CAPACITY,
        p.workers
    );
    let checked = Checked::exact(ledger.render(), queue::expected(p.size));
    Ok(
        Execution::new(checked, spans, p.workers, Timing::wall(wall))
            .with_note(note)
            .fact(Fact::ProducerWaits, pressure.waits as f64)
            .fact(Fact::MaxFill, pressure.max_fill as f64)
            .fact(Fact::Capacity, queue::CAPACITY as f64)
            .detail(LessonDetail::levels(levels)),
    )
}
