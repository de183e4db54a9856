//! SIGINT and SIGTERM during a master's run: caught, so the master stops its workers, its
//! broker and its hosts (namespaces and links no process death removes) before it exits.

use std::time::Duration;

/// Set by SIGINT or SIGTERM while a master runs.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// While it lives, SIGINT and SIGTERM only set [`INTERRUPTED`], so the master can stop its
/// workers, its broker and its hosts (namespaces and links no process death removes) before it
/// ends; the previous handlers come back when it is dropped.
pub struct InterruptGuard {
    old: [libc::sigaction; 2],
}

const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

impl InterruptGuard {
    /// Catch SIGINT and SIGTERM until the guard is dropped.
    pub fn install() -> Self {
        INTERRUPTED.store(false, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: sigaction(2) with a handler that only stores to an atomic (async-signal-safe);
        // zeroed sigaction structs are valid "no flags, empty mask" values.
        unsafe {
            let mut old: [libc::sigaction; 2] = std::mem::zeroed();
            for (i, sig) in SIGNALS.iter().enumerate() {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_interrupt as *const () as usize;
                libc::sigaction(*sig, &act, &mut old[i]);
            }
            InterruptGuard { old }
        }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        for (i, sig) in SIGNALS.iter().enumerate() {
            // SAFETY: restores the handler sigaction(2) gave back in `install`.
            unsafe { libc::sigaction(*sig, &self.old[i], std::ptr::null_mut()) };
        }
    }
}

/// Resolves once SIGINT or SIGTERM arrived.
pub async fn interrupted() {
    while !INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
