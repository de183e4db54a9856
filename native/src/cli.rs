//! Command-line interface: the contract in the README, in clap's derive form.

pub use crate::lessons::daemon::DaemonMode;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The companion's default address; Trunk.toml's `[[proxy]]` forwards the page's `/api` here.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3917";

/// Run Interleave's concurrency lessons on real OS threads, rayon, tokio and child processes,
/// and serve the companion API the playground page talks to.
#[derive(Debug, Parser)]
#[command(name = "interleave", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List lessons, their strategies and parameter defaults.
    List(ListArgs),
    /// Run one lesson with some strategies and compare them.
    Run(RunArgs),
    /// Step through a lesson's interleavings by hand, or count them all (race, deadlock).
    #[command(
        after_help = "A step is one worker's next operation; a schedule is a maximal sequence of steps.\n\n\
        Examples:\n  interleave explore race --strategy unsynchronized --all\n  \
        interleave explore race --strategy unsynchronized --schedule 0,1,0,0,1,1,1,0\n  \
        interleave explore deadlock --strategy opposite-order --all --json"
    )]
    Explore(ExploreArgs),
    /// Run every lesson with every native strategy and print one table.
    #[command(
        after_help = "Runs each lesson at its default size (or a small one with --quick) on every native \
        strategy,\nso one table shows where threads, async and processes help and where they do not.\n\n\
        Example:\n  interleave compare --quick"
    )]
    Compare(CompareArgs),
    /// Serve the companion API (health, delays for I/O lessons, native runs) on loopback.
    #[command(
        after_help = "The page reaches it through Trunk's /api proxy: /api/health, \
        /api/delay/{ms}?bytes=N,\nand POST /api/run for native rows beside browser rows. Ctrl-C stops it.\n\n\
        Example:\n  interleave serve --addr 127.0.0.1:3917"
    )]
    Serve(ServeArgs),
    /// Measure: cpu and io on every native strategy, the task-cost ladder, and the companion
    /// under 10,000 concurrent requests; prints medians and ratios.
    #[command(
        after_help = "Takes about a minute on 2 cores. Figures, not pass/fail: compare ratios from run to run.\n\n\
        Example:\n  cargo run --release -p interleave -- bench"
    )]
    Bench(BenchArgs),
    /// Join a distributed run as one worker: take tasks from a master's broker, answer them.
    #[command(
        name = "worker",
        after_help = "A worker on another machine joins a master's run (interleave run distributed) \
        through its broker:\n\n  INTERLEAVE_TOKEN=KEY interleave worker --broker nats://10.0.0.5:4222\n\n\
        A wrong key or an unreachable broker exits with status 2 and says which."
    )]
    Worker(WorkerArgs),
    /// Remove what distributed runs killed outright left behind (broker stores; as root, the
    /// hosts strategy's namespaces, bridges and links), keeping those of masters still running.
    #[command(
        after_help = "A run sweeps these itself before it starts; use this on a machine that will not run the
        distributed lesson again soon.

Example:
  sudo interleave clean"
    )]
    Clean,
    /// Internal: the child side of the processes strategies (reads tasks on stdin).
    #[command(name = "__worker", hide = true)]
    TaskChild,
    /// Internal: the daemon lesson's child program.
    #[command(name = "__daemon", hide = true)]
    Daemon {
        /// Whether main joins the background thread.
        mode: DaemonMode,
        /// Steps the background thread wants to do.
        steps: u64,
        /// Milliseconds per step.
        step_ms: u64,
    },
    /// Internal: the writer process of the processes lesson's queue.
    #[command(name = "__emit", hide = true)]
    Emit {
        /// How many numbers to write.
        n: u64,
    },
}

/// Flags of `interleave bench`. `--soak`, `--claims` and `--distributed` each replace the
/// figures with another measurement, so clap refuses more than one of them; [`BenchArgs::mode`]
/// turns the flags into the one [`BenchMode`] the bench dispatches on.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("bench_mode").multiple(false).args(["soak", "claims", "distributed"])))]
pub struct BenchArgs {
    /// Timed repeats per figure (after a warm-up).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub repeat: u32,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also build the release page and measure it in headless Chromium (needs trunk, node with
    /// playwright-core and chromium, as `scripts/setup test` installs), then write
    /// docs/benchmarks.md. Run from the repository root.
    #[arg(long)]
    pub browser: bool,
    /// N for the cpu comparison across sides. The default, 5·10⁸, is about 0.1 s of sequential
    /// work: long enough that waking a sleeping thread (milliseconds on a small VM) is noise, and
    /// still below 2²⁹, so every number goes through the kernel's fastest tier on both sides.
    #[arg(long, default_value_t = 500_000_000)]
    pub size: u64,
    /// Workers on both sides [default: available cores].
    #[arg(long)]
    pub workers: Option<u32>,
    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Instead of the figures, soak the companion for SECS seconds under mixed load (delayed
    /// pages, health checks, native runs) and print errors and its resident memory over time.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(10..=3600))]
    pub soak: Option<u64>,
    /// Instead of the figures, run every lesson `--runs` times at its defaults and count how
    /// often each of its claims held (the teaching-integrity tally; the bar is 19 of 20
    /// natively, 9 of 10 in the browser). With `--browser`: fresh page loads in headless
    /// Chromium, as a page and as an embed.
    #[arg(long)]
    pub claims: bool,
    /// Runs per lesson for `--claims`.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Instead of the figures, measure the distributed lesson: tasks per second through its
    /// broker path, its in-process pool, and a raw JetStream publish-and-consume loop (needs
    /// nats-server). `--workers` defaults to 2 here.
    #[arg(long)]
    pub distributed: bool,
    /// Small tasks (1,000 numbers each) for `--distributed`.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub tasks: u64,
    /// Only these lessons for `--claims` (comma-separated) [default: all].
    #[arg(long, value_name = "LIST")]
    pub lessons: Option<String>,
}

/// What `interleave bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchMode {
    /// The figures (with `--browser`, the page's too).
    Figures,
    /// The companion under mixed load for this many seconds.
    Soak(u64),
    /// How often each lesson's claims hold (with `--browser`, in Chromium).
    Claims,
    /// The distributed lesson's throughput.
    Distributed,
}

impl BenchArgs {
    /// The one mode the flags select (clap has already refused two at once).
    pub fn mode(&self) -> BenchMode {
        match (self.soak, self.claims, self.distributed) {
            (Some(seconds), _, _) => BenchMode::Soak(seconds),
            (None, true, _) => BenchMode::Claims,
            (None, false, true) => BenchMode::Distributed,
            (None, false, false) => BenchMode::Figures,
        }
    }
}

/// Flags of `interleave explore`: a lesson's step model (`LESSON --strategy S`) or a program of
/// the learner's own (`--program FILE`), counted (`--all`) or replayed (`--schedule`).
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["all", "schedule"])))]
pub struct ExploreArgs {
    /// Lesson with a step model: race or deadlock (or give --program instead).
    #[arg(required_unless_present = "program", conflicts_with = "program")]
    pub lesson: Option<String>,
    /// The strategy to model (race: unsynchronized, mutex, atomic; deadlock: opposite-order,
    /// ordered).
    #[arg(
        long,
        short,
        required_unless_present = "program",
        conflicts_with = "program"
    )]
    pub strategy: Option<String>,
    /// Workers in the model.
    #[arg(long, short, default_value_t = 2)]
    pub workers: u32,
    /// Rounds each worker runs.
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
    /// A program of your own (threads or tasks, shared variables, locks, asserts): see
    /// docs/cli.md, "Your own program".
    #[arg(long, value_name = "FILE")]
    pub program: Option<PathBuf>,
    /// With --program: count only schedules with at most N preemptions (a switch away from a
    /// thread that could still step), as Loom's LOOM_MAX_PREEMPTIONS does.
    #[arg(long, value_name = "N", requires = "program", value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub max_preemptions: Option<u32>,
    /// Enumerate every schedule: how many, how many go wrong, and the shortest wrong one.
    #[arg(long)]
    pub all: bool,
    /// Replay one schedule, step by step: the worker of each step, e.g. `0,1,1,0`.
    #[arg(long, value_name = "WORKERS", allow_hyphen_values = true)]
    pub schedule: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `interleave list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the catalogue as JSON: `[{"lesson","title","native":[..],"web":[..],"size":{..}}]`.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `interleave compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Print the RunRecords as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Small sizes (cpu 10⁷, io 20 pages × 50 ms), for a look in a few seconds.
    #[arg(long)]
    pub quick: bool,
}

/// Flags of `interleave run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Lesson to run (see `interleave list`).
    pub lesson: String,
    /// Comma-separated strategies, or `all`.
    #[arg(long, short, default_value = "all")]
    pub strategies: String,
    /// Threads, processes or the async concurrency limit [default: available cores].
    #[arg(long, short)]
    pub workers: Option<u64>,
    /// The lesson's size (cpu: N in Σ i² for i < N).
    #[arg(long)]
    pub size: Option<u64>,
    /// Latency per request in milliseconds (I/O lessons).
    #[arg(long)]
    pub latency_ms: Option<u64>,
    /// Bytes per response (I/O lessons).
    #[arg(long)]
    pub bytes: Option<u64>,
    /// Timed repeats after one untimed warm-up; the median is reported with min–max.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Print the RunRecords as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write a Chrome Trace Event file (open it in ui.perfetto.dev or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Companion base URL for I/O lessons [default: start one in-process on a loopback port].
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// distributed: use this broker (`nats://HOST:PORT`) instead of starting a private one.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// distributed: the broker's key (better: INTERLEAVE_TOKEN, which `ps` does not show).
    #[arg(long, env = "INTERLEAVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// distributed: kill worker K with SIGKILL while it holds a task nobody acknowledged.
    #[arg(long, value_name = "K")]
    pub kill_worker: Option<u32>,
}

/// Flags of `interleave worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The master's broker, `nats://HOST:PORT`.
    #[arg(long, value_name = "URL")]
    pub broker: String,
    /// The broker's key (better: the INTERLEAVE_TOKEN variable, which `ps` does not show).
    #[arg(long, env = "INTERLEAVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The run to join (letters and digits; the master prints it).
    #[arg(long, default_value = "main", value_parser = run_id)]
    pub run: String,
    /// This worker's number in answers and on the timeline.
    #[arg(long, default_value_t = 0)]
    pub id: u32,
    /// Internal (`--kill-worker`): take the first task and hold it until killed.
    #[arg(long, hide = true)]
    pub hold_first: bool,
    /// Stop after the queue has been empty this long (milliseconds).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub idle_ms: u64,
    /// Tasks one request to the broker may bring: the most this worker holds unacknowledged
    /// (and so the most that come back if it dies). More means fewer round trips.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub prefetch: u64,
}

/// Flags of `interleave serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback unless you mean otherwise.
    #[arg(long, default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Also serve this directory (e.g. Trunk's `dist/`) with the cross-origin isolation headers
    /// (COOP/COEP, CORP, and Document-Isolation-Policy for iframes on pages that send none).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Also answer requests whose Host is NAME (a deliberate LAN setup). Loopback names
    /// (localhost, 127.0.0.1, ::1) on the listening port are always answered; any other Host
    /// gets 403, which stops DNS-rebinding pages from driving the companion.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Seconds a client may take to send a request's headers (also how long a kept-alive
    /// connection may wait idle for its next request).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_secs: u64,
    /// Seconds a client may leave the server's writes waiting (a page it asked for and does
    /// not read) before its connection is closed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub write_stall_secs: u64,
}

/// A run id as `--run` takes it: letters and digits (it becomes part of subject and stream
/// names), checked before anything connects.
fn run_id(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "run id '{s}' must be 1 to 64 letters and digits (the master prints it)"
        ))
    }
}
