//! The event loop over a real run: one lane per task with its states in colour (running,
//! ready, waiting, and how it ended), the loop's own lane (whom it polled; idle between), and
//! the ready queue's length under them. Hovering a stretch says what it was — for a wait, what
//! the task waited on and the line of its `await` in the code panel's excerpt.

use interleave_shared::RunRecord;
use interleave_shared::tasks::{StateSpan, TaskState, TaskTrace};
use interleave_shared::verdict::fmt_ms;
use interleave_shared::visual::fill_path;
use yew::prelude::*;

const W: f64 = 640.0;
const LABEL: f64 = 44.0;
const LANE: f64 = 14.0;
const GAP: f64 = 5.0;
const QUEUE_H: f64 = 36.0;

/// Props of [`TasksView`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The picture's title.
    pub title: &'static str,
    /// The run's records; those with tasks get a picture each.
    pub records: Vec<RunRecord>,
}

/// Test ids: `visual` around it all; per record `task-lane` (`data-task`, `data-states`),
/// `loop-lane`, `ready-queue` (`data-max`); `task-hover` for what the pointer is on.
#[function_component(TasksView)]
pub fn tasks_view(props: &Props) -> Html {
    let hover = use_state(|| None::<String>);
    let runs: Vec<&RunRecord> = props
        .records
        .iter()
        .filter(|r| r.detail.tasks().is_some_and(|t| !t.is_empty()))
        .collect();
    if runs.is_empty() {
        return html! {};
    }
    html! {
        <section class="card visual tasks-view" data-testid="visual" data-title={props.title}>
            <h3>{ props.title }</h3>
            <p class="legend tasks-legend">
                { for [TaskState::Running, TaskState::Ready, TaskState::Waiting, TaskState::Done, TaskState::Failed, TaskState::Cancelled].iter().map(|s| html! {
                    <span><i class={classes!("swatch", format!("st-{}", s.name()))}></i>{ s.name() }</span>
                }) }
            </p>
            <p class="task-hover" data-testid="task-hover" aria-live="polite">
                { hover.as_deref().unwrap_or("Point at a stretch to see what the task was doing, and where it awaited.") }
            </p>
            { for runs.iter().map(|r| run_view(r, &hover)) }
            <p class="hint-text">{ "Ready: what the task waited for has happened, and it waits for the loop. A blocking call keeps every ready task waiting; an await lets the loop switch." }</p>
        </section>
    }
}

fn x(t: f64, length: f64) -> f64 {
    LABEL + (t / length).clamp(0.0, 1.0) * (W - LABEL)
}

/// What a stretch was, in words.
fn describe(task: &str, s: &StateSpan) -> String {
    let when = format!("{} → {}", fmt_ms(s.from_ms), fmt_ms(s.to_ms));
    match (s.state, &s.on, s.line) {
        (TaskState::Waiting, Some(on), Some(line)) => {
            format!("{task} waiting on {on}, at the await on line {line}: {when}")
        }
        (TaskState::Ready, _, _) => format!(
            "{task} ready for {}: it could run, and waited for the loop ({when})",
            fmt_ms(s.to_ms - s.from_ms)
        ),
        (TaskState::Running, _, _) => format!("{task} running (polled): {when}"),
        (state, Some(why), _) => format!("{task} {}: {why}", state.name()),
        (state, None, _) => format!("{task} {} at {}", state.name(), fmt_ms(s.from_ms)),
    }
}

fn run_view(r: &RunRecord, hover: &UseStateHandle<Option<String>>) -> Html {
    let tasks: &[TaskTrace] = r.detail.tasks().unwrap_or_default();
    let length = r.wall_ms.max(
        tasks
            .iter()
            .flat_map(|t| t.states.last())
            .map(|s| s.to_ms)
            .fold(0.0, f64::max),
    );
    let lanes = tasks.len() as f64 + 1.0;
    let height = lanes * (LANE + GAP) + QUEUE_H + 14.0;
    let ready = r.detail.ready();
    let most = ready.iter().map(|p| p.1).max().unwrap_or(0);
    let on = |text: String| {
        let hover = hover.clone();
        Callback::from(move |_: MouseEvent| hover.set(Some(text.clone())))
    };
    let mut running: Vec<(&str, &StateSpan)> = tasks
        .iter()
        .flat_map(|t| t.states.iter().map(move |s| (t.name.as_str(), s)))
        .filter(|(_, s)| s.state == TaskState::Running)
        .collect();
    running.sort_by(|a, b| a.1.from_ms.total_cmp(&b.1.from_ms));
    let loop_y = tasks.len() as f64 * (LANE + GAP);
    let queue_y = loop_y + LANE + GAP + 4.0;
    html! {
        <figure class="tasks">
            <figcaption>{ format!("{} · {} · {} tasks, {}", r.side.as_str(), r.strategy, tasks.len(), fmt_ms(length)) }</figcaption>
            <svg viewBox={format!("0 0 {W} {height}")} class="tasks-chart" role="img"
                 aria-label={format!("{} tasks over {}; at most {most} ready at once", tasks.len(), fmt_ms(length))}>
                { for tasks.iter().enumerate().map(|(i, t)| {
                    let y = i as f64 * (LANE + GAP);
                    let mut seen: Vec<&str> = Vec::new();
                    for s in &t.states {
                        if !seen.contains(&s.state.name()) {
                            seen.push(s.state.name());
                        }
                    }
                    html! {
                        <g class="task-lane" data-testid="task-lane" data-task={t.name.clone()} data-states={seen.join(",")}>
                            <text x="0" y={(y + LANE - 3.0).to_string()} class="lane-label">{ &t.name }</text>
                            { for t.states.iter().map(|s| {
                                let (mut x0, x1) = (x(s.from_ms, length), x(s.to_ms, length));
                                let w = if s.state.is_end() {
                                    x0 = x0.min(W - 5.0);
                                    5.0
                                } else {
                                    (x1 - x0).max(0.6)
                                };
                                html! {
                                    <rect class={classes!("st", format!("st-{}", s.state.name()))}
                                          data-state={s.state.name()} data-line={s.line.map(|l| l.to_string())}
                                          x={x0.to_string()} y={y.to_string()} width={w.to_string()} height={LANE.to_string()}
                                          onmouseenter={on(describe(&t.name, s))}>
                                        <title>{ describe(&t.name, s) }</title>
                                    </rect>
                                }
                            }) }
                        </g>
                    }
                }) }
                <g class="loop-lane" data-testid="loop-lane" data-polls={running.len().to_string()}>
                    <text x="0" y={(loop_y + LANE - 3.0).to_string()} class="lane-label">{ "loop" }</text>
                    <rect class="loop-idle" x={LABEL.to_string()} y={loop_y.to_string()} width={(W - LABEL).to_string()} height={LANE.to_string()}
                          onmouseenter={on("the loop idle: every task waiting, the loop waiting on its timers and I/O".to_string())} />
                    { for running.iter().map(|(name, s)| {
                        let (x0, x1) = (x(s.from_ms, length), x(s.to_ms, length));
                        let text = format!("the loop polling {name}: {} → {}", fmt_ms(s.from_ms), fmt_ms(s.to_ms));
                        html! {
                            <rect class="st st-running" x={x0.to_string()} y={loop_y.to_string()} width={(x1 - x0).max(0.6).to_string()} height={LANE.to_string()}
                                  onmouseenter={on(text.clone())}>
                                <title>{ text }</title>
                            </rect>
                        }
                    }) }
                </g>
                <g class="ready-queue" data-testid="ready-queue" data-max={most.to_string()} transform={format!("translate({LABEL} {queue_y})")}>
                    <text x={(-LABEL).to_string()} y="12" class="lane-label">{ "ready" }</text>
                    <text x={(-LABEL).to_string()} y="24" class="lane-label">{ format!("max {most}") }</text>
                    <line class="axis" x1="0" x2={(W - LABEL).to_string()} y1={QUEUE_H.to_string()} y2={QUEUE_H.to_string()} />
                    <path class="level ready-level" d={fill_path(ready, f64::from(most.max(1)), length, W - LABEL, QUEUE_H)} />
                </g>
            </svg>
        </figure>
    }
}
