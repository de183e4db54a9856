//! The code beside the run: one tab per strategy; under it the Rust that ran (cut from this
//! repository at build time, per side where the sides differ) next to the notes' way in Python.

use crate::page_data::use_page_data;
use interleave_shared::lessons::LessonInfo;
use interleave_shared::{Side, StrategyId};
use interleave_web::code::{Excerpt, Lang, PageData};
use yew::prelude::*;

/// Props of [`CodePanel`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson whose strategies are shown.
    pub lesson: &'static LessonInfo,
    /// Show fewer words (the embed).
    #[prop_or_default]
    pub compact: bool,
}

/// Every strategy of the lesson, in catalogue order (the page's side first, then any the CLI
/// alone has), with the sides that have it.
fn strategies(lesson: &LessonInfo) -> Vec<(StrategyId, Vec<Side>)> {
    let mut out: Vec<(StrategyId, Vec<Side>)> = Vec::new();
    for side in [Side::Web, Side::Native] {
        for s in lesson.strategies(side) {
            match out.iter_mut().find(|(id, _)| *id == s.id) {
                Some((_, sides)) => sides.push(side),
                None => out.push((s.id, vec![side])),
            }
        }
    }
    out
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Web => "in your browser",
        Side::Native => "natively (CLI)",
    }
}

/// One language's excerpts for one strategy as a figure (test id `code`); `hidden` keeps the
/// other side's Rust in the page (and its tests) while one side is shown.
fn figure(
    strategy: StrategyId,
    lang: Lang,
    side: Option<Side>,
    excerpts: Vec<&Excerpt>,
    hidden: bool,
) -> Html {
    let title = match (lang, side) {
        (Lang::Rust, Some(side)) => format!("Rust that ran {}", side_label(side)),
        (Lang::Rust, None) => "Rust that ran, in the browser and the CLI alike".to_string(),
        (Lang::Python, _) => "The notes' way, in Python".to_string(),
    };
    html! {
        <figure class={classes!("code", lang.name())} data-testid="code" hidden={hidden}
                data-strategy={strategy.name()} data-lang={lang.name()}
                data-side={side.map(|s| match s { Side::Web => "web", Side::Native => "native" })}>
            <figcaption>{ title }</figcaption>
            { for excerpts.iter().map(|e| html! {
                <div class="excerpt">
                    <div class="where">{ format!("{}:{}", e.file, e.line) }</div>
                    <pre><code>{ e.code.clone() }</code></pre>
                </div>
            }) }
        </figure>
    }
}

/// Test ids `code-panel`, `code-tab-<strategy>`, and `code` per figure (`data-strategy`,
/// `data-lang`, `data-side`). Open on the page; folded in the embed, which must stay short.
#[function_component(CodePanel)]
pub fn code_panel(props: &Props) -> Html {
    let data = use_page_data();
    let lesson = props.lesson;
    let all = strategies(lesson);
    let selected = use_state(|| None::<StrategyId>);
    // Which side's Rust to show where the browser's and the CLI's runners differ.
    let shown_side = use_state(|| {
        if lesson.web.is_empty() {
            Side::Native
        } else {
            Side::Web
        }
    });
    // A lesson change keeps an old selection only if the new lesson has it.
    let current = (*selected)
        .filter(|id| all.iter().any(|(s, _)| s == id))
        .or_else(|| all.first().map(|(id, _)| *id));
    html! {
        <details class={classes!("card", "code-panel", props.compact.then_some("compact"))} data-testid="code-panel"
                 open={!props.compact}>
            <summary><h2>{ "The code" }</h2></summary>
            if !props.compact {
                <p class="hint-text">{ "The lines that make each strategy what it is, cut from the program's own source when the page was built, beside the notes' Python way of doing the same (a runnable file in shared/python)." }</p>
            }
            <div class="tabs" role="tablist" aria-label="strategy">
                { for all.iter().map(|(id, _)| {
                    let id = *id;
                    let on = current == Some(id);
                    let select = selected.clone();
                    html! {
                        <button role="tab" aria-selected={on.to_string()}
                                class={classes!("tab", on.then_some("on"))}
                                data-testid={format!("code-tab-{}", id.name())}
                                onclick={Callback::from(move |_: MouseEvent| select.set(Some(id)))}>
                            { id.name() }
                        </button>
                    }
                }) }
            </div>
            { match &data {
                None => html! { <p class="hint-text" data-testid="code-loading">{ "Loading the code…" }</p> },
                Some(Err(why)) => html! { <p class="warn" data-testid="code-error">{ why.clone() }</p> },
                Some(Ok(data)) => panes(lesson, &all, data, &shown_side, current),
            } }
        </details>
    }
}

/// One pane per strategy: its Rust (per side where the sides differ) beside the notes' Python.
fn panes(
    lesson: &LessonInfo,
    all: &[(StrategyId, Vec<Side>)],
    data: &PageData,
    shown_side: &UseStateHandle<Side>,
    current: Option<StrategyId>,
) -> Html {
    html! {
        <>
            { for all.iter().map(|(id, sides)| {
                let id = *id;
                // One Rust figure per side, unless both sides run the very same excerpts.
                let per_side: Vec<(Side, Vec<&Excerpt>)> = sides
                    .iter()
                    .map(|side| (*side, data.excerpts(lesson.id, id, *side, Lang::Rust).collect()))
                    .collect();
                let same = per_side.windows(2).all(|w| w[0].1 == w[1].1);
                let two_sides = per_side.len() > 1 && !same;
                let show = if sides.contains(&**shown_side) { **shown_side } else { sides[0] };
                let rust: Html = if !two_sides {
                    let only = (per_side.len() == 1).then_some(sides[0]);
                    figure(id, Lang::Rust, only, per_side[0].1.clone(), false)
                } else {
                    per_side
                        .into_iter()
                        .map(|(side, ex)| figure(id, Lang::Rust, Some(side), ex, side != show))
                        .collect()
                };
                let switch = two_sides.then(|| html! {
                    <div class="side-switch" role="group" aria-label="which runner's Rust">
                        { for [Side::Web, Side::Native].into_iter().map(|side| {
                            let pick = shown_side.clone();
                            html! {
                                <button class={classes!("tab", (side == show).then_some("on"))}
                                        aria-pressed={(side == show).to_string()}
                                        onclick={Callback::from(move |_: MouseEvent| pick.set(side))}>
                                    { match side { Side::Web => "browser", Side::Native => "CLI" } }
                                </button>
                            }
                        }) }
                    </div>
                });
                let python = figure(
                    id,
                    Lang::Python,
                    None,
                    data.excerpts(lesson.id, id, sides[0], Lang::Python).collect(),
                    false,
                );
                html! {
                    <div class="code-pane" role="tabpanel" hidden={current != Some(id)}
                         data-strategy={id.name()}>
                        <div class="rust-side">{ for switch }{ rust }</div>
                        { python }
                    </div>
                }
            }) }
        </>
    }
}
