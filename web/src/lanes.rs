//! The timeline's layout, kept pure so it is tested on the host: which rows are drawn (a header
//! per run, a lane per worker, or one summary lane for a run with many workers), where each row
//! sits, and the time scale — shared, or each run on its own when their lengths differ by orders
//! of magnitude (the cost ladder: microseconds next to seconds would leave all but one run a
//! sliver).

/// A run to lay out: its label and the workers that have spans, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// "web · async".
    pub label: String,
    /// Workers with spans, ascending.
    pub workers: Vec<u32>,
    /// The run's length in ms (its wall time or its last span's end).
    pub length_ms: f64,
}

/// One drawn row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Row {
    /// The run's title row: its label, lane count, and whether it is folded.
    Header {
        /// Index into the groups.
        group: usize,
    },
    /// One worker's lane.
    Lane {
        /// Index into the groups.
        group: usize,
        /// The worker.
        worker: u32,
    },
    /// All of a folded run's workers in one lane.
    Summary {
        /// Index into the groups.
        group: usize,
    },
}

/// Runs with more workers than this are folded into one summary lane until opened.
pub const FOLD_ABOVE: usize = 8;

/// Height of a header row and of a lane, in SVG units.
pub const HEADER_H: f64 = 18.0;
/// Height of one lane.
pub const LANE_H: f64 = 16.0;

/// The rows to draw, in order, with each row's top y (starting at `top`). A run is folded when
/// it has more than [`FOLD_ABOVE`] workers and is not in `opened`.
pub fn rows(groups: &[Group], opened: &[usize], top: f64) -> Vec<(Row, f64)> {
    let mut out = Vec::new();
    let mut y = top;
    for (g, group) in groups.iter().enumerate() {
        out.push((Row::Header { group: g }, y));
        y += HEADER_H;
        if folded(group, g, opened) {
            out.push((Row::Summary { group: g }, y));
            y += LANE_H;
        } else {
            for &worker in &group.workers {
                out.push((Row::Lane { group: g, worker }, y));
                y += LANE_H;
            }
        }
    }
    out
}

/// Whether run `g` is drawn as one summary lane.
pub fn folded(group: &Group, g: usize, opened: &[usize]) -> bool {
    group.workers.len() > FOLD_ABOVE && !opened.contains(&g)
}

/// Total height of `rows` from `top`.
pub fn height(rows: &[(Row, f64)], top: f64) -> f64 {
    rows.last().map_or(top, |(row, y)| {
        y + match row {
            Row::Header { .. } => HEADER_H,
            _ => LANE_H,
        }
    })
}

/// "1 lane", "20 lanes".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How times map to x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Every run on one axis from 0 to the longest run: who finished first is visible.
    Shared(f64),
    /// Every run on its own axis from 0 to its own length, said in its header.
    PerRun,
}

/// Runs whose lengths differ by more than this factor get a scale each.
pub const SPLIT_ABOVE: f64 = 30.0;

/// The scale for these runs: shared unless the longest is more than [`SPLIT_ABOVE`] times the
/// shortest, where a shared axis would draw the short runs as slivers.
pub fn scale(groups: &[Group]) -> Scale {
    let lengths = groups.iter().map(|g| g.length_ms).filter(|l| *l > 0.0);
    let longest = lengths.clone().fold(f64::MIN_POSITIVE, f64::max);
    let shortest = lengths.fold(f64::MAX, f64::min);
    if shortest < f64::MAX && longest / shortest > SPLIT_ABOVE {
        Scale::PerRun
    } else {
        Scale::Shared(longest)
    }
}

/// The length a run's lane is scaled to.
pub fn span_of(scale: Scale, group: &Group) -> f64 {
    match scale {
        Scale::Shared(total) => total,
        Scale::PerRun => group.length_ms.max(f64::MIN_POSITIVE),
    }
}

/// Whether bars would say nothing: every run is a single span drawn to its own scale, so each
/// fills its row and all look alike (the cost ladder: one stretch of N spawns per run; the
/// learner pass saw "eight identical full-width bars"). The timeline then says what the runs'
/// lengths were instead ([`instead`]).
pub fn says_nothing(records: &[interleave_shared::RunRecord], scale: Scale) -> bool {
    scale == Scale::PerRun && records.len() > 1 && records.iter().all(|r| r.spans.len() == 1)
}

/// What the timeline says in place of bars that would say nothing: the shortest and the longest
/// run, and how far apart they are, from the runs' own lengths.
pub fn instead(records: &[interleave_shared::RunRecord]) -> String {
    use interleave_shared::verdict::fmt_ms;
    let length = |r: &interleave_shared::RunRecord| {
        r.spans
            .iter()
            .map(|s| s.end_ms - s.start_ms)
            .fold(0.0, f64::max)
    };
    let label = |r: &interleave_shared::RunRecord| format!("{} · {}", r.side.as_str(), r.strategy);
    let by_length = |a: &&interleave_shared::RunRecord, b: &&interleave_shared::RunRecord| {
        length(a).total_cmp(&length(b))
    };
    let (Some(short), Some(long)) = (
        records.iter().min_by(by_length),
        records.iter().max_by(by_length),
    ) else {
        return String::new();
    };
    let ratio = length(long) / length(short).max(f64::MIN_POSITIVE);
    format!(
        "Each run is one stretch on one lane, so drawn to its own length every bar would fill \
         its row. They took from {} ({}) to {} ({}), {}× apart: the chart above compares \
         them on a log scale, and the table below has every run's figures.",
        fmt_ms(length(short)),
        label(short),
        fmt_ms(length(long)),
        label(long),
        crate::explorer::thousands(ratio.round() as u64),
    )
}

/// `text` cut to at most `chars` characters, with an ellipsis when cut, so a label never runs
/// into the bars beside it.
pub fn fit(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(label: &str, workers: u32, length_ms: f64) -> Group {
        Group {
            label: label.into(),
            workers: (0..workers).collect(),
            length_ms,
        }
    }

    #[test]
    fn small_runs_get_a_header_and_a_lane_per_worker() {
        let groups = [
            group("web · sequential", 1, 10.0),
            group("web · pool", 2, 6.0),
        ];
        let r = rows(&groups, &[], 20.0);
        let kinds: Vec<Row> = r.iter().map(|(row, _)| *row).collect();
        assert_eq!(
            kinds,
            vec![
                Row::Header { group: 0 },
                Row::Lane {
                    group: 0,
                    worker: 0
                },
                Row::Header { group: 1 },
                Row::Lane {
                    group: 1,
                    worker: 0
                },
                Row::Lane {
                    group: 1,
                    worker: 1
                },
            ]
        );
        // Rows never overlap: each starts where the previous one ends.
        assert_eq!(r[1].1, 20.0 + HEADER_H);
        assert_eq!(r[2].1, 20.0 + HEADER_H + LANE_H);
        assert_eq!(height(&r, 20.0), 20.0 + 2.0 * HEADER_H + 3.0 * LANE_H);
    }

    #[test]
    fn a_run_with_many_workers_folds_into_one_lane_until_opened() {
        let groups = [group("web · async", 200, 400.0)];
        let folded_rows = rows(&groups, &[], 0.0);
        assert_eq!(folded_rows.len(), 2);
        assert_eq!(folded_rows[1].0, Row::Summary { group: 0 });
        let open = rows(&groups, &[0], 0.0);
        assert_eq!(open.len(), 201);
        // 200 lanes stay one lane tall each: no label can sit on another.
        assert!(open.windows(2).all(|w| w[1].1 - w[0].1 >= LANE_H));
    }

    #[test]
    fn plurals_are_right() {
        assert_eq!(count(1, "lane"), "1 lane");
        assert_eq!(count(20, "lane"), "20 lanes");
    }

    #[test]
    fn runs_of_very_different_lengths_get_a_scale_each() {
        let ladder = [
            group("async-task", 1, 0.5),
            group("thread", 1, 40.0),
            group("process", 1, 900.0),
        ];
        assert_eq!(scale(&ladder), Scale::PerRun);
        assert_eq!(span_of(Scale::PerRun, &ladder[0]), 0.5);
        let close = [group("sequential", 1, 100.0), group("pool", 2, 55.0)];
        assert_eq!(scale(&close), Scale::Shared(100.0));
        assert_eq!(span_of(scale(&close), &close[1]), 100.0);
    }

    fn one_span(strategy: &str, ms: f64) -> interleave_shared::RunRecord {
        serde_json::from_value(serde_json::json!({
            "lesson": "cost", "strategy": strategy, "side": "web", "workers": 1, "params": {},
            "wall_ms": ms, "result": "1", "expected": "1", "correct": true,
            "spans": [{"worker": 0, "task": 0, "kind": "spawn", "start_ms": 0.0, "end_ms": ms}]
        }))
        .expect("a record")
    }

    #[test]
    fn single_span_runs_on_their_own_scales_are_said_not_drawn() {
        let ladder = [one_span("async-task", 0.5), one_span("worker-start", 900.0)];
        let groups: Vec<Group> = ladder
            .iter()
            .map(|r| group(&r.strategy.to_string(), 1, r.wall_ms))
            .collect();
        assert!(says_nothing(&ladder, scale(&groups)));
        let text = instead(&ladder);
        assert!(text.contains("web · async-task"), "{text}");
        assert!(text.contains("web · worker-start"), "{text}");
        assert!(text.contains("1,800× apart"), "{text}");
        // On a shared axis the bars differ in length: they are drawn.
        let close = [one_span("async-task", 50.0), one_span("worker-start", 90.0)];
        assert!(!says_nothing(&close, Scale::Shared(90.0)));
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit("native · unsynchronized", 12), "native · un…");
        assert_eq!(fit("web · pool", 12), "web · pool");
    }
}

/// One worker's lane as a table row: the timeline's numbers for readers who cannot see it (and
/// for anyone who wants the figures).
#[derive(Debug, Clone, PartialEq)]
pub struct LaneRow {
    /// "web · async".
    pub run: String,
    /// The worker.
    pub worker: u32,
    /// What the lane is ("w1", "producer", "cons 2"): [`interleave_shared::lane::name`].
    pub name: String,
    /// Spans on the lane.
    pub spans: usize,
    /// Milliseconds spent in each kind of span, in the order of [`KINDS`].
    pub ms: [f64; KINDS.len()],
    /// When the lane's first span started and its last ended, ms from the run's start.
    pub from_ms: f64,
    /// See `from_ms`.
    pub to_ms: f64,
}

/// The kinds a lane's time is split into, in the table's column order.
pub const KINDS: [interleave_shared::SpanKind; 6] = {
    use interleave_shared::SpanKind::*;
    [Compute, Wait, Lock, Spawn, Copy, Redelivered]
};

/// Every run's lanes, in the records' order and by worker, with their time per kind.
pub fn lane_rows(records: &[interleave_shared::RunRecord]) -> Vec<LaneRow> {
    let mut rows = Vec::new();
    for r in records {
        let mut workers: Vec<u32> = r.spans.iter().map(|s| s.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        for w in workers {
            let mut row = LaneRow {
                run: format!("{} · {}", r.side.as_str(), r.strategy),
                worker: w,
                name: interleave_shared::lane::name(r, w),
                spans: 0,
                ms: [0.0; KINDS.len()],
                from_ms: f64::INFINITY,
                to_ms: 0.0,
            };
            for s in r.spans.iter().filter(|s| s.worker == w) {
                row.spans += 1;
                if let Some(k) = KINDS.iter().position(|k| *k == s.kind) {
                    row.ms[k] += (s.end_ms - s.start_ms).max(0.0);
                }
                row.from_ms = row.from_ms.min(s.start_ms);
                row.to_ms = row.to_ms.max(s.end_ms);
            }
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use interleave_shared::RunRecord;

    #[test]
    fn lanes_become_rows_with_time_per_kind() {
        let r: RunRecord = serde_json::from_value(serde_json::json!({
            "lesson": "cpu", "strategy": "pool", "side": "web", "workers": 2, "params": {},
            "wall_ms": 10.0, "result": "1", "expected": "1", "correct": true,
            "spans": [
                {"worker": 1, "task": 0, "kind": "compute", "start_ms": 2.0, "end_ms": 5.0},
                {"worker": 0, "task": 0, "kind": "spawn", "start_ms": 0.0, "end_ms": 1.0},
                {"worker": 0, "task": 0, "kind": "compute", "start_ms": 1.0, "end_ms": 4.5},
                {"worker": 1, "task": 0, "kind": "wait", "start_ms": 5.0, "end_ms": 6.0}
            ]
        }))
        .unwrap();
        let rows = lane_rows(&[r]);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].run.as_str(), rows[0].worker), ("web · pool", 0));
        assert_eq!(rows[0].name, "w0");
        assert_eq!(rows[0].spans, 2);
        assert_eq!(rows[0].ms[0], 3.5, "compute");
        assert_eq!(rows[0].ms[3], 1.0, "spawn");
        assert_eq!((rows[0].from_ms, rows[0].to_ms), (0.0, 4.5));
        assert_eq!((rows[1].ms[0], rows[1].ms[1]), (3.0, 1.0));
        assert_eq!((rows[1].from_ms, rows[1].to_ms), (2.0, 6.0));
    }
}
