//! The lesson's question before Run, and after the run whether the learner was right, with the
//! run's own numbers: predicting first is what makes a surprise noticed.

use crate::state::Action;
use interleave_shared::RunRecord;
use interleave_shared::lessons::LessonInfo;
use yew::prelude::*;

/// Props of [`Prediction`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson asking.
    pub lesson: &'static LessonInfo,
    /// The learner's choice, if any.
    pub chosen: Option<&'static str>,
    /// The last run's records (empty before the first run).
    pub records: Vec<RunRecord>,
    /// Whether a run is going on (choices are locked meanwhile).
    pub running: bool,
    /// Where the choice goes.
    pub dispatch: Callback<Action>,
}

/// Test ids `prediction` (the question), `predict-<id>` (each choice) and `prediction-result`
/// (`data-correct`).
#[function_component(Prediction)]
pub fn prediction(props: &Props) -> Html {
    let q = &props.lesson.question;
    let answer = (!props.records.is_empty())
        .then(|| q.answer(&props.records))
        .flatten();
    let result = answer.map(|(side, a)| {
        let right = props.chosen.map(|c| c == a.choice);
        let label = q.label(a.choice).unwrap_or(a.choice);
        let where_ = match side {
            interleave_shared::Side::Web => "in the browser",
            interleave_shared::Side::Native => "natively",
        };
        let (class, head) = match right {
            Some(true) => ("right", "You were right. ".to_string()),
            Some(false) => (
                "wrong",
                format!(
                    "Not this time: you said \u{201c}{}\u{201d}. ",
                    props.chosen.and_then(|c| q.label(c)).unwrap_or("")
                ),
            ),
            None => ("none", String::new()),
        };
        html! {
            <p class={classes!("prediction-result", class)} data-testid="prediction-result"
               data-correct={right.map_or("none".to_string(), |r| r.to_string())}
               data-answer={a.choice}>
                { head }{ format!("The run says \u{201c}{label}\u{201d} ({where_}): {}.", a.because) }
            </p>
        }
    });
    html! {
        <section class="card prediction" data-testid="prediction">
            <p class="question"><span class="q-mark">{ "Predict" }</span>{ q.text }</p>
            <div class="choices" role="radiogroup" aria-label={q.text}>
                { for q.choices.iter().map(|c| {
                    let id = c.id;
                    let picked = props.chosen == Some(id);
                    html! {
                        <button class={classes!("choice", picked.then_some("picked"))}
                                role="radio" aria-checked={picked.to_string()}
                                data-testid={format!("predict-{id}")} disabled={props.running}
                                onclick={props.dispatch.reform(move |_: MouseEvent| Action::Predict(id))}>
                            { c.label }
                        </button>
                    }
                }) }
            </div>
            { for result }
        </section>
    }
}
