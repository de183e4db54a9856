//! `pools`: the executor API of the notes — `map`, `map` with a chunk size, `starmap`, and
//! `apply_async` with result and error callbacks — on a pool whose workers each run an
//! initializer once. Every item's result is a sum of squares, so the total has a closed form.

use super::{DefaultWorkers, LessonInfo, Quick, Source, cpu};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, ClaimOutcome, Evidence, Test, speedup};
use crate::facts::Fact;
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::record::{RunRecord, Side};
use crate::verdict::fmt_ms;
use crate::visual::Visual;

/// Numbers per item: item x stands for Σ i² over x·K..(x+1)·K.
pub const K: u64 = 200;

/// Every REFUSE-th item (x % REFUSE == REFUSE − 1) fails in `apply_async`, so the error callback
/// has work to do.
pub const REFUSE: u64 = 10;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Pools,
    title: "Pools: map, starmap, apply_async, chunks",
    summary: "the pool API: map (with and without chunks), starmap, apply_async with callbacks",
    explanation: "A pool keeps workers alive and hands them work. map(f, items) sends each item to \
        a worker; with a chunk size it sends items in batches, paying the per-task cost once per \
        chunk instead of once per item. starmap passes several arguments per call (the notes \
        needed it, or functools.partial, for multi-argument functions). apply_async submits one \
        call at a time and reports through callbacks: one for results, one for errors — here \
        every tenth item fails on purpose. Each worker runs an initializer once before its \
        first task, like the notes' set_global_session.",
    native: &[
        Strategy::new(S::Map, Runs::ThreadPool),
        Strategy::new(S::MapChunked, Runs::ThreadPool),
        Strategy::new(S::Starmap, Runs::ThreadPool),
        Strategy::new(S::ApplyAsync, Runs::ThreadPool),
        Strategy::new(S::ProcessesMap, Runs::Processes),
        Strategy::new(S::ProcessesMapChunked, Runs::Processes),
    ],
    web: &[
        Strategy::new(S::WorkersMap, Runs::MessageWorkers),
        Strategy::new(S::WorkersMapChunked, Runs::MessageWorkers),
    ],
    size: ParamSpec {
        name: "size",
        default: 20_000,
        min: 1,
        max: 1_000_000,
        unit: "items",
        help: "items to map",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "a pool's cost is per task, so batching items into chunks pays it less often, and \
        callbacks let results and errors arrive without anyone waiting on each call",
    default_workers: DefaultWorkers::Cores,
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 1_000_000,
    quick: Quick::size(100),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: true,
    visual: Some(Visual::Count {
        title: "Tasks handed to the pool",
        fact: Fact::Tasks,
        noun: "tasks",
    }),
    source: Source {
        title: "Python docs: multiprocessing — process pools",
        url: "https://docs.python.org/3/library/multiprocessing.html#module-multiprocessing.pool",
        teaches: "A pool keeps workers alive and feeds them: map sends items (in chunks if asked), starmap unpacks arguments, apply_async reports through callbacks, and an initializer prepares each worker once.",
    },
};

/// The function mapped over items.
pub fn f(x: u64) -> u128 {
    cpu::sum_squares(x * K..(x + 1) * K)
}

/// The two-argument function for starmap.
pub fn f2(a: u64, b: u64) -> u128 {
    cpu::sum_squares(a..b)
}

/// apply_async's job: refuses every REFUSE-th item.
pub fn job(x: u64) -> Result<u128, String> {
    if x % REFUSE == REFUSE - 1 {
        Err(format!("item {x} refused"))
    } else {
        Ok(f(x))
    }
}

/// Items per chunk for the chunked strategies: about four chunks per worker.
pub fn chunk_size(items: u64, workers: u32) -> u64 {
    (items / (4 * u64::from(workers.max(1)))).max(1)
}

/// The result line for a total, an error count and initializer runs.
pub fn render(total: u128, errors: u64) -> String {
    if errors == 0 {
        format!("total {total}")
    } else {
        format!("total {total}, {errors} errors reported by the error callback")
    }
}

/// Expected result line for `items` items (`with_errors`: apply_async's refusals).
pub fn expected(items: u64, with_errors: bool) -> String {
    let all = cpu::closed_form(items * K).unwrap_or(0);
    if !with_errors {
        return render(all, 0);
    }
    let refused: u128 = (0..items).filter(|x| x % REFUSE == REFUSE - 1).map(f).sum();
    render(all - refused, items / REFUSE)
}

/// What a run of `pools` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "chunking-pays",
        text: "Sending items in chunks beats one item per task at least 1.3×: the pool's \
            per-task cost is paid once per chunk",
        side: Some(Side::Native),
        test: Test::Custom {
            about: &[
                S::Map,
                S::MapChunked,
                S::ProcessesMap,
                S::ProcessesMapChunked,
            ],
            check: chunking_native,
        },
    },
    Claim {
        id: "chunking-pays",
        text: "Sending items in chunks beats one item per message at least 1.3×: each message \
            costs a copy and a wake-up",
        side: Some(Side::Web),
        test: Test::Faster {
            what: &[S::WorkersMapChunked],
            than: S::WorkersMap,
            by: 1.3,
        },
    },
    Claim {
        id: "exact",
        text: "Every pool API returns the same total, with every item's result",
        side: None,
        test: Test::Exact(&[
            S::Map,
            S::MapChunked,
            S::Starmap,
            S::ApplyAsync,
            S::ProcessesMap,
            S::ProcessesMapChunked,
            S::WorkersMap,
            S::WorkersMapChunked,
        ]),
    },
];

fn chunking_native(ev: &Evidence) -> Option<ClaimOutcome> {
    let pairs = [
        (S::MapChunked, S::Map),
        (S::ProcessesMapChunked, S::ProcessesMap),
    ];
    let mut parts = Vec::new();
    let mut held = true;
    for (chunked, single) in pairs {
        let (Some(c), Some(m)) = (ev.get(chunked), ev.get(single)) else {
            continue;
        };
        let s = speedup(c, m);
        let tasks = |r: &RunRecord| r.fact(Fact::Tasks).unwrap_or(0.0);
        parts.push(format!(
            "{chunked} {} ({:.0} tasks) vs {single} {} ({:.0} tasks): {s:.2}×",
            fmt_ms(c.wall_ms),
            tasks(c),
            fmt_ms(m.wall_ms),
            tasks(m)
        ));
        held &= s >= 1.3;
    }
    (!parts.is_empty()).then(|| ClaimOutcome::when(held, parts.join("; ")))
}

fn answer(ev: &Evidence) -> Option<Answer> {
    let (c, m) = [
        (S::MapChunked, S::Map),
        (S::WorkersMapChunked, S::WorkersMap),
        (S::ProcessesMapChunked, S::ProcessesMap),
    ]
    .iter()
    .find_map(|(c, m)| Some((ev.get(*c)?, ev.get(*m)?)))?;
    let s = speedup(c, m);
    Some(Answer {
        choice: yes_no(s >= 1.1),
        because: format!(
            "{} took {}, {} took {} ({s:.2}×)",
            c.strategy,
            fmt_ms(c.wall_ms),
            m.strategy,
            fmt_ms(m.wall_ms)
        ),
        why: if s >= 1.1 {
            "Handing items over one at a time costs a message or a queue operation per item; \
             chunks pay that once per chunk, so the workers spend their time computing."
                .into()
        } else {
            "Here each item's work outweighed handing it over, so chunking had little left to \
             save."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Will handing the pool items in chunks beat handing them over one at a time?",
    choices: YES_NO,
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_totals_match_direct_sums() {
        let items = 25;
        let direct: u128 = (0..items).map(f).sum();
        assert_eq!(expected(items, false), render(direct, 0));
        let ok: u128 = (0..items).filter_map(|x| job(x).ok()).sum();
        assert_eq!(expected(items, true), render(ok, 2));
        assert_eq!(f2(3 * K, 4 * K), f(3));
        assert_eq!(chunk_size(400, 2), 50);
        assert_eq!(chunk_size(3, 8), 1);
    }
}
