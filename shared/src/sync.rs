//! One place that picks the synchronisation types, as Loom's README shows: normal builds use
//! `std`, `--cfg loom` builds use loom's models, so the race lesson's code is checked exhaustively
//! (every interleaving) by the same source that the CLI and the page run.

#[cfg(loom)]
pub use loom::sync::Mutex;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicI64, Ordering};

#[cfg(not(loom))]
pub use std::sync::Mutex;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicI64, Ordering};
