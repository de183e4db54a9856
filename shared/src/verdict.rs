//! The verdict: a short paragraph written from one run's numbers, shared by the CLI and the page
//! so both say the same thing about the same records.

use crate::catalogue::StrategyId;
use crate::{RunRecord, Side, SpanKind};
use std::fmt::Write;

pub use crate::format::fmt_ms;

/// Write the verdict for `records` (any mix of lessons' strategies and sides, normally one
/// lesson): bugs shown and wrong results first, then — only where speed is the lesson's point —
/// per side which strategy won and by how much (or that the run cannot tell them apart), then
/// the lesson's claims as this run checked them, and why.
pub fn verdict(records: &[RunRecord]) -> String {
    verdict_at(records, Detail::Full)
}

/// How much a verdict says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything: each claim that did not hold with its reason, the browser's queueing, why.
    Full,
    /// For a small frame (the embed): the bug or wrong results, the speed, and how many claims
    /// held. The claims list beside it gives the reasons.
    Short,
}

/// The most characters of verdict shown above the fold; the whole verdict is folded below it.
pub const HEADLINE_MAX: usize = 300;

/// The verdict a learner reads first: the short verdict's sentences, in order, as many as fit
/// in [`HEADLINE_MAX`] characters (always the first). Nothing is lost: the page folds the whole
/// [`verdict`] right below.
pub fn headline(records: &[RunRecord]) -> String {
    let short = verdict_at(records, Detail::Short);
    let mut out = String::new();
    for sentence in sentences(&short) {
        let next = if out.is_empty() {
            sentence.to_string()
        } else {
            format!("{out} {sentence}")
        };
        if !out.is_empty() && next.chars().count() > HEADLINE_MAX {
            break;
        }
        out = next;
    }
    out
}

/// `text` cut after each ". " (a decimal point such as "1.9×" is not an end).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(". ") {
        out.push(text[start..=i].trim());
        start = i + 2;
    }
    if start < text.len() {
        out.push(text[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The verdict at a level of detail.
pub fn verdict_at(records: &[RunRecord], detail: Detail) -> String {
    let mut out = String::new();
    let Some(first) = records.first() else {
        return "Nothing ran.".into();
    };
    let info = first.lesson.info();
    for r in records {
        let side = r.side.as_str();
        if r.lesson.info().demonstrates_bug(r.strategy) {
            if r.shows_bug {
                let _ = write!(out, "{} ({side}) shows the bug: {}. ", r.strategy, r.result);
            } else {
                let _ = write!(
                    out,
                    "{} ({side}) did not show the bug this run: {}. ",
                    r.strategy, r.result
                );
            }
        } else if !r.correct {
            let _ = write!(
                out,
                "{} ({side}) produced a WRONG result: {} instead of {}. ",
                r.strategy, r.result, r.expected
            );
        }
    }
    let mut speeds = String::new();
    if info.speed_matters {
        for side in [Side::Native, Side::Web] {
            let rows: Vec<&RunRecord> = records.iter().filter(|r| r.side == side).collect();
            speed(&mut speeds, side, &rows);
        }
    }
    let claims = crate::claims::listed(records);
    let two_sides = claims.iter().any(|(s, _)| *s == Side::Web)
        && claims.iter().any(|(s, _)| *s == Side::Native);
    let held = claims.iter().filter(|(_, c)| c.held).count();
    // Short: what went wrong, how many claims held, then the speeds (the headline keeps what
    // fits, in that order). Full: the speeds, then each claim that did not hold and why.
    if detail == Detail::Short {
        if !claims.is_empty() {
            let _ = write!(out, "Claims: {held} of {} held. ", claims.len());
        }
        out.push_str(&speeds);
        return out.trim_end().to_string();
    }
    out.push_str(&speeds);
    if !claims.is_empty() {
        let _ = write!(out, "Claims: {held} of {} held", claims.len());
        for (side, c) in claims.iter().filter(|(_, c)| !c.held) {
            let side = if two_sides {
                format!(" ({})", side.as_str())
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "; not held{side}: {} — {}",
                lower_first(&c.text),
                c.why
            );
        }
        out.push_str(". ");
    }
    let queued: Vec<(StrategyId, u64, u64)> = records
        .iter()
        .filter(|r| r.side == Side::Web)
        .filter_map(|r| queued_waves(r).map(|(w, l)| (r.strategy, w, l)))
        .collect();
    if let Some((_, _, latency)) = queued.first() {
        let which: Vec<String> = queued
            .iter()
            .map(|(s, waves, _)| format!("{s} ({waves}×)"))
            .collect();
        let _ = write!(
            out,
            "In the browser, the longest requests of {} took several times the {latency} ms the \
             server waits: the browser queued them, because it opens at most 6 HTTP/1.1 \
             connections to one host. ",
            which.join(" and ")
        );
    }
    for sentence in crate::lessons::race::lock_won(records) {
        let _ = write!(out, "{sentence} ");
    }
    let _ = write!(out, "Why: {}.", info.insight);
    out.trim_end().to_string()
}

fn lower_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Whether `a` and `b` cannot be told apart by this run: their repeat ranges overlap, or,
/// measured once, they are within 5% of each other.
pub fn indistinguishable(a: &RunRecord, b: &RunRecord) -> bool {
    match (&a.repeats, &b.repeats) {
        (Some(x), Some(y)) => x.min_ms <= y.max_ms && y.min_ms <= x.max_ms,
        _ => {
            let (lo, hi) = if a.wall_ms <= b.wall_ms {
                (a.wall_ms, b.wall_ms)
            } else {
                (b.wall_ms, a.wall_ms)
            };
            hi <= lo * 1.05
        }
    }
}

/// One side's speed sentence: the winner with its speedup, or the strategies the run cannot
/// tell apart from it, and the slowest.
fn speed(out: &mut String, side: Side, rows: &[&RunRecord]) {
    let mut ok: Vec<&RunRecord> = rows.iter().copied().filter(|r| r.correct).collect();
    ok.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
    let Some(best) = ok.first().copied() else {
        return;
    };
    let where_ = match side {
        Side::Native => "Natively",
        Side::Web => "In the browser",
    };
    if rows.len() == 1 {
        let _ = write!(
            out,
            "{where_}, {} took {}. ",
            best.strategy,
            fmt_ms(best.wall_ms)
        );
        return;
    }
    let ties: Vec<&str> = ok[1..]
        .iter()
        .filter(|r| indistinguishable(best, r))
        .map(|r| r.strategy.name())
        .collect();
    if ties.is_empty() {
        let _ = write!(
            out,
            "{where_}, {} was fastest at {}",
            best.strategy,
            fmt_ms(best.wall_ms)
        );
    } else {
        let spread = if best.repeats.is_some() {
            "their ranges over the repeats overlap"
        } else {
            "within 5% in one run; repeat the run to see the spread"
        };
        let _ = write!(
            out,
            "{where_}, {} ({}) and {} cannot be told apart ({spread})",
            best.strategy,
            fmt_ms(best.wall_ms),
            ties.join(", ")
        );
    }
    match (best.strategy, best.speedup) {
        (StrategyId::Sequential, _) => {
            out.push_str(
                ": no parallel strategy beat one thread here, so starting and coordinating \
                 workers cost more than they saved at this size",
            );
        }
        (_, Some(speedup)) if ties.is_empty() => {
            let efficiency = best.efficiency.unwrap_or(0.0);
            let _ = write!(
                out,
                ", {speedup:.2}× sequential with {} of {} workers busy (efficiency {:.0}%)",
                best.workers_used,
                best.workers,
                efficiency * 100.0
            );
            if efficiency > 1.05 {
                out.push_str(
                    " — above 100% because the sequential run paid one-time warm-up (compiling \
                     and caching) that the later runs did not",
                );
            }
        }
        _ => {}
    }
    let slowest = ok.last().copied().unwrap_or(best);
    if slowest.strategy != best.strategy && !ties.contains(&slowest.strategy.name()) {
        // A winner timed at 0 ms finished within one tick of the clock (a browser that is not
        // cross-origin isolated ticks every 0.1 ms): there is no ratio to give.
        if best.wall_ms > 0.0 {
            let _ = write!(
                out,
                "; {} was slowest at {} ({:.2}× the winner's time)",
                slowest.strategy,
                fmt_ms(slowest.wall_ms),
                slowest.wall_ms / best.wall_ms
            );
        } else {
            let _ = write!(
                out,
                "; {} was slowest at {} (the winner finished within one tick of the clock)",
                slowest.strategy,
                fmt_ms(slowest.wall_ms),
            );
        }
    }
    out.push_str(". ");
}

/// For a record of a lesson that waits a fixed latency per request: how many latencies its
/// longest wait took, when that is 2 or more (so requests queued somewhere before the server
/// saw them). `None` when the lesson has no latency or nothing queued.
pub fn queued_waves(r: &RunRecord) -> Option<(u64, u64)> {
    let latency = r.params.get("latency_ms")?.as_u64().filter(|l| *l >= 20)?;
    let longest = r
        .spans
        .iter()
        .filter(|s| s.kind == SpanKind::Wait)
        .map(|s| s.end_ms - s.start_ms)
        .fold(0.0, f64::max);
    let waves = (longest / latency as f64).round() as u64;
    (waves >= 2).then_some((waves, latency))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_headline_is_whole_sentences_under_300_characters() {
        let mut rs = vec![
            rec("sequential", Side::Web, 200.0, true),
            rec("pool", Side::Web, 198.0, true),
            rec("sequential", Side::Native, 200.0, true),
            rec("threads", Side::Native, 110.0, true),
        ];
        rs[1].workers_used = 1;
        annotate_speedups(&mut rs);
        crate::claims::evaluate(&mut rs);
        let h = headline(&rs);
        assert!(h.chars().count() <= HEADLINE_MAX, "{} chars: {h}", h.len());
        assert!(h.starts_with("Claims: ") && h.ends_with('.'), "{h}");
        assert!(verdict(&rs).len() > h.len());
        assert_eq!(
            sentences("pool took 1.9× less. Claims: 1 of 2 held."),
            ["pool took 1.9× less.", "Claims: 1 of 2 held."]
        );
    }

    use super::*;
    use crate::catalogue::LessonId;
    use crate::record::{annotate_speedups, fixture};

    fn rec(strategy: &str, side: Side, wall_ms: f64, correct: bool) -> RunRecord {
        let mut r = fixture(LessonId::Cpu, strategy, side, wall_ms, 2, correct);
        r.workers_used = 2;
        r
    }

    #[test]
    fn names_the_winner_with_its_speedup() {
        let mut rs = vec![
            rec("sequential", Side::Native, 200.0, true),
            rec("rayon", Side::Native, 100.0, true),
        ];
        annotate_speedups(&mut rs);
        let v = verdict(&rs);
        assert!(
            v.starts_with("Natively, rayon was fastest at 100 ms, 2.00× sequential"),
            "{v}"
        );
        assert!(v.contains("sequential was slowest at 200 ms (2.00×"), "{v}");
        assert!(v.contains("Why: the work is pure computation"), "{v}");
    }

    /// A winner timed at 0 ms (one tick of a coarse clock) gets no "inf×" ratio.
    #[test]
    fn a_winner_within_one_clock_tick_gets_no_ratio() {
        let mut rs = vec![
            rec("sequential", Side::Web, 0.0, true),
            rec("workers", Side::Web, 77.3, true),
        ];
        annotate_speedups(&mut rs);
        let v = verdict(&rs);
        assert!(!v.contains("inf"), "{v}");
        assert!(
            v.contains("workers was slowest at 77.3 ms (the winner finished within one tick"),
            "{v}"
        );
    }

    /// The embed's verdict keeps the speed and the count of claims, and leaves each claim's
    /// reason and the "why" to the claims list beside it.
    #[test]
    fn a_short_verdict_says_the_outcome_and_the_count_of_claims_only() {
        let mut rs = vec![
            rec("sequential", Side::Web, 200.0, true),
            rec("pool", Side::Web, 198.0, true),
        ];
        rs[1].workers_used = 1;
        annotate_speedups(&mut rs);
        crate::claims::evaluate(&mut rs);
        let full = verdict(&rs);
        let short = verdict_at(&rs, Detail::Short);
        assert!(full.contains("not held"), "{full}");
        assert!(short.starts_with("Claims: 1 of 2 held."), "{short}");
        assert!(
            !short.contains("not held") && !short.contains("Why:"),
            "{short}"
        );
        assert!(short.len() < full.len() / 2, "{short}");
    }

    #[test]
    fn superlinear_speedup_is_explained() {
        let mut rs = vec![
            rec("sequential", Side::Web, 300.0, true),
            rec("pool", Side::Web, 100.0, true),
        ];
        annotate_speedups(&mut rs);
        assert!(verdict(&rs).contains("above 100% because the sequential run paid one-time"));
    }

    #[test]
    fn wrong_results_come_first() {
        let rs = vec![
            rec("threads", Side::Native, 50.0, false),
            rec("sequential", Side::Native, 80.0, true),
        ];
        let v = verdict(&rs);
        assert!(
            v.starts_with("threads (native) produced a WRONG result: 4 instead of 5."),
            "{v}"
        );
        assert!(
            v.contains("sequential was fastest at 80.0 ms: no parallel strategy"),
            "{v}"
        );
    }

    #[test]
    fn queued_browser_requests_are_named_with_their_numbers() {
        let mut r = rec("async", Side::Web, 400.0, true);
        r.params.insert("latency_ms".into(), 200.into());
        // 12 requests issued at once; 6 answered after 200 ms, 6 after 400 ms: one queued wave.
        r.spans = (0..12)
            .map(|i| crate::Span {
                worker: i,
                task: i,
                start_ms: 0.0,
                end_ms: f64::from(i / 6 + 1) * 205.0,
                kind: SpanKind::Wait,
            })
            .collect();
        let v = verdict(std::slice::from_ref(&r));
        assert!(
            v.contains("the longest requests of async (2×) took several times the 200 ms"),
            "{v}"
        );
        r.spans.truncate(6);
        assert!(!verdict(&[r]).contains("queued"));
    }

    #[test]
    fn a_demonstrated_bug_is_named_as_the_point_of_the_lesson() {
        let mut r = fixture(
            LessonId::Race,
            "unsynchronized",
            Side::Native,
            5.0,
            2,
            false,
        );
        let v = verdict(std::slice::from_ref(&r));
        assert!(
            v.starts_with("unsynchronized (native) did not show the bug this run: 4."),
            "{v}"
        );
        r.shows_bug = true;
        let v = verdict(&[r]);
        assert!(
            v.starts_with("unsynchronized (native) shows the bug: 4."),
            "{v}"
        );
        assert!(!v.contains("fastest"), "speed is not the race's point: {v}");
    }

    #[test]
    fn sides_get_their_own_sentences() {
        let rs = vec![
            rec("sequential", Side::Web, 0.5, true),
            rec("pool", Side::Native, 3.0, true),
        ];
        let v = verdict(&rs);
        assert!(v.contains("Natively, pool took 3.0 ms."), "{v}");
        assert!(
            v.contains("In the browser, sequential took 0.500 ms."),
            "{v}"
        );
    }
}
