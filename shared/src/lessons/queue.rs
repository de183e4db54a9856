//! `queue`: producers put items on a bounded queue, consumers take them off. When the queue is
//! full, producers wait (backpressure); when every producer is done, the queue is closed and the
//! consumers finish (clean shutdown, no sentinel lost). The check: every item was consumed exactly
//! once, and the sum of what consumers computed equals the sum over all items.

use super::{DefaultWorkers, LessonInfo, Quick, Source, cpu};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, ClaimOutcome, Evidence, Test};
use crate::facts::Fact;
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::visual::Visual;

/// Slots in the bounded queue: small, so producers feel the backpressure.
pub const CAPACITY: usize = 8;

/// Numbers each consumer squares per item: consuming is slower than producing, so the queue fills.
pub const WORK_PER_ITEM: u64 = 50_000;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Queue,
    title: "Queues: producers, consumers, backpressure",
    summary: "producers and consumers over a bounded queue: waits, backpressure, clean shutdown",
    explanation: "Half the workers produce items and put them on a queue with 8 slots; the other \
        half take items off and process them, which is slower. When the queue is full, producers \
        wait: that is backpressure, and the timeline shows it as waits. When all producers are \
        done the queue is closed, and consumers stop once it is empty — no item is lost and none \
        is processed twice, which the run checks item by item. Natively this is threads with a \
        channel, async tasks with an async channel, and processes connected by pipes; in the \
        browser, web workers exchanging messages.",
    native: &[
        Strategy::new(S::Threads, Runs::Threads),
        Strategy::new(S::Async, Runs::EventLoop),
        Strategy::new(S::Processes, Runs::Processes),
    ],
    web: &[Strategy::new(S::Workers, Runs::MessageWorkers)],
    size: ParamSpec {
        name: "size",
        default: 200,
        min: 1,
        max: 1_000_000,
        unit: "items",
        help: "items the producers make, in all",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "a bounded queue lets producers and consumers run at their own pace while the slower \
        side sets the speed of the whole",
    default_workers: DefaultWorkers::Fixed(4),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 1_000_000,
    quick: Quick::size(100),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Fill {
        title: "How full the queue was, over the run",
        capacity: Fact::Capacity,
    }),
    source: Source {
        title: "Python docs: queue — a synchronized queue class",
        url: "https://docs.python.org/3/library/queue.html",
        teaches: "A queue with a maximum size hands items from producers to consumers safely: put() waits while it is full and get() while it is empty, so nobody needs a lock of their own.",
    },
};

/// Producers and consumers for `workers` workers: half and half, at least one of each.
pub fn roles(workers: u32) -> (u32, u32) {
    let p = (workers / 2).max(1);
    (p, workers.saturating_sub(p).max(1))
}

/// The items producer `p` of `producers` makes.
pub fn items_of(p: u32, producers: u32, size: u64) -> impl Iterator<Item = u64> {
    (u64::from(p)..size).step_by(producers.max(1) as usize)
}

/// What a consumer computes for an item (its proof of having processed it).
pub fn process(item: u64) -> u64 {
    let start = item * WORK_PER_ITEM;
    cpu::sum_squares(start..start + WORK_PER_ITEM) as u64
}

/// Counts who consumed what, to prove "exactly once".
#[derive(Debug, Clone)]
pub struct Ledger {
    seen: Vec<u32>,
    sum: u64,
}

impl Ledger {
    /// For items 0..size.
    pub fn new(size: u64) -> Self {
        Self {
            seen: vec![0; size as usize],
            sum: 0,
        }
    }

    /// Record that `item` was consumed with result `value`.
    pub fn consumed(&mut self, item: u64, value: u64) {
        if let Some(c) = self.seen.get_mut(item as usize) {
            *c += 1;
        }
        self.sum = self.sum.wrapping_add(value);
    }

    /// The result line: exactly-once, or what went wrong first.
    pub fn render(&self) -> String {
        if let Some((i, c)) = self.seen.iter().enumerate().find(|(_, c)| **c != 1) {
            return format!("item {i} consumed {c} times");
        }
        format!(
            "{} items, each consumed once, sum {:016x}",
            self.seen.len(),
            self.sum
        )
    }
}

/// The expected result line for `size` items.
pub fn expected(size: u64) -> String {
    let mut l = Ledger::new(size);
    for i in 0..size {
        l.consumed(i, process(i));
    }
    l.render()
}

/// What a run of `queue` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "backpressure",
        text: "Producers are faster than consumers, so the 8-slot queue fills and producers wait \
            for room: backpressure",
        side: None,
        test: Test::Custom {
            about: &[S::Threads, S::Async, S::Processes, S::Workers],
            check: backpressure,
        },
    },
    Claim {
        id: "exact",
        text: "Every item is consumed exactly once, and the queue shuts down cleanly",
        side: None,
        test: Test::Exact(&[S::Threads, S::Async, S::Processes, S::Workers]),
    },
];

fn backpressure(ev: &Evidence) -> Option<ClaimOutcome> {
    let rows: Vec<_> = ev
        .records
        .iter()
        .filter_map(|r| Some((r, r.fact(Fact::ProducerWaits)?, r.fact(Fact::MaxFill)?)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let figures: Vec<String> = rows
        .iter()
        .map(|(r, waits, fill)| {
            format!(
                "{}: producers waited {waits:.0} times, the queue held up to {fill:.0} of {}",
                r.strategy, CAPACITY
            )
        })
        .collect();
    let all = rows.iter().all(|(_, waits, _)| *waits >= 1.0);
    Some(ClaimOutcome::when(all, figures.join("; ")))
}

fn answer(ev: &Evidence) -> Option<Answer> {
    let (r, waits) = ev
        .records
        .iter()
        .find_map(|r| Some((r, r.fact(Fact::ProducerWaits)?)))?;
    Some(Answer {
        choice: yes_no(waits >= 1.0),
        because: format!("{}: producers waited {waits:.0} times", r.strategy),
        why: if waits >= 1.0 {
            "The queue holds only a few items: when the consumer falls behind, the producer's put \
             waits until there is room, which keeps memory bounded (backpressure)."
                .into()
        } else {
            "The consumer kept up, so the bounded queue never filled and nobody waited.".into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Producers make items faster than consumers use them, through a queue of 8 slots. \
        Will producers have to wait?",
    choices: YES_NO,
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producers_split_items_exactly() {
        let (p, c) = roles(5);
        assert_eq!((p, c), (2, 3));
        let mut all: Vec<u64> = (0..p).flat_map(|i| items_of(i, p, 11)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
        assert_eq!(roles(1), (1, 1));
    }

    #[test]
    fn ledger_catches_loss_and_duplicates() {
        let mut l = Ledger::new(3);
        l.consumed(0, process(0));
        l.consumed(2, process(2));
        assert_eq!(l.render(), "item 1 consumed 0 times");
        l.consumed(1, process(1));
        assert_eq!(l.render(), expected(3));
        l.consumed(1, process(1));
        assert_eq!(l.render(), "item 1 consumed 2 times");
    }
}
