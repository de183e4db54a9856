//! The page's interleaving explorer, as data: the model being stepped, the schedule so far, and
//! what the view shows of it (each worker's code with its program counter, registers, who is
//! blocked on what, the shared state, how a finished schedule ended). Pure, so it is tested on
//! the host; `components/explorer.rs` only draws it.

use interleave_shared::explore::{self, Census, Machine, Stuck};
use interleave_shared::{LessonId, RunRecord, StrategyId};

/// What the explorer holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Explorer {
    /// The lesson modelled (race or deadlock).
    pub lesson: LessonId,
    /// The strategy modelled.
    pub strategy: StrategyId,
    /// Workers in the model.
    pub workers: u32,
    /// Rounds each worker runs.
    pub rounds: u32,
    /// The steps taken so far (worker per step): the permalink's `schedule`.
    pub schedule: Vec<usize>,
    /// "Count all": running, or its answer (with milliseconds) or why it failed.
    pub count: Count,
}

/// The state of "Count all".
#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    /// Not asked.
    None,
    /// A web worker is counting.
    Running,
    /// Counted, in that many milliseconds.
    Done(Census, f64),
    /// Refused or failed.
    Failed(String),
}

/// One worker as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerView {
    /// Its program, one operation per line.
    pub lines: Vec<String>,
    /// Index of its next line (`lines.len()` when finished).
    pub pc: usize,
    /// Its register (race models).
    pub register: Option<i64>,
    /// "next: lock A", "blocked: lock B is held by w0", "finished".
    pub status: String,
    /// Whether its Step button is enabled.
    pub can_step: bool,
}

/// The explorer as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// "race unsynchronized with 2 workers × 1 round".
    pub title: String,
    /// Every worker.
    pub workers: Vec<WorkerView>,
    /// The shared state now.
    pub shared: String,
    /// How the schedule ended, once no worker can step.
    pub ending: Option<(String, bool)>,
}

impl Explorer {
    /// A fresh explorer on `strategy` of `lesson`, at the start.
    pub fn new(lesson: LessonId, strategy: StrategyId, workers: u32, rounds: u32) -> Self {
        Self {
            lesson,
            strategy,
            workers,
            rounds,
            schedule: Vec::new(),
            count: Count::None,
        }
    }

    /// The step model, or why it cannot be built.
    pub fn machine(&self) -> Result<Machine, String> {
        explore::model(self.lesson, self.strategy.name(), self.workers, self.rounds)
            .map_err(|e| e.to_string())
    }

    /// Take worker `w`'s next step, if it can take one.
    pub fn step(&mut self, w: usize) {
        let mut next = self.schedule.clone();
        next.push(w);
        if let Ok(m) = self.machine()
            && explore::walk(&m, &next).is_ok()
        {
            self.schedule = next;
        }
    }

    /// The view of the schedule so far.
    pub fn view(&self) -> Result<View, String> {
        let m = self.machine()?;
        let (state, _) = explore::walk(&m, &self.schedule).map_err(|e| e.to_string())?;
        let workers = (0..m.workers())
            .map(|w| {
                let lines: Vec<String> = m.programs[w].iter().map(|op| op.code(m.lesson)).collect();
                let (status, can_step) = match m.can_step(&state, w) {
                    Ok(op) => (format!("next: {}", op.code(m.lesson)), true),
                    Err(Stuck::Finished) => ("finished".to_string(), false),
                    Err(Stuck::Blocked { lock, holder }) => (
                        format!(
                            "blocked: {} is held by w{holder}",
                            explore::lock_name(&m, lock)
                        ),
                        false,
                    ),
                };
                WorkerView {
                    lines,
                    pc: state.pc[w],
                    register: (m.lesson == LessonId::Race).then_some(state.reg[w]),
                    status,
                    can_step,
                }
            })
            .collect::<Vec<_>>();
        let shared = explore::shared(&m, &state);
        let ending = workers.iter().all(|w| !w.can_step).then(|| {
            let wrong = m.wrong(&state);
            (explore::ending(&shared, wrong), wrong)
        });
        Ok(View {
            title: explore::describe(&m),
            workers,
            shared: explore::shared_text(&m, &shared),
            ending,
        })
    }

    /// The shortest wrong schedule of this model, counted here (the models a page offers take
    /// milliseconds).
    pub fn shortest_wrong(&self) -> Result<Option<Vec<usize>>, String> {
        let m = self.machine()?;
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
/// the explorer opened on that model's shortest wrong schedule: "see how it happens".
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
    e.schedule = e.shortest_wrong().ok()??;
    Some(e)
}

/// 12870 → "12,870", for counts a person reads.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
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
        assert_eq!(v.workers[1].register, Some(13));
    }

    #[test]
    fn a_blocked_or_finished_worker_cannot_step() {
        let mut e = Explorer::new(LessonId::Deadlock, StrategyId::OppositeOrder, 2, 1);
        e.step(0);
        e.step(1);
        let v = e.view().unwrap();
        assert_eq!(v.workers[0].status, "blocked: B is held by w1");
        assert!(!v.workers[0].can_step && !v.workers[1].can_step);
        assert!(v.ending.unwrap().1, "a deadlock is wrong");
        e.step(0);
        assert_eq!(e.schedule.len(), 2, "a blocked step is not taken");
    }

    #[test]
    fn the_view_shows_each_workers_program_counter() {
        let mut e = race();
        e.step(1);
        let v = e.view().unwrap();
        assert_eq!(v.workers[1].pc, 1);
        assert_eq!(v.workers[1].lines[1], "store balance ← r + 8");
        assert_eq!(v.workers[0].status, "next: r ← load balance");
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
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_870), "12,870");
        assert_eq!(thousands(10_000_000), "10,000,000");
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
