//! The timeline: one lane per worker of each record, one bar per span, coloured by kind, on a
//! shared time axis — the notes' "what it looks like" pictures, drawn from a real run.

use interleave_shared::verdict::fmt_ms;
use interleave_shared::{RunRecord, SpanKind};
use yew::prelude::*;

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Records whose spans to draw.
    pub records: Vec<RunRecord>,
}

const WIDTH: f64 = 1000.0;
const LABEL: f64 = 170.0;
const LANE: f64 = 22.0;
const AXIS: f64 = 26.0;

fn kind_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Compute => "compute",
        SpanKind::Wait => "wait",
        SpanKind::Lock => "lock",
        SpanKind::Spawn => "spawn",
        SpanKind::Copy => "copy",
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
/// that happened one after another are compared side by side.
#[function_component(Timeline)]
pub fn timeline(props: &Props) -> Html {
    let records = &props.records;
    if records.iter().all(|r| r.spans.is_empty()) {
        return html! {};
    }
    let total = records
        .iter()
        .flat_map(|r| r.spans.iter().map(|s| s.end_ms))
        .chain(records.iter().map(|r| r.wall_ms))
        .fold(f64::MIN_POSITIVE, f64::max);
    let x = |ms: f64| LABEL + (WIDTH - LABEL - 34.0) * ms / total;
    let mut lanes = Vec::new();
    for r in records {
        let mut workers: Vec<u32> = r.spans.iter().map(|s| s.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        for w in workers {
            lanes.push((r, w));
        }
    }
    // Many lanes (an io run with dozens of workers per strategy) get thin lanes and one label per
    // strategy, so the picture stays one screen tall.
    let compact = lanes.len() > 40;
    let lane_h = if compact { 9.0 } else { LANE };
    let height = AXIS + lane_h * lanes.len() as f64 + 6.0;
    let step = tick_step(total);
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= total)
        .collect();
    html! {
        <section class="card timeline-card">
            <h3>{ "Timeline" }<span class="legend">
                { for [SpanKind::Compute, SpanKind::Wait, SpanKind::Lock, SpanKind::Spawn, SpanKind::Copy].iter().map(|k| html! {
                    <span class={classes!("key", kind_name(*k))}>{ kind_name(*k) }</span>
                }) }
            </span></h3>
            <svg data-testid="timeline" class="timeline" viewBox={format!("0 0 {WIDTH} {height}")}
                 preserveAspectRatio="xMinYMin meet" role="img" aria-label="who ran what when">
                { for ticks.iter().map(|t| html! {
                    <g class="tick">
                        <line x1={format!("{:.1}", x(*t))} x2={format!("{:.1}", x(*t))} y1="18" y2={format!("{height}")} />
                        <text x={format!("{:.1}", x(*t))} y="12">{ tick_label(*t, step) }</text>
                    </g>
                }) }
                { for lanes.iter().enumerate().map(|(i, (r, w))| {
                    let y = AXIS + lane_h * i as f64;
                    let first_of_record = i == 0 || !std::ptr::eq(lanes[i - 1].0, *r);
                    let label = if !compact {
                        Some(format!("{} · {} · w{}", r.side.as_str(), r.strategy, w))
                    } else if first_of_record {
                        Some(format!("{} · {} ({} lanes)", r.side.as_str(), r.strategy,
                            lanes.iter().filter(|(o, _)| std::ptr::eq(*o, *r)).count()))
                    } else {
                        None
                    };
                    let label_y = if compact { y + 9.0 } else { y + 15.0 };
                    html! {
                        <g class="lane">
                            if first_of_record && i > 0 {
                                <line class="group-sep" x1="0" x2={format!("{WIDTH}")} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                            }
                            if let Some(label) = label {
                                <text class="lane-label" x="4" y={format!("{label_y:.1}")}>{ label }</text>
                            }
                            { for r.spans.iter().filter(|s| s.worker == *w).map(|s| {
                                let x0 = x(s.start_ms);
                                let wd = (x(s.end_ms) - x0).max(0.8);
                                html! {
                                    <rect class={classes!("span", kind_name(s.kind))} x={format!("{x0:.2}")} y={format!("{:.1}", y + if compact { 1.0 } else { 3.0 })}
                                          width={format!("{wd:.2}")} height={format!("{:.1}", if compact { lane_h - 2.0 } else { LANE - 6.0 })} rx="2">
                                        <title>{ format!("{} {} · {} · {} · {} → {} ({})", r.side.as_str(), r.strategy, task_label(s.task),
                                            kind_name(s.kind), fmt_ms(s.start_ms), fmt_ms(s.end_ms), fmt_ms(s.end_ms - s.start_ms)) }</title>
                                    </rect>
                                }
                            }) }
                        </g>
                    }
                }) }
            </svg>
        </section>
    }
}
