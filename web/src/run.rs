//! The browser strategies. Each one only schedules a lesson's tasks (from `interleave-shared`)
//! and times them; results are checked by the lesson, exactly as natively.
//!
//! - `sequential`: one task after another. For cpu that is the main thread, busy: the page cannot
//!   repaint until it ends, and the record says so. For io it awaits each page in turn.
//! - `async`: async workers on the page's event loop (wasm-bindgen-futures): they overlap waiting,
//!   not computing.
//! - `pool`: rayon on web workers that share the wasm memory (wasm-bindgen-rayon), started with
//!   `rayon::spawn` and awaited through a oneshot channel, so the main thread never blocks on it.
//! - `workers`: message-passing web workers with no shared memory (see `workers.rs`).
//!
//! When the companion is connected, the same run is also posted to `/api/run`, and its native
//! records join the browser's.

use crate::lessons;
use crate::pages::{self, Source};
use crate::platform::{self, PerfClock};
use crate::workers;
use futures::channel::oneshot;
use interleave_shared::lessons::io::Downloaded;
use interleave_shared::lessons::{LessonInfo, cpu, io};
use interleave_shared::record::annotate_speedups;
use interleave_shared::strategy::{self, async_workers};
use interleave_shared::{Clock, Params, RunRecord, Side, Span, SpanKind, TaskRun, Workload};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Threads of the page's rayon pool once started (a browser pool cannot be resized).
    static POOL_THREADS: Cell<Option<u32>> = const { Cell::new(None) };
}

/// What a run may use besides its parameters.
#[derive(Clone)]
pub struct Env {
    /// The companion answered: io fetches real pages, and native rows are requested.
    pub companion: bool,
    /// Also run the lesson natively on the companion.
    pub native_rows: bool,
    /// Set by the Cancel button; checked between strategies and between tasks.
    pub cancel: Rc<Cell<bool>>,
}

/// Message of a run stopped by Cancel.
pub const CANCELLED: &str = "run cancelled";

/// Start the web-worker pool with `threads` workers unless it is already running; returns the
/// number of threads it really has. Starting workers takes tens of milliseconds, paid once per
/// page, so it happens before the clock starts, as a program starts its pool once.
pub async fn ensure_pool(threads: u32) -> Result<u32, String> {
    if let Some(n) = POOL_THREADS.with(Cell::get) {
        return Ok(n);
    }
    if !platform::cross_origin_isolated() {
        return Err(
            "the pool needs shared memory, and this page is not cross-origin isolated \
                    (the server must send COOP/COEP headers); the other strategies still run"
                .into(),
        );
    }
    JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads as usize))
        .await
        .map_err(|e| format!("could not start the worker pool: {e:?}"))?;
    POOL_THREADS.with(|c| c.set(Some(threads)));
    Ok(threads)
}

/// One timed strategy run, before it becomes a record.
pub struct Outcome {
    /// Who ran what when.
    pub spans: Vec<Span>,
    /// What the strategy produced.
    pub result: String,
    /// What the lesson says it must produce.
    pub expected: String,
    /// The lesson's check.
    pub correct: bool,
    /// Wall time.
    pub wall_ms: f64,
    /// Workers the strategy used.
    pub workers: u32,
    /// A caveat for the reader.
    pub note: Option<String>,
}

/// Run `strategies` of `lesson` one after another, reporting progress; then, when asked, the
/// native rows. Returns checked records and warnings (e.g. the companion failed) to show.
pub async fn run(
    lesson: &'static LessonInfo,
    strategies: &[&'static str],
    params: Params,
    env: Env,
    progress: impl Fn(String),
) -> Result<(Vec<RunRecord>, Vec<String>), String> {
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for strategy in strategies {
        if env.cancel.get() {
            return Err(CANCELLED.into());
        }
        let o = run_one(lesson, strategy, params, &env, &progress).await?;
        records.push(RunRecord {
            lesson: lesson.name.into(),
            strategy: (*strategy).into(),
            side: Side::Web,
            workers: o.workers,
            params: params.to_map(),
            wall_ms: o.wall_ms,
            cpu_ms: None,
            peak_rss_kb: None,
            workers_used: RunRecord::count_workers(&o.spans),
            speedup: None,
            efficiency: None,
            repeats: None,
            note: o.note,
            result: o.result,
            expected: o.expected,
            correct: o.correct,
            spans: o.spans,
        });
    }
    if env.native_rows && env.companion && !lesson.native.is_empty() {
        if env.cancel.get() {
            return Err(CANCELLED.into());
        }
        progress(format!(
            "native: running {} on the companion…",
            lesson.native.join(", ")
        ));
        match native_rows(lesson, params).await {
            Ok(native) => records.extend(native),
            Err(e) => warnings.push(format!("native rows unavailable: {e}")),
        }
    }
    annotate_speedups(&mut records);
    Ok((records, warnings))
}

/// `POST /api/run` with the same lesson and parameters; the companion answers native records.
async fn native_rows(lesson: &LessonInfo, params: Params) -> Result<Vec<RunRecord>, String> {
    let body = serde_json::json!({
        "lesson": lesson.name,
        "strategies": "all",
        "workers": params.workers.min(64),
        "params": { "size": params.size, "latency_ms": params.latency_ms, "bytes": params.bytes },
    });
    let resp = gloo_net::http::Request::post("/api/run")
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.ok() {
        let text = resp.text().await.unwrap_or_default();
        return Err(format!("HTTP {}: {text}", resp.status()));
    }
    resp.json::<Vec<RunRecord>>()
        .await
        .map_err(|e| e.to_string())
}

async fn run_one(
    lesson: &'static LessonInfo,
    strategy: &'static str,
    params: Params,
    env: &Env,
    progress: &impl Fn(String),
) -> Result<Outcome, String> {
    match lesson.name {
        cpu::NAME => run_cpu(strategy, params, env, progress).await,
        io::NAME => run_io(strategy, params, env, progress).await,
        "race" => {
            progress(format!("race: {strategy} on the shared-memory pool…"));
            lessons::race(strategy, params).await
        }
        "deadlock" => {
            progress(format!("deadlock: {strategy} on two pool threads…"));
            lessons::deadlock(strategy, params).await
        }
        "queue" => {
            progress(format!(
                "queue: {} web workers consuming {} items…",
                params.workers, params.size
            ));
            lessons::queue(params, env).await
        }
        "pools" => {
            progress(format!(
                "pools: {strategy} on {} web workers…",
                params.workers
            ));
            lessons::pools(strategy, params, env).await
        }
        "coroutine" => Ok(lessons::coroutine(strategy, params)),
        "db" => {
            progress(format!("db: {strategy} into IndexedDB…"));
            crate::idb::run(strategy, params).await
        }
        "cost" => {
            progress(format!("cost: {} × {strategy}…", params.size));
            lessons::cost(strategy, params).await
        }
        other => Err(format!("lesson '{other}' has no browser runner")),
    }
}

async fn run_cpu(
    strategy: &'static str,
    params: Params,
    env: &Env,
    progress: &impl Fn(String),
) -> Result<Outcome, String> {
    let work = cpu::SumOfSquares::new(params.size, params.workers).map_err(|e| e.to_string())?;
    let tasks = work.task_count();
    let mut workers = params.workers;
    let mut note = None;
    let (run, wall_ms) = match strategy {
        "sequential" => {
            progress("sequential: computing on the main thread, so the page cannot repaint until it ends…".into());
            platform::yield_to_paint().await;
            workers = 1;
            note = Some("ran on the main thread: the page could not repaint meanwhile".into());
            let clock = PerfClock::start();
            let run = strategy::sequential(&work, &clock);
            (run, clock.now_ms())
        }
        "async" => {
            progress("async: computing in async tasks on the main thread's event loop; the page freezes until they end…".into());
            platform::yield_to_paint().await;
            note = Some("async tasks share the main thread: computing never awaits, so they only took turns and the page could not repaint".into());
            let clock = PerfClock::start();
            let run = async_workers(tasks, workers as usize, &clock, SpanKind::Compute, |t| {
                let work = &work;
                async move { work.run_task(t) }
            })
            .await;
            (run, clock.now_ms())
        }
        "pool" => {
            progress(format!(
                "pool: starting up to {} web workers…",
                params.workers
            ));
            workers = ensure_pool(params.workers).await?;
            progress(format!(
                "pool: computing on {workers} web workers that share memory; the page stays responsive…"
            ));
            // Let that message render and paint before the workers start: on a machine with as
            // many cores as workers, the page's own layout and paint would otherwise take a core
            // from one of them in the middle of the timed run.
            platform::yield_to_paint().await;
            if workers != params.workers {
                note = Some(format!(
                    "the pool was started with {workers} workers earlier; browsers cannot resize it (reload to change)"
                ));
            }
            on_pool(work.clone()).await?
        }
        "workers" => {
            progress(format!(
                "workers: starting {workers} web workers (no shared memory) and sending them tasks…"
            ));
            let messages = work
                .ranges()
                .iter()
                .map(|r| format!("cpu {} {}", r.start, r.end))
                .collect();
            let clock = PerfClock::start();
            let (outs, spans) =
                run_workers(messages, workers, SpanKind::Compute, &clock, env).await?;
            let outputs = outs
                .iter()
                .map(|o| {
                    o.parse::<u128>()
                        .map_err(|_| format!("a worker answered '{o}'"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            note = Some("each worker started its own copy of the program; start-up and message copying are included".into());
            (TaskRun { outputs, spans }, clock.now_ms())
        }
        other => {
            return Err(format!(
                "strategy '{other}' is not available in the browser for cpu"
            ));
        }
    };
    let result = cpu::SumOfSquares::combine(&run.outputs);
    let expected = work.expected();
    Ok(Outcome {
        spans: run.spans,
        result: result.map_or_else(|| "overflow".into(), |r| r.to_string()),
        expected: expected.to_string(),
        correct: result == Some(expected),
        wall_ms,
        workers,
        note,
    })
}

/// Run task messages on fresh message-passing workers, stopping early on Cancel.
pub async fn run_workers(
    messages: Vec<String>,
    workers: u32,
    kind: SpanKind,
    clock: &PerfClock,
    env: &Env,
) -> Result<(Vec<String>, Vec<Span>), String> {
    let r = workers::run(messages, workers, kind, clock, &env.cancel).await;
    if env.cancel.get() {
        return Err(CANCELLED.into());
    }
    r
}

/// Run the cpu work on the pool without blocking the main thread: the whole `par_iter` is one
/// `rayon::spawn`ed job whose result comes back over a oneshot channel.
async fn on_pool(work: cpu::SumOfSquares) -> Result<(TaskRun<u128>, f64), String> {
    let (tx, rx) = oneshot::channel();
    let clock = PerfClock::start();
    rayon::spawn(move || {
        let run = strategy::rayon_par(&work, &clock);
        let _ = tx.send(run);
    });
    let run = rx
        .await
        .map_err(|_| "the worker pool stopped before answering".to_string())?;
    Ok((run, clock.now_ms()))
}

async fn run_io(
    strategy: &'static str,
    params: Params,
    env: &Env,
    progress: &impl Fn(String),
) -> Result<Outcome, String> {
    let source = Source {
        origin: pages::origin(),
        latency_ms: params.latency_ms.unwrap_or(0),
        bytes: params.bytes.unwrap_or(0),
        simulated: !env.companion,
    };
    let pages_n = params.size as usize;
    let label = if source.simulated {
        " (simulated: no companion)"
    } else {
        ""
    };
    let fetch = |t: usize| {
        let source = &source;
        let cancel = env.cancel.clone();
        async move {
            if cancel.get() {
                return Err(CANCELLED.to_string());
            }
            source.fetch(t as u64).await
        }
    };
    let clock = PerfClock::start();
    let (outputs, spans, workers) = match strategy {
        "sequential" => {
            progress(format!(
                "sequential: fetching {pages_n} pages one after another{label}…"
            ));
            let run = async_workers(pages_n, 1, &clock, SpanKind::Wait, fetch).await;
            (run.outputs, run.spans, 1)
        }
        "async" => {
            progress(format!(
                "async: fetching {pages_n} pages with up to {} in flight{label}…",
                params.workers
            ));
            let run = async_workers(
                pages_n,
                params.workers as usize,
                &clock,
                SpanKind::Wait,
                fetch,
            )
            .await;
            (run.outputs, run.spans, params.workers)
        }
        "workers" => {
            progress(format!(
                "workers: {} web workers fetching {pages_n} pages{label}…",
                params.workers
            ));
            let messages = (0..pages_n as u64).map(|p| source.task(p)).collect();
            let (outs, spans) =
                run_workers(messages, params.workers, SpanKind::Wait, &clock, env).await?;
            let outputs = outs.iter().map(|o| Downloaded::from_wire(o)).collect();
            (outputs, spans, params.workers)
        }
        other => {
            return Err(format!(
                "strategy '{other}' is not available in the browser for io"
            ));
        }
    };
    let wall_ms = clock.now_ms();
    let total: Downloaded = outputs.into_iter().sum::<Result<_, _>>()?;
    let expected = io::expected(params.size, source.bytes);
    let mut notes = Vec::new();
    if source.simulated {
        notes.push(
            "simulated: no companion answered, so each page was a timer and locally made bytes"
                .to_string(),
        );
    }
    if strategy == "workers" {
        notes.push("each worker started its own copy of the program; start-up and message copying are included".into());
    }
    Ok(Outcome {
        spans,
        result: total.render(),
        expected: expected.render(),
        correct: total == expected,
        wall_ms,
        workers,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}
