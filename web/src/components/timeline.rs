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
    let x = |ms: f64| LABEL + (WIDTH - LABEL - 10.0) * ms / total;
    let mut lanes = Vec::new();
    for r in records {
        let mut workers: Vec<u32> = r.spans.iter().map(|s| s.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        for w in workers {
            lanes.push((r, w));
        }
    }
    let height = AXIS + LANE * lanes.len() as f64 + 6.0;
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
                    let y = AXIS + LANE * i as f64;
                    html! {
                        <g class="lane">
                            <text class="lane-label" x="4" y={format!("{:.1}", y + 15.0)}>
                                { format!("{} · {} · w{}", r.side.as_str(), r.strategy, w) }
                            </text>
                            { for r.spans.iter().filter(|s| s.worker == *w).map(|s| {
                                let x0 = x(s.start_ms);
                                let wd = (x(s.end_ms) - x0).max(0.8);
                                html! {
                                    <rect class={classes!("span", kind_name(s.kind))} x={format!("{x0:.2}")} y={format!("{:.1}", y + 3.0)}
                                          width={format!("{wd:.2}")} height={format!("{:.1}", LANE - 6.0)} rx="2">
                                        <title>{ format!("{} {} · task {} · {} · {} → {} ({})", r.side.as_str(), r.strategy, s.task,
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
