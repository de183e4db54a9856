//! The lesson catalogue: one module per lesson, each with its [`LessonInfo`] and its pure work.
//! Views (CLI table, page) read lessons only through [`LessonInfo`]; runners reach them through
//! one `match` on [`LessonId`] per side, so a lesson added here without a runner does not compile.

pub mod coroutine;
pub mod cost;
pub mod cpu;
pub mod daemon;
pub mod db;
pub mod deadlock;
pub mod distributed;
pub mod event_loop;
pub mod io;
pub mod local;
pub mod pools;
pub mod processes;
pub mod queue;
pub mod race;

use crate::catalogue::{LessonId, Runs, Strategy, StrategyId};
use crate::claims::Claim;
use crate::params::WORKERS;
use crate::prediction::Question;
use crate::{ParamError, ParamSpec, Params, Side};

/// Everything a runner or a view needs to know about a lesson without running it.
#[derive(Debug, Clone, Copy)]
pub struct LessonInfo {
    /// Which lesson.
    pub id: LessonId,
    /// Human title.
    pub title: &'static str,
    /// One line for `interleave list` and the picker.
    pub summary: &'static str,
    /// A paragraph for the page and `--help`: what the lesson shows and why.
    pub explanation: &'static str,
    /// Strategies the CLI and companion can run, in the order they are shown.
    pub native: &'static [Strategy],
    /// Strategies the page can run.
    pub web: &'static [Strategy],
    /// The size parameter (every lesson has one).
    pub size: ParamSpec,
    /// A check of the size beyond its bounds (cpu: the exact answer must fit a `u128`).
    pub size_check: Option<fn(u64) -> Result<u64, ParamError>>,
    /// Latency per request, for lessons that wait.
    pub latency: Option<ParamSpec>,
    /// Bytes per response, for lessons that download.
    pub bytes: Option<ParamSpec>,
    /// The one-sentence reason behind the typical outcome, used by verdicts.
    pub insight: &'static str,
    /// What `--workers` defaults to.
    pub default_workers: DefaultWorkers,
    /// Bounds on `--workers` the lesson is written for (deadlock: exactly two).
    pub worker_bounds: Option<WorkerBounds>,
    /// Whether its tasks talk to the companion server (pages, connection counts).
    pub uses_server: bool,
    /// Largest size the companion's `POST /api/run` accepts: a few seconds of work, so one page
    /// cannot occupy the companion for minutes. The CLI takes up to [`size`](Self::size).
    pub companion_max_size: u64,
    /// Smaller parameters for `interleave compare --quick`.
    pub quick: Quick,
    /// What a learner should see in a run, checked against every run.
    pub claims: &'static [Claim],
    /// The question asked before Run.
    pub question: Question,
    /// Whether speed is the lesson's point: only then does a verdict name a fastest and a
    /// slowest strategy (a daemon thread that ends sooner is not "faster").
    pub speed_matters: bool,
    /// The state the lesson is about, drawn from its facts beside the table (none where the
    /// timeline says it all).
    pub visual: Option<crate::visual::Visual>,
    /// The public text the notes summarise for this topic, and what it teaches, in our words.
    pub source: Source,
}

/// Parameters for `interleave compare --quick`: well under a second per strategy, so one table
/// of every lesson takes seconds. `None` keeps the lesson's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quick {
    /// At most this size (a lesson whose default is smaller keeps its default).
    pub size: Option<u64>,
    /// This latency per request, for lessons that wait.
    pub latency_ms: Option<u64>,
}

impl Quick {
    /// The lesson's defaults are already quick.
    pub const DEFAULTS: Quick = Quick {
        size: None,
        latency_ms: None,
    };

    /// At most `cap` items.
    pub const fn size(cap: u64) -> Quick {
        Quick {
            size: Some(cap),
            latency_ms: None,
        }
    }
}

/// A public text a lesson's notes summarise: shown with a link, so a learner can read the
/// original, and with what it teaches in our own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Its title.
    pub title: &'static str,
    /// Where it is.
    pub url: &'static str,
    /// What that passage teaches, in one or two sentences of our own.
    pub teaches: &'static str,
}

/// How a lesson picks its workers when none are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultWorkers {
    /// The cores available (CPU-bound work).
    Cores,
    /// One per item (lessons that wait want one worker per request, not per core). A run
    /// resolves it to one per item up to what every requested strategy accepts
    /// ([`RunBody::resolve`](crate::RunBody::resolve)); this cap is the page's input default.
    PerItem(u32),
    /// A fixed number the lesson is written for (two threads for a race).
    Fixed(u32),
}

/// Bounds on the workers a lesson accepts, with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerBounds {
    /// Fewest workers.
    pub min: u32,
    /// Most workers.
    pub max: u32,
    /// Why, as shown after the range (" for deadlock (two workers, two locks)").
    pub why: &'static str,
}

impl DefaultWorkers {
    /// The default for a run of `size` items on a machine with `cores` cores.
    pub fn resolve(self, size: u64, cores: u32) -> u32 {
        match self {
            DefaultWorkers::Cores => cores,
            DefaultWorkers::PerItem(cap) => size.min(u64::from(cap)) as u32,
            DefaultWorkers::Fixed(n) => n,
        }
        .clamp(WORKERS.min as u32, WORKERS.max as u32)
    }
}

impl LessonId {
    /// The lesson's catalogue entry.
    pub const fn info(self) -> &'static LessonInfo {
        match self {
            LessonId::Cpu => &cpu::INFO,
            LessonId::Io => &io::INFO,
            LessonId::Race => &race::INFO,
            LessonId::Deadlock => &deadlock::INFO,
            LessonId::Queue => &queue::INFO,
            LessonId::Db => &db::INFO,
            LessonId::Pools => &pools::INFO,
            LessonId::Local => &local::INFO,
            LessonId::Daemon => &daemon::INFO,
            LessonId::Processes => &processes::INFO,
            LessonId::Coroutine => &coroutine::INFO,
            LessonId::Cost => &cost::INFO,
            LessonId::Distributed => &distributed::INFO,
            LessonId::EventLoop => &event_loop::INFO,
        }
    }
}

/// Every lesson, in teaching order.
pub fn catalogue() -> impl Iterator<Item = &'static LessonInfo> {
    LessonId::ALL.iter().map(|l| l.info())
}

/// Look a lesson up by name.
pub fn find(name: &str) -> Result<&'static LessonInfo, ParamError> {
    LessonId::from_name(name.trim())
        .map(LessonId::info)
        .ok_or_else(|| ParamError::UnknownLesson {
            name: name.to_string(),
            available: names(LessonId::ALL.iter().map(|l| l.name())),
        })
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// Entries are equal when they are the same lesson: there is one entry per [`LessonId`].
impl PartialEq for LessonInfo {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for LessonInfo {}

impl LessonInfo {
    /// The lesson's name on the CLI and in URLs.
    pub const fn name(&self) -> &'static str {
        self.id.name()
    }

    /// The strategies of one side.
    pub const fn strategies(&self, side: Side) -> &'static [Strategy] {
        match side {
            Side::Native => self.native,
            Side::Web => self.web,
        }
    }

    /// The entry of `id` on `side`, if this lesson offers it there.
    pub fn strategy(&self, side: Side, id: StrategyId) -> Option<&'static Strategy> {
        self.strategies(side).iter().find(|s| s.id == id)
    }

    /// Whether `id`'s wrong result is the point of the lesson, on either side.
    pub fn demonstrates_bug(&self, id: StrategyId) -> bool {
        self.native
            .iter()
            .chain(self.web)
            .any(|s| s.id == id && s.shows_bug)
    }

    /// Why the workers parameter changes nothing on `side`, if it does not: every strategy there
    /// runs on the calling thread or on a fixed set of processes the lesson starts itself
    /// (daemon, coroutine, processes), or the lesson is written for exactly one count
    /// (deadlock). The page disables its input with this reason instead of accepting a number
    /// it would ignore.
    pub fn fixed_workers(&self, side: Side) -> Option<String> {
        let strategies = self.strategies(side);
        if !strategies.is_empty() && strategies.iter().all(|s| !s.runs.takes_workers()) {
            let each: Vec<String> = strategies
                .iter()
                .map(|s| match s.runs {
                    Runs::OwnProcesses(1) => format!("{} starts one process of its own", s.id),
                    Runs::OwnProcesses(n) => format!("{} starts {n} processes of its own", s.id),
                    _ => format!("{} runs on the calling thread", s.id),
                })
                .collect();
            return Some(format!(
                "set by the lesson, not by this input: {}",
                each.join("; ")
            ));
        }
        match self.worker_bounds {
            Some(b) if b.min == b.max => Some(format!("always {}{}", b.min, b.why)),
            _ => None,
        }
    }

    /// The most workers every strategy of `side` accepts, so one request can run them all.
    pub fn max_workers(&self, side: Side) -> u32 {
        self.strategies(side)
            .iter()
            .map(|s| s.runs.max_workers())
            .chain(self.worker_bounds.map(|b| b.max))
            .min()
            .unwrap_or(WORKERS.max as u32)
    }

    /// Parse a comma-separated strategy list (or `all`) for one side, keeping the catalogue's
    /// order and dropping duplicates. Empty lists and unknown names are errors that list what is
    /// allowed.
    pub fn parse_strategies(&self, side: Side, list: &str) -> Result<Vec<StrategyId>, ParamError> {
        let allowed = self.strategies(side);
        let unknown = |name: &str| ParamError::UnknownStrategy {
            lesson: self.name().to_string(),
            side: side.as_str().to_string(),
            name: name.to_string(),
            allowed: names(allowed.iter().map(|s| s.id.name())),
        };
        if list.trim() == "all" {
            return Ok(allowed.iter().map(|s| s.id).collect());
        }
        let mut wanted = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let found = allowed
                .iter()
                .find(|s| s.id.name() == name)
                .ok_or_else(|| unknown(name))?;
            wanted.push(found.id);
        }
        if wanted.is_empty() {
            return Err(unknown(list));
        }
        Ok(allowed
            .iter()
            .map(|s| s.id)
            .filter(|s| wanted.contains(s))
            .collect())
    }

    /// Check every given value against this lesson's bounds and fill the rest with defaults.
    /// `default_workers` is the platform's choice (available cores).
    pub fn params(
        &self,
        size: Option<u64>,
        workers: Option<u64>,
        latency_ms: Option<u64>,
        bytes: Option<u64>,
        default_workers: u32,
    ) -> Result<Params, ParamError> {
        let size = match size {
            Some(v) => self.check_size(v)?,
            None => self.size.default,
        };
        let workers = match (workers, self.worker_bounds) {
            (Some(w), Some(b)) if !(u64::from(b.min)..=u64::from(b.max)).contains(&w) => {
                return Err(ParamError::OutOfRange {
                    name: "workers".into(),
                    value: w,
                    min: b.min.into(),
                    max: b.max.into(),
                    hint: b.why.into(),
                });
            }
            (Some(w), _) => WORKERS.check(w)? as u32,
            (None, _) => self.default_workers.resolve(size, default_workers),
        };
        let optional = |spec: Option<ParamSpec>, given: Option<u64>, flag: &str| match (spec, given)
        {
            (Some(spec), Some(v)) => spec.check(v).map(Some),
            (Some(spec), None) => Ok(Some(spec.default)),
            (None, Some(_)) => Err(ParamError::Unsupported {
                lesson: self.name().to_string(),
                name: flag.to_string(),
            }),
            (None, None) => Ok(None),
        };
        Ok(Params {
            size,
            workers,
            latency_ms: optional(self.latency, latency_ms, "latency")?,
            bytes: optional(self.bytes, bytes, "bytes")?,
        })
    }

    fn check_size(&self, value: u64) -> Result<u64, ParamError> {
        match self.size_check {
            Some(check) => check(value),
            None => self.size.check(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page disables the workers input exactly where it would be ignored, and says why.
    #[test]
    fn fixed_workers_where_no_strategy_takes_the_parameter() {
        let fixed = |l: LessonId, side| l.info().fixed_workers(side);
        let daemon = fixed(LessonId::Daemon, Side::Native).unwrap();
        assert!(
            daemon.contains("daemon starts one process of its own"),
            "{daemon}"
        );
        let processes = fixed(LessonId::Processes, Side::Native).unwrap();
        assert!(
            processes.contains("queue starts 2 processes"),
            "{processes}"
        );
        let coroutine = fixed(LessonId::Coroutine, Side::Web).unwrap();
        assert!(
            coroutine.contains("async runs on the calling thread"),
            "{coroutine}"
        );
        let deadlock = fixed(LessonId::Deadlock, Side::Web).unwrap();
        assert!(deadlock.starts_with("always 2"), "{deadlock}");
        for l in [LessonId::Cpu, LessonId::Io, LessonId::Race, LessonId::Queue] {
            assert_eq!(fixed(l, Side::Native), None, "{l}");
            assert_eq!(fixed(l, Side::Web), None, "{l}");
        }
        // A side without strategies has nothing to fix.
        assert_eq!(fixed(LessonId::Daemon, Side::Web), None);
    }

    #[test]
    fn unknown_lesson_lists_the_catalogue() {
        let err = find("nope").unwrap_err().to_string();
        assert!(err.contains("'nope'") && err.contains("cpu"), "{err}");
    }

    #[test]
    fn every_entry_is_filed_under_its_own_id() {
        for l in LessonId::ALL {
            assert_eq!(l.info().id, *l);
            assert!(
                !l.info().native.is_empty(),
                "{l} runs natively (the companion serves the page's native rows)"
            );
        }
    }

    #[test]
    fn strategies_parse_in_catalogue_order_without_duplicates() {
        let cpu = find("cpu").unwrap();
        let got = cpu
            .parse_strategies(Side::Native, "rayon, sequential,rayon")
            .unwrap();
        assert_eq!(got, vec![StrategyId::Sequential, StrategyId::Rayon]);
        assert_eq!(
            cpu.parse_strategies(Side::Native, "all").unwrap().len(),
            cpu.native.len()
        );
        let err = cpu
            .parse_strategies(Side::Native, "gpu")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'gpu'") && err.contains("sequential"), "{err}");
        assert!(cpu.parse_strategies(Side::Native, " , ").is_err());
    }

    #[test]
    fn params_fill_defaults_and_reject_what_the_lesson_does_not_take() {
        let cpu = find("cpu").unwrap();
        let p = cpu.params(None, None, None, None, 2).unwrap();
        assert_eq!((p.size, p.workers), (cpu.size.default, 2));
        let err = cpu.params(None, None, Some(5), None, 2).unwrap_err();
        assert!(matches!(err, ParamError::Unsupported { .. }));
        let err = cpu
            .params(Some(0), None, None, None, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("size 0"), "{err}");
        let err = cpu
            .params(None, Some(100_000), None, None, 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("workers 100000") && err.contains("1..=10000"),
            "{err}"
        );
    }

    #[test]
    fn io_defaults_to_one_worker_per_page_up_to_a_cap() {
        let io = find("io").unwrap();
        let p = io.params(Some(20), None, None, None, 2).unwrap();
        assert_eq!(
            (p.workers, p.latency_ms, p.bytes),
            (20, Some(500), Some(10_394))
        );
        assert_eq!(
            io.params(Some(1000), None, None, None, 2).unwrap().workers,
            64
        );
        let err = io
            .params(None, None, Some(30_001), None, 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("latency 30001 is out of range: allowed 0..=30000"),
            "{err}"
        );
    }

    #[test]
    fn deadlock_takes_exactly_two_workers() {
        let d = find("deadlock").unwrap();
        let err = d
            .params(None, Some(3), None, None, 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("workers 3 is out of range: allowed 2..=2 for deadlock"),
            "{err}"
        );
        assert_eq!(d.max_workers(Side::Native), 2);
    }

    #[test]
    fn every_strategy_that_starts_processes_is_capped() {
        for l in catalogue() {
            for s in l.native.iter().chain(l.web) {
                if s.runs == Runs::Processes {
                    assert_eq!(
                        s.runs.max_workers(),
                        crate::catalogue::MAX_PROCESSES,
                        "{}",
                        s.id
                    );
                }
            }
        }
        let pools = find("pools").unwrap();
        assert_eq!(
            pools.max_workers(Side::Native),
            crate::catalogue::MAX_PROCESSES
        );
    }
}
