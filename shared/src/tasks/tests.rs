//! The state bookkeeping against hand-driven futures and a hand-set clock: a poll that wakes
//! itself, a wake from elsewhere before the poll ends, a timer that comes due before the loop
//! notices, a cancel while ready, and the ready queue they add up to.

use super::*;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

/// A clock the test moves by hand (each test has its own).
#[derive(Clone, Copy)]
struct HandClock(&'static AtomicU64);

impl HandClock {
    fn new() -> Self {
        HandClock(Box::leak(Box::new(AtomicU64::new(0f64.to_bits()))))
    }
    fn set(&self, ms: f64) {
        self.0.store(ms.to_bits(), Ordering::SeqCst);
    }
}

impl crate::Clock for HandClock {
    fn now_ms(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::SeqCst))
    }
}

/// A task that, at each poll, runs the next step of its script.
struct Script {
    steps: Vec<Step>,
    waker: Rc<RefCell<Option<Waker>>>,
}

enum Step {
    /// Advance the clock by this much (the task's own work).
    Work(HandClock, f64),
    /// Wake itself and return pending (a yield).
    YieldNow,
    /// Keep the waker for someone else and return pending.
    Park,
    /// Finish.
    Finish(Result<u32, String>),
}

impl Future for Script {
    type Output = Result<u32, String>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.steps.remove(0) {
                Step::Work(clock, ms) => {
                    let now = crate::Clock::now_ms(&clock);
                    clock.set(now + ms);
                }
                Step::YieldNow => {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Step::Park => {
                    *self.waker.borrow_mut() = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Step::Finish(out) => return Poll::Ready(out),
            }
        }
    }
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn spans(t: &TaskTrace) -> Vec<(TaskState, f64, f64)> {
    t.states
        .iter()
        .map(|s| (s.state, s.from_ms, s.to_ms))
        .collect()
}

#[test]
fn a_poll_that_wakes_itself_leaves_the_task_ready_not_waiting() {
    let clock = HandClock::new();
    let rec = Recorder::new(clock);
    let probe = rec.task("t0");
    let slot = Rc::default();
    let mut task = probe.trace(Script {
        steps: vec![
            Step::Work(clock, 2.0),
            Step::YieldNow,
            Step::Work(clock, 1.0),
            Step::Finish(Ok(7)),
        ],
        waker: slot,
    });
    clock.set(1.0);
    assert!(poll_once(&mut task).is_pending());
    clock.set(5.0);
    assert_eq!(poll_once(&mut task), Poll::Ready(Ok(7)));
    let traces = rec.finish(10.0);
    assert_eq!(
        spans(&traces[0]),
        vec![
            (TaskState::Ready, 0.0, 1.0),
            (TaskState::Running, 1.0, 3.0),
            (TaskState::Ready, 3.0, 5.0),
            (TaskState::Running, 5.0, 6.0),
            (TaskState::Done, 6.0, 10.0),
        ]
    );
    assert_eq!(traces[0].polls, 2);
}

#[test]
fn a_wake_before_the_poll_ends_counts_from_the_poll_s_end() {
    let clock = HandClock::new();
    let rec = Recorder::new(clock);
    let probe = rec.task("t0");
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let mut task = probe.clone().trace(Script {
        steps: vec![Step::Park, Step::Finish(Ok(1))],
        waker: slot.clone(),
    });
    probe.awaiting(Site::other("a thread", 42));
    assert!(poll_once(&mut task).is_pending());
    // Woken "during" the poll: the waker fires at the poll's own end time.
    slot.borrow().as_ref().expect("parked").wake_by_ref();
    clock.set(4.0);
    assert!(poll_once(&mut task).is_ready());
    let t = &rec.finish(4.0)[0];
    assert_eq!(t.time_in(TaskState::Waiting), 0.0, "{:?}", t.states);
    assert_eq!(t.time_in(TaskState::Ready), 4.0);
}

#[test]
fn a_timer_is_ready_at_its_deadline_even_if_the_loop_notices_later() {
    let clock = HandClock::new();
    let rec = Recorder::new(clock);
    let probe = rec.task("t1");
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let mut task = probe.clone().trace(Script {
        steps: vec![Step::Park, Step::Finish(Ok(1))],
        waker: slot.clone(),
    });
    probe.awaiting(Site::timer(10.0, 10.0, 99));
    assert!(poll_once(&mut task).is_pending());
    // The loop was busy elsewhere: the timer fires (wakes) at 30, the poll comes at 31.
    clock.set(30.0);
    slot.borrow().as_ref().expect("parked").wake_by_ref();
    clock.set(31.0);
    assert!(poll_once(&mut task).is_ready());
    let t = &rec.finish(31.0)[0];
    let waiting = t
        .states
        .iter()
        .find(|s| s.state == TaskState::Waiting)
        .expect("a wait");
    assert_eq!((waiting.from_ms, waiting.to_ms), (0.0, 10.0));
    assert_eq!(
        (waiting.on.as_deref(), waiting.line),
        (Some("timer 10 ms"), Some(99))
    );
    assert_eq!(t.longest(TaskState::Ready), 21.0);
}

#[test]
fn a_cancel_while_ready_ends_the_task_cancelled_and_keeps_its_ready_time() {
    let clock = HandClock::new();
    let rec = Recorder::new(clock);
    let probe = rec.task("t0");
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let mut task = probe.clone().trace(Script {
        steps: vec![Step::Park, Step::Finish(Ok(1))],
        waker: slot.clone(),
    });
    probe.awaiting(Site::timer(5.0, 5.0, 3));
    assert!(poll_once(&mut task).is_pending());
    clock.set(8.0);
    drop(task);
    let t = &rec.finish(12.0)[0];
    assert_eq!(
        spans(t),
        vec![
            // A poll that took no time on the clock is still a poll.
            (TaskState::Running, 0.0, 0.0),
            (TaskState::Waiting, 0.0, 5.0),
            (TaskState::Ready, 5.0, 8.0),
            (TaskState::Cancelled, 8.0, 12.0),
        ]
    );
    assert_eq!(t.end().map(|e| e.state), Some(TaskState::Cancelled));
}

#[test]
fn a_failed_task_says_why_and_the_ready_queue_adds_up() {
    let clock = HandClock::new();
    let rec = Recorder::new(clock);
    let (a, b) = (rec.task("a"), rec.task("b"));
    let mut ta = a.trace(Script {
        steps: vec![Step::Work(clock, 3.0), Step::Finish(Err("boom".into()))],
        waker: Rc::default(),
    });
    let mut tb = b.trace(Script {
        steps: vec![Step::Work(clock, 1.0), Step::Finish(Ok(2))],
        waker: Rc::default(),
    });
    assert_eq!(poll_once(&mut ta), Poll::Ready(Err("boom".into())));
    assert!(poll_once(&mut tb).is_ready());
    let traces = rec.finish(5.0);
    let end = traces[0].end().expect("ended");
    assert_eq!(
        (end.state, end.on.as_deref()),
        (TaskState::Failed, Some("boom"))
    );
    // b was ready from 0 until a's poll ended at 3.
    assert_eq!(ready_queue(&traces), vec![(0.0, 1), (3.0, 0)]);
    assert!(one_running_at_a_time(&traces, 0.0));
}
