//! The page's coordinator: runs a validated request's strategies one after another in the
//! browser (each through `lessons::execute`), then, when asked and the companion is there, the
//! same request natively on the companion (`POST /api/run`, the same [`RunBody`] the CLI
//! resolves), and fills speedups. It only coordinates.

use crate::exec::platform::PerfClock;
use crate::exec::{CANCELLED, Env};
use crate::lessons;
use interleave_shared::machine::{Machine, calibrate};
use interleave_shared::record::annotate_speedups;
use interleave_shared::request::{RawParams, StrategyList};
use interleave_shared::{Execution, Params, Request, RunBody, RunRecord, Side};

/// Run `request` (validated for the web side), reporting progress; then, when asked, the native
/// rows. Returns checked records and warnings (e.g. the companion failed) to show.
pub async fn run(
    request: &Request,
    env: Env,
    progress: impl Fn(String),
) -> Result<(Vec<RunRecord>, Vec<String>), String> {
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    let params = request.params;
    let info = request.info();
    // As natively: where speed is compared, every strategy first runs small and untimed, so the
    // one timed first does not pay for compiling the code (the JIT tiers it up only after it
    // has run), starting the pool and warming caches for everyone.
    if info.speed_matters && env.repeat <= 1 {
        let warm = params.warm_up();
        for strategy in &request.strategies {
            if env.cancel.get() {
                return Err(CANCELLED.into());
            }
            progress(format!("{}: warming up (untimed)…", strategy.id));
            lessons::execute(request.lesson, strategy, warm, &env, &|_| {}).await?;
        }
    }
    let runs = if env.repeat > 1 { env.repeat + 1 } else { 1 };
    for strategy in &request.strategies {
        let mut timed = Vec::new();
        for i in 0..runs {
            if env.cancel.get() {
                return Err(CANCELLED.into());
            }
            if runs > 1 {
                let what = if i == 0 {
                    "warm-up, untimed".to_string()
                } else {
                    format!("run {i} of {}", runs - 1)
                };
                progress(format!("{}: {what}…", strategy.id));
            }
            // The core's speed before and after, so a claim that does not hold can tell a
            // slower core from workers slowing each other (a browser sees no other load).
            let before = calibrate(&PerfClock::start());
            let mut e = lessons::execute(request.lesson, strategy, params, &env, &progress).await?;
            e.machine = Some(Machine {
                other_cores: None,
                steal_cores: None,
                core_ms: [before, calibrate(&PerfClock::start())],
            });
            if runs == 1 || i > 0 {
                timed.push(e);
            }
        }
        let (e, repeats) = Execution::median_of(timed).ok_or("no timed runs")?;
        let mut record =
            RunRecord::from_execution(request.lesson, strategy.id, Side::Web, &params, e);
        record.repeats = (runs > 1).then_some(repeats);
        records.push(record);
    }
    if env.native_rows && env.companion {
        if env.cancel.get() {
            return Err(CANCELLED.into());
        }
        match native_body(request) {
            Some(body) => {
                progress(format!(
                    "native: running {} on the companion…",
                    native_names(request).join(", ")
                ));
                match native_rows(body).await {
                    Ok(native) => records.extend(native),
                    Err(e) => warnings.push(format!("native rows unavailable: {e}")),
                }
            }
            None => warnings.push(format!(
                "no native rows: none of {} runs natively",
                request
                    .strategies
                    .iter()
                    .map(|s| s.id.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    annotate_speedups(&mut records);
    interleave_shared::claims::evaluate(&mut records);
    Ok((records, warnings))
}

/// The native strategies to run beside the page's: every one when the page runs all of its
/// own (the default: the whole comparison), else the chosen ones that also run natively, in
/// the catalogue's native order.
fn native_names(request: &Request) -> Vec<&'static str> {
    let info = request.info();
    let all_of_the_page = info
        .web
        .iter()
        .all(|w| request.strategies.iter().any(|s| s.id == w.id));
    info.native
        .iter()
        .filter(|n| all_of_the_page || request.strategies.iter().any(|s| s.id == n.id))
        .map(|n| n.id.name())
        .collect()
}

/// The `/api/run` body for the native side of `request`: the chosen strategies that run
/// natively (`strategies=async` asks the companion for async only), the same parameters, and as
/// many workers as every native strategy accepts; `None` when none of them runs natively.
pub fn native_body(request: &Request) -> Option<RunBody> {
    let info = request.info();
    let names = native_names(request);
    if names.is_empty() {
        return None;
    }
    let Params {
        size,
        workers,
        latency_ms,
        bytes,
    } = request.params;
    Some(RunBody {
        lesson: info.name().into(),
        strategies: Some(StrategyList::Comma(names.join(","))),
        workers: Some(u64::from(workers.min(info.max_workers(Side::Native)))),
        params: RawParams {
            size: Some(size),
            latency_ms,
            bytes,
        },
    })
}

/// `POST /api/run`; the companion answers native records.
async fn native_rows(body: RunBody) -> Result<Vec<RunRecord>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_rows_ask_for_the_chosen_strategies_within_their_worker_limit() {
        let mut page = RunBody::new("io");
        page.strategies = Some(StrategyList::Comma("sequential,async".into()));
        page.workers = Some(200);
        page.params.size = Some(300);
        let request = page.resolve(Side::Web, 2).unwrap();
        let body = native_body(&request).unwrap();
        // The page's async fetches may use 200 at once; native processes stop at 64.
        assert_eq!(body.workers, Some(64));
        assert_eq!(body.params.latency_ms, Some(500));
        let native = body.resolve(Side::Native, 2).unwrap();
        let names: Vec<&str> = native.strategies.iter().map(|s| s.id.name()).collect();
        assert_eq!(names, ["sequential", "async"]);
    }

    #[test]
    fn strategies_async_asks_the_companion_for_async_only() {
        let mut page = RunBody::new("cpu");
        page.strategies = Some(StrategyList::Comma("async".into()));
        let request = page.resolve(Side::Web, 2).unwrap();
        let body = native_body(&request).unwrap();
        assert_eq!(body.strategies, Some(StrategyList::Comma("async".into())));
        // The web-only workers strategy has no native counterpart: no native rows at all.
        let mut page = RunBody::new("cpu");
        page.strategies = Some(StrategyList::Comma("workers".into()));
        let request = page.resolve(Side::Web, 2).unwrap();
        assert!(native_body(&request).is_none());
        // The page's whole set (its default) asks for the whole native set.
        let request = RunBody::new("cpu").resolve(Side::Web, 2).unwrap();
        let body = native_body(&request).unwrap();
        let native = body.resolve(Side::Native, 2).unwrap();
        assert_eq!(native.strategies.len(), request.info().native.len());
    }

    #[test]
    fn native_only_lessons_send_their_defaults_through() {
        let request = RunBody::new("daemon").resolve(Side::Native, 2).unwrap();
        let body = native_body(&request).unwrap();
        assert_eq!(body.params.size, Some(10));
        assert!(body.resolve(Side::Native, 2).is_ok());
    }
}
