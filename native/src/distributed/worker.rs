//! A worker: the `interleave worker` process, started by a master on this machine (or in a
//! host of its own) or by hand on another machine. It takes a helping of tasks, computes them,
//! sends their answers in one message, waits for the broker to store it, and only then
//! acknowledges the tasks.

use super::protocol::{
    Names, TaskAnswer, connect_watched, epoch_ms, run_ended, stored, workers_consumer,
};
use anyhow::{Context as _, Result, anyhow, bail};
use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use interleave_shared::task::{self, Task};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where a worker joins and how it works: plain options, so the CLI's flags, a master's
/// command line and the tests all build the same thing.
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// The broker, `nats://HOST:PORT`.
    pub broker: String,
    /// Its key.
    pub token: Option<String>,
    /// The run to join (`main` on a shared broker).
    pub run: String,
    /// How this worker takes tasks.
    pub work: WorkerOptions,
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
    answers: Vec<TaskAnswer>,
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
#[cfg(test)]
pub async fn work_holding(
    client: &async_nats::Client,
    names: &Names,
    options: WorkerOptions,
) -> Result<u64> {
    work_counting(client, names, options, &AtomicU64::new(0)).await
}

/// [`work_holding`], counting answered tasks into `answered` as it goes, so a caller that stops
/// it (a lost broker) can say how far it got.
pub async fn work_counting(
    client: &async_nats::Client,
    names: &Names,
    options: WorkerOptions,
    answered: &AtomicU64,
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
                names.run(),
                options.idle
            ),
        }
    };
    match take_tasks(client, &js, &consumer, names, options, &mut done, answered).await {
        // The master had every answer and removed its queue while this worker still held
        // some (duplicates of redelivered tasks): the run is over, which ends a worker normally.
        Err(e) if run_ended(&format!("{e:#}")) => Ok(answered.load(Ordering::Relaxed)),
        Err(e) => Err(e),
        Ok(()) => Ok(answered.load(Ordering::Relaxed)),
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
///
/// Long on purpose: one loop whose every exit (done, queue removed, idle) must settle the answered
/// tasks first; in one place the order is visible.
async fn take_tasks(
    client: &async_nats::Client,
    js: &jetstream::Context,
    consumer: &consumer::PullConsumer,
    names: &Names,
    options: WorkerOptions,
    done: &mut async_nats::Subscriber,
    answered: &AtomicU64,
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
                {
                    let n = answered.load(Ordering::Relaxed);
                    (n > 0).then(|| computing / n.try_into().unwrap_or(u32::MAX))
                },
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
            let answer = TaskAnswer {
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
            answered.fetch_add(1, Ordering::Relaxed);
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

/// `interleave worker`: join run `options.run` on `options.broker` and answer tasks until the
/// master says the run is over or nothing comes for `options.work.idle`. Returns how many
/// tasks this worker answered.
pub fn join(options: &JoinOptions) -> Result<u64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    rt.block_on(async {
        // A bad run id is the caller's mistake: say so before connecting anywhere.
        let names = Names::new(&options.run)?;
        let (client, watch) = connect_watched(&options.broker, options.token.as_deref()).await?;
        let count = AtomicU64::new(0);
        let work = async {
            let answered = work_counting(&client, &names, options.work, &count).await?;
            // Acknowledgements are sent in the background: make sure the last ones left.
            client.flush().await?;
            anyhow::Ok(answered)
        };
        // A broker gone for good ends the worker with what it knows, within seconds, rather
        // than after a consumer's missed heartbeats (30 s); what it held unacknowledged goes
        // back to the queue if the broker returns.
        watch
            .unless_lost(work, |lost| {
                format!(
                    "worker {}: {lost}; this worker had answered {} tasks (any not yet \
                     acknowledged go back to the queue)",
                    options.work.worker,
                    count.load(Ordering::Relaxed)
                )
            })
            .await
    })
}

/// How many tasks a worker should take per request: about an eighth of its share, so that
/// requests are few when tasks are many and small, yet every worker still takes its share in
/// several helpings (a worker that grabbed half the queue at once would finish last alone);
/// never more than 64, which bounds what a dying worker hands back.
pub fn prefetch_for(tasks: usize, workers: u32) -> usize {
    (tasks / (8 * workers.max(1) as usize)).clamp(1, 64)
}
