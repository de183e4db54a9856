//! The state the lesson is about, as bars from the run's facts (updates overwritten, steps
//! done, queue fill, connections, rows per commit, the cost of one task on a log scale). The
//! lesson chooses the picture in its catalogue entry; this view draws whatever it is given.

use interleave_shared::RunRecord;
use interleave_shared::lessons::LessonInfo;
use interleave_shared::visual::bars;
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
