//! Writing to standard output without panicking: `println!` panics when stdout cannot take the
//! text (`interleave list > /dev/full`, a closed pipe); [`outln!`] returns the error instead, so
//! the command exits 1 with one line saying what failed.

use anyhow::{Context, Result};
use std::io::Write;

/// Write `args` and a newline to stdout, and flush.
pub fn line(args: std::fmt::Arguments<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// `println!` that returns an error (with `?`) instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::output::line(format_args!($($t)*))?
    };
}
pub(crate) use outln;
