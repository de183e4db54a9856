//! Predictions: the question a lesson asks before Run ("Will the balance end at 0?") and how the
//! run answers it. Asking first is what makes a learner notice when the run surprises them.

use crate::claims::Evidence;
use crate::record::{RunRecord, Side};

/// A lesson's question, its choices, and how a run answers it.
#[derive(Debug, Clone, Copy)]
pub struct Question {
    /// The question, as the page asks it.
    pub text: &'static str,
    /// The choices (two to four).
    pub choices: &'static [Choice],
    /// Read the answer off one side's records; `None` when the run lacks what it needs.
    pub answer: fn(&Evidence) -> Option<Answer>,
}

/// One choice: a stable id (test id `predict-<id>`) and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Stable id.
    pub id: &'static str,
    /// What the learner reads.
    pub label: &'static str,
}

/// What a run answered, with its numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The id of the right choice.
    pub choice: &'static str,
    /// The numbers that make it right ("unsynchronized ended at balance 61").
    pub because: String,
    /// Why, in one sentence: the mechanism behind the answer, for the side that answered.
    pub why: String,
}

impl Question {
    /// The run's answer: from the browser's rows when there are any (what the learner watched),
    /// else from the native rows.
    pub fn answer(&self, records: &[RunRecord]) -> Option<(Side, Answer)> {
        [Side::Web, Side::Native].into_iter().find_map(|side| {
            let ev = Evidence {
                side,
                records: records.iter().filter(|r| r.side == side).collect(),
            };
            if ev.records.is_empty() {
                return None;
            }
            (self.answer)(&ev).map(|a| (side, a))
        })
    }

    /// The label of choice `id`.
    pub fn label(&self, id: &str) -> Option<&'static str> {
        self.choices.iter().find(|c| c.id == id).map(|c| c.label)
    }
}

/// A yes/no question's choices.
pub const YES_NO: &[Choice] = &[
    Choice {
        id: "yes",
        label: "Yes",
    },
    Choice {
        id: "no",
        label: "No",
    },
];

/// `yes` or `no`.
pub fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}
