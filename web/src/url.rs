//! The permalink: page settings in the URL's query string, read at load and written back on
//! every change, so a link reproduces a run (and `autorun=1` starts it).

use interleave_shared::Side;
use interleave_shared::lessons::{self, LessonInfo};
use interleave_shared::params::WORKERS;

/// Settings from the URL, already validated; `problems` says what was ignored and why.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlSettings {
    /// The lesson to show.
    pub lesson: &'static LessonInfo,
    /// Strategies to run, in catalogue order.
    pub strategies: Vec<&'static str>,
    /// Size as typed (validated when Run is pressed, like the input box).
    pub size: String,
    /// Workers as typed.
    pub workers: String,
    /// Latency (ms) as typed; empty for lessons that do not wait.
    pub latency: String,
    /// Run at load.
    pub autorun: bool,
    /// Compact view for iframes.
    pub embed: bool,
    /// One message per ignored parameter, naming the value and what is allowed.
    pub problems: Vec<String>,
}

/// Read `location.search`. Invalid values fall back to defaults with a message, never a blank page.
pub fn read(default_workers: u32) -> UrlSettings {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    parse(&search, default_workers)
}

/// Parse a query string (with or without the leading `?`).
pub fn parse(search: &str, default_workers: u32) -> UrlSettings {
    let pairs: Vec<(String, String)> = web_sys::UrlSearchParams::new_with_str(search)
        .ok()
        .map(|p| {
            let mut v = Vec::new();
            for key in [
                "lesson",
                "strategies",
                "size",
                "latency",
                "workers",
                "autorun",
                "embed",
            ] {
                if let Some(val) = p.get(key) {
                    v.push((key.to_string(), val));
                }
            }
            v
        })
        .unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut problems = Vec::new();
    let default = &lessons::catalogue()[0];
    let lesson = match get("lesson") {
        Some(name) => lessons::find(&name).unwrap_or_else(|e| {
            problems.push(format!("{e}; showing '{}'", default.name));
            default
        }),
        None => default,
    };
    let strategies = match get("strategies") {
        Some(list) => lesson
            .parse_strategies(Side::Web, &list)
            .unwrap_or_else(|e| {
                problems.push(format!("{e}; using all"));
                lesson.web.to_vec()
            }),
        None => lesson.web.to_vec(),
    };
    let mut number =
        |key: &str, fallback: String, check: &dyn Fn(u64) -> Result<u64, String>| match get(key) {
            None => fallback,
            Some(raw) => match raw
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{key} '{raw}' is not a whole number"))
                .and_then(check)
            {
                Ok(v) => v.to_string(),
                Err(e) => {
                    problems.push(format!("{e}; using {fallback}"));
                    fallback
                }
            },
        };
    let size = number("size", lesson.size.default.to_string(), &|v| {
        lesson
            .params(Some(v), None, None, None, 1)
            .map(|p| p.size)
            .map_err(|e| e.to_string())
    });
    let size_value: u64 = size.parse().unwrap_or(lesson.size.default);
    let workers_default = lesson
        .default_workers
        .resolve(size_value, default_workers)
        .to_string();
    let workers = number("workers", workers_default, &|v| {
        WORKERS.check(v).map_err(|e| e.to_string())
    });
    let latency = match lesson.latency {
        Some(spec) => number("latency", spec.default.to_string(), &|v| {
            spec.check(v).map_err(|e| e.to_string())
        }),
        None => String::new(),
    };
    let flag = |key: &str, problems: &mut Vec<String>| match get(key).as_deref() {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") | Some("") => true,
        Some(other) => {
            problems.push(format!("{key} '{other}' must be 1 or 0; using 0"));
            false
        }
    };
    let autorun = flag("autorun", &mut problems);
    let embed = flag("embed", &mut problems);
    UrlSettings {
        lesson,
        strategies,
        size,
        workers,
        latency,
        autorun,
        embed,
        problems,
    }
}

/// The workers a lesson starts with: cores, or one per page up to its cap for waiting lessons
/// (so the browser default matches the CLI's).
pub fn default_workers(lesson: &LessonInfo, size: u64) -> String {
    lesson
        .default_workers
        .resolve(size, crate::platform::hardware_threads())
        .to_string()
}

/// The query string that reproduces these settings.
pub fn query(
    lesson: &str,
    strategies: &[&str],
    size: &str,
    workers: &str,
    latency: &str,
) -> String {
    let mut query = format!(
        "?lesson={lesson}&strategies={}&size={}&workers={}",
        strategies.join(","),
        encode(size),
        encode(workers)
    );
    if !latency.is_empty() {
        query.push_str(&format!("&latency={}", encode(latency)));
    }
    query
}

/// Write the current settings into the address bar (no reload, no history entry).
pub fn write(
    lesson: &str,
    strategies: &[&str],
    size: &str,
    workers: &str,
    latency: &str,
    embed: bool,
) {
    let mut query = query(lesson, strategies, size, workers, latency);
    if embed {
        query.push_str("&embed=1");
    }
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
    }
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}
