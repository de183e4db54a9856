//! The page's state and the one reducer that changes it (Yew's `use_reducer`), in the style of
//! Yew's function_todomvc example: views dispatch [`Action`]s, nothing else mutates.

use crate::exec::platform::Health;
use crate::explorer::{Count, Explorer};
use crate::url::{Settings, UrlSettings};
use interleave_shared::lessons::LessonInfo;
use interleave_shared::{LessonId, RunRecord, Runs, Side, StrategyId};
use std::cell::Cell;
use std::rc::Rc;
use yew::Reducible;

/// Whether `id` of `lesson` runs on the shared-memory pool, which a page that is not
/// cross-origin isolated cannot start.
pub fn needs_isolation(lesson: &LessonInfo, id: StrategyId) -> bool {
    lesson
        .strategy(Side::Web, id)
        .is_some_and(|s| s.runs == Runs::SharedMemoryWorkers)
}

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
    /// What the permalink carries: lesson, strategies, inputs, view, explorer.
    pub settings: Settings,
    /// Set by Cancel; the running task checks it. Shared by every clone of the state.
    pub cancel: Rc<Cell<bool>>,
    /// Set by the explorer's Cancel: the web worker checking a program is terminated.
    pub check_cancel: Rc<Cell<bool>>,
    /// What is running now, for the progress line; `None` when idle.
    pub running: Option<String>,
    /// The last run's records, browser and native.
    pub records: Vec<RunRecord>,
    /// Messages to show (failed runs, companion warnings); replaced by each run.
    pub errors: Vec<String>,
    /// What the permalink asked for and could not have (`size=1e99`): shown until dismissed,
    /// through autorun and every later run, so a broken link's visitor learns what was ignored.
    pub url_problems: Vec<String>,
    /// The learner's answer to the lesson's question, a choice id.
    pub prediction: Option<&'static str>,
    /// Run was pressed once with the question unanswered: the page asked for a prediction
    /// first (pressing Run again runs anyway).
    pub nudged: bool,
    /// The companion's status.
    pub companion: Companion,
    /// Cores the browser reports, for default worker counts.
    pub cores: u32,
    /// Runs the embedding page has asked for (`interleave:run` from the `parent=` origin); each
    /// one starts a run from the page's current settings.
    pub host_runs: u32,
}

/// Every way the state can change.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pick another lesson (resets strategies and size to its defaults).
    SetLesson(LessonId),
    /// Tick or untick a strategy.
    Toggle(StrategyId),
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
    /// The repeats box changed.
    SetRepeat(String),
    /// The learner picked an answer to the lesson's question.
    Predict(&'static str),
    /// Run was pressed before a prediction: ask for one first.
    Nudge,
    /// The companion answered (or not).
    Companion(Option<Health>),
    /// Open the explorer on a model and a schedule.
    OpenExplorer(Explorer),
    /// Close the explorer.
    CloseExplorer,
    /// The embedding page asked for a run.
    HostRun,
    /// Step worker `w` in the explorer.
    Step(usize),
    /// Take the last step back.
    Undo,
    /// Back to the start.
    Reset,
    /// Follow this schedule from the start (one that can be followed), shown at its start.
    Follow(Vec<usize>),
    /// Show the step this many before (negative) or after the one shown.
    Seek(isize),
    /// Show the schedule after this many steps.
    SeekTo(usize),
    /// The learner's program changed (typed, or an example chosen): back to the start.
    Edit(String),
    /// Stop "Check all": its web worker is terminated.
    CancelCheck,
    /// "Count all" state changed.
    Counted(Count),
}

impl State {
    /// Initial state from the URL, on a browser reporting `cores` cores.
    pub fn from_url(url: UrlSettings, cores: u32) -> Self {
        Self {
            settings: url.settings,
            cancel: Rc::new(Cell::new(false)),
            check_cancel: Rc::new(Cell::new(false)),
            running: None,
            records: Vec::new(),
            errors: Vec::new(),
            url_problems: url.problems,
            prediction: None,
            nudged: false,
            companion: Companion::Checking,
            cores,
            host_runs: 0,
        }
    }
}

impl State {
    /// Whether pressing Run should ask for a prediction first: the question is shown,
    /// unanswered, nothing has run yet and the page has not asked already. (`autorun=1` runs at
    /// load without asking: the documented embed snippets pair it with `predict=0`.)
    pub fn asks_first(&self) -> bool {
        self.settings.predict
            && self.prediction.is_none()
            && self.records.is_empty()
            && !self.nudged
    }
}

impl Reducible for State {
    type Action = Action;

    /// Long on purpose: one arm per `Action`, so the page's whole behaviour is one `match`.
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetLesson(id) => {
                if id != s.settings.lesson.id {
                    let lesson: &'static LessonInfo = id.info();
                    s.settings.lesson = lesson;
                    s.settings.strategies = lesson.web.iter().map(|st| st.id).collect();
                    s.settings.size = lesson.size.default.to_string();
                    s.settings.latency = lesson
                        .latency
                        .map(|l| l.default.to_string())
                        .unwrap_or_default();
                    s.settings.workers = lesson
                        .default_workers
                        .resolve(lesson.size.default, s.cores)
                        .to_string();
                    s.records.clear();
                    s.settings.explorer = None;
                    s.prediction = None;
                }
            }
            Action::Toggle(id) => {
                if s.settings.strategies.contains(&id) {
                    s.settings.strategies.retain(|x| *x != id);
                } else if s.settings.lesson.web.iter().any(|st| st.id == id) {
                    s.settings.strategies.push(id);
                    let order = s.settings.lesson.web;
                    s.settings
                        .strategies
                        .sort_by_key(|x| order.iter().position(|o| o.id == *x));
                }
            }
            Action::SetSize(v) => s.settings.size = v,
            Action::SetWorkers(v) => s.settings.workers = v,
            Action::SetLatency(v) => s.settings.latency = v,
            Action::ToggleNative => s.settings.native = !s.settings.native,
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
            Action::DismissErrors => {
                s.errors.clear();
                s.url_problems.clear();
            }
            Action::SetRepeat(v) => s.settings.repeat = v,
            Action::Nudge => s.nudged = true,
            Action::Predict(choice) => {
                // Only a choice of this lesson's question counts.
                if s.settings
                    .lesson
                    .question
                    .choices
                    .iter()
                    .any(|c| c.id == choice)
                {
                    s.prediction = Some(choice);
                }
            }
            Action::Companion(h) => {
                s.companion = h.map_or(Companion::Absent, Companion::Connected);
            }
            Action::OpenExplorer(e) => s.settings.explorer = Some(e),
            Action::CloseExplorer => s.settings.explorer = None,
            // A run already going is the answer to the request: no second run is queued.
            Action::HostRun if s.running.is_none() => s.host_runs += 1,
            Action::HostRun => {}
            Action::Step(w) => {
                if let Some(e) = &mut s.settings.explorer {
                    e.step(w);
                }
            }
            Action::Undo => {
                if let Some(e) = &mut s.settings.explorer {
                    e.schedule.pop();
                    e.at = e.at.min(e.schedule.len());
                }
            }
            Action::Reset => {
                if let Some(e) = &mut s.settings.explorer {
                    e.follow(Vec::new(), 0);
                }
            }
            Action::Follow(schedule) => {
                if let Some(e) = &mut s.settings.explorer {
                    e.follow(schedule, 0);
                }
            }
            Action::Seek(by) => {
                if let Some(e) = &mut s.settings.explorer {
                    e.seek(by);
                }
            }
            Action::SeekTo(at) => {
                if let Some(e) = &mut s.settings.explorer {
                    e.at = at.min(e.schedule.len());
                }
            }
            Action::CancelCheck => s.check_cancel.set(true),
            Action::Edit(source) => {
                if let Some(e) = &mut s.settings.explorer {
                    e.program = Some(source);
                    e.follow(Vec::new(), 0);
                    e.count = Count::None;
                }
            }
            Action::Counted(count) => {
                if let Some(e) = &mut s.settings.explorer {
                    // "Show the shortest bad one" asked before the count: show it now.
                    if let (Count::Running { follow: true, .. }, Count::Done(r, ..)) =
                        (&e.count, &count)
                        && !r.shortest_wrong.is_empty()
                    {
                        e.follow(r.shortest_wrong.clone(), 0);
                    }
                    e.count = count;
                }
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(search: &str) -> Rc<State> {
        Rc::new(State::from_url(crate::url::parse(search, 4), 4))
    }

    #[test]
    fn run_asks_for_a_prediction_once_and_never_when_hidden_or_answered() {
        let s = state("?lesson=race");
        assert!(s.asks_first());
        let s = s.reduce(Action::Nudge);
        assert!(!s.asks_first(), "the second press runs");
        let s = state("?lesson=race").reduce(Action::Predict("no"));
        assert!(!s.asks_first());
        assert!(!state("?lesson=race&predict=0").asks_first());
    }

    #[test]
    fn picking_a_lesson_resets_its_inputs_to_its_defaults() {
        let s = state("?lesson=cpu&size=123&workers=3");
        let s = s.reduce(Action::SetLesson(LessonId::Io));
        assert_eq!(s.settings.lesson.id, LessonId::Io);
        assert_eq!(s.settings.size, "20");
        assert_eq!(s.settings.latency, "500");
        assert_eq!(s.settings.workers, "20", "one worker per page");
        assert_eq!(
            s.settings.strategies,
            vec![
                StrategyId::Sequential,
                StrategyId::Async,
                StrategyId::Workers
            ]
        );
    }

    #[test]
    fn picking_the_same_lesson_keeps_what_was_typed() {
        let s = state("?lesson=cpu&size=123");
        let s = s.reduce(Action::SetLesson(LessonId::Cpu));
        assert_eq!(s.settings.size, "123");
    }

    #[test]
    fn toggling_keeps_catalogue_order_and_ignores_foreign_strategies() {
        let s = state("?lesson=cpu&strategies=pool");
        let s = s.reduce(Action::Toggle(StrategyId::Sequential));
        assert_eq!(
            s.settings.strategies,
            vec![StrategyId::Sequential, StrategyId::Pool]
        );
        let s = s.reduce(Action::Toggle(StrategyId::Pool));
        assert_eq!(s.settings.strategies, vec![StrategyId::Sequential]);
        let s = s.reduce(Action::Toggle(StrategyId::Mutex));
        assert_eq!(
            s.settings.strategies,
            vec![StrategyId::Sequential],
            "not a cpu strategy"
        );
    }

    #[test]
    fn a_run_clears_old_errors_and_a_failure_adds_one() {
        let s = state("?lesson=nope");
        assert_eq!(s.url_problems.len(), 1);
        let s = s.reduce(Action::Failed("earlier".into()));
        let s = s.reduce(Action::Progress("starting…".into()));
        assert!(s.errors.is_empty() && s.running.is_some());
        assert_eq!(s.url_problems.len(), 1, "the link's problem stays");
        let s = s.reduce(Action::Failed("boom".into()));
        assert_eq!(
            (s.running.clone(), s.errors.clone()),
            (None, vec!["boom".to_string()])
        );
    }

    #[test]
    fn the_explorer_steps_undoes_and_resets() {
        let s = state("?lesson=race&explore=1");
        let s = s.reduce(Action::Step(1)).reduce(Action::Step(1));
        assert_eq!(s.settings.explorer.as_ref().unwrap().schedule, vec![1, 1]);
        let s = s.reduce(Action::Undo);
        assert_eq!(s.settings.explorer.as_ref().unwrap().schedule, vec![1]);
        let s = s.reduce(Action::Reset);
        assert!(s.settings.explorer.as_ref().unwrap().schedule.is_empty());
        let s = s.reduce(Action::CloseExplorer);
        assert!(s.settings.explorer.is_none());
    }

    #[test]
    fn cancel_sets_the_shared_flag_and_the_next_run_clears_it() {
        let s = state("");
        let flag = s.cancel.clone();
        let s = s.reduce(Action::Progress("running".into()));
        let s = s.reduce(Action::Cancel);
        assert!(flag.get());
        let s = s.reduce(Action::Finished(vec![], vec![]));
        let _ = s.reduce(Action::Progress("again".into()));
        assert!(!flag.get());
    }

    #[test]
    fn permalink_problems_survive_runs_until_dismissed() {
        let s = state("?size=-5&autorun=1");
        assert_eq!(s.url_problems.len(), 1);
        assert!(
            s.url_problems[0].contains("allowed 1..="),
            "{:?}",
            s.url_problems
        );
        let s = s
            .reduce(Action::Progress("starting…".into()))
            .reduce(Action::Finished(
                vec![],
                vec!["native rows unavailable".into()],
            ));
        assert_eq!(
            s.url_problems.len(),
            1,
            "a run must not hide what the link got wrong"
        );
        let s = s.reduce(Action::DismissErrors);
        assert!(s.url_problems.is_empty() && s.errors.is_empty());
    }

    #[test]
    fn a_prediction_belongs_to_its_lesson() {
        let s = state("?lesson=race");
        let s = s.reduce(Action::Predict("yes"));
        assert_eq!(s.prediction, Some("yes"));
        let s = s.reduce(Action::Predict("stuck"));
        assert_eq!(s.prediction, Some("yes"), "not a choice of race's question");
        let s = s.reduce(Action::SetLesson(LessonId::Deadlock));
        assert_eq!(s.prediction, None);
        assert!(!state("?predict=0").settings.predict);
    }
}
