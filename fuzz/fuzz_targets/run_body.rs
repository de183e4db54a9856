//! `POST /api/run` bodies (and the CLI's and the page's requests, which are the same type):
//! anything must parse or be refused with a message; what resolves must be within every bound.
#![no_main]

use interleave_shared::{RunBody, Side};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<RunBody>(data) else {
        return;
    };
    for side in [Side::Native, Side::Web] {
        match body.resolve(side, 2) {
            Ok(request) => {
                let info = request.info();
                let p = request.params;
                assert!((info.size.min..=info.size.max).contains(&p.size));
                for s in &request.strategies {
                    assert!(info.strategy(side, s.id).is_some());
                    if s.runs.takes_workers() {
                        assert!(p.workers <= s.runs.max_workers());
                    }
                }
                let _ = request.check_companion_limits();
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});
