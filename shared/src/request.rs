//! One request type for every way a run is asked for: CLI flags, the companion's `POST /api/run`
//! body, and the page's inputs. Each edge fills a [`RunBody`] (names and numbers as typed); one
//! [`RunBody::resolve`] turns it into a [`Request`] (typed ids, validated parameters, worker and
//! size limits that follow from what runs each strategy), so a limit cannot hold on one edge and
//! not on another.

use crate::catalogue::{LessonId, Strategy, StrategyId};
use crate::lessons::{self, LessonInfo};
use crate::{ParamError, Params, Side};
use serde::{Deserialize, Serialize};

/// A run as asked for, before validation. Its JSON form is the `POST /api/run` body:
/// `{"lesson","strategies"?,"workers"?,"params":{"size"?,"latency_ms"?,"bytes"?}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// Lesson name.
    pub lesson: String,
    /// Strategies: a list, a comma-separated string, or `all` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategies: Option<StrategyList>,
    /// Workers; the lesson's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u64>,
    /// The lesson's parameters.
    #[serde(default)]
    pub params: RawParams,
}

/// Strategies as a caller may write them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StrategyList {
    /// `["sequential","rayon"]`.
    List(Vec<String>),
    /// `"sequential,rayon"` or `"all"`.
    Comma(String),
}

/// Parameters as typed; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    /// The lesson's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Latency per request, ms (`latency` is accepted too, as the page's URL spells it).
    #[serde(default, alias = "latency", skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Bytes per response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

impl RawParams {
    /// The parameters `interleave compare --quick` runs `lesson` with: its `quick` size (never
    /// more than its default) and latency, everything else at its default.
    pub fn quick(lesson: &LessonInfo) -> Self {
        Self {
            size: lesson.quick.size.map(|cap| cap.min(lesson.size.default)),
            latency_ms: lesson.quick.latency_ms,
            bytes: None,
        }
    }
}

/// The most a run on the companion may hold in pages at once (see
/// [`Request::peak_page_memory`]): the companion's whole budget is 256 MiB of resident memory,
/// and its own pages in flight have a budget of their own beside this one.
pub const COMPANION_RUN_PAGE_BUDGET: u64 = 64 * 1024 * 1024;

/// A validated run: the lesson, its strategies on one side in catalogue order, parameters
/// within every bound that applies to them.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Which lesson.
    pub lesson: LessonId,
    /// Which side runs it.
    pub side: Side,
    /// The strategies, in catalogue order, each with what runs it.
    pub strategies: Vec<&'static Strategy>,
    /// Validated parameters.
    pub params: Params,
}

impl RunBody {
    /// A body for `lesson` with every strategy and default parameters.
    pub fn new(lesson: impl Into<String>) -> Self {
        Self {
            lesson: lesson.into(),
            ..Self::default()
        }
    }

    /// Validate against the catalogue for `side`; `cores` is the platform's default worker count.
    /// Checks, in order: the lesson, the strategies, each parameter's bounds, then the limits of
    /// each chosen strategy (workers per kind of worker, a strategy's own size cap).
    pub fn resolve(&self, side: Side, cores: u32) -> Result<Request, ParamError> {
        let info = lessons::find(&self.lesson)?;
        let list = match &self.strategies {
            None => "all".to_string(),
            Some(StrategyList::Comma(s)) => s.clone(),
            Some(StrategyList::List(v)) => v.join(","),
        };
        let ids = info.parse_strategies(side, &list)?;
        let p = &self.params;
        let mut params = info.params(p.size, self.workers, p.latency_ms, p.bytes, cores)?;
        let strategies: Vec<&'static crate::Strategy> = ids
            .into_iter()
            .filter_map(|id| info.strategy(side, id))
            .collect();
        // A lesson that wants a worker per item (io: one per page, as asyncio.gather starts
        // them all) gets as many as every requested strategy accepts: `--strategies async`
        // starts 1,000 downloads at once, while a run that includes processes stops at 64.
        if self.workers.is_none()
            && let crate::lessons::DefaultWorkers::PerItem(_) = info.default_workers
        {
            let cap = strategies
                .iter()
                .filter(|s| s.runs.takes_workers())
                .map(|s| s.runs.max_workers())
                .min()
                .unwrap_or(crate::params::WORKERS.max as u32);
            params.workers = params.size.min(u64::from(cap)).max(1) as u32;
        }
        let request = Request {
            lesson: info.id,
            side,
            strategies,
            params,
        };
        request.check_limits()?;
        Ok(request)
    }
}

impl Request {
    /// The lesson's catalogue entry.
    pub fn info(&self) -> &'static LessonInfo {
        self.lesson.info()
    }

    /// The strategy ids, in order.
    pub fn ids(&self) -> Vec<StrategyId> {
        self.strategies.iter().map(|s| s.id).collect()
    }

    /// Limits that depend on what runs each strategy: heavy workers (threads, processes) are
    /// capped lower than async tasks, whatever the strategy is called.
    fn check_limits(&self) -> Result<(), ParamError> {
        let p = self.params;
        for s in &self.strategies {
            let cap = s.runs.max_workers();
            if s.runs.takes_workers() && p.workers > cap {
                return Err(ParamError::OutOfRange {
                    name: "workers".into(),
                    value: p.workers.into(),
                    min: 1,
                    max: cap.into(),
                    hint: format!(
                        " for {} (each worker is a whole {})",
                        s.id,
                        s.runs.worker_noun()
                    ),
                });
            }
            if let Some(size_cap) = s.max_size
                && p.size > size_cap.max
            {
                return Err(ParamError::OutOfRange {
                    name: "size".into(),
                    value: p.size,
                    min: self.info().size.min,
                    max: size_cap.max,
                    hint: format!(" {}", size_cap.why),
                });
            }
        }
        Ok(())
    }

    /// The companion's extra bound: a page may not keep it busy for minutes.
    /// Pages this run has in flight at once at its busiest strategy, and the bytes they hold:
    /// every page in flight is received whole, then checked, and putting it together from
    /// the network's pieces copies it once more. Only the io lesson downloads pages; for the
    /// others both are 0.
    pub fn peak_page_memory(&self) -> (u64, u64) {
        let Some(bytes) = self.params.bytes.filter(|_| self.lesson == LessonId::Io) else {
            return (0, 0);
        };
        let in_flight = self
            .strategies
            .iter()
            .map(|s| match s.runs.takes_workers() {
                true => u64::from(self.params.workers).min(self.params.size),
                false => 1,
            })
            .max()
            .unwrap_or(0);
        (in_flight, in_flight.saturating_mul(bytes).saturating_mul(2))
    }

    /// Refuse a run whose pages in flight would need more than `limit` bytes (`limit_what`
    /// says what the limit is, for the message).
    pub fn check_memory(&self, limit: u64, limit_what: &str) -> Result<(), ParamError> {
        let (in_flight, need) = self.peak_page_memory();
        if need > limit {
            return Err(ParamError::Memory {
                need,
                in_flight,
                bytes: self.params.bytes.unwrap_or(0),
                limit,
                limit_what: limit_what.to_string(),
            });
        }
        Ok(())
    }

    /// The companion's limits: its largest size, and its budget for one run's pages
    /// ([`COMPANION_RUN_PAGE_BUDGET`]).
    pub fn check_companion_limits(&self) -> Result<(), ParamError> {
        self.check_memory(
            COMPANION_RUN_PAGE_BUDGET,
            "budget the companion gives one run's pages",
        )?;
        let max = self.info().companion_max_size;
        if self.params.size > max {
            return Err(ParamError::CompanionLimit {
                value: self.params.size,
                min: self.info().size.min,
                max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Runs;

    fn body(json: &str) -> RunBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_body_resolves_to_typed_strategies_and_defaults() {
        let r = body(r#"{"lesson":"cpu","strategies":["rayon","sequential"]}"#)
            .resolve(Side::Native, 2)
            .unwrap();
        assert_eq!(r.lesson, LessonId::Cpu);
        assert_eq!(r.ids(), vec![StrategyId::Sequential, StrategyId::Rayon]);
        assert_eq!(r.params.workers, 2);
        let r = body(r#"{"lesson":"io","strategies":"async","params":{"latency":7}}"#)
            .resolve(Side::Web, 2)
            .unwrap();
        assert_eq!(r.params.latency_ms, Some(7));
        assert_eq!(r.strategies[0].runs, Runs::EventLoop);
    }

    #[test]
    fn worker_limits_follow_from_what_runs_the_strategy() {
        for (json, msg) in [
            (
                r#"{"lesson":"pools","strategies":"processes-map","workers":400}"#,
                "workers 400 is out of range: allowed 1..=64 for processes-map (each worker is a whole OS process)",
            ),
            (
                r#"{"lesson":"cpu","strategies":"processes","workers":400}"#,
                "allowed 1..=64 for processes",
            ),
            (
                r#"{"lesson":"cpu","strategies":"threads","workers":2000}"#,
                "allowed 1..=1024 for threads",
            ),
        ] {
            let err = body(json).resolve(Side::Native, 2).unwrap_err().to_string();
            assert!(err.contains(msg), "{json}: {err}");
        }
        // Async tasks are not threads: 400 of them are fine.
        assert!(
            body(r#"{"lesson":"cpu","strategies":"async","workers":400}"#)
                .resolve(Side::Native, 2)
                .is_ok()
        );
    }

    #[test]
    fn a_strategys_own_size_cap_is_named() {
        let err = body(r#"{"lesson":"cost","strategies":"process","params":{"size":6000}}"#)
            .resolve(Side::Native, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("allowed 1..=5000 for process"), "{err}");
    }

    #[test]
    fn the_companion_bounds_sizes_more_tightly() {
        let r = body(r#"{"lesson":"io","params":{"size":5000}}"#)
            .resolve(Side::Native, 2)
            .unwrap();
        let err = r.check_companion_limits().unwrap_err().to_string();
        assert!(
            err.contains("size 5000 is out of range for the companion: allowed 1..=2000"),
            "{err}"
        );
    }

    #[test]
    fn unknown_fields_and_lessons_are_refused() {
        assert!(serde_json::from_str::<RunBody>(r#"{"lesson":"cpu","bogus":1}"#).is_err());
        let err = RunBody::new("nope").resolve(Side::Native, 2).unwrap_err();
        assert!(err.to_string().contains("unknown lesson 'nope'"));
    }

    #[test]
    fn a_body_serialises_as_the_api_expects() {
        let mut b = RunBody::new("io");
        b.strategies = Some(StrategyList::Comma("all".into()));
        b.workers = Some(4);
        b.params.latency_ms = Some(100);
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"lesson":"io","strategies":"all","workers":4,"params":{"latency_ms":100}})
        );
    }

    #[test]
    fn a_worker_per_page_up_to_what_the_requested_strategies_accept() {
        let mut body = RunBody::new("io");
        body.params.size = Some(1000);
        body.strategies = Some(StrategyList::Comma("async".into()));
        assert_eq!(body.resolve(Side::Native, 2).unwrap().params.workers, 1000);
        body.strategies = None;
        assert_eq!(
            body.resolve(Side::Native, 2).unwrap().params.workers,
            64,
            "processes stop at 64"
        );
        body.workers = Some(10);
        assert_eq!(body.resolve(Side::Native, 2).unwrap().params.workers, 10);
    }

    /// The issue's run (io async, 400 pages of 16 MiB at once) needs 12.5 GiB: the companion
    /// refuses it naming its 64 MiB budget; its defaults and a sequential run fit.
    #[test]
    fn pages_in_flight_are_held_against_a_memory_budget() {
        let r = body(r#"{"lesson":"io","strategies":"async","params":{"size":400,"bytes":16777216,"latency":0}}"#)
            .resolve(Side::Native, 2)
            .unwrap();
        assert_eq!(r.peak_page_memory(), (400, 400 * 16 * 1024 * 1024 * 2));
        let err = r.check_companion_limits().unwrap_err().to_string();
        assert!(
            err.contains("about 12.5 GiB of pages at once (400 pages of 16777216 bytes"),
            "{err}"
        );
        assert!(
            err.contains("more than the 64.0 MiB budget the companion gives one run's pages"),
            "{err}"
        );
        let seq = body(
            r#"{"lesson":"io","strategies":"sequential","params":{"size":400,"bytes":16777216}}"#,
        )
        .resolve(Side::Native, 2)
        .unwrap();
        assert_eq!(seq.peak_page_memory(), (1, 32 * 1024 * 1024));
        assert!(seq.check_companion_limits().is_ok());
        let defaults = body(r#"{"lesson":"io"}"#).resolve(Side::Native, 2).unwrap();
        assert!(defaults.check_companion_limits().is_ok());
        let cpu = body(r#"{"lesson":"cpu"}"#)
            .resolve(Side::Native, 2)
            .unwrap();
        assert_eq!(cpu.peak_page_memory(), (0, 0));
    }
}
