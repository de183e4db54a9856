//! CPU time as the kernel counts it (`getrusage`): user + system, of this process's threads and,
//! separately, of its reaped children.

/// User + system CPU milliseconds of this process (all threads).
pub fn self_cpu_ms() -> f64 {
    rusage_ms(libc::RUSAGE_SELF)
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
}
