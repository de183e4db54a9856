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
    /// Run was pressed before an answer: ask for one.
    pub nudged: bool,
    /// Where the choice goes.
    pub dispatch: Callback<Action>,
}

/// Test ids `prediction` (the question), `predict-<id>` (each choice, `aria-pressed`),
/// `predict-nudge` (Run pressed before an answer), `prediction-result` (`data-correct`) and
/// `prediction-why` (the mechanism behind the answer, in one sentence).
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
            <div class={classes!("prediction-result", class)} data-testid="prediction-result"
               data-correct={right.map_or("none".to_string(), |r| r.to_string())}
               data-answer={a.choice} role="status">
                <p>{ head }{ format!("The run says \u{201c}{label}\u{201d} ({where_}): {}.", a.because) }</p>
                <p class="prediction-why" data-testid="prediction-why">{ format!("Why: {}", a.why) }</p>
            </div>
        }
    });
    html! {
        <section class="card prediction" data-testid="prediction">
            <p class="question"><span class="q-mark">{ "Predict" }</span>{ q.text }</p>
            <div class="choices" role="group" aria-label={q.text}>
                { for q.choices.iter().map(|c| {
                    let id = c.id;
                    let picked = props.chosen == Some(id);
                    html! {
                        <button class={classes!("choice", picked.then_some("picked"))}
                                aria-pressed={picked.to_string()}
                                data-testid={format!("predict-{id}")} disabled={props.running}
                                onclick={props.dispatch.reform(move |_: MouseEvent| Action::Predict(id))}>
                            { c.label }
                        </button>
                    }
                }) }
            </div>
            if props.nudged && props.chosen.is_none() && props.records.is_empty() {
                <p class="predict-nudge" data-testid="predict-nudge" role="alert">
                    { "Pick an answer first: predicting is what makes the result tell you something. Or press Run again to run without one." }
                </p>
            }
            { for result }
        </section>
    }
}
