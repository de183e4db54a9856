//! `event-loop` on tokio's current-thread runtime (asyncio's event loop: one thread for every
//! task), each task wrapped in the shared recorder.

use crate::exec::{self, MonoClock, measure};
use anyhow::Result;
use interleave_shared::detail::LessonDetail;
use interleave_shared::lessons::event_loop::{self as lesson, Ended, Loop, Marks};
use interleave_shared::tasks::{self, Recorder};
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Strategy, StrategyId as S,
};
use std::rc::Rc;
use std::time::Duration;

/// What tokio gives a task.
struct Tokio;

impl Loop for Tokio {
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    // @code event-loop:blocking
    fn block(&self, ms: u64) {
        // time.sleep inside a coroutine: the loop's one thread sleeps, nothing else runs.
        std::thread::sleep(Duration::from_millis(ms));
    }
    // @end

    // @code event-loop:offloaded
    async fn offload(&self, ms: u64) -> Result<(), String> {
        // asyncio.to_thread: the call sleeps on a thread of tokio's blocking pool.
        tokio::task::spawn_blocking(move || std::thread::sleep(Duration::from_millis(ms)))
            .await
            .map_err(|e| format!("the blocking thread failed: {e}"))
    }
    // @end

    // @code event-loop:yielding
    async fn yield_now(&self) {
        // asyncio.sleep(0): back of the loop's queue, behind every task already ready.
        tokio::task::yield_now().await;
    }
    // @end
}

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    if !matches!(
        strategy.id,
        S::Cooperative | S::Blocking | S::Offloaded | S::Yielding | S::Cancelled
    ) {
        return Err(super::unsupported(LessonId::EventLoop, strategy));
    }
    let rt = exec::event_loop()?;
    let ((ended, traces, marks), timing) = measure(|clock| {
        let rec = Recorder::new(*clock);
        let marks = Rc::new(Marks::default());
        let local = tokio::task::LocalSet::new();
        let ended = local.block_on(&rt, gather(&rec, strategy.id, p.workers, p.size, &marks));
        let traces = rec.finish(clock.now_ms());
        Ok((ended, traces, marks))
    })?;
    let result = lesson::render(&ended, marks.cleaned_up.get());
    let expected = lesson::expected(strategy.id, p.workers, p.size);
    let (from, to) = marks.special.get().unwrap_or((0.0, 0.0));
    let note = lesson::shown_facts(&traces);
    Ok(Execution::new(
        Checked::exact(result, expected),
        tasks::spans(&traces),
        p.workers,
        timing,
    )
    .fact(Fact::SpecialFromMs, from)
    .fact(Fact::SpecialToMs, to)
    .fact(Fact::CleanedUp, f64::from(u8::from(marks.cleaned_up.get())))
    .detail(LessonDetail::event_loop(traces))
    .with_note(note))
}

/// Start every task on the loop, then wait for each: `asyncio.gather(...,
/// return_exceptions=True)`, every result or failure kept in task order.
async fn gather(
    rec: &Recorder<MonoClock>,
    strategy: S,
    tasks: u32,
    rounds: u64,
    marks: &Rc<Marks>,
) -> Ended {
    let handles: Vec<_> = (0..tasks)
        .map(|id| {
            let probe = rec.task(format!("t{id}"));
            let marks = marks.clone();
            let body = probe.clone().trace(async move {
                lesson::task(&Tokio, &probe, strategy, id, rounds, &marks).await
            });
            // @code event-loop:cancelled
            if strategy == S::Cancelled && id == 0 {
                // asyncio.wait_for: the timeout drops the task at its await; its clean-up runs.
                let limit = Duration::from_millis(lesson::TIMEOUT_MS);
                tokio::task::spawn_local(async move {
                    tokio::time::timeout(limit, body)
                        .await
                        .unwrap_or_else(|_| Err(lesson::CANCELLED.to_string()))
                })
            } else {
                tokio::task::spawn_local(body)
            }
            // @end
        })
        .collect();
    let mut ended = Vec::with_capacity(handles.len());
    for h in handles {
        ended.push(
            h.await
                .unwrap_or_else(|e| Err(format!("the task panicked: {e}"))),
        );
    }
    ended
}
