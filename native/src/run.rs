//! The coordinator: turns a validated [`Request`] into [`RunRecord`]s. It only coordinates —
//! repeats (an untimed warm-up, then the timed runs, the median reported), the companion for
//! lessons that need one, progress, speedups — and leaves each execution to `lessons::execute`.

use crate::exec;
use crate::lessons::{self, Ctx, LessonOptions};
use anyhow::Result;
use interleave_shared::record::annotate_speedups;
use interleave_shared::{Execution, Request, RunBody, RunRecord, Side};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What to run: a validated request, how often, where pages come from, and the options only
/// some lessons read. Built with [`Plan::new`] and the setters a caller needs, so a new option
/// changes no call site that does not set it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The lesson, its strategies and parameters, validated.
    pub request: Request,
    /// Timed repeats after a warm-up (1 = a single run, no warm-up).
    pub repeat: u32,
    /// Companion base URL for lessons that use it.
    pub server: Option<String>,
    /// Lesson-specific options (the distributed lesson's broker).
    pub options: LessonOptions,
    /// Set by whoever asked for the run when they no longer want it (the companion, when its
    /// client goes away). Checked before every strategy, warm-up and repeat: a run in progress
    /// stops at the next of those, as the page's Cancel does.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// The error of a run stopped by its [`Plan::cancel`] flag.
#[derive(Debug, thiserror::Error)]
#[error("the run was cancelled before {0}: whoever asked for it went away")]
pub struct Cancelled(String);

impl Plan {
    /// One run of `request`, no companion, every lesson option at its default.
    pub fn new(request: Request) -> Self {
        Self {
            request,
            repeat: 1,
            server: None,
            options: LessonOptions::default(),
            cancel: None,
        }
    }

    /// The same, stopping at the next strategy, warm-up or repeat once `flag` is set.
    pub fn cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// `Err(Cancelled)` once the cancel flag is set; `before` names what would have run next.
    fn go_on(&self, before: &str) -> Result<(), Cancelled> {
        match &self.cancel {
            Some(flag) if flag.load(Ordering::SeqCst) => Err(Cancelled(before.to_string())),
            _ => Ok(()),
        }
    }

    /// The same, timed `repeat` times after a warm-up.
    pub fn repeat(mut self, repeat: u32) -> Self {
        self.repeat = repeat;
        self
    }

    /// The same, fetching from the companion at `base`.
    pub fn server(mut self, base: Option<String>) -> Self {
        self.server = base;
        self
    }

    /// The same, with lesson-specific options.
    pub fn options(mut self, options: LessonOptions) -> Self {
        self.options = options;
        self
    }
}

/// Resolve a body for the native side: the one path from typed input to a validated request,
/// for the CLI's `run` and `compare`, the companion and `bench`.
pub fn resolve(body: &RunBody) -> Result<Request, interleave_shared::ParamError> {
    let request = body.resolve(Side::Native, exec::default_workers())?;
    // Refused before it starts, naming the figure, rather than killed by the OOM killer (or
    // aborted by a failed allocation) half-way through.
    if let Some((bytes, what)) = exec::memory::available() {
        request.check_memory(bytes, &what)?;
    }
    Ok(request)
}

/// Whether `plan` warms every strategy up before the timed runs: where speed is compared and
/// `--repeat` is 1 (`--repeat` warms each up at full size inside its own runs).
fn warms_up(plan: &Plan) -> bool {
    plan.request.info().speed_matters && plan.repeat == 1
}

/// How many times [`run`] calls `progress`: the progress bar's total, so it never counts past
/// it.
pub fn steps(plan: &Plan) -> u64 {
    let n = plan.request.strategies.len() as u64;
    if warms_up(plan) { 2 * n } else { n }
}

/// Run every requested strategy, check every result, and fill speedups. A wrong result is not an
/// error here: it is recorded (`correct: false`) so every view can show it; the CLI then exits 1.
/// `progress(name)` is called before each strategy.
pub fn run(plan: &Plan, progress: &dyn Fn(&str)) -> Result<Vec<RunRecord>> {
    let mut records = Vec::new();
    let req = &plan.request;
    // Where speed is compared, every strategy first runs once, small and untimed, so whichever
    // is timed first does not pay everyone's one-time costs. (`--repeat` warms each up at full
    // size instead.)
    if warms_up(plan) {
        let ctx = Ctx {
            params: req.params.warm_up(),
            server: plan.server.as_deref(),
            options: &plan.options,
        };
        for strategy in &req.strategies {
            let step = format!("{} (warm-up)", strategy.id);
            plan.go_on(&step)?;
            progress(&step);
            lessons::execute(req.lesson, strategy, &ctx)?;
        }
    }
    for strategy in &plan.request.strategies {
        plan.go_on(strategy.id.name())?;
        progress(strategy.id.name());
        records.push(run_one(plan, strategy)?);
    }
    annotate_speedups(&mut records);
    interleave_shared::claims::evaluate(&mut records);
    Ok(records)
}

fn run_one(plan: &Plan, strategy: &interleave_shared::Strategy) -> Result<RunRecord> {
    let req = &plan.request;
    let ctx = Ctx {
        params: req.params,
        server: plan.server.as_deref(),
        options: &plan.options,
    };
    let runs = if plan.repeat > 1 { plan.repeat + 1 } else { 1 };
    let mut timed = Vec::new();
    for i in 0..runs {
        if i > 0 {
            plan.go_on(&format!("{} (repeat {i})", strategy.id))?;
        }
        // What the machine did around the run goes with it: a claim that does not hold names
        // others' load or a slower core only when they were measured.
        let sample = crate::exec::machine::Sampler::start();
        let mut e = lessons::execute(req.lesson, strategy, &ctx)?;
        e.machine = Some(sample.finish());
        if runs == 1 || i > 0 {
            timed.push(e);
        }
    }
    let (e, repeats) =
        Execution::median_of(timed).ok_or_else(|| anyhow::anyhow!("no timed runs"))?;
    let mut record =
        RunRecord::from_execution(req.lesson, strategy.id, Side::Native, &req.params, e);
    record.repeats = (plan.repeat > 1).then_some(repeats);
    Ok(record)
}
