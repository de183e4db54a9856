//! `deadlock`: two locks taken in opposite orders by two workers. Each grabs its first lock, both
//! wait at a barrier (so the bad timing happens every time, not once in a while), then each asks
//! for the other's lock. Instead of hanging, every wait has a timeout; a worker that times out
//! reads the wait-for table and reports the cycle (who holds what, who waits for what), then lets
//! go, so the run ends. Taking the locks in one global order (A before B) cannot deadlock.

use super::{DefaultWorkers, LessonInfo, Quick, Source, WorkerBounds};
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::detail::{LessonDetail, WaitFor};
use crate::prediction::{Answer, Choice, Question};
use crate::visual::Visual;
use crate::{Clock, ParamSpec, Span, SpanKind};
use std::sync::{Barrier, Condvar, Mutex};
use std::time::Duration;

/// How long a worker waits for its second lock before it declares a deadlock.
pub const TIMEOUT: Duration = Duration::from_millis(100);

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Deadlock,
    title: "Deadlock: two locks, two orders",
    summary: "two workers take locks A and B in opposite orders: detected, then fixed by ordering",
    explanation: "Worker 0 takes lock A then B; worker 1 takes B then A. If each gets its first \
        lock before the other asks for it, both wait forever: the notes' 'starvation' when two \
        threads share two locks without an order. Here the waits have a timeout and a wait-for \
        table, so the run reports the cycle instead of hanging. Both workers start together, so the \
        opposite order sticks in its first round every time. The fix is an order: everyone \
        takes A before B, so nobody can hold B while waiting for A.",
    native: &[
        Strategy::new(S::OppositeOrder, Runs::Threads).showing_bug(),
        Strategy::new(S::Ordered, Runs::Threads),
    ],
    web: &[
        Strategy::new(S::OppositeOrder, Runs::SharedMemoryWorkers).showing_bug(),
        Strategy::new(S::Ordered, Runs::SharedMemoryWorkers),
    ],
    size: ParamSpec {
        name: "size",
        default: 1_000,
        min: 1,
        max: 10_000_000,
        unit: "rounds",
        help: "lock rounds per worker (ordered) — opposite-order deadlocks in its first round",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "a cycle of workers each holding one lock while waiting for the next can never \
        move; one global lock order makes such a cycle impossible",
    default_workers: DefaultWorkers::Fixed(2),
    worker_bounds: Some(WorkerBounds {
        min: 2,
        max: 2,
        why: " for deadlock (two workers, two locks)",
    }),
    uses_server: false,
    companion_max_size: 10_000_000,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::WaitFor {
        title: "Who holds what, who waits for what",
    }),
    source: Source {
        title: "Python docs: threading — Lock objects",
        url: "https://docs.python.org/3/library/threading.html#lock-objects",
        teaches: "A thread that holds one lock and waits for another can wait forever when a second thread does the reverse; taking locks in one agreed order prevents it.",
    },
};

const NAMES: [&str; 2] = ["A", "B"];

/// A lock that remembers its owner and can be waited for with a timeout.
#[derive(Debug, Default)]
struct TimedLock {
    owner: Mutex<Option<u32>>,
    freed: Condvar,
}

/// Who holds and who waits for what: the wait-for table a detector reads.
#[derive(Debug, Default)]
struct Table {
    holds: Vec<Vec<usize>>,
    waits: Vec<Option<usize>>,
    /// Each worker's last wait for a lock that lasted [`LONG_WAIT_MS`] or more, as (began,
    /// ended) on its clock: where its timeline turns from holding to waiting and back.
    long_wait: Vec<Option<(f64, f64)>>,
    /// The cycle as the first worker to time out saw it, while every lock was still held.
    detected: Option<Vec<WaitFor>>,
}

/// Waits at least this long are drawn as waits on the timeline (shorter ones, the ordered
/// run's thousands of brief hand-overs, would be slivers).
pub const LONG_WAIT_MS: f64 = 1.0;

/// The two locks and the table, shared by the workers of one run.
#[derive(Debug)]
pub struct Locks {
    locks: [TimedLock; 2],
    table: Mutex<Table>,
    barrier: Barrier,
    timeout: Duration,
}

/// What one worker's run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// All rounds done.
    Completed(u64),
    /// Gave up waiting: the cycle as the first worker to give up saw it.
    Deadlock(Vec<WaitFor>),
}

fn lock_guard<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Locks {
    /// Locks for `workers` workers (the barrier counts them); waits time out after `timeout`.
    pub fn new(workers: u32, timeout: Duration) -> Self {
        let n = workers.max(1) as usize;
        Self {
            locks: Default::default(),
            table: Mutex::new(Table {
                holds: vec![Vec::new(); n],
                waits: vec![None; n],
                long_wait: vec![None; n],
                detected: None,
            }),
            barrier: Barrier::new(n),
            timeout,
        }
    }

    /// Take lock `which`, or give up after the timeout. The deadline is kept with the caller's
    /// [`Clock`]: `Condvar::wait_timeout_while` reads `Instant`, which panics in the browser
    /// (wasm32-unknown-unknown has no `Instant`), while a plain `wait_timeout` does not.
    fn acquire(&self, worker: u32, which: usize, clock: &impl Clock) -> Result<(), Vec<WaitFor>> {
        let w = worker as usize;
        lock_guard(&self.table).waits[w] = Some(which);
        let lock = &self.locks[which];
        let began = clock.now_ms();
        let deadline = began + self.timeout.as_secs_f64() * 1e3;
        let mut owner = lock_guard(&lock.owner);
        let note_wait = |table: &mut Table| {
            let ended = clock.now_ms();
            if ended - began >= LONG_WAIT_MS {
                table.long_wait[w] = Some((began, ended));
            }
        };
        while owner.is_some() {
            let left = deadline - clock.now_ms();
            if left <= 0.0 {
                drop(owner);
                note_wait(&mut lock_guard(&self.table));
                return Err(self.describe_cycle(worker));
            }
            owner = lock
                .freed
                .wait_timeout(owner, Duration::from_secs_f64(left / 1e3))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *owner = Some(worker);
        drop(owner);
        let mut t = lock_guard(&self.table);
        note_wait(&mut t);
        t.waits[w] = None;
        t.holds[w].push(which);
        Ok(())
    }

    /// `worker`'s span over its whole part, with its last long wait cut out of it: `lock`
    /// while it takes and holds locks, `wait` while it waited for one held by the other, so a
    /// deadlock's timeline shows both workers waiting at once. A worker that never waited
    /// [`LONG_WAIT_MS`] keeps its one `lock` span.
    pub fn split(&self, whole: Span) -> Vec<Span> {
        let wait = lock_guard(&self.table)
            .long_wait
            .get(whole.worker as usize)
            .copied()
            .flatten();
        let Some((began, ended)) = wait else {
            return vec![whole];
        };
        let (began, ended) = (
            began.clamp(whole.start_ms, whole.end_ms),
            ended.clamp(whole.start_ms, whole.end_ms),
        );
        let part = |start_ms: f64, end_ms: f64, kind| Span {
            start_ms,
            end_ms,
            kind,
            ..whole
        };
        [
            part(whole.start_ms, began, SpanKind::Lock),
            part(began, ended, SpanKind::Wait),
            part(ended, whole.end_ms, SpanKind::Lock),
        ]
        .into_iter()
        .filter(|s| s.end_ms > s.start_ms)
        .collect()
    }

    fn release(&self, worker: u32, which: usize) {
        let lock = &self.locks[which];
        *lock_guard(&lock.owner) = None;
        lock.freed.notify_all();
        lock_guard(&self.table).holds[worker as usize].retain(|h| *h != which);
    }

    /// Follow "waits for → held by" from `worker` until it comes back: the deadlock cycle.
    fn describe_cycle(&self, worker: u32) -> Vec<WaitFor> {
        let mut t = lock_guard(&self.table);
        if let Some(d) = &t.detected {
            return d.clone();
        }
        let mut steps = Vec::new();
        let mut w = worker as usize;
        for _ in 0..t.waits.len() {
            let Some(wanted) = t.waits[w] else { break };
            let Some(holder) = t.holds.iter().position(|h| h.contains(&wanted)) else {
                break;
            };
            let held: Vec<&str> = t.holds[w].iter().map(|h| NAMES[*h]).collect();
            steps.push(WaitFor {
                worker: w as u32,
                holds: held.join("+"),
                wants: NAMES[wanted].to_string(),
                held_by: holder as u32,
            });
            w = holder;
            if w == worker as usize {
                break;
            }
        }
        // Start the cycle at its lowest worker, so every member reports it the same way.
        if let Some(first) = steps
            .iter()
            .enumerate()
            .min_by_key(|(_, step)| step.worker)
            .map(|(i, _)| i)
        {
            steps.rotate_left(first);
        }
        t.detected = Some(steps.clone());
        steps
    }

    /// Worker `worker`'s part. `opposite`: worker 1 takes B first (the bug); otherwise everyone
    /// takes A first. Every lock taken is released, whatever happens.
    pub fn work(&self, worker: u32, opposite: bool, rounds: u64, clock: &impl Clock) -> Outcome {
        // @code deadlock:opposite-order deadlock:ordered
        let order = if opposite && worker % 2 == 1 {
            [1, 0]
        } else {
            [0, 1]
        };
        // @end
        // @code deadlock:opposite-order
        if opposite {
            // One round is enough: the barrier makes the bad interleaving certain.
            if let Err(e) = self.acquire(worker, order[0], clock) {
                return Outcome::Deadlock(e);
            }
            self.barrier.wait();
            let second = self.acquire(worker, order[1], clock);
            if second.is_ok() {
                self.release(worker, order[1]);
            }
            self.release(worker, order[0]);
            return match second {
                Ok(()) => Outcome::Completed(1),
                Err(e) => Outcome::Deadlock(e),
            };
        }
        // @end
        // @code deadlock:ordered
        for _ in 0..rounds {
            for which in order {
                if let Err(e) = self.acquire(worker, which, clock) {
                    for held in order {
                        self.release(worker, held);
                    }
                    return Outcome::Deadlock(e);
                }
            }
            for which in order.iter().rev() {
                self.release(worker, *which);
            }
        }
        Outcome::Completed(rounds)
        // @end
    }
}

/// A cycle as the result line says it: "deadlock: w0 holds A and waits for B held by w1; …".
pub fn cycle_text(cycle: &[WaitFor]) -> String {
    let steps: Vec<String> = cycle.iter().map(WaitFor::to_string).collect();
    format!("deadlock: {}", steps.join("; "))
}

/// The record's detail: the first reported cycle, carried as data so the page draws it
/// without reading the result line back.
pub fn detail(outcomes: &[Outcome]) -> LessonDetail {
    outcomes
        .iter()
        .find_map(|o| match o {
            Outcome::Deadlock(cycle) => Some(LessonDetail::Deadlock {
                cycle: cycle.clone(),
            }),
            Outcome::Completed(_) => None,
        })
        .unwrap_or_default()
}

/// How many workers reported a wait-for cycle, and how many rounds were completed in all.
pub fn tally(outcomes: &[Outcome]) -> (u64, u64) {
    outcomes.iter().fold((0, 0), |(c, r), o| match o {
        Outcome::Deadlock(_) => (c + 1, r),
        Outcome::Completed(n) => (c, r + n),
    })
}

/// The run's result line from the workers' outcomes, and the expected one.
pub fn render(opposite: bool, outcomes: &[Outcome], workers: u32, rounds: u64) -> (String, String) {
    let deadlocks: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Deadlock(d) => Some(cycle_text(d)),
            Outcome::Completed(_) => None,
        })
        .collect();
    let result = match deadlocks.first() {
        Some(d) => d.clone(),
        None => format!(
            "{} rounds completed, no deadlock",
            outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Completed(n) => *n,
                    Outcome::Deadlock(_) => 0,
                })
                .sum::<u64>()
        ),
    };
    let expected = if opposite && workers >= 2 {
        "deadlock: w0 holds A and waits for B held by w1; w1 holds B and waits for A held by w0"
            .to_string()
    } else {
        let per = if opposite { 1 } else { rounds };
        format!("{} rounds completed, no deadlock", per * u64::from(workers))
    };
    (result, expected)
}

/// What a run of `deadlock` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "opposite-deadlocks",
        text: "Taking the two locks in opposite orders deadlocks: each worker holds one lock and \
            waits for the other's, a wait-for cycle",
        side: None,
        test: Test::ShowsBug(S::OppositeOrder),
    },
    Claim {
        id: "ordered-finishes",
        text: "With one global lock order both workers finish every round",
        side: None,
        test: Test::Exact(&[S::Ordered]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let r = ev.get(S::OppositeOrder)?;
    Some(Answer {
        choice: if r.shows_bug { "stuck" } else { "finish" },
        because: format!("opposite-order: {}", r.result),
        why: if r.shows_bug {
            "Each worker holds the lock the other needs next and neither lets go, so both wait \
             forever (here until the wait-for check finds the cycle) in their very first round: \
             none of the later rounds ever runs, while the ordered run does every one."
                .into()
        } else {
            "This time one worker took both locks before the other took its first, so no cycle \
             of waiting formed."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Worker 0 takes lock A then B; worker 1 takes B then A, and both start at the same \
        moment. What happens?",
    choices: &[
        Choice {
            id: "finish",
            label: "Both finish",
        },
        Choice {
            id: "stuck",
            label: "They get stuck waiting for each other",
        },
    ],
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The learner pass: the question promised "a thousand times each" while the opposite-order
    /// run always sticks in its first round. The question says what the run does.
    #[test]
    fn the_question_promises_only_what_the_run_does() {
        assert!(!QUESTION.text.contains("thousand"), "{}", QUESTION.text);
        assert!(QUESTION.text.contains("same moment"));
    }

    /// The graph on the page draws the cycle the run reported, step for step as its text says.
    #[test]
    fn a_reported_cycle_is_carried_as_data_matching_its_text() {
        let (outcomes, (result, _)) = run_outcomes(true, 1, 50);
        let reported = detail(&outcomes);
        let cycle = reported.cycle().expect("a cycle");
        assert_eq!(cycle.len(), 2, "{result}");
        assert_eq!(cycle[0].worker, 0);
        assert_eq!(cycle[0].held_by, 1);
        assert_eq!(cycle[1].held_by, 0);
        assert_eq!(cycle_text(cycle), result);
        let (outcomes, _) = run_outcomes(false, 2, 1_000);
        assert_eq!(detail(&outcomes), LessonDetail::default());
    }

    struct StdClock(std::time::Instant);
    impl Clock for StdClock {
        fn now_ms(&self) -> f64 {
            self.0.elapsed().as_secs_f64() * 1e3
        }
    }

    fn run(opposite: bool, rounds: u64, timeout_ms: u64) -> (String, String) {
        run_outcomes(opposite, rounds, timeout_ms).1
    }

    fn run_outcomes(
        opposite: bool,
        rounds: u64,
        timeout_ms: u64,
    ) -> (Vec<Outcome>, (String, String)) {
        let locks = Locks::new(2, Duration::from_millis(timeout_ms));
        let outcomes: Vec<Outcome> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|w| {
                    let locks = &locks;
                    s.spawn(move || {
                        locks.work(w, opposite, rounds, &StdClock(std::time::Instant::now()))
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let rendered = render(opposite, &outcomes, 2, rounds);
        (outcomes, rendered)
    }

    #[test]
    fn opposite_orders_are_detected_every_time_and_every_run_ends() {
        // A 50 ms wait, not 5: with the test suite's other threads busy on two cores, one
        // worker could give up before the other had even asked for its second lock.
        for _ in 0..40 {
            let (result, expected) = run(true, 1, 50);
            assert_eq!(result, expected);
        }
    }

    /// A deadlocked worker's timeline: holding its first lock (`lock`), then waiting for the
    /// other (`wait`) until it gives up; a worker that finished keeps one `lock` span.
    #[test]
    fn a_deadlocked_worker_holds_then_waits() {
        let clock = StdClock(std::time::Instant::now());
        let locks = Locks::new(2, Duration::from_millis(50));
        let spans: Vec<Vec<Span>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|w| {
                    let (locks, clock) = (&locks, &clock);
                    s.spawn(move || {
                        crate::strategy::timed(clock, w, w as usize, SpanKind::Lock, || {
                            locks.work(w, true, 1, clock)
                        })
                        .1
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| locks.split(h.join().unwrap()))
                .collect()
        });
        // Both wait for the other's lock at once; the first to give up lets go, so the other
        // takes it after waiting about as long, and ends holding both.
        for (w, parts) in spans.iter().enumerate() {
            let kinds: Vec<SpanKind> = parts.iter().map(|p| p.kind).collect();
            assert_eq!(
                &kinds[..2],
                [SpanKind::Lock, SpanKind::Wait],
                "w{w}: {parts:?}"
            );
            assert_eq!(parts[0].end_ms, parts[1].start_ms);
            assert!(parts[1].end_ms - parts[1].start_ms >= 45.0, "{parts:?}");
        }
        let (a, b) = (&spans[0][1], &spans[1][1]);
        assert!(
            a.start_ms.max(b.start_ms) < a.end_ms.min(b.end_ms),
            "the waits overlap: {a:?} {b:?}"
        );
        let whole = Span {
            worker: 0,
            task: 0,
            start_ms: 0.0,
            end_ms: 1.0,
            kind: SpanKind::Lock,
        };
        assert_eq!(
            Locks::new(2, Duration::from_millis(5)).split(whole.clone()),
            vec![whole]
        );
    }

    #[test]
    fn one_order_never_deadlocks() {
        let (result, expected) = run(false, 2_000, 1_000);
        assert_eq!(result, "4000 rounds completed, no deadlock");
        assert_eq!(result, expected);
    }
}
