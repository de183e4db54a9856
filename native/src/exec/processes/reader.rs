//! Reading one child's answers off its stdout, with the spans they put on its lanes.

use crate::exec::clock::MonoClock;
use anyhow::{Result, bail};
use interleave_shared::record::SETUP_TASK;
use interleave_shared::task::{self, FromWorker, Output};
use interleave_shared::{Clock, Span, SpanKind};
use std::io::BufRead;

/// Where one child's spans go on the timeline.
pub(super) struct Lane {
    /// Timeline worker of the child's slot 0.
    pub(super) first: u32,
    /// When the child was started (monotonic ns).
    pub(super) spawned_ns: u64,
    /// Span kind of its tasks.
    pub(super) kind: SpanKind,
}

/// Everything one child answered.
#[derive(Default)]
pub(super) struct ChildAnswers {
    pub(super) outputs: Vec<(u32, Output)>,
    pub(super) spans: Vec<Span>,
    pub(super) peak_rss_kb: u64,
}

pub(super) fn read_child(
    lane: &Lane,
    reader: impl BufRead,
    clock: &MonoClock,
    answered: &dyn Fn(),
) -> Result<ChildAnswers> {
    let mut answers = ChildAnswers::default();
    for line in reader.lines() {
        let line = line?;
        match task::decode::<FromWorker>(&line)? {
            FromWorker::Ready { .. } => answers.spans.push(Span {
                worker: lane.first,
                task: SETUP_TASK,
                start_ms: clock.ms_of(lane.spawned_ns),
                end_ms: clock.now_ms(),
                kind: SpanKind::Spawn,
            }),
            FromWorker::Done {
                id,
                slot,
                t0_ns,
                t1_ns,
                out,
            } => {
                answers.spans.push(Span {
                    worker: lane.first + slot,
                    task: id,
                    start_ms: clock.ms_of(t0_ns),
                    end_ms: clock.ms_of(t1_ns),
                    kind: lane.kind,
                });
                answers.outputs.push((id, out));
                answered();
            }
            FromWorker::Failed { id, message } => bail!("task {id}: {message}"),
            FromWorker::Finished { peak_rss_kb, .. } => answers.peak_rss_kb = peak_rss_kb,
            FromWorker::Total { .. } => bail!("unexpected total from a worker: '{line}'"),
        }
    }
    Ok(answers)
}
