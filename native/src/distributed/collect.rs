//! What the master collects: one answer per task id, however often a task was delivered.

use super::protocol::{Names, TaskAnswer, epoch_ms};
use anyhow::{Context as _, Result, anyhow, bail};
use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use interleave_shared::detail::Delivery;
use interleave_shared::task::{self, Output};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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
    pub received: Vec<(TaskAnswer, f64)>,
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

    /// How the broker delivered `tasks` published tasks, for the record.
    pub fn delivery(&self, tasks: usize) -> Delivery {
        Delivery {
            tasks: tasks as u64,
            deliveries: self.deliveries,
            redelivered: self.redelivered,
        }
    }
}

/// Read answers until every one of `tasks` task ids has one, or `timeout` passes.
#[cfg(test)]
pub async fn collect(
    js: &jetstream::Context,
    names: &Names,
    tasks: usize,
    timeout: Duration,
) -> Result<Collected> {
    collect_counting(js, names, tasks, timeout, &AtomicUsize::new(0)).await
}

/// [`collect`], keeping `answered` at the number of tasks answered so far, so a run that loses
/// its broker can say how far it got.
pub async fn collect_counting(
    js: &jetstream::Context,
    names: &Names,
    tasks: usize,
    timeout: Duration,
    answered: &AtomicUsize,
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
        let answers: Vec<TaskAnswer> = task::decode(std::str::from_utf8(&msg.payload)?)?;
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
        answered.store(got.outputs.len(), Ordering::Relaxed);
    }
    let mut most: BTreeMap<u32, i64> = BTreeMap::new();
    for (a, _) in &got.received {
        let m = most.entry(a.task).or_default();
        *m = (*m).max(a.delivered);
    }
    got.deliveries = most.values().map(|d| (*d).max(1) as u64).sum();
    Ok(got)
}
