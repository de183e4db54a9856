//! What the operating system offers a run: cores, open files, an event loop.

use anyhow::Result;

/// A current-thread tokio runtime: the event loop of asyncio, one thread for all tasks.
pub fn event_loop() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Workers when `--workers` is not given: the cores this process may use.
pub fn default_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// Raise the open-files limit to its hard maximum: thousands of concurrent connections need
/// thousands of descriptors, and the default soft limit is often 1024.
pub fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit read and write a plain struct we own.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
