//! The page: wires state, URL, runner and views together.

use crate::components::{Controls, Results, StatusChips, Timeline};
use crate::platform;
use crate::runner;
use crate::state::{Action, State};
use crate::url;
use yew::prelude::*;

/// Parse a number the user typed, with a message that names the value and the allowed range.
fn parse_number(name: &str, raw: &str, min: u64, max: u64) -> Result<u64, String> {
    raw.trim()
        .replace(['_', ',', ' '], "")
        .parse::<u64>()
        .map_err(|_| format!("{name} '{raw}' is not a whole number: allowed {min}..={max}"))
}

/// Validate the inputs, then run the ticked strategies and store their records.
fn start_run(state: UseReducerHandle<State>) {
    let s = (*state).clone();
    if s.running.is_some() {
        return;
    }
    let isolated = platform::cross_origin_isolated();
    let strategies: Vec<&'static str> = s
        .strategies
        .iter()
        .copied()
        .filter(|st| isolated || *st != "pool")
        .collect();
    if strategies.is_empty() {
        state.dispatch(Action::Failed("tick at least one strategy to run".into()));
        return;
    }
    let lesson = s.lesson;
    let parsed = parse_number("size", &s.size, lesson.size.min, lesson.size.max).and_then(|size| {
        let w = interleave_shared::params::WORKERS;
        let workers = parse_number("workers", &s.workers, w.min, w.max)?;
        lesson
            .params(
                Some(size),
                Some(workers),
                None,
                None,
                platform::hardware_threads(),
            )
            .map_err(|e| e.to_string())
    });
    let params = match parsed {
        Ok(p) => p,
        Err(e) => {
            state.dispatch(Action::Failed(e));
            return;
        }
    };
    state.dispatch(Action::Progress("starting…".into()));
    wasm_bindgen_futures::spawn_local(async move {
        let progress = {
            let state = state.clone();
            move |text: String| state.dispatch(Action::Progress(text))
        };
        match runner::run(lesson, &strategies, params, progress).await {
            Ok(records) => state.dispatch(Action::Finished(records)),
            Err(e) => state.dispatch(Action::Failed(e)),
        }
    });
}

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    let url_settings = use_memo((), |_| url::read(platform::hardware_threads()));
    let state = {
        let u = (*url_settings).clone();
        use_reducer(move || State::from_url(u))
    };

    // Ask the companion once; then, if the URL says so, run without a click.
    {
        let state = state.clone();
        let autorun = url_settings.autorun;
        use_effect_with((), move |_| {
            let st = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                st.dispatch(Action::Companion(platform::companion_health().await));
            });
            if autorun {
                start_run(state);
            }
        });
    }

    // Keep the address bar a permalink of the current settings.
    {
        let s = (*state).clone();
        use_effect_with(
            (
                s.lesson.name,
                s.strategies.clone(),
                s.size.clone(),
                s.workers.clone(),
                s.embed,
            ),
            move |(lesson, strategies, size, workers, embed)| {
                url::write(lesson, strategies, size, workers, *embed);
            },
        );
    }

    let on_run = {
        let state = state.clone();
        Callback::from(move |_| start_run(state.clone()))
    };
    let dispatch = {
        let state = state.clone();
        Callback::from(move |a: Action| state.dispatch(a))
    };
    let s = &*state;
    let errors = (!s.errors.is_empty()).then(|| {
        let dismiss = dispatch.reform(|_: MouseEvent| Action::DismissErrors);
        html! {
            <div class="error" data-testid="error" role="alert">
                <ul>{ for s.errors.iter().map(|e| html! { <li>{ e }</li> }) }</ul>
                <button class="link" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
            </div>
        }
    });
    let lesson = s.lesson;
    let full_link = format!(
        "./?lesson={}&strategies={}&size={}&workers={}",
        lesson.name,
        s.strategies.join(","),
        s.size,
        s.workers
    );

    html! {
        <div class={classes!("page", s.embed.then_some("embed"))}>
            if !s.embed {
                <header class="top">
                    <div class="brand">
                        <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
                            <rect x="3" y="5" width="16" height="6" rx="2" class="l1" />
                            <rect x="13" y="13" width="16" height="6" rx="2" class="l2" />
                            <rect x="6" y="21" width="12" height="6" rx="2" class="l3" />
                        </svg>
                        <div>
                            <h1>{ "Interleave" }</h1>
                            <p class="tagline">{ "See what sequential code, async tasks, a thread pool and workers do with the same work." }</p>
                        </div>
                    </div>
                    <StatusChips companion={s.companion.clone()} />
                </header>
            } else {
                <header class="top compact">
                    <strong>{ lesson.title }</strong>
                    <StatusChips companion={s.companion.clone()} />
                    <a class="full-link" href={full_link} target="_blank" rel="noopener">{ "Open in Interleave ↗" }</a>
                </header>
            }
            { for errors }
            <main>
                <Controls state={s.clone()} dispatch={dispatch.clone()} on_run={on_run} />
                if !s.embed {
                    <section class="card explain">
                        <h2>{ lesson.title }</h2>
                        <p>{ lesson.explanation }</p>
                    </section>
                }
                if let Some(text) = &s.running {
                    <div class="progress" role="status"><span class="spinner"></span>{ text }</div>
                }
                <Results records={s.records.clone()} />
                <Timeline records={s.records.clone()} />
            </main>
        </div>
    }
}
