//! `daemon`: a child program whose background thread is either joined or left running when its
//! main thread returns (see `interleave __daemon`).

use crate::exec::{self, measure};
use anyhow::{Context, Result, bail};
use interleave_shared::lessons::daemon::render;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// How the daemon lesson's child program ends (`interleave __daemon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DaemonMode {
    /// Main returns without waiting: the background thread is cut off.
    Daemon,
    /// Main joins the background thread first.
    Joined,
}

pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    super::expect(LessonId::Daemon, strategy, &[S::Daemon, S::Joined])?;
    let step_ms = p.latency_ms.unwrap_or(30);
    let exe = std::env::current_exe().context("cannot find the interleave binary")?;
    let ((done, spans), timing) = measure(|clock| {
        let start = clock.now_ms();
        let mut child = exec::child_command(&exe)
            .args([
                "__daemon",
                strategy.id.name(),
                &p.size.to_string(),
                &step_ms.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start the daemon demo program")?;
        let out = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut spans = Vec::new();
        let (mut done, mut last) = (0u64, start);
        for line in out.lines() {
            let line = line?;
            let now = clock.now_ms();
            if let Some(k) = line.strip_prefix("step ") {
                done = k.trim().parse()?;
                spans.push(Span {
                    worker: 1,
                    task: done as u32,
                    start_ms: last,
                    end_ms: now,
                    kind: SpanKind::Compute,
                });
                last = now;
            } else if line == "main returns" {
                spans.push(Span {
                    worker: 0,
                    task: 0,
                    start_ms: start,
                    end_ms: now,
                    kind: SpanKind::Wait,
                });
            }
        }
        let status = child.wait()?;
        if !status.success() {
            bail!(
                "the daemon demo program (pid {}) ended with {status} after step {done} of {}",
                child.id(),
                p.size
            );
        }
        Ok((done, spans))
    })?;
    let daemon = strategy.id == S::Daemon;
    let result = render(done, p.size);
    let expected = if daemon {
        format!(
            "fewer than {} of {} steps ran (cut off when main returned)",
            p.size, p.size
        )
    } else {
        render(p.size, p.size)
    };
    let correct = if daemon {
        done < p.size
    } else {
        done == p.size
    };
    let note = if daemon {
        format!(
            "main returned after about {} of {} steps; the process ended and took the thread with it",
            p.size / 2,
            p.size
        )
    } else {
        "main joined the thread, so the program waited for every step".into()
    };
    // Two lanes: the child's main thread and its background thread.
    Ok(
        Execution::new(Checked::judged(result, expected, correct), spans, 2, timing)
            .with_note(note)
            .fact(Fact::StepsDone, done as f64)
            .fact(Fact::StepsWanted, p.size as f64)
            .bug_shown(daemon && done < p.size),
    )
}

/// `interleave __daemon MODE STEPS STEP_MS`: a background thread prints `step k` every STEP_MS;
/// main prints `main returns` halfway, then joins the thread (`joined`) or just returns (`daemon`).
pub fn child_main(mode: DaemonMode, steps: u64, step_ms: u64) -> Result<()> {
    use std::io::Write;
    // @code daemon:daemon daemon:joined
    let worker = std::thread::spawn(move || {
        for k in 1..=steps {
            std::thread::sleep(std::time::Duration::from_millis(step_ms));
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "step {k}");
            let _ = out.flush();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(
        steps * step_ms / 2 + step_ms / 2,
    ));
    // @end
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "main returns")?;
        out.flush()?;
    }
    // @code daemon:joined
    if mode == DaemonMode::Joined {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("the background thread panicked"))?;
    }
    // @end
    Ok(())
}
