//! `interleave explore`: be the scheduler of a lesson's step model (`--schedule`), or let the
//! program count every interleaving (`--all`). The models live in `interleave_shared::explore`,
//! which the page uses too, so both count the same schedules.

use crate::cli::ExploreArgs;
use crate::output::outln;
use anyhow::Result;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use interleave_shared::explore::{self, Machine, Replay};
use interleave_shared::lessons;

/// Run the command; errors in the request (lesson, strategy, workers, rounds, schedule, size)
/// are `ExploreError`s or `ParamError`s, which `main` turns into exit code 2.
pub fn run(args: &ExploreArgs) -> Result<()> {
    let lesson = lessons::find(&args.lesson)?.id;
    let m = explore::model(lesson, &args.strategy, args.workers, args.rounds)?;
    match &args.schedule {
        Some(text) => {
            let schedule = explore::parse_schedule(text)?;
            let replay = explore::replay(&m, &schedule)?;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&replay)?);
            } else {
                outln!("{}", describe_replay(&m, &replay));
            }
        }
        None => {
            let census = explore::enumerate(&m)?;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&census)?);
                return Ok(());
            }
            let share = census.wrong as f64 * 100.0 / census.schedules.max(1) as f64;
            outln!(
                "{}: {} schedules, {} of them wrong ({share:.1}%)",
                explore::describe(&m),
                census.schedules,
                census.wrong
            );
            if let Some(shortest) = &census.shortest_wrong {
                let text: Vec<String> = shortest.iter().map(usize::to_string).collect();
                outln!(
                    "shortest wrong schedule ({} steps): --schedule {}",
                    shortest.len(),
                    text.join(",")
                );
                outln!("{}", describe_replay(&m, &explore::replay(&m, shortest)?));
            }
        }
    }
    Ok(())
}

/// Each step as a table row, then how the schedule ended.
fn describe_replay(m: &Machine, r: &Replay) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "step",
            "worker",
            "operation",
            "register",
            "shared state",
        ]);
    for (i, s) in r.steps.iter().enumerate() {
        t.add_row(vec![
            Cell::new(i + 1).set_alignment(CellAlignment::Right),
            Cell::new(format!("w{}", s.worker)),
            Cell::new(&s.op),
            Cell::new(s.register.map_or("–".into(), |r| format!("r = {r}"))),
            Cell::new(explore::shared_text(m, &s.shared)),
        ]);
    }
    let end = explore::ending(&r.end, r.wrong);
    format!("{t}\n{end}")
}
