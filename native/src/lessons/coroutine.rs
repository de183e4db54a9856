//! `coroutine`: both versions on the calling thread.

use crate::exec::measure;
use anyhow::Result;
use interleave_shared::lessons::coroutine::{self, Transcript};
use interleave_shared::{Checked, Execution, LessonId, Params, Strategy, StrategyId as S};

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let (t, timing): (Transcript, _) = measure(|clock| {
        Ok(match strategy.id {
            S::Async => coroutine::run_async(p.size, clock),
            S::StateMachine => coroutine::run_state_machine(p.size, clock),
            _ => return Err(super::unsupported(LessonId::Coroutine, strategy)),
        })
    })?;
    let note = t.note("\n");
    Ok(Execution::new(
        Checked::exact(t.digest(), coroutine::reference_digest(p.size)),
        t.spans,
        1, // one thread: the producer and the consumer are two lanes taking turns on it
        timing,
    )
    .with_note(note))
}
