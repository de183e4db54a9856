//! `pools`: the executor API of the notes — `map`, `map` with a chunk size, `starmap`, and
//! `apply_async` with result and error callbacks — on a pool whose workers each run an
//! initializer once. Every item's result is a sum of squares, so the total has a closed form.

use super::{DefaultWorkers, LessonInfo, cpu};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};

/// Numbers per item: item x stands for Σ i² over x·K..(x+1)·K.
pub const K: u64 = 20_000;

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
        default: 400,
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
