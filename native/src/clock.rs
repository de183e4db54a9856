//! The native clock: a monotonic `Instant` taken when a run starts.

use interleave_shared::Clock;
use std::time::Instant;

/// Milliseconds since this clock was made.
#[derive(Debug, Clone, Copy)]
pub struct InstantClock(Instant);

impl InstantClock {
    /// Start counting now.
    pub fn start() -> Self {
        Self(Instant::now())
    }
}

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1e3
    }
}
