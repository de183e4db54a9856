//! `daemon`: background threads that do not keep the program alive. The runner starts a child
//! program whose background thread is joined, or left to be cut off when main returns.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::facts::Fact;
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::visual::Visual;

/// `daemon`: background threads that do not keep the program alive.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Daemon,
    title: "Daemon threads: cut off when main returns",
    summary: "a background thread that is not joined is cut off when the program ends",
    explanation: "A program ends when its main thread returns; threads nobody waits for (Python's \
        daemon=True, or a Rust thread that is never joined) stop mid-step. Each run starts a \
        child program whose background thread does one step every L ms, while main returns \
        halfway through. Joined, main waits and every step runs; as a daemon, the steps after \
        main returned never happen.",
    native: &[
        Strategy::new(S::Daemon, Runs::OwnProcesses(1)).showing_bug(),
        Strategy::new(S::Joined, Runs::OwnProcesses(1)),
    ],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 10,
        min: 2,
        max: 1_000,
        unit: "steps",
        help: "steps the background thread wants to do",
    },
    size_check: None,
    latency: Some(ParamSpec {
        name: "latency",
        default: 30,
        min: 1,
        max: 1_000,
        unit: "ms",
        help: "time per step",
    }),
    bytes: None,
    insight: "only joined threads are waited for: a daemon thread's unfinished work simply vanishes \
        with the process",
    default_workers: DefaultWorkers::Fixed(1),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 1_000,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Share {
        title: "Steps the background thread finished",
        part: Fact::StepsDone,
        whole: Fact::StepsWanted,
        noun: "steps done",
    }),
    source: Source {
        title: "Python docs: threading — Thread objects (daemon)",
        url: "https://docs.python.org/3/library/threading.html#thread-objects",
        teaches: "The program exits when only daemon threads are left, stopping them wherever they are; join() the threads whose work must finish.",
    },
};

/// The result line.
pub fn render(done: u64, steps: u64) -> String {
    format!("{done} of {steps} steps ran")
}

/// What a run of `daemon` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "daemon-loses-steps",
        text: "The daemon thread is cut off when main returns: some of its steps never run",
        side: None,
        test: Test::ShowsBug(S::Daemon),
    },
    Claim {
        id: "joined-finishes",
        text: "The joined thread finishes every step: main waits for it",
        side: None,
        test: Test::Exact(&[S::Joined]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let r = ev.get(S::Daemon)?;
    Some(Answer {
        choice: yes_no(!r.shows_bug),
        because: format!("the daemon thread: {}", r.result),
        why: if r.shows_bug {
            "Nobody waits for a daemon thread: when main returns the process ends, and the \
             daemon's remaining steps never run."
                .into()
        } else {
            "This time the daemon's steps were done before main returned; nothing waited for \
             it, it was simply fast enough."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Main starts a daemon thread with 10 steps of work, then returns halfway through. \
        Will the thread finish its 10 steps?",
    choices: YES_NO,
    answer,
};
