//! The distributed lesson's figures: tasks per second through the lesson's own broker path
//! (`distributed::run_master`: a private broker, worker processes, answers back), the same tasks
//! on the lesson's in-process pool, and a raw JetStream publish-and-consume loop on a private
//! broker of the same kind — the engine's own limit on this machine, with no answers, no
//! processes and no work. Every run's result is checked: the sums against the closed form, the
//! raw loop's deliveries against the task ids published.

use super::probes::Walls;
use crate::distributed::broker::Broker;
use crate::distributed::{self, MasterOptions, Names, Phases};
use crate::exec::{self, MonoClock};
use crate::lessons::distributed::Jobs;
use anyhow::{Context, Result, anyhow, bail, ensure};
use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use interleave_shared::task::{self, Job, Task};
use interleave_shared::{Clock, lessons};
use serde::Serialize;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Numbers each small task sums: a few microseconds of work, so the figures are the queue's.
pub const SMALL_TASK: u64 = 1_000;

/// One path's figures over the repeats.
#[derive(Debug, Clone, Serialize)]
pub struct Path {
    /// Wall milliseconds from the first task published to the last one answered (consumed, for
    /// the raw loop; the whole run, for the pool), one per repeat.
    pub queue_ms: Vec<f64>,
    /// The same runs' wall milliseconds including starting and stopping the broker and, for
    /// the broker path, the worker processes.
    pub wall_ms: Vec<f64>,
}

impl Path {
    /// Median queue-phase milliseconds.
    pub fn queue_median(&self) -> f64 {
        Walls::of(self.queue_ms.clone()).median_ms
    }
    /// Median whole-run milliseconds.
    pub fn wall_median(&self) -> f64 {
        Walls::of(self.wall_ms.clone()).median_ms
    }
}

/// What `bench --distributed` measures.
#[derive(Debug, Clone, Serialize)]
pub struct Distributed {
    /// Tasks per run.
    pub tasks: usize,
    /// Numbers each task sums.
    pub per_task: u64,
    /// Worker processes (broker path), consumers (raw loop), threads (pool).
    pub workers: u32,
    /// Tasks a worker or consumer takes per request.
    pub prefetch: usize,
    /// The raw JetStream loop.
    pub raw: Path,
    /// The lesson's broker path.
    pub broker: Path,
    /// The lesson's in-process pool.
    pub local_pool: Path,
    /// The broker path's phases in its median run (ms since the master started).
    pub phases: Phases,
    /// Summed compute time of every task in that run, ms.
    pub compute_ms: f64,
    /// Answers that came back through the broker in that run, and how many were redelivered.
    pub answers: u64,
    /// See `answers`.
    pub redelivered: u64,
}

impl Distributed {
    /// Tasks per second, from a median in milliseconds.
    pub fn per_second(&self, ms: f64) -> f64 {
        self.tasks as f64 / (ms / 1e3)
    }
    /// Broker-path throughput ÷ raw-loop throughput over the queue phase (target ≥ 0.5).
    pub fn broker_over_raw(&self) -> f64 {
        self.raw.queue_median() / self.broker.queue_median()
    }
}

/// Small tasks, ids 0.., covering 0..tasks·per_task: the cpu lesson's chunks.
fn small_tasks(tasks: usize, per_task: u64) -> Vec<Task> {
    (0u32..)
        .zip(0..tasks as u64)
        .map(|(id, i)| Task {
            id,
            job: Job::SumSquares {
                start: i * per_task,
                end: (i + 1) * per_task,
            },
        })
        .collect()
}

/// Measure all three paths `repeat` times (after one warm-up each).
pub fn measure(tasks: usize, workers: u32, repeat: u32) -> Result<Distributed> {
    ensure!(tasks > 0, "at least one task");
    let per_task = SMALL_TASK;
    let expected = lessons::cpu::closed_form(tasks as u64 * per_task)
        .map_err(|e| anyhow!("no closed form for {tasks} tasks: {e}"))?;
    let prefetch = distributed::prefetch_for(tasks, workers);
    let list = small_tasks(tasks, per_task);
    let mut raw = Path {
        queue_ms: vec![],
        wall_ms: vec![],
    };
    let mut broker = raw.clone();
    let mut local_pool = raw.clone();
    let mut runs: Vec<(f64, distributed::MasterRun)> = Vec::new();
    for round in 0..=repeat {
        let warm_up = round == 0;
        // The raw loop.
        let (queue, wall) = raw_loop(&list, workers, prefetch)?;
        if !warm_up {
            raw.queue_ms.push(queue);
            raw.wall_ms.push(wall);
        }
        // The lesson's broker path.
        let clock = MonoClock::start();
        let options = MasterOptions {
            workers,
            broker: None,
            kill_worker: None,
            ack_wait: Duration::from_secs(30),
            on_hosts: false,
            prefetch,
        };
        let run = distributed::run_master(list.clone(), &options)?;
        let wall = clock.now_ms();
        let total = run.collected.total()?;
        ensure!(
            total == expected,
            "the broker path summed {total}, the closed form says {expected}"
        );
        if !warm_up {
            let queue = run.phases.collected - run.phases.workers_started;
            broker.queue_ms.push(queue);
            broker.wall_ms.push(wall);
            runs.push((queue, run));
        }
        // The lesson's in-process pool.
        let jobs = Jobs(list.iter().map(|t| t.job.clone()).collect());
        let clock = MonoClock::start();
        let pooled = exec::pool(&jobs, workers, &clock, &|_| {});
        let wall = clock.now_ms();
        let total: u128 = pooled.outputs.iter().sum();
        ensure!(
            total == expected,
            "the pool summed {total}, the closed form says {expected}"
        );
        if !warm_up {
            local_pool.queue_ms.push(wall);
            local_pool.wall_ms.push(wall);
        }
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (_, median) = runs
        .into_iter()
        .nth(repeat as usize / 2)
        .context("no timed run")?;
    let compute_ms = median
        .collected
        .received
        .iter()
        .map(|(a, _)| a.computed_at - a.took_at)
        .sum();
    Ok(Distributed {
        tasks,
        per_task,
        workers,
        prefetch,
        raw,
        broker,
        local_pool,
        phases: median.phases,
        compute_ms,
        answers: median.collected.answers,
        redelivered: median.collected.redelivered,
    })
}

/// The engine alone: a private broker, a work-queue stream with the lesson's consumer, the same
/// task messages published the lesson's way, and `consumers` connections taking them
/// `prefetch` at a time and acknowledging each — nothing computed, nothing sent back. Returns
/// (publish-to-last-consumed ms, ms including the broker's start and stop). Every task id must
/// arrive exactly once.
fn raw_loop(tasks: &[Task], consumers: u32, prefetch: usize) -> Result<(f64, f64)> {
    let clock = MonoClock::start();
    let server = Broker::start(Ipv4Addr::LOCALHOST)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let queue_ms = rt.block_on(async {
        let connect = || distributed::connect(&server.url, Some(&server.token));
        let js = jetstream::new(connect().await?);
        let names = Names::new("raw")?;
        distributed::create(&js, &names, Duration::from_secs(30)).await?;
        let seen: Arc<Vec<AtomicUsize>> = Arc::new((0..tasks.len()).map(|_| 0.into()).collect());
        let taken = Arc::new(AtomicUsize::new(0));
        // The moment the last task is taken: the loop's end (a consumer's open request may
        // then wait for its expiry, which is not the engine's time).
        let (last_tx, last_rx) = tokio::sync::watch::channel(None::<f64>);
        let last_tx = Arc::new(last_tx);
        let mut consumers_set = tokio::task::JoinSet::new();
        for _ in 0..consumers {
            let client = connect().await?;
            let (names, seen, taken, total, last_tx) = (
                names.clone(),
                seen.clone(),
                taken.clone(),
                tasks.len(),
                last_tx.clone(),
            );
            consumers_set.spawn(async move {
                let js = jetstream::new(client.clone());
                let consumer: consumer::PullConsumer = distributed::workers_consumer(&js, &names)
                    .await
                    .map_err(|e| anyhow!(e))?;
                while taken.load(Ordering::SeqCst) < total {
                    let mut batch = consumer
                        .batch()
                        .max_messages(prefetch)
                        .expires(Duration::from_millis(200))
                        .messages()
                        .await
                        .map_err(|e| anyhow!(e))?;
                    while let Some(msg) = batch.next().await {
                        let msg = msg.map_err(|e| anyhow!(e))?;
                        let t: Task = task::decode(std::str::from_utf8(&msg.payload)?)?;
                        seen.get(t.id as usize)
                            .ok_or_else(|| anyhow!("task id {} out of range", t.id))?
                            .fetch_add(1, Ordering::SeqCst);
                        msg.ack().await.map_err(|e| anyhow!(e))?;
                        if taken.fetch_add(1, Ordering::SeqCst) + 1 == total {
                            last_tx.send_replace(Some(clock.now_ms()));
                            break;
                        }
                    }
                }
                anyhow::Ok(())
            });
        }
        let start = clock.now_ms();
        distributed::publish(&js, &names, tasks).await?;
        // Until the last task is taken (the consumer still waiting on an open request is
        // stopped then) or a consumer fails.
        let mut last_seen = last_rx.clone();
        loop {
            tokio::select! {
                _ = last_seen.wait_for(Option::is_some) => break,
                ended = consumers_set.join_next() => match ended {
                    None => break,
                    Some(r) => r.context("a consumer panicked")??,
                },
            }
        }
        consumers_set.abort_all();
        let last = (*last_rx.borrow()).context("the raw loop never took its last task")?;
        let queue_ms = last - start;
        let twice: Vec<usize> = (0..tasks.len())
            .filter(|i| seen[*i].load(Ordering::SeqCst) != 1)
            .collect();
        if !twice.is_empty() {
            bail!(
                "the raw loop took {} task(s) other than exactly once, first id {}",
                twice.len(),
                twice[0]
            );
        }
        anyhow::Ok(queue_ms)
    })?;
    drop(rt);
    drop(server);
    Ok((queue_ms, clock.now_ms()))
}

/// The figures as text: one row per path, then where the broker path's time went.
pub fn render(d: &Distributed) -> String {
    use comfy_table::{Table, presets};
    use std::fmt::Write;
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_header(vec![
        "path".to_string(),
        "queue phase, median".into(),
        "tasks/s".into(),
        "whole run, median".into(),
        "tasks/s".into(),
    ]);
    for (name, p) in [
        ("raw JetStream loop (publish, take, ack)", &d.raw),
        ("lesson: broker (workers answer back)", &d.broker),
        ("lesson: local-pool (threads)", &d.local_pool),
    ] {
        t.add_row(vec![
            name.to_string(),
            format!("{:.1} ms", p.queue_median()),
            format!("{:.0}", d.per_second(p.queue_median())),
            format!("{:.1} ms", p.wall_median()),
            format!("{:.0}", d.per_second(p.wall_median())),
        ]);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "distributed: {} tasks of {} numbers, {} workers, {} tasks per request",
        d.tasks, d.per_task, d.workers, d.prefetch
    );
    let _ = writeln!(o, "{t}");
    let ratio = d.broker_over_raw();
    let _ = writeln!(
        o,
        "broker path ÷ raw loop, tasks per second over the queue phase: {ratio:.2} (target ≥ 0.5 {})",
        if ratio >= 0.5 { "✓" } else { "✗" }
    );
    let p = &d.phases;
    let _ = writeln!(
        o,
        "where the broker path's time went (median run, ms):\n  broker start {:.1}, connect \
         and create the queue {:.1}, start {} worker processes {:.1},\n  queue phase {:.1} \
         (publishing alone {:.1}), stop workers and remove the queue {:.1};\n  {} answers, {} \
         redelivered; summed compute {:.1} ms of {:.1} worker-ms in the queue phase ({:.0}%):\n  \
         the rest is messages: each task goes in as a message and is acknowledged by one; \
         answers come back a helping ({} tasks at most) to a message",
        p.broker_ready - p.hosts_ready,
        p.queue_ready - p.broker_ready,
        d.workers,
        p.workers_started - p.queue_ready,
        p.collected - p.workers_started,
        p.published - p.workers_started,
        p.ended - p.collected,
        d.answers,
        d.redelivered,
        d.compute_ms,
        (p.collected - p.workers_started) * f64::from(d.workers),
        100.0 * d.compute_ms / ((p.collected - p.workers_started) * f64::from(d.workers)),
        d.prefetch,
    );
    o
}
