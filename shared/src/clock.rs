//! A clock abstraction, so shared strategies can time spans on any target.

/// Milliseconds since the start of a run, as an `f64` (sub-millisecond precision matters: a small
/// task takes microseconds). Natively this is `std::time::Instant`; in the browser it is
/// `performance.timeOrigin + performance.now()` so that spans from different web workers (each
/// with its own time origin) land on one axis.
pub trait Clock: Sync {
    /// Milliseconds elapsed since this run started.
    fn now_ms(&self) -> f64;
}
