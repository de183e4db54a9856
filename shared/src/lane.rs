//! What each timeline lane *is*. Most lanes are workers ("w3"), but in some lessons a lane is a
//! role: the queue's producers and consumers, the coroutine's two sides taking turns on one
//! thread, or the page itself producing for its web workers. The learner pass found the queue's
//! lanes unlabelled and the coroutine's producer and consumer drawn as "w0" and "w1"; both views
//! (the page's timeline and its table) name lanes through [`name`].

use crate::catalogue::{LessonId, StrategyId};
use crate::lessons::queue;
use crate::record::{RunRecord, Side};

/// The lane of a producer that is not one of the run's workers: the page posting items to its
/// web workers. Its waits (every consumer's share of the queue full) are drawn there; it is not
/// counted as a worker ([`RunRecord::count_workers`]).
pub const PRODUCER_LANE: u32 = u32::MAX - 1;

/// What a lane of a run is, as people say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A worker (thread, task, process, web worker), numbered from 0 as its spans are.
    Worker(u32),
    /// The only producer.
    Producer,
    /// Producer `n` of several, numbered from 1.
    ProducerN(u32),
    /// The only consumer.
    Consumer,
    /// Consumer `n` of several, numbered from 1.
    ConsumerN(u32),
}

impl Lane {
    /// The short label drawn beside the lane ("w3", "producer", "cons 2").
    pub fn label(self) -> String {
        match self {
            Lane::Worker(w) => format!("w{w}"),
            Lane::Producer => "producer".into(),
            Lane::ProducerN(n) => format!("prod {n}"),
            Lane::Consumer => "consumer".into(),
            Lane::ConsumerN(n) => format!("cons {n}"),
        }
    }
}

/// Lane `worker` of a run of `strategy` in `lesson` on `side` with `workers` workers.
pub fn of(lesson: LessonId, strategy: StrategyId, side: Side, workers: u32, worker: u32) -> Lane {
    if worker == PRODUCER_LANE {
        return Lane::Producer;
    }
    let consumer = |n: u32, of: u32| {
        if of <= 1 {
            Lane::Consumer
        } else {
            Lane::ConsumerN(n + 1)
        }
    };
    match (lesson, strategy, side) {
        (LessonId::Coroutine, _, _) => match worker {
            0 => Lane::Producer,
            1 => Lane::Consumer,
            w => Lane::Worker(w),
        },
        // Threads and async tasks: producers are workers 0..P, consumers P.. (queue::roles).
        (LessonId::Queue, StrategyId::Threads | StrategyId::Async, Side::Native) => {
            let (p, c) = queue::roles(workers);
            if worker < p {
                if p == 1 {
                    Lane::Producer
                } else {
                    Lane::ProducerN(worker + 1)
                }
            } else {
                consumer(worker - p, c)
            }
        }
        // Child processes and web workers only consume: the parent or the page produces.
        (LessonId::Queue, _, _) => {
            let consumers = match side {
                Side::Native => queue::roles(workers).1,
                Side::Web => workers,
            };
            consumer(worker, consumers)
        }
        _ => Lane::Worker(worker),
    }
}

/// [`of`] for a record's lane, as its label.
pub fn name(r: &RunRecord, worker: u32) -> String {
    of(r.lesson, r.strategy, r.side, r.workers, worker).label()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_threads_name_half_producers_then_consumers() {
        let names: Vec<String> = (0..4)
            .map(|w| of(LessonId::Queue, StrategyId::Threads, Side::Native, 4, w).label())
            .collect();
        assert_eq!(names, ["prod 1", "prod 2", "cons 1", "cons 2"]);
        let two: Vec<String> = (0..2)
            .map(|w| of(LessonId::Queue, StrategyId::Async, Side::Native, 2, w).label())
            .collect();
        assert_eq!(two, ["producer", "consumer"]);
    }

    #[test]
    fn queue_processes_and_web_workers_consume_for_a_producer_lane() {
        assert_eq!(
            of(LessonId::Queue, StrategyId::Processes, Side::Native, 4, 1),
            Lane::ConsumerN(2)
        );
        assert_eq!(
            of(LessonId::Queue, StrategyId::Workers, Side::Web, 4, 3),
            Lane::ConsumerN(4)
        );
        assert_eq!(
            of(
                LessonId::Queue,
                StrategyId::Workers,
                Side::Web,
                4,
                PRODUCER_LANE
            ),
            Lane::Producer
        );
    }

    #[test]
    fn coroutine_lanes_are_its_two_sides_and_others_are_workers() {
        let c = |w| of(LessonId::Coroutine, StrategyId::Async, Side::Web, 1, w).label();
        assert_eq!((c(0), c(1)), ("producer".into(), "consumer".into()));
        assert_eq!(
            of(LessonId::Cpu, StrategyId::Threads, Side::Native, 4, 3).label(),
            "w3"
        );
    }
}
