//! `processes`: spawn children and wait for them; talk to one over its pipes; connect two
//! children with an OS pipe.

use crate::runner::{Execution, measure};
use crate::strategies::processes::worker_command;
use anyhow::{Context, Result, bail};
use interleave_shared::lessons::cpu;
use interleave_shared::{Clock, Params, Span, SpanKind};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// Numbers per line in `pipe`: line t asks for Σ i² over t·W..(t+1)·W.
const W: u64 = 1_000;

pub fn execute(strategy: &str, p: Params) -> Result<Execution> {
    let exe = std::env::current_exe().context("cannot find the interleave binary")?;
    let n = p.size;
    let (result, expected, spans, meter) = match strategy {
        "spawn" => {
            let ((ok, spans), meter) = measure(|clock| {
                let mut spans = Vec::new();
                let mut ok = 0;
                for i in 0..n {
                    let t0 = clock.now_ms();
                    let mut child = worker_command(&exe).stdout(Stdio::null()).spawn()?;
                    child
                        .stdin
                        .take()
                        .context("no stdin")?
                        .write_all(b"cpu 1\n")?;
                    ok += u64::from(child.wait()?.success());
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
            (
                format!("{ok} of {n} processes exited with status 0"),
                format!("{n} of {n} processes exited with status 0"),
                spans,
                meter,
            )
        }
        "pipe" => {
            let ((total, answers, spans), meter) = measure(|clock| {
                let mut child = worker_command(&exe).spawn()?;
                let mut stdin = child.stdin.take().context("no stdin")?;
                let writer = std::thread::spawn(move || -> std::io::Result<()> {
                    writeln!(stdin, "cpu 1")?;
                    for t in 0..n {
                        writeln!(stdin, "{t} {} {}", t * W, (t + 1) * W)?;
                    }
                    Ok(())
                });
                let (mut total, mut answers, mut spans) = (0u128, 0u64, Vec::new());
                let t0 = clock.now_ms();
                for line in BufReader::new(child.stdout.take().context("no stdout")?).lines() {
                    let line = line?;
                    let f: Vec<&str> = line.split_whitespace().collect();
                    if let [task, _, _, _, sum] = f.as_slice() {
                        total += sum.parse::<u128>()?;
                        answers += 1;
                        let now = clock.now_ms();
                        spans.push(Span {
                            worker: 0,
                            task: task.parse()?,
                            start_ms: t0.max(now - 0.01),
                            end_ms: now,
                            kind: SpanKind::Copy,
                        });
                    }
                }
                writer
                    .join()
                    .map_err(|_| anyhow::anyhow!("writer panicked"))??;
                if !child.wait()?.success() {
                    bail!("the child process failed");
                }
                Ok((total, answers, spans))
            })?;
            let exact = cpu::closed_form(n * W)?;
            (
                format!("{answers} answers, total {total}"),
                format!("{n} answers, total {exact}"),
                spans,
                meter,
            )
        }
        "queue" => {
            let ((count, total, spans), meter) = measure(|clock| {
                let t0 = clock.now_ms();
                let mut writer = Command::new(&exe)
                    .args(["__emit", &n.to_string()])
                    .stdout(Stdio::piped())
                    .spawn()?;
                let pipe = writer.stdout.take().context("no stdout")?;
                let reader = worker_command(&exe).stdin(Stdio::from(pipe)).spawn()?;
                let out = reader.wait_with_output()?;
                let w_ok = writer.wait()?.success();
                let t1 = clock.now_ms();
                let text = String::from_utf8_lossy(&out.stdout);
                let line = text
                    .lines()
                    .find(|l| l.starts_with("total "))
                    .context("the reader printed no total")?;
                let f: Vec<&str> = line.split_whitespace().collect();
                if !(w_ok && out.status.success()) || f.len() != 3 {
                    bail!("writer or reader failed ({line})");
                }
                let spans = vec![
                    Span {
                        worker: 0,
                        task: 0,
                        start_ms: t0,
                        end_ms: t1,
                        kind: SpanKind::Copy,
                    },
                    Span {
                        worker: 1,
                        task: 1,
                        start_ms: t0,
                        end_ms: t1,
                        kind: SpanKind::Wait,
                    },
                ];
                Ok((f[1].parse::<u64>()?, f[2].parse::<u128>()?, spans))
            })?;
            let sum = u128::from(n) * u128::from(n + 1) / 2;
            (
                format!("reader got {count} values, total {total}"),
                format!("reader got {n} values, total {sum}"),
                spans,
                meter,
            )
        }
        other => bail!("strategy '{other}' is not available for processes"),
    };
    Ok(Execution {
        correct: result == expected,
        result,
        expected,
        spans,
        meter,
        workers: 1,
        children_peak_kb: 0,
        note: None,
    })
}

/// `interleave __emit N`: the writer process of the `queue` strategy; prints the reader's header
/// and then 1..=N, one per line.
pub fn emit_main(n: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "sum 1")?;
    for i in 1..=n {
        writeln!(out, "{i}")?;
    }
    out.flush()?;
    Ok(())
}
