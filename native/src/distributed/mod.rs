//! The distributed lesson's machinery: the notes' master and workers (a `BaseManager` serving a
//! task queue and a result queue on the network behind an auth key), on NATS JetStream.
//!
//! - [`broker`]: a private Debian `nats-server` per run, behind a random key, swept after a kill.
//! - [`netns`]: hosts as network namespaces joined by veth to a bridge (root only).
//! - [`protocol`]: what master and workers agree on: answers, stream names, connecting.
//! - [`master`]: publish, start workers, kill one on request, collect, clean up; [`collect`]
//!   keeps one answer per task id; [`phases`] says where the master's time went; [`signals`]
//!   lets SIGINT/SIGTERM stop everything the master started; [`watch`] notices a broker that
//!   went away and ends the run within seconds, saying where and how far it got.
//! - [`worker`]: the `interleave worker` process.
//!
//! It takes plain option structs ([`MasterOptions`], [`JoinOptions`]), never the CLI's types;
//! the lesson's runner (`lessons::distributed`) and `bench` are its callers.

pub mod broker;
mod collect;
mod master;
pub mod netns;
mod phases;
mod protocol;
mod signals;
#[cfg(test)]
mod tests;
pub mod watch;
mod worker;

pub use master::{MasterOptions, MasterRun, run_master};
pub use phases::Phases;
pub use protocol::{Names, TaskAnswer, connect, create, publish, workers_consumer};
pub use worker::{JoinOptions, WorkerOptions, join, prefetch_for};

use interleave_shared::Requirement;

/// What `interleave clean` removed: leftovers of masters that no longer exist.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub stores: Vec<std::path::PathBuf>,
    pub hosts: netns::Swept,
}

/// Remove what masters killed outright left behind: broker stores, and (as root) namespaces,
/// bridges and veth links. A run does the same before it makes its own; this is for a machine
/// that will not run the lesson again soon.
pub fn sweep_leftovers() -> Leftovers {
    Leftovers {
        stores: broker::sweep_stale_stores(),
        hosts: netns::sweep_dead_masters(),
    }
}

/// Whether this machine meets `requirement` (root, a nats-server to start).
pub fn met(requirement: Requirement) -> bool {
    match requirement {
        Requirement::Root => crate::exec::is_root(),
        Requirement::Broker => broker::program().is_some(),
    }
}
