//! The page's own executor for async tasks: a task woken on the thread that runs it is polled
//! from a microtask, which is what a JavaScript `await` costs.
//!
//! Why not wasm-bindgen-futures' `spawn_local`: built with atomics (this page's threaded build),
//! it parks every task that awaits on an atomic with `Atomics.waitAsync` and wakes it with
//! `Atomics.notify`; the browser settles that promise in an event-loop task of its own, so one
//! hop cost ~50 µs here against well under 1 µs for a microtask (measured in the cost lesson's
//! ladder, docs/benchmarks.md). That path is right for a wake that comes from another thread
//! (only an atomic can cross), and wrong for the common case: a timer, a fetch or another task
//! on the same thread waking a task. So this executor keeps the two apart:
//!
//! - a wake on the owning thread puts the task on a ready queue and, unless one is queued or
//!   running already, queues a microtask (`queueMicrotask`) that polls until nothing is ready;
//!   a task woken by another task during that drain needs no hop through the browser at all;
//! - a wake from another thread (a pool worker finishing a job) goes through an unbounded
//!   channel whose receiving end is one long-lived wasm-bindgen-futures task on the owning
//!   thread: the atomic wake-up, paid only where it is needed.
//!
//! A task that yields to the browser (the event-loop lesson's `yielding`) still does so through
//! the task queue: it awaits a `MessageChannel` message, a real task of the browser's, and
//! only the wake after it is a microtask.

use futures::StreamExt;
use futures::channel::mpsc;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `queueMicrotask` (windows and workers alike).
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);
}

/// Spawn `future` on this thread's executor: it starts in a microtask, and runs to completion
/// even if nobody waits for it (results go back through a channel, as with `spawn_local`).
pub fn spawn<F: Future<Output = ()> + 'static>(future: F) {
    LOOP.with(|l| l.spawn(Box::pin(future)));
}

/// A task's identity: its slot, and which occupant of the slot it is (slots are reused, and a
/// stale waker must not poll the task that took the slot after its own ended).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct TaskId {
    slot: usize,
    generation: u64,
}

/// What a waker holds: everything `Send`, so it may be woken from any thread.
struct Handle {
    id: TaskId,
    /// The executor (one per thread) that owns the task.
    owner: usize,
    /// On the ready queue already: a second wake before the poll adds nothing.
    queued: AtomicBool,
    /// Where wakes from other threads go.
    remote: mpsc::UnboundedSender<TaskId>,
}

impl Wake for Handle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let here = OWNER.with(Cell::get) == Some(self.owner);
        if here {
            LOOP.with(|l| l.ready(self.id));
        } else {
            // An error means the owning thread's executor is gone: nothing is left to poll.
            let _ = self.remote.unbounded_send(self.id);
        }
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Polls per microtask before the executor lets the page's other microtasks run.
const BUDGET: usize = 1024;

struct Slot {
    generation: u64,
    /// `None` while the task is being polled, and once it has finished.
    task: Option<Task>,
    handle: Option<Arc<Handle>>,
}

/// Which executor this thread owns (set when it first spawns).
static NEXT_OWNER: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    static OWNER: Cell<Option<usize>> = const { Cell::new(None) };
    static LOOP: Loop = Loop::new();
}

struct Loop {
    owner: usize,
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<usize>>,
    queue: RefCell<VecDeque<TaskId>>,
    /// A microtask that drains `queue` is already queued.
    scheduled: Cell<bool>,
    drain: Closure<dyn FnMut()>,
    remote: mpsc::UnboundedSender<TaskId>,
}

impl Loop {
    fn new() -> Loop {
        let owner = NEXT_OWNER.fetch_add(1, Ordering::Relaxed);
        OWNER.with(|o| o.set(Some(owner)));
        let (remote, mut arrivals) = mpsc::unbounded::<TaskId>();
        // The one task left on wasm-bindgen-futures: it alone is woken across threads.
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(id) = arrivals.next().await {
                LOOP.with(|l| l.ready(id));
            }
        });
        Loop {
            owner,
            slots: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            queue: RefCell::new(VecDeque::new()),
            scheduled: Cell::new(false),
            drain: Closure::new(|| LOOP.with(Loop::run_ready)),
            remote,
        }
    }

    fn spawn(&self, task: Task) {
        let slot = self.free.borrow_mut().pop();
        let id = {
            let mut slots = self.slots.borrow_mut();
            let slot = slot.unwrap_or_else(|| {
                slots.push(Slot {
                    generation: 0,
                    task: None,
                    handle: None,
                });
                slots.len() - 1
            });
            let s = &mut slots[slot];
            s.generation += 1;
            let id = TaskId {
                slot,
                generation: s.generation,
            };
            s.task = Some(task);
            s.handle = Some(Arc::new(Handle {
                id,
                owner: self.owner,
                queued: AtomicBool::new(true),
                remote: self.remote.clone(),
            }));
            id
        };
        self.ready(id);
    }

    /// Put a woken task on the queue, and make sure a microtask will drain it.
    fn ready(&self, id: TaskId) {
        self.queue.borrow_mut().push_back(id);
        if !self.scheduled.replace(true) {
            queue_microtask(self.drain.as_ref().unchecked_ref());
        }
    }

    /// Poll until nothing is ready, as a native executor drains its run queue: a task woken by
    /// another task during the drain runs in the same microtask, with no hop through the
    /// browser at all. After [`BUDGET`] polls the rest waits for a fresh microtask, so promise
    /// callbacks queued meanwhile (a fetch's answer) get their turn.
    fn run_ready(&self) {
        for _ in 0..BUDGET {
            let next = self.queue.borrow_mut().pop_front();
            let Some(id) = next else {
                self.scheduled.set(false);
                return;
            };
            self.poll(id);
        }
        if self.queue.borrow().is_empty() {
            self.scheduled.set(false);
        } else {
            queue_microtask(self.drain.as_ref().unchecked_ref());
        }
    }

    fn poll(&self, id: TaskId) {
        // Take the task out so that it may spawn or wake tasks (borrowing the slots) while it
        // runs; no borrow is held across the poll.
        let (mut task, handle) = {
            let mut slots = self.slots.borrow_mut();
            let Some(s) = slots.get_mut(id.slot) else {
                return;
            };
            if s.generation != id.generation {
                return; // a stale wake for a task that has ended
            }
            let (Some(task), Some(handle)) = (s.task.take(), s.handle.clone()) else {
                return;
            };
            (task, handle)
        };
        // Cleared before the poll: a wake during the poll queues it again.
        handle.queued.store(false, Ordering::Release);
        let waker = Waker::from(handle);
        let done = task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready();
        let mut slots = self.slots.borrow_mut();
        if let Some(s) = slots.get_mut(id.slot) {
            if done {
                s.handle = None;
                self.free.borrow_mut().push(id.slot);
            } else {
                s.task = Some(task);
            }
        }
    }
}

/// How the executor's wakes are delivered, for the lessons to say.
pub const HOW: &str = "the page's own executor: a task woken on the main thread is polled from a \
    microtask (queueMicrotask), and tasks that wake each other run in the same one; only a wake \
    from a web worker crosses with Atomics.waitAsync";
