//! `interleave`: the native side of Interleave.
//!
//! - `cli`: the clap definitions (the contract in DESIGN.md).
//! - `runner`: runs a lesson's strategies and turns each into a `RunRecord`.
//! - `strategies`: who runs the tasks (OS threads, rayon, ...); the tasks come from
//!   `interleave-shared`.
//! - `table`: terminal output; `server`: the companion API; `clock`, `usage`: measurement.
//!
//! Exit codes: 0 success, 2 bad input (the message names the value and what is allowed),
//! 1 failure (including a strategy that produced a wrong result).

mod cli;
mod clock;
mod runner;
mod server;
mod strategies;
mod table;
mod usage;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command, RunArgs};
use interleave_shared::{ParamError, Side, lessons, verdict};
use std::process::ExitCode;

/// Workers when `--workers` is not given: the cores this process may use.
pub fn default_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<ParamError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::List => {
            println!("{}", table::lessons());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run(args),
        Command::Serve(args) => {
            let rt = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
            rt.block_on(server::serve(args.addr, args.static_dir))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let lesson = lessons::find(&args.lesson)?;
    let strategies = lesson.parse_strategies(Side::Native, &args.strategies)?;
    let params = lesson.params(
        args.size,
        args.workers,
        args.latency_ms,
        args.bytes,
        default_workers(),
    )?;
    let req = runner::RunRequest {
        lesson,
        strategies,
        params,
        repeat: args.repeat,
    };
    let records = runner::run(&req)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
    } else {
        println!("{}", table::records(&records));
        println!("{}", verdict::verdict(&records));
    }
    let wrong: Vec<&str> = records
        .iter()
        .filter(|r| !r.correct)
        .map(|r| r.strategy.as_str())
        .collect();
    if wrong.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: wrong result from {} (expected {})",
            wrong.join(", "),
            records[0].expected
        );
        Ok(ExitCode::from(1))
    }
}
