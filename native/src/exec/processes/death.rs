//! A child that stopped answering: which one, the task it held, how it ended, and stopping
//! the others so the run reports at once.

use super::Children;
use super::reader::ChildAnswers;
use interleave_shared::task::Task;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Mutex;

/// How a child that stopped answering ended.
pub(super) struct Died {
    pid: u32,
    status: ExitStatus,
}

impl Died {
    /// "worker process 1 (pid 4242) was killed by signal 9 (SIGKILL) while running task 7".
    pub(super) fn story(&self, c: usize, running: Option<u32>) -> String {
        let how = how_it_ended(self.status);
        let task = running.map_or_else(
            || " after its last task".to_string(),
            |t| format!(" while running task {t}"),
        );
        format!(
            "worker process {c} (pid {}) {how}{task}; the other workers were stopped",
            self.pid
        )
    }
}

/// "was killed by signal 9 (SIGKILL)", "exited with status 3": how a child ended, in the words
/// every process strategy uses, so a learner and a test read the same sentence whoever died.
pub fn how_it_ended(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(sig), _) => format!("was killed by signal {sig} ({})", signal_name(sig)),
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => format!("ended ({status})"),
    }
}

/// Reap child `dead` (its stdout closed, so it has ended or is about to) and kill every other
/// child. `None` if `dead` is still running after a moment (it closed stdout but lives on), or
/// if it was one of those killed because another child failed first.
pub(super) fn stop_all_but(children: &Mutex<Children>, dead: usize) -> Option<Died> {
    let mut all = children.lock().unwrap_or_else(|p| p.into_inner());
    if all.1.is_some_and(|first| first != dead) {
        return None;
    }
    all.1 = Some(dead);
    for (c, slot) in all.0.iter_mut().enumerate() {
        if c != dead
            && let Some(child) = slot
        {
            let _ = child.kill();
        }
    }
    let child = all.0.get_mut(dead)?.as_mut()?;
    let pid = child.id();
    for _ in 0..50 {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(Died { pid, status });
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    None
}

/// The first task of `tasks` with no answer. Linear: the answers are gathered into a set once
/// (scanning every answer for every task took tens of seconds for a child killed a million
/// items into a run, while the user waited for the report).
pub(super) fn unanswered(tasks: &[Task], answers: Option<&ChildAnswers>) -> Option<u32> {
    let done: std::collections::HashSet<u32> = answers
        .map(|a| a.outputs.iter().map(|(id, _)| *id).collect())
        .unwrap_or_default();
    tasks.iter().map(|t| t.id).find(|id| !done.contains(id))
}

/// The usual name of a signal number on Linux.
fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}
