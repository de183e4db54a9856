//! The interleaving explorer: each thread's code with its next step and a Step button, the
//! shared state, the schedule as a list of steps to move through (back, forward, play), "Check
//! all" in a web worker and "Show the shortest bad one". For a learner's own program, an editor
//! with an example menu and the parse error beside its line. It draws
//! `crate::explorer::View`; every change goes through the reducer.

use crate::explorer::{Count, Explorer, Problem, View, grouped, thousands};
use crate::state::Action;
use gloo_timers::callback::Interval;
use interleave_shared::explore::{self, program};
use interleave_shared::{LessonId, StrategyId};
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Props of [`ExplorerPanel`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The explorer's state.
    pub explorer: Explorer,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// Pressed "Check all" (`false`) or "Show the shortest bad one" before a count (`true`).
    pub on_count: Callback<bool>,
}

/// Workers the page offers in the explorer: enough to see a race among several, few enough to
/// step by hand.
const WORKER_CHOICES: [u32; 3] = [1, 2, 3];

/// Rounds the page offers.
const ROUND_CHOICES: [u32; 3] = [1, 2, 3];

/// Milliseconds between steps when playing: slow enough to read each one.
const PLAY_EVERY_MS: u32 = 700;

/// The explorer panel (test id `explore`).
///
/// Long on purpose: one `html!` panel whose parts (head, editor, threads, steps, buttons,
/// count) share the view; stepping and counting live in `explorer.rs`.
#[function_component(ExplorerPanel)]
pub fn explorer_panel(props: &Props) -> Html {
    let e = &props.explorer;
    let dispatch = &props.dispatch;
    // Play: one step forward every PLAY_EVERY_MS until the end (the interval is dropped then).
    let playing = use_state(|| false);
    {
        let (playing, dispatch) = (playing.clone(), dispatch.clone());
        let at_end = e.at >= e.schedule.len();
        use_effect_with((*playing, at_end), move |&(on, at_end)| {
            let timer = (on && !at_end)
                .then(|| Interval::new(PLAY_EVERY_MS, move || dispatch.emit(Action::Seek(1))));
            if on && at_end {
                playing.set(false);
            }
            move || drop(timer)
        });
    }
    let view = e.view();
    let head = head(e, dispatch);
    let editor = match &e.program {
        Some(src) => editor(src, view.as_ref().err(), dispatch),
        None => html! {},
    };
    let body = match &view {
        Ok(v) => body(e, v, dispatch, &playing),
        Err(Problem::Program(_)) => html! {},
        Err(why) => html! { <p class="bad">{ why.to_string() }</p> },
    };
    let running = matches!(e.count, Count::Running { .. });
    let show_wrong = {
        let (dispatch, on_count, e) = (dispatch.clone(), props.on_count.clone(), e.clone());
        Callback::from(move |_: MouseEvent| match (&e.program, &e.count) {
            (Some(_), Count::Done(r, ..)) if r.shortest_wrong.is_empty() => {
                dispatch.emit(Action::Counted(Count::Failed(
                    "no schedule of this program ends badly: every interleaving is fine".into(),
                )))
            }
            (Some(_), Count::Done(r, ..)) => {
                dispatch.emit(Action::Follow(r.shortest_wrong.clone()))
            }
            (Some(_), _) => on_count.emit(true),
            (None, _) => match e.shortest_wrong() {
                Ok(Some(s)) => dispatch.emit(Action::Follow(s)),
                Ok(None) => dispatch.emit(Action::Counted(Count::Failed(
                    "no schedule of this model goes wrong: that is the fix working".into(),
                ))),
                Err(why) => dispatch.emit(Action::Counted(Count::Failed(why))),
            },
        })
    };
    let broken = matches!(view, Err(Problem::Program(_)));
    html! {
        <section class="card explore" data-testid="explore" aria-label="Interleaving explorer" tabindex="-1">
            { head }
            if let Some(tie) = &e.from_run {
                <p class="from-run" data-testid="explore-from-run">{ tie }</p>
            }
            <p class="hint-text">{ "You are the scheduler: press a thread's Step to run its next step. Each step is one indivisible action; between any two, the other threads may run." }</p>
            { editor }
            { body }
            <div class="explore-buttons">
                <button class="secondary" data-testid="explore-undo" disabled={e.schedule.is_empty()}
                        onclick={dispatch.reform(|_: MouseEvent| Action::Undo)}>{ "Undo" }</button>
                <button class="secondary" data-testid="explore-reset" disabled={e.schedule.is_empty()}
                        onclick={dispatch.reform(|_: MouseEvent| Action::Reset)}>{ "Reset" }</button>
                <button class="secondary" data-testid="explore-count-all" disabled={running || broken}
                        onclick={props.on_count.reform(|_: MouseEvent| false)}>{ "Check all" }</button>
                if running {
                    <button class="secondary" data-testid="explore-cancel"
                            onclick={dispatch.reform(|_: MouseEvent| Action::CancelCheck)}>{ "Cancel" }</button>
                }
                <button class="secondary" data-testid="explore-show-wrong" disabled={running || broken}
                        onclick={show_wrong}>{ "Show the shortest bad one" }</button>
            </div>
            { count(&e.count) }
            { cli_line(e) }
        </section>
    }
}

/// The title and, for a lesson's model, its strategy, workers and rounds; for a program, the
/// example menu.
fn head(e: &Explorer, dispatch: &Callback<Action>) -> Html {
    let (lesson, strategy, workers, rounds) = (e.lesson, e.strategy, e.workers, e.rounds);
    let close = dispatch.reform(|_: MouseEvent| Action::CloseExplorer);
    if e.program.is_some() {
        let on_example = dispatch.reform(move |ev: Event| {
            let name = ev.target_unchecked_into::<HtmlSelectElement>().value();
            let source = program::examples()
                .iter()
                .find(|x| x.name == name)
                .map_or("", |x| x.source);
            Action::Edit(source.to_string())
        });
        return html! {
            <div class="explore-head">
                <h2>{ "Your own program" }</h2>
                <label>{ "example " }
                    <select data-testid="program-example" onchange={on_example}>
                        <option value="" selected=true disabled=true>{ "choose one…" }</option>
                        { for program::examples().iter().map(|x| html! {
                            <option value={x.name} title={x.expect}>{ x.name }</option>
                        }) }
                    </select>
                </label>
                <button class="link" data-testid="explore-close" onclick={close}>{ "close ×" }</button>
            </div>
        };
    }
    let on_strategy = dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(
            lesson,
            StrategyId::from_name(&v).unwrap_or(strategy),
            workers,
            rounds,
        )
    });
    let on_workers = dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(lesson, strategy, v.parse().unwrap_or(workers), rounds)
    });
    let on_rounds = dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(lesson, strategy, workers, v.parse().unwrap_or(rounds))
    });
    let fixed_workers = lesson == LessonId::Deadlock;
    html! {
        <div class="explore-head">
            <h2>{ "Be the scheduler" }</h2>
            <label>{ "strategy " }
                <select data-testid="explore-strategy" onchange={on_strategy}>
                    { for explore::strategies(lesson).iter().map(|s| html! {
                        <option value={s.name()} selected={*s == strategy}>{ s.name() }</option>
                    }) }
                </select>
            </label>
            <label>{ "workers " }
                <select onchange={on_workers} disabled={fixed_workers}>
                    { for WORKER_CHOICES.iter().filter(|w| !fixed_workers || **w == 2).map(|w| html! {
                        <option value={w.to_string()} selected={*w == workers}>{ w }</option>
                    }) }
                </select>
            </label>
            <label>{ "rounds " }
                <select onchange={on_rounds}>
                    { for ROUND_CHOICES.iter().map(|r| html! {
                        <option value={r.to_string()} selected={*r == rounds}>{ r }</option>
                    }) }
                </select>
            </label>
            <button class="link" data-testid="explore-close" onclick={close}>{ "close ×" }</button>
        </div>
    }
}

/// The program editor and, when it does not parse, the error beside its line.
fn editor(src: &str, problem: Option<&Problem>, dispatch: &Callback<Action>) -> Html {
    let on_input = dispatch.reform(|ev: InputEvent| {
        Action::Edit(ev.target_unchecked_into::<HtmlTextAreaElement>().value())
    });
    let rows = src.lines().count().clamp(6, 24).to_string();
    let error = match problem {
        Some(Problem::Program(err)) => {
            let line = src
                .lines()
                .nth(err.line.saturating_sub(1) as usize)
                .unwrap_or("");
            let caret = format!("{}^", " ".repeat(err.column.saturating_sub(1) as usize));
            html! {
                <div class="program-error bad" data-testid="program-error" data-line={err.line.to_string()}
                     data-column={err.column.to_string()} role="alert">
                    <p>{ format!("line {}, column {}: {}", err.line, err.column, err.message) }</p>
                    <pre aria-hidden="true">{ format!("{:>3} | {line}\n    | {caret}", err.line) }</pre>
                </div>
            }
        }
        _ => html! {},
    };
    html! {
        <div class="program">
            <label class="program-label" for="program-editor">{ "program: threads are preempted anywhere; tasks share one thread and switch only at await" }</label>
            <textarea id="program-editor" data-testid="program-editor" spellcheck="false" autocomplete="off"
                      rows={rows} value={src.to_string()} oninput={on_input} />
            { error }
            <details class="language">
                <summary>{ "the language" }</summary>
                <pre class="code-block" tabindex="0">{ LANGUAGE }</pre>
            </details>
        </div>
    }
}

/// The language in a screenful, beside the editor (docs/page.md has the whole of it).
const LANGUAGE: &str = "\
shared balance = 0, flags[2] = 0   # shared integers and arrays (64-bit)
lock m, fork[5]                    # locks, and arrays of them
thread w0:                         # a thread: preempted between any two steps
    r = balance                    # r: the thread's own register (starts at 0)
    balance = r + 5
thread p x 3:                      # three copies p#0, p#1, p#2; `me` is the copy's number
    lock fork[me]
    unlock fork[me]
task t:                            # tasks share one thread and switch only at await
    await
check balance == 0                 # judged when every thread has finished

statements: x = e   x += e   atomic x += e   lock m   unlock m   assert cond
            if / elif / else   while cond:   break   continue   pass   await
expressions: + - * / %   == != < <= > >=   and or not   a[i]   me   true false
steps: each read or write of a shared variable, lock, unlock and atomic is one step;
       a line touching two shared variables is two steps (the list shows the split)
bad endings: a failed assert or check, a deadlock, a livelock, an overflow,
             an index out of range, a division by zero, unlock of a lock not held";

/// The threads, the state, the steps and the ending.
fn body(
    e: &Explorer,
    view: &View,
    dispatch: &Callback<Action>,
    playing: &UseStateHandle<bool>,
) -> Html {
    let n = e.schedule.len();
    let at = e.at.min(n);
    let threads = html! {
        <div class="explore-workers">
            { for view.threads.iter().enumerate().map(|(w, t)| html! {
                <div class={classes!("explore-worker", t.status.starts_with("blocked").then_some("stuck"))}>
                    <div class="worker-head">
                        <strong>{ &t.name }</strong>
                        if let Some(r) = &t.register { <span class="reg">{ r }</span> }
                    </div>
                    <ol class="code">
                        { for t.lines.iter().enumerate().map(|(i, line)| html! {
                            <li class={classes!((i == t.pc).then_some("pc"), (i < t.pc).then_some("done"))}
                                title={format!("line {}", t.source_lines.get(i).copied().unwrap_or(0))}>
                                <span class="marker">{ if i == t.pc { "▶" } else { "" } }</span>{ line }
                            </li>
                        }) }
                    </ol>
                    <p class="status">{ &t.status }</p>
                    <button data-testid={format!("step-{w}")} disabled={!t.can_step}
                            onclick={dispatch.reform(move |_: MouseEvent| Action::Step(w))}>
                        { format!("Step {}", t.name) }
                    </button>
                </div>
            }) }
        </div>
    };
    let model_source = if e.program.is_none() {
        let (lesson, source) = (e.lesson, view.source.clone());
        html! {
            <details class="model-source">
                <summary>{ "the model as a program" }</summary>
                <pre class="code-block" tabindex="0">{ &view.source }</pre>
                <button class="secondary" data-testid="program-edit"
                        onclick={dispatch.reform(move |_: MouseEvent| Action::OpenExplorer(Explorer::own(lesson, source.clone())))}>
                    { "Edit it as your own program" }
                </button>
            </details>
        }
    } else {
        html! {}
    };
    let on_play = {
        let playing = playing.clone();
        let dispatch = dispatch.clone();
        let restart = at >= n;
        Callback::from(move |_: MouseEvent| {
            if *playing {
                playing.set(false);
            } else {
                if restart {
                    dispatch.emit(Action::SeekTo(0));
                }
                playing.set(true);
            }
        })
    };
    let steps = html! {
        <div class="explore-steps">
            <div class="steps-head">
                <strong>{ "Schedule" }</strong>
                <span data-testid="explore-at" data-index={at.to_string()} aria-live="polite">
                    { format!("step {at} of {n}") }
                    // Heard, not seen: what the step just shown did (the list shows it).
                    if let Some(step) = at.checked_sub(1).and_then(|i| view.steps.get(i)) {
                        <span class="sr-only">{ format!(": {}", step.spoken()) }</span>
                    }
                </span>
                <button class="secondary" data-testid="explore-back" disabled={at == 0}
                        aria-label="step back" onclick={dispatch.reform(|_: MouseEvent| Action::Seek(-1))}>{ "◀ back" }</button>
                <button class="secondary" data-testid="explore-forward" disabled={at >= n}
                        aria-label="step forward" onclick={dispatch.reform(|_: MouseEvent| Action::Seek(1))}>{ "forward ▶" }</button>
                <button class="secondary" data-testid="explore-play" disabled={n == 0} aria-pressed={playing.to_string()}
                        onclick={on_play}>{ if **playing { "❚❚ pause" } else { "▶▶ play" } }</button>
            </div>
            if view.steps.is_empty() {
                <p class="hint-text">{ "No steps yet: press a Step button, or Show the shortest bad one." }</p>
            } else {
                <ol class="steps" data-testid="explore-steps">
                    { for view.steps.iter().enumerate().map(|(i, s)| {
                        let class = classes!(
                            "step",
                            if i < at { "taken" } else { "ahead" },
                            (i + 1 == at).then_some("current"),
                            s.lost.then_some("lost"),
                            s.blocked.then_some("blocked"),
                        );
                        html! {
                            <li class={class} data-testid="explore-step" data-index={i.to_string()}
                                data-lost={s.lost.to_string()} data-blocked={s.blocked.to_string()}>
                                <button class="link" title="show the state after this step"
                                        onclick={dispatch.reform(move |_: MouseEvent| Action::SeekTo(i + 1))}>
                                    <span class="who">{ &s.thread }</span>
                                    <code>{ &s.text }</code>
                                    <span class="after">{ format!("→ {}", s.state) }</span>
                                </button>
                                if !s.note.is_empty() {
                                    <span class="note">{ if s.lost { "⚑ " } else { "⏸ " } }{ &s.note }</span>
                                }
                            </li>
                        }
                    }) }
                </ol>
            }
        </div>
    };
    html! {
        <>
            { model_source }
            <div class="explore-body">
                <div class="explore-main">
                    { threads }
                    <p class="explore-state" data-testid="explore-state">
                        <strong>{ "shared: " }</strong>{ &view.shared }
                        <span class="schedule">{ format!(" · schedule ({n} steps): {}",
                            if e.schedule.is_empty() { "–".to_string() } else { e.schedule_text() }) }</span>
                    </p>
                    if let Some((text, wrong)) = &view.ending {
                        <p class={classes!("ending", if *wrong { "bad" } else { "ok" })} data-testid="explore-ending"
                           data-wrong={wrong.to_string()} role="status">{ text }</p>
                    }
                </div>
                { steps }
            </div>
        </>
    }
}

/// "Check all"'s progress or answer.
fn count(c: &Count) -> Html {
    match c {
        Count::None => html! {},
        Count::Running { states, .. } => html! {
            <p class="progress" role="status" data-testid="explore-progress" data-states={states.to_string()}>
                <span class="spinner"></span>
                { format!("checking every interleaving in a web worker… {} states so far", thousands(*states)) }
            </p>
        },
        Count::Done(r, ms, memory) => {
            let mib = *memory as f64 / (1024.0 * 1024.0);
            let finite = r.schedules_text.bytes().all(|b| b.is_ascii_digit());
            let share = match (r.schedules, r.wrong.parse::<f64>()) {
                (Some(n), Ok(w)) if n > 0 => format!(" ({:.1}%)", w * 100.0 / n as f64),
                _ => String::new(),
            };
            let text = if finite {
                format!(
                    "{} schedules over {} states, {} of them bad{share}, checked in {} in a web worker ({mib:.0} MiB).",
                    grouped(&r.schedules_text),
                    thousands(r.states),
                    grouped(&r.wrong),
                    interleave_shared::verdict::fmt_ms(*ms)
                )
            } else {
                format!(
                    "{} states; schedules: {}; {} bad ending states, checked in {} in a web worker ({mib:.0} MiB).",
                    thousands(r.states),
                    r.schedules_text,
                    thousands(r.wrong_states),
                    interleave_shared::verdict::fmt_ms(*ms)
                )
            };
            html! {
                <div class="count" data-testid="explore-count"
                     data-schedules={r.schedules.map_or_else(|| r.schedules_text.clone(), |n| n.to_string())}
                     data-wrong={r.wrong.clone()} data-states={r.states.to_string()} data-ms={format!("{ms:.1}")}
                     data-memory={memory.to_string()}
                     role="status">
                    <p>{ text }</p>
                    if !r.ending.is_empty() {
                        <p class="bad">{ format!("The shortest bad schedule ({} steps) ends: {}", r.shortest_wrong.len(), r.ending) }</p>
                    }
                </div>
            }
        }
        Count::Failed(why) => {
            html! { <p class="count bad" data-testid="explore-failed" role="status">{ why }</p> }
        }
    }
}

/// The same check on the command line.
fn cli_line(e: &Explorer) -> Html {
    let (lesson, strategy, workers, rounds) = (e.lesson, e.strategy, e.workers, e.rounds);
    let command = match &e.program {
        Some(_) => "interleave explore --program FILE --all".to_string(),
        None => format!(
            "interleave explore {lesson} --strategy {strategy} --workers {workers} --rounds {rounds} --all"
        ),
    };
    html! {
        <p class="hint-text">{ "the same check on the command line: " }<code>{ command }</code></p>
    }
}

/// A fresh explorer for another strategy, worker count or round count.
fn reopen_with(lesson: LessonId, strategy: StrategyId, workers: u32, rounds: u32) -> Action {
    let workers = if lesson == LessonId::Deadlock {
        2
    } else {
        workers
    };
    Action::OpenExplorer(Explorer::new(lesson, strategy, workers, rounds))
}
