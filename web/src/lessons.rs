//! Browser runners of the catalogue's lessons beyond cpu and io: the race and the deadlock on the
//! shared-memory pool (web workers block, the main thread never does), the queue and the pool API
//! on message-passing workers, coroutines on the main thread, and the cost ladder.

use crate::platform::PerfClock;
use crate::runner::{Env, Outcome, ensure_pool};
use crate::workers;
use futures::channel::oneshot;
use interleave_shared::lessons::native_only::{cost_note, cost_render};
use interleave_shared::lessons::{coroutine, deadlock, pools, queue, race};
use interleave_shared::strategy::timed;
use interleave_shared::{Clock, Params, Span, SpanKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

fn exact(
    result: String,
    expected: String,
    spans: Vec<Span>,
    wall_ms: f64,
    workers: u32,
    note: Option<String>,
) -> Outcome {
    Outcome {
        correct: result == expected,
        result,
        expected,
        spans,
        wall_ms,
        workers,
        note,
    }
}

/// Run `f(worker index)` on every thread of the pool at once and collect the results, without
/// blocking the main thread (one `rayon::spawn`ed job that broadcasts, awaited over a oneshot).
async fn broadcast<T: Send + 'static>(
    f: impl Fn(u32) -> T + Send + Sync + 'static,
) -> Result<Vec<T>, String> {
    let (tx, rx) = oneshot::channel();
    rayon::spawn(move || {
        let out = rayon::broadcast(|ctx| f(ctx.index() as u32));
        let _ = tx.send(out);
    });
    rx.await
        .map_err(|_| "the worker pool stopped before answering".to_string())
}

/// `race` on the pool: every pool thread is a worker hammering the balance.
pub async fn race(strategy: &str, p: Params) -> Result<Outcome, String> {
    let variant = race::Variant::of(strategy).ok_or("unknown race strategy")?;
    let threads = ensure_pool(p.workers).await?;
    let balance = Arc::new(race::Balance::new());
    let arrived = Arc::new(AtomicU32::new(0));
    let clock = PerfClock::start();
    let kind = if variant == race::Variant::Mutex {
        SpanKind::Lock
    } else {
        SpanKind::Compute
    };
    let (b, rounds) = (balance.clone(), p.size);
    let spans = broadcast(move |w| {
        // Spin until every worker is here, so their rounds really overlap.
        arrived.fetch_add(1, Ordering::SeqCst);
        while arrived.load(Ordering::SeqCst) < threads {
            std::hint::spin_loop();
        }
        let ((), span) = timed(&clock, w, w as usize, kind, || b.work(variant, w, rounds));
        span
    })
    .await?;
    let wall = clock.now_ms();
    let value = balance.value(variant);
    let note = (value != 0).then(|| format!("updates were overwritten between a read and a write, so the balance drifted by {value} — run it again and it drifts by another amount"));
    Ok(exact(
        race::render(value),
        race::render(0),
        spans,
        wall,
        threads,
        note,
    ))
}

/// `deadlock` on two pool threads (they may block; the main thread only awaits).
pub async fn deadlock(strategy: &str, p: Params) -> Result<Outcome, String> {
    let threads = ensure_pool(2).await?;
    if threads < 2 {
        return Err(format!(
            "deadlock needs two pool threads; this page's pool has {threads} (reload with workers=2)"
        ));
    }
    let opposite = strategy == "opposite-order";
    let locks = Arc::new(deadlock::Locks::new(2, deadlock::TIMEOUT));
    let clock = PerfClock::start();
    let rounds = p.size;
    let outs = broadcast(move |w| {
        (w < 2).then(|| {
            timed(&clock, w, w as usize, SpanKind::Lock, || {
                locks.work(w, opposite, rounds, &clock)
            })
        })
    })
    .await?;
    let wall = clock.now_ms();
    let (outcomes, spans): (Vec<_>, Vec<_>) = outs.into_iter().flatten().unzip();
    let (result, expected) = deadlock::render(opposite, &outcomes, 2, rounds);
    let note = opposite.then(|| format!("each worker gave up after {} ms waiting for its second lock, reported the cycle and let go, so the run ended", deadlock::TIMEOUT.as_millis()));
    Ok(exact(result, expected, spans, wall, 2, note))
}

/// `queue` on message-passing workers: the page produces items, workers consume them; at most
/// one item per worker is in flight, which is the queue's bound.
pub async fn queue(p: Params, env: &Env) -> Result<Outcome, String> {
    let messages = (0..p.size).map(|i| format!("queue {i}")).collect();
    let clock = PerfClock::start();
    let (outs, spans) =
        crate::runner::run_workers(messages, p.workers, SpanKind::Compute, &clock, env).await?;
    let wall = clock.now_ms();
    let mut ledger = queue::Ledger::new(p.size);
    for (i, v) in outs.iter().enumerate() {
        ledger.consumed(
            i as u64,
            v.parse().map_err(|_| format!("a worker answered '{v}'"))?,
        );
    }
    let note = Some(format!(
        "the page produced {} items; {} workers consumed them, each holding at most one",
        p.size, p.workers
    ));
    Ok(exact(
        ledger.render(),
        queue::expected(p.size),
        spans,
        wall,
        p.workers,
        note,
    ))
}

/// `pools` on message-passing workers: map item by item, or in chunks.
pub async fn pools(strategy: &str, p: Params, env: &Env) -> Result<Outcome, String> {
    let chunk = if strategy.ends_with("chunked") {
        pools::chunk_size(p.size, p.workers)
    } else {
        1
    };
    let messages = (0..p.size.div_ceil(chunk))
        .map(|c| format!("pools {} {}", c * chunk, ((c + 1) * chunk).min(p.size)))
        .collect();
    let clock = PerfClock::start();
    let (outs, spans) =
        crate::runner::run_workers(messages, p.workers, SpanKind::Compute, &clock, env).await?;
    let wall = clock.now_ms();
    let total = outs
        .iter()
        .map(|o| {
            o.parse::<u128>()
                .map_err(|_| format!("a worker answered '{o}'"))
        })
        .sum::<Result<u128, _>>()?;
    let note = Some(format!(
        "chunk size {chunk}: {} messages each way",
        p.size.div_ceil(chunk)
    ));
    Ok(exact(
        pools::render(total, 0),
        pools::expected(p.size, false),
        spans,
        wall,
        p.workers,
        note,
    ))
}

/// `coroutine` on the main thread (it takes microseconds).
pub fn coroutine(strategy: &str, p: Params) -> Outcome {
    let clock = PerfClock::start();
    let t = match strategy {
        "async" => coroutine::run_async(p.size, &clock),
        _ => coroutine::run_state_machine(p.size, &clock),
    };
    let wall = clock.now_ms();
    let mut lines: Vec<String> = t.lines.iter().take(9).map(|(_, l)| l.clone()).collect();
    if t.lines.len() > 9 {
        lines.push(format!("… {} more steps", t.lines.len() - 9));
    }
    exact(
        t.digest(),
        coroutine::reference_digest(p.size),
        t.spans,
        wall,
        2,
        Some(lines.join(" · ")),
    )
}

/// `cost`: N trivial tasks of one kind, one after another.
pub async fn cost(strategy: &str, p: Params) -> Result<Outcome, String> {
    let n = p.size;
    if strategy == "worker-start" && n > 200 {
        return Err(format!(
            "size {n} is out of range for worker-start: allowed 1..=200 (each start loads and compiles the program)"
        ));
    }
    if strategy == "pool-job" {
        ensure_pool(p.workers).await?;
    }
    let clock = PerfClock::start();
    let mut done = 0u64;
    let mut trips_ms = None;
    match strategy {
        "async-task" => {
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = tx.send(std::hint::black_box(i));
                });
                done += u64::from(rx.await.is_ok());
            }
        }
        "pool-job" => {
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                rayon::spawn(move || {
                    let _ = tx.send(std::hint::black_box(i));
                });
                done += u64::from(rx.await.is_ok());
            }
        }
        "worker-message" => {
            let (d, ms) = workers::round_trips(n).await?;
            done = d;
            trips_ms = Some(ms);
        }
        "worker-start" => done = workers::starts(n).await?,
        other => return Err(format!("strategy '{other}' is not a cost rung")),
    }
    let wall = trips_ms.unwrap_or_else(|| clock.now_ms());
    let span = Span {
        worker: 0,
        task: 0,
        start_ms: 0.0,
        end_ms: wall,
        kind: SpanKind::Spawn,
    };
    Ok(exact(
        cost_render(done),
        cost_render(n),
        vec![span],
        wall,
        1,
        Some(cost_note(wall, n)),
    ))
}
