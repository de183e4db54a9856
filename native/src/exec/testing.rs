//! A workload for the toolkit's own tests.

use interleave_shared::Workload;

/// `n` tasks; task `t` answers `3·t`, so outputs show which task ran.
pub struct Ids(pub usize);

impl Workload for Ids {
    type Output = usize;
    fn task_count(&self) -> usize {
        self.0
    }
    fn run_task(&self, task: usize) -> usize {
        task * 3
    }
}
