//! `race` on the shared-memory pool: every pool thread is a worker hammering one balance.

use crate::exec::platform::PerfClock;
use crate::exec::{self, broadcast, ensure_pool};
use interleave_shared::lessons::race::{self, Balance, Variant};
use interleave_shared::strategy::timed;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, SpanKind, Strategy, Timing,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    let variant =
        Variant::of(strategy.id).ok_or_else(|| exec::unsupported(LessonId::Race, strategy))?;
    progress(format!("race: {} on the shared-memory pool…", strategy.id));
    let threads = ensure_pool(p.workers).await?;
    let balance = Arc::new(Balance::new());
    let arrived = Arc::new(AtomicU32::new(0));
    let clock = PerfClock::start();
    let kind = if variant == Variant::Mutex {
        SpanKind::Lock
    } else {
        SpanKind::Compute
    };
    let (b, rounds) = (balance.clone(), p.size);
    // @code race:unsynchronized race:mutex race:atomic
    let spans = broadcast(move |w| {
        // Spin until every worker is here, so their rounds really overlap.
        arrived.fetch_add(1, Ordering::SeqCst);
        while arrived.load(Ordering::SeqCst) < threads {
            std::hint::spin_loop();
        }
        let ((), span) = timed(&clock, w, w as usize, kind, || b.work(variant, w, rounds));
        span
    })
    .await?;
    // @end
    let wall = clock.now_ms();
    let value = balance.value(variant);
    let overwritten = balance.overwritten();
    let checked = Checked::exact(race::render_counted(value, overwritten), race::render(0));
    let mut e = Execution::new(checked, spans, threads, Timing::wall(wall))
        .fact(Fact::Drift, value as f64)
        .fact(Fact::Overwritten, overwritten as f64)
        .fact(Fact::Updates, (2 * p.size * u64::from(threads)) as f64)
        .bug_shown(variant == Variant::Unsynchronized && (value != 0 || overwritten > 0));
    if variant == Variant::Mutex {
        e = e.fact(Fact::LockHandovers, balance.handovers() as f64);
    }
    Ok(if value != 0 || overwritten > 0 {
        e.with_note(race::drift_note(overwritten, value))
    } else {
        e
    })
}
