//! The permalink: page settings in the URL's query string, read at load and written back on
//! every change, so a link reproduces a run (and `autorun=1` starts it). Parsing is pure (no
//! browser API), so it is tested on the host like the rest of the page's logic.

use crate::explorer::Explorer;
use crate::link;
use interleave_shared::explore;
use interleave_shared::lessons::{self, LessonInfo};
use interleave_shared::params::WORKERS;
use interleave_shared::{LessonId, Side, StrategyId};

/// The settings a permalink carries: what the page shows and runs. The page's state holds one
/// (`State::settings`), and [`write`] puts it back into the address bar, so the two cannot drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The lesson to show.
    pub lesson: &'static LessonInfo,
    /// Strategies to run, in catalogue order.
    pub strategies: Vec<StrategyId>,
    /// Size as typed (validated when Run is pressed, like the input box).
    pub size: String,
    /// Workers as typed.
    pub workers: String,
    /// Latency (ms) as typed; empty for lessons that do not wait.
    pub latency: String,
    /// Compact view for iframes.
    pub embed: bool,
    /// Also run the lesson natively on the companion and show those rows. `native=1` /
    /// `native=0` in the link; absent, on for the page and off for an embed (a tutorial shows
    /// its readers' browsers).
    pub native: bool,
    /// Timed runs per strategy (`repeat=K`, 1..=20), as typed.
    pub repeat: String,
    /// Ask the lesson's question before Run (`predict=0` hides it, e.g. in an embed).
    pub predict: bool,
    /// `explore=1`: the interleaving explorer, open on this model and schedule.
    pub explorer: Option<Explorer>,
    /// `parent=ORIGIN`: the embedding page's origin, the only one an embed talks to
    /// ([`crate::embed`]); `None` says nothing to anyone.
    pub parent: Option<String>,
}

/// A permalink as read: its settings, plus what only matters at load.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlSettings {
    /// What to show and run.
    pub settings: Settings,
    /// Run at load.
    pub autorun: bool,
    /// One message per ignored parameter, naming the value and what is allowed.
    pub problems: Vec<String>,
}

/// Read `location.search`. Invalid values fall back to defaults with a message, never a blank page.
pub fn read(cores: u32) -> UrlSettings {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    parse(&search, cores)
}

/// Parse a query string (with or without the leading `?`); `cores` sets default worker counts.
///
/// Long on purpose: one parameter after another, each with its own fallback and message, read top
/// to bottom like the contract it implements.
pub fn parse(search: &str, cores: u32) -> UrlSettings {
    let query = search.strip_prefix('?').unwrap_or(search);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The first value of a key wins, as URLSearchParams.get does.
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut problems = Vec::new();
    let default = LessonId::ALL[0].info();
    let lesson = match get("lesson") {
        Some(name) => lessons::find(&name).unwrap_or_else(|e| {
            problems.push(format!("{e}; showing '{}'", default.name()));
            default
        }),
        None => default,
    };
    let all: Vec<StrategyId> = lesson.web.iter().map(|s| s.id).collect();
    let strategies = match get("strategies") {
        Some(list) => lesson
            .parse_strategies(Side::Web, &list)
            .unwrap_or_else(|e| {
                problems.push(format!("{e}; using all"));
                all.clone()
            }),
        None => all,
    };
    // Every message names the value and the allowed range, also for text that is no number.
    let mut number = |key: &str,
                      fallback: String,
                      range: String,
                      check: &dyn Fn(u64) -> Result<u64, String>| match get(
        key,
    ) {
        None => fallback,
        Some(raw) => {
            match raw
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{key} '{raw}' is not a whole number: allowed {range}"))
                .and_then(check)
            {
                Ok(v) => v.to_string(),
                Err(e) => {
                    problems.push(format!("{e}; using {fallback}"));
                    fallback
                }
            }
        }
    };
    let range = |spec: interleave_shared::ParamSpec| format!("{}..={}", spec.min, spec.max);
    let size = number(
        "size",
        lesson.size.default.to_string(),
        range(lesson.size),
        &|v| {
            lesson
                .params(Some(v), None, None, None, 1)
                .map(|p| p.size)
                .map_err(|e| e.to_string())
        },
    );
    let size_value: u64 = size.parse().unwrap_or(lesson.size.default);
    let workers_default = lesson
        .default_workers
        .resolve(size_value, cores)
        .to_string();
    let workers = number("workers", workers_default, range(WORKERS), &|v| {
        WORKERS.check(v).map_err(|e| e.to_string())
    });
    let latency = match lesson.latency {
        Some(spec) => number("latency", spec.default.to_string(), range(spec), &|v| {
            spec.check(v).map_err(|e| e.to_string())
        }),
        None => String::new(),
    };
    let rounds_range = format!("1..={}", explore::MAX_ROUNDS);
    let rounds = number("rounds", "1".into(), rounds_range, &|v| {
        (1..=u64::from(explore::MAX_ROUNDS))
            .contains(&v)
            .then_some(v)
            .ok_or(format!(
                "rounds {v} is out of range: allowed 1..={}",
                explore::MAX_ROUNDS
            ))
    });
    let flag = |key: &str, problems: &mut Vec<String>| match get(key).as_deref() {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") | Some("") => true,
        Some(other) => {
            problems.push(format!("{key} '{other}' must be 1 or 0; using 0"));
            false
        }
    };
    let repeat = number("repeat", "1".into(), format!("1..={MAX_REPEAT}"), &|v| {
        (1..=u64::from(MAX_REPEAT))
            .contains(&v)
            .then_some(v)
            .ok_or(format!(
                "repeat {v} is out of range: allowed 1..={MAX_REPEAT}"
            ))
    });
    let predict = match get("predict").as_deref() {
        None | Some("1") | Some("true") | Some("") => true,
        Some("0") | Some("false") => false,
        Some(other) => {
            problems.push(format!("predict '{other}' must be 1 or 0; using 1"));
            true
        }
    };
    let autorun = flag("autorun", &mut problems);
    let embed = flag("embed", &mut problems);
    let native = match get("native").as_deref() {
        None => None,
        Some("1") | Some("true") | Some("") => Some(true),
        Some("0") | Some("false") => Some(false),
        Some(other) => {
            problems.push(format!(
                "native '{other}' must be 1 or 0; using {}",
                if embed {
                    "0 (an embed shows browser rows)"
                } else {
                    "1"
                }
            ));
            None
        }
    };
    let parent = get("parent").and_then(|v| match crate::embed::parse_parent(&v) {
        Ok(origin) => Some(origin),
        Err(why) => {
            problems.push(format!("{why}; the lesson talks to no page"));
            None
        }
    });
    let own = get("program").and_then(|v| match link::decode(&v) {
        Ok(src) => Some(src),
        Err(why) => {
            problems.push(format!("program: {why}; showing the lesson's own model"));
            None
        }
    });
    // `program=` opens the explorer on its own: a tutorial links straight to a puzzle.
    let explorer = if flag("explore", &mut problems) || own.is_some() {
        let e = match own {
            Some(src) => Some(Explorer::own(lesson.id, src)),
            None => explorer_of(lesson, &strategies, &workers, &rounds, &mut problems),
        };
        e.map(|e| {
            with_schedule(
                e,
                get("schedule").as_deref(),
                get("step").as_deref(),
                &mut problems,
            )
        })
    } else {
        None
    };
    UrlSettings {
        settings: Settings {
            lesson,
            strategies,
            size,
            workers,
            latency,
            embed,
            native: native.unwrap_or(!embed),
            repeat,
            predict,
            explorer,
            parent,
        },
        autorun,
        problems,
    }
}

/// Most timed runs per strategy the page offers: each is a full run, and the point is a median
/// and a spread, not a benchmark (that is `interleave bench`).
pub const MAX_REPEAT: u32 = 20;

/// The explorer a permalink asks for: the first explorable strategy among `strategies`, and
/// the given workers when the model takes them (else its own). Whatever cannot be used is said
/// in `problems`.
fn explorer_of(
    lesson: &LessonInfo,
    strategies: &[StrategyId],
    workers: &str,
    rounds: &str,
    problems: &mut Vec<String>,
) -> Option<Explorer> {
    let explorable = explore::strategies(lesson.id);
    let Some(first) = explorable.first() else {
        problems.push(format!(
            "explore=1: {}",
            explore::ExploreError::Lesson(lesson.id)
        ));
        return None;
    };
    let strategy = strategies
        .iter()
        .find(|s| explorable.contains(s))
        .unwrap_or(first);
    let rounds = rounds.parse().unwrap_or(1);
    let mut e = Explorer::new(lesson.id, *strategy, workers.parse().unwrap_or(2), rounds);
    if let Err(why) = e.model() {
        problems.push(format!("explore=1: {why}; using 2 workers"));
        e.workers = 2;
    }
    Some(e)
}

/// `e` following the link's `schedule` if it can be followed, shown at `step` (default: the
/// end of the schedule).
fn with_schedule(
    mut e: Explorer,
    schedule: Option<&str>,
    step: Option<&str>,
    problems: &mut Vec<String>,
) -> Explorer {
    if let Some(text) = schedule {
        let parsed = explore::parse_schedule(text).map_err(|e| e.to_string());
        match parsed.and_then(|s| e.can_follow(&s).map(|()| s)) {
            Ok(s) => {
                let len = s.len();
                e.follow(s, len);
            }
            Err(why) => problems.push(format!(
                "schedule '{text}': {why}; starting from the beginning"
            )),
        }
    }
    if let Some(text) = step {
        match text.parse::<usize>() {
            Ok(k) if k <= e.schedule.len() => e.at = k,
            _ => problems.push(format!(
                "step '{text}' is out of range: allowed 0..={} (the schedule's steps); showing step {}",
                e.schedule.len(),
                e.at
            )),
        }
    }
    e
}

/// The query string that reproduces the lesson, strategies and inputs of `s` (the "open in
/// Interleave" link; [`write`] adds the rest).
pub fn query(s: &Settings) -> String {
    let names: Vec<&str> = s.strategies.iter().map(|id| id.name()).collect();
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("lesson", s.lesson.name())
        .append_pair("strategies", &names.join(","))
        .append_pair("size", &s.size)
        .append_pair("workers", &s.workers);
    if !s.latency.is_empty() {
        query.append_pair("latency", &s.latency);
    }
    // Commas in the strategy list read better unescaped, and are legal in a query string.
    format!("?{}", query.finish().replace("%2C", ","))
}

/// The whole permalink of `s`: [`query`], then whatever differs from the defaults.
pub fn permalink(s: &Settings) -> String {
    let mut query = query(s);
    if s.repeat != "1" && !s.repeat.is_empty() {
        query.push_str(&format!("&repeat={}", s.repeat));
    }
    if !s.predict {
        query.push_str("&predict=0");
    }
    if s.embed {
        query.push_str("&embed=1");
    }
    // Kept in the address bar so a reload of the frame keeps talking to its page.
    if let Some(parent) = &s.parent {
        let encoded: String = form_urlencoded::byte_serialize(parent.as_bytes()).collect();
        query.push_str(&format!("&parent={encoded}"));
    }
    // Only a choice that differs from the view's default goes into the link.
    if s.native == s.embed {
        query.push_str(if s.native { "&native=1" } else { "&native=0" });
    }
    if let Some(e) = &s.explorer {
        query.push_str(&explorer_query(e));
    }
    query
}

/// The explorer's part of a permalink: `&explore=1&rounds=R&schedule=0,1,…&step=K`, and
/// `&program=1.…` for a learner's own program (see `link`). `step` only when it is not the
/// end of the schedule.
pub fn explorer_query(e: &Explorer) -> String {
    let mut q = match &e.program {
        Some(src) => format!("&explore=1&program={}", link::encode(src)),
        None => format!("&explore=1&rounds={}", e.rounds),
    };
    if !e.schedule.is_empty() {
        q.push_str(&format!("&schedule={}", e.schedule_text()));
    }
    if e.at < e.schedule.len() {
        q.push_str(&format!("&step={}", e.at));
    }
    q
}

/// Write `s` into the address bar as its [`permalink`] (no reload, no history entry).
pub fn write(s: &Settings) {
    let query = permalink(s);
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parent=` names the embedding page's origin, survives the permalink, and a bad one is
    /// named and ignored (the lesson then talks to nobody).
    #[test]
    fn parent_is_an_origin_kept_in_the_permalink() {
        let u = parse(
            "?lesson=race&embed=1&parent=https%3A%2F%2Fbook.example%2F",
            2,
        );
        assert_eq!(u.settings.parent.as_deref(), Some("https://book.example"));
        assert!(u.problems.is_empty(), "{:?}", u.problems);
        let link = permalink(&u.settings);
        assert!(
            link.contains("&parent=https%3A%2F%2Fbook.example"),
            "{link}"
        );
        assert_eq!(parse(&link, 2).settings.parent, u.settings.parent);
        let bad = parse("?lesson=race&embed=1&parent=book.example", 2);
        assert_eq!(bad.settings.parent, None);
        assert!(
            bad.problems[0].contains("parent 'book.example' is not an origin")
                && bad.problems[0].contains("talks to no page"),
            "{:?}",
            bad.problems
        );
        assert!(!permalink(&parse("?lesson=race", 2).settings).contains("parent="));
    }

    /// Native rows follow the view unless the link says otherwise; a bad value names itself.
    #[test]
    fn native_rows_follow_the_view_unless_the_link_asks() {
        assert!(parse("?lesson=cpu", 2).settings.native);
        assert!(!parse("?lesson=cpu&embed=1", 2).settings.native);
        assert!(parse("?lesson=cpu&embed=1&native=1", 2).settings.native);
        assert!(!parse("?lesson=cpu&native=0", 2).settings.native);
        let u = parse("?lesson=cpu&embed=1&native=maybe", 2);
        assert!(!u.settings.native, "an embed's default");
        assert!(
            u.problems[0].contains("native 'maybe' must be 1 or 0"),
            "{:?}",
            u.problems
        );
    }

    #[test]
    fn an_empty_query_shows_the_first_lesson_with_its_defaults() {
        let u = parse("", 2);
        assert_eq!(u.settings.lesson.id, LessonId::Cpu);
        assert_eq!(u.settings.strategies.len(), u.settings.lesson.web.len());
        assert_eq!(
            (u.settings.size.as_str(), u.settings.workers.as_str()),
            ("2000000000", "2")
        );
        assert!(!u.autorun && !u.settings.embed && u.problems.is_empty());
    }

    #[test]
    fn a_full_permalink_is_read_back_exactly() {
        let mut settings = parse("?lesson=io", 2).settings;
        settings.strategies = vec![StrategyId::Sequential, StrategyId::Async];
        (settings.size, settings.workers, settings.latency) =
            ("12".into(), "6".into(), "200".into());
        let q = query(&settings);
        assert_eq!(
            q,
            "?lesson=io&strategies=sequential,async&size=12&workers=6&latency=200"
        );
        let u = parse(&format!("{q}&autorun=1&embed=1"), 2);
        assert_eq!(u.settings.lesson.id, LessonId::Io);
        assert_eq!(
            u.settings.strategies,
            vec![StrategyId::Sequential, StrategyId::Async]
        );
        assert_eq!(
            (
                u.settings.size.as_str(),
                u.settings.workers.as_str(),
                u.settings.latency.as_str()
            ),
            ("12", "6", "200")
        );
        assert!(u.autorun && u.settings.embed && u.problems.is_empty());
    }

    #[test]
    fn bad_values_fall_back_with_a_message_naming_value_and_range() {
        let u = parse("?lesson=cpu&size=0&workers=lots&latency=5", 2);
        assert_eq!(u.settings.size, "2000000000");
        assert_eq!(u.settings.workers, "2");
        assert!(
            u.problems
                .iter()
                .any(|p| p.contains("size 0 is out of range: allowed 1..=")),
            "{:?}",
            u.problems
        );
        assert!(
            u.problems
                .iter()
                .any(|p| p.contains("workers 'lots' is not a whole number: allowed 1..="))
        );
        let u = parse("?size=-5&repeat=99&predict=maybe", 2);
        assert!(
            u.problems
                .iter()
                .any(|p| p.contains("size '-5' is not a whole number: allowed 1..=")),
            "{:?}",
            u.problems
        );
        assert!(
            u.problems
                .iter()
                .any(|p| p.contains("repeat 99 is out of range: allowed 1..=20"))
        );
        assert!(
            u.problems
                .iter()
                .any(|p| p.contains("predict 'maybe' must be 1 or 0"))
        );
        assert_eq!(
            (u.settings.repeat.as_str(), u.settings.predict),
            ("1", true)
        );
        assert_eq!(
            u.settings.latency, "",
            "cpu waits for nothing, so latency is ignored"
        );
    }

    #[test]
    fn an_unknown_lesson_or_strategy_is_named() {
        let u = parse("?lesson=gpu", 2);
        assert_eq!(u.settings.lesson.id, LessonId::Cpu);
        assert!(
            u.problems[0].contains("unknown lesson 'gpu'"),
            "{:?}",
            u.problems
        );
        let u = parse("?lesson=race&strategies=mutex,spinlock", 2);
        assert_eq!(u.settings.strategies.len(), 3, "falls back to all");
        assert!(u.problems[0].contains("'spinlock'"), "{:?}", u.problems);
    }

    #[test]
    fn flags_accept_one_and_zero_only() {
        let u = parse("?autorun=yes&embed", 2);
        assert!(!u.autorun && u.settings.embed);
        assert_eq!(u.problems, vec!["autorun 'yes' must be 1 or 0; using 0"]);
    }

    #[test]
    fn waiting_lessons_default_to_one_worker_per_item() {
        let u = parse("?lesson=io&size=30", 2);
        assert_eq!(u.settings.workers, "30");
        assert_eq!(u.settings.latency, "500");
        let u = parse("?lesson=io&size=3000", 2);
        assert_eq!(u.settings.workers, "64");
    }

    #[test]
    fn an_explorer_permalink_opens_on_its_schedule() {
        let u = parse(
            "?lesson=race&strategies=unsynchronized&workers=2&explore=1&schedule=0,0,0,1",
            2,
        );
        let e = u.settings.explorer.expect("explorer open");
        assert_eq!(
            (e.strategy, e.workers, e.rounds),
            (StrategyId::Unsynchronized, 2, 1)
        );
        assert_eq!(e.schedule, vec![0, 0, 0, 1]);
        assert!(u.problems.is_empty(), "{:?}", u.problems);
        assert_eq!(explorer_query(&e), "&explore=1&rounds=1&schedule=0,0,0,1");
        // The explorer takes the first strategy it has a model for.
        let u = parse("?lesson=deadlock&strategies=ordered&explore=1", 2);
        assert_eq!(u.settings.explorer.unwrap().strategy, StrategyId::Ordered);
    }

    #[test]
    fn explorer_permalink_problems_are_named() {
        let u = parse("?lesson=deadlock&explore=1&schedule=0,0,1", 2);
        assert!(u.settings.explorer.unwrap().schedule.is_empty());
        assert!(
            u.problems[0].contains("position 2: worker 1 is blocked"),
            "{:?}",
            u.problems
        );
        let u = parse("?lesson=cpu&explore=1", 2);
        assert!(u.settings.explorer.is_none());
        assert!(u.problems[0].contains("explorable lessons: race, deadlock"));
        let u = parse("?lesson=race&explore=1&rounds=40", 2);
        assert!(u.problems[0].contains("rounds 40 is out of range: allowed 1..=16"));
    }

    #[test]
    fn encoded_values_are_decoded() {
        let u = parse("?lesson=c%70u&strategies=sequential%2Cpool", 2);
        assert_eq!(u.settings.lesson.id, LessonId::Cpu);
        assert_eq!(
            u.settings.strategies,
            vec![StrategyId::Sequential, StrategyId::Pool]
        );
    }

    /// Whatever the page's settings are, their permalink reads back as the same settings.
    #[test]
    fn a_permalink_reads_back_as_the_settings_it_came_from() {
        for search in [
            "?lesson=cpu",
            "?lesson=io&size=12&workers=6&latency=200&repeat=3&predict=0",
            "?lesson=cpu&embed=1&native=1",
            "?lesson=queue&native=0",
            "?lesson=race&explore=1&schedule=0,1,1",
        ] {
            let settings = parse(search, 2).settings;
            let again = parse(&permalink(&settings), 2);
            assert_eq!(again.settings, settings, "{search}");
            assert!(again.problems.is_empty(), "{search}: {:?}", again.problems);
        }
    }
}
