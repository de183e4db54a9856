//! `processes`: spawn children and wait for them; talk to one over its pipes; connect two
//! children with an OS pipe. Every child speaks the task protocol of `interleave_shared::task`.

use crate::exec::processes::{how_it_ended, send, worker_command};
use crate::exec::{self, measure};
use anyhow::{Context, Result, bail};
use interleave_shared::lessons::cpu;
use interleave_shared::task::{self, FromWorker, Job, Task, ToWorker};
use interleave_shared::{
    Checked, Clock, Execution, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

/// Numbers per line in `pipe`: line t asks for Σ i² over t·W..(t+1)·W.
const W: u64 = 1_000;

/// Streaming, one task at a time, answers kept.
const STREAM: ToWorker = ToWorker::Start {
    concurrency: 1,
    total_only: false,
};

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let exe = std::env::current_exe().context("cannot find the interleave binary")?;
    let n = p.size;
    let (checked, spans, timing) = match strategy.id {
        S::Spawn => {
            let ((ok, spans), timing) = measure(|clock| {
                let mut spans = Vec::new();
                let mut ok = 0;
                for i in 0..n {
                    let t0 = clock.now_ms();
                    // @code processes:spawn
                    let child = worker_command(&exe).stdout(Stdio::null()).spawn()?;
                    // @end
                    give_task_and_wait(child, i, n)?;
                    ok += 1;
                    spans.push(Span {
                        worker: 0,
                        task: i as u32,
                        start_ms: t0,
                        end_ms: clock.now_ms(),
                        kind: SpanKind::Spawn,
                    });
                }
                Ok((ok, spans))
            })?;
            let checked = Checked::exact(
                format!("{ok} of {n} processes exited with status 0"),
                format!("{n} of {n} processes exited with status 0"),
            );
            (checked, spans, timing)
        }
        S::Pipe => {
            let ((total, answers, spans), timing) = measure(|clock| pipe(&exe, n, clock))?;
            let checked = Checked::exact(
                format!("{answers} answers, total {total}"),
                format!("{n} answers, total {}", cpu::closed_form(n * W)?),
            );
            (checked, spans, timing)
        }
        S::Queue => {
            let ((count, total, spans), timing) = measure(|clock| {
                let t0 = clock.now_ms();
                // @code processes:queue
                let mut writer = exec::child_command(&exe)
                    .args(["__emit", &n.to_string()])
                    .stdout(Stdio::piped())
                    .spawn()?;
                let pipe = writer.stdout.take().context("no stdout")?;
                let reader = worker_command(&exe).stdin(Stdio::from(pipe)).spawn()?;
                let reader_pid = reader.id();
                let out = reader.wait_with_output()?;
                // @end
                let w_status = writer.wait()?;
                let t1 = clock.now_ms();
                let text = String::from_utf8_lossy(&out.stdout);
                let total = text.lines().find_map(|l| match task::decode(l) {
                    Ok(FromWorker::Total { count, sum }) => Some((count, sum)),
                    _ => None,
                });
                // One killed from outside takes the other down with it (a broken pipe, an
                // early end of input): blame the one a signal ended.
                let mut failed: Vec<_> = [
                    ("writer", writer.id(), w_status),
                    ("reader", reader_pid, out.status),
                ]
                .into_iter()
                .filter(|(_, _, status)| !status.success())
                .collect();
                failed.sort_by_key(|(_, _, status)| status.signal().is_none());
                if let Some((role, pid, status)) = failed.first() {
                    bail!("the {role} process (pid {pid}) {}", how_it_ended(*status));
                }
                let total = total.context("the reader printed no total")?;
                let lane = |worker, kind| Span {
                    worker,
                    task: worker,
                    start_ms: t0,
                    end_ms: t1,
                    kind,
                };
                let spans = vec![lane(0, SpanKind::Copy), lane(1, SpanKind::Wait)];
                Ok((total.0, total.1, spans))
            })?;
            let sum = u128::from(n) * u128::from(n + 1) / 2;
            let checked = Checked::exact(
                format!("reader got {count} values, total {total}"),
                format!("reader got {n} values, total {sum}"),
            );
            (checked, spans, timing)
        }
        _ => return Err(super::unsupported(LessonId::Processes, strategy)),
    };
    Ok(Execution::new(checked, spans, 1, timing))
}

/// One child of `spawn`: hand it its task on stdin and wait for its end. A child that something
/// outside the run ended is named, with how it ended, at once rather than left to make a count
/// come out short. One killed before it read its task also breaks the pipe we write it on: its
/// end, not the broken pipe, is what happened, so the send's error is looked at only after the
/// child's status.
fn give_task_and_wait(mut child: std::process::Child, i: u64, n: u64) -> Result<()> {
    // @code processes:spawn
    let sent = send(&mut child.stdin.take().context("no stdin")?, &STREAM);
    let status = child.wait()?;
    // @end
    if !status.success() {
        bail!(
            "process {i} of {n} (pid {}) {}",
            child.id(),
            how_it_ended(status)
        );
    }
    sent.with_context(|| {
        format!(
            "cannot send process {i} of {n} (pid {}) its task",
            child.id()
        )
    })
}

/// The notes' `subprocess.communicate`: write `n` tasks to one child's stdin from a thread of
/// our own, read its answers from its stdout as they come.
fn pipe(exe: &std::path::Path, n: u64, clock: &exec::MonoClock) -> Result<(u128, u64, Vec<Span>)> {
    // @code processes:pipe
    let mut child = worker_command(exe).spawn()?;
    let mut stdin = child.stdin.take().context("no stdin")?;
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        send(&mut stdin, &STREAM)?;
        for t in 0..n {
            let job = Job::SumSquares {
                start: t * W,
                end: (t + 1) * W,
            };
            send(&mut stdin, &ToWorker::Task(Task { id: t as u32, job }))?;
        }
        Ok(())
    });
    // @end
    let (mut total, mut answers, mut spans) = (0u128, 0u64, Vec::new());
    let t0 = clock.now_ms();
    // @code processes:pipe
    for line in BufReader::new(child.stdout.take().context("no stdout")?).lines() {
        if let FromWorker::Done { id, out, .. } = task::decode(&line?)? {
            total += out.sum(id)?;
            // @end
            answers += 1;
            let now = clock.now_ms();
            spans.push(Span {
                worker: 0,
                task: id,
                start_ms: t0.max(now - 0.01),
                end_ms: now,
                kind: SpanKind::Copy,
            });
        }
    }
    // The child's end first: killed mid-run, its writer fails with a broken pipe, which would
    // hide what really happened.
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "the child process (pid {}) {}",
            child.id(),
            how_it_ended(status)
        );
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer panicked"))??;
    Ok((total, answers, spans))
}

/// `interleave __emit N`: the writer process of the `queue` strategy. It writes the reader's
/// start line (add up, report the total) and the numbers 1..=N as tasks.
pub fn emit_main(n: u64) -> Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let start = ToWorker::Start {
        concurrency: 1,
        total_only: true,
    };
    send(&mut out, &start)?;
    for value in 1..=n {
        let task = Task {
            id: value as u32,
            job: Job::Echo { value },
        };
        send(&mut out, &ToWorker::Task(task))?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::give_task_and_wait;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// A child dead before it read its task: the write to it fails with a broken pipe, and the
    /// report must still name the child and its signal (a CI run once printed only "Broken pipe
    /// (os error 32)" for a child the reliability test had killed at birth).
    #[test]
    fn a_child_killed_before_its_task_is_named_not_the_broken_pipe() {
        let child = Command::new("sh")
            .args(["-c", "exec 0<&-; kill -9 $$"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Dead but not yet reaped (a zombie): its end of the pipe is gone, so the send fails.
        let stat = format!("/proc/{}/stat", child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&stat)
            .unwrap_or_default()
            .contains(") Z ")
        {
            assert!(Instant::now() < deadline, "the shell did not die");
            std::thread::sleep(Duration::from_millis(1));
        }
        let pid = child.id();
        let err = format!("{:#}", give_task_and_wait(child, 3, 10).unwrap_err());
        assert!(
            err.contains(&format!("process 3 of 10 (pid {pid})"))
                && err.contains("was killed by signal 9 (SIGKILL)"),
            "{err}"
        );
    }

    /// A child that ends well after reading its task is no error.
    #[test]
    fn a_child_that_reads_its_task_and_exits_0_is_fine() {
        let child = Command::new("sh")
            .args(["-c", "read line"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        give_task_and_wait(child, 0, 1).unwrap();
    }
}
