//! Reasons from a run's own numbers: when a claim did not hold, these say what in the run made
//! it so (busy cores, slow start-up, workers that barely overlapped), read off the spans.

use crate::facts::Fact;
use crate::format::fmt_ms;
use crate::machine::slowdown;
use crate::record::{RunRecord, SETUP_TASK, SpanKind};

/// Milliseconds spent computing, summed over workers (start-up excluded).
pub fn busy_ms(r: &RunRecord) -> f64 {
    r.spans
        .iter()
        .filter(|s| s.kind == SpanKind::Compute && s.task != SETUP_TASK)
        .map(|s| s.end_ms - s.start_ms)
        .sum()
}

/// When the last worker's start-up ended: time before every worker could compute.
pub fn setup_ms(r: &RunRecord) -> f64 {
    r.spans
        .iter()
        .filter(|s| s.task == SETUP_TASK || s.kind == SpanKind::Spawn)
        .map(|s| s.end_ms)
        .fold(0.0, f64::max)
}

/// Each worker's first start and last end, for workers that ran tasks.
fn worker_extents(r: &RunRecord) -> Vec<(f64, f64)> {
    let mut out: Vec<(u32, f64, f64)> = Vec::new();
    for s in r.spans.iter().filter(|s| s.task != SETUP_TASK) {
        match out.iter_mut().find(|(w, _, _)| *w == s.worker) {
            Some(e) => {
                e.1 = e.1.min(s.start_ms);
                e.2 = e.2.max(s.end_ms);
            }
            None => out.push((s.worker, s.start_ms, s.end_ms)),
        }
    }
    out.into_iter().map(|(_, a, b)| (a, b)).collect()
}

/// How long every worker was running at once: from the last worker's first task to the first
/// worker's last. Zero when fewer than two workers ran.
pub fn overlap_ms(r: &RunRecord) -> f64 {
    let e = worker_extents(r);
    if e.len() < 2 {
        return 0.0;
    }
    let start = e.iter().map(|x| x.0).fold(f64::MIN, f64::max);
    let end = e.iter().map(|x| x.1).fold(f64::MAX, f64::min);
    (end - start).max(0.0)
}

/// The first compute span's length over the median's, for a record with several tasks.
fn first_task_penalty(r: &RunRecord) -> Option<f64> {
    let mut tasks: Vec<(f64, f64)> = r
        .spans
        .iter()
        .filter(|s| s.kind == SpanKind::Compute && s.task != SETUP_TASK)
        .map(|s| (s.start_ms, s.end_ms - s.start_ms))
        .collect();
    if tasks.len() < 3 {
        return None;
    }
    tasks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let first = tasks[0].1;
    let mut lengths: Vec<f64> = tasks.iter().map(|t| t.1).collect();
    lengths.sort_by(f64::total_cmp);
    let median = lengths[lengths.len() / 2];
    (median > 0.0).then(|| first / median)
}

/// Why `r`, a strategy meant to be faster, was not much faster than `base`, from the spans.
pub fn explain_slow(r: &RunRecord, base: &RunRecord) -> String {
    let mut reasons = Vec::new();
    if r.workers_used < 2 {
        reasons.push(format!(
            "it ran on {} worker{}, so nothing ran at the same time",
            r.workers_used,
            if r.workers_used == 1 { "" } else { "s" }
        ));
    }
    let (busy, base_busy) = (busy_ms(r), busy_ms(base));
    if r.workers_used >= 2 && base_busy > 0.0 && busy / base_busy >= 1.25 {
        reasons.push(why_crowded(r, base, busy / base_busy));
    }
    let setup = setup_ms(r);
    if setup >= 0.15 * r.wall_ms {
        reasons.push(format!(
            "starting its workers took {} of its {}",
            fmt_ms(setup),
            fmt_ms(r.wall_ms)
        ));
    }
    let e = worker_extents(r);
    if e.len() >= 2 {
        let first = e.iter().map(|x| x.0).fold(f64::MAX, f64::min);
        let last = e.iter().map(|x| x.0).fold(f64::MIN, f64::max);
        if last - first >= 0.15 * r.wall_ms {
            reasons.push(format!(
                "its last worker began {} after its first",
                fmt_ms(last - first)
            ));
        }
    }
    if let Some(p) = first_task_penalty(base).filter(|p| *p >= 1.5) {
        reasons.push(format!(
            "{}'s first task took {p:.1}× its typical one (one-time warm-up made the baseline slow)",
            base.strategy
        ));
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "with {} worker{} its work took {} of computing against {}'s {}: the split did not \
             shorten it enough at this size",
            r.workers_used,
            if r.workers_used == 1 { "" } else { "s" },
            fmt_ms(busy),
            base.strategy,
            fmt_ms(base_busy)
        ));
    }
    reasons.join("; ")
}

/// Cores other programs or the hypervisor must keep busy on average before they are named as
/// the cause: below it, their share cannot explain a 1.25× stretch of two workers' computing.
pub const OTHERS_NAMED_ABOVE: f64 = 0.25;

/// Cores that run this much slower (by the calibration loop) than during the baseline are named
/// as the cause: the VM's own speed drift, seen here at up to ±40% between runs.
pub const SLOWER_CORES_NAMED_ABOVE: f64 = 1.15;

/// Why `r`'s workers computed `ratio` times as long as `base` did alone, from what the machine
/// was measured doing around the two runs ([`crate::machine`]): others' load first, then the
/// core's own speed, and only when both are ruled out, the workers themselves.
fn why_crowded(r: &RunRecord, base: &RunRecord, ratio: f64) -> String {
    let head = format!(
        "its workers spent {ratio:.1}× as long computing as {} did alone",
        base.strategy
    );
    let Some(m) = r.machine.as_ref() else {
        // A record from before samples were taken (an imported file): the old, general reason.
        return format!(
            "{head}: fewer free cores than workers (another program was busy, or the machine \
             has fewer cores)"
        );
    };
    let (others, steal) = (m.other_cores.unwrap_or(0.0), m.steal_cores.unwrap_or(0.0));
    if others + steal >= OTHERS_NAMED_ABOVE {
        let who = if steal > others {
            "the hypervisor took"
        } else {
            "other programs kept"
        };
        return format!(
            "{head}: {who} {:.1} cores busy during it, on average (measured)",
            others + steal
        );
    }
    if let Some(s) = slowdown(r.machine.as_ref(), base.machine.as_ref())
        .filter(|s| *s >= SLOWER_CORES_NAMED_ABOVE)
    {
        return format!(
            "{head}: this machine's cores ran {s:.2}× slower during it than during {} (a fixed \
             loop, timed before and after each run)",
            base.strategy
        );
    }
    match m.other_cores {
        Some(others) => format!(
            "{head}, although other programs kept only {others:.2} cores busy and the core ran at \
             {}'s speed: its {} workers slowed each other down (shared caches and memory, or \
             virtual cores on one physical core)",
            base.strategy, r.workers_used
        ),
        None => format!(
            "{head}, with the core at {}'s speed (a fixed loop, timed before and after each run); \
             a browser cannot see other programs' load, so either another program was busy or \
             its {} workers slowed each other down",
            base.strategy, r.workers_used
        ),
    }
}

/// Why `r`, a strategy meant not to be faster than `base`, was faster.
pub fn explain_fast(r: &RunRecord, base: &RunRecord) -> String {
    if let Some(p) = first_task_penalty(base).filter(|p| *p >= 1.5) {
        return format!(
            "{}'s first task took {p:.1}× its typical one: it paid a one-time warm-up the later \
             run did not",
            base.strategy
        );
    }
    let (busy, base_busy) = (busy_ms(r), busy_ms(base));
    if busy > 0.0 && base_busy / busy >= 1.2 {
        return format!(
            "{}'s tasks computed {:.1}× slower than {}'s: the machine was busier while it ran",
            base.strategy,
            base_busy / busy,
            r.strategy
        );
    }
    format!(
        "{} used {} of {} workers; the difference is within this run's noise",
        r.strategy, r.workers_used, r.workers
    )
}

/// Why a strategy that exists to show a bug did not show it this time.
pub fn explain_no_bug(r: &RunRecord) -> String {
    if let (Some(done), Some(wanted)) = (r.fact(Fact::StepsDone), r.fact(Fact::StepsWanted)) {
        return format!(
            "the background thread finished {done} of {wanted} steps before the program ended"
        );
    }
    if r.workers_used < 2 {
        return format!(
            "only {} worker ran, so nothing could interleave",
            r.workers_used
        );
    }
    let overlap = overlap_ms(r);
    if overlap < r.wall_ms / 2.0 {
        return format!(
            "its {} workers ran at the same time for only {} of {}: too little overlap for \
             their steps to interleave badly",
            r.workers_used,
            fmt_ms(overlap),
            fmt_ms(r.wall_ms)
        );
    }
    // The workers' spans overlapped in time, yet no write overwrote another: on a busy
    // machine the threads took turns on one core, switching so rarely that no switch fell
    // between a read and its write. The spans cannot show which core ran what, so say what
    // the numbers do show and the likely cause.
    format!(
        "its {} workers' spans overlapped for {} of {}, yet no write overwrote another: they \
         most likely took turns on one core (the machine had other work) instead of running \
         at once",
        r.workers_used,
        fmt_ms(overlap),
        fmt_ms(r.wall_ms)
    )
}
