//! The toolkit every native lesson runner uses, and nothing lesson-specific: measuring an
//! execution, the ways of running tasks (threads, a queue-fed pool, rayon, child processes, an
//! event loop), HTTP clients, and the OS facts a run needs (cores, open-file limits).
//!
//! Imports point one way: the coordinator (`run`) → `lessons` → `exec` → `interleave-shared`.
//! Nothing here knows a lesson by name, and this file only names what its modules offer.

pub mod clock;
pub mod fetch;
pub mod machine;
mod measure;
pub mod memory;
mod os;
mod pool;
pub mod processes;
mod rayon_pools;
#[cfg(test)]
mod testing;
mod threads;
pub mod usage;
pub mod worker;

pub use clock::MonoClock;
pub use measure::measure;
pub use os::{
    child_command, default_workers, die_with_parent, event_loop, find_program, is_root, mark_child,
    raise_fd_limit,
};
pub use pool::pool;
pub use rayon_pools::rayon_pool;
pub use threads::threads;
