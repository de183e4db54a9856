//! The master: start (or use) a broker, put the tasks on its work queue, start the workers
//! (on this machine, or each on a host of its own), kill one on request, collect one answer per
//! task, and stop everything it started, whatever ends the run.

use super::broker::{Broker, random_token};
use super::collect::{Collected, collect_counting};
use super::netns::Hosts;
use super::phases::Phases;
use super::protocol::{Names, connect_watched, create, epoch_ms, publish_counting};
use super::signals::{InterruptGuard, interrupted};
use super::watch::LOST_AFTER;
use anyhow::{Context as _, Result, anyhow, bail};
use async_nats::jetstream;
use futures::StreamExt;
use interleave_shared::task::Task;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// How a master runs its tasks through a broker.
#[derive(Debug, Clone)]
pub struct MasterOptions {
    /// Worker processes to start on this machine.
    pub workers: u32,
    /// An existing broker (`nats://HOST:PORT`) and its key; `None`: start a private one.
    pub broker: Option<(String, Option<String>)>,
    /// Kill this worker with SIGKILL while it holds a task nobody acknowledged.
    pub kill_worker: Option<u32>,
    /// How long a task may stay unacknowledged before the broker hands it out again.
    pub ack_wait: Duration,
    /// Put each worker on a host of its own (a network namespace; root only).
    pub on_hosts: bool,
    /// Tasks a worker may take per request (see [`super::WorkerOptions::prefetch`]).
    pub prefetch: usize,
}

/// What a master's run gave.
#[derive(Debug)]
pub struct MasterRun {
    /// The answers.
    pub collected: Collected,
    /// The master's start (epoch ms): the timeline's zero.
    pub t0: f64,
    /// Tasks published.
    pub tasks: usize,
    /// The worker that was killed: who, the task it held, when it took it and when it was
    /// killed (epoch ms).
    pub killed: Option<Killed>,
    /// Where each worker ran (its address toward the broker), by worker number.
    pub hosts: Vec<String>,
    /// Where the time went.
    pub phases: Phases,
}

/// A worker killed holding a task (`--kill-worker`).
#[derive(Debug, Clone, Copy)]
pub struct Killed {
    /// The worker.
    pub worker: u32,
    /// The task it held.
    pub task: u32,
    /// When it took the task (epoch ms).
    pub took_at: f64,
    /// When it was killed (epoch ms).
    pub killed_at: f64,
}

/// Child worker processes, killed and reaped on drop whatever ends the master.
struct Workers(Vec<std::process::Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A run id: 8 hex digits from the kernel's randomness, so two runs on one broker never share
/// streams.
fn run_id() -> Result<String> {
    Ok(random_token()?[..8].to_string())
}

/// Where the workers reach the broker.
struct Reach<'a> {
    url: &'a str,
    token: Option<&'a str>,
}

/// Start `options.workers` `interleave worker` processes (each in its host's namespace with
/// `hosts`), the one to be killed told to hold its first task. They start while the master
/// publishes: process start-up overlaps the queue filling.
fn start_workers(
    exe: &std::path::Path,
    hosts: Option<&Hosts>,
    reach: &Reach,
    names: &Names,
    options: &MasterOptions,
) -> Result<Workers> {
    let mut workers = Workers(Vec::new());
    for w in 0..options.workers {
        let mut cmd = match hosts {
            Some(h) => {
                let mut c = h.exec_in(w);
                c.arg(exe);
                crate::exec::mark_child(&mut c);
                c
            }
            None => crate::exec::child_command(exe),
        };
        cmd.args(["worker", "--broker", reach.url, "--run", names.run()])
            .args(["--id", &w.to_string(), "--idle-ms", "1500"])
            .args(["--prefetch", &options.prefetch.to_string()])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            // A worker that fails shows up as tasks left unanswered (and, killed or not, its
            // tasks are redelivered); its own chatter would interleave with the table.
            .stderr(std::process::Stdio::null());
        match reach.token {
            Some(t) => cmd.env("INTERLEAVE_TOKEN", t),
            None => cmd.env_remove("INTERLEAVE_TOKEN"),
        };
        if options.kill_worker == Some(w) {
            cmd.arg("--hold-first");
        }
        workers
            .0
            .push(cmd.spawn().context("cannot start a worker process")?);
    }
    Ok(workers)
}

/// Wait until worker `k` says (on `holding`) that it holds a task, then kill it with SIGKILL:
/// the task it held is unacknowledged, so the broker must hand it to another worker.
async fn kill_when_holding(
    k: u32,
    holding: &mut async_nats::Subscriber,
    workers: &mut Workers,
) -> Result<Killed> {
    let said = tokio::time::timeout(Duration::from_secs(20), holding.next())
        .await
        .map_err(|_| anyhow!("worker {k} never took a task to be killed holding"))?
        .ok_or_else(|| anyhow!("the holding subscription ended"))?;
    let text = String::from_utf8_lossy(&said.payload).into_owned();
    let mut words = text.split_whitespace().skip(1);
    let (task, took_at) = match (
        words.next().and_then(|t| t.parse().ok()),
        words.next().and_then(|t| t.parse().ok()),
    ) {
        (Some(task), Some(at)) => (task, at),
        _ => bail!("worker {k} said '{text}'"),
    };
    let child = workers
        .0
        .get_mut(k as usize)
        .ok_or_else(|| anyhow!("no worker {k}"))?;
    child.kill().context("cannot kill the worker")?;
    let killed_at = epoch_ms();
    child.wait()?;
    Ok(Killed {
        worker: k,
        task,
        took_at,
        killed_at,
    })
}

/// The master: start (or use) a broker, put `tasks` on its work queue, start
/// `options.workers` `interleave worker` processes on this machine, and collect one answer per
/// task. Every process and the private broker are stopped before it returns, also on error.
///
/// Long on purpose: the runtime, the broker and the hosts must be dropped in this order at its end,
/// which one body makes visible; the parts that stand alone (starting workers, the kill,
/// collecting) are functions of their own.
pub fn run_master(tasks: Vec<Task>, options: &MasterOptions) -> Result<MasterRun> {
    let _interrupts = InterruptGuard::install();
    let started = std::time::Instant::now();
    let since = move || started.elapsed().as_secs_f64() * 1e3;
    let mut phases = Phases::default();
    // On a broker of our own every run gets fresh names; on a shared one, the run is "main",
    // the name `interleave worker` joins by default, so a worker started by hand on another
    // machine needs only the broker's address and key.
    let run = match options.broker {
        Some(_) => "main".to_string(),
        None => run_id()?,
    };
    // Hosts first, so the broker can listen on their bridge; dropped last (declared first).
    let hosts = if options.on_hosts {
        Some(Hosts::create(options.workers, &run[..2])?)
    } else {
        None
    };
    if hosts.is_some() {
        phases.hosts_ready = since();
    }
    let listen = hosts
        .as_ref()
        .map_or(std::net::Ipv4Addr::LOCALHOST, |h| h.broker_addr());
    let private = match &options.broker {
        Some(_) => None,
        None => Some(Broker::start(listen)?),
    };
    phases.broker_ready = since();
    let (url, token) = match (&options.broker, &private) {
        (Some((url, token)), _) => (url.clone(), token.clone()),
        (None, Some(b)) => (b.url.clone(), Some(b.token.clone())),
        (None, None) => unreachable!("a private broker was started above"),
    };
    let exe = std::env::current_exe().context("cannot find the interleave binary")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let t0 = epoch_ms();
    let names = Names::new(&run)?;
    // How far the run got, for the story of a lost broker: tasks the broker stored, tasks
    // answered.
    let (stored, answered) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let body = async {
        let (client, broker) = connect_watched(&url, token.as_deref()).await?;
        let js = jetstream::new(client.clone());
        // A shared broker may still hold an interrupted run's streams under these names.
        let _ = js.delete_stream(names.tasks_stream()).await;
        let _ = js.delete_stream(names.results_stream()).await;
        create(&js, &names, options.ack_wait).await?;
        let mut holding = match options.kill_worker {
            Some(_) => Some(client.subscribe(names.holding_subject()).await?),
            None => None,
        };
        phases.queue_ready = since();
        // Workers start while the master publishes: process start-up overlaps the queue
        // filling, and the first tasks are taken as soon as they are stored.
        let mut workers = start_workers(
            &exe,
            hosts.as_ref(),
            &Reach {
                url: &url,
                token: token.as_deref(),
            },
            &names,
            options,
        )?;
        phases.workers_started = since();
        // Publishing, killing (with --kill-worker) and collecting run side by side: answers
        // come back while tasks are still going out.
        let publishing = async {
            publish_counting(&js, &names, &tasks, &stored).await?;
            anyhow::Ok(since())
        };
        let killing = async {
            match (options.kill_worker, holding.as_mut()) {
                (Some(k), Some(sub)) => kill_when_holding(k, sub, &mut workers).await.map(Some),
                _ => anyhow::Ok(None),
            }
        };
        let collecting = collect_counting(
            &js,
            &names,
            tasks.len(),
            Duration::from_secs(120),
            &answered,
        );
        let all = async { tokio::try_join!(publishing, killing, collecting) };
        let (published, killed, collected) = broker
            .unless_lost(all, |lost| {
                let (stored, answered) = (stored.load(Relaxed), answered.load(Relaxed));
                format!(
                    "{lost}; {answered} of {} tasks answered, {} outstanding ({stored} had \
                     been stored on the broker); the workers were stopped",
                    tasks.len(),
                    tasks.len() - answered.min(tasks.len()),
                )
            })
            .await?;
        phases.published = published;
        phases.collected = since();
        // Every task is answered: say so (workers end at once, also ones started by hand),
        // then remove the queue, which leaves a shared broker as we found it.
        client.publish(names.done_subject(), "".into()).await?;
        // Every answer is in: a broker lost now costs nothing but the workers' "done", and
        // they end when the master stops them below.
        let _ = tokio::time::timeout(LOST_AFTER * 2, client.flush()).await;
        for c in &mut workers.0 {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while c.try_wait()?.is_none() && std::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        drop(workers);
        let _ = js.delete_stream(names.tasks_stream()).await;
        let _ = js.delete_stream(names.results_stream()).await;
        phases.ended = since();
        Ok(MasterRun {
            collected,
            t0,
            tasks: tasks.len(),
            killed,
            // Where each worker reached the broker from: its host's address, or loopback.
            hosts: (0..options.workers)
                .map(|w| {
                    hosts
                        .as_ref()
                        .map_or("127.0.0.1".to_string(), |h| h.worker_addr(w).to_string())
                })
                .collect(),
            phases,
        })
    };
    let result = rt.block_on(async {
        tokio::select! {
            run = body => run,
            () = interrupted() => Err(anyhow!(
                "interrupted: stopped the workers, the broker and the hosts before exiting"
            )),
        }
    });
    // The broker, then the hosts its bridge served: stopped here rather than when this
    // returns, so their cost is in the record.
    drop(rt);
    drop(private);
    drop(hosts);
    result.map(|mut run| {
        run.phases.cleaned_up = since();
        run
    })
}
