//! `coroutine` on the main thread (it takes microseconds).

use crate::exec::{self, platform::PerfClock};
use interleave_shared::lessons::coroutine;
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, Strategy, StrategyId as S, Timing,
};

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution, String> {
    let clock = PerfClock::start();
    let t = match strategy.id {
        S::Async => coroutine::run_async(p.size, &clock),
        S::StateMachine => coroutine::run_state_machine(p.size, &clock),
        _ => return Err(exec::unsupported(LessonId::Coroutine, strategy)),
    };
    let wall = clock.now_ms();
    let checked = Checked::exact(t.digest(), coroutine::reference_digest(p.size));
    let note = t.note("\n");
    // One thread: the producer and the consumer are two lanes taking turns on it.
    Ok(Execution::new(checked, t.spans, 1, Timing::wall(wall)).with_note(note))
}
