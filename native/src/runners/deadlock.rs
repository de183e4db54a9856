//! `deadlock` on two OS threads.

use super::exact;
use crate::runner::{Execution, measure};
use anyhow::Result;
use interleave_shared::lessons::deadlock::{self, Locks, Outcome};
use interleave_shared::strategy::timed;
use interleave_shared::{Params, SpanKind};

pub fn execute(strategy: &str, p: Params) -> Result<Execution> {
    let opposite = strategy == "opposite-order";
    let locks = Locks::new(p.workers, deadlock::TIMEOUT);
    let (outcomes, meter) = measure(|clock| {
        Ok(std::thread::scope(|s| {
            let handles: Vec<_> = (0..p.workers)
                .map(|w| {
                    let locks = &locks;
                    s.spawn(move || {
                        timed(clock, w, w as usize, SpanKind::Lock, || {
                            locks.work(w, opposite, p.size, clock)
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect::<Vec<_>>()
        }))
    })?;
    let (results, spans): (Vec<Outcome>, Vec<_>) = outcomes.into_iter().unzip();
    let (result, expected) = deadlock::render(opposite, &results, p.workers, p.size);
    let mut e = exact(result, expected, spans, meter, p.workers);
    if opposite {
        e.note = Some(format!(
            "each worker gave up after {} ms waiting for its second lock, reported the cycle and released what it held, so the run ended",
            deadlock::TIMEOUT.as_millis()
        ));
    }
    Ok(e)
}
