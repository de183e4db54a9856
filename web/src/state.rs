//! The page's state and the one reducer that changes it (Yew's `use_reducer`), in the style of
//! Yew's function_todomvc example: views dispatch [`Action`]s, nothing else mutates.

use crate::platform::Health;
use crate::url::UrlSettings;
use interleave_shared::RunRecord;
use interleave_shared::lessons::{self, LessonInfo};
use std::cell::Cell;
use std::rc::Rc;
use yew::Reducible;

/// Whether the native companion answered `/api/health`.
#[derive(Debug, Clone, PartialEq)]
pub enum Companion {
    /// Not asked yet.
    Checking,
    /// Answered; native rows can join browser rows.
    Connected(Health),
    /// No answer: the page runs browser strategies only.
    Absent,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The selected lesson.
    pub lesson: &'static LessonInfo,
    /// Strategies ticked, in catalogue order.
    pub strategies: Vec<&'static str>,
    /// Size as typed.
    pub size: String,
    /// Workers as typed.
    pub workers: String,
    /// Latency per page (ms) as typed, for lessons that wait.
    pub latency: String,
    /// Also run natively on the companion and show those rows.
    pub native_rows: bool,
    /// Compact view for iframes.
    pub embed: bool,
    /// Set by Cancel; the running task checks it. Shared by every clone of the state.
    pub cancel: Rc<Cell<bool>>,
    /// What is running now, for the progress line; `None` when idle.
    pub running: Option<String>,
    /// The last run's records, browser and native.
    pub records: Vec<RunRecord>,
    /// Messages to show (bad parameters, failed runs).
    pub errors: Vec<String>,
    /// The companion's status.
    pub companion: Companion,
}

/// Every way the state can change.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pick another lesson (resets strategies and size to its defaults).
    SetLesson(String),
    /// Tick or untick a strategy.
    Toggle(&'static str),
    /// The size box changed.
    SetSize(String),
    /// The workers box changed.
    SetWorkers(String),
    /// The latency box changed.
    SetLatency(String),
    /// Tick or untick "native rows".
    ToggleNative,
    /// Stop the run after the current task.
    Cancel,
    /// Records loaded from a JSON file join the current ones.
    Import(Vec<RunRecord>),
    /// A run ended with records and something to say (e.g. the companion failed).
    Finished(Vec<RunRecord>, Vec<String>),
    /// A run started or moved on to another strategy.
    Progress(String),
    /// A run could not start or failed.
    Failed(String),
    /// Hide the messages.
    DismissErrors,
    /// The companion answered (or not).
    Companion(Option<Health>),
}

impl State {
    /// Initial state from the URL.
    pub fn from_url(url: UrlSettings) -> Self {
        Self {
            lesson: url.lesson,
            strategies: url.strategies,
            size: url.size,
            workers: url.workers,
            latency: url.latency,
            native_rows: true,
            embed: url.embed,
            cancel: Rc::new(Cell::new(false)),
            running: None,
            records: Vec::new(),
            errors: url.problems,
            companion: Companion::Checking,
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetLesson(name) => {
                if let Ok(lesson) = lessons::find(&name)
                    && lesson.name != s.lesson.name
                {
                    s.lesson = lesson;
                    s.strategies = lesson.web.to_vec();
                    s.size = lesson.size.default.to_string();
                    s.latency = lesson
                        .latency
                        .map(|l| l.default.to_string())
                        .unwrap_or_default();
                    s.workers = crate::url::default_workers(lesson, lesson.size.default);
                    s.records.clear();
                }
            }
            Action::Toggle(name) => {
                if s.strategies.contains(&name) {
                    s.strategies.retain(|x| *x != name);
                } else {
                    s.strategies.push(name);
                    let order = s.lesson.web;
                    s.strategies
                        .sort_by_key(|x| order.iter().position(|o| o == x));
                }
            }
            Action::SetSize(v) => s.size = v,
            Action::SetWorkers(v) => s.workers = v,
            Action::SetLatency(v) => s.latency = v,
            Action::ToggleNative => s.native_rows = !s.native_rows,
            Action::Cancel => {
                s.cancel.set(true);
                s.running = Some("cancelling after the current task…".into());
            }
            Action::Import(mut records) => {
                s.records.append(&mut records);
            }
            Action::Finished(records, warnings) => {
                s.running = None;
                s.records = records;
                s.errors = warnings;
            }
            Action::Progress(text) => {
                if s.running.is_none() {
                    s.errors.clear();
                    s.cancel.set(false);
                }
                s.running = Some(text);
            }
            Action::Failed(msg) => {
                s.running = None;
                s.errors.push(msg);
            }
            Action::DismissErrors => s.errors.clear(),
            Action::Companion(h) => {
                s.companion = h.map_or(Companion::Absent, Companion::Connected);
            }
        }
        Rc::new(s)
    }
}
