//! Child processes of this same binary (`interleave __worker`, see `worker.rs`), fed over
//! stdin/stdout pipes in the task protocol of `interleave_shared::task` (one JSON object per
//! line). Start-up and copying are part of what is measured: that is the price of processes, and
//! the lesson is to see it. Every child is waited for; on any error the rest are killed, so no
//! process outlives a run.

mod credit;
mod death;
mod reader;

use credit::Credit;
pub use death::how_it_ended;
use death::{stop_all_but, unanswered};
use reader::{ChildAnswers, Lane, read_child};

use super::clock::{MonoClock, mono_ns};
use super::measure::measure;
use anyhow::{Context, Result, anyhow, bail};
use interleave_shared::lessons::io::Downloaded;
use interleave_shared::task::{self, Job, Output, Task, TaskError, ToWorker};
use interleave_shared::{Runs, Span, SpanKind, Timing};
use std::io::{BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// What to send: per child, its tasks, and how each child runs them.
#[derive(Debug, Clone)]
pub struct Dispatch {
    /// `per_child[c]` are the tasks child `c` gets, in order.
    pub per_child: Vec<Vec<Task>>,
    /// Span kind of the tasks (compute or wait).
    pub kind: SpanKind,
    /// Async workers per child (1: the child streams tasks one by one). A span's worker is
    /// child × slots + slot, so each async worker of each process gets its own timeline lane.
    pub slots: u32,
    /// At most this many tasks sent and not yet answered, across all children: a bounded
    /// queue between the parent (the producer) and the children (the consumers). `None`: send
    /// everything at once (the pipes' buffers are the only bound).
    pub bound: Option<usize>,
}

/// What came back: per task its output, plus spans (spawn and tasks) and children's totals.
#[derive(Debug, Default)]
pub struct Dispatched {
    /// `(task id, output)` for every task sent, in task order.
    pub outputs: Vec<(u32, Output)>,
    /// Spawn spans (task [`SETUP_TASK`]) and task spans.
    pub spans: Vec<Span>,
    /// Sum of the children's peak RSS in KiB (an upper bound of their joint peak).
    pub children_peak_rss_kb: u64,
    /// Children started.
    pub children: u32,
    /// With a bound: times the parent found the queue full and waited for room.
    pub producer_waits: u64,
    /// With a bound: most tasks in flight at once.
    pub max_in_flight: usize,
    /// With a bound: `(ms, tasks in flight)` at every change.
    pub levels: Vec<(f64, u32)>,
}

impl Dispatched {
    /// Every output as a sum, in task order.
    pub fn sums(&self) -> Result<Vec<u128>, TaskError> {
        self.outputs
            .iter()
            .map(|(id, o)| o.clone().sum(*id))
            .collect()
    }

    /// Every output as a number, in task order.
    pub fn values(&self) -> Result<Vec<u64>, TaskError> {
        self.outputs
            .iter()
            .map(|(id, o)| o.clone().value(*id))
            .collect()
    }

    /// Every output as a page, in task order.
    pub fn pages(&self) -> Result<Vec<Downloaded>, TaskError> {
        self.outputs
            .iter()
            .map(|(id, o)| o.clone().page(*id))
            .collect()
    }
}

/// Children that are killed and reaped if dropped before being waited for, and the first one
/// that stopped answering (whose story the run tells).
struct Children(Vec<Option<Child>>, Option<usize>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Dispatch {
    /// The plan for a strategy run by `runs`: [`Runs::ProcessesWithEventLoops`] starts one child
    /// per core, each running its share of `workers` as async tasks; anything else starts
    /// `workers` children that take one task at a time.
    pub fn new(runs: Runs, workers: u32, tasks: Vec<Task>, kind: SpanKind) -> Self {
        let (children, slots) = if runs == Runs::ProcessesWithEventLoops {
            let children = super::os::default_workers().clamp(1, workers.max(1));
            (children, workers.div_ceil(children))
        } else {
            (workers, 1)
        };
        Dispatch {
            per_child: round_robin(tasks, children),
            kind,
            slots,
            bound: None,
        }
    }
}

/// Split tasks round-robin over `processes` children.
pub fn round_robin<T>(tasks: Vec<T>, processes: u32) -> Vec<Vec<T>> {
    let n = (processes as usize).clamp(1, tasks.len().max(1));
    let mut per: Vec<Vec<T>> = (0..n).map(|_| Vec::new()).collect();
    for (i, t) in tasks.into_iter().enumerate() {
        per[i % n].push(t);
    }
    per
}

/// `interleave __worker` (this same binary's hidden child mode, see `worker.rs`) with stdin and
/// stdout piped: the one way every process strategy, lesson and ladder rung starts a child.
/// Callers change what differs (stdout to null, stdin from another child's pipe).
pub fn worker_command(exe: &std::path::Path) -> Command {
    let mut command = super::os::child_command(exe);
    command
        .arg("__worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    command
}

/// Write one protocol message as a line.
pub fn send(to: &mut impl Write, message: &ToWorker) -> std::io::Result<()> {
    writeln!(to, "{}", task::encode(message))
}

/// Run `tasks` on child processes as `runs` says, measured; the children's peak memory is added
/// to the parent's, so the record shows what the run used in all.
/// Jobs are numbered in order: task `i` is the `i`-th job.
pub fn run_measured(
    runs: Runs,
    workers: u32,
    jobs: impl IntoIterator<Item = Job>,
    kind: SpanKind,
) -> Result<(Dispatched, Timing)> {
    let tasks = (0u32..)
        .zip(jobs)
        .map(|(id, job)| Task { id, job })
        .collect();
    run_plan(Dispatch::new(runs, workers, tasks, kind))
}

/// The same through a bounded queue of `bound` tasks in flight (see [`Dispatch::bound`]).
pub fn run_bounded(
    runs: Runs,
    workers: u32,
    jobs: impl IntoIterator<Item = Job>,
    kind: SpanKind,
    bound: usize,
) -> Result<(Dispatched, Timing)> {
    let tasks = (0u32..)
        .zip(jobs)
        .map(|(id, job)| Task { id, job })
        .collect();
    let mut plan = Dispatch::new(runs, workers, tasks, kind);
    plan.bound = Some(bound.max(1));
    run_plan(plan)
}

fn run_plan(plan: Dispatch) -> Result<(Dispatched, Timing)> {
    let (outcome, mut timing) = measure(|c| run(&plan, c))?;
    timing.peak_rss_kb = timing
        .peak_rss_kb
        .map(|kb| kb + outcome.children_peak_rss_kb);
    Ok((outcome, timing))
}

/// Start one child per entry of `plan.per_child`, feed it, collect its answers, wait for it.
/// A child that dies before answering all its tasks is reported at once — which child, the task
/// it was running, how it ended — and the other children are killed rather than waited for.
///
/// Long on purpose: the feeder, the readers and the waiter share one `thread::scope`, the
/// children's handles and the credit; apart they would pass the same borrows around.
pub fn run(plan: &Dispatch, clock: &MonoClock) -> Result<Dispatched> {
    let exe = std::env::current_exe().context("cannot find the interleave binary to re-run")?;
    let mut started = Children(Vec::new(), None);
    let mut spawned_at = Vec::new();
    // @code cpu:processes cpu:hybrid io:processes io:hybrid pools:processes-map pools:processes-map-chunked queue:processes
    for _ in &plan.per_child {
        spawned_at.push(mono_ns());
        let child = worker_command(&exe)
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start a worker process ({})", exe.display()))?;
        started.0.push(Some(child));
    }
    // @end
    let mut pipes = Vec::new();
    for child in started.0.iter_mut().flatten() {
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow!("worker has no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("worker has no stdout"))?;
        pipes.push((stdin, stdout));
    }
    let children = Mutex::new(started);
    let slots = plan.slots.max(1);
    let credit = Credit::default();
    let credit = &credit;
    let results: Vec<Result<ChildAnswers>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pipes
            .into_iter()
            .enumerate()
            .map(|(c, (mut stdin, stdout))| {
                let tasks = &plan.per_child[c];
                let spawned = spawned_at[c];
                let kind = plan.kind;
                let children = &children;
                // Writer: the start line and every task, then EOF. Its own thread, so a child
                // that is busy answering never deadlocks against a parent that is still writing.
                let writer = scope.spawn(move || -> Result<()> {
                    send(
                        &mut stdin,
                        &ToWorker::Start {
                            concurrency: slots,
                            total_only: false,
                        },
                    )?;
                    // @code cpu:processes cpu:hybrid io:processes io:hybrid pools:processes-map pools:processes-map-chunked queue:processes
                    for t in tasks {
                        if let Some(bound) = plan.bound
                            && !credit.take(bound, clock)
                        {
                            break;
                        }
                        send(&mut stdin, &ToWorker::Task(t.clone()))?;
                    }
                    // @end
                    Ok(())
                });
                scope.spawn(move || {
                    let lane = Lane {
                        first: c as u32 * slots,
                        spawned_ns: spawned,
                        kind,
                    };
                    let answers =
                        read_child(&lane, BufReader::new(stdout), clock, &|| credit.give(clock));
                    let answered = answers.as_ref().map_or(0, |a| a.outputs.len());
                    if answered < tasks.len() {
                        // Its stdout closed early: it died, or broke the protocol. Stop the rest
                        // now, so the run ends with this child's story instead of their work.
                        // This claims "first to fail" before anything else can end: closing the
                        // queue first would let the other writers stop, their children exit
                        // cleanly with tasks unanswered, and one of those could be blamed.
                        let died = stop_all_but(children, c);
                        // No more answers from this child: a writer waiting for room must not
                        // wait for it.
                        credit.close();
                        let running = unanswered(tasks, answers.as_ref().ok());
                        return Err(match (died, answers) {
                            (Some(d), _) => anyhow!("{}", d.story(c, running)),
                            (None, Err(e)) => e.context(format!("worker process {c}")),
                            (None, Ok(_)) => anyhow!(
                                "worker process {c} answered {answered} of its {} tasks",
                                tasks.len()
                            ),
                        });
                    }
                    let w = writer
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    let r = answers?;
                    w.context("cannot write tasks to a worker process")?;
                    Ok(r)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut started = children.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut outcome = Dispatched::default();
    // The child that failed first tells the story; the others were stopped because of it.
    let first = started.1;
    let mut failures = Vec::new();
    for (c, r) in results.into_iter().enumerate() {
        match r {
            Ok(answers) => {
                outcome.outputs.extend(answers.outputs);
                outcome.spans.extend(answers.spans);
                outcome.children_peak_rss_kb += answers.peak_rss_kb;
            }
            Err(e) => failures.push((c, e)),
        }
    }
    if let Some(i) = failures
        .iter()
        .position(|(c, _)| Some(*c) == first)
        .or((!failures.is_empty()).then_some(0))
    {
        return Err(failures.swap_remove(i).1);
    }
    for (c, slot) in started.0.iter_mut().enumerate() {
        if let Some(mut child) = slot.take() {
            let status = child.wait()?;
            if !status.success() {
                bail!("worker process {c} exited with {status}");
            }
        }
    }
    outcome.outputs.sort_by_key(|(id, _)| *id);
    outcome.children = plan.per_child.len() as u32;
    let mut credit = credit.lock();
    outcome.producer_waits = credit.waits;
    outcome.max_in_flight = credit.max_in_flight;
    outcome.levels = std::mem::take(&mut credit.levels);
    Ok(outcome)
}

#[cfg(test)]
mod tests;
