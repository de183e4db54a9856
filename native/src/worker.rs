//! The child side of the `processes` and `hybrid` strategies: `interleave __worker`, a hidden
//! subcommand that reads tasks on stdin and writes results on stdout, one line each — the way
//! Python's multiprocessing "spawn" starts a fresh interpreter and pickles work over a pipe.
//!
//! Protocol (text lines; small, and readable when debugging):
//! - child → parent: `ready <pid>` as soon as it runs.
//! - parent → child: a header `cpu <concurrency>`, `io <concurrency> <base-url> <latency-ms>
//!   <bytes>`, `queue 1`, `pools 1` or `sum 1`, then one task per line (`<task> <start> <end>` for
//!   cpu, `<task>` for io and queue, `<task> <first> <last>` for pools, a number for sum), then EOF.
//! - child → parent: `<task> <slot> <start-ns> <end-ns> <payload>` per task (slot: which of the
//!   child's async workers ran it, 0 when streaming) (`<sum>` for cpu,
//!   `<bytes> <checksum-hex>` for io; `error <message>` on failure), then
//!   `done <peak-rss-kb> <cpu-ms>`.
//!
//! With concurrency 1 the child streams: it starts a task as soon as its line arrives. With more,
//! it reads every task, then runs them as async workers on one tokio thread (the notes' "combine
//! multiprocessing and asyncio").

use crate::clock::{MonoClock, mono_ns};
use crate::fetch::{self, Target};
use anyhow::{Context, Result, bail};
use interleave_shared::SpanKind;
use interleave_shared::lessons::{cpu, pools, queue};
use interleave_shared::strategy::async_workers;
use std::io::{BufRead, BufWriter, Write};

enum Job {
    Cpu,
    Io(Target),
    /// A queue consumer: `item` → its processed value.
    Queue,
    /// A pool worker: `task first last` → Σ f(x) over the items.
    Pools,
}

impl Job {
    fn run(&self, line: &str) -> Result<String> {
        let nums: Vec<&str> = line.split_whitespace().collect();
        match (self, nums.as_slice()) {
            (Job::Cpu, [_, start, end]) => {
                let (start, end): (u64, u64) = (start.parse()?, end.parse()?);
                Ok(cpu::sum_squares(start..end).to_string())
            }
            (Job::Io(target), [page]) => Ok(render(fetch::fetch_blocking(target, page.parse()?))),
            (Job::Queue, [item]) => Ok(queue::process(item.parse()?).to_string()),
            (Job::Pools, [_, first, last]) => {
                let (first, last): (u64, u64) = (first.parse()?, last.parse()?);
                Ok((first..last).map(pools::f).sum::<u128>().to_string())
            }
            _ => bail!("malformed task line '{line}'"),
        }
    }
}

fn render(r: Result<interleave_shared::lessons::io::Downloaded, String>) -> String {
    match r {
        Ok(d) => d.wire(),
        Err(e) => format!("error {}", e.replace('\n', " ")),
    }
}

/// Run the worker until stdin closes.
pub fn main() -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    writeln!(out, "ready {}", std::process::id())?;
    out.flush()?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let header = lines.next().context("no header line")??;
    let fields: Vec<&str> = header.split_whitespace().collect();
    let (job, concurrency) = match fields.as_slice() {
        ["cpu", c] => (Job::Cpu, c.parse::<usize>()?),
        ["queue", c] => (Job::Queue, c.parse::<usize>()?),
        ["pools", c] => (Job::Pools, c.parse::<usize>()?),
        ["sum", _] => {
            // The reader end of a pipe between two processes: add up every number.
            let (mut count, mut total) = (0u64, 0u128);
            for line in lines {
                total += line?.trim().parse::<u128>()?;
                count += 1;
            }
            writeln!(out, "total {count} {total}")?;
            out.flush()?;
            return Ok(());
        }
        ["io", c, base, latency, bytes] => (
            Job::Io(Target {
                base: base.to_string(),
                latency_ms: latency.parse()?,
                bytes: bytes.parse()?,
            }),
            c.parse::<usize>()?,
        ),
        _ => bail!("malformed header '{header}'"),
    };
    if concurrency <= 1 {
        for line in lines {
            let line = line?;
            let task = line.split_whitespace().next().unwrap_or("?").to_string();
            let t0 = mono_ns();
            let payload = job.run(&line)?;
            writeln!(out, "{task} 0 {t0} {} {payload}", mono_ns())?;
            out.flush()?;
        }
    } else {
        let tasks: Vec<String> = lines.collect::<Result<_, _>>()?;
        run_async(&job, &tasks, concurrency, &mut out)?;
    }
    writeln!(
        out,
        "done {} {:.3}",
        crate::usage::peak_rss_kb().unwrap_or(0),
        crate::usage::self_cpu_ms()
    )?;
    out.flush()?;
    Ok(())
}

fn run_async(job: &Job, tasks: &[String], concurrency: usize, out: &mut impl Write) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let clock = MonoClock::start();
    let run = rt.block_on(async {
        let client = match job {
            Job::Io(target) => Some(fetch::async_client(target).map_err(anyhow::Error::msg)?),
            Job::Cpu | Job::Queue | Job::Pools => None,
        };
        let run = async_workers(tasks.len(), concurrency, &clock, SpanKind::Wait, |i| {
            let line = &tasks[i];
            let client = client.as_ref();
            async move {
                let nums: Vec<&str> = line.split_whitespace().collect();
                match (job, client, nums.as_slice()) {
                    (Job::Io(target), Some(client), [page]) => match page.parse::<u64>() {
                        Ok(p) => render(fetch::fetch_async(client, target, p).await),
                        Err(e) => format!("error bad page '{page}': {e}"),
                    },
                    _ => job.run(line).unwrap_or_else(|e| format!("error {e}")),
                }
            }
        })
        .await;
        anyhow::Ok(run)
    })?;
    for ((line, payload), span) in tasks.iter().zip(&run.outputs).zip(&run.spans) {
        let task = line.split_whitespace().next().unwrap_or("?");
        let ns = |ms: f64| (ms * 1e6) as u64 + clock.t0_ns();
        let slot = span.worker;
        writeln!(
            out,
            "{task} {slot} {} {} {payload}",
            ns(span.start_ms),
            ns(span.end_ms)
        )?;
    }
    Ok(())
}
