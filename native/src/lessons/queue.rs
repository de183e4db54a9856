//! `queue`: producers and consumers over a bounded queue — threads + channel, async tasks +
//! channel, or consumer processes fed through pipes.

use crate::exec::{self, measure, processes};
use anyhow::Result;
use interleave_shared::detail::LessonDetail;
use interleave_shared::lessons::queue::{self, Ledger};
use interleave_shared::task::Job;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the producers felt: how often the queue was full when they put, and its fullest.
#[derive(Debug, Default)]
struct Pressure {
    waits: AtomicU64,
    max_fill: AtomicU64,
    /// `(ms, items in the queue)` after every put and take, for the fill-over-time chart.
    levels: std::sync::Mutex<Vec<(f64, u32)>>,
}

/// Raw fill samples kept before thinning: bounds memory on a run of a million items.
const MAX_RAW_LEVELS: usize = 200_000;

impl Pressure {
    fn put(&self, was_full: bool, fill: usize, at_ms: f64) {
        if was_full {
            self.waits.fetch_add(1, Ordering::Relaxed);
        }
        self.max_fill.fetch_max(fill as u64, Ordering::Relaxed);
        self.level(fill, at_ms);
    }

    /// The queue held `fill` items at `at_ms`.
    fn level(&self, fill: usize, at_ms: f64) {
        let mut levels = self.levels.lock().unwrap_or_else(|p| p.into_inner());
        if levels.len() < MAX_RAW_LEVELS {
            levels.push((at_ms, fill as u32));
        }
    }

    fn take_levels(&self) -> Vec<(f64, u32)> {
        std::mem::take(&mut *self.levels.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Waits shorter than this are not drawn (a channel operation that did not really block).
const MIN_WAIT_MS: f64 = 0.05;

fn wait_span(worker: u32, task: u64, start: f64, end: f64) -> Option<Span> {
    (end - start > MIN_WAIT_MS).then_some(Span {
        worker,
        task: task as u32,
        start_ms: start,
        end_ms: end,
        kind: SpanKind::Wait,
    })
}

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let (producers, consumers) = queue::roles(p.workers);
    let mut ledger = Ledger::new(p.size);
    let pressure = Pressure::default();
    let roles = Roles {
        size: p.size,
        producers,
        consumers,
    };
    let (spans, timing) = match strategy.id {
        S::Threads => measure(|clock| Ok(threads(roles, clock, &mut ledger, &pressure)))?,
        S::Async => {
            let rt = exec::event_loop()?;
            measure(|clock| Ok(rt.block_on(tasks(roles, clock, &mut ledger, &pressure))))?
        }
        // @code queue:processes
        S::Processes => {
            // The parent produces; the consumer processes take items through a bounded queue
            // of the same capacity (at most CAPACITY items sent and not yet consumed).
            let jobs = (0..p.size).map(|item| Job::QueueItem { item });
            let (outcome, timing) = processes::run_bounded(
                strategy.runs,
                consumers,
                jobs,
                SpanKind::Compute,
                queue::CAPACITY,
            )?;
            for (item, value) in (0..).zip(outcome.values()?) {
                ledger.consumed(item, value);
            }
            pressure
                .waits
                .store(outcome.producer_waits, Ordering::Relaxed);
            pressure
                .max_fill
                .store(outcome.max_in_flight as u64, Ordering::Relaxed);
            *pressure.levels.lock().unwrap_or_else(|p| p.into_inner()) = outcome.levels;
            (outcome.spans, timing)
        }
        // @end
        _ => return Err(super::unsupported(LessonId::Queue, strategy)),
    };
    let mut execution = Execution::new(
        Checked::exact(ledger.render(), queue::expected(p.size)),
        spans,
        strategy.workers_given(p.workers),
        timing,
    );
    if strategy.id == S::Processes {
        // The learner pass found "2 / 4" in the workers column with no word on why.
        execution = execution.with_note(processes_note(p.workers, producers, consumers));
    }
    Ok(execution
        .fact(
            Fact::ProducerWaits,
            pressure.waits.load(Ordering::Relaxed) as f64,
        )
        .fact(
            Fact::MaxFill,
            pressure.max_fill.load(Ordering::Relaxed) as f64,
        )
        .fact(Fact::Capacity, queue::CAPACITY as f64)
        .detail(LessonDetail::levels(pressure.take_levels())))
}

/// Why a processes run uses fewer workers than it was given: the parent is the only producer.
fn processes_note(workers: u32, producers: u32, consumers: u32) -> String {
    format!(
        "the parent process produced every item; {consumers} of the {workers} workers ran as \
         consumer processes (the threads and async runs split them into {producers} producers \
         and {consumers} consumers; here the one parent does all the producing)"
    )
}

/// Who produces and who consumes how many items.
#[derive(Debug, Clone, Copy)]
struct Roles {
    size: u64,
    producers: u32,
    consumers: u32,
}

/// Producers are workers 0..P, consumers P..P+C; a closed channel is the shutdown signal.
fn threads(
    roles: Roles,
    clock: &impl Clock,
    ledger: &mut Ledger,
    pressure: &Pressure,
) -> Vec<Span> {
    let Roles {
        size,
        producers,
        consumers,
    } = roles;
    // @code queue:threads
    let (tx, rx) = crossbeam_channel::bounded::<u64>(queue::CAPACITY);
    // @end
    let (spans, consumed) = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for pr in 0..producers {
            let tx = tx.clone();
            handles.push(s.spawn(move || {
                let mut spans = Vec::new();
                for item in queue::items_of(pr, producers, size) {
                    let t0 = clock.now_ms();
                    // @code queue:threads
                    let full = match tx.try_send(item) {
                        Ok(()) => false,
                        Err(crossbeam_channel::TrySendError::Full(item)) => {
                            if tx.send(item).is_err() {
                                break;
                            }
                            true
                        }
                        Err(crossbeam_channel::TrySendError::Disconnected(_)) => break,
                    };
                    // @end
                    pressure.put(full, tx.len(), clock.now_ms());
                    spans.extend(wait_span(pr, item, t0, clock.now_ms()));
                }
                (spans, Vec::new())
            }));
        }
        drop(tx);
        for c in 0..consumers {
            let rx = rx.clone();
            let w = producers + c;
            handles.push(s.spawn(move || {
                let (mut spans, mut got) = (Vec::new(), Vec::new());
                loop {
                    let t0 = clock.now_ms();
                    // @code queue:threads
                    let Ok(item) = rx.recv() else { break };
                    let t1 = clock.now_ms();
                    pressure.level(rx.len(), t1);
                    spans.extend(wait_span(w, item, t0, t1));
                    let v = queue::process(item);
                    // @end
                    spans.push(Span {
                        worker: w,
                        task: item as u32,
                        start_ms: t1,
                        end_ms: clock.now_ms(),
                        kind: SpanKind::Compute,
                    });
                    got.push((item, v));
                }
                (spans, got)
            }));
        }
        let mut spans = Vec::new();
        let mut got = Vec::new();
        for h in handles {
            let (s, g) = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            spans.extend(s);
            got.extend(g);
        }
        (spans, got)
    });
    for (item, v) in consumed {
        ledger.consumed(item, v);
    }
    spans
}

/// The same with async tasks on one thread and tokio's bounded channel; consumers share the
/// receiving end. Processing never awaits, so consumers take turns with the producers.
async fn tasks(
    roles: Roles,
    clock: &impl Clock,
    ledger: &mut Ledger,
    pressure: &Pressure,
) -> Vec<Span> {
    let Roles {
        size,
        producers,
        consumers,
    } = roles;
    // @code queue:async
    let (tx, rx) = tokio::sync::mpsc::channel::<u64>(queue::CAPACITY);
    // @end
    let rx = Rc::new(tokio::sync::Mutex::new(rx));
    let spans = RefCell::new(Vec::new());
    let got = RefCell::new(Vec::new());
    let producer = |pr: u32| {
        let tx = tx.clone();
        let spans = &spans;
        async move {
            for item in queue::items_of(pr, producers, size) {
                let t0 = clock.now_ms();
                // @code queue:async
                let full = match tx.try_send(item) {
                    Ok(()) => false,
                    Err(tokio::sync::mpsc::error::TrySendError::Full(item)) => {
                        if tx.send(item).await.is_err() {
                            break;
                        }
                        true
                    }
                    Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => break,
                };
                // @end
                pressure.put(full, tx.max_capacity() - tx.capacity(), clock.now_ms());
                spans
                    .borrow_mut()
                    .extend(wait_span(pr, item, t0, clock.now_ms()));
            }
        }
    };
    let consumer = |c: u32| {
        let rx = rx.clone();
        let (spans, got) = (&spans, &got);
        let w = producers + c;
        async move {
            loop {
                let t0 = clock.now_ms();
                // @code queue:async
                let next = rx.lock().await.recv().await;
                let Some(item) = next else { break };
                let t1 = clock.now_ms();
                let fill = rx.lock().await.len();
                pressure.level(fill, t1);
                let v = queue::process(item);
                let done = Span {
                    worker: w,
                    task: item as u32,
                    start_ms: t1,
                    end_ms: clock.now_ms(),
                    kind: SpanKind::Compute,
                };
                spans
                    .borrow_mut()
                    .extend(wait_span(w, item, t0, t1).into_iter().chain([done]));
                got.borrow_mut().push((item, v));
                tokio::task::yield_now().await;
                // @end
            }
        }
    };
    let ps = futures::future::join_all((0..producers).map(producer));
    let cs = futures::future::join_all((0..consumers).map(consumer));
    drop(tx);
    futures::future::join(ps, cs).await;
    for (item, v) in got.into_inner() {
        ledger.consumed(item, v);
    }
    spans.into_inner()
}
