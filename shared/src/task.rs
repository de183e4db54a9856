//! The task protocol between a coordinator and workers that share no memory with it: native
//! child processes (`interleave __worker`, over stdin/stdout) and the page's message-passing web
//! workers. One set of types, framed as JSON (one object per line on pipes, one string per
//! message in the browser), so both sides parse the same thing the same way and a malformed
//! message is an error that says what was wrong instead of a guess.
//!
//! A worker computes what a [`Job`] asks, using only this crate (pages are fetched by the
//! platform: [`Job::Page`] is the one job [`Job::run`] leaves to the caller).

use crate::catalogue::{LessonId, StrategyId};
use crate::explore::program::{self, Report};
use crate::explore::{self, Census};
use crate::lessons::io::Downloaded;
use crate::lessons::{cpu, pools, queue};
use serde::{Deserialize, Serialize};

/// What one task asks a worker to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
pub enum Job {
    /// cpu: Σ i² over `start..end`.
    SumSquares {
        /// First number.
        start: u64,
        /// One past the last number.
        end: u64,
    },
    /// pools: Σ f(x) for the items `first..last` (one item, or a chunk).
    PoolItems {
        /// First item.
        first: u64,
        /// One past the last item.
        last: u64,
    },
    /// queue: process one item.
    QueueItem {
        /// The item.
        item: u64,
    },
    /// io: fetch one page (or simulate it, where no server answers).
    Page {
        /// Page number.
        page: u64,
        /// Where it comes from.
        source: PageSource,
    },
    /// Answer the value back unchanged (message round trips; a reader adding up a stream).
    Echo {
        /// The value.
        value: u64,
    },
    /// explore: count every schedule of a step model.
    Explore {
        /// The lesson (race or deadlock).
        lesson: LessonId,
        /// The strategy modelled.
        strategy: StrategyId,
        /// Workers.
        workers: u32,
        /// Rounds.
        rounds: u32,
    },
    /// explore: check every interleaving of a program in the explorer's language (a
    /// learner's own, or a lesson's model as a program).
    Check {
        /// The program's source.
        source: String,
        /// Count only schedules with at most this many preemptions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_preemptions: Option<u32>,
    },
}

/// Where io pages come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSource {
    /// Companion base URL (`http://127.0.0.1:3917`, or the page's origin).
    pub base: String,
    /// Server-side delay per page, ms.
    pub latency_ms: u64,
    /// Bytes per page.
    pub bytes: u64,
    /// No server: wait with a timer and make the page's bytes locally.
    #[serde(default)]
    pub simulated: bool,
}

/// What a task produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "output", rename_all = "kebab-case")]
pub enum Output {
    /// A sum that may exceed 64 bits (as a decimal string in JSON).
    Sum {
        /// The sum.
        #[serde(with = "u128_text")]
        value: u128,
    },
    /// A page's size and checksum.
    Page(Downloaded),
    /// A plain number.
    Value {
        /// The number.
        value: u64,
    },
    /// Every schedule of a step model, counted.
    Census(Census),
    /// A program checked over every interleaving.
    Report(Box<Report>),
}

/// One numbered task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Task number in the lesson's split; answers carry it back.
    pub id: u32,
    /// What to do.
    #[serde(flatten)]
    pub job: Job,
}

/// Why a message could not be read or a task not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The message is not what the protocol allows.
    #[error("malformed message '{text}': {reason}")]
    Malformed {
        /// The message (shortened).
        text: String,
        /// What serde said.
        reason: String,
    },
    /// The output has another shape than the task asked for.
    #[error("task {id} answered {got:?}, not a {want}")]
    WrongOutput {
        /// Task number.
        id: u32,
        /// What came back.
        got: Output,
        /// What was expected.
        want: &'static str,
    },
}

impl Job {
    /// Run a job that needs nothing but this crate; `None` for [`Job::Page`], which the caller's
    /// platform fetches. A job can fail (an explorer model too large to count): the message says
    /// why.
    pub fn run(&self) -> Option<Result<Output, String>> {
        Some(Ok(match *self {
            Job::Check {
                ref source,
                max_preemptions,
            } => match check_program(source, max_preemptions, &mut |_| true) {
                Ok(report) => Output::Report(Box::new(report)),
                Err(e) => return Some(Err(e)),
            },
            Job::SumSquares { start, end } => Output::Sum {
                value: cpu::sum_squares(start..end.max(start)),
            },
            Job::PoolItems { first, last } => Output::Sum {
                value: (first..last).map(pools::f).sum(),
            },
            Job::QueueItem { item } => Output::Value {
                value: queue::process(item),
            },
            Job::Echo { value } => Output::Value { value },
            Job::Explore {
                lesson,
                strategy,
                workers,
                rounds,
            } => {
                let counted = explore::model(lesson, strategy.name(), workers, rounds)
                    .and_then(|m| explore::enumerate(&m));
                match counted {
                    Ok(census) => Output::Census(census),
                    Err(e) => return Some(Err(e.to_string())),
                }
            }
            Job::Page { .. } => return None,
        }))
    }
}

/// Parse and check `source`; `progress(states so far)` as [`program::check`] calls it. The
/// error is a sentence: the line and column of a parse error, or the limit a check reached.
pub fn check_program(
    source: &str,
    max_preemptions: Option<u32>,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Report, String> {
    let p = program::parse(source).map_err(|e| e.to_string())?;
    let limits = program::Limits {
        max_preemptions,
        ..program::Limits::default()
    };
    program::check(&p, &limits, progress).map_err(|e| e.to_string())
}

impl Output {
    /// The sum, or an error naming the task and what came instead.
    pub fn sum(self, id: u32) -> Result<u128, TaskError> {
        match self {
            Output::Sum { value } => Ok(value),
            got => Err(TaskError::WrongOutput {
                id,
                got,
                want: "sum",
            }),
        }
    }

    /// The number, or an error naming the task and what came instead.
    pub fn value(self, id: u32) -> Result<u64, TaskError> {
        match self {
            Output::Value { value } => Ok(value),
            got => Err(TaskError::WrongOutput {
                id,
                got,
                want: "number",
            }),
        }
    }

    /// The page, or an error naming the task and what came instead.
    pub fn page(self, id: u32) -> Result<Downloaded, TaskError> {
        match self {
            Output::Page(d) => Ok(d),
            got => Err(TaskError::WrongOutput {
                id,
                got,
                want: "page",
            }),
        }
    }
}

/// What a coordinator writes to a child worker process, one JSON object per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "kebab-case")]
pub enum ToWorker {
    /// First line: how to run the tasks that follow.
    Start {
        /// Tasks at once (async tasks on one thread) or 1 to stream them one by one.
        concurrency: u32,
        /// Add up every answer and report only the total (a reader at the end of a pipe).
        #[serde(default)]
        total_only: bool,
    },
    /// One task.
    Task(Task),
}

/// What a child worker writes back, one JSON object per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum FromWorker {
    /// The worker runs (sent before reading anything, so start-up time can be measured).
    Ready {
        /// Its process id.
        pid: u32,
    },
    /// A task finished.
    Done {
        /// Task number.
        id: u32,
        /// Which of the worker's async tasks ran it (0 when streaming).
        slot: u32,
        /// Start, on the machine's monotonic clock (ns).
        t0_ns: u64,
        /// End, on the same clock.
        t1_ns: u64,
        /// The answer.
        out: Output,
    },
    /// A task failed.
    Failed {
        /// Task number.
        id: u32,
        /// Why.
        message: String,
    },
    /// With `total_only`: how many answers and their sum.
    Total {
        /// Answers added.
        count: u64,
        /// Their sum.
        #[serde(with = "u128_text")]
        sum: u128,
    },
    /// Last line: what the worker used.
    Finished {
        /// Peak resident memory, KiB.
        peak_rss_kb: u64,
        /// CPU time, ms.
        cpu_ms: f64,
    },
}

/// Encode one message as a line of JSON (no newline).
pub fn encode<T: Serialize>(message: &T) -> String {
    // Every type here is plain data with string keys: serialising cannot fail.
    serde_json::to_string(message).unwrap_or_default()
}

/// Decode one line of JSON.
pub fn decode<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, TaskError> {
    serde_json::from_str(text).map_err(|e| TaskError::Malformed {
        text: text.chars().take(120).collect(),
        reason: e.to_string(),
    })
}

/// `u128` as a decimal string: JSON numbers lose precision above 2⁵³ in JavaScript, and the
/// answers here go up to 10²⁴.
mod u128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips_as_one_json_line() {
        let task = Task {
            id: 7,
            job: Job::Page {
                page: 3,
                source: PageSource {
                    base: "http://127.0.0.1:1".into(),
                    latency_ms: 5,
                    bytes: 10,
                    simulated: false,
                },
            },
        };
        let line = encode(&ToWorker::Task(task.clone()));
        assert!(!line.contains('\n'));
        assert_eq!(decode::<ToWorker>(&line), Ok(ToWorker::Task(task)));
        let done = FromWorker::Done {
            id: 1,
            slot: 0,
            t0_ns: 5,
            t1_ns: 9,
            out: Output::Sum { value: u128::MAX },
        };
        let line = encode(&done);
        assert!(line.contains(&u128::MAX.to_string()), "{line}");
        assert_eq!(decode::<FromWorker>(&line).unwrap(), done);
    }

    #[test]
    fn pure_jobs_match_the_lessons() {
        let run = |job: Job| job.run().unwrap().unwrap();
        assert_eq!(run(Job::SumSquares { start: 0, end: 4 }).sum(0), Ok(14));
        let chunk = run(Job::PoolItems { first: 0, last: 3 });
        assert_eq!(chunk.sum(0), Ok((0..3).map(pools::f).sum()));
        let item = run(Job::QueueItem { item: 2 });
        assert_eq!(item.value(0), Ok(queue::process(2)));
        assert_eq!(run(Job::Echo { value: 9 }), Output::Value { value: 9 });
        let explore = Job::Explore {
            lesson: LessonId::Deadlock,
            strategy: StrategyId::OppositeOrder,
            workers: 2,
            rounds: 1,
        };
        let census = run(explore);
        let back: Output = decode(&encode(&census)).unwrap();
        assert_eq!(
            back, census,
            "a census survives the trip through a worker's JSON"
        );
        let Output::Census(c) = back else {
            panic!("not a census")
        };
        assert_eq!((c.schedules, c.wrong), (6, 2));
        let too_big = Job::Explore {
            lesson: LessonId::Race,
            strategy: StrategyId::Unsynchronized,
            workers: 3,
            rounds: 3,
        };
        assert!(
            too_big
                .run()
                .unwrap()
                .unwrap_err()
                .contains("more than the 10000000")
        );
    }

    #[test]
    fn malformed_messages_and_wrong_outputs_say_what_is_wrong() {
        let err = decode::<ToWorker>("{\"to\":\"task\",\"id\":1}").unwrap_err();
        assert!(err.to_string().starts_with("malformed message"), "{err}");
        let err = Output::Value { value: 1 }.sum(4).unwrap_err().to_string();
        assert!(err.contains("task 4") && err.contains("not a sum"), "{err}");
        // A reversed range is empty, not a panic.
        let reversed = Job::SumSquares { start: 9, end: 2 }.run().unwrap().unwrap();
        assert_eq!(reversed.sum(0), Ok(0));
    }
}
