//! Terminal renderings of records and of the catalogue (comfy-table, fitted to the terminal).

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width, presets,
};
use interleave_shared::RunRecord;
use interleave_shared::lessons::{LessonInfo, catalogue};
use interleave_shared::verdict::fmt_ms;

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied().map(Cell::new));
    t
}

fn num(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

/// One row per record: wall time (median, with min–max when repeated), speedup, efficiency, CPU
/// time, workers used of allowed, and whether the result was exact. The fastest correct row is
/// marked.
pub fn records(records: &[RunRecord]) -> String {
    let mut t = new_table(&[
        "lesson",
        "strategy",
        "side",
        "workers",
        "wall",
        "speedup",
        "efficiency",
        "cpu",
        "peak RSS",
        "correct",
    ]);
    // The fastest correct row of each lesson (by position, so repeated strategies mark once).
    let fastest: Vec<usize> = records
        .iter()
        .map(|r| r.lesson)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|lesson| {
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| r.correct && r.lesson == lesson)
                .min_by(|(_, a), (_, b)| a.wall_ms.total_cmp(&b.wall_ms))
                .map(|(i, _)| i)
        })
        .collect();
    for (i, r) in records.iter().enumerate() {
        let is_fastest = fastest.contains(&i) && records.len() > 1 && r.lesson.info().speed_matters;
        let wall = match &r.repeats {
            Some(rep) => format!(
                "{} ({}–{})",
                fmt_ms(r.wall_ms),
                fmt_ms(rep.min_ms).trim_end_matches(" ms"),
                fmt_ms(rep.max_ms)
            ),
            None => fmt_ms(r.wall_ms),
        };
        let strategy = if is_fastest {
            Cell::new(format!("{} ★", r.strategy)).fg(Color::Green)
        } else {
            Cell::new(r.strategy)
        };
        let correct = if r.lesson.info().demonstrates_bug(r.strategy) {
            // The bug is the point: marked the same way everywhere, neither exact nor a failure.
            if r.shows_bug {
                Cell::new(format!("shows the bug: {}", r.result)).fg(Color::Yellow)
            } else {
                Cell::new(format!("bug not shown this run: {}", r.result)).fg(Color::Magenta)
            }
        } else if r.correct {
            Cell::new("exact").fg(Color::Green)
        } else {
            Cell::new(format!("WRONG: {}", r.result)).fg(Color::Red)
        };
        t.add_row(vec![
            Cell::new(r.lesson),
            strategy,
            Cell::new(r.side.as_str()),
            num(format!("{}/{}", r.workers_used, r.workers)),
            num(wall),
            num(r.speedup.map_or("–".into(), |s| format!("{s:.2}×"))),
            num(r
                .efficiency
                .map_or("–".into(), |e| format!("{:.0}%", e * 100.0))),
            num(r.cpu_ms.map_or("–".into(), fmt_ms)),
            num(r
                .peak_rss_kb
                .map_or("–".into(), |kb| format!("{:.1} MiB", kb as f64 / 1024.0))),
            correct,
        ]);
    }
    t.to_string()
}

/// The lesson's claims as this run checked them, one line each (a claim about two strategies
/// is listed once per side).
pub fn claims(records: &[RunRecord]) -> String {
    let listed = interleave_shared::claims::listed(records);
    let mut t = new_table(&["claim", "side", "held", "the run's numbers"]);
    for (side, c) in &listed {
        let held = if c.held {
            Cell::new("held").fg(Color::Green)
        } else {
            Cell::new("NOT HELD").fg(Color::Red)
        };
        t.add_row(vec![
            Cell::new(&c.text),
            Cell::new(side.as_str()),
            held,
            Cell::new(&c.why),
        ]);
    }
    let unchecked = interleave_shared::claims::unchecked(records);
    for (side, c) in &unchecked {
        t.add_row(vec![
            Cell::new(&c.text),
            Cell::new(side.as_str()),
            Cell::new("not checked"),
            Cell::new(&c.why),
        ]);
    }
    if listed.is_empty() && unchecked.is_empty() {
        String::new()
    } else {
        t.to_string()
    }
}

/// The catalogue: every lesson with its strategies on both sides and its parameters.
pub fn lessons() -> String {
    lessons_table().to_string()
}

/// [`lessons`] as a table (its width is the terminal's, or set by a test).
fn lessons_table() -> Table {
    let mut t = new_table(&[
        "lesson",
        "what it shows",
        "native strategies",
        "web strategies",
        "parameters",
    ]);
    // One name a line, and the strategy columns never narrower than the longest name: a narrow
    // terminal wraps the summaries, never a name ("worke / rs-map-chunked").
    let names = |list: &[interleave_shared::Strategy]| {
        let names: Vec<&str> = list.iter().map(|s| s.id.name()).collect();
        if names.is_empty() {
            "–".to_string()
        } else {
            names.join("\n")
        }
    };
    let longest = catalogue()
        .flat_map(|l| l.native.iter().chain(l.web))
        .map(|s| s.id.name().len())
        .max()
        .unwrap_or(8) as u16;
    for column in [2, 3] {
        if let Some(c) = t.column_mut(column) {
            // The boundary counts the cell's padding, one space each side.
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(longest + 2)));
        }
    }
    for l in catalogue() {
        t.add_row(vec![
            Cell::new(l.name()),
            Cell::new(l.summary),
            Cell::new(names(l.native)),
            Cell::new(names(l.web)),
            Cell::new(params(l)),
        ]);
    }
    t
}

fn params(l: &LessonInfo) -> String {
    [Some(l.size), l.latency, l.bytes]
        .into_iter()
        .flatten()
        .map(|p| {
            let flag = if p.name == "latency" {
                "latency-ms"
            } else {
                p.name
            };
            format!("--{flag} {} ({}..={} {})", p.default, p.min, p.max, p.unit)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The catalogue as data, for scripts and the browser tests (`interleave list --json`).
pub fn catalogue_json() -> serde_json::Value {
    let names = |list: &[interleave_shared::Strategy]| -> Vec<&str> {
        list.iter().map(|s| s.id.name()).collect()
    };
    catalogue()
        .map(|l| {
            serde_json::json!({
                "lesson": l.name(),
                "title": l.title,
                "native": names(l.native),
                "web": names(l.web),
                "size": { "default": l.size.default, "min": l.size.min, "max": l.size.max },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At 100 columns (and at 80) every strategy name is printed whole: a narrow terminal wraps
    /// the summaries, never a name.
    #[test]
    fn the_catalogue_never_breaks_a_strategy_name() {
        for width in [80, 100, 140] {
            let mut t = lessons_table();
            t.set_width(width);
            let text = t.to_string();
            for l in catalogue() {
                for s in l.native.iter().chain(l.web) {
                    assert!(
                        text.contains(s.id.name()),
                        "{} broken at {width} columns:\n{text}",
                        s.id.name()
                    );
                }
            }
        }
    }
}
