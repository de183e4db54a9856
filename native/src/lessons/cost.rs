//! `cost`: what one task costs to start and finish, per kind of worker — a tokio task, a job on
//! a running pool, an OS thread, a child process. Each rung runs many trivial tasks one after
//! another, so the figure is overhead, not work. `bench` prints the same ladder.

use crate::exec::processes::{send, worker_command};
use crate::exec::{self, MonoClock, measure};
use anyhow::{Context, Result, bail};
use interleave_shared::lessons::cost as lesson;
use interleave_shared::task::{self, FromWorker, Job, Task, ToWorker};
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
};
use std::io::{BufRead, BufReader};

/// Run `strategy`'s rung `size` times as the cost lesson's one record.
pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    let n = u32::try_from(p.size)?;
    let (rung, timing) = measure(|clock| {
        let start = clock.now_ms();
        let rung = match strategy.id {
            S::AsyncTask => tokio_task(n)?,
            S::PoolJob => pool_job(n)?,
            S::Thread => thread(n)?,
            S::Process => process(n)?,
            _ => return Err(super::unsupported(LessonId::Cost, strategy)),
        };
        let span = Span {
            worker: 0,
            task: 0,
            start_ms: start,
            end_ms: clock.now_ms(),
            kind: SpanKind::Spawn,
        };
        Ok((rung, span))
    })?;
    let (rung, span) = rung;
    let checked = Checked::exact(
        lesson::render(u64::from(rung.count)),
        lesson::render(p.size),
    );
    let note = lesson::note(rung.us_per_task * f64::from(rung.count) / 1000.0, p.size);
    Ok(Execution::new(checked, vec![span], 1, timing)
        .with_note(note)
        .fact(Fact::PerTaskUs, rung.us_per_task))
}

/// One rung of the ladder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rung {
    /// What was started.
    pub what: &'static str,
    /// How many were started and finished.
    pub count: u32,
    /// Average microseconds from start to finish of one trivial task.
    pub us_per_task: f64,
}

impl Rung {
    /// Tasks per second at that cost, one after another.
    pub fn per_second(&self) -> f64 {
        1e6 / self.us_per_task.max(f64::MIN_POSITIVE)
    }
}

fn per_task(count: u32, f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let clock = MonoClock::start();
    f()?;
    Ok(clock.now_ms() * 1000.0 / f64::from(count))
}

/// Spawn and await `count` tokio tasks on a one-thread runtime.
pub fn tokio_task(count: u32) -> Result<Rung> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let us = per_task(count, || {
        rt.block_on(async {
            // @code cost:async-task
            for i in 0..count {
                let h = tokio::spawn(async move { std::hint::black_box(i) });
                h.await?;
            }
            // @end
            anyhow::Ok(())
        })
    })?;
    Ok(Rung {
        what: "tokio task",
        count,
        us_per_task: us,
    })
}

/// Spawn and join `count` OS threads, one after another.
pub fn thread(count: u32) -> Result<Rung> {
    let us = per_task(count, || {
        // @code cost:thread
        for i in 0..count {
            std::thread::spawn(move || std::hint::black_box(i))
                .join()
                .map_err(|_| anyhow::anyhow!("a thread panicked"))?;
        }
        // @end
        Ok(())
    })?;
    Ok(Rung {
        what: "OS thread",
        count,
        us_per_task: us,
    })
}

/// `count` trivial jobs through a running 1-worker pool: queue, wake, run, collect.
pub fn pool_job(count: u32) -> Result<Rung> {
    let pool = exec::rayon_pool(1)?;
    let us = per_task(count, || {
        // @code cost:pool-job
        for i in 0..count {
            let (tx, rx) = crossbeam_channel::bounded(1);
            pool.spawn(move || {
                let _ = tx.send(std::hint::black_box(i));
            });
            rx.recv()?;
        }
        // @end
        Ok(())
    })?;
    Ok(Rung {
        what: "pool job",
        count,
        us_per_task: us,
    })
}

/// Start `count` child processes of this binary, one after another, each answering one trivial
/// task over its pipes before exiting.
pub fn process(count: u32) -> Result<Rung> {
    let exe = std::env::current_exe().context("cannot find the interleave binary")?;
    let us = per_task(count, || {
        for _ in 0..count {
            // @code cost:process
            let mut child = worker_command(&exe).spawn()?;
            let mut stdin = child.stdin.take().context("no stdin")?;
            let start = ToWorker::Start {
                concurrency: 1,
                total_only: false,
            };
            send(&mut stdin, &start)?;
            let job = Job::SumSquares { start: 0, end: 1 };
            send(&mut stdin, &ToWorker::Task(Task { id: 0, job }))?;
            drop(stdin);
            let out = BufReader::new(child.stdout.take().context("no stdout")?);
            // Read to the end: the child's last line ("finished") must find a reader.
            let mut answered = false;
            for line in out.lines() {
                let line = line?;
                answered |= matches!(task::decode(&line)?, FromWorker::Done { id: 0, .. });
            }
            let status = child.wait()?;
            // @end
            if !answered || !status.success() {
                bail!("a worker process did not answer ({status})");
            }
        }
        Ok(())
    })?;
    Ok(Rung {
        what: "process",
        count,
        us_per_task: us,
    })
}

/// The whole ladder, cheapest first.
pub fn ladder() -> Result<Vec<Rung>> {
    Ok(vec![
        tokio_task(20_000)?,
        pool_job(20_000)?,
        thread(2_000)?,
        process(40)?,
    ])
}
