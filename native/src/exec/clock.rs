//! The native clock: `CLOCK_MONOTONIC`, which every process on the machine shares, so spans
//! reported by child processes land on the parent's time axis.

use interleave_shared::Clock;

/// Nanoseconds on the machine-wide monotonic clock.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes a timespec we own; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Milliseconds since this clock was made.
#[derive(Debug, Clone, Copy)]
pub struct MonoClock {
    t0_ns: u64,
}

impl MonoClock {
    /// Start counting now.
    pub fn start() -> Self {
        Self { t0_ns: mono_ns() }
    }

    /// The absolute [`mono_ns`] reading this clock counts from.
    pub fn t0_ns(&self) -> u64 {
        self.t0_ns
    }

    /// Convert an absolute [`mono_ns`] reading (possibly from another process) to this clock's ms.
    pub fn ms_of(&self, ns: u64) -> f64 {
        (ns as f64 - self.t0_ns as f64) / 1e6
    }
}

impl Clock for MonoClock {
    fn now_ms(&self) -> f64 {
        self.ms_of(mono_ns())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_from_now_are_non_negative_and_grow() {
        let c = MonoClock::start();
        let a = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = c.now_ms();
        assert!(a >= 0.0 && b > a + 1.0, "{a} {b}");
    }
}
