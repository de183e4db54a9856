//! The interleaving explorer: each worker's code with its program counter and a Step button,
//! the shared state, the schedule so far, and "Count all" / "Show a wrong one". It draws
//! `crate::explorer::View`; every change goes through the reducer.

use crate::explorer::{Count, Explorer, thousands};
use crate::state::Action;
use interleave_shared::explore;
use interleave_shared::{LessonId, StrategyId};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Props of [`ExplorerPanel`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The explorer's state.
    pub explorer: Explorer,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// Pressed "Count all".
    pub on_count: Callback<()>,
}

/// Workers the page offers in the explorer: enough to see a race among several, few enough to
/// step by hand.
const WORKER_CHOICES: [u32; 3] = [1, 2, 3];

/// Rounds the page offers.
const ROUND_CHOICES: [u32; 3] = [1, 2, 3];

/// The explorer panel (test id `explore`).
///
/// Long on purpose: one `html!` panel; stepping and counting live in `explorer.rs`.
#[function_component(ExplorerPanel)]
pub fn explorer_panel(props: &Props) -> Html {
    let e = &props.explorer;
    let view = match e.view() {
        Ok(v) => v,
        Err(why) => {
            return html! { <section class="card explore" data-testid="explore"><p class="bad">{ why }</p></section> };
        }
    };
    let (lesson, strategy, workers, rounds) = (e.lesson, e.strategy, e.workers, e.rounds);
    let on_strategy = props.dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(
            lesson,
            StrategyId::from_name(&v).unwrap_or(strategy),
            workers,
            rounds,
        )
    });
    let on_workers = props.dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(lesson, strategy, v.parse().unwrap_or(workers), rounds)
    });
    let on_rounds = props.dispatch.reform(move |ev: Event| {
        let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
        reopen_with(lesson, strategy, workers, v.parse().unwrap_or(rounds))
    });
    let show_wrong = {
        let dispatch = props.dispatch.clone();
        let e = e.clone();
        Callback::from(move |_: MouseEvent| match e.shortest_wrong() {
            Ok(Some(s)) => dispatch.emit(Action::Follow(s)),
            Ok(None) => dispatch.emit(Action::Counted(Count::Failed(
                "no schedule of this model goes wrong: that is the fix working".into(),
            ))),
            Err(why) => dispatch.emit(Action::Counted(Count::Failed(why))),
        })
    };
    let on_count = props.on_count.reform(|_: MouseEvent| ());
    let fixed_workers = lesson == LessonId::Deadlock;
    let count = match &e.count {
        Count::None => html! {},
        Count::Running => html! {
            <p class="progress" role="status"><span class="spinner"></span>{ "counting every schedule in a web worker…" }</p>
        },
        Count::Done(c, ms) => html! {
            <p class="count" data-testid="explore-count" data-schedules={c.schedules.to_string()}
               data-wrong={c.wrong.to_string()} data-ms={format!("{ms:.1}")}>
                { format!("{} schedules, {} of them wrong ({:.1}%), counted in {} in a web worker.",
                    thousands(c.schedules), thousands(c.wrong), c.wrong as f64 * 100.0 / c.schedules.max(1) as f64,
                    interleave_shared::verdict::fmt_ms(*ms)) }
            </p>
        },
        Count::Failed(why) => html! { <p class="count bad">{ why }</p> },
    };
    html! {
        <section class="card explore" data-testid="explore">
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
                <button class="link" data-testid="explore-close" onclick={props.dispatch.reform(|_: MouseEvent| Action::CloseExplorer)}>{ "close ×" }</button>
            </div>
            <p class="hint-text">{ "You are the scheduler: press a worker's Step to run its next line. Each line is one indivisible step; between any two, the other workers may run." }</p>
            <div class="explore-workers">
                { for view.workers.iter().enumerate().map(|(w, wv)| html! {
                    <div class={classes!("explore-worker", wv.status.starts_with("blocked").then_some("stuck"))}>
                        <div class="worker-head">
                            <strong>{ format!("w{w}") }</strong>
                            if let Some(r) = wv.register { <span class="reg">{ format!("r = {r}") }</span> }
                        </div>
                        <ol class="code">
                            { for wv.lines.iter().enumerate().map(|(i, line)| html! {
                                <li class={classes!((i == wv.pc).then_some("pc"), (i < wv.pc).then_some("done"))}>
                                    <span class="marker">{ if i == wv.pc { "▶" } else { "" } }</span>{ line }
                                </li>
                            }) }
                        </ol>
                        <p class="status">{ &wv.status }</p>
                        <button data-testid={format!("step-{w}")} disabled={!wv.can_step}
                                onclick={props.dispatch.reform(move |_: MouseEvent| Action::Step(w))}>
                            { format!("Step w{w}") }
                        </button>
                    </div>
                }) }
            </div>
            <p class="explore-state" data-testid="explore-state">
                <strong>{ "shared: " }</strong>{ &view.shared }
                <span class="schedule">{ format!(" · schedule ({} steps): {}", e.schedule.len(),
                    if e.schedule.is_empty() { "–".to_string() } else { e.schedule_text() }) }</span>
            </p>
            if let Some((text, wrong)) = &view.ending {
                <p class={classes!("ending", if *wrong { "bad" } else { "ok" })} data-testid="explore-ending"
                   data-wrong={wrong.to_string()}>{ text }</p>
            }
            <div class="explore-buttons">
                <button class="secondary" data-testid="explore-undo" disabled={e.schedule.is_empty()}
                        onclick={props.dispatch.reform(|_: MouseEvent| Action::Undo)}>{ "Undo" }</button>
                <button class="secondary" data-testid="explore-reset" disabled={e.schedule.is_empty()}
                        onclick={props.dispatch.reform(|_: MouseEvent| Action::Reset)}>{ "Reset" }</button>
                <button class="secondary" data-testid="explore-count-all" disabled={e.count == Count::Running}
                        onclick={on_count}>{ "Count all" }</button>
                <button class="secondary" data-testid="explore-show-wrong" onclick={show_wrong}>{ "Show a wrong one" }</button>
            </div>
            { count }
            <p class="hint-text">{ format!("{} · the same model on the command line: ", view.title) }
                <code>{ format!("interleave explore {lesson} --strategy {strategy} --workers {workers} --rounds {rounds} --all") }</code></p>
        </section>
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
