//! `race` on OS threads: every worker hammers one balance.

use crate::exec::measure;
use anyhow::Result;
use interleave_shared::lessons::race::{self, Balance, Variant};
use interleave_shared::strategy::timed;
use interleave_shared::{Checked, Execution, Fact, LessonId, Params, SpanKind, Strategy};

/// Spans per worker on the timeline (the rounds are split into this many chunks).
const CHUNKS: u64 = 10;

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let variant =
        Variant::of(strategy.id).ok_or_else(|| super::unsupported(LessonId::Race, strategy))?;
    let kind = if variant == Variant::Mutex {
        SpanKind::Lock
    } else {
        SpanKind::Compute
    };
    let balance = Balance::new();
    // All workers start together, so their rounds really overlap: a blocking barrier wakes its
    // sleepers too late for that (a thread takes longer to wake than 100,000 rounds take), so
    // the workers spin until all have arrived.
    let arrived = std::sync::atomic::AtomicU32::new(0);
    let start = || {
        arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut spins = 0u64;
        while arrived.load(std::sync::atomic::Ordering::SeqCst) < p.workers {
            std::hint::spin_loop();
            spins += 1;
            // More workers than cores: let the latecomers run.
            if spins > 10_000_000 {
                std::thread::yield_now();
            }
        }
    };
    let (spans, timing) = measure(|clock| {
        Ok(std::thread::scope(|s| {
            let handles: Vec<_> = (0..p.workers)
                .map(|w| {
                    let (balance, start) = (&balance, &start);
                    // @code race:unsynchronized race:mutex race:atomic
                    s.spawn(move || {
                        start();
                        let per = p.size.div_ceil(CHUNKS);
                        let mut left = p.size;
                        let mut spans = Vec::new();
                        let mut chunk = 0;
                        while left > 0 {
                            let n = per.min(left);
                            let ((), span) =
                                timed(clock, w, chunk, kind, || balance.work(variant, w, n));
                            spans.push(span);
                            left -= n;
                            chunk += 1;
                        }
                        spans
                    })
                    // @end
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect::<Vec<_>>()
        }))
    })?;
    let value = balance.value(variant);
    let overwritten = balance.overwritten();
    let mut e = Execution::new(
        Checked::exact(race::render_counted(value, overwritten), race::render(0)),
        spans,
        strategy.workers_given(p.workers),
        timing,
    )
    .fact(Fact::Drift, value as f64)
    .fact(Fact::Overwritten, overwritten as f64)
    .fact(Fact::Updates, (2 * p.size * u64::from(p.workers)) as f64)
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
