//! `coroutine` on the main thread (it takes microseconds).

use crate::exec::{self, platform::PerfClock};
use interleave_shared::lessons::coroutine;
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, Strategy, StrategyId as S, Timing,
};

/// Lines of the transcript shown in the record's note.
const SHOWN: usize = 9;

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution, String> {
    let clock = PerfClock::start();
    let t = match strategy.id {
        S::Async => coroutine::run_async(p.size, &clock),
        S::StateMachine => coroutine::run_state_machine(p.size, &clock),
        _ => return Err(exec::unsupported(LessonId::Coroutine, strategy)),
    };
    let wall = clock.now_ms();
    let mut lines: Vec<String> = t.lines.iter().take(SHOWN).map(|(_, l)| l.clone()).collect();
    if t.lines.len() > SHOWN {
        lines.push(format!("… {} more steps", t.lines.len() - SHOWN));
    }
    let checked = Checked::exact(t.digest(), coroutine::reference_digest(p.size));
    Ok(Execution::new(checked, t.spans, 2, Timing::wall(wall)).with_note(lines.join(" · ")))
}
