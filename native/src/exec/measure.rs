//! Measuring one execution: wall time, CPU time and peak memory, as the kernel counts them.

use super::clock::MonoClock;
use super::usage;
use anyhow::Result;
use interleave_shared::{Clock, Timing};

/// Run `f` with a fresh clock and measure it: wall time, CPU time of this process and its
/// reaped children, and this process's peak RSS during the run. A runner whose children report
/// their own peaks adds them to `peak_rss_kb`.
pub fn measure<T>(f: impl FnOnce(&MonoClock) -> Result<T>) -> Result<(T, Timing)> {
    usage::reset_peak_rss();
    let cpu0 = usage::self_cpu_ms() + usage::children_cpu_ms();
    let clock = MonoClock::start();
    let out = f(&clock)?;
    let wall_ms = clock.now_ms();
    let cpu_ms = usage::self_cpu_ms() + usage::children_cpu_ms() - cpu0;
    Ok((
        out,
        Timing {
            wall_ms,
            cpu_ms: Some(cpu_ms),
            peak_rss_kb: usage::peak_rss_kb(),
        },
    ))
}
