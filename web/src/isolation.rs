//! Why the pool is off, in words that blame the right party. A top-level page is isolated when
//! its own server sends COOP/COEP; a page in a frame needs its host page to send them and to
//! delegate isolation to the frame (or the playground to send Document-Isolation-Policy), so
//! there it is the host page's doing, not the playground server's.

/// Why shared memory (and so the pool) is unavailable, as a clause: "this page is not …".
pub fn why_off(in_frame: bool) -> &'static str {
    if in_frame {
        "this frame is not cross-origin isolated: the page embedding it does not send COOP/COEP \
         and delegate isolation to it (allow=\"cross-origin-isolated\"), so web workers cannot \
         share memory here; opened in a tab of its own it can"
    } else {
        "this page is not cross-origin isolated: its server sends no COOP/COEP headers, so web \
         workers cannot share memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_blames_its_host_page_and_a_tab_its_server() {
        assert!(why_off(true).contains("the page embedding it"));
        assert!(!why_off(true).contains("its server sends"));
        assert!(why_off(false).contains("its server sends no COOP/COEP"));
    }
}
