//! RunRecords JSON imported on the page (Import JSON…): anything must be refused or rendered —
//! speedups, the verdict, "see how it happens" — without a panic.
#![no_main]

use interleave_shared::record::annotate_speedups;
use interleave_shared::verdict::verdict;
use interleave_shared::RunRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut records) = serde_json::from_slice::<Vec<RunRecord>>(data) else {
        return;
    };
    annotate_speedups(&mut records);
    let _ = verdict(&records);
    for r in &records {
        let _ = interleave_web::explorer::see_how(r);
        let _ = interleave_shared::verdict::queued_waves(r);
    }
});
