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

/// Whether this process runs as root (network namespaces need it).
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Where program `name` is: on PATH, or in the system directories Debian installs daemons to
/// (`/usr/sbin`, which a non-root user's PATH often lacks).
pub fn find_program(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(Into::into))
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
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

/// The variable through which a parent tells the children it starts its process id, so each
/// child can tie its life to that parent's ([`die_with_parent`]).
const PARENT_ENV: &str = "INTERLEAVE_PARENT";

/// A command for a hidden child mode of this same binary (`__worker`, `__daemon`, `__emit`),
/// carrying this process's id so the child dies with it.
pub fn child_command(exe: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(exe);
    mark_child(&mut command);
    command
}

/// Mark `command` as a child of this process, as [`child_command`] does, for a program started
/// through another (`ip netns exec … interleave worker`, which execs into the same process).
pub fn mark_child(command: &mut std::process::Command) {
    command.env(PARENT_ENV, std::process::id().to_string());
}

/// In a child started by [`child_command`]: ask the kernel to SIGKILL this process when its
/// parent dies, whatever ends the parent (a signal it does not catch, SIGKILL, a panic, a closed
/// terminal), so no worker keeps computing for a program that is gone. If the parent died
/// before the request took effect, exit now.
pub fn die_with_parent() {
    let Some(parent) = std::env::var(PARENT_ENV)
        .ok()
        .and_then(|p| p.parse::<libc::pid_t>().ok())
    else {
        return;
    };
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and touches no memory of ours;
    // getppid cannot fail.
    let parent_now = unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
        libc::getppid()
    };
    if parent_now != parent {
        std::process::exit(1);
    }
}
