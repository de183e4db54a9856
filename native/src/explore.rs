//! `interleave explore`: be the scheduler of a lesson's step model or of a program of your own
//! (`--schedule`), or let the program count every interleaving (`--all`). The models and the
//! program language live in `interleave_shared::explore`, which the page uses too, so both count
//! the same schedules.

use crate::cli::ExploreArgs;
use crate::error::UsageError;
use crate::output::outln;
use anyhow::Result;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use interleave_shared::explore::{self, Model, Replay, program};
use interleave_shared::lessons;

/// Run the command; errors in the request (lesson, strategy, workers, rounds, schedule, size)
/// are `ExploreError`s or `ParamError`s, which `main` turns into exit code 2.
pub fn run(args: &ExploreArgs) -> Result<()> {
    if let Some(path) = &args.program {
        return program(args, path);
    }
    let (Some(lesson), Some(strategy)) = (&args.lesson, &args.strategy) else {
        return Err(
            UsageError::Other("give a lesson and --strategy, or --program FILE".into()).into(),
        );
    };
    let lesson = lessons::find(lesson)?.id;
    let m = explore::model(lesson, strategy, args.workers, args.rounds)?;
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
            outln!(
                "\nthe model as a program (`interleave explore --program FILE` reads the same language):\n{}",
                m.source
            );
        }
    }
    Ok(())
}

/// Each step as a table row, then how the schedule ended.
fn describe_replay(m: &Model, r: &Replay) -> String {
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
    let notes = r.steps.iter().any(|s| !s.note.is_empty());
    if notes {
        t.set_header(vec![
            "step",
            "worker",
            "operation",
            "register",
            "shared state",
            "what happened",
        ]);
    }
    for (i, s) in r.steps.iter().enumerate() {
        let mut row = vec![
            Cell::new(i + 1).set_alignment(CellAlignment::Right),
            Cell::new(format!("w{}", s.worker)),
            Cell::new(&s.op),
            Cell::new(s.register.map_or("–".into(), |r| format!("r = {r}"))),
            Cell::new(explore::shared_text(m, &s.shared)),
        ];
        if notes {
            row.push(Cell::new(&s.note));
        }
        t.add_row(row);
    }
    let end = explore::ending(&r.end, r.wrong);
    format!("{t}\n{end}")
}

/// `--program FILE`: parse it (an error names line and column), then count or replay.
fn program(args: &ExploreArgs, path: &std::path::Path) -> Result<()> {
    let src = std::fs::read_to_string(path)
        .map_err(|e| UsageError::Other(format!("cannot read --program {}: {e}", path.display())))?;
    let p =
        program::parse(&src).map_err(|e| UsageError::Other(format!("{}: {e}", path.display())))?;
    match &args.schedule {
        Some(text) => {
            let schedule = explore::parse_schedule(text)?;
            let replay = program::replay(&p, &schedule)
                .map_err(|e| UsageError::Other(format!("--schedule {text}: {e}")))?;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&replay)?);
            } else {
                outln!("{}", describe_program_replay(&p, &replay));
            }
        }
        None => {
            let limits = program::Limits {
                max_preemptions: args.max_preemptions,
                ..program::Limits::default()
            };
            let report = program::check(&p, &limits, &mut |_| true)
                .map_err(|e| UsageError::Other(format!("{}: {e}", path.display())))?;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(());
            }
            outln!(
                "{}: {} states, {} schedules, {} of them wrong ({} bad ending states)",
                path.display(),
                report.states,
                report.schedules_text,
                report.wrong,
                report.wrong_states
            );
            if !report.shortest_wrong.is_empty() {
                let text: Vec<String> =
                    report.shortest_wrong.iter().map(usize::to_string).collect();
                outln!(
                    "shortest bad schedule ({} steps): --schedule {}",
                    report.shortest_wrong.len(),
                    text.join(",")
                );
                let replay = program::replay(&p, &report.shortest_wrong)
                    .map_err(|e| UsageError::Other(e.to_string()))?;
                outln!("{}", describe_program_replay(&p, &replay));
            }
        }
    }
    Ok(())
}

/// A program's replay as a table: each step, its thread, its line and the state after it.
fn describe_program_replay(p: &program::Program, r: &program::Replay) -> String {
    let names = p.threads();
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["step", "thread", "line", "does", "shared state after"]);
    let notes = r.steps.iter().any(|s| !s.note.is_empty());
    if notes {
        t.set_header(vec![
            "step",
            "thread",
            "line",
            "does",
            "shared state after",
            "what happened",
        ]);
    }
    for (i, s) in r.steps.iter().enumerate() {
        let mut row = vec![
            Cell::new(i + 1).set_alignment(CellAlignment::Right),
            Cell::new(names.get(s.thread).map_or("?", String::as_str)),
            Cell::new(s.line).set_alignment(CellAlignment::Right),
            Cell::new(&s.text),
            Cell::new(&s.state),
        ];
        if notes {
            row.push(Cell::new(&s.note));
        }
        t.add_row(row);
    }
    let end = if r.ending.is_empty() {
        "every thread finished, every check held".to_string()
    } else {
        r.ending.clone()
    };
    format!("{t}\n{end}")
}
