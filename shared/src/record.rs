//! The one result format. A run produces one [`RunRecord`] per strategy; the CLI table, `--json`,
//! the Perfetto trace, and the page's table, timeline and verdict are all renderings of these.

use crate::catalogue::{LessonId, StrategyId};
use crate::check::Checked;
pub use crate::detail::Delivery;
use crate::detail::LessonDetail;
use crate::facts::{Fact, Facts};
use crate::machine::Machine;
use crate::params::Params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a record was measured: natively by the CLI/companion, or in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// OS threads, rayon, tokio, child processes.
    Native,
    /// The page: main thread, event loop, web-worker pool, message-passing workers.
    Web,
}

impl Side {
    /// The lowercase name used in JSON, URLs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Native => "native",
            Side::Web => "web",
        }
    }
}

/// What a worker was doing during a span; timelines colour by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// Running the lesson's own computation.
    Compute,
    /// Waiting on I/O, a timer, a queue or a child process.
    Wait,
    /// Holding or waiting for a lock.
    Lock,
    /// Starting a thread, process or worker.
    Spawn,
    /// Copying data between workers/processes (serialising, piping).
    Copy,
    /// Running a task a broker delivered again because the worker that took it first never
    /// acknowledged it (it died): the work the distributed lesson's at-least-once delivery
    /// repeats, drawn apart so the repeat is visible.
    Redelivered,
}

/// The `task` of a span that belongs to no task: a worker's start-up (spawning a process,
/// running a pool initializer).
pub const SETUP_TASK: u32 = u32::MAX;

/// One stretch of time one worker spent on one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Which worker (thread, process, web worker, async task) ran it, numbered from 0 per run.
    pub worker: u32,
    /// Which task of the lesson's split ([`SETUP_TASK`] for start-up).
    pub task: u32,
    /// Start, in milliseconds since the run started.
    pub start_ms: f64,
    /// End, in milliseconds since the run started.
    pub end_ms: f64,
    /// What kind of work it was.
    pub kind: SpanKind,
}

/// A claim checked against one run, as records carry it (the claims themselves, and how they
/// are checked, are in [`claims`](crate::claims)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// The claim's id.
    pub id: String,
    /// The claim.
    pub text: String,
    /// Whether it held.
    pub held: bool,
    /// The run's numbers behind it (why it did not hold, when it did not).
    pub why: String,
}

/// Repeated measurements: `wall_ms` of the record is their median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repeats {
    /// How many timed runs (after one untimed warm-up).
    pub runs: u32,
    /// Fastest wall time.
    pub min_ms: f64,
    /// Slowest wall time.
    pub max_ms: f64,
}

/// The result of running one lesson with one strategy: the JSON contract in the README, plus measured
/// extras that are optional so older readers still parse it. `result` and `expected` are strings
/// so a `u128` survives JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The lesson (`cpu`, `io`, ... in JSON).
    pub lesson: LessonId,
    /// The strategy (`sequential`, `rayon`, `pool`, ... in JSON).
    pub strategy: StrategyId,
    /// Native or web.
    pub side: Side,
    /// Workers the strategy was allowed to use.
    pub workers: u32,
    /// The lesson's parameters as run (size, latency, ...).
    pub params: BTreeMap<String, serde_json::Value>,
    /// Wall-clock time in milliseconds (the median when repeated).
    pub wall_ms: f64,
    /// CPU time (user + system, children included) in milliseconds, where the platform tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    /// Peak resident memory in KiB (children included), where the platform tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kb: Option<u64>,
    /// Distinct workers that actually ran tasks, counted from the spans: measured, not assumed.
    #[serde(default)]
    pub workers_used: u32,
    /// Sequential wall time of the same lesson and side divided by this one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Speedup divided by workers: 1.0 means every worker was fully useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// Spread of repeated runs, when `--repeat` was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<Repeats>,
    /// A caveat a reader must see (e.g. "ran on the main thread: the page could not repaint").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the strategy produced.
    pub result: String,
    /// What the lesson says it must produce.
    pub expected: String,
    /// `result == expected`, checked by the lesson.
    pub correct: bool,
    /// Who ran what when: the timeline.
    pub spans: Vec<Span>,
    /// For a strategy that exists to show a bug: the bug happened in this run (updates lost, a
    /// wait-for cycle, steps cut off). Every view marks such a row "shows the bug", neither
    /// "exact" nor a failure.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shows_bug: bool,
    /// The numbers the lesson's point rests on (lost updates, producer waits, connections...).
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
    /// Lesson-specific data (the queue's `levels`, the broker's `delivery` and `hosts`, the
    /// deadlock's `cycle`), flat beside the common keys in JSON.
    #[serde(flatten)]
    pub detail: LessonDetail,
    /// The lesson's claims about this strategy, checked against this run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimResult>,
    /// Claims about this strategy that this run could not check, because a strategy they
    /// compare did not run: listed as "not checked", never as held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<Unchecked>,
    /// What the machine was doing around the run (other programs' load, the core's speed), so
    /// a claim that did not hold names the true cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
}

/// A claim a run could not check, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unchecked {
    /// The claim's id.
    pub id: String,
    /// The claim.
    pub text: String,
    /// Why it was not checked: which strategies it needs did not run.
    pub why: String,
}

/// How long one execution took and what it used, as far as the platform tells.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timing {
    /// Wall-clock milliseconds.
    pub wall_ms: f64,
    /// CPU milliseconds (user + system, children included), natively.
    pub cpu_ms: Option<f64>,
    /// Peak resident memory in KiB (children included), natively.
    pub peak_rss_kb: Option<u64>,
}

impl Timing {
    /// Only a wall time (the browser tells no more).
    pub fn wall(wall_ms: f64) -> Self {
        Self {
            wall_ms,
            ..Self::default()
        }
    }
}

/// One execution of one strategy, before it becomes a record: the same on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// The answer and its check.
    pub checked: Checked,
    /// Who ran what when.
    pub spans: Vec<Span>,
    /// Workers the strategy ran with.
    pub workers: u32,
    /// A caveat the reader must see.
    pub note: Option<String>,
    /// What it took.
    pub timing: Timing,
    /// The lesson's bug showed (see [`RunRecord::shows_bug`]).
    pub shows_bug: bool,
    /// Measured numbers the lesson's claims read.
    pub facts: Facts,
    /// See [`RunRecord::detail`].
    pub detail: LessonDetail,
    /// See [`RunRecord::machine`]; set by the runner around the execution.
    pub machine: Option<Machine>,
}

impl Execution {
    /// An execution without a note.
    pub fn new(checked: Checked, spans: Vec<Span>, workers: u32, timing: Timing) -> Self {
        Self {
            checked,
            spans,
            workers,
            note: None,
            timing,
            shows_bug: false,
            facts: Facts::new(),
            detail: LessonDetail::default(),
            machine: None,
        }
    }

    /// Several timed executions of one strategy as one: the median by wall time, with the
    /// spread. Any wrong execution makes the result wrong (one lost update is a bug even if the
    /// others were right), and the bug counts as shown if any execution showed it. `None` for
    /// no executions.
    pub fn median_of(mut timed: Vec<Execution>) -> Option<(Execution, Repeats)> {
        timed.sort_by(|a, b| a.timing.wall_ms.total_cmp(&b.timing.wall_ms));
        let repeats = Repeats {
            runs: timed.len() as u32,
            min_ms: timed.first()?.timing.wall_ms,
            max_ms: timed.last()?.timing.wall_ms,
        };
        let wrong = timed
            .iter()
            .find(|e| !e.checked.correct)
            .map(|e| e.checked.clone());
        let bug = timed.iter().any(|e| e.shows_bug);
        let mut e = timed.swap_remove(timed.len() / 2);
        if let Some(wrong) = wrong {
            e.checked = wrong;
        }
        e.shows_bug = bug;
        Some((e, repeats))
    }

    /// The same with lesson-specific data (see [`LessonDetail`]).
    pub fn detail(mut self, detail: LessonDetail) -> Self {
        self.detail = detail;
        self
    }

    /// The same with how a broker delivered the tasks and where each worker ran: the record's
    /// `delivery` and `hosts`, and the facts the distributed lesson's claims and picture read
    /// (`deliveries`, `redelivered`, `tasks`), all written here from the one value.
    pub fn delivered(self, delivery: Delivery, hosts: Vec<String>) -> Self {
        self.fact(Fact::Deliveries, delivery.deliveries as f64)
            .fact(Fact::Redelivered, delivery.redelivered as f64)
            .fact(Fact::Tasks, delivery.tasks as f64)
            .detail(LessonDetail::Distributed { delivery, hosts })
    }

    /// The same with a measured fact.
    pub fn fact(mut self, key: Fact, value: impl Into<f64>) -> Self {
        self.facts.insert(key, value.into());
        self
    }

    /// The same, marked as showing (or not) the bug its strategy exists to show.
    pub fn bug_shown(mut self, shown: bool) -> Self {
        self.shows_bug = shown;
        self
    }

    /// The same with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

impl RunRecord {
    /// The record of one execution: the one place a record is put together, so every field is
    /// derived the same way on both sides (`workers_used` from the spans, `params` from the
    /// validated parameters). Speedups and repeats are filled in later by whoever has them.
    pub fn from_execution(
        lesson: LessonId,
        strategy: StrategyId,
        side: Side,
        params: &Params,
        e: Execution,
    ) -> Self {
        Self {
            lesson,
            strategy,
            side,
            workers: e.workers,
            params: params.to_map(),
            wall_ms: e.timing.wall_ms,
            cpu_ms: e.timing.cpu_ms,
            peak_rss_kb: e.timing.peak_rss_kb,
            workers_used: Self::workers_used(lesson, strategy, side, &e.spans),
            speedup: None,
            efficiency: None,
            repeats: None,
            note: e.note,
            result: e.checked.result,
            expected: e.checked.expected,
            correct: e.checked.correct,
            spans: e.spans,
            shows_bug: e.shows_bug,
            facts: e.facts,
            detail: e.detail,
            claims: Vec::new(),
            unchecked: Vec::new(),
            machine: e.machine,
        }
    }

    /// A measured fact, if the runner recorded it.
    pub fn fact(&self, key: Fact) -> Option<f64> {
        self.facts.get(&key).copied()
    }

    /// Workers a run used: its distinct span lanes, except on the calling thread, where lanes
    /// are roles taking turns (coroutine's producer and consumer), not workers: that is one.
    /// The learner pass found "workers used 2" right under "runs on the calling thread".
    fn workers_used(lesson: LessonId, strategy: StrategyId, side: Side, spans: &[Span]) -> u32 {
        let lanes = Self::count_workers(spans);
        let on_caller = lesson
            .info()
            .strategy(side, strategy)
            .is_some_and(|s| s.runs == crate::catalogue::Runs::Caller);
        if on_caller { lanes.min(1) } else { lanes }
    }

    /// Number of distinct workers that ran tasks in `spans` (start-up spans do not count: a
    /// worker that started but got no task was not used; nor does a producer lane that is not a
    /// worker, [`crate::lane::PRODUCER_LANE`]).
    pub fn count_workers(spans: &[Span]) -> u32 {
        let mut seen: Vec<u32> = spans
            .iter()
            .filter(|s| s.task != SETUP_TASK && s.worker != crate::lane::PRODUCER_LANE)
            .map(|s| s.worker)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len() as u32
    }
}

/// Fill `speedup` and `efficiency` of every record from the `sequential` record of the same
/// lesson and side, when there is one. Run once after a run, so every view shows the same numbers.
pub fn annotate_speedups(records: &mut [RunRecord]) {
    let baselines: Vec<(LessonId, Side, f64)> = records
        .iter()
        .filter(|r| r.strategy == StrategyId::Sequential && r.wall_ms > 0.0)
        .map(|r| (r.lesson, r.side, r.wall_ms))
        .collect();
    for r in records.iter_mut() {
        let base = baselines
            .iter()
            .find(|(lesson, side, _)| *lesson == r.lesson && *side == r.side);
        if let Some((_, _, base_ms)) = base
            && r.wall_ms > 0.0
        {
            let speedup = base_ms / r.wall_ms;
            r.speedup = Some(speedup);
            r.efficiency = Some(speedup / f64::from(r.workers.max(1)));
        }
    }
}

/// A record as a runner would make it, for tests of the views.
#[cfg(test)]
pub(crate) fn fixture(
    lesson: LessonId,
    strategy: &str,
    side: Side,
    wall_ms: f64,
    workers: u32,
    correct: bool,
) -> RunRecord {
    let strategy = StrategyId::from_name(strategy).expect("a strategy name");
    let params = Params {
        size: 1,
        workers,
        latency_ms: None,
        bytes: None,
    };
    let checked = if correct {
        Checked::exact(5, 5)
    } else {
        Checked::exact(4, 5)
    };
    let e = Execution::new(checked, vec![], workers, Timing::wall(wall_ms));
    RunRecord::from_execution(lesson, strategy, side, &params, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(strategy: &str, side: Side, wall_ms: f64, workers: u32) -> RunRecord {
        fixture(LessonId::Cpu, strategy, side, wall_ms, workers, true)
    }

    #[test]
    fn speedups_are_relative_to_the_same_side() {
        let mut rs = vec![
            record("sequential", Side::Native, 100.0, 1),
            record("rayon", Side::Native, 50.0, 2),
            record("sequential", Side::Web, 300.0, 1),
            record("pool", Side::Web, 200.0, 2),
        ];
        annotate_speedups(&mut rs);
        assert_eq!(rs[1].speedup, Some(2.0));
        assert_eq!(rs[1].efficiency, Some(1.0));
        assert_eq!(rs[3].speedup, Some(1.5));
        assert_eq!(rs[3].efficiency, Some(0.75));
    }

    #[test]
    fn json_keeps_the_contract_fields_and_round_trips() {
        let r = record("rayon", Side::Native, 12.5, 2);
        let v = serde_json::to_value(&r).unwrap();
        for key in [
            "lesson", "strategy", "side", "workers", "params", "wall_ms", "result", "expected",
            "correct", "spans",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["side"], "native");
        assert_eq!(v["lesson"], "cpu");
        assert_eq!(v["strategy"], "rayon");
        let back: RunRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }

    /// Coroutine's producer and consumer are two lanes on one thread: one worker used.
    #[test]
    fn lanes_on_the_calling_thread_are_one_worker() {
        let spans: Vec<Span> = (0..4)
            .map(|i| Span {
                worker: i % 2,
                task: i,
                start_ms: f64::from(i),
                end_ms: f64::from(i) + 1.0,
                kind: SpanKind::Compute,
            })
            .collect();
        let params = Params {
            size: 2,
            workers: 1,
            latency_ms: None,
            bytes: None,
        };
        let e = Execution::new(Checked::exact(1, 1), spans.clone(), 1, Timing::wall(1.0));
        let r = RunRecord::from_execution(
            LessonId::Coroutine,
            StrategyId::StateMachine,
            Side::Native,
            &params,
            e,
        );
        assert_eq!(r.workers_used, 1);
        let e = Execution::new(Checked::exact(1, 1), spans, 2, Timing::wall(1.0));
        let r =
            RunRecord::from_execution(LessonId::Cpu, StrategyId::Threads, Side::Native, &params, e);
        assert_eq!(r.workers_used, 2, "threads' lanes are workers");
    }

    #[test]
    fn a_record_takes_every_field_from_its_execution() {
        let span = Span {
            worker: 3,
            task: 0,
            start_ms: 0.0,
            end_ms: 1.0,
            kind: SpanKind::Compute,
        };
        let params = Params {
            size: 10,
            workers: 4,
            latency_ms: Some(5),
            bytes: None,
        };
        let e = Execution::new(Checked::exact(2, 3), vec![span], 4, Timing::wall(7.0))
            .with_note("careful");
        let r = RunRecord::from_execution(LessonId::Io, StrategyId::Async, Side::Web, &params, e);
        assert_eq!((r.workers, r.workers_used, r.wall_ms), (4, 1, 7.0));
        assert_eq!(r.params["latency_ms"], 5);
        assert!(!r.correct && r.note.as_deref() == Some("careful"));
    }

    #[test]
    fn workers_are_counted_from_spans() {
        let span = |worker| Span {
            worker,
            task: 0,
            start_ms: 0.0,
            end_ms: 1.0,
            kind: SpanKind::Compute,
        };
        assert_eq!(RunRecord::count_workers(&[span(0), span(3), span(0)]), 2);
        let setup = Span {
            task: SETUP_TASK,
            ..span(7)
        };
        assert_eq!(RunRecord::count_workers(&[span(0), setup]), 1);
        assert_eq!(RunRecord::count_workers(&[]), 0);
    }
}
