//! `coroutine`: both versions on the calling thread.

use crate::exec::measure;
use anyhow::Result;
use interleave_shared::lessons::coroutine::{self, Transcript};
use interleave_shared::{Checked, Execution, LessonId, Params, Strategy, StrategyId as S};

/// Lines of the transcript shown in the record's note.
const SHOWN: usize = 9;

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let (t, timing): (Transcript, _) = measure(|clock| {
        Ok(match strategy.id {
            S::Async => coroutine::run_async(p.size, clock),
            S::StateMachine => coroutine::run_state_machine(p.size, clock),
            _ => return Err(super::unsupported(LessonId::Coroutine, strategy)),
        })
    })?;
    let mut note: Vec<String> = t.lines.iter().take(SHOWN).map(|(_, l)| l.clone()).collect();
    if t.lines.len() > SHOWN {
        note.push(format!("… {} more steps", t.lines.len() - SHOWN));
    }
    Ok(Execution::new(
        Checked::exact(t.digest(), coroutine::reference_digest(p.size)),
        t.spans,
        2, // two lanes: the producer and the consumer, taking turns on one thread
        timing,
    )
    .with_note(note.join("\n")))
}
