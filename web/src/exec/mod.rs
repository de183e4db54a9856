//! The toolkit every browser lesson runner uses, and nothing lesson-specific: the run's
//! environment and cancellation, the shared-memory pool (wasm-bindgen-rayon) and how to await it
//! without blocking the main thread, message-passing web workers, fetching pages, clocks.
//!
//! Imports point one way: the coordinator (`run`) → `lessons` → `exec` → `interleave-shared`.

pub mod executor;
pub mod pages;
pub mod platform;
pub mod workers;

use futures::channel::oneshot;
use interleave_shared::task::{Job, Output};
use interleave_shared::{LessonId, Span, SpanKind, Strategy};
use platform::PerfClock;
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
    /// Timed runs per strategy (after an untimed warm-up at full size); 1 = one timed run,
    /// after a small warm-up of every strategy where speed is compared.
    pub repeat: u32,
}

/// Message of a run stopped by Cancel.
pub const CANCELLED: &str = "run cancelled";

/// The error for a strategy the catalogue lists for a lesson but its browser runner does not
/// handle; the browser tests run every pair, so this never ships.
pub fn unsupported(lesson: LessonId, strategy: &Strategy) -> String {
    format!(
        "strategy '{}' has no browser runner in lesson '{lesson}'",
        strategy.id
    )
}

/// Start the web-worker pool with `threads` workers unless it is already running; returns the
/// number of threads it really has. Starting workers takes tens of milliseconds, paid once per
/// page, so it happens before the clock starts, as a program starts its pool once.
pub async fn ensure_pool(threads: u32) -> Result<u32, String> {
    if let Some(n) = POOL_THREADS.with(Cell::get) {
        return Ok(n);
    }
    if !platform::cross_origin_isolated() {
        return Err(format!(
            "the pool needs shared memory, and {}; the other strategies still run",
            platform::why_off()
        ));
    }
    JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads as usize))
        .await
        .map_err(|e| format!("could not start the worker pool: {e:?}"))?;
    POOL_THREADS.with(|c| c.set(Some(threads)));
    Ok(threads)
}

/// Run `f` on the pool without blocking the main thread: one `rayon::spawn`ed job whose result
/// comes back over a oneshot channel.
pub async fn on_pool<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = oneshot::channel();
    rayon::spawn(move || {
        let _ = tx.send(f());
    });
    rx.await
        .map_err(|_| "the worker pool stopped before answering".to_string())
}

/// Run `f(worker index)` on every thread of the pool at once and collect the results, without
/// blocking the main thread.
pub async fn broadcast<T: Send + 'static>(
    f: impl Fn(u32) -> T + Send + Sync + 'static,
) -> Result<Vec<T>, String> {
    on_pool(move || rayon::broadcast(|ctx| f(ctx.index() as u32))).await
}

/// Run jobs on fresh message-passing workers, stopping early on Cancel.
pub async fn run_workers(
    jobs: Vec<Job>,
    workers: u32,
    kind: SpanKind,
    clock: &PerfClock,
    env: &Env,
) -> Result<(Vec<Output>, Vec<Span>), String> {
    let r = workers::run(jobs, workers, kind, clock, &env.cancel).await;
    if env.cancel.get() {
        return Err(CANCELLED.into());
    }
    r
}
