//! `deadlock` on two pool threads: they may block; the main thread only awaits.

use crate::exec::platform::PerfClock;
use crate::exec::{self, broadcast, ensure_pool};
use interleave_shared::lessons::deadlock::{self, Locks};
use interleave_shared::strategy::timed;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, SpanKind, Strategy, StrategyId as S, Timing,
};
use std::sync::Arc;

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    let opposite = match strategy.id {
        S::OppositeOrder => true,
        S::Ordered => false,
        _ => return Err(exec::unsupported(LessonId::Deadlock, strategy)),
    };
    progress(format!("deadlock: {} on two pool threads…", strategy.id));
    let threads = ensure_pool(2).await?;
    if threads < 2 {
        return Err(format!(
            "deadlock needs two pool threads; this page's pool has {threads} (reload with workers=2)"
        ));
    }
    let locks = Arc::new(Locks::new(2, deadlock::TIMEOUT));
    let split = Arc::clone(&locks);
    let clock = PerfClock::start();
    let rounds = p.size;
    // @code deadlock:opposite-order deadlock:ordered
    let outs = broadcast(move |w| {
        (w < 2).then(|| {
            timed(&clock, w, w as usize, SpanKind::Lock, || {
                locks.work(w, opposite, rounds, &clock)
            })
        })
    })
    .await?;
    // @end
    let wall = clock.now_ms();
    let (outcomes, spans): (Vec<_>, Vec<_>) = outs.into_iter().flatten().unzip();
    // Holding and waiting drawn apart: `lock` until a worker began the wait it gave up on.
    let spans = spans.into_iter().flat_map(|s| split.split(s)).collect();
    let (result, expected) = deadlock::render(opposite, &outcomes, 2, rounds);
    let (cycles, done) = deadlock::tally(&outcomes);
    let e = Execution::new(
        Checked::exact(result, expected),
        spans,
        2,
        Timing::wall(wall),
    )
    .fact(Fact::CycleReports, cycles as f64)
    .fact(Fact::RoundsDone, done as f64)
    .bug_shown(opposite && cycles > 0)
    .detail(deadlock::detail(&outcomes));
    Ok(if opposite {
        e.with_note(format!("each worker gave up after {} ms waiting for its second lock, reported the cycle and let go, so the run ended", deadlock::TIMEOUT.as_millis()))
    } else {
        e
    })
}
