//! `interleave`: the native side of Interleave.
//!
//! - `cli`: the clap definitions (the contract in the README).
//! - `run`: the coordinator — a validated request in, checked `RunRecord`s out.
//! - `lessons`: one runner per lesson, behind one complete `match` on the lesson.
//! - `exec`: the toolkit the runners share (measurement, threads, a pool, rayon, child
//!   processes and their `__worker` side, HTTP clients); it knows no lesson.
//! - `distributed`: the distributed lesson's broker, work queue, master, worker and hosts.
//! - `server`: the companion API; `bench`: the benchmark; `explore`: the interleaving explorer.
//! - `table`, `trace`, `progress`: output; `error`: usage errors.
//!
//! Exit codes: 0 success, 2 bad input (the message names the value and what is allowed),
//! 1 failure (including a strategy that produced a wrong result).

mod bench;
mod cli;
mod distributed;
mod error;
mod exec;
mod explore;
mod lessons;
mod output;
mod progress;
mod run;
mod server;
mod table;

/// What a test needs from the machine (root, nats-server), and the one-line skip when it is
/// missing; shared with the integration tests.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod needs;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command, CompareArgs, RunArgs};
use error::UsageError;
use interleave_shared::explore::ExploreError;
use interleave_shared::lessons::catalogue;
use interleave_shared::request::{RawParams, StrategyList};
use interleave_shared::{LessonId, ParamError, RunBody, RunRecord, verdict};
use output::outln;
use run::Plan;
use server::RunCompanion;
use std::process::ExitCode;

fn lessons_help() -> String {
    let mut s = String::from("Lessons:\n");
    for l in catalogue() {
        let names: Vec<&str> = l.native.iter().map(|s| s.id.name()).collect();
        s.push_str(&format!(
            "  {:<10} {}\n             strategies: {}\n",
            l.name(),
            l.summary,
            names.join(", ")
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
                || err.downcast_ref::<ExploreError>().is_some()
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
        Command::List(args) => {
            if args.json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&table::catalogue_json())?
                );
            } else {
                outln!("{}", table::lessons());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Explore(args) => {
            explore::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let rt = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
            let options = server::Options {
                static_dir: args.static_dir,
                allow_hosts: args.allow_host,
                header_timeout: Some(std::time::Duration::from_secs(args.header_timeout_secs)),
                body_timeout: None,
                write_stall: Some(std::time::Duration::from_secs(args.write_stall_secs)),
            };
            rt.block_on(server::serve(args.addr, options))?;
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
            exec::die_with_parent();
            lessons::daemon::child_main(mode, steps, step_ms)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Emit { n } => {
            exec::die_with_parent();
            lessons::processes::emit_main(n)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker(args) => {
            // A worker the master started ends with the master; one started by hand does not
            // have the variable and runs on its own.
            exec::die_with_parent();
            let options = distributed::JoinOptions {
                broker: args.broker.clone(),
                token: args.token.clone(),
                run: args.run.clone(),
                work: distributed::WorkerOptions {
                    worker: args.id,
                    idle: std::time::Duration::from_millis(args.idle_ms),
                    // Clap bounds it to 1..=1000, which any usize holds.
                    prefetch: usize::try_from(args.prefetch).unwrap_or(1),
                    hold: args.hold_first,
                },
            };
            let answered = distributed::join(&options)?;
            eprintln!("worker {}: answered {answered} tasks", args.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Clean => {
            let left = distributed::sweep_leftovers();
            for store in &left.stores {
                outln!("removed broker store {}", store.display());
            }
            for ns in &left.hosts.namespaces {
                outln!("removed network namespace {ns}");
            }
            for link in &left.hosts.links {
                outln!("removed link {link}");
            }
            if left.stores.is_empty() && left.hosts.is_empty() {
                let scope = if exec::is_root() {
                    ""
                } else {
                    " (namespaces and links are only looked for as root)"
                };
                outln!("nothing left behind by a stopped run{scope}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::TaskChild => {
            exec::die_with_parent();
            exec::worker::main()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Refuse an unwritable `--trace` before running: write one byte (a device that takes nothing,
/// like /dev/full, fails here, not after the run), then leave the file empty for the trace.
fn check_trace_path(path: &std::path::Path) -> Result<()> {
    std::fs::write(path, b"{")
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(0).or(Ok(())))
        })
        .map_err(|e| UsageError::TracePath {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    Ok(())
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let body = RunBody {
        lesson: args.lesson,
        strategies: Some(StrategyList::Comma(args.strategies)),
        workers: args.workers,
        params: RawParams {
            size: args.size,
            latency_ms: args.latency_ms,
            bytes: args.bytes,
        },
    };
    let request = run::resolve(&body)?;
    if let Some(path) = &args.trace {
        check_trace_path(path)?;
    }
    let options = lessons::LessonOptions {
        distributed: lessons::DistributedOptions {
            url: args.broker.clone(),
            token: args.token.clone(),
            kill_worker: args.kill_worker,
        },
    };
    let server = RunCompanion::for_request(&request, args.server)?;
    let plan = Plan::new(request)
        .repeat(args.repeat)
        .server(server.as_ref().map(RunCompanion::base))
        .options(options);
    let progress = progress::Progress::new(run::steps(&plan), !args.json);
    let records = run::run(&plan, &|s| progress.step(s))?;
    drop(progress);
    drop(server);
    if let Some(path) = &args.trace {
        std::fs::write(
            path,
            serde_json::to_vec(&interleave_shared::trace::trace(&records))?,
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    report(&records, args.json)
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let mut all = Vec::new();
    let progress = progress::Progress::new(LessonId::ALL.len() as u64, !args.json);
    for lesson in LessonId::ALL {
        progress.step(lesson.name());
        let mut body = RunBody::new(lesson.name());
        if args.quick {
            body.params = RawParams::quick(lesson.info());
        }
        let mut request = run::resolve(&body)?;
        // A strategy that needs what this machine lacks (root for hosts, a nats-server for the
        // broker) is left out, and the table says so, instead of failing the whole table.
        let unmet = |s: &interleave_shared::Strategy| {
            s.requires
                .iter()
                .copied()
                .filter(|r| !distributed::met(*r))
                .map(|r| r.describe())
                .collect::<Vec<_>>()
        };
        for s in &request.strategies {
            let missing = unmet(s);
            if !missing.is_empty() && !args.json {
                eprintln!(
                    "{lesson}: {} left out (needs {})",
                    s.id,
                    missing.join(" and ")
                );
            }
        }
        request.strategies.retain(|s| unmet(s).is_empty());
        if request.strategies.is_empty() {
            continue;
        }
        let server = RunCompanion::for_request(&request, None)?;
        let size = request.params.size;
        let plan = Plan::new(request).server(server.as_ref().map(RunCompanion::base));
        let mut records = run::run(&plan, &|_| {})?;
        if args.quick {
            interleave_shared::claims::unchecked_at_small_size(
                &mut records,
                &format!(
                    "not checked at --quick sizes (size {size}): too small for the point to \
                     show; `compare` without --quick checks it"
                ),
            );
        }
        all.extend(records);
    }
    drop(progress);
    report(&all, args.json)
}

fn report(records: &[RunRecord], json: bool) -> Result<ExitCode> {
    if json {
        outln!("{}", serde_json::to_string_pretty(records)?);
    } else {
        outln!("{}", table::records(records));
        let claims = table::claims(records);
        if !claims.is_empty() {
            outln!("{claims}");
        }
        let mut lessons: Vec<LessonId> = records.iter().map(|r| r.lesson).collect();
        lessons.dedup();
        for l in lessons {
            let of: Vec<RunRecord> = records.iter().filter(|r| r.lesson == l).cloned().collect();
            outln!("{}", verdict::verdict(&of));
        }
    }
    for r in records.iter().filter(|r| r.note.is_some()) {
        if !json {
            let note = r
                .note
                .as_deref()
                .unwrap_or_default()
                .replace('\n', "\n    ");
            outln!(
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
        .filter(|r| !r.lesson.info().demonstrates_bug(r.strategy))
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
