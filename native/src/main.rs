//! `interleave`: the native side of Interleave.
//!
//! - `cli`: the clap definitions (the contract in DESIGN.md).
//! - `runner`: runs a lesson's strategies and turns each into a `RunRecord`.
//! - `strategies`: who runs the tasks (OS threads, a queue-fed pool, rayon, child processes);
//!   the tasks come from `interleave-shared`. `worker`: the child side of the processes.
//! - `fetch`: HTTP clients for the I/O lessons; `server`: the companion API.
//! - `table`, `trace`, `progress`: output; `clock`, `usage`: measurement; `error`: usage errors.
//!
//! Exit codes: 0 success, 2 bad input (the message names the value and what is allowed),
//! 1 failure (including a strategy that produced a wrong result).

mod bench;
mod cli;
mod clock;
mod cost;
mod error;
mod fetch;
mod progress;
mod runner;
mod runners;
mod server;
mod strategies;
mod table;
mod trace;
mod usage;
mod worker;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command, CompareArgs, RunArgs};
use error::UsageError;
use interleave_shared::lessons::{self, LessonInfo, io};
use interleave_shared::{ParamError, RunRecord, Side, verdict};
use std::process::ExitCode;

/// Workers when `--workers` is not given: the cores this process may use.
pub fn default_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// Raise the open-files limit to its hard maximum: thousands of concurrent connections need
/// thousands of descriptors, and the default soft limit is often 1024.
pub fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit read and write a plain struct we own.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn lessons_help() -> String {
    let mut s = String::from("Lessons:\n");
    for l in lessons::catalogue() {
        s.push_str(&format!(
            "  {:<10} {}\n             strategies: {}\n",
            l.name,
            l.summary,
            l.native.join(", ")
        ));
    }
    s.push_str(
        "\nExamples:\n  interleave run cpu --size 200000000 --strategies sequential,threads,rayon\n  \
         interleave run io --size 50 --latency-ms 100 --strategies sequential,threads,async\n  \
         interleave run cpu --workers 2 --repeat 5 --json > runs.json\n  \
         interleave run cpu --trace cpu.json   # open in ui.perfetto.dev",
    );
    s
}

fn main() -> ExitCode {
    let matches = Cli::command()
        .mut_subcommand("run", |c| c.after_help(lessons_help()))
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<ParamError>().is_some()
                || err.downcast_ref::<UsageError>().is_some()
            {
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
        Command::Compare(args) => compare(args),
        Command::Serve(args) => {
            let rt = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
            rt.block_on(server::serve(args.addr, args.static_dir))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            bench::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Daemon {
            mode,
            steps,
            step_ms,
        } => {
            runners::daemon_child(&mode, steps, step_ms)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Emit { n } => {
            runners::emit(n)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => {
            worker::main()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Where I/O lessons fetch from: `--server` (checked first) or a companion started in-process.
enum Server {
    External(String),
    Own(server::Background),
}

impl Server {
    fn base(&self) -> String {
        match self {
            Server::External(url) => url.clone(),
            Server::Own(bg) => bg.base.clone(),
        }
    }
}

fn server_for(lesson: &LessonInfo, given: Option<String>) -> Result<Option<Server>> {
    if !matches!(lesson.name, io::NAME | "local") {
        if let Some(url) = given {
            return Err(UsageError::Other(format!(
                "lesson '{}' fetches nothing, so --server {url} does not apply (only io and local use it)",
                lesson.name
            ))
            .into());
        }
        return Ok(None);
    }
    raise_fd_limit();
    match given {
        Some(url) => {
            let url = url.trim_end_matches('/').to_string();
            let health = format!("{url}/api/health");
            let reach = reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(3))
                .build()
                .and_then(|c| c.get(&health).send())
                .and_then(|r| r.error_for_status());
            match reach {
                Ok(_) => Ok(Some(Server::External(url))),
                Err(e) => Err(UsageError::Unreachable {
                    url,
                    reason: e.to_string(),
                }
                .into()),
            }
        }
        None => Ok(Some(Server::Own(server::Background::start()?))),
    }
}

fn check_trace_path(path: &std::path::Path) -> Result<()> {
    std::fs::write(path, b"").map_err(|e| UsageError::TracePath {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(())
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
    if let Some(path) = &args.trace {
        check_trace_path(path)?;
    }
    let server = server_for(lesson, args.server)?;
    let req = runner::RunRequest {
        lesson,
        strategies,
        params,
        repeat: args.repeat,
        server: server.as_ref().map(Server::base),
    };
    runner::check_workers(&req)?;
    let steps = req.strategies.len() as u64;
    let progress = progress::Progress::new(steps, !args.json);
    let records = runner::run(&req, &|s| progress.step(s))?;
    drop(progress);
    drop(server);
    if let Some(path) = &args.trace {
        std::fs::write(path, serde_json::to_vec(&trace::trace(&records))?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    report(&records, args.json)
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let mut all = Vec::new();
    let progress = progress::Progress::new(lessons::catalogue().len() as u64, !args.json);
    for lesson in lessons::catalogue().iter().filter(|l| !l.native.is_empty()) {
        progress.step(lesson.name);
        // --quick: sizes that take well under a second per strategy.
        let (size, latency) = match (args.quick, lesson.name) {
            (false, _) => (None, None),
            (true, io::NAME) => (Some(20), Some(50)),
            (true, name) => {
                let cap = match name {
                    "cpu" => 10_000_000,
                    "race" => 1_000_000,
                    "db" | "pools" | "queue" => 100,
                    "cost" => 50,
                    _ => u64::MAX,
                };
                (Some(lesson.size.default.min(cap)), None)
            }
        };
        let params = lesson.params(size, None, latency, None, default_workers())?;
        let server = server_for(lesson, None)?;
        let req = runner::RunRequest {
            lesson,
            strategies: lesson.native.to_vec(),
            params,
            repeat: 1,
            server: server.as_ref().map(Server::base),
        };
        all.extend(runner::run(&req, &|_| {})?);
    }
    drop(progress);
    report(&all, args.json)
}

fn lessons_info(name: &str) -> Option<&'static LessonInfo> {
    lessons::find(name).ok()
}

fn report(records: &[RunRecord], json: bool) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(records)?);
    } else {
        println!("{}", table::records(records));
        let mut lessons: Vec<&str> = records.iter().map(|r| r.lesson.as_str()).collect();
        lessons.dedup();
        for l in lessons {
            let of: Vec<RunRecord> = records.iter().filter(|r| r.lesson == l).cloned().collect();
            println!("{}", verdict::verdict(&of));
        }
    }
    for r in records.iter().filter(|r| r.note.is_some()) {
        if !json {
            let note = r
                .note
                .as_deref()
                .unwrap_or_default()
                .replace('\n', "\n    ");
            println!(
                "  {} {} ({}): {note}",
                r.lesson,
                r.strategy,
                r.side.as_str()
            );
        }
    }
    // A strategy that exists to show a bug (the race's lost updates) is expected to be wrong.
    let wrong: Vec<String> = records
        .iter()
        .filter(|r| !r.correct)
        .filter(|r| !lessons_info(&r.lesson).is_some_and(|l| l.demonstrates_bug(&r.strategy)))
        .map(|r| {
            format!(
                "{} {} (got {}, expected {})",
                r.lesson, r.strategy, r.result, r.expected
            )
        })
        .collect();
    if wrong.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: wrong result from {}", wrong.join("; "));
        Ok(ExitCode::from(1))
    }
}
