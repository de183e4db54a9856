//! Errors of the CLI's own input (beyond the lesson parameters `interleave-shared` checks). Both
//! kinds exit with status 2.

use thiserror::Error;

/// Bad input the CLI found itself.
#[derive(Debug, Error)]
pub enum UsageError {
    /// `--server` does not answer `/api/health`.
    #[error(
        "cannot reach --server {url}: {reason}; give the base URL of a running `interleave serve` \
         (e.g. http://127.0.0.1:3917), or leave --server out to start one in-process"
    )]
    Unreachable {
        /// The URL given.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// `--trace` names a file that cannot be written.
    #[error("cannot write --trace {path}: {reason}; give a path in a writable directory")]
    TracePath {
        /// The path given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The broker refused our key.
    #[error(
        "the broker at {url} refused the connection: authorization violation (wrong or missing \
         key); give the master's key with --token or INTERLEAVE_TOKEN"
    )]
    BrokerRefused {
        /// The broker's URL.
        url: String,
    },
    /// No broker answered.
    #[error("cannot reach a broker at {url}: {reason} (gave up after {secs:.1} s)")]
    BrokerUnreachable {
        /// The broker's URL.
        url: String,
        /// How long we really tried, measured (not the timeout's nominal figure).
        secs: f64,
        /// What went wrong.
        reason: String,
    },
    /// A flag that does not fit the chosen subcommand or lesson.
    #[error("{0}")]
    Other(String),
}
