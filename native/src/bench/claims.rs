//! `interleave bench --claims`: how often each lesson's claims hold at its defaults — the
//! teaching-integrity tally. Every lesson runs `runs` times exactly as `interleave run LESSON`
//! would (same request path, same defaults, a fresh companion per lesson where one is needed),
//! and each claim's held count is kept with the reason of its last miss.

use crate::run::{self, Plan};
use crate::server::RunCompanion;
use anyhow::Result;
use interleave_shared::claims::listed;
use interleave_shared::{LessonId, RunBody, Side};
use serde::{Deserialize, Serialize};

/// Where a tally's runs were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// `interleave run LESSON` (the engineer's view).
    Cli,
    /// The page as a learner opens it (`?lesson=L&autorun=1`), native rows from the companion.
    Page,
    /// The page embedded (`?lesson=L&embed=1&autorun=1`): browser rows only.
    Embed,
}

impl View {
    fn as_str(self) -> &'static str {
        match self {
            View::Cli => "cli",
            View::Page => "page",
            View::Embed => "embed",
        }
    }
}

/// One claim's tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimTally {
    /// The lesson.
    pub lesson: LessonId,
    /// Where the runs were made.
    pub view: View,
    /// Native or web.
    pub side: Side,
    /// The claim's id.
    pub id: String,
    /// The claim.
    pub text: String,
    /// Runs in which it held.
    pub held: u32,
    /// Runs in which it was checked.
    pub runs: u32,
    /// Why it did not hold, the last time it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_miss: Option<String>,
}

/// Run `lessons` `runs` times each at their defaults and count how often each claim held.
pub fn tally(lessons: &[LessonId], runs: u32, progress: &dyn Fn(&str)) -> Result<Vec<ClaimTally>> {
    let mut out: Vec<ClaimTally> = Vec::new();
    for lesson in lessons {
        let request = run::resolve(&RunBody::new(lesson.name()))?;
        let server = RunCompanion::for_request(&request, None)?;
        let plan = Plan::new(request).server(server.as_ref().map(RunCompanion::base));
        for i in 0..runs {
            progress(&format!("{lesson}: run {} of {runs}", i + 1));
            let records = run::run(&plan, &|_| {})?;
            for (side, c) in listed(&records) {
                let at = match out
                    .iter()
                    .position(|t| t.lesson == *lesson && t.side == side && t.id == c.id)
                {
                    Some(at) => at,
                    None => {
                        out.push(ClaimTally {
                            lesson: *lesson,
                            view: View::Cli,
                            side,
                            id: c.id.clone(),
                            text: c.text.clone(),
                            held: 0,
                            runs: 0,
                            last_miss: None,
                        });
                        out.len() - 1
                    }
                };
                let t = &mut out[at];
                t.runs += 1;
                if c.held {
                    t.held += 1;
                } else {
                    t.last_miss = Some(c.why.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The tally as a table: one row per claim, with the bar it must clear (19 of 20).
pub fn render(tallies: &[ClaimTally]) -> String {
    use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["lesson", "view", "side", "claim", "held", "last miss"]);
    for c in tallies {
        // The bar: 19 of 20 natively, 9 of 10 in the browser.
        let bar = if c.view == View::Cli { 0.95 } else { 0.9 };
        let ok = f64::from(c.held) >= bar * f64::from(c.runs);
        let held = Cell::new(format!("{}/{}", c.held, c.runs)).fg(if ok {
            Color::Green
        } else {
            Color::Red
        });
        t.add_row(vec![
            Cell::new(c.lesson),
            Cell::new(c.view.as_str()),
            Cell::new(c.side.as_str()),
            Cell::new(&c.id),
            held,
            Cell::new(c.last_miss.as_deref().unwrap_or("")),
        ]);
    }
    t.to_string()
}
