//! The lesson catalogue. Views (CLI table, page) read lessons only through [`LessonInfo`], so a
//! new lesson is a new module plus one entry in [`catalogue`], with no per-lesson code in views.

pub mod coroutine;
pub mod cpu;
pub mod deadlock;
pub mod io;
pub mod native_only;
pub mod pools;
pub mod queue;
pub mod race;

use crate::params::WORKERS;
use crate::{ParamError, ParamSpec, Params, Side};

/// Everything a runner or a view needs to know about a lesson without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonInfo {
    /// Short name used on the CLI and in URLs.
    pub name: &'static str,
    /// Human title.
    pub title: &'static str,
    /// One line for `interleave list` and the picker.
    pub summary: &'static str,
    /// A paragraph for the page and `--help`: what the lesson shows and why.
    pub explanation: &'static str,
    /// Strategies the CLI and companion can run.
    pub native: &'static [&'static str],
    /// Strategies the page can run.
    pub web: &'static [&'static str],
    /// The size parameter (every lesson has one).
    pub size: ParamSpec,
    /// Latency per request, for lessons that wait.
    pub latency: Option<ParamSpec>,
    /// Bytes per response, for lessons that download.
    pub bytes: Option<ParamSpec>,
    /// The one-sentence reason behind the typical outcome, used by verdicts.
    pub insight: &'static str,
    /// What `--workers` defaults to.
    pub default_workers: DefaultWorkers,
    /// Strategies that exist to show a bug (a race that loses updates): their wrong result is the
    /// lesson, so it is shown as such but does not fail a run.
    pub demonstrates: &'static [&'static str],
}

/// How a lesson picks its workers when none are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultWorkers {
    /// The cores available (CPU-bound work).
    Cores,
    /// One per item up to a cap (lessons that wait want one worker per request, not per core).
    PerItem(u32),
    /// A fixed number the lesson is written for (two threads for a race).
    Fixed(u32),
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

/// Every lesson, in teaching order.
pub fn catalogue() -> &'static [LessonInfo] {
    &[
        cpu::INFO,
        io::INFO,
        race::INFO,
        deadlock::INFO,
        queue::INFO,
        native_only::DB,
        pools::INFO,
        native_only::LOCAL,
        native_only::DAEMON,
        native_only::PROCESSES,
        coroutine::INFO,
        native_only::COST,
    ]
}

/// Look a lesson up by name.
pub fn find(name: &str) -> Result<&'static LessonInfo, ParamError> {
    catalogue()
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| ParamError::UnknownLesson {
            name: name.to_string(),
            available: catalogue()
                .iter()
                .map(|l| l.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl LessonInfo {
    /// Whether `strategy`'s wrong result is the point of the lesson.
    pub fn demonstrates_bug(&self, strategy: &str) -> bool {
        self.demonstrates.contains(&strategy)
    }

    /// The strategies of one side.
    pub fn strategies(&self, side: Side) -> &'static [&'static str] {
        match side {
            Side::Native => self.native,
            Side::Web => self.web,
        }
    }

    /// Parse a comma-separated strategy list (or `all`) for one side, keeping the catalogue's
    /// order and dropping duplicates. Empty lists and unknown names are errors that list what is
    /// allowed.
    pub fn parse_strategies(
        &self,
        side: Side,
        list: &str,
    ) -> Result<Vec<&'static str>, ParamError> {
        let allowed = self.strategies(side);
        let unknown = |name: &str| ParamError::UnknownStrategy {
            lesson: self.name.to_string(),
            side: side.as_str().to_string(),
            name: name.to_string(),
            allowed: allowed.join(", "),
        };
        if list.trim() == "all" {
            return Ok(allowed.to_vec());
        }
        let mut wanted = Vec::new();
        for name in list.split(',').map(str::trim) {
            if name.is_empty() {
                continue;
            }
            let found = allowed
                .iter()
                .find(|s| **s == name)
                .ok_or_else(|| unknown(name))?;
            wanted.push(*found);
        }
        if wanted.is_empty() {
            return Err(unknown(list));
        }
        Ok(allowed
            .iter()
            .copied()
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
        let workers = match workers {
            Some(w) if self.name == deadlock::NAME && w != 2 => {
                return Err(ParamError::OutOfRange {
                    name: "workers".into(),
                    value: w,
                    min: 2,
                    max: 2,
                    hint: " for deadlock (two workers, two locks)".into(),
                });
            }
            Some(w) => WORKERS.check(w)? as u32,
            None => self.default_workers.resolve(size, default_workers),
        };
        let optional = |spec: Option<ParamSpec>, given: Option<u64>, flag: &str| match (spec, given)
        {
            (Some(spec), Some(v)) => spec.check(v).map(Some),
            (Some(spec), None) => Ok(Some(spec.default)),
            (None, Some(_)) => Err(ParamError::Unsupported {
                lesson: self.name.to_string(),
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
        if self.name == cpu::NAME {
            cpu::check_size(value)
        } else {
            self.size.check(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_lesson_lists_the_catalogue() {
        let err = find("nope").unwrap_err().to_string();
        assert!(err.contains("'nope'") && err.contains("cpu"), "{err}");
    }

    #[test]
    fn strategies_parse_in_catalogue_order_without_duplicates() {
        let cpu = find("cpu").unwrap();
        let got = cpu
            .parse_strategies(Side::Native, "rayon, sequential,rayon")
            .unwrap();
        assert_eq!(got, vec!["sequential", "rayon"]);
        assert_eq!(
            cpu.parse_strategies(Side::Native, "all").unwrap(),
            cpu.native.to_vec()
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
}
