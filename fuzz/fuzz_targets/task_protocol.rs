//! The worker task protocol (child processes' JSON lines, web workers' messages) and explorer
//! schedules: anything must decode or be refused with a message, and what decodes must encode
//! back to the same message.
#![no_main]

use interleave_shared::explore;
use interleave_shared::task::{self, FromWorker, Job, Output, ToWorker};
use interleave_shared::LessonId;
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(text: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(m) = task::decode::<T>(text) {
        let again: T = task::decode(&task::encode(&m)).expect("what decodes encodes back");
        assert_eq!(again, m);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<ToWorker>(text);
    round_trip::<FromWorker>(text);
    round_trip::<Job>(text);
    round_trip::<Output>(text);
    if let Ok(schedule) = explore::parse_schedule(text) {
        for (lesson, strategy) in [
            (LessonId::Race, "unsynchronized"),
            (LessonId::Deadlock, "opposite-order"),
        ] {
            let m = explore::model(lesson, strategy, 2, 2).expect("a model");
            let _ = explore::walk(&m, &schedule);
            let _ = explore::replay(&m, &schedule);
        }
    }
});
