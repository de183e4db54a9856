//! `processes`: fork/spawn, a subprocess with pipes, a queue between two processes.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::prediction::{Answer, Choice, Question};
use crate::verdict::fmt_ms;

/// `processes`: fork/spawn, a subprocess with pipes, a queue between processes.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Processes,
    title: "Processes: spawn, pipes, a queue between them",
    summary: "start processes, talk to a subprocess over pipes, pass a queue between two processes",
    explanation: "A process is a whole program with its own memory; starting one costs a \
        millisecond or so, which is why pools keep them. `spawn` starts N children and waits for \
        each exit code. `pipe` is the notes' subprocess.communicate: write lines to a child's \
        stdin, read its answers from stdout. `queue` connects a writer process to a reader \
        process with an OS pipe, as the notes' multiprocessing.Queue example does, and checks \
        that the reader got every value.",
    native: &[
        Strategy::new(S::Spawn, Runs::OwnProcesses(1)),
        Strategy::new(S::Pipe, Runs::OwnProcesses(1)),
        Strategy::new(S::Queue, Runs::OwnProcesses(2)),
    ],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 20,
        min: 1,
        max: 10_000,
        unit: "processes / lines / items",
        help: "children to spawn, lines to pipe, or items to queue",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "processes share nothing, so everything between them is copied through the kernel, \
        and each start costs far more than a thread",
    default_workers: DefaultWorkers::Fixed(1),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 10_000,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: true,
    visual: None,
    source: Source {
        title: "Python docs: subprocess — Popen.communicate",
        url: "https://docs.python.org/3/library/subprocess.html#subprocess.Popen.communicate",
        teaches: "A child process is a separate program: start it, write to its stdin, read its stdout, wait for its exit code; processes can also pass data to each other through a pipe or a queue.",
    },
};

/// What a run of `processes` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "start-costs",
        text: "Piping the numbers to one running process is at least 3× faster than starting a \
            process for each: a start costs far more than a copy",
        side: None,
        test: Test::Faster {
            what: &[S::Pipe],
            than: S::Spawn,
            by: 3.0,
        },
    },
    Claim {
        id: "exact",
        text: "Every number comes back squared, in order, through every channel",
        side: None,
        test: Test::Exact(&[S::Spawn, S::Pipe, S::Queue]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let (spawn, pipe) = (ev.get(S::Spawn)?, ev.get(S::Pipe)?);
    Some(Answer {
        choice: if spawn.wall_ms > pipe.wall_ms {
            "spawn"
        } else {
            "pipe"
        },
        because: format!(
            "spawn took {}, pipe took {}",
            fmt_ms(spawn.wall_ms),
            fmt_ms(pipe.wall_ms)
        ),
        why: if spawn.wall_ms > pipe.wall_ms {
            "Starting a process means a new address space and loading a program; sending to \
             one that already runs is only a write into a pipe."
                .into()
        } else {
            "Here moving the data through the pipe cost more than starting the processes: the \
             messages were large for this run's size."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Which is slower: a new process for every number, or one process fed through a pipe?",
    choices: &[
        Choice {
            id: "spawn",
            label: "A process per number",
        },
        Choice {
            id: "pipe",
            label: "One process and a pipe",
        },
    ],
    answer,
};
