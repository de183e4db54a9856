//! The control bar: lesson picker, strategy toggles, size and workers, Run.

use crate::exec::platform;
use crate::state::{Action, Companion, State, needs_isolation};
use interleave_shared::LessonId;
use interleave_shared::lessons::catalogue;
use interleave_shared::params::WORKERS;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Current state.
    pub state: State,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// Pressed Run.
    pub on_run: Callback<MouseEvent>,
    /// Pressed Cancel.
    pub on_cancel: Callback<MouseEvent>,
    /// Say here why the pool is off (an embed with folded controls says it above the fold).
    #[prop_or(true)]
    pub pool_note: bool,
}

/// The controls; every input shows its bounds.
///
/// Long on purpose: one `html!` form; each input's behaviour is an `Action` in `state.rs`.
#[function_component(Controls)]
pub fn controls(props: &Props) -> Html {
    let s = &props.state;
    let lesson = s.settings.lesson;
    let isolated = platform::cross_origin_isolated();
    let on_lesson = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            // The picker only offers catalogue names; anything else is ignored.
            if let Some(id) = LessonId::from_name(&value) {
                dispatch.emit(Action::SetLesson(id));
            }
        })
    };
    let on_size = props.dispatch.reform(|e: InputEvent| {
        Action::SetSize(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_workers = props.dispatch.reform(|e: InputEvent| {
        Action::SetWorkers(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_latency = props.dispatch.reform(|e: InputEvent| {
        Action::SetLatency(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_repeat = props.dispatch.reform(|e: InputEvent| {
        Action::SetRepeat(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_native = props.dispatch.reform(|_: Event| Action::ToggleNative);
    let connected = matches!(s.companion, Companion::Connected(_));
    let running = s.running.is_some();
    // Where the page's rows come from: the browser, or the companion for native-only lessons.
    let side = if lesson.web.is_empty() {
        interleave_shared::Side::Native
    } else {
        interleave_shared::Side::Web
    };
    let workers_fixed = lesson.fixed_workers(side);
    html! {
        <section class="card controls">
            <label class="field">
                <span>{ "Lesson" }</span>
                <select data-testid="lesson-picker" onchange={on_lesson} disabled={running}>
                    { for catalogue().map(|l| html! {
                        <option value={l.name()} selected={l.id == lesson.id}>
                            { format!("{} — {}{}", l.name(), l.title, if l.web.is_empty() { " (native)" } else { "" }) }
                        </option>
                    }) }
                </select>
            </label>
            <fieldset class="field strategies">
                <legend>{ "Strategies" }</legend>
                if lesson.web.is_empty() {
                    <span class="native-only" data-testid="native-only">
                        { if connected { "runs natively on the companion: "} else { "runs natively only: start the companion (scripts/serve) to run it — " } }
                        { lesson.native.iter().map(|st| st.id.name()).collect::<Vec<_>>().join(", ") }
                    </span>
                }
                { for lesson.web.iter().map(|st| {
                    let (id, name) = (st.id, st.id.name());
                    let blocked = needs_isolation(lesson, id) && !isolated;
                    let checked = s.settings.strategies.contains(&id) && !blocked;
                    let toggle = props.dispatch.reform(move |_: Event| Action::Toggle(id));
                    html! {
                        <label class={classes!("toggle", blocked.then_some("blocked"))}
                               title={if blocked { "needs cross-origin isolation (COOP/COEP): unavailable on this page" } else { "" }}>
                            <input type="checkbox" data-testid={format!("strategy-{name}")}
                                   checked={checked} disabled={blocked || running} onchange={toggle} />
                            { name }
                        </label>
                    }
                }) }
            </fieldset>
            <label class="field">
                <span>{ format!("Size ({})", lesson.size.unit) }</span>
                <input data-testid="param-size" inputmode="numeric" value={s.settings.size.clone()} oninput={on_size}
                       disabled={running} title={format!("{}: {}..={}", lesson.size.help, lesson.size.min, lesson.size.max)} />
                <small>{ format!("{}–{}", lesson.size.min, lesson.size.max) }</small>
            </label>
            <label class={classes!("field", "narrow", workers_fixed.is_some().then_some("fixed"))}>
                <span>{ "Workers" }</span>
                <input data-testid="param-workers" inputmode="numeric" value={s.settings.workers.clone()} oninput={on_workers}
                       disabled={running || workers_fixed.is_some()}
                       title={workers_fixed.clone().unwrap_or_else(|| WORKERS.help.to_string())} />
                if let Some(why) = &workers_fixed {
                    <small class="why" title={why.clone()}>{ "set by the lesson" }</small>
                } else {
                    <small>{ format!("{}–{}", WORKERS.min, WORKERS.max) }</small>
                }
            </label>
            if let Some(spec) = lesson.latency {
                <label class="field narrow">
                    <span>{ "Latency (ms)" }</span>
                    <input data-testid="param-latency" inputmode="numeric" value={s.settings.latency.clone()} oninput={on_latency}
                           disabled={running} title={spec.help} />
                    <small>{ format!("{}–{}", spec.min, spec.max) }</small>
                </label>
            }
            <label class="field narrow">
                <span>{ "Repeats" }</span>
                <input data-testid="param-repeat" inputmode="numeric" value={s.settings.repeat.clone()} oninput={on_repeat}
                       disabled={running}
                       title="timed runs per strategy, after one untimed warm-up: the table shows the median and the range" />
                <small>{ format!("1–{}", crate::url::MAX_REPEAT) }</small>
            </label>
            // A native-only lesson's rows are all native: there is nothing to add or leave out.
            if connected && !lesson.native.is_empty() && !lesson.web.is_empty() {
                <label class="toggle native" title="Also run this lesson natively on the companion (interleave serve) and show those rows">
                    <input type="checkbox" data-testid="native-rows" checked={s.settings.native} onchange={on_native} disabled={running} />
                    { "+ native rows" }
                </label>
            }
            if running {
                <button class="run cancel" data-testid="cancel" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
            } else {
                <button class="run" data-testid="run" onclick={props.on_run.clone()}>{ "Run ▶" }</button>
            }
            if let Some(why) = &workers_fixed {
                <p class="hint" data-testid="workers-fixed">{ format!("Workers: {why}.") }</p>
            }
            if props.pool_note {
                <PoolOff state={s.clone()} />
            }
        </section>
    }
}

/// Props of [`PoolOff`].
#[derive(Properties, PartialEq)]
pub struct PoolOffProps {
    /// Current state.
    pub state: State,
}

/// The one line saying which strategies are off and why, when the page is not isolated; in a
/// frame with a link to a tab of its own, which gets the threads.
#[function_component(PoolOff)]
pub fn pool_off(props: &PoolOffProps) -> Html {
    let s = &props.state;
    let lesson = s.settings.lesson;
    let isolation = platform::isolation();
    let blocked: Vec<&str> = lesson
        .web
        .iter()
        .filter(|st| needs_isolation(lesson, st.id))
        .map(|st| st.id.name())
        .collect();
    if isolation.isolated() || blocked.is_empty() {
        return html! {};
    }
    html! {
        <p class="hint" data-testid="pool-off" data-why={isolation.code()}>
            { format!("{} {} off: {}.{}",
                blocked.join(", "),
                if blocked.len() == 1 { "is" } else { "are" },
                platform::why_off(),
                if blocked.len() < lesson.web.len() { " Every other strategy runs." } else { "" }) }
            // In a frame the lesson gets its threads in a tab of its own, which is isolated by
            // the playground's own headers or its service worker.
            if platform::in_frame() {
                { " " }
                <a href={format!("./{}", crate::url::query(&s.settings))} target="_blank"
                   rel="noopener" data-testid="pool-new-tab">{ "Open in a new tab ↗" }</a>
            }
        </p>
    }
}
