//! `deadlock` on two OS threads.

use crate::exec::measure;
use anyhow::Result;
use interleave_shared::lessons::deadlock::{self, Locks, Outcome};
use interleave_shared::strategy::timed;
use interleave_shared::{
    Checked, Execution, Fact, LessonId, Params, SpanKind, Strategy, StrategyId as S,
};

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    super::expect(
        LessonId::Deadlock,
        strategy,
        &[S::OppositeOrder, S::Ordered],
    )?;
    let opposite = strategy.id == S::OppositeOrder;
    let locks = Locks::new(p.workers, deadlock::TIMEOUT);
    let (outcomes, timing) = measure(|clock| {
        Ok(std::thread::scope(|s| {
            let handles: Vec<_> = (0..p.workers)
                .map(|w| {
                    let locks = &locks;
                    // @code deadlock:opposite-order deadlock:ordered
                    s.spawn(move || {
                        timed(clock, w, w as usize, SpanKind::Lock, || {
                            locks.work(w, opposite, p.size, clock)
                        })
                    })
                    // @end
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect::<Vec<_>>()
        }))
    })?;
    let (results, spans): (Vec<Outcome>, Vec<_>) = outcomes.into_iter().unzip();
    // Holding and waiting drawn apart: `lock` until a worker began the wait it gave up on.
    let spans = spans.into_iter().flat_map(|s| locks.split(s)).collect();
    let (result, expected) = deadlock::render(opposite, &results, p.workers, p.size);
    let (cycles, rounds) = deadlock::tally(&results);
    let e = Execution::new(
        Checked::exact(result, expected),
        spans,
        strategy.workers_given(p.workers),
        timing,
    )
    .fact(Fact::CycleReports, cycles as f64)
    .fact(Fact::RoundsDone, rounds as f64)
    .bug_shown(opposite && cycles > 0)
    .detail(deadlock::detail(&results));
    if opposite {
        return Ok(e.with_note(format!(
            "each worker gave up after {} ms waiting for its second lock, reported the cycle and released what it held, so the run ended",
            deadlock::TIMEOUT.as_millis()
        )));
    }
    Ok(e)
}
