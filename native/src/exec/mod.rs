//! The toolkit every native lesson runner uses, and nothing lesson-specific: measuring an
//! execution, the ways of running tasks (threads, a queue-fed pool, rayon, child processes, an
//! event loop), HTTP clients, and the OS facts a run needs (cores, open-file limits).
//!
//! Imports point one way: the coordinator (`run`) → `lessons` → `exec` → `interleave-shared`.
//! Nothing here knows a lesson by name.

pub mod clock;
pub mod fetch;
mod pool;
pub mod processes;
mod rayon_pools;
mod threads;
pub mod usage;
pub mod worker;

pub use clock::MonoClock;
pub use pool::pool;
pub use rayon_pools::rayon_pool;
pub use threads::threads;

use anyhow::{Result, bail};
use interleave_shared::{Clock, LessonId, Params, Strategy, StrategyId, Timing};

/// What a lesson runner gets besides the strategy: the validated parameters and, for lessons
/// that talk to the companion, its base URL.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Validated parameters.
    pub params: Params,
    /// Companion base URL (`http://127.0.0.1:PORT`), for lessons that use it.
    pub server: Option<&'a str>,
}

impl Ctx<'_> {
    /// The companion's URL, or an error naming the lesson that needs it.
    pub fn server(&self, lesson: &str) -> Result<&str> {
        self.server
            .ok_or_else(|| anyhow::anyhow!("the {lesson} lesson needs a companion server URL"))
    }
}

/// Run `f` with a fresh clock and measure it: wall time, CPU time of this process and its
/// reaped children, and this process's peak RSS during the run. A runner whose children report
/// their own peaks adds them to `peak_rss_kb`.
pub fn measure<T>(f: impl FnOnce(&MonoClock) -> Result<T>) -> Result<(T, Timing)> {
    usage::reset_peak_rss();
    let cpu0 = usage::self_cpu_ms() + usage::children_cpu_ms();
    let clock = MonoClock::start();
    let out = f(&clock)?;
    let wall_ms = clock.now_ms();
    let cpu_ms = usage::self_cpu_ms() + usage::children_cpu_ms() - cpu0;
    Ok((
        out,
        Timing {
            wall_ms,
            cpu_ms: Some(cpu_ms),
            peak_rss_kb: usage::peak_rss_kb(),
        },
    ))
}

/// A current-thread tokio runtime: the event loop of asyncio, one thread for all tasks.
pub fn event_loop() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Workers when `--workers` is not given: the cores this process may use.
pub fn default_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// Raise the open-files limit to its hard maximum: thousands of concurrent connections need
/// thousands of descriptors, and the default soft limit is often 1024.
pub fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit read and write a plain struct we own.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The error for a strategy the catalogue lists for a lesson but its runner does not handle. The
/// catalogue test (`native/tests/catalogue.rs`) runs every pair, so this never ships.
pub fn unsupported(lesson: LessonId, strategy: &Strategy) -> anyhow::Error {
    anyhow::anyhow!(
        "strategy '{}' has no native runner in lesson '{lesson}'",
        strategy.id
    )
}

/// Fail unless `strategy` is one of `ids`: for runners whose strategies differ only in a detail.
pub fn expect(lesson: LessonId, strategy: &Strategy, ids: &[StrategyId]) -> Result<()> {
    if !ids.contains(&strategy.id) {
        bail!(unsupported(lesson, strategy));
    }
    Ok(())
}
