//! Tasks through a broker: the notes' distributed master/worker (a `QueueManager` exposing a
//! task queue and a result queue on the network, behind an auth key) on NATS JetStream.
//!
//! - Tasks go into a work-queue stream (`il.<run>.tasks`); workers share one durable pull
//!   consumer, take one task at a time, compute, publish the result to the results stream
//!   (`il.<run>.results`), and only then acknowledge the task. A worker that dies holding a task
//!   never acknowledges it, so after `ack_wait` the broker hands it to another worker:
//!   at-least-once delivery.
//! - The master keeps one result per task id, so a task computed twice is counted once:
//!   exactly-once *effect*. It also counts deliveries, so the redelivery is visible.

use crate::cli::WorkerArgs;
use crate::error::UsageError;
use anyhow::{Context as _, Result, anyhow, bail};
use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use interleave_shared::task::{self, Output, Task};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What a worker publishes for each task it computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// The task's id.
    pub task: u32,
    /// Which worker computed it.
    pub worker: u32,
    /// How many times the broker had delivered this task when this worker got it (1 = first).
    pub delivered: i64,
    /// The result.
    pub out: Output,
    /// Wall-clock times (ms since the Unix epoch, so a master on another machine can place
    /// them on its timeline): since when the worker had been free and waiting for this task
    /// (since its previous task, or since it sent its previous helping's answers, across as
    /// many requests to the broker as it took), when it got it, and when it finished
    /// computing. The master adds when the answer reached it.
    pub asked_at: f64,
    /// See `asked_at`.
    pub took_at: f64,
    /// See `asked_at`.
    pub computed_at: f64,
}

/// Milliseconds since the Unix epoch: the one clock a master and its workers share.
pub fn epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// The two streams and the workers' consumer of one run, named by `run`.
#[derive(Debug, Clone)]
pub struct Names {
    run: String,
}

impl Names {
    /// Names for run `run` (letters and digits only: it goes into subjects and stream names).
    pub fn new(run: &str) -> Result<Self> {
        if run.is_empty() || !run.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("run id '{run}' must be letters and digits");
        }
        Ok(Self {
            run: run.to_string(),
        })
    }
    fn tasks_stream(&self) -> String {
        format!("IL_TASKS_{}", self.run)
    }
    fn results_stream(&self) -> String {
        format!("IL_RESULTS_{}", self.run)
    }
    fn tasks_subject(&self) -> String {
        format!("il.{}.tasks", self.run)
    }
    fn results_subject(&self) -> String {
        format!("il.{}.results", self.run)
    }
    /// Where the master says the run is over (core NATS): every task has its answer.
    pub fn done_subject(&self) -> String {
        format!("il.{}.done", self.run)
    }
    /// Where a worker told to hold its first task says it is holding it (core NATS: the
    /// master is listening before it starts that worker).
    pub fn holding_subject(&self) -> String {
        format!("il.{}.holding", self.run)
    }
}

/// The workers' shared consumer name.
const WORKERS: &str = "workers";

/// Create the run's streams and the workers' consumer. `ack_wait`: how long a task may stay
/// unacknowledged before the broker gives it to another worker.
pub async fn create(js: &jetstream::Context, names: &Names, ack_wait: Duration) -> Result<()> {
    let tasks = js
        .create_stream(stream::Config {
            name: names.tasks_stream(),
            subjects: vec![names.tasks_subject()],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .context("cannot create the task stream")?;
    js.create_stream(stream::Config {
        name: names.results_stream(),
        subjects: vec![names.results_subject()],
        storage: stream::StorageType::Memory,
        ..Default::default()
    })
    .await
    .context("cannot create the result stream")?;
    tasks
        .create_consumer(consumer::pull::Config {
            durable_name: Some(WORKERS.to_string()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait,
            ..Default::default()
        })
        .await
        .context("cannot create the workers' consumer")?;
    Ok(())
}

/// The workers' shared consumer of run `names`, if the master created it.
pub async fn workers_consumer(
    js: &jetstream::Context,
    names: &Names,
) -> Result<consumer::PullConsumer> {
    let stream = js
        .get_stream(names.tasks_stream())
        .await
        .map_err(|e| anyhow!(e))?;
    stream.get_consumer(WORKERS).await.map_err(|e| anyhow!(e))
}

/// Publishes the broker may be storing at once: enough to keep the connection busy, far below
/// the client's own limit of acknowledgements in flight (5,000), which would stall the sender.
const IN_FLIGHT: usize = 512;

/// Put every task on the queue. Publishes are pipelined (up to [`IN_FLIGHT`] awaiting the
/// broker's acknowledgement), and each must be acknowledged before this returns: a task the
/// broker did not store is an error, never a silent gap.
pub async fn publish(js: &jetstream::Context, names: &Names, tasks: &[Task]) -> Result<()> {
    let mut pending = std::collections::VecDeque::with_capacity(IN_FLIGHT);
    for t in tasks {
        if pending.len() == IN_FLIGHT
            && let Some(oldest) = pending.pop_front()
        {
            stored(oldest).await?;
        }
        let ack = js
            .publish(names.tasks_subject(), task::encode(t).into())
            .await
            .context("cannot publish a task")?;
        pending.push_back(ack);
    }
    for ack in pending {
        stored(ack).await?;
    }
    Ok(())
}

/// Wait for the broker's acknowledgement that it stored a published message.
async fn stored(ack: jetstream::context::PublishAckFuture) -> Result<()> {
    ack.await
        .context("the broker did not store a message")
        .map(|_| ())
}

/// How a worker takes its tasks.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// This worker's number in answers and on the timeline.
    pub worker: u32,
    /// Stop after receiving nothing for this long (a master that vanished never says "done").
    pub idle: Duration,
    /// How many tasks one request to the broker may bring: the most this worker holds
    /// unacknowledged, and so the most that come back if it dies.
    pub prefetch: usize,
    /// Take the first task and hold it until killed (the lesson's `--kill-worker`).
    pub hold: bool,
}

/// Tasks a worker has answered but not yet acknowledged, and their answers, not yet sent.
struct Unsettled {
    tasks: Vec<jetstream::Message>,
    answers: Vec<Answer>,
    /// Since when the worker has had nothing to do (epoch ms): after its last task, or after
    /// it last sent answers.
    free_since: f64,
}

impl Unsettled {
    fn new(capacity: usize) -> Self {
        Self {
            tasks: Vec::with_capacity(capacity),
            answers: Vec::with_capacity(capacity),
            free_since: epoch_ms(),
        }
    }

    /// Send the answers in one message, wait until the broker has stored it, and only then
    /// acknowledge their tasks: acknowledging first would lose a task if the worker died in
    /// between. One message per helping instead of one per task halves the broker's work
    /// when tasks are small.
    async fn settle(&mut self, js: &jetstream::Context, names: &Names) -> Result<()> {
        if self.answers.is_empty() {
            return Ok(());
        }
        // @code distributed:broker
        let sent = js
            .publish(names.results_subject(), task::encode(&self.answers).into())
            .await?;
        stored(sent).await?;
        for t in self.tasks.drain(..) {
            t.ack().await.map_err(|e| anyhow!(e))?;
        }
        // @end
        self.answers.clear();
        self.free_since = epoch_ms();
        Ok(())
    }
}

/// One worker: take tasks (up to `options.prefetch` per request to the broker), compute each,
/// publish its answer, and acknowledge the task once the broker stored the answer; until the
/// master says the run is over, the queue goes away, or nothing comes for `options.idle`.
/// Returns how many tasks this worker answered.
///
/// With `options.hold` (the lesson's `--kill-worker`), take the first task, say so on
/// [`Names::holding_subject`] and never finish it: the master kills this worker while it holds
/// tasks nobody acknowledged, which makes the redelivery certain rather than a race.
pub async fn work_holding(
    client: &async_nats::Client,
    names: &Names,
    options: WorkerOptions,
) -> Result<u64> {
    let js = jetstream::new(client.clone());
    // Listen for the master's "done" before anything else, so it cannot be missed.
    let mut done = client.subscribe(names.done_subject()).await?;
    // A worker started by hand may come up before its master: wait for the run's queue as long
    // as it would wait for a task.
    let deadline = tokio::time::Instant::now() + options.idle;
    let consumer: consumer::PullConsumer = loop {
        match workers_consumer(&js, names).await.ok() {
            Some(c) => break c,
            None if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None => bail!(
                "no task stream for run '{}' after {:?}: is the master running?",
                names.run,
                options.idle
            ),
        }
    };
    let mut answered = 0;
    match take_tasks(
        client,
        &js,
        &consumer,
        names,
        options,
        &mut done,
        &mut answered,
    )
    .await
    {
        // The master had every answer and removed its queue while this worker still held
        // some (duplicates of redelivered tasks): the run is over, which ends a worker normally.
        Err(e) if run_ended(&format!("{e:#}")) => Ok(answered),
        Err(e) => Err(e),
        Ok(()) => Ok(answered),
    }
}

/// How many tasks to ask for at once: as many as this worker computes in a quarter of the
/// consumer's `ack_wait` at its measured pace (the first request asks for one, to measure),
/// and at most `prefetch`. Tasks wait in the worker unacknowledged, and a task left
/// unacknowledged past `ack_wait` is handed to another worker: asking for more than that would
/// make the broker hand out work that is in fact being done.
pub fn helping(ack_wait: Duration, task_time: Option<Duration>, prefetch: usize) -> usize {
    let Some(each) = task_time else {
        return 1;
    };
    let fits = (ack_wait / 4).as_secs_f64() / each.as_secs_f64().max(1e-9);
    (fits.floor() as usize).clamp(1, prefetch.max(1))
}

/// [`work_holding`]'s loop, counting into `answered` so a run that ends under it still reports
/// what it did.
async fn take_tasks(
    client: &async_nats::Client,
    js: &jetstream::Context,
    consumer: &consumer::PullConsumer,
    names: &Names,
    options: WorkerOptions,
    done: &mut async_nats::Subscriber,
    answered: &mut u64,
) -> Result<()> {
    let worker = options.worker;
    let ack_wait = consumer.cached_info().config.ack_wait;
    let mut computing = Duration::ZERO;
    let mut unsettled = Unsettled::new(options.prefetch);
    let mut last_task = tokio::time::Instant::now();
    // One pull request stays open for at most this long; the broker fills it as tasks arrive.
    let request = options.idle.min(Duration::from_millis(500));
    loop {
        let mut batch = match consumer
            .batch()
            .max_messages(helping(
                ack_wait,
                (*answered > 0).then(|| computing / (*answered).try_into().unwrap_or(u32::MAX)),
                options.prefetch,
            ))
            .expires(request)
            .messages()
            .await
        {
            Ok(b) => b,
            Err(e) if run_ended(&e.to_string()) => break,
            Err(e) => return Err(anyhow!(e)),
        };
        // A request the broker can no longer answer (its queue was just removed) must not hang
        // the worker: give each request its expiry and a second on top.
        let request_deadline = tokio::time::Instant::now() + request + Duration::from_secs(1);
        let mut took_since = tokio::time::Instant::now();
        loop {
            // Take what is already here without waiting; before waiting for more, settle the
            // answered tasks so nothing sits unacknowledged while this worker is idle.
            let next = match futures::FutureExt::now_or_never(batch.next()) {
                Some(n) => n,
                None => {
                    unsettled.settle(js, names).await?;
                    tokio::select! {
                        n = tokio::time::timeout_at(request_deadline, batch.next()) => n.ok().flatten(),
                        _ = done.next() => {
                            unsettled.settle(js, names).await?;
                            return Ok(());
                        }
                    }
                }
            };
            let msg = match next {
                None => break,
                Some(Ok(m)) => m,
                // The master removed its queue: the run is over, which ends a worker normally.
                Some(Err(e)) if run_ended(&e.to_string()) => {
                    unsettled.settle(js, names).await?;
                    return Ok(());
                }
                Some(Err(e)) => return Err(anyhow!(e)),
            };
            last_task = tokio::time::Instant::now();
            let asked_at = unsettled.free_since;
            let took = std::time::Instant::now();
            let took_at = epoch_ms();
            let delivered = msg.info().map_err(|e| anyhow!(e))?.delivered;
            let text = std::str::from_utf8(&msg.payload).context("a task that is not UTF-8")?;
            let t: Task = task::decode(text)?;
            if options.hold {
                client
                    .publish(
                        names.holding_subject(),
                        format!("{worker} {} {took_at}", t.id).into(),
                    )
                    .await?;
                client.flush().await?;
                // Held until killed: the master's --kill-worker ends this process.
                std::future::pending::<()>().await;
            }
            let out = t
                .job
                .run()
                .unwrap_or_else(|| Err("a job no worker can run".to_string()))
                .map_err(|e| anyhow!("task {}: {e}", t.id))?;
            let computed_at = epoch_ms();
            let answer = Answer {
                task: t.id,
                worker,
                delivered,
                out,
                asked_at,
                took_at,
                computed_at,
            };
            // Answered, not yet acknowledged: the answer goes out with the others of this
            // helping, before the worker waits for more.
            unsettled.tasks.push(msg);
            unsettled.answers.push(answer);
            unsettled.free_since = computed_at;
            *answered += 1;
            computing += took.elapsed();
            // Tasks were slower than expected: send what is done before it is overdue.
            if took_since.elapsed() >= ack_wait / 4 {
                unsettled.settle(js, names).await?;
                took_since = tokio::time::Instant::now();
            }
        }
        unsettled.settle(js, names).await?;
        if last_task.elapsed() >= options.idle {
            break;
        }
        if futures::FutureExt::now_or_never(done.next()).is_some() {
            break;
        }
    }
    unsettled.settle(js, names).await?;
    Ok(())
}

/// How long a worker tries to reach its broker before it gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connect to `url` with `token`, telling a refused key from an unreachable broker: both exit 2
/// with a message that names the address.
pub async fn connect(url: &str, token: Option<&str>) -> Result<async_nats::Client> {
    let options = match token {
        Some(t) => async_nats::ConnectOptions::with_token(t.to_string()),
        None => async_nats::ConnectOptions::new(),
    };
    let connecting = options.connection_timeout(CONNECT_TIMEOUT).connect(url);
    match tokio::time::timeout(CONNECT_TIMEOUT * 2, connecting).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) if e.kind() == async_nats::ConnectErrorKind::AuthorizationViolation => {
            Err(UsageError::BrokerRefused {
                url: url.to_string(),
            }
            .into())
        }
        Ok(Err(e)) => Err(UsageError::BrokerUnreachable {
            url: url.to_string(),
            secs: (CONNECT_TIMEOUT * 2).as_secs(),
            reason: e.to_string(),
        }
        .into()),
        Err(_) => Err(UsageError::BrokerUnreachable {
            url: url.to_string(),
            secs: (CONNECT_TIMEOUT * 2).as_secs(),
            reason: "no answer".into(),
        }
        .into()),
    }
}

/// `interleave worker`: join run `args.run` on `args.broker` and answer tasks until the queue
/// stays empty for `args.idle_ms`.
pub fn join(args: &WorkerArgs) -> Result<u64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    rt.block_on(async {
        let client = connect(&args.broker, args.token.as_deref()).await?;
        let names = Names::new(&args.run)?;
        let options = WorkerOptions {
            worker: args.id,
            idle: Duration::from_millis(args.idle_ms),
            prefetch: usize::try_from(args.prefetch).unwrap_or(1),
            hold: args.hold_first,
        };
        let answered = work_holding(&client, &names, options).await?;
        // Acknowledgements are sent in the background: make sure the last ones left.
        client.flush().await?;
        Ok(answered)
    })
}

/// Whether a fetch error means the master deleted the run's queue (it had every answer).
fn run_ended(error: &str) -> bool {
    error.contains("Consumer Deleted")
        || error.contains("stream not found")
        || error.contains("no stream found")
}

/// How many tasks a worker should take per request: about an eighth of its share, so that
/// requests are few when tasks are many and small, yet every worker still takes its share in
/// several helpings (a worker that grabbed half the queue at once would finish last alone);
/// never more than 64, which bounds what a dying worker hands back.
pub fn prefetch_for(tasks: usize, workers: u32) -> usize {
    (tasks / (8 * workers.max(1) as usize)).clamp(1, 64)
}

/// What the master collected.
#[derive(Debug, Default)]
pub struct Collected {
    /// One output per task id.
    pub outputs: BTreeMap<u32, Output>,
    /// Answers received in all (a redelivered task may be answered twice).
    pub answers: u64,
    /// Tasks whose accepted answer came from a redelivery.
    pub redelivered: u64,
    /// Deliveries in all: for each task, the highest delivery count any answer reported (a
    /// delivery to a worker that died without answering is counted by the next one).
    pub deliveries: u64,
    /// Answers per worker.
    pub per_worker: BTreeMap<u32, u64>,
    /// Every answer as received, with the master's receive time (epoch ms): the timeline.
    pub received: Vec<(Answer, f64)>,
}

impl Collected {
    /// The sum of every task's answer (one per task id): what the run's check compares with
    /// the closed form.
    pub fn total(&self) -> Result<u128> {
        self.outputs
            .iter()
            .map(|(id, o)| o.clone().sum(*id).map_err(|e| anyhow!(e)))
            .sum()
    }
}

/// Read answers until every one of `tasks` task ids has one, or `timeout` passes.
pub async fn collect(
    js: &jetstream::Context,
    names: &Names,
    tasks: usize,
    timeout: Duration,
) -> Result<Collected> {
    let consumer: consumer::PullConsumer = js
        .get_stream(names.results_stream())
        .await?
        .create_consumer(consumer::pull::Config {
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .context("cannot read the answers")?;
    let mut messages = consumer.messages().await.map_err(|e| anyhow!(e))?;
    let mut got = Collected::default();
    let deadline = tokio::time::Instant::now() + timeout;
    while got.outputs.len() < tasks {
        let next = tokio::time::timeout_at(deadline, messages.next()).await;
        let msg = match next {
            Ok(Some(m)) => m.map_err(|e| anyhow!(e))?,
            Ok(None) => bail!("the answer stream ended"),
            Err(_) => bail!(
                "{} of {tasks} tasks answered after {timeout:?}",
                got.outputs.len()
            ),
        };
        let answers: Vec<Answer> = task::decode(std::str::from_utf8(&msg.payload)?)?;
        let received_at = epoch_ms();
        for a in answers {
            got.answers += 1;
            *got.per_worker.entry(a.worker).or_default() += 1;
            // @code distributed:broker
            // Idempotent by task id: the first answer counts, a second one is a duplicate.
            if let std::collections::btree_map::Entry::Vacant(slot) = got.outputs.entry(a.task) {
                slot.insert(a.out.clone());
                got.redelivered += u64::from(a.delivered > 1);
            }
            got.received.push((a, received_at));
            // @end
        }
    }
    let mut most: BTreeMap<u32, i64> = BTreeMap::new();
    for (a, _) in &got.received {
        let m = most.entry(a.task).or_default();
        *m = (*m).max(a.delivered);
    }
    got.deliveries = most.values().map(|d| (*d).max(1) as u64).sum();
    Ok(got)
}

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
    /// Tasks a worker may take per request (see [`WorkerOptions::prefetch`]).
    pub prefetch: usize,
}

/// Where a master's run spent its time: milliseconds since the master started (before its
/// broker), each phase ending at its mark.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Phases {
    /// The workers' hosts (network namespaces) exist (0 without `hosts`).
    pub hosts_ready: f64,
    /// The private broker accepts connections (with an external broker: `hosts_ready`).
    pub broker_ready: f64,
    /// Connected, the run's streams and the workers' consumer created.
    pub queue_ready: f64,
    /// Worker processes started (spawned, not yet connected).
    pub workers_started: f64,
    /// Every task stored by the broker.
    pub published: f64,
    /// Every task answered.
    pub collected: f64,
    /// Workers ended, streams removed.
    pub ended: f64,
    /// The private broker stopped and its store removed, the hosts removed.
    pub cleaned_up: f64,
}

impl Phases {
    /// Where the master's time went, in words a learner reads beside the timeline (which shows
    /// only the tasks' part).
    pub fn summary(&self, tasks: usize, own_broker: bool) -> String {
        let mut parts = Vec::new();
        if self.hosts_ready > 0.0 {
            parts.push(format!(
                "hosts (network namespaces) made {:.0} ms",
                self.hosts_ready
            ));
        }
        if own_broker {
            parts.push(format!(
                "broker started {:.0} ms",
                self.broker_ready - self.hosts_ready
            ));
        }
        parts.push(format!(
            "queue set up {:.0} ms",
            self.queue_ready - self.broker_ready
        ));
        parts.push(format!(
            "{tasks} tasks out and answered {:.0} ms (the timeline)",
            self.collected - self.workers_started
        ));
        parts.push(format!(
            "workers stopped, queue removed {:.0} ms",
            self.ended - self.collected
        ));
        let cleaned = self.cleaned_up - self.ended;
        match (own_broker, self.hosts_ready > 0.0) {
            (true, true) => parts.push(format!("broker stopped, hosts removed {cleaned:.0} ms")),
            (true, false) => parts.push(format!("broker stopped {cleaned:.0} ms")),
            (false, true) => parts.push(format!("hosts removed {cleaned:.0} ms")),
            (false, false) => {}
        }
        format!("where the master's time went: {}", parts.join(", "))
    }
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

/// Set by SIGINT or SIGTERM while a master runs.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// While it lives, SIGINT and SIGTERM only set [`INTERRUPTED`], so the master can stop its
/// workers, its broker and its hosts (namespaces and links no process death removes) before it
/// ends; the previous handlers come back when it is dropped.
struct InterruptGuard {
    old: [libc::sigaction; 2],
}

const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

impl InterruptGuard {
    fn install() -> Self {
        INTERRUPTED.store(false, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: sigaction(2) with a handler that only stores to an atomic (async-signal-safe);
        // zeroed sigaction structs are valid "no flags, empty mask" values.
        unsafe {
            let mut old: [libc::sigaction; 2] = std::mem::zeroed();
            for (i, sig) in SIGNALS.iter().enumerate() {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_interrupt as *const () as usize;
                libc::sigaction(*sig, &act, &mut old[i]);
            }
            InterruptGuard { old }
        }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        for (i, sig) in SIGNALS.iter().enumerate() {
            // SAFETY: restores the handler sigaction(2) gave back in `install`.
            unsafe { libc::sigaction(*sig, &self.old[i], std::ptr::null_mut()) };
        }
    }
}

/// Resolves once SIGINT or SIGTERM arrived.
async fn interrupted() {
    while !INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
    Ok(super::broker::random_token()?[..8].to_string())
}

/// The master: start (or use) a broker, put `tasks` on its work queue, start
/// `options.workers` `interleave worker` processes on this machine, and collect one answer per
/// task. Every process and the private broker are stopped before it returns, also on error.
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
        Some(super::netns::Hosts::create(options.workers, &run[..4])?)
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
        None => Some(super::broker::Broker::start(listen)?),
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
    let body = async {
        let client = connect(&url, token.as_deref()).await?;
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
        let mut workers = Workers(Vec::new());
        for w in 0..options.workers {
            let mut cmd = match &hosts {
                Some(h) => {
                    let mut c = h.exec_in(w);
                    c.arg(&exe);
                    super::mark_child(&mut c);
                    c
                }
                None => super::child_command(&exe),
            };
            cmd.args(["worker", "--broker", &url, "--run", &names.run])
                .args(["--id", &w.to_string(), "--idle-ms", "1500"])
                .args(["--prefetch", &options.prefetch.to_string()])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                // A worker that fails shows up as tasks left unanswered (and, killed or not,
                // its tasks are redelivered); its own chatter would interleave with the table.
                .stderr(std::process::Stdio::null());
            match &token {
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
        phases.workers_started = since();
        // Publishing, killing (with --kill-worker) and collecting run side by side: answers
        // come back while tasks are still going out.
        let publishing = async {
            publish(&js, &names, &tasks).await?;
            anyhow::Ok(since())
        };
        let killing = async {
            let (Some(k), Some(sub)) = (options.kill_worker, holding.as_mut()) else {
                return anyhow::Ok(None);
            };
            let said = tokio::time::timeout(Duration::from_secs(20), sub.next())
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
            Ok(Some(Killed {
                worker: k,
                task,
                took_at,
                killed_at,
            }))
        };
        let collecting = collect(&js, &names, tasks.len(), Duration::from_secs(120));
        let (published, killed, collected) = tokio::try_join!(publishing, killing, collecting)?;
        phases.published = published;
        phases.collected = since();
        // Every task is answered: say so (workers end at once, also ones started by hand),
        // then remove the queue, which leaves a shared broker as we found it.
        client.publish(names.done_subject(), "".into()).await?;
        client.flush().await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A private broker and a two-thread runtime, as a master and its workers would have.
    fn broker_and_runtime() -> (Broker, tokio::runtime::Runtime) {
        let broker = Broker::start(Ipv4Addr::LOCALHOST).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        (broker, rt)
    }

    #[test]
    fn a_helping_fits_a_quarter_of_the_ack_wait_and_the_first_is_one_task() {
        let second = Duration::from_secs(1);
        assert_eq!(helping(second, None, 64), 1, "the first request measures");
        assert_eq!(helping(second, Some(Duration::from_millis(10)), 64), 25);
        assert_eq!(helping(second, Some(Duration::from_micros(5)), 64), 64);
        assert_eq!(helping(second, Some(Duration::from_secs(3)), 64), 1);
        assert_eq!(helping(second, Some(Duration::ZERO), 0), 1);
    }
    use crate::exec::broker::Broker;
    use interleave_shared::task::Job;
    use std::net::Ipv4Addr;

    /// A worker that takes a task and vanishes without acknowledging it (as a killed process
    /// would) loses nothing: after `ack_wait` the broker delivers the task again, another worker
    /// answers it, and the master counts it once, as redelivered.
    #[test]
    fn a_task_taken_and_never_acknowledged_is_redelivered_and_counted_once() {
        let broker = Broker::start(Ipv4Addr::LOCALHOST).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = connect(&broker.url, Some(&broker.token)).await.unwrap();
            let js = jetstream::new(client);
            let names = Names::new("t2").unwrap();
            create(&js, &names, Duration::from_millis(300))
                .await
                .unwrap();
            let tasks: Vec<Task> = (0..5u64)
                .map(|i| Task {
                    id: i as u32,
                    job: Job::SumSquares {
                        start: i * 10,
                        end: (i + 1) * 10,
                    },
                })
                .collect();
            publish(&js, &names, &tasks).await.unwrap();
            // The doomed worker: takes one task and drops it unacknowledged.
            let consumer: consumer::PullConsumer = js
                .get_stream(names.tasks_stream())
                .await
                .unwrap()
                .get_consumer(WORKERS)
                .await
                .unwrap();
            let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
            let taken = batch.next().await.unwrap().unwrap();
            drop(taken);
            drop(batch);
            let client = connect(&broker.url, Some(&broker.token)).await.unwrap();
            let options = WorkerOptions {
                worker: 1,
                idle: Duration::from_millis(1500),
                prefetch: 2,
                hold: false,
            };
            let answered = work_holding(&client, &names, options).await.unwrap();
            let got = collect(&js, &names, 5, Duration::from_secs(10))
                .await
                .unwrap();
            assert_eq!(
                answered, 5,
                "the survivor answered all five, one of them redelivered"
            );
            assert_eq!(got.outputs.len(), 5);
            assert_eq!(got.redelivered, 1);
            assert_eq!(got.deliveries, 6, "five tasks, one of them delivered twice");
            let total = got.total().unwrap();
            assert_eq!(total, (49 * 50 * 99) / 6);
        });
    }

    /// A worker waiting for tasks, with a long idle time, ends at once when its master says
    /// "done", and ends within its idle time when the queue is removed without a word (the
    /// first version's request to a removed queue was never answered: the worker hung until
    /// the master killed it, 5 s per run).
    #[test]
    fn a_waiting_worker_ends_on_done_and_on_a_removed_queue() {
        let (broker, rt) = broker_and_runtime();
        rt.block_on(async {
            let connect = || connect(&broker.url, Some(&broker.token));
            for (run, say_done, idle) in [("done", true, 60_000), ("gone", false, 2_000)] {
                let master = connect().await.unwrap();
                let js = jetstream::new(master.clone());
                let names = Names::new(run).unwrap();
                create(&js, &names, Duration::from_secs(5)).await.unwrap();
                let tasks: Vec<Task> = (0..3u32)
                    .map(|id| Task {
                        id,
                        job: Job::SumSquares { start: 0, end: 10 },
                    })
                    .collect();
                publish(&js, &names, &tasks).await.unwrap();
                let worker = {
                    let client = connect().await.unwrap();
                    let names = names.clone();
                    tokio::spawn(async move {
                        let options = WorkerOptions {
                            worker: 0,
                            idle: Duration::from_millis(idle),
                            prefetch: 2,
                            hold: false,
                        };
                        work_holding(&client, &names, options).await
                    })
                };
                let got = collect(&js, &names, 3, Duration::from_secs(20))
                    .await
                    .unwrap();
                assert_eq!(got.outputs.len(), 3);
                // Let the worker's next request reach the broker before the queue goes.
                tokio::time::sleep(Duration::from_millis(200)).await;
                if say_done {
                    master
                        .publish(names.done_subject(), "".into())
                        .await
                        .unwrap();
                    master.flush().await.unwrap();
                }
                js.delete_stream(names.tasks_stream()).await.unwrap();
                js.delete_stream(names.results_stream()).await.unwrap();
                // Far beyond "at once" and the 2 s idle; far below the 60 s one.
                let ended = tokio::time::timeout(Duration::from_secs(15), worker)
                    .await
                    .unwrap_or_else(|_| panic!("run '{run}': the worker did not end"));
                assert_eq!(ended.unwrap().unwrap(), 3, "run '{run}'");
            }
        });
    }

    /// Two workers drain 40 tasks through a real broker; the master gets every task once and
    /// the exact sum.
    #[test]
    fn workers_drain_the_queue_and_the_master_gets_every_task_once() {
        let (broker, rt) = broker_and_runtime();
        rt.block_on(async {
            let connect = || connect(&broker.url, Some(&broker.token));
            let js = jetstream::new(connect().await.unwrap());
            let names = Names::new("t1").unwrap();
            create(&js, &names, Duration::from_secs(5)).await.unwrap();
            let n = 40u64;
            let per = 1000;
            let tasks: Vec<Task> = (0..n)
                .map(|i| Task {
                    id: i as u32,
                    job: Job::SumSquares {
                        start: i * per,
                        end: (i + 1) * per,
                    },
                })
                .collect();
            publish(&js, &names, &tasks).await.unwrap();
            let workers: Vec<_> = (0..2)
                .map(|w| {
                    let names = names.clone();
                    let (url, token) = (broker.url.clone(), broker.token.clone());
                    tokio::spawn(async move {
                        let client = super::connect(&url, Some(&token)).await.unwrap();
                        let options = WorkerOptions {
                            worker: w,
                            idle: Duration::from_millis(300),
                            prefetch: 4,
                            hold: false,
                        };
                        work_holding(&client, &names, options).await.unwrap()
                    })
                })
                .collect();
            let got = collect(&js, &names, n as usize, Duration::from_secs(20))
                .await
                .unwrap();
            let answered: u64 = futures::future::join_all(workers)
                .await
                .into_iter()
                .map(|r| r.unwrap())
                .sum();
            assert_eq!(answered, n);
            assert_eq!(got.outputs.len(), n as usize);
            assert_eq!(got.redelivered, 0);
            let total = got.total().unwrap();
            let m = u128::from(n * per);
            assert_eq!(total, (m - 1) * m * (2 * m - 1) / 6);
        });
    }
}
