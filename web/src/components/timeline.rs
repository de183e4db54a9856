//! The timeline: one lane per worker of each record, one bar per span, coloured by kind, on a
//! shared time axis — the notes' "what it looks like" pictures, drawn from a real run.

use interleave_shared::verdict::fmt_ms;
use interleave_shared::{RunRecord, SpanKind};
use interleave_web::lanes::{self, Group, Row};
use yew::prelude::*;

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Records whose spans to draw.
    pub records: Vec<RunRecord>,
    /// Draw for a narrow frame (the embed).
    #[prop_or_default]
    pub compact: bool,
}

/// The drawing's width in SVG units on the page; an embed draws narrower, so that scaled into a
/// 320–400 px frame its text stays readable.
const WIDTH: f64 = 1000.0;
const WIDTH_COMPACT: f64 = 420.0;
/// Where bars start: lane labels ("w12", "all 200") end here.
const LABEL: f64 = 64.0;
const AXIS: f64 = 26.0;

fn kind_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Compute => "compute",
        SpanKind::Wait => "wait",
        SpanKind::Lock => "lock",
        SpanKind::Spawn => "spawn",
        SpanKind::Copy => "copy",
        SpanKind::Redelivered => "redelivered",
    }
}

/// Round a time span to a "nice" tick step (1, 2 or 5 × 10ⁿ ms).
fn tick_step(total: f64) -> f64 {
    let raw = total / 6.0;
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(pow * 10.0)
}

/// "task 3", or "start-up" for a worker's start-up span.
fn task_label(task: u32) -> String {
    if task == interleave_shared::record::SETUP_TASK {
        "start-up".into()
    } else {
        format!("task {task}")
    }
}

/// A tick label with no more decimals than the step needs ("0 ms", "50 ms", "2.5 ms").
fn tick_label(t: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{t:.decimals$} ms")
}

/// The SVG timeline (test id `timeline`). Each record's lanes start at its own zero, so runs
/// that happened one after another are compared side by side. Each run has a header row of its
/// own (so labels never sit on bars or on each other), a lane per worker, or one summary lane
/// when it has more than [`lanes::FOLD_ABOVE`] workers (click the header to open it); runs whose
/// lengths differ by orders of magnitude are each drawn to their own scale.
/// The kinds the legend names: the five every timeline uses, and "redelivered" only where a
/// run had a task delivered again (a key for a colour nobody sees would only puzzle).
fn legend_kinds(records: &[RunRecord]) -> Vec<SpanKind> {
    let mut kinds = vec![
        SpanKind::Compute,
        SpanKind::Wait,
        SpanKind::Lock,
        SpanKind::Spawn,
        SpanKind::Copy,
    ];
    if records
        .iter()
        .flat_map(|r| &r.spans)
        .any(|s| s.kind == SpanKind::Redelivered)
    {
        kinds.push(SpanKind::Redelivered);
    }
    kinds
}

/// Long on purpose: one `html!` tree of SVG; its geometry comes from `lanes.rs`, which is tested on
/// the host.
#[function_component(Timeline)]
pub fn timeline(props: &Props) -> Html {
    let opened = use_state(Vec::<String>::new);
    let records = &props.records;
    if records.iter().all(|r| r.spans.is_empty()) {
        return html! {};
    }
    let groups: Vec<Group> = records
        .iter()
        .map(|r| {
            let mut workers: Vec<u32> = r.spans.iter().map(|s| s.worker).collect();
            workers.sort_unstable();
            workers.dedup();
            let end = r.spans.iter().map(|s| s.end_ms).fold(r.wall_ms, f64::max);
            Group {
                label: format!("{} · {}", r.side.as_str(), r.strategy),
                workers,
                length_ms: end,
            }
        })
        .collect();
    let open_idx: Vec<usize> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| opened.contains(&g.label))
        .map(|(i, _)| i)
        .collect();
    let scale = lanes::scale(&groups);
    let top = match scale {
        lanes::Scale::Shared(_) => AXIS,
        lanes::Scale::PerRun => 4.0,
    };
    if lanes::says_nothing(records, scale) {
        return html! {
            <section class="card timeline-card">
                <h3>{ "Timeline" }</h3>
                <p class="hint-text" data-testid="timeline-instead">{ lanes::instead(records) }</p>
                <LaneTable records={records.to_vec()} />
            </section>
        };
    }
    let rows = lanes::rows(&groups, &open_idx, top);
    let height = lanes::height(&rows, top) + 4.0;
    let width = if props.compact { WIDTH_COMPACT } else { WIDTH };
    let label_chars = if props.compact { 46 } else { 110 };
    let right = width - 16.0;
    let x = |ms: f64, g: &Group| LABEL + (right - LABEL) * ms / lanes::span_of(scale, g);
    let ticks: Vec<(f64, String)> = match scale {
        lanes::Scale::Shared(total) => {
            let step = tick_step(total);
            (0..)
                .map(|i| i as f64 * step)
                .take_while(|t| *t <= total)
                .map(|t| (LABEL + (right - LABEL) * t / total, tick_label(t, step)))
                .collect()
        }
        lanes::Scale::PerRun => Vec::new(),
    };
    let toggle = |label: String| {
        let opened = opened.clone();
        Callback::from(move |()| {
            let mut now = (*opened).clone();
            match now.iter().position(|l| *l == label) {
                Some(i) => {
                    now.remove(i);
                }
                None => now.push(label.clone()),
            }
            opened.set(now);
        })
    };
    let bar = |r: &RunRecord,
               g: &Group,
               s: &interleave_shared::Span,
               y: f64,
               h: f64,
               class: &'static str| {
        let x0 = x(s.start_ms, g);
        // A redelivered task is rare and the point of its run: never thinner than a few units,
        // however short its computation (its title gives the true times).
        let least = if s.kind == SpanKind::Redelivered {
            4.0
        } else {
            0.8
        };
        let wd = (x(s.end_ms, g) - x0).max(least);
        html! {
            <rect class={classes!("span", kind_name(s.kind), class)} x={format!("{x0:.2}")} y={format!("{:.1}", y + 2.0)}
                  width={format!("{wd:.2}")} height={format!("{:.1}", h - 4.0)} rx="2">
                <title>{ format!("{} {} · {} · {} · {} · {} → {} ({})", r.side.as_str(), r.strategy, interleave_shared::lane::name(r, s.worker), task_label(s.task),
                    kind_name(s.kind), fmt_ms(s.start_ms), fmt_ms(s.end_ms), fmt_ms(s.end_ms - s.start_ms)) }</title>
            </rect>
        }
    };
    html! {
        <section class="card timeline-card">
            <h3>{ "Timeline" }<span class="legend">
                { for legend_kinds(records).iter().map(|k| html! {
                    <span class={classes!("key", kind_name(*k))}>{ kind_name(*k) }</span>
                }) }
            </span></h3>
            if scale == lanes::Scale::PerRun {
                <p class="hint-text scale-note" data-testid="timeline-scale">{ format!(
                    "The runs' lengths differ by more than {}×, so each run is drawn to its own length (given in its header) instead of one shared axis.",
                    lanes::SPLIT_ABOVE) }</p>
            }
            <svg data-testid="timeline" class="timeline" viewBox={format!("0 0 {width} {height:.1}")}
                 preserveAspectRatio="xMinYMin meet" role="group"
                 aria-label="timeline: who ran what when (the table below it has the same numbers)">
                { for ticks.iter().map(|(tx, label)| html! {
                    <g class="tick">
                        <line x1={format!("{tx:.1}")} x2={format!("{tx:.1}")} y1="18" y2={format!("{height:.1}")} />
                        <text x={format!("{tx:.1}")} y="12">{ label }</text>
                    </g>
                }) }
                { for rows.iter().map(|(row, y)| {
                    let y = *y;
                    match *row {
                        Row::Header { group } => {
                            let g = &groups[group];
                            let n = g.workers.len();
                            let foldable = n > lanes::FOLD_ABOVE;
                            let is_folded = lanes::folded(g, group, &open_idx);
                            let mut text = format!("{} · {}", g.label, lanes::count(n, "lane"));
                            if scale == lanes::Scale::PerRun {
                                text.push_str(&format!(" · 0 – {}", fmt_ms(g.length_ms)));
                            }
                            let action = if !foldable { "" } else if is_folded { "  ▸ show each lane" } else { "  ▾ fold" };
                            html! {
                                <g class={classes!("lane-group", foldable.then_some("foldable"))} data-testid="lane-group"
                                   data-folded={is_folded.to_string()} data-lanes={n.to_string()}
                                   onclick={foldable.then(|| toggle(g.label.clone()).reform(|_: MouseEvent| ()))}
                                   // Folding works by keyboard too: Tab to the run, Enter or Space.
                                   tabindex={foldable.then_some("0")}
                                   role={foldable.then_some("button")}
                                   aria-expanded={foldable.then(|| (!is_folded).to_string())}
                                   onkeydown={foldable.then(|| {
                                       let toggle = toggle(g.label.clone());
                                       Callback::from(move |e: KeyboardEvent| {
                                           if e.key() == "Enter" || e.key() == " " {
                                               e.prevent_default();
                                               toggle.emit(());
                                           }
                                       })
                                   })}>
                                    <rect class="hit" x="0" y={format!("{y:.1}")} width={format!("{width}")}
                                          height={format!("{}", lanes::HEADER_H)} fill="transparent" />
                                    if group > 0 {
                                        <line class="group-sep" x1="0" x2={format!("{width}")} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                                    }
                                    <text class="lane-label group-label" x="4" y={format!("{:.1}", y + 13.0)}>
                                        { lanes::fit(&text, label_chars) }<tspan class="fold">{ action }</tspan>
                                    </text>
                                </g>
                            }
                        }
                        Row::Lane { group, worker } => {
                            let (r, g) = (&records[group], &groups[group]);
                            html! {
                                <g class="lane">
                                    <text class="lane-label" x={format!("{:.1}", LABEL - 8.0)} y={format!("{:.1}", y + 12.0)} text-anchor="end">
                                        { interleave_shared::lane::name(r, worker) }
                                    </text>
                                    { for r.spans.iter().filter(|s| s.worker == worker).map(|s| bar(r, g, s, y, lanes::LANE_H, "")) }
                                </g>
                            }
                        }
                        Row::Summary { group } => {
                            let (r, g) = (&records[group], &groups[group]);
                            html! {
                                <g class="lane summary">
                                    <text class="lane-label" x={format!("{:.1}", LABEL - 8.0)} y={format!("{:.1}", y + 12.0)} text-anchor="end">
                                        { format!("all {}", g.workers.len()) }
                                    </text>
                                    { for r.spans.iter().map(|s| bar(r, g, s, y, lanes::LANE_H, "stacked")) }
                                </g>
                            }
                        }
                    }
                }) }
            </svg>
            <LaneTable records={records.to_vec()} />
        </section>
    }
}

/// Rows the timeline's table shows before it says how many more there are: a run of a
/// thousand async tasks has a thousand lanes, which no one reads as a table.
const TABLE_ROWS: usize = 200;

/// Props of [`LaneTable`].
#[derive(Properties, PartialEq)]
struct LaneTableProps {
    records: Vec<RunRecord>,
}

/// The timeline's numbers as a table, folded under it: the text alternative of the picture.
#[function_component(LaneTable)]
fn lane_table(props: &LaneTableProps) -> Html {
    let rows = lanes::lane_rows(&props.records);
    let used: Vec<usize> = (0..lanes::KINDS.len())
        .filter(|&k| rows.iter().any(|r| r.ms[k] > 0.0))
        .collect();
    let more = rows.len().saturating_sub(TABLE_ROWS);
    html! {
        <details class="as-table" data-testid="timeline-table">
            <summary>{ "The timeline as a table" }</summary>
            <div class="scroll" tabindex="0" role="region" aria-label="the timeline as a table">
                <table>
                    <thead><tr>
                        <th scope="col">{ "run" }</th>
                        <th scope="col">{ "lane" }</th>
                        <th scope="col">{ "spans" }</th>
                        { for used.iter().map(|&k| html! { <th scope="col">{ kind_name(lanes::KINDS[k]) }</th> }) }
                        <th scope="col">{ "from" }</th>
                        <th scope="col">{ "to" }</th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().take(TABLE_ROWS).map(|r| html! {
                            <tr data-testid="timeline-row">
                                <td>{ &r.run }</td>
                                <td>{ &r.name }</td>
                                <td>{ r.spans }</td>
                                { for used.iter().map(|&k| html! { <td>{ fmt_ms(r.ms[k]) }</td> }) }
                                <td>{ fmt_ms(r.from_ms) }</td>
                                <td>{ fmt_ms(r.to_ms) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if more > 0 {
                    <p class="hint-text">{ format!("… and {more} more lanes: Export JSON has every span.") }</p>
                }
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interleave_shared::Span;

    fn record_with(kind: SpanKind) -> RunRecord {
        let mut r: RunRecord = serde_json::from_value(serde_json::json!({
            "lesson": "distributed", "strategy": "broker", "side": "native", "workers": 2,
            "params": {"size": 1}, "wall_ms": 1.0, "result": "1", "expected": "1",
            "correct": true, "spans": []
        }))
        .expect("a minimal record");
        r.spans.push(Span {
            worker: 0,
            task: 0,
            start_ms: 0.0,
            end_ms: 1.0,
            kind,
        });
        r
    }

    #[test]
    fn the_legend_names_redelivered_only_when_a_run_had_it() {
        assert!(!legend_kinds(&[record_with(SpanKind::Compute)]).contains(&SpanKind::Redelivered));
        let kinds = legend_kinds(&[
            record_with(SpanKind::Compute),
            record_with(SpanKind::Redelivered),
        ]);
        assert_eq!(kinds.len(), 6);
        assert_eq!(kinds.last(), Some(&SpanKind::Redelivered));
    }
}
