//! The results table, the bar chart of wall times and the verdict: three renderings of the same
//! records.

use crate::explorer::{Explorer, see_how};
use interleave_shared::RunRecord;
use interleave_shared::verdict::{fmt_ms, headline, verdict};
use yew::prelude::*;

/// Props of [`Results`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Records of the last run (any side).
    pub records: Vec<RunRecord>,
    /// "See how it happens" on a row that showed a bug the explorer models.
    #[prop_or_default]
    pub on_explore: Callback<Explorer>,
    /// A short verdict (the embed): the claims list gives the reasons.
    #[prop_or_default]
    pub compact: bool,
}

/// Long numbers keep both ends (…); text keeps its beginning. The full value is in the tooltip.
fn short(result: &str) -> String {
    let n = result.chars().count();
    if n <= 24 {
        result.to_string()
    } else if result.chars().all(|c| c.is_ascii_digit()) {
        format!("{}…{}", &result[..6], &result[n - 6..])
    } else {
        let head: String = result.chars().take(22).collect();
        format!("{}…", head.trim_end_matches([',', ' ']))
    }
}

/// Wall time, with the spread when the run was repeated.
fn wall(r: &RunRecord) -> String {
    match &r.repeats {
        Some(rep) => format!(
            "{} ({}–{}, {} runs)",
            fmt_ms(r.wall_ms),
            fmt_ms(rep.min_ms).trim_end_matches(" ms"),
            fmt_ms(rep.max_ms),
            rep.runs
        ),
        None => fmt_ms(r.wall_ms),
    }
}

/// "used / allowed" where the input chose the workers; just the count where the lesson sets them
/// itself (a daemon's child program has its two threads whatever the input says).
fn workers_cell(r: &RunRecord) -> String {
    let takes = r
        .lesson
        .info()
        .strategy(r.side, r.strategy)
        .is_some_and(|s| s.runs.takes_workers());
    if takes {
        format!("{} / {}", r.workers_used, r.workers)
    } else {
        r.workers_used.to_string()
    }
}

/// Table (test id `result-row` per record), bars, verdict and the lesson's claims (test id
/// `claim`, with `data-id` and `data-held`).
///
/// Long on purpose: one `html!` table; the numbers it shows are computed by `interleave-shared`.
#[function_component(Results)]
pub fn results(props: &Props) -> Html {
    let data = crate::page_data::use_page_data();
    let data = crate::page_data::ready(&data);
    let records = &props.records;
    if records.is_empty() {
        return html! {
            <section class="card results empty">
                <p>{ "Press Run to see each strategy's time, speedup and exact result here." }</p>
            </section>
        };
    }
    let max_ms = records
        .iter()
        .map(|r| r.wall_ms)
        .fold(f64::MIN_POSITIVE, f64::max);
    let min_ms = records
        .iter()
        .map(|r| r.wall_ms)
        .filter(|ms| *ms > 0.0)
        .fold(f64::INFINITY, f64::min);
    // Times spanning more than two orders of magnitude (the cost ladder) get a log scale, or
    // the short bars would vanish; one decade of headroom keeps the shortest bar visible.
    let log = max_ms / min_ms > 100.0;
    let width = |ms: f64| {
        if log {
            let lo = (min_ms / 10.0).log10();
            100.0 * (ms.max(min_ms).log10() - lo) / (max_ms.log10() - lo)
        } else {
            100.0 * ms / max_ms
        }
    };
    let fastest = records
        .iter()
        .filter(|r| r.correct)
        .map(|r| r.wall_ms)
        .fold(f64::INFINITY, f64::min);
    // A fastest mark only where speed is the lesson's point.
    let speed_matters = records.iter().all(|r| r.lesson.info().speed_matters);
    // Columns no record has a number for are left out rather than filled with dashes.
    let speedups = records.iter().any(|r| r.speedup.is_some());
    let claims = interleave_shared::claims::listed(records);
    let unchecked = interleave_shared::claims::unchecked(records);
    let two_sides = claims.iter().any(|(s, _)| *s != claims[0].0);
    html! {
        <section class="card results">
            <div class="table-scroll"><table>
                <thead><tr>
                    <th>{ "strategy" }</th><th>{ "side" }</th><th class="num">{ "workers used" }</th>
                    <th class="num">{ "wall" }</th>
                    if speedups {
                        <th class="num"><abbr title="sequential's time divided by this one's (same side)">{ "speedup" }</abbr></th>
                        <th class="num"><abbr title="speedup divided by workers: 100% means every worker was fully useful">{ "efficiency" }</abbr></th>
                    }
                    <th>{ "result" }</th>
                </tr></thead>
                <tbody>
                { for records.iter().map(|r| {
                    let best = speed_matters && r.correct && r.wall_ms == fastest && records.len() > 1;
                    let bug_strategy = r.lesson.info().demonstrates_bug(r.strategy);
                    html! {
                        <tr data-testid="result-row" class={classes!(best.then_some("best"), (!r.correct && !bug_strategy).then_some("wrong"), r.shows_bug.then_some("bug"))}
                            data-side={r.side.as_str()} data-strategy={r.strategy.name()}
                            data-workers={r.workers.to_string()} data-workers-used={r.workers_used.to_string()}
                            data-wall-ms={format!("{:.3}", r.wall_ms)} data-result={r.result.clone()}
                            data-expected={r.expected.clone()} data-correct={r.correct.to_string()}
                            data-shows-bug={r.shows_bug.to_string()}
                            title={r.note.clone().unwrap_or_default()}>
                            <td>{ r.strategy.name() }{ if best { " ★" } else { "" } }
                                if r.note.is_some() { <span class="note-mark" title={r.note.clone().unwrap_or_default()}>{ "i" }</span> }</td>
                            <td><span class={classes!("side", r.side.as_str())}>{ r.side.as_str() }</span></td>
                            <td class="num">{ workers_cell(r) }</td>
                            <td class="num">{ wall(r) }</td>
                            if speedups {
                                <td class="num">{ r.speedup.map_or("–".into(), |s| format!("{s:.2}×")) }</td>
                                <td class="num">{ r.efficiency.map_or("–".into(), |e| format!("{:.0}%", e * 100.0)) }</td>
                            }
                            <td class="result" title={format!("result {}\nexpected {}", r.result, r.expected)}>
                                if bug_strategy {
                                    // The bug is the point: one marking everywhere, neither exact nor a
                                    // failure, and the key result in full, not cut off.
                                    if r.shows_bug {
                                        <span class="bug-mark" data-testid="shows-bug">{ "⚑ shows the bug" }</span>
                                    } else {
                                        <span class="nobug-mark">{ "bug not shown this run" }</span>
                                    }
                                    <div class="key-result">{ &r.result }</div>
                                } else {
                                    if r.correct { <span class="ok">{ "✓ exact " }</span> } else { <span class="bad">{ "✗ wrong " }</span> }
                                    <code>{ short(&r.result) }</code>
                                }
                                if let Some(e) = see_how(r) {
                                    <button class="link see-how" data-testid="see-how"
                                            onclick={props.on_explore.reform(move |_: MouseEvent| e.clone())}>
                                        { "see how it happens →" }
                                    </button>
                                }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table></div>
            if log {
                <p class="scale-note">{ "bars on a log scale: times differ by more than 100×" }</p>
            }
            <div class={classes!("bars", log.then_some("log"))} aria-label="wall time per strategy">
                { for records.iter().map(|r| html! {
                    <div class="bar-row">
                        <span class="bar-label">{ format!("{} · {}", r.side.as_str(), r.strategy) }</span>
                        <span class="bar-track">
                            <span class={classes!("bar", r.side.as_str())} style={format!("width:{:.1}%", width(r.wall_ms))}></span>
                        </span>
                        <span class="bar-value">{ fmt_ms(r.wall_ms) }</span>
                    </div>
                }) }
            </div>
            // The headline above the fold (at most 300 characters, whole sentences); the whole
            // verdict, with each claim that did not hold and why, folded right below.
            <p class="verdict" data-testid="verdict">{ headline(records) }</p>
            <details class="verdict-more" data-testid="verdict-details">
                <summary>{ "the whole verdict" }</summary>
                <p>{ verdict(records) }</p>
            </details>
            if !claims.is_empty() || !unchecked.is_empty() {
                <ul class="claims" aria-label="what this lesson says a run shows, checked against this run">
                    { for claims.iter().map(|(side, c)| html! {
                        <li data-testid="claim" data-id={c.id.clone()} data-held={c.held.to_string()}
                            data-side={side.as_str()} class={if c.held { "held" } else { "not-held" }}>
                            <span class="mark" aria-label={if c.held { "held" } else { "not held" }}>
                                { if c.held { "✓" } else { "✗" } }
                            </span>
                            <span class="claim-text">
                                { super::glossed(&c.text, data) }
                                if two_sides { <span class={classes!("side", side.as_str())}>{ side.as_str() }</span> }
                            </span>
                            <span class="why">{ if c.held { "" } else { "not this run: " } }{ &c.why }</span>
                        </li>
                    }) }
                    { for unchecked.iter().map(|(side, c)| html! {
                        <li data-testid="claim-unchecked" data-id={c.id.clone()} data-side={side.as_str()} class="unchecked">
                            <span class="mark" aria-label="not checked">{ "–" }</span>
                            <span class="claim-text">
                                { super::glossed(&c.text, data) }
                                if two_sides { <span class={classes!("side", side.as_str())}>{ side.as_str() }</span> }
                            </span>
                            <span class="why">{ "not checked: " }{ &c.why }</span>
                        </li>
                    }) }
                </ul>
            }
            // A note of several lines (coroutine's transcript) is kept as lines, folded under a
            // one-line summary so four transcripts do not push the picture off the screen.
            { for records.iter().filter_map(|r| r.note.as_ref().map(|n| {
                let lines = n.lines().count();
                if lines > 3 {
                    html! {
                        <details class="long-note">
                            <summary class="note">{ format!("{} ({}): what it printed, {lines} lines", r.strategy, r.side.as_str()) }</summary>
                            <p class="note">{ n }</p>
                        </details>
                    }
                } else {
                    html! { <p class="note">{ format!("{} ({}): {n}", r.strategy, r.side.as_str()) }</p> }
                }
            })) }
            // Where the table contradicts the text (a lock faster than no lock), the reason
            // from the run sits with the notes, not only in the folded verdict.
            { for interleave_shared::lessons::race::lock_won(records).into_iter().map(|t| html! {
                <p class="note" data-testid="lock-won">{ t }</p>
            }) }
        </section>
    }
}
