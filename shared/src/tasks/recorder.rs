//! The wrapper both runtimes put around each task: a future that notes when it is polled, and a
//! waker that notes when what the task waited for happened. Polls happen on the loop's one
//! thread, so the log is a plain `RefCell`; a wake may come from any thread (a blocking call's
//! thread, the timer driver), so it is one atomic per task, read at the next poll.

use super::{StateSpan, TaskState, TaskTrace};
use crate::Clock;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// Where a task waits: what on, the line of its `await`, and for a timer when it comes due —
/// from that moment the task is `ready`, whether or not the loop has noticed.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// What it waits on, for people ("timer 10 ms").
    pub on: String,
    /// The line of the `await`.
    pub line: u32,
    /// For a timer: when it comes due (ms since the run started).
    pub due_ms: Option<f64>,
}

impl Site {
    /// A timer of `ms` that comes due at `due_ms`.
    pub fn timer(ms: f64, due_ms: f64, line: u32) -> Self {
        Self {
            on: format!("timer {ms} ms"),
            line,
            due_ms: Some(due_ms),
        }
    }

    /// Anything else: a thread, the loop's queue, another task.
    pub fn other(on: impl Into<String>, line: u32) -> Self {
        Self {
            on: on.into(),
            line,
            due_ms: None,
        }
    }
}

/// Where a task is now.
#[derive(Debug, Clone)]
enum Now {
    Ready,
    Waiting(Site),
    Ended,
}

/// One task's log.
#[derive(Debug)]
struct Log {
    name: String,
    polls: u32,
    states: Vec<StateSpan>,
    now: Now,
    since: f64,
    /// Where the task said it is about to wait (read when its poll returns pending).
    announced: Option<Site>,
}

impl Log {
    /// Keep a stretch; an empty one only for `running`, since a poll happened however short
    /// (a browser's clock ticks in microseconds, and a poll can fit between two ticks).
    fn push(&mut self, state: TaskState, from_ms: f64, to_ms: f64, site: Option<&Site>) {
        if to_ms > from_ms || (state == TaskState::Running && to_ms == from_ms) {
            self.states.push(StateSpan {
                from_ms,
                to_ms,
                state,
                on: site.map(|s| s.on.clone()),
                line: site.map(|s| s.line),
            });
        }
    }

    /// Close the open stretch at `at`. A waiting stretch turns `ready` at the first of the wake
    /// and the timer's due time: what it waited for had happened.
    fn close(&mut self, at: f64, woken: Option<f64>) {
        match std::mem::replace(&mut self.now, Now::Ready) {
            Now::Ready => self.push(TaskState::Ready, self.since, at, None),
            Now::Waiting(site) => {
                let happened = [woken, site.due_ms]
                    .into_iter()
                    .flatten()
                    .fold(f64::INFINITY, f64::min);
                let ready_from = happened.clamp(self.since, at);
                self.push(TaskState::Waiting, self.since, ready_from, Some(&site));
                self.push(TaskState::Ready, ready_from, at, None);
            }
            Now::Ended => self.now = Now::Ended,
        }
        self.since = at;
    }

    fn end(&mut self, at: f64, state: TaskState, why: Option<String>) {
        self.states.push(StateSpan {
            from_ms: at,
            to_ms: at,
            state,
            on: why,
            line: None,
        });
        self.now = Now::Ended;
        self.since = at;
    }
}

/// The logs of one run's tasks, and its clock.
pub struct Recorder<C> {
    clock: C,
    logs: Rc<RefCell<Vec<Log>>>,
}

impl<C: Clock + Copy + Send + 'static> Recorder<C> {
    /// A recorder timing with `clock` (ms since the run started).
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            logs: Rc::default(),
        }
    }

    /// A new task called `name`, `ready` from now until the loop first polls it.
    pub fn task(&self, name: impl Into<String>) -> Probe<C> {
        let mut logs = self.logs.borrow_mut();
        logs.push(Log {
            name: name.into(),
            polls: 0,
            states: Vec::new(),
            now: Now::Ready,
            since: self.clock.now_ms(),
            announced: None,
        });
        Probe {
            id: logs.len() - 1,
            logs: self.logs.clone(),
            clock: self.clock,
        }
    }

    /// Every task's states up to `end_ms` (the run's end): an ended task keeps its end state to
    /// the end of the run; a task still open is closed there as it stands.
    pub fn finish(&self, end_ms: f64) -> Vec<TaskTrace> {
        let mut logs = self.logs.borrow_mut();
        (0u32..)
            .zip(logs.iter_mut())
            .map(|(id, log)| {
                match log.now {
                    Now::Ended => {
                        if let Some(last) = log.states.last_mut() {
                            last.to_ms = end_ms.max(last.from_ms);
                        }
                    }
                    _ => log.close(end_ms, None),
                }
                TaskTrace {
                    id,
                    name: log.name.clone(),
                    polls: log.polls,
                    states: std::mem::take(&mut log.states),
                }
            })
            .collect()
    }
}

/// A task's handle on its own log: the task code says where it is about to wait
/// ([`Probe::awaiting`]) right before each `await`, and wraps itself with [`Probe::trace`].
#[derive(Clone)]
pub struct Probe<C> {
    id: usize,
    logs: Rc<RefCell<Vec<Log>>>,
    clock: C,
}

impl<C: Clock + Copy + Send + 'static> Probe<C> {
    /// The task is about to wait at `site` (called right before the `await`).
    pub fn awaiting(&self, site: Site) {
        self.logs.borrow_mut()[self.id].announced = Some(site);
    }

    /// Ms since the run started, on the recorder's clock.
    pub fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    /// The recorder's clock.
    pub fn clock(&self) -> C {
        self.clock
    }

    /// `fut` wrapped so that every poll, wake and its end are recorded in this task's log.
    pub fn trace<T, F>(self, fut: F) -> Traced<C, F>
    where
        F: Future<Output = Result<T, String>>,
    {
        let woken = Arc::new(WakeCell {
            at: AtomicU64::new(NOT_WOKEN),
            clock: self.clock,
        });
        Traced {
            probe: self,
            woken,
            fut: Box::pin(fut),
            wakers: None,
            finished: false,
        }
    }
}

/// No wake since the last poll began.
const NOT_WOKEN: u64 = u64::MAX;

/// When a task was first woken since its last poll began (f64 bits), and the clock to say so.
struct WakeCell<C> {
    at: AtomicU64,
    clock: C,
}

impl<C: Clock> WakeCell<C> {
    fn mark(&self) {
        let now = self.clock.now_ms().to_bits();
        let _ = self
            .at
            .compare_exchange(NOT_WOKEN, now, Ordering::AcqRel, Ordering::Acquire);
    }

    fn take(&self) -> Option<f64> {
        Some(self.at.swap(NOT_WOKEN, Ordering::AcqRel))
            .filter(|b| *b != NOT_WOKEN)
            .map(f64::from_bits)
    }

    fn woken(&self) -> bool {
        self.at.load(Ordering::Acquire) != NOT_WOKEN
    }
}

/// The waker the task sees: notes the wake, then wakes the runtime's own waker.
struct NotingWaker<C> {
    cell: Arc<WakeCell<C>>,
    inner: Waker,
}

impl<C: Clock + Send + 'static> Wake for NotingWaker<C> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.cell.mark();
        self.inner.wake_by_ref();
    }
}

/// A task's future, recorded: see [`Probe::trace`]. Dropped before it finished (a timeout),
/// it records `cancelled`.
pub struct Traced<C: Clock + Copy + Send + 'static, F> {
    probe: Probe<C>,
    woken: Arc<WakeCell<C>>,
    fut: Pin<Box<F>>,
    /// The runtime's waker and ours around it, rebuilt only when the runtime's changes.
    wakers: Option<(Waker, Waker)>,
    finished: bool,
}

// Nothing of a `Traced` is pinned but the boxed future inside it, so moving the wrapper is fine.
impl<C: Clock + Copy + Send + 'static, F> Unpin for Traced<C, F> {}

impl<C, T, F> Future for Traced<C, F>
where
    C: Clock + Copy + Send + 'static,
    F: Future<Output = Result<T, String>>,
{
    type Output = Result<T, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let clock = this.probe.clock;
        let started = clock.now_ms();
        let woken = this.woken.take();
        {
            let mut logs = this.probe.logs.borrow_mut();
            let log = &mut logs[this.probe.id];
            log.close(started, woken);
            log.polls += 1;
        }
        let ours = match &this.wakers {
            Some((inner, ours)) if inner.will_wake(cx.waker()) => ours.clone(),
            _ => {
                let ours = Waker::from(Arc::new(NotingWaker {
                    cell: this.woken.clone(),
                    inner: cx.waker().clone(),
                }));
                this.wakers = Some((cx.waker().clone(), ours.clone()));
                ours
            }
        };
        let polled = this.fut.as_mut().poll(&mut Context::from_waker(&ours));
        let ended = clock.now_ms();
        let mut logs = this.probe.logs.borrow_mut();
        let log = &mut logs[this.probe.id];
        log.push(TaskState::Running, started, ended, None);
        let announced = log.announced.take();
        match polled {
            Poll::Ready(out) => {
                this.finished = true;
                match &out {
                    Ok(_) => log.end(ended, TaskState::Done, None),
                    Err(e) => log.end(ended, TaskState::Failed, Some(e.clone())),
                }
                Poll::Ready(out)
            }
            Poll::Pending => {
                // Woken while it ran (it yielded, or what it waits for was already there): it
                // is ready at once; otherwise it waits where it said it would.
                log.now = if this.woken.woken() {
                    Now::Ready
                } else {
                    Now::Waiting(announced.unwrap_or_else(|| Site::other("something", 0)))
                };
                log.since = ended;
                Poll::Pending
            }
        }
    }
}

impl<C: Clock + Copy + Send + 'static, F> Drop for Traced<C, F> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let at = self.probe.clock.now_ms();
        let woken = self.woken.take();
        if let Ok(mut logs) = self.probe.logs.try_borrow_mut() {
            let log = &mut logs[self.probe.id];
            log.close(at, woken);
            log.end(at, TaskState::Cancelled, Some("cancelled".into()));
        }
    }
}
