//! The `workers` strategy: message-passing web workers, the browser's processes. Each worker
//! instantiates its own copy of this wasm module with its own memory — nothing is shared; tasks go
//! in and results come out as copied messages. Starting the workers and copying are part of what
//! is measured, as starting processes and pickling are for multiprocessing.
//!
//! A worker is a tiny module script (from a blob: URL) that imports this app's JS glue, initialises
//! it with the already-compiled `WebAssembly.Module`, then answers `{id, task}` messages by calling
//! [`interleave_worker_task`] and posting `{id, out, t0, t1}` back (absolute times, so spans land on
//! the page's time axis). `task` and `out` are the JSON of the task protocol
//! (`interleave_shared::task`: a [`Job`] in, an [`Output`] back), the same types native child
//! processes speak. Every worker is terminated when the run ends, whatever happens.

use super::pages;
use super::platform::PerfClock;
use futures::StreamExt;
use futures::channel::mpsc;
use interleave_shared::lane::PRODUCER_LANE;
use interleave_shared::record::SETUP_TASK;
use interleave_shared::task::{self, Job, Output};
use interleave_shared::{Clock, Span, SpanKind};
use std::cell::Cell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const SOURCE = `
let m;
self.onmessage = async (e) => {
  const d = e.data;
  try {
    if (d.type === 'init') {
      m = await import(d.mainJS);
      await m.default({ module_or_path: d.module });
      postMessage({ type: 'ready', t: performance.timeOrigin + performance.now() });
    } else {
      const t0 = performance.timeOrigin + performance.now();
      const out = await m.interleave_worker_task(d.task);
      const t1 = performance.timeOrigin + performance.now();
      postMessage({ type: 'done', id: d.id, out, t0, t1 });
    }
  } catch (err) {
    postMessage({ type: 'error', id: d.id, message: String(err && err.message || err) });
  }
};`;
export function spawn_worker(mainJS, module) {
  const url = URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url, { type: 'module', name: 'interleave-worker' });
  w.addEventListener('message', () => URL.revokeObjectURL(url), { once: true });
  w.postMessage({ type: 'init', mainJS, module });
  return w;
}
"#)]
extern "C" {
    fn spawn_worker(main_js: &JsValue, module: &JsValue) -> web_sys::Worker;
}

#[wasm_bindgen]
extern "C" {
    /// `import.meta.url` of this app's JS glue: what a worker imports to get the same code.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static MAIN_JS: js_sys::JsString;
}

/// Runs inside a worker: one job (JSON) in, its output (JSON) out. Exported so the worker
/// script can call it through the JS glue.
#[wasm_bindgen]
pub async fn interleave_worker_task(job: String) -> Result<String, JsValue> {
    // @code cpu:workers io:workers queue:workers pools:workers-map pools:workers-map-chunked
    let job: Job = task::decode(&job).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let out = match &job {
        Job::Check {
            source,
            max_preemptions,
        } => {
            // Progress goes straight to the page from here: the check runs to its end in this
            // call, and the page cancels it by terminating the worker.
            let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            let mut report = |states: usize| {
                let msg = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&msg, &"type".into(), &"progress".into());
                let _ = js_sys::Reflect::set(&msg, &"states".into(), &(states as f64).into());
                let _ = scope.post_message(&msg);
                true
            };
            let out = task::check_program(source, *max_preemptions, &mut report)
                .map(|r| Output::Report(Box::new(r)))
                .map_err(|e| JsValue::from_str(&e))?;
            // This worker's memory only grows, so its size now is the check's peak.
            let bytes = wasm_bindgen::memory()
                .unchecked_into::<js_sys::WebAssembly::Memory>()
                .buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length();
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"type".into(), &"memory".into());
            let _ = js_sys::Reflect::set(&msg, &"bytes".into(), &f64::from(bytes).into());
            let _ = scope.post_message(&msg);
            out
        }
        Job::Page { page, source } => pages::fetch(source, *page)
            .await
            .map(Output::Page)
            .map_err(|e| JsValue::from_str(&e))?,
        pure => pure
            .run()
            .unwrap_or_else(|| Err("a job no worker can run".to_string()))
            .map_err(|e| JsValue::from_str(&e))?,
    };
    Ok(task::encode(&out))
    // @end
}

/// One started worker and the messages it sent.
struct Handle {
    worker: web_sys::Worker,
    inbox: mpsc::UnboundedReceiver<JsValue>,
    _onmessage: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

/// All workers of a run; terminated on drop, so none outlives it.
struct Pool(Vec<Handle>);

impl Drop for Pool {
    fn drop(&mut self) {
        for h in &self.0 {
            h.worker.terminate();
        }
    }
}

/// Start `n` workers and wait until each has its module running; one spawn span per worker
/// (from the first spawn to its "ready"), timed by `clock`.
async fn start(n: usize, clock: &PerfClock) -> Result<(Pool, Vec<Span>), String> {
    let main_js: JsValue = MAIN_JS.with(|u| u.clone()).into();
    let module = wasm_bindgen::module();
    let mut pool = Pool(Vec::new());
    let spawn_start = clock.now_ms();
    // @code cost:worker-start cpu:workers io:workers queue:workers pools:workers-map pools:workers-map-chunked
    for _ in 0..n {
        let (tx, inbox) = mpsc::unbounded();
        let onmessage =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let _ = tx.unbounded_send(e.data());
            });
        let worker = spawn_worker(&main_js, &module);
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        pool.0.push(Handle {
            worker,
            inbox,
            _onmessage: onmessage,
        });
    }
    // @end
    let t0_abs = super::platform::abs_now_ms() - clock.now_ms();
    let mut spans = Vec::new();
    for (w, h) in pool.0.iter_mut().enumerate() {
        let msg = h
            .inbox
            .next()
            .await
            .ok_or("a worker stopped before starting")?;
        if field(&msg, "type").as_string().as_deref() != Some("ready") {
            return Err(format!(
                "a worker failed to start: {}",
                field(&msg, "message").as_string().unwrap_or_default()
            ));
        }
        let ready = field(&msg, "t").as_f64().unwrap_or(0.0) - t0_abs;
        spans.push(Span {
            worker: w as u32,
            task: SETUP_TASK,
            start_ms: spawn_start,
            end_ms: ready,
            kind: SpanKind::Spawn,
        });
    }
    Ok((pool, spans))
}

/// The cost ladder's "worker-message": `n` round trips to one running worker; returns how many
/// came back and the milliseconds they took (the worker's start is not counted).
pub async fn round_trips(n: u64) -> Result<(u64, f64), String> {
    let clock = PerfClock::start();
    let (mut pool, _) = start(1, &clock).await?;
    let h = pool.0.first_mut().ok_or("no worker")?;
    let clock = PerfClock::start();
    let mut done = 0;
    // @code cost:worker-message
    for i in 0..n {
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"id".into(), &(i as f64).into());
        let job = task::encode(&Job::Echo { value: i });
        let _ = js_sys::Reflect::set(&msg, &"task".into(), &job.into());
        h.worker
            .post_message(&msg)
            .map_err(|e| format!("postMessage failed: {e:?}"))?;
        let reply = h.inbox.next().await.ok_or("the worker stopped")?;
        done += u64::from(field(&reply, "type").as_string().as_deref() == Some("done"));
    }
    // @end
    Ok((done, clock.now_ms()))
}

/// The cost ladder's "worker-start": start `n` workers one after another, each until its module
/// runs, then terminate it.
pub async fn starts(n: u64) -> Result<u64, String> {
    let mut done = 0;
    // @code cost:worker-start
    for _ in 0..n {
        drop(start(1, &PerfClock::start()).await?);
        done += 1;
    }
    // @end
    Ok(done)
}

fn field(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// What "Check all" measured besides the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The report.
    pub report: interleave_shared::explore::program::Report,
    /// Milliseconds the check took inside its worker.
    pub ms: f64,
    /// The worker's memory at the end (its peak: wasm memory never shrinks), bytes.
    pub memory: u64,
}

/// The explorer's "Check all": check `source` over every interleaving in a fresh message-passing
/// worker, calling `on_progress(states so far)` as the worker reports, and terminating the
/// worker as soon as `cancel` is set (a check is one long call that cannot be interrupted
/// from inside). Returns the report and the milliseconds the check took inside the worker.
pub async fn check(
    source: String,
    max_preemptions: Option<u32>,
    cancel: &Cell<bool>,
    mut on_progress: impl FnMut(u64),
) -> Result<Checked, String> {
    use futures::future::{Either, select};
    let clock = PerfClock::start();
    let (mut pool, _) = start(1, &clock).await?;
    let h = pool.0.first_mut().ok_or("no worker started")?;
    let job = task::encode(&Job::Check {
        source,
        max_preemptions,
    });
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &0.into());
    let _ = js_sys::Reflect::set(&msg, &"task".into(), &job.as_str().into());
    h.worker
        .post_message(&msg)
        .map_err(|e| format!("postMessage failed: {e:?}"))?;
    let mut memory = 0;
    loop {
        // Wake at least every 100 ms to see Cancel, even while the worker is silent.
        let tick = gloo_timers::future::TimeoutFuture::new(100);
        let reply = match select(h.inbox.next(), tick).await {
            Either::Left((Some(reply), _)) => Some(reply),
            Either::Left((None, _)) => return Err("the worker stopped mid-check".into()),
            Either::Right(_) => None,
        };
        if cancel.get() {
            // Dropping the pool terminates the worker, mid-check if need be.
            return Err("cancelled".into());
        }
        let Some(reply) = reply else { continue };
        match field(&reply, "type").as_string().as_deref() {
            Some("progress") => on_progress(field(&reply, "states").as_f64().unwrap_or(0.0) as u64),
            Some("memory") => memory = field(&reply, "bytes").as_f64().unwrap_or(0.0) as u64,
            Some("done") => {
                let out = field(&reply, "out").as_string().unwrap_or_default();
                let ms = field(&reply, "t1").as_f64().unwrap_or(0.0)
                    - field(&reply, "t0").as_f64().unwrap_or(0.0);
                return match task::decode::<Output>(&out) {
                    Ok(Output::Report(report)) => Ok(Checked {
                        report: *report,
                        ms,
                        memory,
                    }),
                    Ok(other) => Err(format!("the worker answered {other:?}")),
                    Err(e) => Err(format!("the worker's answer did not parse: {e}")),
                };
            }
            _ => {
                return Err(field(&reply, "message")
                    .as_string()
                    .unwrap_or_else(|| "the check failed in its worker".into()));
            }
        }
    }
}

/// Run `jobs` on `workers` fresh web workers, each taking the next job when it finishes its last.
/// Returns outputs in job order and spans: each worker's start-up (spawn), each task's time
/// inside the worker (kind), and the message time around it (copy).
pub async fn run(
    jobs: Vec<Job>,
    workers: u32,
    kind: SpanKind,
    clock: &PerfClock,
    cancel: &Cell<bool>,
) -> Result<(Vec<Output>, Vec<Span>), String> {
    let (outputs, spans, _, _) = run_queued(jobs, workers, kind, clock, cancel, 1).await?;
    Ok((outputs, spans))
}

/// What the page, as the producer, felt when it sent through a bounded queue.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pressure {
    /// Times it had an item ready but every consumer's share of the queue was full (each is a
    /// wait span on the producer's lane).
    pub waits: u64,
    /// Most items sent and not yet answered, across all workers.
    pub max_fill: u64,
}

/// [`run`] through a bounded queue: each worker holds up to `depth` posted and unanswered jobs
/// (its share of the queue; the page is the producer and waits when that share is full). Also
/// returns `(ms, jobs in flight)` at every change: the queue's fill over time.
///
/// Long on purpose: the producer's loop, the credit per worker and the answers arrive on one set of
/// message channels that one body owns.
pub async fn run_queued(
    jobs: Vec<Job>,
    workers: u32,
    kind: SpanKind,
    clock: &PerfClock,
    cancel: &Cell<bool>,
    depth: usize,
) -> Result<(Vec<Output>, Vec<Span>, Pressure, Vec<(f64, u32)>), String> {
    let tasks: Vec<String> = jobs.iter().map(task::encode).collect();
    let n = (workers as usize).clamp(1, tasks.len().max(1));
    let depth = depth.max(1);
    let (mut pool, mut spans) = start(n, clock).await?;
    let t0_abs = super::platform::abs_now_ms() - clock.now_ms();
    let next = Cell::new(0usize);
    let in_flight = Cell::new(0u64);
    let pressure = Cell::new(Pressure::default());
    let levels = std::cell::RefCell::new(Vec::new());
    // The page waits when it has an item ready and every worker's share is full: `blocked`
    // counts the workers whose share is full, `since` is when the last of them filled up, and
    // each such stretch is drawn as a wait on the producer's own lane (the learner pass found
    // "producers waited 195 times" under a timeline with no wait in it).
    let blocked = Cell::new(0usize);
    let since = Cell::new(None::<f64>);
    let producer_waits = std::cell::RefCell::new(Vec::new());
    let tasks = &tasks;
    let per_worker = futures::future::join_all(pool.0.iter_mut().enumerate().map(|(w, h)| {
        let (next, in_flight, pressure, levels) = (&next, &in_flight, &pressure, &levels);
        let (blocked, since, producer_waits) = (&blocked, &since, &producer_waits);
        async move {
            let mut done = Vec::new();
            let mut posted_at = std::collections::VecDeque::new();
            loop {
                // @code cpu:workers io:workers queue:workers pools:workers-map pools:workers-map-chunked
                // Fill this worker's share of the queue.
                while posted_at.len() < depth && next.get() < tasks.len() && !cancel.get() {
                    let t = next.get();
                    next.set(t + 1);
                    let msg = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&msg, &"id".into(), &(t as u32).into());
                    let _ = js_sys::Reflect::set(&msg, &"task".into(), &tasks[t].as_str().into());
                    posted_at.push_back((t, clock.now_ms()));
                    h.worker
                        .post_message(&msg)
                        .map_err(|e| format!("postMessage failed: {e:?}"))?;
                    in_flight.set(in_flight.get() + 1);
                    levels
                        .borrow_mut()
                        .push((clock.now_ms(), in_flight.get() as u32));
                    let mut p = pressure.get();
                    p.max_fill = p.max_fill.max(in_flight.get());
                    pressure.set(p);
                }
                let Some((t, posted)) = posted_at.pop_front() else {
                    return Ok::<_, String>(done);
                };
                // Only a bounded queue (depth > 1) has a producer that waits for room.
                let full = depth > 1 && next.get() < tasks.len();
                if full {
                    blocked.set(blocked.get() + 1);
                    if blocked.get() == n {
                        since.set(Some(clock.now_ms()));
                        let mut p = pressure.get();
                        p.waits += 1;
                        pressure.set(p);
                    }
                }
                let reply = h.inbox.next().await.ok_or("a worker stopped mid-run")?;
                // @end
                in_flight.set(in_flight.get().saturating_sub(1));
                let received = clock.now_ms();
                if full {
                    blocked.set(blocked.get() - 1);
                }
                // An answer frees a slot: the producer's wait, if it was waiting, ends here.
                if let Some(from) = since.take() {
                    producer_waits.borrow_mut().push(Span {
                        worker: PRODUCER_LANE,
                        task: next.get() as u32,
                        start_ms: from,
                        end_ms: received,
                        kind: SpanKind::Wait,
                    });
                }
                levels.borrow_mut().push((received, in_flight.get() as u32));
                if field(&reply, "type").as_string().as_deref() != Some("done") {
                    return Err(format!(
                        "task {t} failed in a worker: {}",
                        field(&reply, "message").as_string().unwrap_or_default()
                    ));
                }
                let start = field(&reply, "t0").as_f64().unwrap_or(posted + t0_abs) - t0_abs;
                let end = field(&reply, "t1").as_f64().unwrap_or(received + t0_abs) - t0_abs;
                let w = w as u32;
                let task = t as u32;
                let there = Span {
                    worker: w,
                    task,
                    start_ms: posted,
                    end_ms: start.max(posted),
                    kind: SpanKind::Copy,
                };
                let work = Span {
                    worker: w,
                    task,
                    start_ms: start,
                    end_ms: end,
                    kind,
                };
                let back = Span {
                    worker: w,
                    task,
                    start_ms: end.min(received),
                    end_ms: received,
                    kind: SpanKind::Copy,
                };
                let out = field(&reply, "out").as_string().unwrap_or_default();
                let out: Output =
                    task::decode(&out).map_err(|e| format!("task {t}: a worker answered {e}"))?;
                done.push((t, out, [there, work, back]));
            }
        }
    }))
    .await;
    let mut outs = Vec::new();
    for r in per_worker {
        outs.extend(r?);
    }
    drop(pool);
    outs.sort_by_key(|(t, ..)| *t);
    let mut outputs = Vec::new();
    for (_, out, task_spans) in outs {
        outputs.push(out);
        spans.extend(task_spans);
    }
    spans.extend(producer_waits.into_inner());
    Ok((outputs, spans, pressure.get(), levels.into_inner()))
}
