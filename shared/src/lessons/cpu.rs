//! `cpu`: the sum of i² for i in 0..N, exactly, as a `u128`.
//!
//! The CPU-bound half of the notes: nothing waits, so only running on more cores at once can make
//! it faster. Threads help natively (Rust has no global interpreter lock) and on the page's
//! web-worker pool; async tasks on one thread cannot help; processes help but pay to start and to
//! copy. The answer is checked against the closed form (N−1)·N·(2N−1)/6.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::prediction::{Answer, Choice, Question};
use crate::record::Side;
use crate::verdict::fmt_ms;
use crate::{ParamError, ParamSpec, Workload};
use std::hint::black_box;
use std::ops::Range;

/// Tasks per worker. More tasks than workers lets work stealing even out a slow core; four keeps
/// per-task overhead invisible at any size worth timing.
pub const TASKS_PER_WORKER: u64 = 4;

/// Largest size accepted: about 100 s of sequential work on one core. Beyond it a run is a typo.
pub const MAX_SIZE: u64 = 100_000_000_000;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Cpu,
    title: "CPU-bound: sum of squares",
    summary: "Σ i² for i < N as an exact u128: only more cores make it faster",
    explanation: "Every number is squared and added; nothing waits on a network or a disk, so the \
        work is CPU-bound. Splitting the range across threads or processes that run on different \
        cores divides the time; taking turns on one core (async tasks, or Python threads under \
        the GIL, which took 11.2 s against 11.5 s sequential for N = 10⁸ in the notes) does not. \
        Every strategy's answer is checked against the closed form (N−1)·N·(2N−1)/6 (for \
        N = 10⁸ that is 333333328333333350000000), so a split that drops or repeats a number \
        shows as a wrong row.",
    native: &[
        Strategy::new(S::Sequential, Runs::Caller),
        Strategy::new(S::Threads, Runs::Threads),
        Strategy::new(S::Pool, Runs::ThreadPool),
        Strategy::new(S::Rayon, Runs::ThreadPool),
        Strategy::new(S::Async, Runs::EventLoop),
        Strategy::new(S::Processes, Runs::Processes),
        Strategy::new(S::Hybrid, Runs::ProcessesWithEventLoops),
    ],
    web: &[
        Strategy::new(S::Sequential, Runs::Caller),
        Strategy::new(S::Async, Runs::EventLoop),
        Strategy::new(S::Pool, Runs::SharedMemoryWorkers),
        Strategy::new(S::Workers, Runs::MessageWorkers),
    ],
    size: ParamSpec {
        name: "size",
        default: 2_000_000_000,
        min: 1,
        max: MAX_SIZE,
        unit: "numbers",
        help: "N: sum the squares of 0..N",
    },
    size_check: Some(check_size),
    latency: None,
    bytes: None,
    insight: "the work is pure computation, so only running on several cores at once shortens it",
    default_workers: DefaultWorkers::Cores,
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 2_000_000_000,
    quick: Quick::size(10_000_000),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: true,
    visual: None,
    source: Source {
        title: "Speed Up Your Python Program With Concurrency (Real Python), “CPU-bound” sections",
        url: "https://realpython.com/python-concurrency/",
        teaches: "Splitting pure computation across threads does not help in CPython, because the GIL lets one thread compute at a time; only separate processes put several cores to work, and they pay to start and to copy data.",
    },
};

/// The exact answer, Σ i² for i in 0..n, from the closed form (n−1)·n·(2n−1)/6 with checked
/// arithmetic. The divisions by 2 and 3 happen before multiplying, so the only overflow reported
/// is that of the answer itself.
pub fn closed_form(n: u64) -> Result<u128, ParamError> {
    checked_closed_form(n).ok_or_else(|| ParamError::Overflow {
        value: n,
        ty: "u128",
        max: max_exact_size(),
    })
}

fn checked_closed_form(n: u64) -> Option<u128> {
    if n == 0 {
        return Some(0);
    }
    let mut f = [u128::from(n) - 1, u128::from(n), 2 * u128::from(n) - 1];
    // One of n−1, n is even; one of the three factors is a multiple of 3.
    let two = f.iter().position(|x| x % 2 == 0).unwrap_or(0);
    f[two] /= 2;
    let three = f.iter().position(|x| x % 3 == 0).unwrap_or(0);
    f[three] /= 3;
    f[0].checked_mul(f[1])?.checked_mul(f[2])
}

/// The largest n whose sum of squares fits in a `u128` (about 1.0·10¹³), found by bisection on
/// the same checked closed form, so the bound can never disagree with the check.
pub fn max_exact_size() -> u64 {
    let (mut lo, mut hi) = (1u64, 1u64 << 50);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if checked_closed_form(mid).is_some() {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

/// Validate a size: an answer that overflows `u128` is named as such, then the time bound applies.
pub fn check_size(n: u64) -> Result<u64, ParamError> {
    if n > max_exact_size() {
        return Err(ParamError::Overflow {
            value: n,
            ty: "u128",
            max: max_exact_size(),
        });
    }
    INFO.size.check(n).map_err(|e| match e {
        ParamError::OutOfRange {
            name,
            value,
            min,
            max,
            ..
        } => ParamError::OutOfRange {
            name,
            value,
            min,
            max,
            hint: "; larger sizes take minutes of CPU per strategy".into(),
        },
        other => other,
    })
}

/// Numbers below this go through the lane kernel: their squares are under 2⁵⁸, so a `u64` lane
/// can add [`LANE_STEPS`] of them without overflowing.
const LANES_LIMIT: u64 = 1 << 29;

/// Squares each lane adds before the lanes are folded into the `u128` total: 64 · 2⁵⁸ = 2⁶⁴ is the
/// bound, so 64 is the most that is always safe below [`LANES_LIMIT`].
const LANE_STEPS: u64 = 64;

/// Σ i² over `range`, the kernel every strategy runs.
///
/// Three tiers, picked by the size of the numbers, all exact:
/// - below 2²⁹, eight independent `u64` lanes each square a `u32` widened to 64 bits and add it,
///   with no carry logic at all: 64 steps cannot overflow a lane, then the lanes fold into the
///   `u128` total. Eight independent chains keep the multiplier busy, and the loop is simple
///   enough that WebAssembly engines compile it as well as LLVM does natively (the benchmark's
///   P2 ratio measures exactly this);
/// - from 2²⁹ to 2³¹, two (hi, lo) pairs of `u64` words with an explicit carry once per four
///   squares;
/// - from 2³¹ on, `u128` arithmetic.
///
/// The running index passes through [`black_box`] every 64 numbers (every eight in the other
/// tiers), so the optimiser cannot replace the loop with the closed form (LLVM does exactly that
/// to a plain `for i in r { s += i * i }`): every number really is squared and added, and the
/// time grows linearly with N. Once per 64 rather than per eight took another 15% off both
/// sides (the barrier is a store and a load in WebAssembly).
///
/// In the page, which is built for size, the kernel keeps its own speed: `optimize(speed)`, and
/// never inlined into a size-optimised caller (which would optimise it for size again).
#[cfg_attr(target_arch = "wasm32", inline(never), optimize(speed))]
pub fn sum_squares(range: Range<u64>) -> u128 {
    const SMALL: u64 = 1 << 31;
    let clamp = |x: u64| x.min(range.end).max(range.start);
    let (a, b) = (clamp(LANES_LIMIT), clamp(SMALL));
    sum_squares_lanes(range.start..a) + sum_squares_small(a..b) + sum_squares_big(b..range.end)
}

/// Σ i² for a range entirely below [`LANES_LIMIT`], in eight carry-free `u64` lanes.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn sum_squares_lanes(range: Range<u64>) -> u128 {
    debug_assert!(range.is_empty() || range.end <= LANES_LIMIT);
    let Range { start, end } = range;
    let mut total: u128 = 0;
    let mut i = start;
    while end.saturating_sub(i) >= 8 {
        let steps = ((end - i) / 8).min(LANE_STEPS);
        // Below 2²⁹ every number fits a u32, and so does i + 8·64.
        total += lanes_block(i as u32, steps);
        i += 8 * steps;
    }
    total + (i..end).map(|v| u128::from(v * v)).sum::<u128>()
}

/// `steps` rounds of eight consecutive squares from `x0`, one per lane, folded at the end.
///
/// Written out by hand (the `round!` macro, eight times a pass) rather than as loops over lanes:
/// the page is built for size, and rustc turns LLVM's loop unrolling off for opt-level "s"/"z"
/// (in the link-time pass too, where the unrolling of an LTO build happens), so loops over
/// eight lanes stayed loops over an array in memory and the kernel ran ~2.4× slower in
/// WebAssembly. Spelled out, every lane is a local whatever the optimiser does; natively at
/// opt-level 3 the code is what the loops unrolled to.
#[inline(always)]
fn lanes_block(x0: u32, steps: u64) -> u128 {
    let sq = |v: u32| u64::from(v) * u64::from(v);
    let (mut l0, mut l1, mut l2, mut l3) = (0u64, 0u64, 0u64, 0u64);
    let (mut l4, mut l5, mut l6, mut l7) = (0u64, 0u64, 0u64, 0u64);
    // One round: the squares of x..x+8, one into each lane.
    macro_rules! round {
        ($x:expr) => {{
            let x: u32 = $x;
            l0 += sq(x);
            l1 += sq(x + 1);
            l2 += sq(x + 2);
            l3 += sq(x + 3);
            l4 += sq(x + 4);
            l5 += sq(x + 5);
            l6 += sq(x + 6);
            l7 += sq(x + 7);
        }};
    }
    let mut i = x0;
    // Eight rounds (64 numbers) per pass through black_box, then what is left a round at a time.
    for _ in 0..steps / 8 {
        let x = black_box(i);
        round!(x);
        round!(x + 8);
        round!(x + 16);
        round!(x + 24);
        round!(x + 32);
        round!(x + 40);
        round!(x + 48);
        round!(x + 56);
        i += 64;
    }
    for _ in 0..steps % 8 {
        round!(black_box(i));
        i += 8;
    }
    [l0, l1, l2, l3, l4, l5, l6, l7]
        .iter()
        .map(|&l| u128::from(l))
        .sum()
}

/// Σ i² for a range entirely below 2³¹, in (hi, lo) pairs of u64 words.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn sum_squares_small(range: Range<u64>) -> u128 {
    let Range { start, end } = range;
    // Below 2³¹ a square is under 2⁶², so four of them add up without overflowing a u64: each
    // block of eight is two carry-free sums of four, and only those two meet the carry logic.
    // Two independent (lo, hi) pairs also halve the carry chain's latency.
    let (mut lo0, mut hi0, mut lo1, mut hi1) = (0u64, 0u64, 0u64, 0u64);
    let mut i = start;
    while end.saturating_sub(i) >= 8 {
        let x = black_box(i);
        let sq = |k: u64| (x + k) * (x + k);
        let (s0, c0) = lo0.overflowing_add(sq(0) + sq(1) + sq(2) + sq(3));
        let (s1, c1) = lo1.overflowing_add(sq(4) + sq(5) + sq(6) + sq(7));
        lo0 = s0;
        lo1 = s1;
        hi0 += u64::from(c0);
        hi1 += u64::from(c1);
        i += 8;
    }
    while i < end {
        let (s0, c0) = lo0.overflowing_add(i * i);
        lo0 = s0;
        hi0 += u64::from(c0);
        i += 1;
    }
    ((u128::from(hi0) << 64) | u128::from(lo0)) + ((u128::from(hi1) << 64) | u128::from(lo1))
}

/// Σ i² for any range, in u128 arithmetic.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn sum_squares_big(range: Range<u64>) -> u128 {
    let Range { start, end } = range;
    let mut acc: u128 = 0;
    let mut i = start;
    while end.saturating_sub(i) >= 8 {
        let x = black_box(i);
        for k in 0..8 {
            let v = u128::from(x + k);
            acc += v * v;
        }
        i += 8;
    }
    while i < end {
        let v = u128::from(i);
        acc += v * v;
        i += 1;
    }
    acc
}

/// Split 0..n into `parts` contiguous ranges whose lengths differ by at most one (fewer parts if
/// n is smaller). Together they cover 0..n exactly once, in order.
pub fn split(n: u64, parts: u64) -> Vec<Range<u64>> {
    let parts = parts.clamp(1, n.max(1));
    let (base, extra) = (n / parts, n % parts);
    let mut start = 0;
    (0..parts)
        .map(|p| {
            let len = base + u64::from(p < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// The cpu lesson's work for one run: the ranges to sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumOfSquares {
    n: u64,
    ranges: Vec<Range<u64>>,
}

impl SumOfSquares {
    /// Split 0..n into [`TASKS_PER_WORKER`] tasks per worker; n must pass [`check_size`].
    pub fn new(n: u64, workers: u32) -> Result<Self, ParamError> {
        let n = check_size(n)?;
        Ok(Self {
            n,
            ranges: split(n, u64::from(workers.max(1)) * TASKS_PER_WORKER),
        })
    }

    /// The ranges, one per task; processes receive these over their pipes.
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// The exact expected answer.
    pub fn expected(&self) -> u128 {
        // `new` checked the size, so the closed form fits.
        closed_form(self.n).unwrap_or(0)
    }

    /// Add partial sums; `None` if they overflow (which a correct run never does).
    pub fn combine(partials: &[u128]) -> Option<u128> {
        partials
            .iter()
            .try_fold(0u128, |acc, x| acc.checked_add(*x))
    }
}

impl Workload for SumOfSquares {
    type Output = u128;
    fn task_count(&self) -> usize {
        self.ranges.len()
    }
    // @code cpu:sequential cpu:threads cpu:pool cpu:rayon cpu:async cpu:processes cpu:hybrid cpu:workers
    fn run_task(&self, task: usize) -> u128 {
        sum_squares(self.ranges[task].clone())
    }
    // @end
}

/// What a run of `cpu` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "parallel-faster",
        text: "On two or more cores, threads, pool, rayon, processes and hybrid each finish at \
            least 1.3× sooner than sequential",
        side: Some(Side::Native),
        test: Test::Faster {
            what: &[S::Threads, S::Pool, S::Rayon, S::Processes, S::Hybrid],
            than: S::Sequential,
            by: 1.3,
        },
    },
    Claim {
        id: "parallel-faster",
        text: "On two or more cores, the web-worker pool and the message-passing workers each \
            finish at least 1.3× sooner than sequential",
        side: Some(Side::Web),
        test: Test::Faster {
            what: &[S::Pool, S::Workers],
            than: S::Sequential,
            by: 1.3,
        },
    },
    Claim {
        id: "async-not-faster",
        text: "Async tasks on one thread finish no sooner than sequential (at most 1.2×, the \
            spread of single runs on a shared machine): computing never waits, so taking turns \
            saves nothing",
        side: None,
        test: Test::NotFaster {
            what: S::Async,
            than: S::Sequential,
            slack: 1.2,
        },
    },
    Claim {
        id: "exact",
        text: "Every strategy's sum equals the closed form (N−1)·N·(2N−1)/6",
        side: None,
        test: Test::Exact(&[
            S::Sequential,
            S::Threads,
            S::Pool,
            S::Rayon,
            S::Async,
            S::Processes,
            S::Hybrid,
            S::Workers,
        ]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let best = |ids: &[S]| {
        ids.iter()
            .filter_map(|s| ev.get(*s))
            .min_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms))
    };
    let one = best(&[S::Sequential, S::Async])?;
    let many = best(&[
        S::Threads,
        S::Pool,
        S::Rayon,
        S::Processes,
        S::Hybrid,
        S::Workers,
    ])?;
    let ratio = one.wall_ms / many.wall_ms.max(1e-9);
    let choice = if ratio >= 1.1 {
        "parallel"
    } else if ratio <= 1.0 / 1.1 {
        "one-thread"
    } else {
        "tie"
    };
    Some(Answer {
        choice,
        because: format!(
            "{} took {}, {} took {} ({ratio:.2}×)",
            many.strategy,
            fmt_ms(many.wall_ms),
            one.strategy,
            fmt_ms(one.wall_ms)
        ),
        why: match choice {
            "parallel" => "Summing squares never waits: it only computes, so several cores each \
                take a share while one thread (sequential, or async tasks that never await) does \
                it all alone."
                .into(),
            "one-thread" => "The cores did not pay this time: at this size starting and joining \
                them cost more than they saved, or the machine's cores were busy with other work."
                .into(),
            _ => "The extra cores' gain and the cost of starting and joining them about \
                cancelled at this size."
                .into(),
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Which finishes first: one thread (sequential, async) or several cores at once?",
    choices: &[
        Choice {
            id: "parallel",
            label: "Several cores",
        },
        Choice {
            id: "one-thread",
            label: "One thread",
        },
        Choice {
            id: "tie",
            label: "About the same",
        },
    ],
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(range: Range<u64>) -> u128 {
        range.map(|i| u128::from(i) * u128::from(i)).sum()
    }

    #[test]
    fn closed_form_matches_known_values() {
        assert_eq!(closed_form(0), Ok(0));
        assert_eq!(closed_form(1), Ok(0));
        assert_eq!(closed_form(4), Ok(14));
        assert_eq!(
            closed_form(100_000_000),
            Ok(333_333_328_333_333_350_000_000)
        );
    }

    #[test]
    fn the_notes_answer_missed_the_last_square() {
        // 333333318333333549999999 (printed in the notes) = exact − (10⁸ − 1)².
        let exact = closed_form(100_000_000).unwrap();
        assert_eq!(
            exact - 99_999_999u128 * 99_999_999,
            333_333_318_333_333_549_999_999
        );
    }

    /// The learner pass found the first paragraph spending a sentence on the notes' typo; the
    /// explanation is about cores and says how answers are checked, nothing else.
    #[test]
    fn explanation_stays_on_the_lesson() {
        assert!(!INFO.explanation.contains("333333318333333549999999"));
        assert!(INFO.explanation.contains("closed form"));
    }

    #[test]
    fn overflow_bound_is_tight() {
        let max = max_exact_size();
        assert!(closed_form(max).is_ok());
        assert!(matches!(
            closed_form(max + 1),
            Err(ParamError::Overflow { .. })
        ));
        assert!(
            (10_000_000_000_000..11_000_000_000_000).contains(&max),
            "{max}"
        );
        let err = check_size(max + 1).unwrap_err().to_string();
        assert!(err.contains("overflows u128"), "{err}");
        let err = check_size(MAX_SIZE + 1).unwrap_err().to_string();
        assert!(
            err.contains("out of range") && err.contains("1..=100000000000"),
            "{err}"
        );
    }

    #[test]
    fn kernel_matches_naive_sum_on_odd_edges() {
        for r in [0..0, 0..1, 3..11, 5..5, 7..40, 1_000_000..1_000_013] {
            assert_eq!(sum_squares(r.clone()), naive(r.clone()), "{r:?}");
        }
    }

    #[test]
    fn kernel_is_exact_across_the_fast_path_boundary() {
        let b = 1u64 << 31;
        for r in [
            b - 20..b + 20,
            b - 3..b,
            b..b + 3,
            b - 1..b + 1,
            5..b / 1_000_000,
        ] {
            assert_eq!(sum_squares(r.clone()), naive(r.clone()), "{r:?}");
        }
        // Carries out of the low word: a range whose sum is far above 2⁶⁴.
        let r = b - 4096..b;
        assert!(naive(r.clone()) > u128::from(u64::MAX));
        assert_eq!(sum_squares(r.clone()), naive(r));
    }

    #[test]
    fn kernel_is_exact_across_the_lane_boundary() {
        let b = LANES_LIMIT;
        for r in [
            b - 20..b + 20,
            b - 1..b + 1,
            b - 8 * LANE_STEPS - 3..b,
            b - 8 * LANE_STEPS..b,
            b..b + 9,
            0..8 * LANE_STEPS + 7,
            3..2 * 8 * LANE_STEPS + 5,
            // Lane blocks whose rounds are not a multiple of eight.
            0..8 * 13 + 3,
            1_000..1_000 + 8 * 63 + 5,
        ] {
            assert_eq!(sum_squares(r.clone()), naive(r.clone()), "{r:?}");
        }
        // The largest lane blocks: 64 squares just under 2⁵⁸ each, close to a lane's 2⁶⁴ limit.
        let r = b - 8 * LANE_STEPS * 4..b;
        assert!(naive(r.clone()) > u128::from(u64::MAX));
        assert_eq!(sum_squares(r.clone()), naive(r));
    }

    #[test]
    fn workload_total_equals_closed_form() {
        let work = SumOfSquares::new(1_000_003, 3).unwrap();
        assert_eq!(work.task_count(), 12);
        let parts: Vec<u128> = (0..work.task_count()).map(|t| work.run_task(t)).collect();
        assert_eq!(SumOfSquares::combine(&parts), Some(work.expected()));
    }

    proptest! {
        #[test]
        fn any_split_points_sum_to_the_closed_form(
            n in 0u64..20_000,
            mut cuts in proptest::collection::vec(0u64..20_000, 0..12),
        ) {
            cuts.retain(|c| *c <= n);
            cuts.push(0);
            cuts.push(n);
            cuts.sort_unstable();
            let total: u128 = cuts.windows(2).map(|w| sum_squares(w[0]..w[1])).sum();
            prop_assert_eq!(total, closed_form(n).unwrap());
        }

        #[test]
        fn split_covers_the_range_once(n in 0u64..1_000_000, parts in 1u64..64) {
            let ranges = split(n, parts);
            prop_assert!(ranges.len() as u64 <= parts);
            prop_assert_eq!(ranges.first().map_or(0, |r| r.start), 0);
            prop_assert_eq!(ranges.last().map_or(0, |r| r.end), n);
            for w in ranges.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
            let (min, max) = ranges.iter().map(|r| r.end - r.start)
                .fold((u64::MAX, 0), |(lo, hi), l| (lo.min(l), hi.max(l)));
            prop_assert!(ranges.is_empty() || max - min <= 1);
        }
    }
}
