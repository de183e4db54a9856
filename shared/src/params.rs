//! Run parameters and their bounds.
//!
//! Bounds exist so that a typo (an extra zero on `--size`, a latency in microseconds) gives a clear
//! message instead of a run that never ends or a server that is asked for a gigabyte.

use crate::ParamError;

/// Workers any strategy may be given: one at least; 10,000 is the most concurrent requests the
/// async I/O lessons need. Runners cap heavier workers further (processes, OS threads) with
/// their own message.
pub const WORKERS: ParamSpec = ParamSpec {
    name: "workers",
    default: 0,
    min: 1,
    max: 10_000,
    unit: "",
    help: "threads, processes or web workers (async: the concurrency limit)",
};

/// Bounds and default of one numeric parameter of a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name as typed on the CLI (`--size`) and in URLs (`size=`).
    pub name: &'static str,
    /// Used when the caller gives none.
    pub default: u64,
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
    /// Unit shown beside the value ("ms", "bytes", "pages").
    pub unit: &'static str,
    /// What the parameter means, for `--help`, `list` and the page's inputs.
    pub help: &'static str,
}

impl ParamSpec {
    /// Accept `value` if it is within bounds; otherwise say which value and which range.
    pub fn check(&self, value: u64) -> Result<u64, ParamError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(ParamError::OutOfRange {
                name: self.name.to_string(),
                value,
                min: self.min,
                max: self.max,
                hint: String::new(),
            })
        }
    }
}

/// Validated parameters of one run. Construct through
/// [`LessonInfo::params`](crate::lessons::LessonInfo::params), which checks every bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The lesson's size (numbers to sum, pages to fetch, items to queue, ...).
    pub size: u64,
    /// Workers for parallel strategies (async: the concurrency limit).
    pub workers: u32,
    /// Simulated latency per request in milliseconds, for lessons that wait.
    pub latency_ms: Option<u64>,
    /// Response size in bytes, for lessons that download.
    pub bytes: Option<u64>,
}

impl Params {
    /// The parameters of an untimed warm-up before a timed comparison: the same work at a
    /// fiftieth of the size (at least one item) with 1 ms waits. Enough to load and compile the
    /// code (the browser's JIT tiers hot code up only after it has run), start pools and fault
    /// pages in, so the strategy timed first does not pay for everyone; too little to matter.
    pub fn warm_up(&self) -> Params {
        Params {
            size: (self.size / 50).max(1),
            latency_ms: self.latency_ms.map(|_| 1),
            ..*self
        }
    }

    /// The parameters as a JSON map, for [`RunRecord::params`](crate::RunRecord::params).
    pub fn to_map(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        let mut m = std::collections::BTreeMap::new();
        m.insert("size".into(), self.size.into());
        if let Some(l) = self.latency_ms {
            m.insert("latency_ms".into(), l.into());
        }
        if let Some(b) = self.bytes {
            m.insert("bytes".into(), b.into());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_names_value_and_bounds() {
        let err = WORKERS.check(0).unwrap_err().to_string();
        assert_eq!(err, "workers 0 is out of range: allowed 1..=10000");
        assert_eq!(WORKERS.check(10_000), Ok(10_000));
    }
}
