//! The bounded queue between the parent (the producer) and its children (the consumers):
//! credit for tasks in flight, how often the producer waited for room, and the fill over time.

use crate::exec::clock::MonoClock;
use interleave_shared::Clock;
use std::sync::{Condvar, Mutex};

/// The bounded queue's credit: tasks in flight, and how often the producer found it full.
#[derive(Debug, Default)]
pub(super) struct Credit {
    pub(super) state: Mutex<CreditState>,
    pub(super) room: Condvar,
}

#[derive(Debug, Default)]
pub(super) struct CreditState {
    pub(super) in_flight: usize,
    pub(super) waits: u64,
    pub(super) max_in_flight: usize,
    /// A reader stopped (a child ended): nobody will make room any more.
    pub(super) closed: bool,
    /// `(ms, tasks in flight)` at every change, for the queue's fill over time.
    pub(super) levels: Vec<(f64, u32)>,
}

/// Raw fill samples kept before thinning: bounds memory on a run of a million tasks.
const MAX_RAW_LEVELS: usize = 200_000;

impl CreditState {
    pub(super) fn level(&mut self, at_ms: f64) {
        if self.levels.len() < MAX_RAW_LEVELS {
            self.levels.push((at_ms, self.in_flight as u32));
        }
    }
}

impl Credit {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, CreditState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for room for one more task; false when the queue was closed meanwhile.
    // @code queue:processes
    pub(super) fn take(&self, bound: usize, clock: &MonoClock) -> bool {
        let mut s = self.lock();
        if s.in_flight >= bound && !s.closed {
            s.waits += 1;
        }
        while s.in_flight >= bound && !s.closed {
            s = self.room.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        if s.closed {
            return false;
        }
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        s.level(clock.now_ms());
        true
    }
    // @end

    pub(super) fn give(&self, clock: &MonoClock) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        s.level(clock.now_ms());
        self.room.notify_all();
    }

    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.room.notify_all();
    }
}
