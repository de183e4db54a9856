//! Native runners, one file per lesson. [`execute`] is the one place a lesson meets its runner: a
//! complete `match` on [`LessonId`], so a lesson added to the catalogue without a native runner
//! does not compile. Each runner turns a strategy into real threads, tasks, processes or database
//! writes using the toolkit in `exec` (and `distributed` for the broker), and returns an [`Execution`] checked against the lesson's
//! exact expectation.

mod coroutine;
pub mod cost;
mod cpu;
mod ctx;
pub mod daemon;
mod db;
mod deadlock;
pub mod distributed;
mod event_loop;
mod io;
mod local;
mod pools;
pub mod processes;
mod queue;
mod race;

use anyhow::Result;
pub use ctx::{Ctx, DistributedOptions, LessonOptions, expect, unsupported};
use interleave_shared::{Execution, LessonId, Strategy};

/// Run `strategy` of `lesson` once.
pub fn execute(lesson: LessonId, strategy: &Strategy, ctx: &Ctx) -> Result<Execution> {
    match lesson {
        LessonId::Cpu => cpu::execute(strategy, ctx.params),
        LessonId::Io => io::execute(strategy, ctx),
        LessonId::Race => race::execute(strategy, ctx.params),
        LessonId::Deadlock => deadlock::execute(strategy, ctx.params),
        LessonId::Queue => queue::execute(strategy, ctx.params),
        LessonId::Db => db::execute(strategy, ctx.params),
        LessonId::Pools => pools::execute(strategy, ctx.params),
        LessonId::Local => local::execute(strategy, ctx),
        LessonId::Daemon => daemon::execute(strategy, ctx.params),
        LessonId::Processes => processes::execute(strategy, ctx.params),
        LessonId::Coroutine => coroutine::execute(strategy, ctx.params),
        LessonId::Cost => cost::execute(strategy, ctx.params),
        LessonId::Distributed => distributed::execute(strategy, ctx),
        LessonId::EventLoop => event_loop::execute(strategy, ctx.params),
    }
}
