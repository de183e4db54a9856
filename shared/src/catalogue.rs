//! Who is who: the typed identity of every lesson and strategy, and the data that describes
//! what runs a strategy's tasks.
//!
//! Names are strings only at the edges (CLI flags, URL parameters, JSON); inside, a lesson is a
//! [`LessonId`] and a strategy a [`StrategyId`], so code that dispatches on them is a `match`
//! the compiler checks for completeness. What a strategy *is* (threads, child processes, async
//! tasks on one thread, web workers …) is data ([`Runs`]), and limits, defaults and notes follow
//! from that data rather than from a strategy's name.

use crate::params::WORKERS;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Declares a C-like enum whose variants have fixed external names, with the name table, parsing,
/// `Display` and serde as that name. One table, so the name of a variant cannot differ between
/// the CLI, the URL and the JSON.
macro_rules! named {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $var:ident = $name:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $( $(#[$vmeta])* $var, )*
        }

        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$var,)*];

            /// The external name (CLI, URL, JSON).
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$var => $name,)*
                }
            }

            /// Parse an external name; `None` if there is no such value.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                Self::from_name(&name).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.name()).collect();
                    D::Error::custom(format!(
                        concat!("unknown ", $what, " '{}'; known: {}"),
                        name,
                        known.join(", ")
                    ))
                })
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.name() == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.name() == *other
            }
        }
    };
}

named! {
    /// A lesson of the catalogue, in teaching order.
    pub enum LessonId ("lesson") {
        /// CPU-bound work: a sum of squares.
        Cpu = "cpu",
        /// I/O-bound work: downloading pages.
        Io = "io",
        /// Lost updates on a shared balance.
        Race = "race",
        /// Two locks in opposite orders.
        Deadlock = "deadlock",
        /// Producers and consumers over a bounded queue.
        Queue = "queue",
        /// The database insertion worker.
        Db = "db",
        /// The pool API: map, starmap, apply_async.
        Pools = "pools",
        /// Thread-local state: one client per thread.
        Local = "local",
        /// Daemon threads cut off when main returns.
        Daemon = "daemon",
        /// Processes, pipes and a queue between processes.
        Processes = "processes",
        /// Generator-style coroutines taking turns.
        Coroutine = "coroutine",
        /// What one task costs to start.
        Cost = "cost",
        /// A master and workers on several machines, through a broker.
        Distributed = "distributed",
        /// One thread, many async tasks: states over time, blocking vs offloaded, yielding,
        /// cancellation.
        EventLoop = "event-loop",
    }
}

named! {
    /// A strategy: one way of running a lesson's work. Names repeat across lessons (`async` means
    /// async tasks on one thread wherever it appears); what each runs on is in the lesson's
    /// [`Strategy`] entries.
    pub enum StrategyId ("strategy") {
        /// One task after another on the calling thread.
        Sequential = "sequential",
        /// OS threads spawned for the run.
        Threads = "threads",
        /// A fixed pool of workers fed by one queue.
        Pool = "pool",
        /// rayon's work stealing.
        Rayon = "rayon",
        /// Async tasks on one thread.
        Async = "async",
        /// Child processes.
        Processes = "processes",
        /// One process per core, each with async tasks.
        Hybrid = "hybrid",
        /// Message-passing web workers.
        Workers = "workers",
        /// race: separate read and write.
        Unsynchronized = "unsynchronized",
        /// race: a lock around each update.
        Mutex = "mutex",
        /// race: one atomic read-modify-write.
        Atomic = "atomic",
        /// deadlock: the two workers take the locks in opposite orders.
        OppositeOrder = "opposite-order",
        /// deadlock: both take A before B.
        Ordered = "ordered",
        /// pools: `map`, one item per task.
        Map = "map",
        /// pools: `map` with a chunk size.
        MapChunked = "map-chunked",
        /// pools: `starmap`, several arguments per call.
        Starmap = "starmap",
        /// pools: `apply_async` with callbacks.
        ApplyAsync = "apply-async",
        /// pools: `map` on a pool of processes.
        ProcessesMap = "processes-map",
        /// pools: chunked `map` on a pool of processes.
        ProcessesMapChunked = "processes-map-chunked",
        /// pools: `map` on web workers.
        WorkersMap = "workers-map",
        /// pools: chunked `map` on web workers.
        WorkersMapChunked = "workers-map-chunked",
        /// coroutine: an explicit resumable state machine.
        StateMachine = "state-machine",
        /// db: one writer committing batches.
        Batched = "batched",
        /// db: one writer committing every row.
        PerRow = "per-row",
        /// db: every producer writes for itself.
        Contending = "contending",
        /// local: one client per thread.
        PerThread = "per-thread",
        /// local: one client shared by all threads.
        Shared = "shared",
        /// local: a new client per request.
        PerRequest = "per-request",
        /// daemon: the background thread is not joined.
        Daemon = "daemon",
        /// daemon: main joins the background thread.
        Joined = "joined",
        /// processes: start children and wait for them.
        Spawn = "spawn",
        /// processes: a child's stdin and stdout.
        Pipe = "pipe",
        /// processes: a pipe from one child to another.
        Queue = "queue",
        /// cost: an async task.
        AsyncTask = "async-task",
        /// cost: a job on a running pool.
        PoolJob = "pool-job",
        /// cost: a new OS thread.
        Thread = "thread",
        /// cost: a new process.
        Process = "process",
        /// cost: a message round trip to a running web worker.
        WorkerMessage = "worker-message",
        /// event-loop: every task awaits between rounds.
        Cooperative = "cooperative",
        /// event-loop: one task makes a blocking call inside the loop.
        Blocking = "blocking",
        /// event-loop: the same call handed to a thread.
        Offloaded = "offloaded",
        /// event-loop: the same time spent computing, in slices with yields between them.
        Yielding = "yielding",
        /// event-loop: a timeout cancels one task mid-await; another fails.
        Cancelled = "cancelled",
        /// cost: starting a web worker.
        WorkerStart = "worker-start",
        /// distributed: the same tasks on an in-process pool (the baseline).
        LocalPool = "local-pool",
        /// distributed: worker processes taking tasks from a broker.
        Broker = "broker",
        /// distributed: the same, each worker in a network namespace of its own: a host.
        Hosts = "hosts",
    }
}

/// What runs a strategy's tasks. Limits ([`Runs::max_workers`]), whether `--workers` applies,
/// and the caveats a row carries follow from this, for every strategy that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runs {
    /// The calling thread, one task after another: one worker, whatever `--workers` says.
    Caller,
    /// OS threads started for the run (one per worker).
    Threads,
    /// A fixed set of OS threads that take tasks from a queue (a thread pool, rayon).
    ThreadPool,
    /// Async tasks on one thread's event loop: workers are the concurrency limit, not threads.
    EventLoop,
    /// Child processes, one per worker, each running one task at a time.
    Processes,
    /// One child process per core, each running its share of the workers as async tasks.
    ProcessesWithEventLoops,
    /// A fixed number of child processes the lesson starts itself; `--workers` does not apply.
    OwnProcesses(u32),
    /// Browser: web workers sharing the page's memory (wasm-bindgen-rayon), one per worker.
    SharedMemoryWorkers,
    /// Browser: web workers with memory of their own, fed by messages, one per worker.
    MessageWorkers,
}

/// Most OS threads one run may start.
pub const MAX_THREADS: u32 = 1024;

/// Most child processes (or message-passing web workers) one run may start: each is a whole
/// program with its own memory.
pub const MAX_PROCESSES: u32 = 64;

impl Runs {
    /// The most workers a run may ask for: heavy workers are capped lower than async tasks.
    pub const fn max_workers(self) -> u32 {
        match self {
            Runs::Threads | Runs::ThreadPool | Runs::SharedMemoryWorkers => MAX_THREADS,
            Runs::Processes | Runs::MessageWorkers => MAX_PROCESSES,
            Runs::Caller
            | Runs::EventLoop
            | Runs::ProcessesWithEventLoops
            | Runs::OwnProcesses(_) => WORKERS.max as u32,
        }
    }

    /// What one worker is, for messages ("each worker is a whole OS process").
    pub const fn worker_noun(self) -> &'static str {
        match self {
            Runs::Caller => "task on the calling thread",
            Runs::Threads | Runs::ThreadPool => "OS thread",
            Runs::EventLoop => "async task",
            Runs::Processes | Runs::ProcessesWithEventLoops | Runs::OwnProcesses(_) => "OS process",
            Runs::SharedMemoryWorkers => "web worker sharing the page's memory",
            Runs::MessageWorkers => "web worker with its own copy of the program",
        }
    }

    /// Whether the run's worker count is the `workers` parameter. `Caller` always uses one and
    /// `OwnProcesses` its own number; the lesson reports those itself.
    pub const fn takes_workers(self) -> bool {
        !matches!(self, Runs::Caller | Runs::OwnProcesses(_))
    }

    /// Whether each worker starts a copy of the whole program (a process, a web worker with its
    /// own memory), so start-up and copying are part of what is measured.
    pub const fn starts_programs(self) -> bool {
        matches!(
            self,
            Runs::Processes
                | Runs::ProcessesWithEventLoops
                | Runs::OwnProcesses(_)
                | Runs::MessageWorkers
        )
    }
}

/// A strategy as one lesson offers it on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// Which strategy.
    pub id: StrategyId,
    /// What runs its tasks.
    pub runs: Runs,
    /// A tighter size bound for this strategy (each task starts a whole program, say).
    pub max_size: Option<SizeCap>,
    /// Its wrong result is the point of the lesson (the race's lost updates): shown as such,
    /// and it does not fail a run.
    pub shows_bug: bool,
    /// What it needs from the machine beyond the binary (root, a broker program): `compare`
    /// leaves it out where one is missing, and tests skip it there saying why.
    pub requires: &'static [Requirement],
}

/// Something a strategy needs from the machine it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Root: network namespaces and veth links (the distributed lesson's hosts).
    Root,
    /// Debian's `nats-server` on the machine (the distributed lesson starts one per run).
    Broker,
}

impl Requirement {
    /// What is missing, in words, when it is.
    pub const fn describe(self) -> &'static str {
        match self {
            Requirement::Root => "root (network namespaces)",
            Requirement::Broker => "nats-server (scripts/setup installs it)",
        }
    }
}

/// A strategy's own size bound, with the reason given in the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeCap {
    /// Largest size this strategy accepts.
    pub max: u64,
    /// Why, as shown after the range ("each is a whole program start").
    pub why: &'static str,
}

impl Strategy {
    /// A strategy run by `runs`, with no bounds of its own.
    pub const fn new(id: StrategyId, runs: Runs) -> Self {
        Self {
            id,
            runs,
            max_size: None,
            shows_bug: false,
            requires: &[],
        }
    }

    /// This strategy needs `requires` from the machine.
    pub const fn requiring(mut self, requires: &'static [Requirement]) -> Self {
        self.requires = requires;
        self
    }

    /// This strategy exists to show a bug.
    pub const fn showing_bug(mut self) -> Self {
        self.shows_bug = true;
        self
    }

    /// This strategy accepts sizes up to `max` only, because `why`.
    pub const fn capped(mut self, max: u64, why: &'static str) -> Self {
        self.max_size = Some(SizeCap { max, why });
        self
    }

    /// Workers this strategy really ran with, given the `workers` parameter.
    pub const fn workers_given(self, workers: u32) -> u32 {
        match self.runs {
            Runs::Caller => 1,
            Runs::OwnProcesses(n) => n,
            _ => workers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parsing_display_and_json() {
        for s in StrategyId::ALL {
            assert_eq!(StrategyId::from_name(s.name()), Some(*s));
            assert_eq!(s.to_string(), s.name());
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(serde_json::from_str::<StrategyId>(&json).unwrap(), *s);
        }
        for l in LessonId::ALL {
            assert_eq!(LessonId::from_name(l.name()), Some(*l));
        }
        assert_eq!(StrategyId::OppositeOrder.name(), "opposite-order");
        assert!(StrategyId::Sequential == "sequential");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = StrategyId::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn an_unknown_name_in_json_lists_the_known_ones() {
        let err = serde_json::from_str::<LessonId>("\"gpu\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown lesson 'gpu'") && err.contains("cpu"),
            "{err}"
        );
    }

    #[test]
    fn heavy_workers_are_capped_lower_than_async_tasks() {
        assert_eq!(Runs::Processes.max_workers(), MAX_PROCESSES);
        assert_eq!(Runs::Threads.max_workers(), MAX_THREADS);
        assert_eq!(Runs::EventLoop.max_workers(), WORKERS.max as u32);
        let seq = Strategy::new(StrategyId::Sequential, Runs::Caller);
        assert_eq!(seq.workers_given(8), 1);
        assert_eq!(
            Strategy::new(StrategyId::Queue, Runs::OwnProcesses(2)).workers_given(8),
            2
        );
    }
}
