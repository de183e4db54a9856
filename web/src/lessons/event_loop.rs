//! `event-loop` on the page's own event loop: every task a future on the page's executor
//! (`exec::executor`, woken in microtasks) on the main thread, each wrapped in the shared recorder.

use crate::exec::platform::{self, PerfClock};
use crate::exec::{self, ensure_pool, executor, on_pool};
use futures::channel::oneshot;
use futures::future::{Either, select};
use interleave_shared::detail::LessonDetail;
use interleave_shared::lessons::event_loop::{self as lesson, Ended, Loop, Marks};
use interleave_shared::tasks::{self, Recorder};
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Strategy, StrategyId as S, Timing,
};
use std::rc::Rc;

/// What the page gives a task.
struct Page {
    clock: PerfClock,
}

impl Loop for Page {
    async fn sleep(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(ms as u32).await;
    }

    // @code event-loop:blocking
    fn block(&self, ms: u64) {
        // The page's one thread spins: no task, no timer, no drawing until it returns.
        let until = self.clock.now_ms() + ms as f64;
        while self.clock.now_ms() < until {
            std::hint::spin_loop();
        }
    }
    // @end

    // @code event-loop:offloaded
    async fn offload(&self, ms: u64) -> Result<(), String> {
        // A web worker of the pool sleeps instead; the page's thread stays free.
        on_pool(move || std::thread::sleep(std::time::Duration::from_millis(ms))).await
    }
    // @end

    // @code event-loop:yielding
    async fn yield_now(&self) {
        // Behind the timers already due: a MessageChannel message, a task of the browser's.
        platform::yield_to_task_queue().await;
    }
    // @end
}

pub async fn execute(
    strategy: &Strategy,
    p: Params,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    if !matches!(
        strategy.id,
        S::Cooperative | S::Blocking | S::Offloaded | S::Yielding | S::Cancelled
    ) {
        return Err(exec::unsupported(LessonId::EventLoop, strategy));
    }
    if strategy.id == S::Offloaded {
        // The pool starts once per page, before the clock, as a program starts its threads.
        ensure_pool(2).await?;
    }
    progress(format!(
        "event-loop: {} ({} tasks on the page's thread)…",
        strategy.id, p.workers
    ));
    platform::yield_to_paint().await;
    let clock = PerfClock::start();
    let rec = Recorder::new(clock);
    let marks = Rc::new(Marks::default());
    let ended = gather(&rec, clock, strategy.id, p.workers, p.size, &marks).await;
    let wall = clock.now_ms();
    let traces = rec.finish(wall);
    let (from, to) = marks.special.get().unwrap_or((0.0, 0.0));
    let mut note = format!(
        "{}; the page's executor here: {}",
        lesson::shown_facts(&traces),
        executor::HOW
    );
    if strategy.id == S::Blocking {
        note.push_str(&format!(
            "; t0's {} ms busy wait froze the whole page meanwhile, drawing included: that is \
             the lesson",
            lesson::BLOCK_MS
        ));
    }
    Ok(Execution::new(
        Checked::exact(
            lesson::render(&ended, marks.cleaned_up.get()),
            lesson::expected(strategy.id, p.workers, p.size),
        ),
        tasks::spans(&traces),
        p.workers,
        Timing::wall(wall),
    )
    .fact(Fact::SpecialFromMs, from)
    .fact(Fact::SpecialToMs, to)
    .fact(Fact::CleanedUp, f64::from(u8::from(marks.cleaned_up.get())))
    .detail(LessonDetail::event_loop(traces))
    .with_note(note))
}

/// Start every task with `executor::spawn`, then wait for each in order: `gather(...,
/// return_exceptions=True)`.
async fn gather(
    rec: &Recorder<PerfClock>,
    clock: PerfClock,
    strategy: S,
    tasks: u32,
    rounds: u64,
    marks: &Rc<Marks>,
) -> Ended {
    let answers: Vec<_> = (0..tasks)
        .map(|id| {
            let probe = rec.task(format!("t{id}"));
            let marks = marks.clone();
            let (tx, rx) = oneshot::channel();
            let body = probe.clone().trace(async move {
                lesson::task(&Page { clock }, &probe, strategy, id, rounds, &marks).await
            });
            executor::spawn(async move {
                // @code event-loop:cancelled
                let out = if strategy == S::Cancelled && id == 0 {
                    // wait_for: whichever ends first; the timer's win drops the task mid-await.
                    let limit = gloo_timers::future::TimeoutFuture::new(lesson::TIMEOUT_MS as u32);
                    match select(Box::pin(body), limit).await {
                        Either::Left((out, _)) => out,
                        Either::Right(_) => Err(lesson::CANCELLED.to_string()),
                    }
                } else {
                    body.await
                };
                // @end
                let _ = tx.send(out);
            });
            rx
        })
        .collect();
    let mut ended = Vec::with_capacity(answers.len());
    for rx in answers {
        ended.push(
            rx.await
                .unwrap_or_else(|_| Err("the task was dropped".to_string())),
        );
    }
    ended
}
