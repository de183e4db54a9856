//! The page: wires state, URL, runner and views together.

use crate::components::{
    CodePanel, Controls, ExplorerPanel, PoolOff, Prediction, Results, SourceLine, StateView,
    StatusChips, Timeline, glossed,
};
use crate::exec::{self, platform};
use crate::explorer::{Count, Explorer};
use crate::host_page;
use crate::page_data;
use crate::run;
use crate::state::{Action, Companion, State, needs_isolation};
use crate::url;
use interleave_shared::explore::{self, program};
use interleave_shared::request::{RawParams, StrategyList};
use interleave_shared::{ParamSpec, RunBody, Side, StrategyId};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Parse a number the user typed, with a message that names the value and the allowed range.
fn parse_number(name: &str, raw: &str, min: u64, max: u64) -> Result<u64, String> {
    raw.trim()
        .replace(['_', ',', ' '], "")
        .parse::<u64>()
        .map_err(|_| format!("{name} '{raw}' is not a whole number: allowed {min}..={max}"))
}

/// The page's inputs as a run request body: the one request type the CLI and the companion use.
fn body_of(s: &State, strategies: &[StrategyId]) -> Result<RunBody, String> {
    let lesson = s.settings.lesson;
    let number =
        |name: &str, raw: &str, spec: ParamSpec| parse_number(name, raw, spec.min, spec.max);
    let latency_ms = match lesson.latency {
        Some(spec) => Some(number("latency", &s.settings.latency, spec)?),
        None => None,
    };
    let names: Vec<&str> = strategies.iter().map(|id| id.name()).collect();
    Ok(RunBody {
        lesson: lesson.name().into(),
        strategies: Some(StrategyList::Comma(if names.is_empty() {
            "all".into()
        } else {
            names.join(",")
        })),
        workers: Some(number(
            "workers",
            &s.settings.workers,
            interleave_shared::params::WORKERS,
        )?),
        params: RawParams {
            size: Some(number("size", &s.settings.size, lesson.size)?),
            latency_ms,
            bytes: None,
        },
    })
}

/// Validate the inputs, then run the ticked strategies and store their records.
fn start_run(state: UseReducerHandle<State>, s: State) {
    if s.running.is_some() {
        return;
    }
    let parent = s.settings.parent.clone();
    let lesson_name = s.settings.lesson.name();
    // Every way a run ends is also told to the embedding page, when there is one.
    let fail = {
        let state = state.clone();
        let parent = parent.clone();
        move |e: String| {
            host_page::run_ended(parent.as_deref(), lesson_name, Err(&e));
            state.dispatch(Action::Failed(e));
        }
    };
    let isolated = platform::cross_origin_isolated();
    let strategies: Vec<StrategyId> = s
        .settings
        .strategies
        .iter()
        .copied()
        .filter(|id| isolated || !needs_isolation(s.settings.lesson, *id))
        .collect();
    let connected = matches!(s.companion, Companion::Connected(_));
    let native_only = s.settings.lesson.web.is_empty();
    if native_only && !connected {
        fail(format!(
            "{} runs natively only, and no companion answers: start `interleave serve` (scripts/serve does)",
            s.settings.lesson.name()
        ));
        return;
    }
    if strategies.is_empty() && !native_only {
        fail("tick at least one strategy to run".into());
        return;
    }
    let request = body_of(&s, &strategies)
        .and_then(|b| b.resolve(Side::Web, s.cores).map_err(|e| e.to_string()));
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            fail(e);
            return;
        }
    };
    let repeat = match parse_number("repeat", &s.settings.repeat, 1, u64::from(url::MAX_REPEAT)) {
        Ok(r) if (1..=u64::from(url::MAX_REPEAT)).contains(&r) => r as u32,
        Ok(r) => {
            fail(format!(
                "repeat {r} is out of range: allowed 1..={}",
                url::MAX_REPEAT
            ));
            return;
        }
        Err(e) => {
            fail(e);
            return;
        }
    };
    let env = exec::Env {
        companion: connected,
        native_rows: s.settings.native || native_only,
        cancel: s.cancel.clone(),
        repeat,
    };
    state.dispatch(Action::Progress("starting…".into()));
    crate::exec::executor::spawn(async move {
        let progress = {
            let state = state.clone();
            move |text: String| state.dispatch(Action::Progress(text))
        };
        match run::run(&request, env, progress).await {
            Ok((records, warnings)) => {
                host_page::run_ended(parent.as_deref(), lesson_name, Ok(&records));
                state.dispatch(Action::Finished(records, warnings));
            }
            Err(e) => fail(e),
        }
    });
}

/// "Check all": check the explorer's program (a lesson's model is one too) over every
/// interleaving in a message-passing web worker, so the page stays responsive however long it
/// takes; progress as it goes, Cancel terminates the worker. `follow`: show the shortest bad
/// schedule when done.
fn count_all(state: UseReducerHandle<State>, e: Explorer, follow: bool) {
    state.dispatch(Action::Counted(Count::Running { states: 0, follow }));
    state.check_cancel.set(false);
    let cancel = state.check_cancel.clone();
    crate::exec::executor::spawn(async move {
        let progress = {
            let state = state.clone();
            move |states| state.dispatch(Action::Counted(Count::Running { states, follow }))
        };
        let count = match exec::workers::check(e.source(), None, &cancel, progress).await {
            Ok(c) => Count::Done(c.report, c.ms, c.memory),
            Err(why) => Count::Failed(why),
        };
        state.dispatch(Action::Counted(count));
    });
}

/// Offer the records as a JSON download (`interleave run --json` reads the same format).
fn export(records: &[interleave_shared::RunRecord], lesson: &'static str) -> Result<(), String> {
    let json = serde_json::to_string_pretty(records).map_err(|e| e.to_string())?;
    download(json, &format!("interleave-{lesson}-runs.json"))
}

/// Offer the run's spans as a Chrome Trace Event file (Perfetto opens it), as the CLI's
/// `--trace` writes.
fn export_trace(
    records: &[interleave_shared::RunRecord],
    lesson: &'static str,
) -> Result<(), String> {
    let json = serde_json::to_string(&interleave_shared::trace::trace(records))
        .map_err(|e| e.to_string())?;
    download(json, &format!("interleave-{lesson}-trace.json"))
}

/// Save `json` as a file called `name` through a temporary link.
fn download(json: String, name: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&json.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Read a RunRecords JSON file chosen in the import box.
async fn import(file: web_sys::File) -> Result<Vec<interleave_shared::RunRecord>, String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|e| format!("cannot read {}: {e:?}", file.name()))?;
    let text = text.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not RunRecords JSON (as `interleave run --json` or Export writes): {e}",
            file.name()
        )
    })
}

/// The whole page.
///
/// Long on purpose: a function component's hooks must run in the same order on every render, so
/// they stay in one body; what it draws is delegated to `components/`.
#[function_component(App)]
pub fn app() -> Html {
    // The glossary for the lesson's text (and the code panel's excerpts) arrive as data after
    // the first screen is drawn.
    let data = page_data::use_page_data();
    let url_settings = use_memo((), |_| url::read(platform::hardware_threads()));
    let state = {
        let u = (*url_settings).clone();
        use_reducer(move || State::from_url(u, platform::hardware_threads()))
    };

    // Ask the companion once; then, if the URL says so, run without a click.
    {
        let state = state.clone();
        let autorun = url_settings.autorun;
        use_effect_with((), move |_| {
            // Autorun waits for the health check, so an io run knows whether pages are real.
            let snapshot = (*state).clone();
            crate::exec::executor::spawn(async move {
                let health = platform::companion_health().await;
                state.dispatch(Action::Companion(health.clone()));
                if autorun {
                    let mut s = snapshot;
                    s.companion = health.map_or(Companion::Absent, Companion::Connected);
                    start_run(state, s);
                }
            });
        });
    }

    // In a frame whose link names its page (`parent=`): report the height, say when runs end,
    // and run when that page asks.
    {
        let state = state.clone();
        let parent = state
            .settings
            .parent
            .clone()
            .filter(|_| state.settings.embed);
        let lesson = state.settings.lesson.name();
        use_effect_with((), move |_| {
            let link = parent
                .map(|p| host_page::connect(&p, lesson, move || state.dispatch(Action::HostRun)));
            move || drop(link)
        });
    }
    {
        let state = state.clone();
        use_effect_with(state.host_runs, move |runs| {
            if *runs > 0 {
                start_run(state.clone(), (*state).clone());
            }
        });
    }

    // Keep the address bar a permalink of the current settings.
    {
        let settings = state.settings.clone();
        use_effect_with(url::permalink(&settings), move |_| url::write(&settings));
    }
    let on_run = {
        let state = state.clone();
        Callback::from(move |_| {
            // Predicting first is what makes a surprise noticed: the first Run without an answer
            // asks for one; a second press runs anyway.
            if state.asks_first() {
                state.dispatch(Action::Nudge);
            } else {
                start_run(state.clone(), (*state).clone());
            }
        })
    };
    let dispatch = {
        let state = state.clone();
        Callback::from(move |a: Action| state.dispatch(a))
    };
    let s = &*state;
    let errors = (!s.errors.is_empty() || !s.url_problems.is_empty()).then(|| {
        let dismiss = dispatch.reform(|_: MouseEvent| Action::DismissErrors);
        html! {
            <div class="error" data-testid="error" role="alert">
                <ul>
                    { for s.url_problems.iter().map(|e| html! { <li class="from-link">{ format!("In this link: {e}") }</li> }) }
                    { for s.errors.iter().map(|e| html! { <li>{ e }</li> }) }
                </ul>
                <button class="link" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
            </div>
        }
    });
    let lesson = s.settings.lesson;
    let full_link = format!("./{}", url::query(&s.settings));
    let on_cancel = dispatch.reform(|_: MouseEvent| Action::Cancel);
    // "See how it happens": open the explorer, then bring it into view once it is drawn.
    let on_explore = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Explorer| {
            dispatch.emit(Action::OpenExplorer(e));
            crate::exec::executor::spawn(async {
                gloo_timers::future::TimeoutFuture::new(0).await;
                let panel = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.query_selector("[data-testid=\"explore\"]").ok().flatten());
                if let Some(panel) = panel {
                    panel.scroll_into_view();
                    // Focus goes with it, onto "forward ▶" (the next thing to press), so a
                    // keyboard user lands in the explorer instead of 30 Tabs away.
                    let target = panel
                        .query_selector("[data-testid=\"explore-forward\"]")
                        .ok()
                        .flatten()
                        .unwrap_or(panel);
                    if let Ok(el) = target.dyn_into::<web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            });
        })
    };
    let on_count = {
        let state = state.clone();
        Callback::from(move |follow: bool| {
            if let Some(e) = state.settings.explorer.clone() {
                count_all(state.clone(), e, follow);
            }
        })
    };
    let on_export = {
        let records = s.records.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = export(&records, lesson.name()) {
                dispatch.emit(Action::Failed(format!("export failed: {e}")));
            }
        })
    };
    let on_trace = {
        let records = s.records.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = export_trace(&records, lesson.name()) {
                dispatch.emit(Action::Failed(format!("trace export failed: {e}")));
            }
        })
    };
    let on_import = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let dispatch = dispatch.clone();
            crate::exec::executor::spawn(async move {
                match import(file).await {
                    Ok(records) => dispatch.emit(Action::Import(records)),
                    Err(e) => dispatch.emit(Action::Failed(e)),
                }
            });
        })
    };

    let fold_controls = s.settings.embed && !s.records.is_empty() && s.running.is_none();
    html! {
        <div class={classes!("page", s.settings.embed.then_some("embed"))}>
            if !s.settings.embed {
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
                    <StatusChips companion={s.companion.clone()} embed=true />
                    <a class="full-link" href={full_link} target="_blank" rel="noopener">{ "Open in Interleave ↗" }</a>
                </header>
            }
            { for errors }
            // The live region: a run starting, its outcome, a failure, said once each.
            <p class="sr-only" role="status" aria-live="polite" data-testid="announce">
                { interleave_web::announce::run(
                    s.running.is_some(),
                    &if s.records.is_empty() { String::new() } else { interleave_shared::verdict::headline(&s.records) },
                    &s.errors) }
            </p>
            <main>
                // In an embed, once there are results the verdict and its numbers come first
                // (a 320 px frame shows little else) and the controls fold below them.
                if fold_controls {
                    <Results records={s.records.clone()} on_explore={on_explore.clone()} compact=true />
                    // Why the pool did not run stays in sight, not folded away with the controls.
                    <PoolOff state={s.clone()} />
                    <details class="card controls-fold" data-testid="controls-fold">
                        <summary>{ "Settings and Run again" }</summary>
                        <Controls state={s.clone()} dispatch={dispatch.clone()} on_run={on_run.clone()} on_cancel={on_cancel.clone()} pool_note=false />
                    </details>
                } else {
                    <Controls state={s.clone()} dispatch={dispatch.clone()} on_run={on_run} on_cancel={on_cancel} />
                }
                if !s.settings.embed {
                    <section class="card explain">
                        <h2>{ lesson.title }</h2>
                        <p>{ glossed(lesson.explanation, page_data::ready(&data)) }</p>
                        <SourceLine source={lesson.source} />
                        if s.settings.explorer.is_none() {
                            <p class="explore-open">
                                if let Some(first) = explore::strategies(lesson.id).first() {
                                    <button class="secondary" data-testid="explore-open"
                                            onclick={dispatch.reform({ let (l, f) = (lesson.id, *first); move |_: MouseEvent|
                                                Action::OpenExplorer(Explorer::new(l, f, 2, 1)) })}>
                                        { "Be the scheduler: step the model by hand" }</button>
                                }
                                <button class="secondary" data-testid="program-open"
                                        onclick={dispatch.reform({ let l = lesson.id; move |_: MouseEvent|
                                            Action::OpenExplorer(Explorer::own(l, program::examples()[0].source.to_string())) })}>
                                    { "Check a program of your own" }</button>
                            </p>
                        }
                    </section>
                } else {
                    <p class="summary">{ lesson.summary }</p>
                }
                if let Some(text) = &s.running {
                    <div class="progress" role="status"><span class="spinner"></span>{ text }</div>
                }
                if s.settings.predict {
                    <Prediction lesson={lesson} chosen={s.prediction} records={s.records.clone()}
                                running={s.running.is_some()} nudged={s.nudged} dispatch={dispatch.clone()} />
                }
                if let Some(e) = &s.settings.explorer {
                    <ExplorerPanel explorer={e.clone()} dispatch={dispatch.clone()} on_count={on_count} />
                }
                if !fold_controls {
                    <Results records={s.records.clone()} on_explore={on_explore} compact={s.settings.embed} />
                }
                <StateView lesson={lesson} records={s.records.clone()} />
                <Timeline records={s.records.clone()} compact={s.settings.embed} />
                <CodePanel lesson={lesson} compact={s.settings.embed} />
                <section class="io-bar">
                    <button class="secondary" data-testid="export" onclick={on_export}
                            disabled={s.records.is_empty()}>{ "Export JSON" }</button>
                    <button class="secondary" data-testid="export-trace" onclick={on_trace}
                            disabled={s.records.is_empty()}
                            title="the run's spans as a Chrome trace: open it in ui.perfetto.dev">{ "Export trace" }</button>
                    <label class="secondary file">
                        { "Import JSON…" }
                        <input type="file" accept=".json,application/json" data-testid="import" onchange={on_import} />
                    </label>
                    <span class="hint-text">{ "Import `interleave run --json` output to compare native runs with these." }</span>
                </section>
            </main>
        </div>
    }
}
