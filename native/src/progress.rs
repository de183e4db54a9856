//! Progress on stderr (indicatif) for runs longer than about a second. Silent when stderr is not
//! a terminal or output is JSON, so pipes and scripts see only the results.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A spinner that appears only if the work is still running after a second.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `total` steps (strategies); `enabled` false for `--json`.
    pub fn new(total: u64, enabled: bool) -> Self {
        if !enabled || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
            }
        });
        Self { bar: Some(bar) }
    }

    /// Moving on to `what`.
    pub fn step(&self, what: &str) {
        if let Some(bar) = &self.bar {
            if bar.message().is_empty() {
                bar.set_message(format!("running {what}"));
            } else {
                bar.inc(1);
                bar.set_message(format!("running {what}"));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
