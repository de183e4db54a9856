//! `event-loop`: N tasks on one thread, each doing a few rounds of "compute a little, then await
//! a timer" — asyncio's model. The strategies differ in what task 0 does once: nothing
//! (`cooperative`), a blocking call inside the loop (`blocking`: every other task, however
//! ready, waits for it), the same call handed to a thread (`offloaded`: `asyncio.to_thread`),
//! the same time spent computing in slices with a yield between them (`yielding`), or being
//! cancelled by a timeout mid-await while task 1 fails (`cancelled`: `wait_for` and
//! `gather(..., return_exceptions=True)`). Each task is wrapped in the
//! [`tasks`](crate::tasks) recorder, so the record carries every task's states over the real
//! run and the ready queue's length.

use super::{DefaultWorkers, LessonInfo, Quick, Source, WorkerBounds, cpu};
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, ClaimOutcome, Evidence, Test};
use crate::facts::Fact;
use crate::format::fmt_ms;
use crate::prediction::{Answer, Choice, Question};
use crate::record::RunRecord;
use crate::tasks::{Probe, Site, TaskState, TaskTrace};
use crate::visual::Visual;
use crate::{Clock, ParamSpec};
use std::cell::Cell;
use std::future::Future;

/// Numbers each round sums (squares of a stretch of its own): about a millisecond of work.
pub const ROUND_NUMBERS: u64 = 200_000;
/// Each round's timer.
pub const TIMER_MS: u64 = 10;
/// Task 0's one blocking call (or the same time offloaded, or spent computing in slices).
pub const BLOCK_MS: u64 = 100;
/// A slice of `yielding`'s computation between two yields.
pub const SLICE_MS: f64 = 2.0;
/// `cancelled`: the timeout around task 0, and the long timer it is cancelled in.
pub const TIMEOUT_MS: u64 = 30;
/// `cancelled`: task 0's long wait, which the timeout cuts short.
pub const LONG_WAIT_MS: u64 = 200;
/// `cancelled`: the round in which task 1 fails.
pub const FAILING_ROUND: u64 = 1;

const STRATEGIES: &[Strategy] = &[
    Strategy::new(S::Cooperative, Runs::EventLoop),
    Strategy::new(S::Blocking, Runs::EventLoop),
    Strategy::new(S::Offloaded, Runs::EventLoop),
    Strategy::new(S::Yielding, Runs::EventLoop),
    Strategy::new(S::Cancelled, Runs::EventLoop),
];

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::EventLoop,
    title: "The event loop: one thread, many tasks",
    summary: "N async tasks on one thread: who runs, who is ready, who waits, and what one \
        blocking call does to all of them",
    explanation: "An event loop runs many tasks on one thread and switches only where a task \
        awaits: 'you always know where your task will be swapped out'. Each task here computes \
        a little, then awaits a 10 ms timer, a few times. The lanes show every task's state \
        over the real run — running, ready (what it waited for has happened; it waits for the \
        loop), waiting (and on what, at which line) — and the ready queue under them. One \
        blocking call inside a task (blocking) keeps every ready task waiting; the same call \
        handed to a thread (offloaded, asyncio.to_thread) leaves the loop free; computing in \
        slices with a yield between them (yielding) lets the others in; a timeout cancels a \
        task mid-await while another fails, and gather keeps every other result (cancelled). \
        AsyncIO when you can, threads when you must.",
    native: STRATEGIES,
    // In the page the blocking call is handed to the pool's web workers, which need shared
    // memory: a page that is not cross-origin isolated leaves `offloaded` out and says why.
    web: &[
        Strategy::new(S::Cooperative, Runs::EventLoop),
        Strategy::new(S::Blocking, Runs::EventLoop),
        Strategy::new(S::Offloaded, Runs::SharedMemoryWorkers),
        Strategy::new(S::Yielding, Runs::EventLoop),
        Strategy::new(S::Cancelled, Runs::EventLoop),
    ],
    size: ParamSpec {
        name: "size",
        default: 3,
        min: 2,
        max: 50,
        unit: "rounds",
        help: "rounds per task: compute a little, then await a timer",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "one thread runs one task at a time and switches only at an await, so a task that \
        blocks without awaiting holds every other task back",
    default_workers: DefaultWorkers::Fixed(4),
    worker_bounds: Some(WorkerBounds {
        min: 2,
        max: 32,
        why: " for event-loop (tasks, each a lane)",
    }),
    uses_server: false,
    companion_max_size: 50,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Tasks {
        title: "Every task's state over the run, and the ready queue",
    }),
    source: Source {
        title: "Python docs: asyncio — coroutines and tasks",
        url: "https://docs.python.org/3/library/asyncio-task.html",
        teaches: "Tasks run on one event loop and give control back only at await; \
            asyncio.to_thread moves a blocking call off the loop, wait_for cancels a task that \
            takes too long, and gather(return_exceptions=True) keeps every result.",
    },
};

/// What the platform gives a task: a timer, a blocking call, a thread to hand it to, a yield
/// through the loop's queue, and the time. Natively tokio's current-thread runtime; in the
/// browser the page's own event loop.
pub trait Loop {
    /// Await a timer of `ms`.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// A blocking call of `ms` inside the loop: the thread does nothing else meanwhile.
    fn block(&self, ms: u64);
    /// The same call on another thread; await its end.
    fn offload(&self, ms: u64) -> impl Future<Output = Result<(), String>>;
    /// Go back through the loop's queue once (after everything already queued).
    fn yield_now(&self) -> impl Future<Output = ()>;
}

/// What task 0 marks for the record while it runs: its special stretch, and its clean-up.
#[derive(Debug, Default)]
pub struct Marks {
    /// When the blocking call (or its offloaded or sliced twin) began and ended.
    pub special: Cell<Option<(f64, f64)>>,
    /// A cancelled task's clean-up ran (`finally` in Python).
    pub cleaned_up: Cell<bool>,
}

/// Sets [`Marks::cleaned_up`] when dropped: the clean-up that runs however the task ends,
/// cancellation included.
struct CleanUp<'a>(&'a Cell<bool>);

impl Drop for CleanUp<'_> {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Task `id`'s sum for round `round` of `rounds`: squares of its own stretch, exact.
pub fn round_sum(id: u32, round: u64, rounds: u64) -> u128 {
    let start = (u64::from(id) * rounds + round) * ROUND_NUMBERS;
    let (lo, hi) = (
        cpu::closed_form(start).unwrap_or(0),
        cpu::closed_form(start + ROUND_NUMBERS).unwrap_or(0),
    );
    hi - lo
}

/// The same, computed: the task's real work.
fn compute(id: u32, round: u64, rounds: u64) -> u128 {
    let start = (u64::from(id) * rounds + round) * ROUND_NUMBERS;
    (start..start + ROUND_NUMBERS)
        .map(|i| u128::from(i) * u128::from(i))
        .sum()
}

/// Busy for `ms` on `clock`: computation, never a wait.
fn busy(clock: &impl Clock, ms: f64) {
    let until = clock.now_ms() + ms;
    let mut x = 0u64;
    while clock.now_ms() < until {
        for i in 0..1_000u64 {
            x = x.wrapping_add(i * i);
        }
        std::hint::black_box(x);
    }
}

/// One task: `rounds` of "compute, then await a timer", with task 0's special part as
/// `strategy` says. Returns the task's total, or the error it failed with.
pub async fn task<L: Loop, C: Clock + Copy + Send + 'static>(
    platform: &L,
    probe: &Probe<C>,
    strategy: S,
    id: u32,
    rounds: u64,
    marks: &Marks,
) -> Result<u128, String> {
    let _clean_up = (id == 0).then(|| CleanUp(&marks.cleaned_up));
    let mut total = 0;
    for round in 0..rounds {
        total += compute(id, round, rounds);
        if strategy == S::Cancelled && id == 1 && round == FAILING_ROUND {
            return Err(format!("t1 raised in round {round}, on purpose"));
        }
        if id == 0 && round == 1 {
            let start = probe.now_ms();
            match strategy {
                // @code event-loop:blocking
                S::Blocking => platform.block(BLOCK_MS),
                // @end
                // @code event-loop:offloaded
                S::Offloaded => {
                    probe.awaiting(Site::other(
                        "a thread: the blocking call, handed off",
                        line!(),
                    ));
                    platform.offload(BLOCK_MS).await?;
                }
                // @end
                // @code event-loop:yielding
                S::Yielding => {
                    while probe.now_ms() - start < BLOCK_MS as f64 {
                        busy(&probe.clock(), SLICE_MS);
                        probe.awaiting(Site::other("the loop's queue: a yield", line!()));
                        platform.yield_now().await;
                    }
                }
                // @end
                // @code event-loop:cancelled
                S::Cancelled => {
                    let due = probe.now_ms() + LONG_WAIT_MS as f64;
                    probe.awaiting(Site::timer(LONG_WAIT_MS as f64, due, line!()));
                    platform.sleep(LONG_WAIT_MS).await;
                }
                // @end
                _ => {}
            }
            marks.special.set(Some((start, probe.now_ms())));
        }
        // @code event-loop:cooperative event-loop:blocking event-loop:offloaded event-loop:yielding event-loop:cancelled
        let due = probe.now_ms() + TIMER_MS as f64;
        probe.awaiting(Site::timer(TIMER_MS as f64, due, line!()));
        platform.sleep(TIMER_MS).await;
        // @end
    }
    Ok(total)
}

/// What each task ended with, in task order: its total, or why it has none.
pub type Ended = Vec<Result<u128, String>>;

/// The result line: every task's fate and the total of those that answered — the notes'
/// `gather(..., return_exceptions=True)`, which keeps every result beside every failure.
pub fn render(ended: &Ended, cleaned_up: bool) -> String {
    let mut parts = Vec::new();
    let mut total = 0u128;
    let mut answered = Vec::new();
    for (id, e) in ended.iter().enumerate() {
        match e {
            Ok(sum) => {
                total += sum;
                answered.push(format!("t{id}"));
            }
            Err(why) if why == CANCELLED => parts.push(format!(
                "t{id} cancelled ({})",
                if cleaned_up {
                    "clean-up ran"
                } else {
                    "no clean-up"
                }
            )),
            Err(why) => parts.push(format!("t{id} failed: {why}")),
        }
    }
    parts.push(format!("{} answered: total {total}", answered.join(", ")));
    parts.join("; ")
}

/// How a runner reports a task its timeout cancelled.
pub const CANCELLED: &str = "cancelled by its timeout";

/// What `strategy` must end with for `tasks` tasks of `rounds` rounds.
pub fn expected(strategy: S, tasks: u32, rounds: u64) -> String {
    let ended: Ended = (0..tasks)
        .map(|id| match (strategy, id) {
            (S::Cancelled, 0) => Err(CANCELLED.to_string()),
            (S::Cancelled, 1) => Err(format!("t1 raised in round {FAILING_ROUND}, on purpose")),
            _ => Ok((0..rounds).map(|r| round_sum(id, r, rounds)).sum()),
        })
        .collect();
    render(&ended, true)
}

/// The facts every event-loop record shows (they cannot fail on one thread, so they are
/// facts, not claims), as a sentence for the record's note.
pub fn shown_facts(tasks: &[TaskTrace]) -> String {
    let polls: u32 = tasks.iter().map(|t| t.polls).sum();
    let one = crate::tasks::one_running_at_a_time(tasks, 0.05);
    format!(
        "{polls} polls of {} tasks on one thread: {} task running at a time; a task left \
         running only at an await or at its end",
        tasks.len(),
        if one { "one" } else { "MORE THAN ONE" }
    )
}

/// The tasks other than task 0, of a record's detail.
fn others(r: &RunRecord) -> Option<&[TaskTrace]> {
    r.detail.tasks().filter(|t| t.len() > 1).map(|t| &t[1..])
}

fn ready_total(r: &RunRecord) -> Option<f64> {
    Some(others(r)?.iter().map(|t| t.time_in(TaskState::Ready)).sum())
}

fn special(r: &RunRecord) -> Option<(f64, f64)> {
    Some((r.fact(Fact::SpecialFromMs)?, r.fact(Fact::SpecialToMs)?))
}

/// `blocking`: every other task whose timer came due during the call stays ready until it ends,
/// and together they spend at least 0.9 × B more time ready than in `cooperative`.
fn blocking_stalls(ev: &Evidence) -> Option<ClaimOutcome> {
    let (b, c) = (ev.get(S::Blocking)?, ev.get(S::Cooperative)?);
    let (from, to) = special(b)?;
    // Every stretch of `ready` that overlaps the call: the task could run, the loop could not.
    let mut stuck = 0;
    let mut early = Vec::new();
    for t in others(b)? {
        for s in t.states.iter().filter(|s| s.state == TaskState::Ready) {
            if s.from_ms < to && s.to_ms > from {
                stuck += 1;
                if s.to_ms < to - 1.0 {
                    early.push(format!("{} was polled at {}", t.name, fmt_ms(s.to_ms)));
                }
            }
        }
    }
    let extra = ready_total(b)? - ready_total(c)?;
    let need = 0.9 * BLOCK_MS as f64;
    let why = format!(
        "t0 blocked the loop from {} to {}; {stuck} other task(s) were ready meanwhile{}; \
         the others spent {} more time ready than in cooperative (at least {} needed)",
        fmt_ms(from),
        fmt_ms(to),
        if early.is_empty() {
            ", and each stayed ready until the call ended (within 1 ms)".to_string()
        } else {
            format!(", but {}", early.join(", "))
        },
        fmt_ms(extra),
        fmt_ms(need)
    );
    Some(ClaimOutcome::when(
        stuck > 0 && early.is_empty() && extra >= need,
        why,
    ))
}

/// `offloaded`: the others spend less than 0.1 × B more time ready than in `cooperative`.
fn offloaded_frees(ev: &Evidence) -> Option<ClaimOutcome> {
    let (o, c) = (ev.get(S::Offloaded)?, ev.get(S::Cooperative)?);
    let extra = ready_total(o)? - ready_total(c)?;
    let limit = 0.1 * BLOCK_MS as f64;
    Some(ClaimOutcome::when(
        extra < limit,
        format!(
            "with the call on a thread the others spent {} more time ready than in \
             cooperative (under {} allowed)",
            fmt_ms(extra),
            fmt_ms(limit)
        ),
    ))
}

/// `yielding`: no other task's longest ready stretch exceeds B / 4 (in `blocking` it is ≈ B).
fn yielding_lets_in(ev: &Evidence) -> Option<ClaimOutcome> {
    let y = ev.get(S::Yielding)?;
    let longest = others(y)?
        .iter()
        .map(|t| t.longest(TaskState::Ready))
        .fold(0.0, f64::max);
    let limit = BLOCK_MS as f64 / 4.0;
    let blocked = ev.get(S::Blocking).and_then(others).map(|ts| {
        ts.iter()
            .map(|t| t.longest(TaskState::Ready))
            .fold(0.0, f64::max)
    });
    Some(ClaimOutcome::when(
        longest <= limit,
        format!(
            "yielding every {}: the others' longest wait for the loop was {} (at most {}){}",
            fmt_ms(SLICE_MS),
            fmt_ms(longest),
            fmt_ms(limit),
            blocked
                .map(|b| format!("; blocking made one wait {}", fmt_ms(b)))
                .unwrap_or_default()
        ),
    ))
}

/// `cancelled`: task 0 ends cancelled with its clean-up done, and every other result is there.
fn cancelled_cleans_up(ev: &Evidence) -> Option<ClaimOutcome> {
    let r = ev.get(S::Cancelled)?;
    let t0 = r.detail.tasks()?.first()?;
    let ended = t0.end().map(|e| e.state);
    let cleaned = r.fact(Fact::CleanedUp)? >= 1.0;
    Some(ClaimOutcome::when(
        ended == Some(TaskState::Cancelled) && cleaned && r.correct,
        format!(
            "t0 ended {}, clean-up {}; {}",
            ended.map_or("unfinished", TaskState::name),
            if cleaned { "ran" } else { "did not run" },
            r.result
        ),
    ))
}

/// What a run of `event-loop` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "blocking-stalls",
        text: "One blocking call inside a task stalls the loop: every task whose timer came due \
            meanwhile stays ready until the call ends, and together they wait at least 0.9 × \
            100 ms longer than when nobody blocks",
        side: None,
        test: Test::Custom {
            about: &[S::Blocking, S::Cooperative],
            check: blocking_stalls,
        },
    },
    Claim {
        id: "offloaded-frees",
        text: "Handed to a thread, the same call leaves the loop free: the others wait less \
            than 10 ms longer than when nobody blocks",
        side: None,
        test: Test::Custom {
            about: &[S::Offloaded, S::Cooperative],
            check: offloaded_frees,
        },
    },
    Claim {
        id: "yielding-lets-in",
        text: "Computing in slices with a yield between them lets the others in: none waits \
            for the loop longer than 25 ms (a quarter of the call)",
        side: None,
        test: Test::Custom {
            about: &[S::Yielding],
            check: yielding_lets_in,
        },
    },
    Claim {
        id: "cancel-cleans-up",
        text: "A timeout cancels a task mid-await and its clean-up runs; a failing task does \
            not lose the others' results",
        side: None,
        test: Test::Custom {
            about: &[S::Cancelled],
            check: cancelled_cleans_up,
        },
    },
    Claim {
        id: "exact",
        text: "Every task that answered computed its exact sum",
        side: None,
        test: Test::Exact(&[
            S::Cooperative,
            S::Blocking,
            S::Offloaded,
            S::Yielding,
            S::Cancelled,
        ]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let b = ev.get(S::Blocking)?;
    let longest = others(b)?
        .iter()
        .map(|t| t.longest(TaskState::Ready))
        .fold(0.0, f64::max);
    Some(Answer {
        choice: if longest >= 0.5 * BLOCK_MS as f64 {
            "all-wait"
        } else {
            "others-run"
        },
        because: format!(
            "while t0 blocked, another task waited {} for the loop",
            fmt_ms(longest)
        ),
        why: if longest >= 0.5 * BLOCK_MS as f64 {
            "The loop runs one task at a time and switches only at an await: a task that blocks \
             without awaiting holds every other task until it is done."
                .into()
        } else {
            "The other tasks barely waited this time: the blocking call was shorter than the \
             timers they were waiting on."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Task 0 makes a blocking 100 ms call inside the event loop while the other tasks' \
        10 ms timers come due. What happens to them?",
    choices: &[
        Choice {
            id: "others-run",
            label: "They run meanwhile: it is async",
        },
        Choice {
            id: "all-wait",
            label: "They all wait until the call ends",
        },
    ],
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_sums_are_the_computed_sums() {
        for (id, round) in [(0, 0), (1, 2), (3, 1)] {
            assert_eq!(round_sum(id, round, 3), compute(id, round, 3));
        }
    }

    #[test]
    fn the_expected_line_names_every_task_s_fate() {
        let e = expected(S::Cancelled, 4, 3);
        assert!(
            e.starts_with("t0 cancelled (clean-up ran); t1 failed: t1 raised in round 1"),
            "{e}"
        );
        assert!(e.contains("t2, t3 answered: total "), "{e}");
        let c = expected(S::Cooperative, 2, 2);
        let total: u128 = (0..2)
            .flat_map(|id| (0..2).map(move |r| round_sum(id, r, 2)))
            .sum();
        assert_eq!(c, format!("t0, t1 answered: total {total}"));
    }
}
