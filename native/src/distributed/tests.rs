//! The work queue against a real broker: redelivery, clean ends, every task once. Each test
//! needs Debian's nats-server; without it they skip and say so (see `native/tests/common`).

use super::broker::Broker;
use super::collect::collect;
use super::protocol::{Names, WORKERS, connect, create, publish};
use super::worker::{WorkerOptions, helping, work_holding};
use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use std::time::Duration;

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
use interleave_shared::task::{Job, Task};
use std::net::Ipv4Addr;

/// A worker that takes a task and vanishes without acknowledging it (as a killed process
/// would) loses nothing: after `ack_wait` the broker delivers the task again, another worker
/// answers it, and the master counts it once, as redelivered.
#[test]
fn a_task_taken_and_never_acknowledged_is_redelivered_and_counted_once() {
    if !crate::needs::needs(
        "a_task_taken_and_never_acknowledged_is_redelivered_and_counted_once",
        crate::needs::BROKER,
    ) {
        return;
    }
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
/// "done", and ends within its idle time when the queue is removed without a word (a request
/// to a removed queue is never answered, so the worker must not wait on it alone).
#[test]
fn a_waiting_worker_ends_on_done_and_on_a_removed_queue() {
    if !crate::needs::needs(
        "a_waiting_worker_ends_on_done_and_on_a_removed_queue",
        crate::needs::BROKER,
    ) {
        return;
    }
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
    if !crate::needs::needs(
        "workers_drain_the_queue_and_the_master_gets_every_task_once",
        crate::needs::BROKER,
    ) {
        return;
    }
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
                    let client = super::protocol::connect(&url, Some(&token)).await.unwrap();
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
