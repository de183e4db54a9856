//! What the machine was doing while a strategy ran, so that a run slower than its lesson says
//! is blamed on what really happened. On a small VM two things pass for "the parallel run was
//! slow" and look alike in the spans: another program (or the hypervisor) took cores, or the
//! cores themselves ran slower for a while (this VM's single-core speed drifts by tens of
//! percent between runs). A [`Machine`] sample measures both: the cores others kept busy
//! (natively, from the kernel's counters) and a fixed calibration loop timed on one thread just
//! before and just after the run.

use crate::clock::Clock;
use serde::{Deserialize, Serialize};

/// The machine around one execution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores kept busy by other programs during the run, on average (all CPU time the kernel
    /// counted, less this program's and its children's). `None` where the platform does not
    /// tell (the browser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_cores: Option<f64>,
    /// Cores the hypervisor took from this VM during the run (`steal`), on average; `None`
    /// where the platform does not tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_cores: Option<f64>,
    /// The calibration loop's time on one thread just before the run and just after, ms
    /// (lower is a faster core).
    pub core_ms: [f64; 2],
}

impl Machine {
    /// The core's speed around the run, as the calibration's mean time (ms).
    pub fn core_speed_ms(&self) -> f64 {
        (self.core_ms[0] + self.core_ms[1]) / 2.0
    }
}

/// Iterations of the calibration loop: about half a millisecond on this project's 2-core VM,
/// natively and in wasm, so three of them cost little before and after each run.
pub const CALIBRATION_ITERATIONS: u32 = 1 << 19;

/// Time the calibration loop three times on this thread and return the fastest, in ms: a fixed
/// amount of integer work whose time follows the core's speed (the fastest of three drops a
/// single preemption).
pub fn calibrate(clock: &dyn Clock) -> f64 {
    (0..3)
        .map(|_| {
            let start = clock.now_ms();
            std::hint::black_box(spin(CALIBRATION_ITERATIONS));
            clock.now_ms() - start
        })
        .fold(f64::INFINITY, f64::min)
}

/// A dependent chain of multiply-adds the compiler cannot shorten.
fn spin(iterations: u32) -> u64 {
    let mut x = std::hint::black_box(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..iterations {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
    x
}

/// How many times slower `slow`'s core ran than `base`'s, from their calibrations; `None`
/// when either was not sampled.
pub fn slowdown(slow: Option<&Machine>, base: Option<&Machine>) -> Option<f64> {
    let (s, b) = (slow?, base?);
    (b.core_speed_ms() > 0.0).then(|| s.core_speed_ms() / b.core_speed_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock that advances exactly 1 ms per reading.
    struct Ticks(std::sync::atomic::AtomicU64);
    impl Clock for Ticks {
        fn now_ms(&self) -> f64 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64
        }
    }

    #[test]
    fn calibration_takes_the_fastest_of_three() {
        // Every timing on that clock is exactly 1 ms.
        assert_eq!(calibrate(&Ticks(Default::default())), 1.0);
    }

    #[test]
    fn slowdown_compares_mean_core_times() {
        let m = |a, b| Machine {
            other_cores: None,
            steal_cores: None,
            core_ms: [a, b],
        };
        assert_eq!(slowdown(Some(&m(1.4, 1.6)), Some(&m(1.0, 1.0))), Some(1.5));
        assert_eq!(slowdown(None, Some(&m(1.0, 1.0))), None);
        assert_eq!(slowdown(Some(&m(1.0, 1.0)), Some(&m(0.0, 0.0))), None);
    }

    #[test]
    fn the_loop_is_real_work() {
        assert_ne!(spin(1000), spin(1001));
    }
}
