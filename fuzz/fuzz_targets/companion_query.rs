//! The companion's one query-string input, `GET /api/delay/{ms}?bytes=N&page=K`, as any client
//! may send it: read without a panic, and whatever is accepted is within the stated bounds and
//! reads back the same when written out again.
#![no_main]

use interleave_shared::lessons::io::{self, DelayRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the path's `{ms}` segment, the rest the query string.
    let (ms, query) = text.split_once('\n').unwrap_or((text, ""));
    match DelayRequest::parse(ms, Some(query)) {
        Ok(r) => {
            assert!(r.ms <= io::MAX_LATENCY_MS && r.bytes <= io::MAX_BYTES, "{r:?}");
            let again = DelayRequest::parse(
                &r.ms.to_string(),
                Some(&format!("bytes={}&page={}", r.bytes, r.page)),
            );
            assert_eq!(again, Ok(r));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
