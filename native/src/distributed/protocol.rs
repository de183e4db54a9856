//! What a master and its workers agree on: the answer a worker sends, the names of a run's
//! streams and subjects, setting the queue up, publishing with the broker's acknowledgement,
//! and connecting with a key.
//!
//! - Tasks go into a work-queue stream (`il.<run>.tasks`); workers share one durable pull
//!   consumer, take tasks, compute, publish the answers to the results stream
//!   (`il.<run>.results`), and only then acknowledge the tasks. A worker that dies holding a
//!   task never acknowledges it, so after `ack_wait` the broker hands it to another worker:
//!   at-least-once delivery.
//! - The master keeps one result per task id, so a task computed twice is counted once:
//!   exactly-once *effect*. It also counts deliveries, so the redelivery is visible.

use super::watch::BrokerWatch;
use crate::error::UsageError;
use anyhow::{Context as _, Result, anyhow, bail};
use async_nats::jetstream::{self, consumer, stream};
use interleave_shared::task::{self, Output, Task};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a worker publishes for each task it computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskAnswer {
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
    pub(crate) fn tasks_stream(&self) -> String {
        format!("IL_TASKS_{}", self.run)
    }
    pub(crate) fn results_stream(&self) -> String {
        format!("IL_RESULTS_{}", self.run)
    }
    pub(crate) fn tasks_subject(&self) -> String {
        format!("il.{}.tasks", self.run)
    }
    pub(crate) fn results_subject(&self) -> String {
        format!("il.{}.results", self.run)
    }
    /// The run's id, as `interleave worker --run` takes it.
    pub fn run(&self) -> &str {
        &self.run
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
pub(crate) const WORKERS: &str = "workers";

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
    publish_counting(js, names, tasks, &std::sync::atomic::AtomicUsize::new(0)).await
}

/// [`publish`], counting into `stored_so_far` the tasks the broker acknowledged, so a run that
/// loses its broker can say how many it had handed over.
pub async fn publish_counting(
    js: &jetstream::Context,
    names: &Names,
    tasks: &[Task],
    stored_so_far: &std::sync::atomic::AtomicUsize,
) -> Result<()> {
    let count = || stored_so_far.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut pending = std::collections::VecDeque::with_capacity(IN_FLIGHT);
    for t in tasks {
        if pending.len() == IN_FLIGHT
            && let Some(oldest) = pending.pop_front()
        {
            stored(oldest).await?;
            count();
        }
        let ack = js
            .publish(names.tasks_subject(), task::encode(t).into())
            .await
            .context("cannot publish a task")?;
        pending.push_back(ack);
    }
    for ack in pending {
        stored(ack).await?;
        count();
    }
    Ok(())
}

/// Wait for the broker's acknowledgement that it stored a published message.
pub(crate) async fn stored(ack: jetstream::context::PublishAckFuture) -> Result<()> {
    ack.await
        .context("the broker did not store a message")
        .map(|_| ())
}

/// How long a worker tries to reach its broker before it gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connect to `url` with `token`, telling a refused key from an unreachable broker: both exit 2
/// with a message that names the address.
pub async fn connect(url: &str, token: Option<&str>) -> Result<async_nats::Client> {
    Ok(connect_watched(url, token).await?.0)
}

/// [`connect`], with a watch that tells when the broker is gone for good (see [`BrokerWatch`]).
pub async fn connect_watched(
    url: &str,
    token: Option<&str>,
) -> Result<(async_nats::Client, BrokerWatch)> {
    let options = match token {
        Some(t) => async_nats::ConnectOptions::with_token(t.to_string()),
        None => async_nats::ConnectOptions::new(),
    };
    let (options, watch) = BrokerWatch::options(url, options);
    let connecting = options.connection_timeout(CONNECT_TIMEOUT).connect(url);
    let started = std::time::Instant::now();
    let tried = || started.elapsed().as_secs_f64();
    match tokio::time::timeout(CONNECT_TIMEOUT * 2, connecting).await {
        Ok(Ok(client)) => Ok((client, watch)),
        Ok(Err(e)) if e.kind() == async_nats::ConnectErrorKind::AuthorizationViolation => {
            Err(UsageError::BrokerRefused {
                url: url.to_string(),
            }
            .into())
        }
        Ok(Err(e)) => Err(UsageError::BrokerUnreachable {
            url: url.to_string(),
            secs: tried(),
            reason: e.to_string(),
        }
        .into()),
        Err(_) => Err(UsageError::BrokerUnreachable {
            url: url.to_string(),
            secs: tried(),
            reason: "no answer".into(),
        }
        .into()),
    }
}

/// Whether a fetch error means the master deleted the run's queue (it had every answer).
pub(crate) fn run_ended(error: &str) -> bool {
    error.contains("Consumer Deleted")
        || error.contains("stream not found")
        || error.contains("no stream found")
}
