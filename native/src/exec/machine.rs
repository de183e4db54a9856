//! A [`Machine`] sample around one execution: the calibration loop before and after, and what
//! the kernel counted for every CPU meanwhile (`/proc/stat`), less what this program and its
//! children used, so a slow parallel run is blamed on others only when others were busy.

use super::clock::MonoClock;
use super::usage;
use interleave_shared::Clock;
use interleave_shared::machine::{Machine, calibrate};

/// Runs shorter than this get no load figure: `/proc/stat` counts in jiffies (10 ms at the
/// usual 100 Hz), too coarse to tell a fraction of a core over less than a tenth of a second.
const SHORTEST_FOR_LOAD_MS: f64 = 100.0;

/// What the kernel counted for all CPUs so far, ms.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Counters {
    /// user + nice + system + irq + softirq.
    busy_ms: f64,
    /// Time the hypervisor ran something else on our virtual CPUs.
    steal_ms: f64,
}

/// The first line of `/proc/stat` ("cpu  user nice system idle iowait irq softirq steal …").
fn parse_counters(stat: &str, ms_per_tick: f64) -> Option<Counters> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let at = |i: usize| f.get(i).copied().unwrap_or(0.0);
    Some(Counters {
        busy_ms: (at(0) + at(1) + at(2) + at(5) + at(6)) * ms_per_tick,
        steal_ms: at(7) * ms_per_tick,
    })
}

fn counters() -> Option<Counters> {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    parse_counters(
        &std::fs::read_to_string("/proc/stat").ok()?,
        1000.0 / hz as f64,
    )
}

/// A sample being taken: start it just before an execution, finish it just after.
pub struct Sampler {
    core_before: f64,
    clock: MonoClock,
    kernel: Option<Counters>,
    own_ms: f64,
}

impl Sampler {
    /// Calibrate, then note the counters.
    pub fn start() -> Self {
        let core_before = calibrate(&MonoClock::start());
        Self {
            core_before,
            clock: MonoClock::start(),
            kernel: counters(),
            own_ms: usage::self_cpu_ms() + usage::children_cpu_ms(),
        }
    }

    /// Note the counters, then calibrate again.
    pub fn finish(self) -> Machine {
        let wall_ms = self.clock.now_ms();
        let kernel = counters();
        let own_ms = usage::self_cpu_ms() + usage::children_cpu_ms() - self.own_ms;
        let (other_cores, steal_cores) = match (self.kernel, kernel) {
            (Some(a), Some(b)) if wall_ms >= SHORTEST_FOR_LOAD_MS => (
                Some(((b.busy_ms - a.busy_ms - own_ms) / wall_ms).max(0.0)),
                Some(((b.steal_ms - a.steal_ms) / wall_ms).max(0.0)),
            ),
            _ => (None, None),
        };
        Machine {
            other_cores,
            steal_cores,
            core_ms: [self.core_before, calibrate(&MonoClock::start())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kernels_counters() {
        let stat = "cpu  100 5 20 900 3 1 2 7 0 0\ncpu0 50 2 10 450 1 0 1 3 0 0\n";
        let c = parse_counters(stat, 10.0).unwrap();
        assert_eq!(c.busy_ms, (100.0 + 5.0 + 20.0 + 1.0 + 2.0) * 10.0);
        assert_eq!(c.steal_ms, 70.0);
        assert_eq!(parse_counters("intr 1 2\n", 10.0), None);
        assert_eq!(parse_counters("cpu  1 x 3\n", 10.0), None);
    }

    #[test]
    fn a_quiet_sample_sees_little_other_load_and_a_calibrated_core() {
        let s = Sampler::start();
        let start = std::time::Instant::now();
        while start.elapsed().as_millis() < 150 {
            std::hint::black_box(0u64);
        }
        let m = s.finish();
        assert!(m.core_ms.iter().all(|ms| *ms > 0.0), "{m:?}");
        // This test's own spinning is ours, not another program's; other tests may run beside
        // it, so only the bounds are checked.
        if let Some(others) = m.other_cores {
            assert!((0.0..=64.0).contains(&others), "{m:?}");
        }
    }
}
