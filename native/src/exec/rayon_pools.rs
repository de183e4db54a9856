//! rayon pools for native runs, reused across runs.

use std::sync::{Arc, Mutex, PoisonError};

/// The last rayon pool built, kept for the next run that asks for the same size. One at most, so
/// asking for many sizes never piles up threads: a replaced pool's threads exit once its last
/// user drops it.
static LAST_POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);

/// A rayon pool of exactly `workers` threads, built once and reused as a program reuses its pool:
/// repeats (and the companion's successive runs) then time the work, not spawning threads and
/// waking fresh ones, which on a small VM took up to 4 ms of a 60 ms run. A new pool is woken
/// once, so thread start-up happens before any clock starts.
pub fn rayon_pool(workers: u32) -> anyhow::Result<Arc<rayon::ThreadPool>> {
    let mut last = LAST_POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((n, pool)) = last.as_ref()
        && *n == workers
    {
        return Ok(Arc::clone(pool));
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(workers as usize)
            .thread_name(|i| format!("rayon-{i}"))
            .build()?,
    );
    pool.broadcast(|_| ());
    *last = Some((workers, Arc::clone(&pool)));
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_is_reused_for_the_same_size_and_replaced_for_another() {
        let a = rayon_pool(3).unwrap();
        let b = rayon_pool(3).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.current_num_threads(), 3);
        let c = rayon_pool(2).unwrap();
        assert_eq!(c.current_num_threads(), 2);
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
