//! `io`: download N pages, each answered after L ms, and add up what arrived.
//!
//! The I/O-bound half of the notes: the program spends its time waiting for a server, so overlapping
//! the waits is what helps. Threads, async tasks and processes all overlap them; the notes' 20
//! downloads took 10.0 s one after another, 6.1 s on 5 threads and 6.8 s with asyncio. Here the
//! server is Interleave's own companion on loopback (`/api/delay/{ms}?bytes=B&page=K`), so the
//! latency is exact and the bytes are known in advance: the result is the total byte count plus a
//! checksum of every page, checked exactly.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, ClaimOutcome, Evidence, Test, setup_ms};
use crate::prediction::{Answer, Choice, Question};
use crate::record::Side;
use crate::verdict::fmt_ms;
use serde::{Deserialize, Serialize};

/// Longest delay the companion will wait before answering, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 30_000;

/// Largest page the companion will send, in bytes (16 MiB).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Io,
    title: "I/O-bound: download pages",
    summary: "fetch N pages that each take L ms: overlapping the waits is what helps",
    explanation: "Each page is answered by the companion server after a fixed delay, so almost all \
        of the time is spent waiting, not computing. One request after another takes N × L; \
        threads, async tasks and processes overlap the waits, so the total approaches L plus the \
        cost of starting them. In the notes, 20 downloads took 10.0 s sequentially, 6.1 s with a \
        5-thread pool and 6.8 s with asyncio. Every page's bytes are known in advance, so the \
        total size and a checksum of all pages are checked exactly.",
    native: &[
        Strategy::new(S::Sequential, Runs::Caller),
        Strategy::new(S::Threads, Runs::Threads),
        Strategy::new(S::Pool, Runs::ThreadPool),
        Strategy::new(S::Async, Runs::EventLoop),
        Strategy::new(S::Processes, Runs::Processes),
        Strategy::new(S::Hybrid, Runs::ProcessesWithEventLoops),
    ],
    web: &[
        Strategy::new(S::Sequential, Runs::Caller),
        Strategy::new(S::Async, Runs::EventLoop),
        Strategy::new(S::Workers, Runs::MessageWorkers),
    ],
    size: ParamSpec {
        name: "size",
        default: 20,
        min: 1,
        max: 10_000,
        unit: "pages",
        help: "pages to download",
    },
    size_check: None,
    latency: Some(ParamSpec {
        name: "latency",
        default: 500,
        min: 0,
        max: MAX_LATENCY_MS,
        unit: "ms",
        help: "server-side delay before each page is answered",
    }),
    bytes: Some(ParamSpec {
        name: "bytes",
        default: 10_394,
        min: 0,
        max: MAX_BYTES,
        unit: "bytes",
        help: "size of each page",
    }),
    insight: "the time goes to waiting on the server, so overlapping the waits matters and the \
        number of cores hardly does",
    default_workers: DefaultWorkers::PerItem(64),
    worker_bounds: None,
    uses_server: true,
    companion_max_size: 2_000,
    quick: Quick {
        size: Some(20),
        latency_ms: Some(50),
    },
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: true,
    visual: None,
    source: Source {
        title: "Speed Up Your Python Program With Concurrency (Real Python), “I/O-bound” sections",
        url: "https://realpython.com/python-concurrency/",
        teaches: "Downloading one site after another spends almost all its time waiting; threads or asyncio start the next request while earlier ones wait, so the total shrinks towards a single wait.",
    },
};

/// Byte `i` of page `page`: a cheap pattern that differs between pages, so a page delivered twice
/// or swapped shows up in the checksum.
pub fn page_byte(page: u64, i: u64) -> u8 {
    (i.wrapping_mul(31)
        .wrapping_add(page.wrapping_mul(17))
        .wrapping_add(7)
        % 251) as u8
}

/// The body of page `page` with `bytes` bytes, as the companion sends it. The pattern repeats
/// every 251 bytes, so one period is computed and copied: the companion makes thousands of pages
/// a second, and a modulo per byte was a visible share of its CPU time.
pub fn page_body(page: u64, bytes: u64) -> Vec<u8> {
    let period: Vec<u8> = (0..251.min(bytes)).map(|i| page_byte(page, i)).collect();
    let mut body = Vec::with_capacity(bytes as usize);
    while (body.len() as u64) < bytes {
        let take = (bytes - body.len() as u64).min(period.len() as u64) as usize;
        body.extend_from_slice(&period[..take]);
    }
    body
}

/// A request for one delayed page, `GET /api/delay/{ms}?bytes=N&page=K`, read and checked: the
/// companion's one query-string input, here so that it is fuzzed with the other parsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRequest {
    /// Milliseconds to wait before answering, 0..=[`MAX_LATENCY_MS`].
    pub ms: u64,
    /// Bytes of the page, 0..=[`MAX_BYTES`].
    pub bytes: u64,
    /// Which page (its bytes differ from page to page).
    pub page: u64,
}

/// Why a delayed-page request was refused: each message names the value and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelayError {
    /// The path's delay is not a number.
    #[error("delay '{0}' is not a whole number of milliseconds: allowed 0..={MAX_LATENCY_MS}")]
    NotMs(String),
    /// The delay is longer than any lesson waits.
    #[error("delay {0} ms is out of range: allowed 0..={MAX_LATENCY_MS}")]
    MsOutOfRange(u64),
    /// The query string does not read as `bytes` and `page` whole numbers.
    #[error("bad query ({0}): bytes and page are whole numbers, bytes allowed 0..={MAX_BYTES}")]
    BadQuery(String),
    /// A page larger than any lesson asks for.
    #[error("bytes {0} is out of range: allowed 0..={MAX_BYTES}")]
    BytesOutOfRange(u64),
}

/// Other keys are ignored, as they always were (a cache-busting `&t=` from a page, say).
#[derive(serde::Deserialize)]
struct DelayQuery {
    bytes: Option<u64>,
    page: Option<u64>,
}

impl DelayRequest {
    /// Read the path's `{ms}` segment and the query string (without its `?`).
    pub fn parse(ms: &str, query: Option<&str>) -> Result<Self, DelayError> {
        let q: DelayQuery = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| DelayError::BadQuery(e.to_string()))?;
        let ms: u64 = ms.parse().map_err(|_| DelayError::NotMs(ms.to_string()))?;
        if ms > MAX_LATENCY_MS {
            return Err(DelayError::MsOutOfRange(ms));
        }
        let bytes = q.bytes.unwrap_or(0);
        if bytes > MAX_BYTES {
            return Err(DelayError::BytesOutOfRange(bytes));
        }
        Ok(DelayRequest {
            ms,
            bytes,
            page: q.page.unwrap_or(0),
        })
    }
}

/// Bytes `start..start + len` of page `page`'s body (clipped to `bytes`): what the companion
/// streams a piece at a time, so a 16 MiB page never sits whole in its memory.
pub fn page_piece(page: u64, bytes: u64, start: u64, len: u64) -> Vec<u8> {
    let end = start.saturating_add(len).min(bytes);
    if start >= end {
        return Vec::new();
    }
    // One period of the pattern, rotated to begin at `start`.
    let period: Vec<u8> = (0..251).map(|i| page_byte(page, start + i)).collect();
    let want = (end - start) as usize;
    let mut piece = Vec::with_capacity(want);
    while piece.len() < want {
        let take = (want - piece.len()).min(period.len());
        piece.extend_from_slice(&period[..take]);
    }
    piece
}

/// FNV-1a (64-bit) of one page, taken eight bytes at a time: little-endian words, the last one
/// zero-padded, then the length as one more word; one multiply per word instead of one per byte.
/// Every page is checked on the thread that fetched it, and with 1,000 pages at once the
/// byte-by-byte version was about a tenth of the async client's CPU time (`perf record`). It is
/// a check, not a hash table: the coarser mixing does not matter, and a missing, duplicated or
/// swapped page still changes the sum.
pub fn page_checksum(body: &[u8]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let step = |h: u64, bytes: &[u8]| {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        (h ^ u64::from_le_bytes(word)).wrapping_mul(PRIME)
    };
    let words = body.chunks_exact(8);
    let rest = words.remainder();
    let mut h = words.fold(0xcbf2_9ce4_8422_2325u64, step);
    if !rest.is_empty() {
        h = step(h, rest);
    }
    // The length as a last word, so zero padding cannot make two lengths agree.
    step(h, &(body.len() as u64).to_le_bytes())
}

/// What a run produced: bytes received and the wrapping sum of per-page checksums (a sum, so
/// the order in which pages arrive does not matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Downloaded {
    /// Total bytes received.
    pub bytes: u64,
    /// Wrapping sum of [`page_checksum`] of every page.
    pub checksum: u64,
    /// Pages received.
    pub pages: u64,
}

impl Downloaded {
    /// One page's contribution.
    pub fn page(body: &[u8]) -> Self {
        Self {
            bytes: body.len() as u64,
            checksum: page_checksum(body),
            pages: 1,
        }
    }

    /// The result as the record shows it.
    pub fn render(&self) -> String {
        format!(
            "{} pages, {} bytes, checksum {:016x}",
            self.pages, self.bytes, self.checksum
        )
    }
}

impl std::ops::Add for Downloaded {
    type Output = Self;
    /// Combine two partial results.
    fn add(self, other: Self) -> Self {
        Self {
            bytes: self.bytes + other.bytes,
            checksum: self.checksum.wrapping_add(other.checksum),
            pages: self.pages + other.pages,
        }
    }
}

impl std::iter::Sum for Downloaded {
    /// Combine any number of partial results; with `Result<Downloaded, E>` items the standard
    /// library's `Sum for Result` stops at the first failed page.
    fn sum<I: Iterator<Item = Self>>(parts: I) -> Self {
        parts.fold(Self::default(), |a, b| a + b)
    }
}

/// The exact expected result of downloading pages 0..pages of `bytes` bytes each.
pub fn expected(pages: u64, bytes: u64) -> Downloaded {
    (0..pages)
        .map(|p| Downloaded::page(&page_body(p, bytes)))
        .sum()
}

/// The path of page `page` on the companion.
pub fn page_path(page: u64, latency_ms: u64, bytes: u64) -> String {
    format!("/api/delay/{latency_ms}?bytes={bytes}&page={page}")
}

/// Strategies that overlap their waits natively.
const CONCURRENT: &[S] = &[S::Threads, S::Pool, S::Async, S::Processes, S::Hybrid];

/// What a run of `io` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "overlap",
        text: "Threads, pool, async, processes and hybrid overlap the waits: with a worker per \
            page each takes about one latency, not one per page as sequential does",
        side: Some(Side::Native),
        test: Test::Custom {
            about: CONCURRENT,
            check: overlap,
        },
    },
    Claim {
        id: "concurrent-faster",
        text: "Async and workers finish at least 3× sooner than sequential",
        side: Some(Side::Web),
        test: Test::Faster {
            what: &[S::Async, S::Workers],
            than: S::Sequential,
            by: 3.0,
        },
    },
    Claim {
        id: "six-per-host",
        text: "In the browser, requests to one host go at most six at a time (HTTP/1.1), so 20 \
            pages take about ⌈20/6⌉ = 4 latencies, not one",
        side: Some(Side::Web),
        test: Test::Custom {
            about: &[S::Async],
            check: six_per_host,
        },
    },
    Claim {
        id: "exact",
        text: "Every strategy downloaded every byte (count and checksum match)",
        side: None,
        test: Test::Exact(&[
            S::Sequential,
            S::Threads,
            S::Pool,
            S::Async,
            S::Processes,
            S::Hybrid,
            S::Workers,
        ]),
    },
];

/// Latencies a strategy needs with `workers` requests in flight: one per batch.
fn batches(ev: &Evidence, workers: u32, limit: u64) -> Option<(u64, u64, u64)> {
    let size = ev.param("size")?;
    let latency = ev.param("latency_ms")?;
    let in_flight = u64::from(workers).min(limit).max(1);
    Some((size, latency, size.div_ceil(in_flight)))
}

fn overlap(ev: &Evidence) -> Option<ClaimOutcome> {
    let mut held = Vec::new();
    let mut missed = Vec::new();
    for r in CONCURRENT.iter().filter_map(|s| ev.get(*s)) {
        let (_, latency, waves) = batches(ev, r.workers, u64::MAX)?;
        let allowed = (waves + 1) as f64 * latency as f64;
        let figure = format!(
            "{} {} ({} batch{} of {latency} ms)",
            r.strategy,
            fmt_ms(r.wall_ms),
            waves,
            if waves == 1 { "" } else { "es" }
        );
        if r.wall_ms <= allowed {
            held.push(figure);
        } else {
            let setup = setup_ms(r);
            let longest = r
                .spans
                .iter()
                .filter(|s| s.kind == crate::SpanKind::Wait)
                .map(|s| s.end_ms - s.start_ms)
                .fold(0.0, f64::max);
            missed.push(format!(
                "{figure}: longer than {}; its slowest request took {} and starting its workers \
                 {}",
                fmt_ms(allowed),
                fmt_ms(longest),
                fmt_ms(setup)
            ));
        }
    }
    if held.is_empty() && missed.is_empty() {
        return None;
    }
    Some(if missed.is_empty() {
        ClaimOutcome::held(held.join(", "))
    } else {
        ClaimOutcome::not_held(missed.join("; "))
    })
}

fn six_per_host(ev: &Evidence) -> Option<ClaimOutcome> {
    let r = ev.get(S::Async)?;
    let (size, latency, waves) = batches(ev, r.workers, 6)?;
    let took = r.wall_ms / latency as f64;
    let figures = format!(
        "async fetched {size} pages in {} = {took:.1} latencies of {latency} ms; six at a time \
         makes {waves}",
        fmt_ms(r.wall_ms)
    );
    // Each wave is a latency plus the request's own overhead.
    Some(ClaimOutcome::when(
        took >= waves as f64 * 0.95 && took <= waves as f64 + 1.0,
        figures,
    ))
}

fn answer(ev: &Evidence) -> Option<Answer> {
    let r = ev.get(S::Async)?;
    let latency = ev.param("latency_ms")? as f64;
    let size = ev.param("size")? as f64;
    let took = r.wall_ms / latency;
    let choice = if took < 1.5 {
        "one"
    } else if took < size / 2.0 {
        "few"
    } else {
        "all"
    };
    Some(Answer {
        choice,
        because: format!(
            "async took {} = {took:.1} latencies of {latency} ms",
            fmt_ms(r.wall_ms)
        ),
        why: match (ev.side, choice) {
            (Side::Web, "few") => "The browser opens at most six connections to one server, so \
                the page's requests go out six at a time: about one latency per six pages. \
                Natively (and in asyncio) every request waits at once: about one latency."
                .into(),
            (_, "one") => "Async sends every request and then waits for all of them together, \
                so the waits overlap into about one latency."
                .into(),
            (_, "few") => "The requests overlapped, but not all at once: the connection pool \
                or the server limited how many waited together."
                .into(),
            _ => "The requests did not overlap: each waited its latency after the one before, \
                as sequential code does."
                .into(),
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Every page waits one latency on the server. How long will async take for all of them?",
    choices: &[
        Choice {
            id: "one",
            label: "About one latency",
        },
        Choice {
            id: "few",
            label: "A few latencies",
        },
        Choice {
            id: "all",
            label: "One latency per page, like sequential",
        },
    ],
    answer,
};

#[cfg(test)]
mod tests {
    /// What the companion's delay endpoint reads, and what it refuses with which message.
    #[test]
    fn delayed_page_requests_are_read_and_bounded() {
        let ok = |ms, q| DelayRequest::parse(ms, q).unwrap();
        assert_eq!(
            ok("20", Some("bytes=10&page=3")),
            DelayRequest {
                ms: 20,
                bytes: 10,
                page: 3
            }
        );
        assert_eq!(
            ok("0", None),
            DelayRequest {
                ms: 0,
                bytes: 0,
                page: 0
            }
        );
        let err = |ms, q| DelayRequest::parse(ms, q).unwrap_err().to_string();
        assert!(
            err("10", Some("bytes=-1")).starts_with("bad query ("),
            "{}",
            err("10", Some("bytes=-1"))
        );
        assert_eq!(
            ok("10", Some("t=1&bytes=5")),
            DelayRequest {
                ms: 10,
                bytes: 5,
                page: 0
            }
        );
        assert_eq!(
            err("x", None),
            "delay 'x' is not a whole number of milliseconds: allowed 0..=30000"
        );
        assert_eq!(
            err("30001", None),
            "delay 30001 ms is out of range: allowed 0..=30000"
        );
        assert_eq!(
            err("1", Some("bytes=16777217")),
            "bytes 16777217 is out of range: allowed 0..=16777216"
        );
    }

    /// Pieces of any size, put back together, are the page, however it is cut.
    #[test]
    fn pieces_make_the_page() {
        for (page, bytes, cut) in [(0, 1000, 64), (3, 70_001, 16_384), (9, 250, 251), (2, 5, 1)] {
            let mut whole = Vec::new();
            let mut start = 0;
            while start < bytes {
                whole.extend(page_piece(page, bytes, start, cut));
                start += cut;
            }
            assert_eq!(
                whole,
                page_body(page, bytes),
                "page {page}, {bytes} bytes by {cut}"
            );
        }
        assert!(page_piece(1, 10, 10, 5).is_empty());
        assert_eq!(page_piece(1, 10, 8, 5).len(), 2);
    }

    use super::*;

    #[test]
    fn pages_differ_and_checksums_add_in_any_order() {
        assert_ne!(page_body(0, 64), page_body(1, 64));
        let a = Downloaded::page(&page_body(0, 100));
        let b = Downloaded::page(&page_body(1, 100));
        assert_eq!(a + b, b + a);
        assert_eq!(expected(2, 100), a + b);
        assert_eq!(expected(2, 100).bytes, 200);
    }

    #[test]
    fn a_missing_or_duplicated_page_changes_the_result() {
        let full = expected(3, 50);
        let dup = expected(2, 50) + Downloaded::page(&page_body(1, 50));
        assert_eq!(dup.bytes, full.bytes);
        assert_ne!(dup, full);
    }

    #[test]
    fn copied_periods_equal_the_byte_formula() {
        for (page, bytes) in [(0, 0), (1, 250), (2, 251), (3, 252), (4, 10_394)] {
            let want: Vec<u8> = (0..bytes).map(|i| page_byte(page, i)).collect();
            assert_eq!(page_body(page, bytes), want, "page {page}, {bytes} bytes");
        }
    }

    #[test]
    fn checksum_is_fnv1a_over_little_endian_words() {
        // The definition written out independently: words assembled by shifts, zero-padded.
        let reference = |body: &[u8]| {
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            for start in (0..body.len()).step_by(8) {
                let word = (0..8)
                    .filter_map(|k| body.get(start + k).map(|b| u64::from(*b) << (8 * k)))
                    .fold(0, |w, b| w | b);
                h = (h ^ word).wrapping_mul(0x0100_0000_01b3);
            }
            (h ^ body.len() as u64).wrapping_mul(0x0100_0000_01b3)
        };
        for bytes in [0, 1, 7, 8, 9, 16, 251, 10_394] {
            let body = page_body(5, bytes);
            assert_eq!(page_checksum(&body), reference(&body), "{bytes} bytes");
        }
        assert_eq!(
            page_checksum(&[]),
            0xcbf2_9ce4_8422_2325u64.wrapping_mul(0x0100_0000_01b3)
        );
        // Zero padding must not make a short page equal to its padded self.
        assert_ne!(page_checksum(&[1]), page_checksum(&[1, 0]));
    }

    #[test]
    fn pages_sum_and_a_failed_page_fails_the_sum() {
        let pages = (0..3).map(|p| Downloaded::page(&page_body(p, 40)));
        assert_eq!(pages.sum::<Downloaded>(), expected(3, 40));
        let answers = [
            Ok(Downloaded::page(b"ok")),
            Err("page 1 lost"),
            Ok(Downloaded::default()),
        ];
        assert_eq!(
            answers.into_iter().sum::<Result<Downloaded, _>>(),
            Err("page 1 lost")
        );
    }

    #[test]
    fn empty_pages_still_count() {
        assert_eq!(expected(4, 0).pages, 4);
        assert_eq!(expected(4, 0).bytes, 0);
    }
}
