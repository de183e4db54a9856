//! `coroutine`: both versions on the calling thread.

use super::exact;
use crate::runner::{Execution, measure};
use anyhow::Result;
use interleave_shared::Params;
use interleave_shared::lessons::coroutine::{self, Transcript};

/// Lines of the transcript shown in the record's note.
const SHOWN: usize = 9;

pub fn execute(strategy: &str, p: Params) -> Result<Execution> {
    let (t, meter): (Transcript, _) = measure(|clock| {
        Ok(match strategy {
            "async" => coroutine::run_async(p.size, clock),
            _ => coroutine::run_state_machine(p.size, clock),
        })
    })?;
    let mut note: Vec<String> = t.lines.iter().take(SHOWN).map(|(_, l)| l.clone()).collect();
    if t.lines.len() > SHOWN {
        note.push(format!("… {} more steps", t.lines.len() - SHOWN));
    }
    let mut e = exact(
        t.digest(),
        coroutine::reference_digest(p.size),
        t.spans,
        meter,
        2, // two lanes: the producer and the consumer, taking turns on one thread
    );
    e.note = Some(note.join("\n"));
    Ok(e)
}
