//! The state a lesson is about, drawn from its run's facts: how many updates were overwritten,
//! how many steps a daemon thread finished of its plan, how full the queue got, how many
//! connections the server saw, how many rows each commit carried, what one task costs on a log
//! scale. A lesson says which picture it wants ([`Visual`], in its `LessonInfo`); [`bars`] turns
//! a run's records into the bars both the page and any other view can draw, so no view needs
//! to know a lesson by name.

use crate::detail::WaitFor;
use crate::facts::Fact;
use crate::record::RunRecord;

/// The picture a lesson draws beside its table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Visual {
    /// Per strategy, `part` out of `whole` (steps done of steps wanted).
    Share {
        /// The title over the bars.
        title: &'static str,
        /// The counted part.
        part: Fact,
        /// What it is a part of.
        whole: Fact,
        /// What is counted, plural ("steps done").
        noun: &'static str,
    },
    /// Per strategy, a count; the longest bar is the largest count.
    Count {
        /// The title over the bars.
        title: &'static str,
        /// The count.
        fact: Fact,
        /// What is counted, plural ("connections").
        noun: &'static str,
    },
    /// Per strategy, `top / bottom` (rows per commit).
    Ratio {
        /// The title over the bars.
        title: &'static str,
        /// Numerator.
        top: Fact,
        /// Denominator.
        bottom: Fact,
        /// What the ratio is ("rows per commit").
        noun: &'static str,
    },
    /// The wait-for cycle a run reported, as a graph: who holds which lock, who waits for it.
    WaitFor {
        /// The title over the graphs.
        title: &'static str,
    },
    /// Per strategy, how full the queue was over the run, against its capacity.
    Fill {
        /// The title over the charts.
        title: &'static str,
        /// The queue's slots.
        capacity: Fact,
    },
    /// Per strategy, every async task's state over the run, the loop's own lane, and the ready
    /// queue under them.
    Tasks {
        /// The title over the lanes.
        title: &'static str,
    },
    /// Per strategy, who ran at each step, in step order: the coroutine's turns, which take
    /// microseconds in all and so are slivers on any time axis.
    Turns {
        /// The title over the grids.
        title: &'static str,
    },
    /// Per strategy, a value on a log scale (the cost of one task, from µs to ms).
    Log {
        /// The title over the bars.
        title: &'static str,
        /// The value.
        fact: Fact,
        /// Its unit ("µs per task").
        unit: &'static str,
    },
}

/// One bar: a record's value, how long to draw it (0..=1), and the words beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// "web · daemon".
    pub label: String,
    /// The value drawn.
    pub value: f64,
    /// Its length as a fraction of the widest bar (0..=1).
    pub fraction: f64,
    /// "2 of 4 steps done", "12 connections", "100.0 rows per commit", "41.2 µs per task".
    pub text: String,
}

impl Visual {
    /// The title over the bars.
    pub fn title(&self) -> &'static str {
        match self {
            Visual::Share { title, .. }
            | Visual::Count { title, .. }
            | Visual::Ratio { title, .. }
            | Visual::WaitFor { title }
            | Visual::Tasks { title }
            | Visual::Turns { title }
            | Visual::Fill { title, .. }
            | Visual::Log { title, .. } => title,
        }
    }

    /// Whether the bars are on a log scale (said under them).
    pub fn is_log(&self) -> bool {
        matches!(self, Visual::Log { .. })
    }
}

/// A number as a count when it is whole, else with one decimal.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The bars of `visual` for the records that measured its facts, in record order. Records
/// without the facts (an imported run of another version, a strategy that does not measure
/// them) are left out rather than drawn as zero.
pub fn bars(visual: &Visual, records: &[RunRecord]) -> Vec<Bar> {
    let label = |r: &RunRecord| format!("{} · {}", r.side.as_str(), r.strategy);
    let values: Vec<(String, f64, String, f64)> = records
        .iter()
        .filter_map(|r| {
            Some(match *visual {
                Visual::Share {
                    part, whole, noun, ..
                } => {
                    let (p, w) = (r.fact(part)?, r.fact(whole)?);
                    let text = format!("{} of {} {noun}", number(p), number(w));
                    (label(r), p, text, if w > 0.0 { p / w } else { 0.0 })
                }
                Visual::Count { fact, noun, .. } => {
                    let v = r.fact(fact)?;
                    (label(r), v, format!("{} {noun}", number(v)), f64::NAN)
                }
                Visual::Ratio {
                    top, bottom, noun, ..
                } => {
                    let (t, b) = (r.fact(top)?, r.fact(bottom)?);
                    if b <= 0.0 {
                        return None;
                    }
                    let v = t / b;
                    (label(r), v, format!("{} {noun}", number(v)), f64::NAN)
                }
                Visual::Log { fact, unit, .. } => {
                    let v = r.fact(fact)?;
                    (label(r), v, format!("{} {unit}", number(v)), f64::NAN)
                }
                Visual::WaitFor { .. }
                | Visual::Fill { .. }
                | Visual::Tasks { .. }
                | Visual::Turns { .. } => return None,
            })
        })
        .collect();
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max);
    let min_pos = values
        .iter()
        .map(|v| v.1)
        .filter(|v| *v > 0.0)
        .fold(f64::MAX, f64::min);
    values
        .into_iter()
        .map(|(label, value, text, share)| {
            let fraction = match visual {
                Visual::Share { .. } => share,
                Visual::Log { .. } if value > 0.0 && max > min_pos => {
                    // The smallest value still gets a tenth of the width: a bar, not a dot.
                    0.1 + 0.9 * (value / min_pos).log10() / (max / min_pos).log10()
                }
                Visual::Log { .. } => 1.0,
                _ if max > 0.0 => value / max,
                _ => 0.0,
            };
            Bar {
                label,
                value,
                fraction: fraction.clamp(0.0, 1.0),
                text,
            }
        })
        .collect()
}

/// For [`Visual::WaitFor`]: each record's label and the cycle it reported, or `None` where it
/// finished without one (the ordered strategy: nothing to draw but the fact that it finished).
pub fn cycles(records: &[RunRecord]) -> Vec<(String, Option<Vec<WaitFor>>)> {
    records
        .iter()
        .map(|r| {
            (
                format!("{} · {}", r.side.as_str(), r.strategy),
                r.detail.cycle().map(<[WaitFor]>::to_vec),
            )
        })
        .collect()
}

/// Most steps [`turns`] returns per run: the default conversation's 15 whole, and the start of a
/// long one (its transcript note is cut at the same point).
pub const MAX_TURNS: usize = 45;

/// For [`Visual::Turns`]: a run's lanes in step order (the spans sorted by task, which the
/// coroutine numbers by transcript line), at most [`MAX_TURNS`] of them, and how many steps the
/// run had in all.
pub fn turns(r: &RunRecord) -> (Vec<u32>, usize) {
    let mut steps: Vec<(u32, u32)> = r.spans.iter().map(|s| (s.task, s.worker)).collect();
    steps.sort_unstable();
    let total = steps.len();
    (
        steps.into_iter().take(MAX_TURNS).map(|(_, w)| w).collect(),
        total,
    )
}

/// How many times control passed from one lane to the other in `lanes` (step order).
pub fn hand_overs(lanes: &[u32]) -> usize {
    lanes.windows(2).filter(|w| w[0] != w[1]).count()
}

/// An SVG path of a queue's fill over time as steps: `levels` (`[ms, items]`, sorted) drawn in
/// a `width` × `height` box where the top is `capacity` items and the right edge `length_ms`.
/// Empty when there is nothing to draw.
pub fn fill_path(
    levels: &[(f64, u32)],
    capacity: f64,
    length_ms: f64,
    width: f64,
    height: f64,
) -> String {
    if levels.is_empty() || capacity <= 0.0 || length_ms <= 0.0 {
        return String::new();
    }
    let x = |ms: f64| (ms / length_ms).clamp(0.0, 1.0) * width;
    let y = |items: u32| height - (f64::from(items) / capacity).min(1.0) * height;
    let mut d = format!("M 0 {:.1}", height);
    for &(ms, items) in levels {
        d.push_str(&format!(" H {:.1} V {:.1}", x(ms), y(items)));
    }
    d.push_str(&format!(" H {width:.1}"));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::LessonId;
    use crate::record::{Side, fixture};

    fn rec(strategy: &str, facts: &[(Fact, f64)]) -> RunRecord {
        let mut r = fixture(LessonId::Daemon, strategy, Side::Native, 10.0, 1, true);
        for (k, v) in facts {
            r.facts.insert(*k, *v);
        }
        r
    }

    #[test]
    fn turns_are_the_lanes_in_step_order_however_the_spans_are_stored() {
        let mut r = fixture(LessonId::Coroutine, "async", Side::Web, 0.04, 1, true);
        r.spans.clear();
        // Stored out of order, all at one instant (a 5 µs clock): the order comes from `task`.
        for (task, worker) in [(2, 0), (0, 0), (1, 1), (3, 0), (4, 1), (5, 0)] {
            r.spans.push(crate::Span {
                worker,
                task,
                start_ms: 0.0,
                end_ms: 0.0,
                kind: crate::SpanKind::Compute,
            });
        }
        let (lanes, total) = turns(&r);
        assert_eq!(lanes, [0, 1, 0, 0, 1, 0]);
        assert_eq!(total, 6);
        assert_eq!(hand_overs(&lanes), 4);
        for task in 6..100 {
            r.spans.push(crate::Span {
                worker: task % 2,
                task,
                start_ms: 0.0,
                end_ms: 0.0,
                kind: crate::SpanKind::Compute,
            });
        }
        let (lanes, total) = turns(&r);
        assert_eq!((lanes.len(), total), (MAX_TURNS, 100));
    }

    #[test]
    fn a_share_is_drawn_as_a_part_of_its_whole() {
        let v = Visual::Share {
            title: "steps",
            part: Fact::StepsDone,
            whole: Fact::StepsWanted,
            noun: "steps done",
        };
        let got = bars(
            &v,
            &[
                rec(
                    "daemon",
                    &[(Fact::StepsDone, 5.0), (Fact::StepsWanted, 10.0)],
                ),
                rec(
                    "joined",
                    &[(Fact::StepsDone, 10.0), (Fact::StepsWanted, 10.0)],
                ),
            ],
        );
        assert_eq!(got[0].text, "5 of 10 steps done");
        assert_eq!(got[0].fraction, 0.5);
        assert_eq!(got[1].fraction, 1.0);
        assert_eq!(got[0].label, "native · daemon");
    }

    #[test]
    fn counts_and_ratios_are_scaled_to_the_largest() {
        let count = Visual::Count {
            title: "connections",
            fact: Fact::Connections,
            noun: "connections",
        };
        let got = bars(
            &count,
            &[
                rec("per-thread", &[(Fact::Connections, 4.0)]),
                rec("per-request", &[(Fact::Connections, 40.0)]),
                rec("shared", &[]),
            ],
        );
        assert_eq!(got.len(), 2, "a record without the fact is left out");
        assert_eq!(got[0].fraction, 0.1);
        assert_eq!(got[1].text, "40 connections");
        let ratio = Visual::Ratio {
            title: "rows per commit",
            top: Fact::Rows,
            bottom: Fact::Commits,
            noun: "rows per commit",
        };
        let got = bars(
            &ratio,
            &[
                rec("batched", &[(Fact::Rows, 1000.0), (Fact::Commits, 10.0)]),
                rec("per-row", &[(Fact::Rows, 1000.0), (Fact::Commits, 1000.0)]),
                rec("contending", &[(Fact::Rows, 5.0), (Fact::Commits, 0.0)]),
            ],
        );
        assert_eq!(got.len(), 2, "no commits: no ratio to draw");
        assert_eq!(got[0].text, "100 rows per commit");
        assert_eq!(got[1].fraction, 0.01);
    }

    #[test]
    fn a_fill_chart_steps_up_and_down_within_its_box() {
        let d = fill_path(&[(0.0, 1), (5.0, 8), (10.0, 0)], 8.0, 10.0, 100.0, 40.0);
        assert_eq!(
            d,
            "M 0 40.0 H 0.0 V 35.0 H 50.0 V 0.0 H 100.0 V 40.0 H 100.0"
        );
        // Above capacity (a sample taken mid-update) still stays inside the box.
        assert!(fill_path(&[(1.0, 12)], 8.0, 10.0, 100.0, 40.0).contains("V 0.0"));
        assert_eq!(fill_path(&[], 8.0, 10.0, 100.0, 40.0), "");
    }

    #[test]
    fn a_log_scale_keeps_microseconds_and_milliseconds_both_visible() {
        let v = Visual::Log {
            title: "cost",
            fact: Fact::PerTaskUs,
            unit: "µs per task",
        };
        let got = bars(
            &v,
            &[
                rec("async-task", &[(Fact::PerTaskUs, 0.2)]),
                rec("thread", &[(Fact::PerTaskUs, 20.0)]),
                rec("process", &[(Fact::PerTaskUs, 2000.0)]),
            ],
        );
        assert_eq!(got[0].fraction, 0.1);
        assert!((got[1].fraction - 0.55).abs() < 1e-9, "{}", got[1].fraction);
        assert_eq!(got[2].fraction, 1.0);
        assert_eq!(got[0].text, "0.2 µs per task");
        assert!(v.is_log());
    }
}
