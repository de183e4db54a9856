//! `distributed`: the notes' master and workers on several machines. The master puts tasks on a
//! queue a broker keeps on the network, behind a key; workers anywhere take tasks, answer, and
//! acknowledge. The tasks are the cpu lesson's: each sums the squares of one stretch of numbers,
//! so the total is checked against the closed form like everywhere else.

use super::{DefaultWorkers, LessonInfo, Quick, Source, cpu};
use crate::catalogue::{LessonId, Requirement, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::facts::Fact;
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::task::Job;
use crate::visual::Visual;
use crate::{ParamError, ParamSpec};

/// Numbers per task: about a millisecond of summing, so the broker's per-task cost is visible
/// beside the work without hiding it.
pub const PER_TASK: u64 = 2_000_000;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Distributed,
    title: "Distributed: a master and workers through a broker",
    summary: "tasks on a broker's queue, taken by worker processes behind an auth key; a killed \
        worker's task comes back",
    explanation: "The notes' last step: a master puts tasks on a queue that a manager serves on \
        the network, protected by an auth key, and workers on other machines take tasks and put \
        back results. Here the queue is a NATS JetStream work queue on a private nats-server the \
        master starts with a random key; `broker` starts worker processes that connect to it \
        (a worker on another machine joins with `interleave worker --broker nats://HOST:PORT`), \
        `local-pool` runs the same tasks on threads in one process as the baseline. A worker \
        asks for a few tasks at a time (as many as it finishes well within the broker's \
        acknowledgement deadline), sends their answers in one message, and acknowledges the \
        tasks only after the broker stored the answers, so a worker killed holding a task \
        (`--kill-worker K`) never acknowledges it and the broker hands it out again: \
        at-least-once delivery. The master keeps one answer per task id, so a task computed \
        twice counts once: exactly-once effect.",
    native: &[
        Strategy::new(S::LocalPool, Runs::ThreadPool),
        Strategy::new(S::Broker, Runs::Processes).requiring(&[Requirement::Broker]),
        Strategy::new(S::Hosts, Runs::Processes)
            .requiring(&[Requirement::Root, Requirement::Broker]),
    ],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 200,
        min: 1,
        max: 100_000,
        unit: "tasks",
        help: "tasks the master puts on the queue (each sums 2,000,000 squares)",
    },
    size_check: Some(check_size),
    latency: None,
    bytes: None,
    insight: "a broker lets workers anywhere share one queue, at a cost per task; \
        acknowledging after the answer is stored means no task is lost when a worker dies",
    default_workers: DefaultWorkers::Cores,
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 2_000,
    quick: Quick::size(20),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Count {
        title: "Deliveries of tasks by the broker",
        fact: Fact::Deliveries,
        noun: "deliveries",
    }),
    source: Source {
        title: "Python docs: multiprocessing — using a remote manager",
        url: "https://docs.python.org/3/library/multiprocessing.html#using-a-remote-manager",
        teaches: "A manager can serve a queue on the network behind an authkey; processes on other machines connect with the same key and take from it and put into it as if it were local.",
    },
};

/// The whole run must fit the exact `u128` sum.
fn check_size(size: u64) -> Result<u64, ParamError> {
    cpu::closed_form(size.saturating_mul(PER_TASK)).map(|_| size)
}

/// The jobs of a run of `size` tasks.
pub fn jobs(size: u64) -> Vec<Job> {
    (0..size)
        .map(|i| Job::SumSquares {
            start: i * PER_TASK,
            end: (i + 1) * PER_TASK,
        })
        .collect()
}

/// The exact total of a run of `size` tasks.
pub fn expected(size: u64) -> Result<u128, ParamError> {
    cpu::closed_form(size.saturating_mul(PER_TASK))
}

/// What a run of `distributed` must show.
pub static CLAIMS: &[Claim] = &[Claim {
    id: "exact",
    text: "Every task's answer is counted once, wherever and however often it ran: the total \
        is exact",
    side: None,
    test: Test::Exact(&[S::LocalPool, S::Broker, S::Hosts]),
}];

fn answer(ev: &Evidence) -> Option<Answer> {
    let broker = ev.get(S::Broker)?;
    Some(Answer {
        choice: yes_no(broker.correct),
        because: format!("the broker run's total: {}", broker.result),
        why: if broker.correct {
            "The broker keeps each task until a worker acknowledges it, so a task taken by a \
             worker that then died is delivered again, and the result counts it once."
                .into()
        } else {
            "A task was lost or counted twice: the run's own delivery counts above say which."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Workers on other processes take tasks from a broker. If one dies holding a task, \
        will the total still be exact?",
    choices: YES_NO,
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tasks_cover_the_range_once_and_the_total_is_the_closed_form() {
        let jobs = jobs(3);
        let total: u128 = jobs
            .iter()
            .map(|j| match j.run() {
                Some(Ok(crate::task::Output::Sum { value })) => value,
                other => panic!("{other:?}"),
            })
            .sum();
        assert_eq!(total, expected(3).unwrap());
        assert!(check_size(u64::MAX / PER_TASK + 1).is_err());
    }
}
