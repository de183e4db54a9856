//! `processes` and `hybrid`: child processes of this same binary (`interleave __worker`), fed
//! over stdin/stdout pipes. Start-up and copying are part of what is measured: that is the price
//! of processes, and the lesson is to see it. Every child is waited for; on any error the rest are
//! killed, so no process outlives a run.

use crate::clock::{MonoClock, mono_ns};
use anyhow::{Context, Result, anyhow, bail};
use interleave_shared::record::SETUP_TASK;
use interleave_shared::{Clock, Span, SpanKind};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// Most child processes one run may start: each is a whole program with its own memory.
pub const MAX_PROCESSES: u32 = 64;

/// What to send: the header line and, per child, its task lines (task number first).
#[derive(Debug, Clone)]
pub struct Plan {
    /// First line every child reads (see `worker.rs`).
    pub header: String,
    /// `per_child[c]` are the task lines child `c` gets, in order.
    pub per_child: Vec<Vec<String>>,
    /// Span kind of the tasks (compute or wait).
    pub kind: SpanKind,
    /// Async workers per child (1 for `processes`): span worker = child × slots + slot, so each
    /// async worker of each process gets its own timeline lane.
    pub slots: u32,
}

/// What came back: per task its payload, plus spans (spawn and tasks) and children's totals.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `(task, payload)` for every task line sent.
    pub payloads: Vec<(usize, String)>,
    /// Spawn spans (task [`SETUP_TASK`]) and task spans (worker = child × slots + slot).
    pub spans: Vec<Span>,
    /// Sum of the children's peak RSS in KiB (an upper bound of their joint peak).
    pub children_peak_rss_kb: u64,
}

/// Children that are killed and reaped if dropped before being waited for.
struct Children(Vec<Option<Child>>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Plan {
    /// The plan a strategy needs: `processes` starts `workers` children that each take one task
    /// at a time; `hybrid` starts one child per core, each running its share of `workers` as
    /// async workers. `header(concurrency)` is the first line every child reads.
    pub fn for_strategy(
        strategy: &str,
        workers: u32,
        header: impl Fn(u32) -> String,
        lines: Vec<String>,
        kind: SpanKind,
    ) -> Self {
        let (children, slots) = if strategy == "hybrid" {
            let children = crate::default_workers().clamp(1, workers.max(1));
            (children, workers.div_ceil(children))
        } else {
            (workers, 1)
        };
        Plan {
            header: header(slots),
            per_child: round_robin(lines, children),
            kind,
            slots,
        }
    }
}

/// Split tasks round-robin over `processes` children.
pub fn round_robin(lines: Vec<String>, processes: u32) -> Vec<Vec<String>> {
    let n = (processes as usize).clamp(1, lines.len().max(1));
    let mut per = vec![Vec::new(); n];
    for (i, l) in lines.into_iter().enumerate() {
        per[i % n].push(l);
    }
    per
}

/// `interleave __worker` (this same binary's hidden child mode, see `worker.rs`) with stdin and
/// stdout piped: the one way every process strategy, lesson and ladder rung starts a child.
/// Callers change what differs (stdout to null, stdin from another child's pipe).
pub fn worker_command(exe: &std::path::Path) -> Command {
    let mut command = Command::new(exe);
    command
        .arg("__worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    command
}

/// Start one child per entry of `plan.per_child`, feed it, collect its answers, wait for it.
pub fn run(plan: &Plan, clock: &MonoClock) -> Result<Outcome> {
    let exe = std::env::current_exe().context("cannot find the interleave binary to re-run")?;
    let mut children = Children(Vec::new());
    let mut spawned_at = Vec::new();
    for _ in &plan.per_child {
        spawned_at.push(mono_ns());
        let child = worker_command(&exe)
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start a worker process ({})", exe.display()))?;
        children.0.push(Some(child));
    }
    let mut pipes = Vec::new();
    for child in children.0.iter_mut().flatten() {
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
    let results: Vec<Result<ChildAnswers>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pipes
            .into_iter()
            .enumerate()
            .map(|(c, (mut stdin, stdout))| {
                let lines = &plan.per_child[c];
                let header = &plan.header;
                let spawned = spawned_at[c];
                let kind = plan.kind;
                let slots = plan.slots.max(1);
                // Writer: the header and every task, then EOF. Its own thread, so a child that is
                // busy answering never deadlocks against a parent that is still writing.
                let writer = scope.spawn(move || -> Result<()> {
                    writeln!(stdin, "{header}")?;
                    for l in lines {
                        writeln!(stdin, "{l}")?;
                    }
                    Ok(())
                });
                scope.spawn(move || {
                    let r = read_child(
                        c as u32,
                        slots,
                        BufReader::new(stdout),
                        spawned,
                        kind,
                        clock,
                    );
                    let w = writer
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    let r = r?;
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
    let mut outcome = Outcome::default();
    for (c, r) in results.into_iter().enumerate() {
        let (payloads, spans, peak) = r.with_context(|| format!("worker process {c}"))?;
        if payloads.len() != plan.per_child[c].len() {
            bail!(
                "worker process {c} answered {} of its {} tasks",
                payloads.len(),
                plan.per_child[c].len()
            );
        }
        outcome.payloads.extend(payloads);
        outcome.spans.extend(spans);
        outcome.children_peak_rss_kb += peak;
    }
    for (c, slot) in children.0.iter_mut().enumerate() {
        if let Some(mut child) = slot.take() {
            let status = child.wait()?;
            if !status.success() {
                bail!("worker process {c} exited with {status}");
            }
        }
    }
    outcome.payloads.sort_by_key(|(t, _)| *t);
    Ok(outcome)
}

type ChildAnswers = (Vec<(usize, String)>, Vec<Span>, u64);

fn read_child(
    worker: u32,
    slots: u32,
    reader: impl BufRead,
    spawned_ns: u64,
    kind: SpanKind,
    clock: &MonoClock,
) -> Result<ChildAnswers> {
    let mut payloads = Vec::new();
    let mut spans = Vec::new();
    let mut peak = 0;
    for line in reader.lines() {
        let line = line?;
        let mut f = line.splitn(5, ' ');
        match (f.next(), f.next(), f.next(), f.next(), f.next()) {
            (Some("ready"), ..) => spans.push(Span {
                worker: worker * slots,
                task: SETUP_TASK,
                start_ms: clock.ms_of(spawned_ns),
                end_ms: clock.now_ms(),
                kind: SpanKind::Spawn,
            }),
            (Some("done"), Some(kb), ..) => peak = kb.parse().unwrap_or(0),
            (Some(task), Some(slot), Some(t0), Some(t1), Some(payload)) => {
                if let Some(msg) = payload.strip_prefix("error ") {
                    bail!("task {task}: {msg}");
                }
                let task: usize = task
                    .parse()
                    .with_context(|| format!("bad answer '{line}'"))?;
                let slot: u32 = slot
                    .parse()
                    .with_context(|| format!("bad answer '{line}'"))?;
                spans.push(Span {
                    worker: worker * slots + slot,
                    task: task as u32,
                    start_ms: clock.ms_of(t0.parse()?),
                    end_ms: clock.ms_of(t1.parse()?),
                    kind,
                });
                payloads.push((task, payload.to_string()));
            }
            _ => bail!("unexpected line from worker: '{line}'"),
        }
    }
    Ok((payloads, spans, peak))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_spreads_evenly_and_never_makes_empty_children() {
        let lines: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let per = round_robin(lines.clone(), 2);
        assert_eq!(per, vec![vec!["0", "2", "4"], vec!["1", "3"]]);
        assert_eq!(round_robin(lines, 9).len(), 5);
    }
}
