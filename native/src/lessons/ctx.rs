//! What a lesson runner is handed, and the error it gives for a strategy it does not run.
//!
//! Options only one lesson reads (the distributed lesson's broker today) live in
//! [`LessonOptions`], one struct with one constructor (`LessonOptions::default()`, then the
//! fields a caller knows): a lesson that needs a flag of its own adds a field here and sets it
//! in `main.rs`'s `run`, and no other call site changes.

use anyhow::{Result, bail};
use interleave_shared::{LessonId, Params, Strategy, StrategyId};

/// What a lesson runner gets besides the strategy: the validated parameters and, for lessons
/// that talk to the companion, its base URL.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Validated parameters.
    pub params: Params,
    /// Companion base URL (`http://127.0.0.1:PORT`), for lessons that use it.
    pub server: Option<&'a str>,
    /// Options only some lessons read.
    pub options: &'a LessonOptions,
}

/// Run options that belong to one lesson, each defaulting to "not given".
#[derive(Debug, Clone, Default)]
pub struct LessonOptions {
    /// The distributed lesson's `--broker`, `--token` and `--kill-worker`.
    pub distributed: DistributedOptions,
}

/// `--broker`, `--token` and `--kill-worker`: where the distributed lesson's queue lives and
/// which worker to kill mid-task.
#[derive(Debug, Clone, Default)]
pub struct DistributedOptions {
    /// An existing broker, `nats://HOST:PORT`; `None` starts a private one per run.
    pub url: Option<String>,
    /// Its key.
    pub token: Option<String>,
    /// Kill this worker while it holds a task.
    pub kill_worker: Option<u32>,
}

impl Ctx<'_> {
    /// The companion's URL, or an error naming the lesson that needs it.
    pub fn server(&self, lesson: &str) -> Result<&str> {
        self.server
            .ok_or_else(|| anyhow::anyhow!("the {lesson} lesson needs a companion server URL"))
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
