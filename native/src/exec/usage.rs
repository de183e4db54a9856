//! What the kernel counts for us: CPU time (`getrusage`) and peak resident memory (`VmHWM`),
//! for this process and its children.

/// User + system CPU milliseconds of this process (all threads).
pub fn self_cpu_ms() -> f64 {
    rusage_ms(libc::RUSAGE_SELF)
}

/// User + system CPU milliseconds of this process's reaped children.
pub fn children_cpu_ms() -> f64 {
    rusage_ms(libc::RUSAGE_CHILDREN)
}

fn rusage_ms(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes a plain C struct that we zero-initialise and own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage; `who` is one of the documented constants.
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    if rc != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Reset this process's peak RSS to its current RSS (Linux: write 5 to /proc/self/clear_refs), so
/// the next [`peak_rss_kb`] is the peak of one run rather than of the whole program.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size of this process in KiB (`VmHWM`), if the platform tells.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_grows_with_work() {
        let before = super::self_cpu_ms();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed().as_millis() < 30 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(super::self_cpu_ms() > before, "{x}");
    }

    /// Set in the copy of the test binary that [`peak_rss_sees_a_big_allocation_and_resets`]
    /// starts, so that the measurement runs in a process of its own.
    const ALONE: &str = "INTERLEAVE_USAGE_TEST_ALONE";

    /// The peak is a property of the whole process, and the other tests of this binary run on
    /// threads beside this one, allocating and freeing pages; one of them freeing memory between
    /// our reset and our allocation once made the peak rise by less than we allocated (CI: 52,772
    /// → 93,392 KiB for 64 MiB). So the test runs itself again, alone, in a child process.
    #[test]
    fn peak_rss_sees_a_big_allocation_and_resets() {
        if std::env::var_os(ALONE).is_some() {
            measure_alone();
            return;
        }
        let name = "exec::usage::tests::peak_rss_sees_a_big_allocation_and_resets";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(ALONE, "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
    }

    fn measure_alone() {
        super::reset_peak_rss();
        let base = super::peak_rss_kb().unwrap();
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let peak = super::peak_rss_kb().unwrap();
        assert!(peak >= base + 60 * 1024, "{base} → {peak}");
        drop(big);
        super::reset_peak_rss();
        let after = super::peak_rss_kb().unwrap();
        assert!(after + 60 * 1024 <= peak, "reset: {peak} → {after}");
    }
}
