//! The page's interleaving explorer, as data: what is being stepped (a lesson's model, or a
//! program the learner typed), the schedule and the step shown, and what the view shows of it
//! (each thread's code with its next step, registers, who is blocked on what, the shared state,
//! every step of the schedule with the lost write and the blocking lock marked, how it ended).
//! Pure, so it is tested on the host; `components/explorer.rs` only draws it.
//!
//! Both subjects go through the same engine: a lesson's model *is* a program
//! (`interleave_shared::explore::Model::source`), so the stepper, the step list and the count
//! are the same for lessons and for a learner's own code.

use interleave_shared::explore::program::{self, Program, ProgramError, Report, Status};
use interleave_shared::explore::{self, Model};
use interleave_shared::{LessonId, RunRecord, StrategyId};

/// What the explorer holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Explorer {
    /// The lesson modelled (race or deadlock), or the lesson page the explorer is on.
    pub lesson: LessonId,
    /// The strategy modelled.
    pub strategy: StrategyId,
    /// Workers in the model.
    pub workers: u32,
    /// Rounds each worker runs.
    pub rounds: u32,
    /// The learner's own program (`program=` in the link); `None`: the lesson's model.
    pub program: Option<String>,
    /// The steps of the schedule (thread per step): the permalink's `schedule`.
    pub schedule: Vec<usize>,
    /// How many of them are shown taken (`step=` in the permalink; the rest are ahead, to step
    /// forward through).
    pub at: usize,
    /// "Check all": running, or its answer (with milliseconds) or why it failed.
    pub count: Count,
    /// Opened from a real run ("see how it happens"): what that run showed, tied to the model.
    pub from_run: Option<String>,
}

/// The state of "Check all".
#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    /// Not asked.
    None,
    /// A web worker is checking; states visited so far, and whether to show the shortest bad
    /// schedule when done.
    Running {
        /// States visited so far.
        states: u64,
        /// Follow the shortest bad schedule once counted.
        follow: bool,
    },
    /// Checked, in that many milliseconds, with the worker's peak memory in bytes.
    Done(Report, f64, u64),
    /// Refused, cancelled or failed.
    Failed(String),
}

/// One thread as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadView {
    /// Its name: `w0`, `p#1`.
    pub name: String,
    /// Its steps, one per line (a source line touching several shared variables splits).
    pub lines: Vec<String>,
    /// The source line of each step.
    pub source_lines: Vec<u32>,
    /// Index of its next step (`lines.len()` when finished).
    pub pc: usize,
    /// Its registers: `r = 5` (a lesson's model) or `r=5 first=0`; `None` if it has none.
    pub register: Option<String>,
    /// "next: lock A", "blocked: B is held by w0", "finished".
    pub status: String,
    /// Whether its Step button is enabled.
    pub can_step: bool,
}

/// One step of the schedule as the step list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// Who stepped.
    pub thread: String,
    /// The step as code.
    pub text: String,
    /// The shared state after it.
    pub state: String,
    /// It overwrote another thread's update.
    pub lost: bool,
    /// It left a thread waiting for a lock.
    pub blocked: bool,
    /// What `lost` or `blocked` means, in words.
    pub note: String,
}

impl StepView {
    /// The step in one spoken sentence, for the live region beside the step counter.
    pub fn spoken(&self) -> String {
        let mut out = format!("{} {}; shared now {}", self.thread, self.text, self.state);
        if !self.note.is_empty() {
            out.push_str(&format!(". {}", self.note));
        }
        out
    }
}

/// The explorer as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// "race unsynchronized with 2 workers × 1 round", or "your program".
    pub title: String,
    /// The program being stepped, as source.
    pub source: String,
    /// Every thread.
    pub threads: Vec<ThreadView>,
    /// The shared state now (at the step shown).
    pub shared: String,
    /// Every step of the schedule (those past the one shown too).
    pub steps: Vec<StepView>,
    /// How the schedule ended, once no thread can step (at the step shown).
    pub ending: Option<(String, bool)>,
}

/// Why there is nothing to step.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The program does not parse: where and why (shown beside the line).
    Program(ProgramError),
    /// Anything else, as a sentence.
    Other(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Program(e) => write!(f, "{e}"),
            Problem::Other(why) => f.write_str(why),
        }
    }
}

/// What is being stepped, compiled.
enum Subject {
    Lesson(Model),
    Own(Program),
}

impl Subject {
    fn program(&self) -> &Program {
        match self {
            Subject::Lesson(m) => &m.program,
            Subject::Own(p) => p,
        }
    }
}

impl Explorer {
    /// A fresh explorer on `strategy` of `lesson`, at the start.
    pub fn new(lesson: LessonId, strategy: StrategyId, workers: u32, rounds: u32) -> Self {
        Self {
            lesson,
            strategy,
            workers,
            rounds,
            program: None,
            schedule: Vec::new(),
            at: 0,
            count: Count::None,
            from_run: None,
        }
    }

    /// A fresh explorer on a program of the learner's own, opened from `lesson`'s page.
    pub fn own(lesson: LessonId, source: String) -> Self {
        Self {
            program: Some(source),
            ..Self::new(lesson, StrategyId::Unsynchronized, 2, 1)
        }
    }

    /// The lesson's model, or why it cannot be built (a learner's program has none).
    pub fn model(&self) -> Result<Model, String> {
        explore::model(self.lesson, self.strategy.name(), self.workers, self.rounds)
            .map_err(|e| e.to_string())
    }

    fn subject(&self) -> Result<Subject, Problem> {
        match &self.program {
            Some(src) => program::parse(src)
                .map(Subject::Own)
                .map_err(Problem::Program),
            None => self.model().map(Subject::Lesson).map_err(Problem::Other),
        }
    }

    /// The source the explorer steps: the learner's, or the lesson's model written out.
    pub fn source(&self) -> String {
        match &self.program {
            Some(src) => src.clone(),
            None => self.model().map(|m| m.source).unwrap_or_default(),
        }
    }

    /// Whether `schedule` can be walked from the start; the refusal in words if not.
    pub fn can_follow(&self, schedule: &[usize]) -> Result<(), String> {
        match self.subject().map_err(|p| p.to_string())? {
            Subject::Lesson(m) => explore::walk(&m, schedule)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Subject::Own(p) => program::walk(&p, schedule)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }

    /// Take thread `w`'s next step after the step shown, if it can take one: the steps that
    /// were ahead are replaced (a new branch), as typing after an undo does.
    pub fn step(&mut self, w: usize) {
        let mut next = self.schedule[..self.at.min(self.schedule.len())].to_vec();
        next.push(w);
        if self.can_follow(&next).is_ok() {
            self.at = next.len();
            self.schedule = next;
        }
    }

    /// Show the step before (`-1`) or after (`+1`) the one shown, within the schedule.
    pub fn seek(&mut self, by: isize) {
        self.at = self.at.saturating_add_signed(by).min(self.schedule.len());
    }

    /// Follow `schedule` from the start, shown at step `at` (clamped to its length).
    pub fn follow(&mut self, schedule: Vec<usize>, at: usize) {
        self.at = at.min(schedule.len());
        self.schedule = schedule;
    }

    /// The view at the step shown.
    pub fn view(&self) -> Result<View, Problem> {
        let subject = self.subject()?;
        let p = subject.program();
        let at = self.at.min(self.schedule.len());
        let other = |e: String| Problem::Other(e);
        let (now, steps) = match &subject {
            Subject::Lesson(m) => {
                let (all, lesson_steps) =
                    explore::walk(m, &self.schedule).map_err(|e| other(e.to_string()))?;
                let (now, _) =
                    explore::walk(m, &self.schedule[..at]).map_err(|e| other(e.to_string()))?;
                let steps = all
                    .steps
                    .iter()
                    .zip(&lesson_steps)
                    .map(|(s, l)| StepView {
                        thread: format!("w{}", s.thread),
                        text: s.text.clone(),
                        state: explore::shared_text(m, &l.shared),
                        lost: s.lost,
                        blocked: s.blocked,
                        note: s.note.clone(),
                    })
                    .collect();
                (now, steps)
            }
            Subject::Own(p) => {
                let all = program::walk(p, &self.schedule).map_err(|e| other(e.to_string()))?;
                let now =
                    program::walk(p, &self.schedule[..at]).map_err(|e| other(e.to_string()))?;
                let names = p.threads();
                let steps = all
                    .steps
                    .iter()
                    .map(|s| StepView {
                        thread: names.get(s.thread).cloned().unwrap_or_default(),
                        text: s.text.clone(),
                        state: s.state.clone(),
                        lost: s.lost,
                        blocked: s.blocked,
                        note: s.note.clone(),
                    })
                    .collect();
                (now, steps)
            }
        };
        let names = p.threads();
        let threads = now
            .threads
            .iter()
            .enumerate()
            .map(|(u, t)| {
                let infos = p.steps_of(u);
                let status = match &t.status {
                    Status::Ready => format!(
                        "next: {}",
                        t.next
                            .and_then(|k| infos.get(k))
                            .map_or("", |i| i.text.as_str())
                    ),
                    Status::Blocked { lock, holder } => format!(
                        "blocked: {lock} is held by {}",
                        holder
                            .and_then(|h| names.get(h))
                            .map_or("nobody", String::as_str)
                    ),
                    Status::Waiting { running } => format!(
                        "waiting: task {} runs until it awaits",
                        names.get(*running).map_or("?", String::as_str)
                    ),
                    Status::Finished => "finished".to_string(),
                    Status::Stopped => "stopped: the schedule ended badly".to_string(),
                };
                let register = match &subject {
                    Subject::Lesson(m) => explore::register(m, &now, u).map(|r| format!("r = {r}")),
                    Subject::Own(_) if t.registers.is_empty() => None,
                    Subject::Own(_) => Some(
                        t.registers
                            .iter()
                            .map(|(n, v)| format!("{n}={v}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                };
                ThreadView {
                    name: t.name.clone(),
                    lines: infos.iter().map(|i| i.text.clone()).collect(),
                    source_lines: infos.iter().map(|i| i.line).collect(),
                    pc: t.next.unwrap_or(infos.len()),
                    register,
                    status,
                    can_step: t.status == Status::Ready,
                }
            })
            .collect();
        let (title, shared, ending) = match &subject {
            Subject::Lesson(m) => {
                let sh = explore::shared(m, &now);
                let ending = now
                    .ended
                    .as_ref()
                    .map(|e| (explore::ending(&sh, e.bad), e.bad));
                (explore::describe(m), explore::shared_text(m, &sh), ending)
            }
            Subject::Own(_) => {
                let ending = now
                    .ended
                    .as_ref()
                    .map(|e| (e.text.clone(), e.bad))
                    .or_else(|| {
                        // A livelock's shortest bad schedule is a prefix: say so where it ends.
                        match &self.count {
                            Count::Done(r, ..)
                                if !r.shortest_wrong.is_empty()
                                    && r.shortest_wrong == self.schedule[..at] =>
                            {
                                Some((r.ending.clone(), true))
                            }
                            _ => None,
                        }
                    });
                ("your program".to_string(), now.state.clone(), ending)
            }
        };
        Ok(View {
            title,
            source: match &subject {
                Subject::Lesson(m) => m.source.clone(),
                Subject::Own(_) => self.program.clone().unwrap_or_default(),
            },
            threads,
            shared,
            steps,
            ending,
        })
    }

    /// The shortest wrong schedule of a lesson's model, counted here (the models a page offers
    /// take milliseconds); a learner's program is checked in a web worker instead.
    pub fn shortest_wrong(&self) -> Result<Option<Vec<usize>>, String> {
        let m = self.model()?;
        let census = explore::enumerate(&m).map_err(|e| e.to_string())?;
        Ok(census.shortest_wrong)
    }

    /// The schedule as the permalink writes it: `0,1,1,0`.
    pub fn schedule_text(&self) -> String {
        let steps: Vec<String> = self.schedule.iter().map(usize::to_string).collect();
        steps.join(",")
    }
}

/// For a real run that showed the bug a model explains (updates lost; a deadlock reported),
/// the explorer opened on that model's shortest wrong schedule, at its first step, so the
/// learner can step through it: "see how it happens".
pub fn see_how(r: &RunRecord) -> Option<Explorer> {
    let showed_bug = match (r.lesson, r.strategy) {
        (LessonId::Race, StrategyId::Unsynchronized) => !r.correct,
        (LessonId::Deadlock, StrategyId::OppositeOrder) => r.result.starts_with("deadlock:"),
        _ => false,
    };
    if !showed_bug {
        return None;
    }
    // As many workers as the run had, up to three: enough to see it, few enough to follow.
    let mut e = Explorer::new(r.lesson, r.strategy, r.workers.clamp(2, 3), 1);
    let shortest = e.shortest_wrong().ok()??;
    e.follow(shortest, 0);
    e.from_run = Some(tie(r));
    Some(e)
}

/// One sentence tying a real run to the model's shortest wrong schedule.
fn tie(r: &RunRecord) -> String {
    use interleave_shared::facts::Fact;
    let side = match r.side {
        interleave_shared::Side::Web => "in your browser",
        interleave_shared::Side::Native => "natively",
    };
    match r.lesson {
        LessonId::Race => {
            let updates = r.fact(Fact::Updates).map_or(String::new(), |u| {
                format!(" after {} updates", thousands(u as u64))
            });
            let lost = r.fact(Fact::Overwritten).map_or(String::new(), |n| {
                format!(", {} of them overwritten", thousands(n as u64))
            });
            format!(
                "Your run {side} ended at {}{updates}{lost}. Each one is the step marked ⚑ below: \
                 a worker writes back a balance it read before another worker's write. Step \
                 through the shortest schedule that does it once.",
                r.result
            )
        }
        _ => format!(
            "Your run {side} reported: {}. The steps below reach that moment in the fewest \
             steps; the step marked ⏸ is where the cycle of waiting closes.",
            r.result
        ),
    }
}

/// 12870 → "12,870", for counts a person reads (one formatter for the page and the CLI).
pub use interleave_shared::format::thousands;

/// "3384731762521200" → "3,384,731,762,521,200": a decimal count of any size, grouped.
pub fn grouped(digits: &str) -> String {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn race() -> Explorer {
        Explorer::new(LessonId::Race, StrategyId::Unsynchronized, 2, 1)
    }

    #[test]
    fn a_step_is_spoken_with_its_state_and_its_note() {
        let step = StepView {
            thread: "w1".into(),
            text: "balance = r".into(),
            state: "balance = 5".into(),
            lost: true,
            blocked: false,
            note: "w0's update is lost".into(),
        };
        assert_eq!(
            step.spoken(),
            "w1 balance = r; shared now balance = 5. w0's update is lost"
        );
    }

    #[test]
    fn stepping_by_hand_loses_the_update() {
        let mut e = race();
        for w in [0, 0, 0, 1, 0, 1, 1, 1] {
            e.step(w);
        }
        let v = e.view().unwrap();
        assert_eq!(v.shared, "balance 5");
        let (text, wrong) = v.ending.unwrap();
        assert!(wrong && text.contains("balance 5 instead of 0"), "{text}");
        assert_eq!(e.schedule_text(), "0,0,0,1,0,1,1,1");
        assert_eq!(v.threads[1].register.as_deref(), Some("r = 13"));
    }

    #[test]
    fn a_blocked_or_finished_worker_cannot_step() {
        let mut e = Explorer::new(LessonId::Deadlock, StrategyId::OppositeOrder, 2, 1);
        e.step(0);
        e.step(1);
        let v = e.view().unwrap();
        assert_eq!(v.threads[0].status, "blocked: B is held by w1");
        assert!(!v.threads[0].can_step && !v.threads[1].can_step);
        assert!(v.ending.unwrap().1, "a deadlock is wrong");
        e.step(0);
        assert_eq!(e.schedule.len(), 2, "a blocked step is not taken");
    }

    #[test]
    fn the_view_shows_each_workers_program_counter() {
        let mut e = race();
        e.step(1);
        let v = e.view().unwrap();
        assert_eq!(v.threads[1].pc, 1);
        assert_eq!(v.threads[1].lines[1], "balance = r + 8");
        assert_eq!(v.threads[0].status, "next: r = balance");
        assert!(v.ending.is_none());
        assert_eq!(v.title, "race unsynchronized with 2 workers × 1 round");
    }

    #[test]
    fn a_run_that_showed_the_bug_opens_on_its_shortest_wrong_schedule() {
        let record = |lesson, strategy: &str, result: &str, correct| {
            let mut r: RunRecord = serde_json::from_value(serde_json::json!({
                "lesson": lesson, "strategy": strategy, "side": "native", "workers": 2,
                "params": {}, "wall_ms": 1.0, "result": result, "expected": "x",
                "correct": correct, "spans": []
            }))
            .unwrap();
            r.workers = 2;
            r
        };
        let lost = record(
            "race",
            "unsynchronized",
            "balance -5 (updates were lost)",
            false,
        );
        let e = see_how(&lost).unwrap();
        assert_eq!(e.schedule, vec![0, 0, 0, 1, 0, 1, 1, 1]);
        assert_eq!(e.at, 0, "it opens at the start, to step through");
        assert!(
            e.from_run
                .as_deref()
                .unwrap()
                .contains("ended at balance -5"),
            "{:?}",
            e.from_run
        );
        assert!(see_how(&record("race", "unsynchronized", "balance 0", true)).is_none());
        assert!(see_how(&record("race", "mutex", "balance 0", true)).is_none());
        let d = record(
            "deadlock",
            "opposite-order",
            "deadlock: w0 holds A and waits for B",
            true,
        );
        assert_eq!(see_how(&d).unwrap().schedule, vec![0, 1]);
    }

    #[test]
    fn the_step_list_marks_the_lost_write_and_the_blocking_lock() {
        let mut e = race();
        e.follow(vec![0, 0, 0, 1, 0, 1, 1, 1], 0);
        let v = e.view().unwrap();
        assert_eq!(v.steps.len(), 8);
        let lost: Vec<usize> = (0..8).filter(|&i| v.steps[i].lost).collect();
        // w1 read 5 at step 4, w0 wrote 0 at step 5, w1 writes 13 at step 6: w0's -5 is lost.
        assert_eq!(lost, vec![5], "{:?}", v.steps);
        assert!(
            v.steps[5].note.contains("w0 wrote at step 5"),
            "{}",
            v.steps[5].note
        );
        assert_eq!(v.shared, "balance 0", "shown at the start");
        assert!(v.ending.is_none());
        let mut d = Explorer::new(LessonId::Deadlock, StrategyId::OppositeOrder, 2, 1);
        d.follow(vec![0, 1], 2);
        let v = d.view().unwrap();
        assert!(!v.steps[0].blocked && v.steps[1].blocked, "{:?}", v.steps);
    }

    #[test]
    fn back_and_forward_move_through_the_schedule_and_a_step_branches() {
        let mut e = race();
        e.follow(vec![0, 0, 0, 1, 0, 1, 1, 1], 8);
        e.seek(-1);
        e.seek(-1);
        assert_eq!(e.at, 6);
        assert_eq!(e.view().unwrap().shared, "balance 13");
        e.seek(5);
        assert_eq!(e.at, 8, "forward stops at the end");
        e.seek(-20);
        assert_eq!(e.at, 0, "back stops at the start");
        e.seek(3);
        // Stepping at step 3 replaces what was ahead.
        e.step(1);
        assert_eq!(e.schedule, vec![0, 0, 0, 1]);
        assert_eq!(e.at, 4);
    }

    #[test]
    fn a_learners_program_steps_and_a_broken_one_names_its_line() {
        let src = "shared x = 0\ntask a:\n    r = x\n    await\n    x = r + 1\ntask b:\n    r = x\n    await\n    x = r + 1\ncheck x == 2\n";
        let mut e = Explorer::own(LessonId::Race, src.to_string());
        // a reads and awaits, b reads and awaits, a writes, b writes over it.
        for t in [0, 0, 1, 1, 0, 1] {
            e.step(t);
        }
        assert_eq!(e.schedule.len(), 6);
        let v = e.view().unwrap();
        assert_eq!(v.title, "your program");
        assert_eq!(v.threads[0].lines, vec!["r = x", "await", "x = r + 1"]);
        assert_eq!(v.threads[0].source_lines, vec![3, 4, 5]);
        let lost: Vec<bool> = v.steps.iter().map(|s| s.lost).collect();
        assert_eq!(lost, [false, false, false, false, false, true]);
        let (text, bad) = v.ending.unwrap();
        assert!(bad && text.contains("check failed: x == 2"), "{text}");
        let broken = Explorer::own(
            LessonId::Race,
            "shared x = 0\nthread t:\n    x = = 1\n".into(),
        );
        match broken.view() {
            Err(Problem::Program(err)) => assert_eq!(err.line, 3, "{err}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(12_870), "12,870");
        assert_eq!(grouped("3384731762521200"), "3,384,731,762,521,200");
        assert_eq!(grouped(program::INFINITE), program::INFINITE);
    }

    #[test]
    fn the_shortest_wrong_schedule_is_the_clis() {
        assert_eq!(
            race().shortest_wrong().unwrap(),
            Some(vec![0, 0, 0, 1, 0, 1, 1, 1])
        );
        let fixed = Explorer::new(LessonId::Race, StrategyId::Mutex, 2, 1);
        assert_eq!(fixed.shortest_wrong().unwrap(), None);
    }
}
