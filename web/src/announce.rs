//! What the page says to a screen reader through its live region (`data-testid="announce"`):
//! that a run started, then its outcome in the verdict's own short words, or why it failed. One
//! sentence per change, so a reader who cannot see the table still hears the point.

/// The live region's text for a page that is `running` (or not), whose last run's verdict
/// headline is `headline` (empty before the first run) and whose messages are `errors`.
pub fn run(running: bool, headline: &str, errors: &[String]) -> String {
    if running {
        "Running the lesson…".to_string()
    } else if let Some(first) = errors.first() {
        format!("The run stopped: {first}")
    } else if headline.is_empty() {
        String::new()
    } else {
        format!("Run finished. {headline}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_the_start_the_outcome_or_the_failure() {
        assert_eq!(run(false, "", &[]), "");
        assert_eq!(run(true, "old verdict", &[]), "Running the lesson…");
        assert_eq!(
            run(false, "Claims: 2 of 2 held.", &[]),
            "Run finished. Claims: 2 of 2 held."
        );
        assert_eq!(
            run(
                false,
                "Claims: 2 of 2 held.",
                &["size 0 is out of range".into()]
            ),
            "The run stopped: size 0 is out of range"
        );
    }
}
