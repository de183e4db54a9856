//! The page's URL parameters: anything in `location.search` must give settings (with messages
//! for what was ignored), never a panic, and the permalink written back must read back the same.
#![no_main]

use interleave_web::url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let search = String::from_utf8_lossy(data);
    let u = url::parse(&search, 2);
    let link = url::query(u.lesson.id, &u.strategies, &u.size, &u.workers, &u.latency);
    let again = url::parse(&link, 2);
    assert_eq!(again.lesson.id, u.lesson.id, "{link}");
    assert_eq!(again.strategies, u.strategies, "{link}");
    assert_eq!(
        (&again.size, &again.workers, &again.latency),
        (&u.size, &u.workers, &u.latency),
        "{link}"
    );
    if let Some(e) = &u.explorer {
        // The explorer draws whatever schedule the link held, and writes it back the same.
        let _ = e.view();
        let back = url::parse(&format!("{link}{}", url::explorer_query(e)), 2);
        assert_eq!(back.explorer.map(|b| b.schedule), Some(e.schedule.clone()), "{link}");
    }
});
