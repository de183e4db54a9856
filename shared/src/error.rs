//! Errors a caller can make when asking for a run.

use thiserror::Error;

/// Why a requested run cannot start. Every variant names the bad value and what is allowed,
/// because the person who reads it is usually typing flags or editing a URL.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// A lesson name that is not in the catalogue.
    #[error("unknown lesson '{name}'; available lessons: {available}")]
    UnknownLesson {
        /// What was asked for.
        name: String,
        /// Comma-separated names that exist.
        available: String,
    },
    /// A strategy this lesson cannot run on this side.
    #[error("lesson '{lesson}' has no {side} strategy '{name}'; allowed: {allowed}")]
    UnknownStrategy {
        /// The lesson asked for.
        lesson: String,
        /// "native" or "web".
        side: String,
        /// What was asked for.
        name: String,
        /// Comma-separated strategies that exist for this lesson and side.
        allowed: String,
    },
    /// A numeric parameter outside its bounds.
    #[error("{name} {value} is out of range: allowed {min}..={max}{hint}")]
    OutOfRange {
        /// Parameter name as the user types it (`size`, `workers`, ...).
        name: String,
        /// The value given.
        value: u64,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
        /// Extra explanation, starting with "; " when present.
        hint: String,
    },
    /// A parameter this lesson does not take.
    #[error("lesson '{lesson}' takes no parameter '{name}'")]
    Unsupported {
        /// The lesson asked for.
        lesson: String,
        /// The parameter given.
        name: String,
    },
    /// A size the CLI accepts but the companion's run API does not (a page may not keep it busy
    /// for minutes).
    #[error(
        "size {value} is out of range for the companion: allowed {min}..={max} (use the CLI for bigger runs)"
    )]
    CompanionLimit {
        /// The size given.
        value: u64,
        /// Smallest allowed size.
        min: u64,
        /// Largest size the companion runs.
        max: u64,
    },
    /// A run whose pages in flight would not fit in the memory it may use.
    #[error(
        "this run would hold about {} of pages at once ({in_flight} pages of {bytes} bytes in \
         flight, each twice while it is put together and checked), more than the {} {limit_what}: \
         lower the size, the workers or the bytes",
        crate::format::fmt_bytes(*need),
        crate::format::fmt_bytes(*limit)
    )]
    Memory {
        /// Bytes the run would hold at its peak.
        need: u64,
        /// Pages in flight at once.
        in_flight: u64,
        /// Bytes per page.
        bytes: u64,
        /// The limit it is held against.
        limit: u64,
        /// What that limit is ("this machine has available (MemAvailable)", ...).
        limit_what: String,
    },
    /// An exact answer does not fit the type that carries it.
    #[error(
        "size {value} is too large: the exact answer overflows {ty} (largest allowed size: {max})"
    )]
    Overflow {
        /// The size given.
        value: u64,
        /// The type that overflowed.
        ty: &'static str,
        /// The largest size whose answer fits.
        max: u64,
    },
}
