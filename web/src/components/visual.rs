//! The state the lesson is about, as bars from the run's facts (updates overwritten, steps
//! done, queue fill, connections, rows per commit, the cost of one task on a log scale). The
//! lesson chooses the picture in its catalogue entry; this view draws whatever it is given.

use interleave_shared::RunRecord;
use interleave_shared::detail::WaitFor;
use interleave_shared::facts::Fact;
use interleave_shared::lessons::LessonInfo;
use interleave_shared::verdict::fmt_ms;
use interleave_shared::visual::{MAX_TURNS, Visual, bars, cycles, fill_path, hand_overs, turns};
use yew::prelude::*;

/// Props of [`StateView`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson (its picture).
    pub lesson: &'static LessonInfo,
    /// The run's records.
    pub records: Vec<RunRecord>,
}

/// Test id `visual` (`data-title`), with one `visual-bar` per record that measured the facts.
#[function_component(StateView)]
pub fn state_view(props: &Props) -> Html {
    let Some(visual) = props.lesson.visual else {
        return html! {};
    };
    match visual {
        Visual::WaitFor { title } => return wait_for(title, &props.records),
        Visual::Fill { title, capacity } => return fill(title, capacity, &props.records),
        Visual::Turns { title } => return turns_view(title, &props.records),
        Visual::Tasks { title } => {
            return html! { <super::tasks::TasksView title={title} records={props.records.clone()} /> };
        }
        _ => {}
    }
    let drawn = bars(&visual, &props.records);
    if drawn.is_empty() {
        return html! {};
    }
    html! {
        <section class="card visual" data-testid="visual" data-title={visual.title()}>
            <h3>{ visual.title() }</h3>
            <div class="bars">
                { for drawn.iter().map(|b| {
                    let side = if b.label.starts_with("web") { "web" } else { "native" };
                    html! {
                        <div class="bar-row" data-testid="visual-bar" data-value={b.value.to_string()}>
                            <span class="bar-label">{ &b.label }</span>
                            <span class="bar-track">
                                <span class={classes!("bar", side)} style={format!("width:{:.1}%", b.fraction * 100.0)}></span>
                            </span>
                            <span class="bar-value wide">{ &b.text }</span>
                        </div>
                    }
                }) }
            </div>
            if visual.is_log() {
                <p class="hint-text">{ "Log scale: each step to the right is ten times the cost." }</p>
            }
        </section>
    }
}

/// Each run's steps in order (test id `turns`, one per run): a column per step, a row per side,
/// a filled cell where that side ran and a line following control from one to the other. Time
/// cannot show this: the 15 turns of the default run take a few microseconds, below the
/// browser's clock.
fn turns_view(title: &'static str, records: &[RunRecord]) -> Html {
    const LABEL: f64 = 70.0;
    const CELL: f64 = 22.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 14.0;
    let runs: Vec<(&RunRecord, Vec<u32>, usize)> = records
        .iter()
        .map(|r| {
            let (lanes, total) = turns(r);
            (r, lanes, total)
        })
        .filter(|(_, lanes, _)| !lanes.is_empty())
        .collect();
    if runs.is_empty() {
        return html! {};
    }
    card(
        title,
        html! { <>
            <div class="turns">
                { for runs.iter().map(|(r, lanes, total)| {
                    let mut rows: Vec<u32> = lanes.clone();
                    rows.sort_unstable();
                    rows.dedup();
                    let row_of = |w: u32| rows.iter().position(|x| *x == w).unwrap_or(0) as f64;
                    let width = LABEL + CELL * lanes.len() as f64 + 4.0;
                    let height = TOP + ROW * rows.len() as f64 + 2.0;
                    let centre = |i: usize, w: u32| (LABEL + CELL * i as f64 + CELL / 2.0, TOP + ROW * row_of(w) + ROW / 2.0);
                    let path: String = lanes.iter().enumerate().map(|(i, w)| {
                        let (x, y) = centre(i, *w);
                        format!("{}{x:.1} {y:.1}", if i == 0 { "M " } else { " L " })
                    }).collect();
                    let passes = hand_overs(lanes);
                    let mut caption = format!("{} · {} · {} steps, control passed {} times",
                        r.side.as_str(), r.strategy, total, passes);
                    if *total > lanes.len() {
                        caption.push_str(&format!(" (the first {MAX_TURNS} drawn)"));
                    }
                    let spoken: Vec<String> = lanes.iter().map(|w| interleave_shared::lane::name(r, *w)).collect();
                    html! {
                        <figure class="turn-run" data-testid="turns" data-steps={total.to_string()} data-passes={passes.to_string()}>
                            <figcaption>{ &caption }</figcaption>
                            <svg class="turns-chart" viewBox={format!("0 0 {width:.0} {height:.0}")} role="img"
                                 aria-label={format!("{caption}: {}", spoken.join(", "))}>
                                { for rows.iter().enumerate().map(|(k, w)| html! {
                                    <text class="lane-label" x={format!("{:.1}", LABEL - 6.0)} y={format!("{:.1}", TOP + ROW * k as f64 + 15.0)} text-anchor="end">
                                        { interleave_shared::lane::name(r, *w) }
                                    </text>
                                }) }
                                { for (0..lanes.len()).filter(|i| i % 5 == 0).map(|i| html! {
                                    <text class="step-number" x={format!("{:.1}", LABEL + CELL * i as f64 + CELL / 2.0)} y="10">{ i + 1 }</text>
                                }) }
                                <path class="hand-over" d={path} />
                                { for lanes.iter().enumerate().map(|(i, w)| {
                                    let (x, y) = centre(i, *w);
                                    html! {
                                        <rect class={classes!("turn", format!("side-{}", row_of(*w) as usize))}
                                              x={format!("{:.1}", x - CELL / 2.0 + 2.0)} y={format!("{:.1}", y - ROW / 2.0 + 3.0)}
                                              width={format!("{:.1}", CELL - 4.0)} height={format!("{:.1}", ROW - 6.0)} rx="3">
                                            <title>{ format!("step {}: {}", i + 1, interleave_shared::lane::name(r, *w)) }</title>
                                        </rect>
                                    }
                                }) }
                            </svg>
                        </figure>
                    }
                }) }
            </div>
            <p class="hint-text">{ "One column per step, in the order the transcript was printed. Nothing runs at the same time: the line shows control passing from one side to the other." }</p>
        </> },
    )
}

/// A picture's card: its title over `body` (test id `visual`, `data-title`).
fn card(title: &'static str, body: Html) -> Html {
    html! {
        <section class="card visual" data-testid="visual" data-title={title}>
            <h3>{ title }</h3>
            { body }
        </section>
    }
}

/// The reported wait-for cycle of each run as a ring: workers (circles) and locks (squares) in
/// cycle order, a dashed arrow from a worker to the lock it waits for, a solid one from a lock
/// to the worker holding it. A run without a cycle says what it did instead.
fn wait_for(title: &'static str, records: &[RunRecord]) -> Html {
    let runs = cycles(records);
    if runs.is_empty() {
        return html! {};
    }
    card(
        title,
        html! { <>
            <div class="cycles">
                { for runs.iter().zip(records).enumerate().map(|(i, ((label, cycle), r))| html! {
                    <figure class="cycle" data-testid="wait-for" data-cycle={cycle.is_some().to_string()}>
                        <figcaption>{ label }</figcaption>
                        { match cycle {
                            Some(steps) => ring(steps, i),
                            None => html! { <p class="no-cycle">{ format!("no cycle: {}", r.result) }</p> },
                        } }
                    </figure>
                }) }
            </div>
            <p class="hint-text">{ "Dashed: waits for. Solid: held by. A closed ring means nobody can move." }</p>
        </> },
    )
}

/// Node positions around a circle, in cycle order: w0, the lock it wants, its holder, …
fn ring(steps: &[WaitFor], id: usize) -> Html {
    let marker = format!("arrow-{id}");
    let marker_url = format!("url(#{marker})");
    let n = steps.len() * 2;
    let (cx, cy, rad) = (110.0, 80.0, 58.0);
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        (cx + rad * a.cos(), cy + rad * a.sin())
    };
    // Shorten a line so its arrow head stops at the node's edge.
    let edge = |from: (f64, f64), to: (f64, f64), dashed: bool| {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let cut = 17.0 / len;
        let (x1, y1) = (from.0 + dx * cut, from.1 + dy * cut);
        let (x2, y2) = (to.0 - dx * cut, to.1 - dy * cut);
        html! {
            <line class={classes!("edge", dashed.then_some("waits"))} marker-end={marker_url.clone()}
                  x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")} />
        }
    };
    html! {
        <svg viewBox="0 0 220 160" class="ring" role="img"
             aria-label={steps.iter().map(|s| format!("w{} holds {} and waits for {} held by w{}", s.worker, s.holds, s.wants, s.held_by)).collect::<Vec<_>>().join("; ")}>
            <defs>
                <marker id={marker.clone()} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                </marker>
            </defs>
            { for steps.iter().enumerate().map(|(k, s)| {
                let (w, l, next) = (at(2 * k), at(2 * k + 1), at((2 * k + 2) % n));
                html! {
                    <g>
                        { edge(w, l, true) }
                        { edge(l, next, false) }
                        <circle class="worker" cx={format!("{:.1}", w.0)} cy={format!("{:.1}", w.1)} r="15" />
                        <text class="node" x={format!("{:.1}", w.0)} y={format!("{:.1}", w.1 + 4.0)}>{ format!("w{}", s.worker) }</text>
                        <rect class="lock" x={format!("{:.1}", l.0 - 14.0)} y={format!("{:.1}", l.1 - 14.0)} width="28" height="28" rx="4" />
                        <text class="node" x={format!("{:.1}", l.0)} y={format!("{:.1}", l.1 + 4.0)}>{ &s.wants }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

/// Each run's queue fill over time as a step chart under a dashed capacity line, with the most
/// it held and how often a producer had to wait (test id `fill`, one per run that measured it).
fn fill(title: &'static str, capacity: Fact, records: &[RunRecord]) -> Html {
    const W: f64 = 300.0;
    const H: f64 = 48.0;
    let runs: Vec<&RunRecord> = records
        .iter()
        .filter(|r| !r.detail.queue_levels().is_empty())
        .collect();
    if runs.is_empty() {
        return html! {};
    }
    card(
        title,
        html! { <>
            <div class="fills">
                { for runs.iter().map(|r| {
                    let cap = r.fact(capacity).unwrap_or(0.0);
                    let length = r.detail.queue_levels().last().map_or(r.wall_ms, |l| l.0).max(r.wall_ms);
                    let most = r.detail.queue_levels().iter().map(|l| l.1).max().unwrap_or(0);
                    let waits = r.fact(Fact::ProducerWaits).unwrap_or(0.0);
                    html! {
                        <figure class="fill" data-testid="fill" data-max={most.to_string()} data-capacity={cap.to_string()}>
                            <figcaption>{ format!("{} · {}", r.side.as_str(), r.strategy) }</figcaption>
                            <svg viewBox={format!("0 0 {W} {}", H + 2.0)} preserveAspectRatio="none" class="fill-chart" role="img"
                                 aria-label={format!("queue fill over {}: at most {most} of {cap} items", fmt_ms(length))}>
                                <line class="capacity" x1="0" x2={W.to_string()} y1="1" y2="1" />
                                <path class="level" d={fill_path(r.detail.queue_levels(), cap, length, W, H)} transform="translate(0 1)" />
                            </svg>
                            <p class="fill-text">{ format!("at most {most} of {cap} slots; producers waited {waits} times; over {}", fmt_ms(length)) }</p>
                        </figure>
                    }
                }) }
            </div>
            <p class="hint-text">{ "Dashed: the queue's capacity. Where the line touches it, the queue was full and producers had to wait." }</p>
        </> },
    )
}
