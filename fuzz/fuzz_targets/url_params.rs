//! The page's URL parameters: anything in `location.search` must give settings (with messages
//! for what was ignored), never a panic, and the permalink written back must read back as the
//! same settings.
#![no_main]

use interleave_web::url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let search = String::from_utf8_lossy(data);
    let u = url::parse(&search, 2);
    let link = url::permalink(&u.settings);
    let again = url::parse(&link, 2);
    assert_eq!(again.settings, u.settings, "{link}");
    if let Some(e) = &u.settings.explorer {
        // The explorer draws whatever schedule the link held.
        let _ = e.view();
    }
});
