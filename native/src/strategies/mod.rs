//! Native strategies: thin adapters that decide *who* runs a lesson's tasks. The tasks themselves
//! come from `interleave-shared` ([`Workload`](interleave_shared::Workload)), so every strategy
//! does exactly the same work. `sequential` and `rayon`'s `par_iter` are shared with the page and
//! live in `interleave_shared::strategy`; async workers too (`async_workers`).

mod pool;
pub mod processes;
mod threads;

pub use pool::pool;
pub use threads::threads;

/// A rayon pool of exactly `workers` threads, woken once so that thread start-up happens before
/// the clock starts (a program builds its pool once). Its threads are joined when it drops.
pub fn rayon_pool(workers: u32) -> anyhow::Result<rayon::ThreadPool> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|i| format!("rayon-{i}"))
        .build()?;
    pool.broadcast(|_| ());
    Ok(pool)
}
