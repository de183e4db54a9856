//! The child side of every process strategy: `interleave __worker`, a hidden subcommand that
//! reads tasks on stdin and writes answers on stdout in the task protocol of
//! `interleave_shared::task` (one JSON object per line) — the way Python's multiprocessing
//! "spawn" starts a fresh interpreter and pickles work over a pipe.
//!
//! It writes `ready` as soon as it runs, then reads a `start` line and tasks until EOF. With
//! concurrency 1 it streams: it starts a task as soon as its line arrives. With more, it reads
//! every task, then runs them as async workers on one tokio thread (the notes' "combine
//! multiprocessing and asyncio"). With `total_only` it adds up the answers and reports the sum
//! (the reading end of a pipe between two processes). Its last line says what it used.

use super::clock::{MonoClock, mono_ns};
use super::{fetch, usage};
use anyhow::{Context, Result, bail};
use interleave_shared::SpanKind;
use interleave_shared::strategy::async_workers;
use interleave_shared::task::{self, FromWorker, Job, Output, Task, ToWorker};
use std::io::{BufRead, BufWriter, Write};

/// Run one task on this thread: pure jobs directly, pages with this thread's blocking client.
fn run_blocking(job: &Job) -> Result<Output, String> {
    match job {
        Job::Page { page, source } => fetch::fetch_blocking(source, *page).map(Output::Page),
        pure => pure
            .run()
            .unwrap_or_else(|| Err("a job no worker can run".to_string())),
    }
}

fn answer(out: &mut impl Write, message: &FromWorker) -> Result<()> {
    writeln!(out, "{}", task::encode(message))?;
    out.flush()?;
    Ok(())
}

fn done_or_failed(
    id: u32,
    slot: u32,
    t0_ns: u64,
    t1_ns: u64,
    r: Result<Output, String>,
) -> FromWorker {
    match r {
        Ok(out) => FromWorker::Done {
            id,
            slot,
            t0_ns,
            t1_ns,
            out,
        },
        Err(message) => FromWorker::Failed { id, message },
    }
}

/// Run the worker until stdin closes.
pub fn main() -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    answer(
        &mut out,
        &FromWorker::Ready {
            pid: std::process::id(),
        },
    )?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let first = lines.next().context("no start line")??;
    let ToWorker::Start {
        concurrency,
        total_only,
    } = task::decode(&first)?
    else {
        bail!("the first line must be a start line, not '{first}'");
    };
    let mut tasks = lines.map(|line| -> Result<Task> {
        match task::decode::<ToWorker>(&line?)? {
            ToWorker::Task(t) => Ok(t),
            ToWorker::Start { .. } => bail!("a second start line"),
        }
    });
    if total_only {
        let (mut count, mut sum) = (0u64, 0u128);
        for t in tasks {
            let t = t?;
            let value = run_blocking(&t.job).map_err(anyhow::Error::msg)?;
            sum += match value {
                Output::Sum { value } => value,
                Output::Value { value } => u128::from(value),
                Output::Page(p) => u128::from(p.bytes),
                Output::Census(c) => u128::from(c.schedules),
                Output::Report(r) => r.schedules_text.parse().unwrap_or(0),
            };
            count += 1;
        }
        answer(&mut out, &FromWorker::Total { count, sum })?;
    } else if concurrency <= 1 {
        for t in &mut tasks {
            let t = t?;
            let t0 = mono_ns();
            let r = run_blocking(&t.job);
            answer(&mut out, &done_or_failed(t.id, 0, t0, mono_ns(), r))?;
        }
    } else {
        let tasks: Vec<Task> = tasks.collect::<Result<_>>()?;
        run_async(&tasks, concurrency as usize, &mut out)?;
    }
    answer(
        &mut out,
        &FromWorker::Finished {
            peak_rss_kb: usage::peak_rss_kb().unwrap_or(0),
            cpu_ms: usage::self_cpu_ms(),
        },
    )
}

fn run_async(tasks: &[Task], concurrency: usize, out: &mut impl Write) -> Result<()> {
    let rt = super::os::event_loop()?;
    let clock = MonoClock::start();
    let run = rt.block_on(async {
        // Each page on a connection of its own, as the io lesson's async strategy does.
        let run = async_workers(tasks.len(), concurrency, &clock, SpanKind::Wait, |i| {
            let job = &tasks[i].job;
            async move {
                match job {
                    Job::Page { page, source } => {
                        fetch::fetch_async(source, *page).await.map(Output::Page)
                    }
                    _ => run_blocking(job),
                }
            }
        })
        .await;
        anyhow::Ok(run)
    })?;
    let ns = |ms: f64| (ms * 1e6) as u64 + clock.t0_ns();
    for ((t, r), span) in tasks.iter().zip(run.outputs).zip(&run.spans) {
        let message = done_or_failed(t.id, span.worker, ns(span.start_ms), ns(span.end_ms), r);
        answer(out, &message)?;
    }
    Ok(())
}
