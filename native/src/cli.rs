//! Command-line interface: the contract of DESIGN.md, in clap's derive form.

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
    List,
    /// Run one lesson with some strategies and compare them.
    #[command(
        after_help = "Examples:\n  interleave run cpu --size 200000000 --strategies sequential,threads,rayon\n  interleave run cpu --workers 2 --repeat 5 --json"
    )]
    Run(RunArgs),
    /// Serve the companion API (health, delays for I/O lessons, native runs) on loopback.
    #[command(after_help = "Example:\n  interleave serve --addr 127.0.0.1:3917")]
    Serve(ServeArgs),
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
}

/// Flags of `interleave serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback unless you mean otherwise.
    #[arg(long, default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Also serve this directory (e.g. Trunk's `dist/`) with the cross-origin isolation headers.
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
}
