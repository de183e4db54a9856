//! Claims: what a lesson says a learner should see, as predicates over one run's records, so
//! every run checks its own lesson. A claim that did not hold says why, from the same run's
//! numbers ("its workers computed 1.6× slower than sequential alone: fewer free cores than
//! workers"), never by loosening the claim.
//!
//! Each lesson lists its claims in its own module (`lessons::race::CLAIMS`); [`evaluate`] checks
//! them after a run and attaches the results to the records they are about, which is what the CLI
//! table, the JSON (`claims: [{"id","text","held","why"}]`), the verdict and the page show.

mod why;

#[cfg(test)]
mod tests;

pub use why::{busy_ms, explain_slow, overlap_ms, setup_ms};

use crate::catalogue::{LessonId, StrategyId};
use crate::format::fmt_ms;
pub use crate::record::ClaimResult;
use crate::record::{RunRecord, Side, Unchecked};

/// One thing a learner should see in a run of a lesson.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// Stable identifier (`unsync-loses`), for tests and the page's `data-id`.
    pub id: &'static str,
    /// The claim in a learner's words.
    pub text: &'static str,
    /// The side it is about; `None` for both. Sides differ for real reasons (the browser opens
    /// six connections per host), and then each side gets the claim that is true of it.
    pub side: Option<Side>,
    /// How it is checked.
    pub test: Test,
}

/// How a claim is checked against a run.
#[derive(Debug, Clone, Copy)]
pub enum Test {
    /// Each of `what` that ran finishes at least `by` times sooner than `than`.
    Faster {
        /// The strategies that should be faster.
        what: &'static [StrategyId],
        /// The baseline.
        than: StrategyId,
        /// The least speedup that makes the point.
        by: f64,
    },
    /// `what` is no faster than `than`: its speedup over it stays at or below `slack`.
    NotFaster {
        /// The strategy that should not be faster.
        what: StrategyId,
        /// The baseline.
        than: StrategyId,
        /// Speedup still counted as "not faster" (timing noise).
        slack: f64,
    },
    /// `what` shows the bug it exists to show.
    ShowsBug(StrategyId),
    /// Each of these that ran produced the exact answer.
    Exact(&'static [StrategyId]),
    /// A lesson-specific check over the strategies in `about`.
    Custom {
        /// The strategies it is about (the records it is attached to).
        about: &'static [StrategyId],
        /// The check; `None` when the run lacks what it needs.
        check: fn(&Evidence) -> Option<ClaimOutcome>,
    },
}

/// Whether a claim held in a run, and the run's numbers that say so.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimOutcome {
    /// It held.
    pub held: bool,
    /// The evidence: for a claim that held, the numbers; for one that did not, why not.
    pub why: String,
}

impl ClaimOutcome {
    /// A claim that held, with its numbers.
    pub fn held(why: impl Into<String>) -> Self {
        Self {
            held: true,
            why: why.into(),
        }
    }

    /// A claim that did not hold, and why.
    pub fn not_held(why: impl Into<String>) -> Self {
        Self {
            held: false,
            why: why.into(),
        }
    }

    /// Held when `held`, with the same evidence either way.
    pub fn when(held: bool, why: impl Into<String>) -> Self {
        Self {
            held,
            why: why.into(),
        }
    }
}

/// The records of one lesson on one side: what a claim is checked against.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// The side.
    pub side: Side,
    /// Its records, in run order.
    pub records: Vec<&'a RunRecord>,
}

impl<'a> Evidence<'a> {
    /// The record of `strategy`, if it ran.
    pub fn get(&self, strategy: StrategyId) -> Option<&'a RunRecord> {
        self.records
            .iter()
            .copied()
            .find(|r| r.strategy == strategy)
    }

    /// A parameter of the run (`size`, `latency_ms`, ...), from any record.
    pub fn param(&self, key: &str) -> Option<u64> {
        self.records.first()?.params.get(key)?.as_u64()
    }
}

impl Claim {
    /// The strategies this claim is about: its results are attached to their records.
    pub fn about(&self) -> Vec<StrategyId> {
        match self.test {
            Test::Faster { what, than, .. } => what.iter().copied().chain([than]).collect(),
            Test::NotFaster { what, than, .. } => vec![what, than],
            Test::ShowsBug(s) => vec![s],
            Test::Exact(what) => what.to_vec(),
            Test::Custom { about, .. } => about.to_vec(),
        }
    }

    /// Check this claim against one side's records; `None` when it does not apply to the side
    /// or the run lacks the strategies it compares.
    pub fn check(&self, ev: &Evidence) -> Option<ClaimOutcome> {
        if self.side.is_some_and(|s| s != ev.side) {
            return None;
        }
        match self.test {
            Test::Faster { what, than, by } => faster(ev, what, than, by),
            Test::NotFaster { what, than, slack } => not_faster(ev, what, than, slack),
            Test::ShowsBug(s) => ev.get(s).map(shows_bug),
            Test::Exact(what) => exact(ev, what),
            Test::Custom { check, .. } => check(ev),
        }
    }

    /// The strategies this claim compares that did not run on `ev`'s side; empty when it could
    /// be checked. (`Exact` is about each strategy that ran, so it never misses one.)
    pub fn missing(&self, ev: &Evidence<'_>) -> Vec<StrategyId> {
        if matches!(self.test, Test::Exact(_)) {
            return Vec::new();
        }
        self.about()
            .into_iter()
            .filter(|s| ev.get(*s).is_none())
            .collect()
    }

    fn result(&self, o: &ClaimOutcome) -> ClaimResult {
        ClaimResult {
            id: self.id.into(),
            text: self.text.into(),
            held: o.held,
            why: o.why.clone(),
        }
    }
}

/// `than`'s wall time over `r`'s: how many times sooner `r` finished.
pub fn speedup(r: &RunRecord, than: &RunRecord) -> f64 {
    than.wall_ms / r.wall_ms.max(1e-9)
}

fn faster(ev: &Evidence, what: &[StrategyId], than: StrategyId, by: f64) -> Option<ClaimOutcome> {
    let base = ev.get(than)?;
    let ran: Vec<&RunRecord> = what.iter().filter_map(|s| ev.get(*s)).collect();
    if ran.is_empty() {
        return None;
    }
    let slow: Vec<&&RunRecord> = ran.iter().filter(|r| speedup(r, base) < by).collect();
    let figures = |rs: &[&RunRecord]| {
        rs.iter()
            .map(|r| format!("{} {:.2}×", r.strategy, speedup(r, base)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // "Each of these finishes sooner" is not shown true by the ones that ran when another did
    // not run: then it is not checked (one that ran and was slow shows it false either way).
    if slow.is_empty() && ran.len() < what.len() {
        return None;
    }
    if slow.is_empty() {
        return Some(ClaimOutcome::held(format!(
            "{} {than} ({}); at least {by:.1}× was claimed",
            figures(&ran),
            fmt_ms(base.wall_ms)
        )));
    }
    let reasons: Vec<String> = slow
        .iter()
        .map(|r| {
            format!(
                "{} took {} against {than}'s {} ({:.2}×): {}",
                r.strategy,
                fmt_ms(r.wall_ms),
                fmt_ms(base.wall_ms),
                speedup(r, base),
                explain_slow(r, base)
            )
        })
        .collect();
    Some(ClaimOutcome::not_held(reasons.join("; ")))
}

fn not_faster(
    ev: &Evidence,
    what: StrategyId,
    than: StrategyId,
    slack: f64,
) -> Option<ClaimOutcome> {
    let (r, base) = (ev.get(what)?, ev.get(than)?);
    let s = speedup(r, base);
    let figures = format!(
        "{what} took {} against {than}'s {} ({s:.2}×)",
        fmt_ms(r.wall_ms),
        fmt_ms(base.wall_ms)
    );
    if s <= slack {
        return Some(ClaimOutcome::held(figures));
    }
    Some(ClaimOutcome::not_held(format!(
        "{figures}: {}",
        why::explain_fast(r, base)
    )))
}

fn shows_bug(r: &RunRecord) -> ClaimOutcome {
    if r.shows_bug {
        ClaimOutcome::held(format!("{}: {}", r.strategy, r.result))
    } else {
        ClaimOutcome::not_held(format!(
            "{} ended with {} this run: {}",
            r.strategy,
            r.result,
            why::explain_no_bug(r)
        ))
    }
}

fn exact(ev: &Evidence, what: &[StrategyId]) -> Option<ClaimOutcome> {
    let ran: Vec<&RunRecord> = what.iter().filter_map(|s| ev.get(*s)).collect();
    if ran.is_empty() {
        return None;
    }
    let wrong: Vec<String> = ran
        .iter()
        .filter(|r| !r.correct)
        .map(|r| {
            format!(
                "{} produced {} instead of {}",
                r.strategy, r.result, r.expected
            )
        })
        .collect();
    if wrong.is_empty() {
        let names: Vec<&str> = ran.iter().map(|r| r.strategy.name()).collect();
        Some(ClaimOutcome::held(format!(
            "{}: {}",
            names.join(", "),
            ran[0].result
        )))
    } else {
        Some(ClaimOutcome::not_held(wrong.join("; ")))
    }
}

/// Check every lesson's claims against `records` (any mix of lessons and sides) and attach each
/// result to the records of the strategies it is about. Run once after a run (after speedups).
pub fn evaluate(records: &mut [RunRecord]) {
    let mut groups: Vec<(LessonId, Side)> = records.iter().map(|r| (r.lesson, r.side)).collect();
    groups.dedup();
    groups.sort_by_key(|(l, s)| (l.name(), s.as_str()));
    groups.dedup();
    let mut attach: Vec<(usize, ClaimResult)> = Vec::new();
    let mut skipped: Vec<(usize, Unchecked)> = Vec::new();
    for (lesson, side) in groups {
        let ev = Evidence {
            side,
            records: records
                .iter()
                .filter(|r| r.lesson == lesson && r.side == side)
                .collect(),
        };
        for claim in lesson.info().claims {
            if claim.side.is_some_and(|s| s != side) {
                continue;
            }
            let about = claim.about();
            let on = |r: &RunRecord| r.lesson == lesson && r.side == side;
            let Some(outcome) = claim.check(&ev) else {
                // Not checkable: say so where some strategy it is about did run (a claim about
                // strategies none of which ran is simply not this run's business).
                let missing = claim.missing(&ev);
                if missing.is_empty() || missing.len() == about.len() {
                    continue;
                }
                let names: Vec<&str> = missing.iter().map(|s| s.name()).collect();
                let why = format!(
                    "{} did not run on this side in this run",
                    names.join(" and ")
                );
                for (i, r) in records.iter().enumerate() {
                    if on(r) && about.contains(&r.strategy) {
                        skipped.push((
                            i,
                            Unchecked {
                                id: claim.id.into(),
                                text: claim.text.into(),
                                why: why.clone(),
                            },
                        ));
                    }
                }
                continue;
            };
            let result = claim.result(&outcome);
            for (i, r) in records.iter().enumerate() {
                if on(r) && about.contains(&r.strategy) {
                    attach.push((i, result.clone()));
                }
            }
        }
    }
    for r in records.iter_mut() {
        r.claims.clear();
        r.unchecked.clear();
    }
    for (i, result) in attach {
        records[i].claims.push(result);
    }
    for (i, u) in skipped {
        records[i].unchecked.push(u);
    }
}

/// For runs at sizes chosen to be quick rather than to make the lesson's point (`compare
/// --quick`): a claim about speed or about a bug showing that did not hold says nothing at that
/// size, so it becomes "not checked" with `why`, instead of "NOT HELD". Claims about exact
/// results stay: a wrong answer is wrong at any size.
pub fn unchecked_at_small_size(records: &mut [RunRecord], why: &str) {
    for r in records.iter_mut() {
        let lesson = r.lesson.info();
        let sized = |id: &str| {
            lesson.claims.iter().any(|c| {
                c.id == id
                    && matches!(
                        c.test,
                        Test::Faster { .. } | Test::NotFaster { .. } | Test::ShowsBug(_)
                    )
            })
        };
        let (keep, set_aside): (Vec<ClaimResult>, Vec<ClaimResult>) =
            r.claims.drain(..).partition(|c| c.held || !sized(&c.id));
        r.claims = keep;
        r.unchecked.extend(set_aside.into_iter().map(|c| Unchecked {
            id: c.id,
            text: c.text,
            why: why.to_string(),
        }));
    }
}

/// Every claim a run could not check, once per side, in catalogue order.
pub fn unchecked(records: &[RunRecord]) -> Vec<(Side, &Unchecked)> {
    once_per_side(records, |r| &r.unchecked, |c| &c.id)
}

/// Every claim checked in `records`, once per side (a claim about two strategies is attached to
/// both records), in catalogue order: what a view lists under its table.
pub fn listed(records: &[RunRecord]) -> Vec<(Side, &ClaimResult)> {
    once_per_side(records, |r| &r.claims, |c| &c.id)
}

/// The items `items` picks from each record, once per side and id, native side first.
fn once_per_side<'a, T>(
    records: &'a [RunRecord],
    items: impl Fn(&'a RunRecord) -> &'a [T],
    id: impl Fn(&T) -> &str,
) -> Vec<(Side, &'a T)> {
    let mut out: Vec<(Side, &T)> = Vec::new();
    for side in [Side::Native, Side::Web] {
        for r in records.iter().filter(|r| r.side == side) {
            for c in items(r) {
                if !out.iter().any(|(s, seen)| *s == side && id(seen) == id(c)) {
                    out.push((side, c));
                }
            }
        }
    }
    out
}
