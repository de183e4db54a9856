//! `distributed`: the same tasks on a pool of threads in one process, and on worker processes
//! that take them from a broker's work queue (see `crate::distributed`).

use super::Ctx;
use crate::distributed::{self, MasterOptions};
use crate::error::UsageError;
use crate::exec::{self, measure};
use anyhow::{Result, bail};
use interleave_shared::lessons::distributed as lesson;
use interleave_shared::task::{Job, Task};
use interleave_shared::{
    Checked, Execution, LessonId, Span, SpanKind, Strategy, StrategyId as S, TaskRun, Workload,
};
use std::time::Duration;

/// The tasks as a workload for the in-process pool (also `bench`'s baseline).
pub struct Jobs(pub Vec<Job>);

impl Workload for Jobs {
    type Output = u128;
    fn task_count(&self) -> usize {
        self.0.len()
    }
    fn run_task(&self, task: usize) -> u128 {
        match self.0[task].run() {
            Some(Ok(interleave_shared::task::Output::Sum { value })) => value,
            _ => 0,
        }
    }
    fn kind(&self) -> SpanKind {
        SpanKind::Compute
    }
}

/// How long a task may stay unacknowledged before the broker hands it out again: long enough
/// for any task of this lesson, short enough that a killed worker's task comes back soon.
const ACK_WAIT: Duration = Duration::from_secs(1);

pub fn execute(strategy: &Strategy, ctx: &Ctx) -> Result<Execution> {
    let p = ctx.params;
    let jobs = lesson::jobs(p.size);
    let expected = lesson::expected(p.size)?;
    match strategy.id {
        S::LocalPool if ctx.options.distributed.kill_worker.is_some() => {
            bail!(UsageError::Other(
                "--kill-worker applies to the broker and hosts strategies, whose workers are \
                 processes; local-pool runs threads in this process"
                    .into()
            ))
        }
        // @code distributed:local-pool
        S::LocalPool => {
            let work = Jobs(jobs);
            let (run, timing): (TaskRun<u128>, _) =
                measure(|c| Ok(exec::pool(&work, p.workers, c, &|_| {})))?;
            let total: u128 = run.outputs.iter().sum();
            Ok(Execution::new(
                Checked::exact(total, expected),
                run.spans,
                p.workers,
                timing,
            ))
        }
        // @end
        // @code distributed:broker distributed:hosts
        S::Broker | S::Hosts => {
            if strategy.id == S::Hosts && !distributed::netns::is_root() {
                bail!(UsageError::Other(
                    "the hosts strategy puts each worker in a network namespace of its own, \
                     which needs root: run it as root (CI does), or use --strategies broker"
                        .into()
                ));
            }
            if let Some(k) = ctx.options.distributed.kill_worker
                && k >= p.workers
            {
                bail!(UsageError::Other(format!(
                    "--kill-worker {k} is out of range: allowed 0..={} (there are {} workers)",
                    p.workers - 1,
                    p.workers
                )));
            }
            let tasks: Vec<Task> = (0u32..)
                .zip(jobs)
                .map(|(id, job)| Task { id, job })
                .collect();
            let options = MasterOptions {
                workers: p.workers,
                broker: ctx
                    .options
                    .distributed
                    .url
                    .clone()
                    .map(|u| (u, ctx.options.distributed.token.clone())),
                kill_worker: ctx.options.distributed.kill_worker,
                ack_wait: ACK_WAIT,
                prefetch: distributed::prefetch_for(tasks.len(), p.workers),
                on_hosts: strategy.id == S::Hosts,
            };
            let (run, timing) = measure(|_| distributed::run_master(tasks.clone(), &options))?;
            let total = run.collected.total()?;
            let spans = spans_of(&run);
            let e = Execution::new(Checked::exact(total, expected), spans, p.workers, timing)
                .delivered(run.collected.delivery(run.tasks), run.hosts.clone());
            let mut note = run.phases.summary(run.tasks, options.broker.is_none());
            if let Some(k) = run.killed {
                note = format!(
                    "worker {} was killed (SIGKILL) holding task {}, never acknowledged (the \
                     broker kept it reserved for the dead worker meanwhile); the broker delivered \
                     it again after {} s unacknowledged (the timeline's redelivered span: computed \
                     again), {} task(s) in all came back, and each counted once; {note}",
                    k.worker,
                    k.task,
                    ACK_WAIT.as_secs(),
                    run.collected.redelivered
                );
            }
            Ok(e.with_note(note))
        }
        // @end
        _ => Err(super::unsupported(LessonId::Distributed, strategy)),
    }
}

/// One lane per worker: waiting for a task (from the moment it was free, across however many
/// requests to the broker that took), computing it, and sending answers. A worker sends a
/// helping's answers together and waits until the broker stored them, so an answer's span runs
/// from its computation to the moment the worker is free again or the master has it, whichever
/// comes first: back to back in a helping it is empty, after a helping's last task it is the
/// sending. A lane never shows two things at once.
fn spans_of(run: &distributed::MasterRun) -> Vec<Span> {
    let at = |epoch: f64| (epoch - run.t0).max(0.0);
    let mut spans = Vec::new();
    let mut by_worker: std::collections::BTreeMap<u32, Vec<(&distributed::TaskAnswer, f64)>> =
        Default::default();
    for (a, received) in &run.collected.received {
        by_worker.entry(a.worker).or_default().push((a, *received));
    }
    for answers in by_worker.values_mut() {
        answers.sort_by(|x, y| x.0.asked_at.total_cmp(&y.0.asked_at));
        let next_asks: Vec<f64> = answers
            .iter()
            .skip(1)
            .map(|(a, _)| a.asked_at)
            .chain([f64::INFINITY])
            .collect();
        for ((a, received), next_ask) in answers.iter().zip(next_asks) {
            let lane = |start: f64, end: f64, kind| Span {
                worker: a.worker,
                task: a.task,
                start_ms: at(start),
                end_ms: at(end).max(at(start)),
                kind,
            };
            spans.push(lane(a.asked_at, a.took_at, SpanKind::Wait));
            // A task computed on its second (or later) delivery: the repeated work, apart.
            let compute = if a.delivered > 1 {
                SpanKind::Redelivered
            } else {
                SpanKind::Compute
            };
            spans.push(lane(a.took_at, a.computed_at, compute));
            spans.push(lane(a.computed_at, received.min(next_ask), SpanKind::Copy));
        }
    }
    // The task a killed worker held and never answered: red (a lock kind: held, going nowhere)
    // on its lane from when it took the task until the broker handed the task to someone else
    // (the worker died at once; the broker kept the task reserved for it for `ack_wait`). Its
    // second delivery shows on another worker's lane, as redelivered work.
    if let Some(k) = run.killed {
        let handed_on = run
            .collected
            .received
            .iter()
            .filter(|(a, _)| a.task == k.task && a.delivered > 1)
            .map(|(a, _)| a.took_at)
            .fold(f64::INFINITY, f64::min);
        let end = if handed_on.is_finite() {
            handed_on
        } else {
            k.killed_at
        };
        spans.push(Span {
            worker: k.worker,
            task: k.task,
            start_ms: at(k.took_at),
            end_ms: at(end).max(at(k.took_at)),
            kind: SpanKind::Lock,
        });
    }
    spans
}
