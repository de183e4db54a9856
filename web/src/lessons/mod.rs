//! Browser runners, one file per lesson. [`execute`] is the one place a lesson meets its runner:
//! a complete `match` on [`LessonId`], so a lesson added to the catalogue without a browser
//! runner does not compile; a lesson named as native-only is checked at compile time to have no
//! browser strategies in the catalogue.

mod coroutine;
mod cost;
mod cpu;
mod db;
mod deadlock;
mod event_loop;
mod io;
mod pools;
mod queue;
mod race;

use crate::exec::Env;
use interleave_shared::{Execution, LessonId, Params, Strategy};

/// A lesson with no browser runner: the compiler checks that the catalogue gives it no browser
/// strategies, so nothing the page offers can reach this arm.
macro_rules! native_only {
    ($lesson:ident) => {{
        const {
            assert!(
                LessonId::$lesson.info().web.is_empty(),
                "a lesson with browser strategies needs a browser runner"
            )
        };
        Err(format!(
            "{} runs natively only (on the companion)",
            LessonId::$lesson
        ))
    }};
}

/// Run `strategy` of `lesson` once in the browser.
pub async fn execute(
    lesson: LessonId,
    strategy: &Strategy,
    params: Params,
    env: &Env,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    match lesson {
        LessonId::Cpu => cpu::execute(strategy, params, env, progress).await,
        LessonId::Io => io::execute(strategy, params, env, progress).await,
        LessonId::Race => race::execute(strategy, params, progress).await,
        LessonId::Deadlock => deadlock::execute(strategy, params, progress).await,
        LessonId::Queue => queue::execute(strategy, params, env, progress).await,
        LessonId::Pools => pools::execute(strategy, params, env, progress).await,
        LessonId::Coroutine => coroutine::execute(strategy, params),
        LessonId::Db => db::execute(strategy, params, progress).await,
        LessonId::Cost => cost::execute(strategy, params, progress).await,
        LessonId::Local => native_only!(Local),
        LessonId::Daemon => native_only!(Daemon),
        LessonId::Processes => native_only!(Processes),
        LessonId::Distributed => native_only!(Distributed),
        LessonId::EventLoop => event_loop::execute(strategy, params, progress).await,
    }
}
