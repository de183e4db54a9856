//! Chrome Trace Event JSON (the CLI's `--trace FILE`, the page's "Export trace"): opens in
//! ui.perfetto.dev and chrome://tracing. Each
//! record becomes a "process" (named `lesson · strategy`), each of its workers a thread track, each
//! span a complete ("X") event. An event-loop record also gets one track per async task with its
//! states (running, ready, waiting — with what on and the line — and how it ended).

use crate::record::{RunRecord, SETUP_TASK};
use serde_json::{Value, json};

/// The trace document for `records`.
pub fn trace(records: &[RunRecord]) -> Value {
    let mut events = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let pid = i + 1;
        events.push(json!({
            "ph": "M", "name": "process_name", "pid": pid, "tid": 0,
            "args": { "name": format!("{} · {} ({}, {} workers)", r.lesson, r.strategy, r.side.as_str(), r.workers) }
        }));
        events.push(json!({ "ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0, "args": { "sort_index": i } }));
        let mut workers: Vec<u32> = r.spans.iter().map(|s| s.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        for w in workers {
            events.push(json!({
                "ph": "M", "name": "thread_name", "pid": pid, "tid": w,
                "args": { "name": match crate::lane::of(r.lesson, r.strategy, r.side, r.workers, w) {
                    crate::lane::Lane::Worker(w) => format!("worker {w}"),
                    role => role.label(),
                } }
            }));
        }
        for s in &r.spans {
            let kind = serde_json::to_value(s.kind).unwrap_or(Value::Null);
            let name = if s.task == SETUP_TASK {
                "start-up".to_string()
            } else {
                format!("task {}", s.task)
            };
            events.push(json!({
                "ph": "X", "name": name, "cat": kind, "pid": pid, "tid": s.worker,
                "ts": s.start_ms * 1000.0, "dur": ((s.end_ms - s.start_ms) * 1000.0).max(0.0),
                "args": { "task": s.task, "kind": kind }
            }));
        }
        task_states(pid, r, &mut events);
    }
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}

/// Task tracks start here, clear of the worker tracks.
const TASK_TRACK: u32 = 10_000;

/// An event-loop record's task states, one track per task.
fn task_states(pid: usize, r: &RunRecord, events: &mut Vec<Value>) {
    for t in r.detail.tasks().unwrap_or_default() {
        let tid = TASK_TRACK + t.id;
        events.push(json!({
            "ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
            "args": { "name": format!("task {} states", t.name) }
        }));
        for s in &t.states {
            events.push(json!({
                "ph": "X", "name": s.state.name(), "cat": "task-state", "pid": pid, "tid": tid,
                "ts": s.from_ms * 1000.0, "dur": ((s.to_ms - s.from_ms) * 1000.0).max(0.0),
                "args": { "task": t.name, "on": s.on, "line": s.line }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Side, Span, SpanKind};

    #[test]
    fn one_process_per_record_one_track_per_worker() {
        let span = |worker, task| Span {
            worker,
            task,
            start_ms: 1.0,
            end_ms: 3.5,
            kind: SpanKind::Compute,
        };
        let params = crate::Params {
            size: 1,
            workers: 2,
            latency_ms: None,
            bytes: None,
        };
        let e = crate::Execution::new(
            crate::Checked::exact(1, 1),
            vec![span(0, 0), span(1, 1), span(1, SETUP_TASK)],
            2,
            crate::Timing::wall(4.0),
        );
        let r = RunRecord::from_execution(
            crate::LessonId::Cpu,
            crate::StrategyId::Threads,
            Side::Native,
            &params,
            e,
        );
        let t = trace(&[r]);
        let events = t["traceEvents"].as_array().unwrap();
        let x: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(x.len(), 3);
        assert_eq!(x[0]["ts"], 1000.0);
        assert_eq!(x[0]["dur"], 2500.0);
        assert_eq!(x[2]["name"], "start-up");
        let threads = events.iter().filter(|e| e["name"] == "thread_name").count();
        assert_eq!(threads, 2);
    }

    /// An event-loop record's task states travel in the trace, a track per task.
    #[test]
    fn task_states_get_a_track_per_task() {
        use crate::tasks::{StateSpan, TaskState, TaskTrace};
        let params = crate::Params {
            size: 2,
            workers: 2,
            latency_ms: None,
            bytes: None,
        };
        let state = |state, from_ms, to_ms| StateSpan {
            from_ms,
            to_ms,
            state,
            on: (state == TaskState::Waiting).then(|| "timer 10 ms".to_string()),
            line: (state == TaskState::Waiting).then_some(7),
        };
        let tasks = vec![TaskTrace {
            id: 0,
            name: "t0".into(),
            polls: 1,
            states: vec![
                state(TaskState::Running, 0.0, 1.0),
                state(TaskState::Waiting, 1.0, 11.0),
                state(TaskState::Ready, 11.0, 12.0),
            ],
        }];
        let e = crate::Execution::new(
            crate::Checked::exact(1, 1),
            vec![],
            2,
            crate::Timing::wall(12.0),
        )
        .detail(crate::detail::LessonDetail::event_loop(tasks));
        let r = RunRecord::from_execution(
            crate::LessonId::EventLoop,
            crate::StrategyId::Cooperative,
            Side::Native,
            &params,
            e,
        );
        let t = trace(&[r]);
        let states: Vec<&Value> = t["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["cat"] == "task-state")
            .collect();
        assert_eq!(states.len(), 3);
        assert_eq!(states[1]["name"], "waiting");
        assert_eq!(states[1]["args"]["line"], 7);
        assert_eq!(states[1]["dur"], 10_000.0);
    }
}
