//! The coordinator: turns a validated [`Request`] into [`RunRecord`]s. It only coordinates —
//! repeats (an untimed warm-up, then the timed runs, the median reported), the companion for
//! lessons that need one, progress, speedups — and leaves each execution to `lessons::execute`.

use crate::error::UsageError;
use crate::exec::{self, Ctx};
use crate::lessons;
use crate::server::Background;
use anyhow::Result;
use interleave_shared::record::annotate_speedups;
use interleave_shared::{Execution, Request, RunBody, RunRecord, Side};

/// What to run: a validated request, how often, and where pages come from.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The lesson, its strategies and parameters, validated.
    pub request: Request,
    /// Timed repeats after a warm-up (1 = a single run, no warm-up).
    pub repeat: u32,
    /// Companion base URL for lessons that use it.
    pub server: Option<String>,
    /// The distributed lesson's broker flags.
    pub broker: crate::exec::BrokerFlags,
}

/// Where lessons that use the companion reach it: `--server` (checked first) or a companion
/// started in-process for this run and stopped when dropped.
pub enum Server {
    /// A companion somebody else runs.
    External(String),
    /// Ours, for this run.
    Own(Background),
}

impl Server {
    /// Its base URL.
    pub fn base(&self) -> String {
        match self {
            Server::External(url) => url.clone(),
            Server::Own(bg) => bg.base.clone(),
        }
    }

    /// The companion a request needs, if any: `given` (checked with a health request) or one of
    /// our own. A `given` URL for a lesson that fetches nothing is a usage error.
    pub fn for_request(request: &Request, given: Option<String>) -> Result<Option<Server>> {
        let info = request.info();
        if !info.uses_server {
            if let Some(url) = given {
                return Err(UsageError::Other(format!(
                    "lesson '{}' fetches nothing, so --server {url} does not apply (only io and local use it)",
                    info.name()
                ))
                .into());
            }
            return Ok(None);
        }
        exec::raise_fd_limit();
        match given {
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                let health = format!("{url}/api/health");
                let reach = reqwest::blocking::Client::builder()
                    .timeout(std::time::Duration::from_secs(3))
                    .build()
                    .and_then(|c| c.get(&health).send())
                    .and_then(|r| r.error_for_status());
                match reach {
                    Ok(_) => Ok(Some(Server::External(url))),
                    Err(e) => Err(UsageError::Unreachable {
                        url,
                        reason: e.to_string(),
                    }
                    .into()),
                }
            }
            None => Ok(Some(Server::Own(Background::start()?))),
        }
    }
}

/// Resolve a body for the native side: the one path from typed input to a validated request,
/// for the CLI's `run` and `compare`, the companion and `bench`.
pub fn resolve(body: &RunBody) -> Result<Request, interleave_shared::ParamError> {
    body.resolve(Side::Native, exec::default_workers())
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
    if req.info().speed_matters && plan.repeat == 1 {
        let ctx = Ctx {
            params: req.params.warm_up(),
            server: plan.server.as_deref(),
            broker: &plan.broker,
        };
        for strategy in &req.strategies {
            progress(&format!("{} (warm-up)", strategy.id));
            lessons::execute(req.lesson, strategy, &ctx)?;
        }
    }
    for strategy in &plan.request.strategies {
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
        broker: &plan.broker,
    };
    let runs = if plan.repeat > 1 { plan.repeat + 1 } else { 1 };
    let mut timed = Vec::new();
    for i in 0..runs {
        let e = lessons::execute(req.lesson, strategy, &ctx)?;
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
