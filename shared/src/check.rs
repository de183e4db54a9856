//! The one shape of a checked answer: what a strategy produced, what the lesson says it must
//! produce, and whether the two agree. Every runner on both sides builds one of these, so "wrong"
//! means the same thing in the table, the JSON, the verdict and the page.

use std::fmt::Display;

/// A strategy's answer next to the lesson's reference answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What the strategy produced, as shown (strings, so a `u128` survives JSON).
    pub result: String,
    /// What the lesson says it must produce.
    pub expected: String,
    /// Whether the result is right.
    pub correct: bool,
}

impl Checked {
    /// Right exactly when the two renderings are equal: for answers whose rendering shows every
    /// field that matters (a sum, a byte count and checksum, a ledger line).
    pub fn exact(result: impl Display, expected: impl Display) -> Self {
        let (result, expected) = (result.to_string(), expected.to_string());
        Self {
            correct: result == expected,
            result,
            expected,
        }
    }

    /// Right when `correct` says so: for answers checked against a range or a bound rather than
    /// one value (connections "between 1 and 4", "fewer than 10 steps").
    pub fn judged(result: impl Display, expected: impl Display, correct: bool) -> Self {
        Self {
            result: result.to_string(),
            expected: expected.to_string(),
            correct,
        }
    }

    /// Compare two values and show them: `None` (an answer that could not be formed, such as an
    /// overflowing sum) is shown as `what_none` and is wrong.
    pub fn values<T: PartialEq + Display>(result: Option<T>, expected: T, what_none: &str) -> Self {
        let correct = result.as_ref() == Some(&expected);
        Self {
            result: result.map_or_else(|| what_none.to_string(), |r| r.to_string()),
            expected: expected.to_string(),
            correct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_compares_renderings() {
        assert!(Checked::exact(5, "5").correct);
        let wrong = Checked::exact("balance -3", "balance 0");
        assert!(!wrong.correct);
        assert_eq!(wrong.result, "balance -3");
    }

    #[test]
    fn values_show_a_missing_answer_as_wrong() {
        let c = Checked::values(None::<u128>, 14, "overflow");
        assert_eq!((c.result.as_str(), c.correct), ("overflow", false));
        assert!(Checked::values(Some(14u128), 14, "overflow").correct);
    }

    #[test]
    fn judged_keeps_the_callers_verdict() {
        let c = Checked::judged("3 connections", "1 to 4 connections", true);
        assert!(c.correct);
    }
}
