//! # interleave-shared: the lessons, free of any platform
//!
//! Every lesson of Interleave lives here as data plus pure functions: how its work splits into
//! tasks, the exact answer it must produce (a closed form or a sequential reference), and the check
//! that compares the two. The runners in `native/` (OS threads, rayon, tokio, child processes) and
//! in `web/` (the main thread, async tasks, a web-worker pool) only *schedule* those tasks and time
//! them; they never compute answers of their own. That is what lets the page and the CLI put their
//! rows side by side and trust that they did the same work.
//!
//! Layout:
//! - [`catalogue`]: the typed identity of lessons ([`LessonId`]) and strategies ([`StrategyId`]),
//!   and what runs a strategy's tasks ([`catalogue::Runs`]), from which limits follow.
//! - [`request`]: one request type for the CLI, the companion API and the page, validated once.
//! - [`check`]: [`Checked`], a result beside its reference answer.
//! - [`task`]: the protocol for workers that share no memory (child processes, web workers).
//! - [`tasks`]: the recorder both runtimes wrap async tasks in: every task's states over a run.
//! - [`explore`]: step models of the race and the deadlock, replayed or enumerated in full.
//! - [`claims`]: what each lesson says a learner should see, checked against every run; [`facts`]:
//!   the measured numbers those checks read.
//! - [`record`]: [`RunRecord`] and [`Span`], the one format every view (table, JSON, trace,
//!   timeline, verdict) renders; [`detail`]: the data only some lessons' records carry.
//! - [`format`]: formatting helpers the prose of claims and verdicts shares.
//! - [`trace`]: the records as a Chrome Trace Event file (Perfetto), from the CLI or the page.
//! - [`code`]: the markers that cut the code excerpts the page shows beside a run out of these
//!   sources (the web crate's build script reads them).
//! - [`params`]: validated run parameters; bad values become a [`ParamError`] that names the value
//!   and the allowed range.
//! - [`clock`]: the [`Clock`] trait, so spans are timed the same way on both targets.
//! - [`strategy`]: the strategies that are identical on both targets (sequential, rayon's
//!   `par_iter`), generic over a [`Workload`].
//! - [`glossary`]: the words a learner may not know, with one plain line each.
//! - [`lane`]: what each timeline lane is (a worker, a producer, a consumer).
//! - [`visual`]: the picture of a lesson's state (steps done, queue fill, connections, cost on a
//!   log scale) as bars computed from a run's facts.
//! - [`lessons`]: one module per lesson (its [`lessons::LessonInfo`] and its pure work).
//!
//! Nothing in this crate does I/O: no files, sockets, clocks or threads of its own (rayon's pool
//! is provided by the caller's platform).
#![deny(missing_docs)]
// The page is built for size (opt-level "z", see the workspace's `web-release` profile); the
// compute kernels ask for speed back with `#[optimize(speed)]`, which is still unstable. Only the
// WebAssembly build uses it, so native builds stay on stable features.
#![cfg_attr(target_arch = "wasm32", feature(optimize_attribute))]

pub mod catalogue;
pub mod check;
pub mod claims;
pub mod clock;
pub mod code;
pub mod detail;
mod error;
pub mod explore;
pub mod facts;
pub mod format;
pub mod glossary;
pub mod lane;
pub mod lessons;
pub mod machine;
pub mod params;
pub mod prediction;
pub mod record;
pub mod request;
pub mod strategy;
pub mod sync;
pub mod task;
pub mod tasks;
pub mod trace;
pub mod verdict;
pub mod visual;

pub use catalogue::{LessonId, Requirement, Runs, Strategy, StrategyId};
pub use check::Checked;
pub use clock::Clock;
pub use error::ParamError;
pub use facts::Fact;
pub use params::{ParamSpec, Params};
pub use record::{Execution, Repeats, RunRecord, Side, Span, SpanKind, Timing};
pub use request::{Request, RunBody};
pub use strategy::{TaskRun, Workload};
