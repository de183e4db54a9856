//! Whether the page is cross-origin isolated (so the pool can share memory), how it got there,
//! and otherwise why not, in words that blame the right party.
//!
//! A top-level page is isolated by COOP/COEP on its own response: sent by its server, or added by
//! Interleave's service worker on a host that sends none (`web/sw/isolate.js` registers it and
//! reports what happened in `window.__interleaveIsolation`). A page in a frame is isolated by
//! COOP/COEP only when its embedder is too; `Document-Isolation-Policy` (sent by the playground's
//! server or added by the same service worker) isolates it on its own in browsers that know it.
//! So a frame that stays off names the embedding page and the browser, never the reader.

/// How the page came to be isolated, or what stood in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// The server sent the headers (or Document-Isolation-Policy, in a frame).
    Headers,
    /// Interleave's service worker added them on a host that sends none.
    ServiceWorker,
    /// Not isolated: the pool is off, every other strategy runs.
    Off(Off),
}

/// What kept the page from being isolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Off {
    /// A top-level page whose server sends no headers and no boot report says more (a build
    /// without `isolate.js`).
    NoHeaders,
    /// In a frame whose embedder is not isolated, on a playground server without
    /// Document-Isolation-Policy.
    Frame,
    /// Opened from a `file://` address: no service worker, no headers.
    File,
    /// Plain HTTP from a host other than localhost: no service worker, no shared memory.
    Insecure,
    /// The browser offers no service worker here (some private windows turn them off).
    NoServiceWorker,
    /// Our service worker controls the page and added the headers, and the browser still did
    /// not isolate it.
    NotHonoured,
    /// sessionStorage is blocked, and without it the one-time reload could loop.
    NoStorage,
    /// Reloaded once and still not under the service worker (a Shift-reload bypasses it).
    NoControl,
    /// Registering the service worker failed, with the browser's message.
    RegisterFailed(String),
    /// The service worker is being installed; the page reloads itself in a moment.
    Pending,
}

impl Isolation {
    /// Read the boot script's report: `isolated` is `crossOriginIsolated`, `by` and `off` the
    /// report's fields (`None` when the report is missing), `detail` its message, `framed`
    /// whether the page is in a frame.
    pub fn from_report(
        isolated: bool,
        by: Option<&str>,
        off: Option<&str>,
        detail: &str,
        framed: bool,
    ) -> Self {
        if isolated {
            return match by {
                Some("service-worker") => Isolation::ServiceWorker,
                _ => Isolation::Headers,
            };
        }
        let off = match off {
            // In a frame, a service worker that did not isolate the page, or none at all,
            // comes down to the embedding page and the browser: the frame's own reason.
            Some("not-honoured" | "no-control" | "frame") | None if framed => {
                return Isolation::Off(Off::Frame);
            }
            off => off,
        };
        Isolation::Off(match off {
            Some("file") => Off::File,
            Some("insecure") => Off::Insecure,
            Some("frame") => Off::Frame,
            Some("no-service-worker") => Off::NoServiceWorker,
            Some("not-honoured") => Off::NotHonoured,
            Some("no-storage") => Off::NoStorage,
            Some("no-control") => Off::NoControl,
            Some("register-failed") => Off::RegisterFailed(detail.to_string()),
            Some("pending") => Off::Pending,
            _ => Off::NoHeaders,
        })
    }

    /// Whether web workers may share memory.
    pub fn isolated(&self) -> bool {
        !matches!(self, Isolation::Off(_))
    }

    /// A stable name for the test ids' `data-isolation-by` / `data-isolation-off`.
    pub fn code(&self) -> &'static str {
        match self {
            Isolation::Headers => "headers",
            Isolation::ServiceWorker => "service-worker",
            Isolation::Off(off) => off.code(),
        }
    }
}

impl Off {
    /// The boot report's name for this reason.
    pub fn code(&self) -> &'static str {
        match self {
            Off::NoHeaders => "no-headers",
            Off::Frame => "frame",
            Off::File => "file",
            Off::Insecure => "insecure",
            Off::NoServiceWorker => "no-service-worker",
            Off::NotHonoured => "not-honoured",
            Off::NoStorage => "no-storage",
            Off::NoControl => "no-control",
            Off::RegisterFailed(_) => "register-failed",
            Off::Pending => "pending",
        }
    }

    /// Why shared memory (and so the pool) is unavailable, as a clause: "this page is not …".
    /// One sentence naming who can change it.
    pub fn why(&self) -> String {
        match self {
            Off::NoHeaders => "this page is not cross-origin isolated: its server sends no \
                               COOP/COEP headers, so web workers cannot share memory"
                .into(),
            Off::Frame => "this frame is not cross-origin isolated: the page embedding it sends \
                           no COOP/COEP headers, and this browser does not isolate a frame on \
                           its own (Chromium does, by Document-Isolation-Policy), so web workers \
                           cannot share memory here; the page's owner can send COOP/COEP and \
                           allow=\"cross-origin-isolated\" on the frame (docs/embedding.md), and \
                           opened in a tab of its own the lesson gets them"
                .into(),
            Off::File => "this page was opened from a file, where browsers allow neither the \
                          isolation headers nor the service worker that adds them: serve the \
                          folder over HTTP (python3 -m http.server will do)"
                .into(),
            Off::Insecure => "this page comes over plain HTTP from a host other than localhost, \
                              and browsers share memory between workers (and run the service \
                              worker that would allow it) only on HTTPS or localhost"
                .into(),
            Off::NoServiceWorker => "this page is not cross-origin isolated: its server sends \
                                     no COOP/COEP headers, and this browser offers no service \
                                     worker here to add them (private windows in some browsers \
                                     turn service workers off)"
                .into(),
            Off::NotHonoured => "this page is not cross-origin isolated: its service worker \
                                 added the COOP/COEP headers, and this browser still did not \
                                 isolate the page; a server that sends them itself works \
                                 everywhere"
                .into(),
            Off::NoStorage => "this page is not cross-origin isolated: its server sends no \
                               COOP/COEP headers, and the browser blocks the session storage \
                               that the one-time reload under the service worker needs"
                .into(),
            Off::NoControl => "this page is not cross-origin isolated: it was reloaded once to \
                               come back under its service worker, which still does not control \
                               it (a Shift-reload bypasses service workers: reload normally)"
                .into(),
            Off::RegisterFailed(detail) if detail.is_empty() => {
                "this page is not cross-origin isolated: its server sends no COOP/COEP headers, \
                 and the service worker that adds them could not be registered"
                    .into()
            }
            Off::RegisterFailed(detail) => format!(
                "this page is not cross-origin isolated: its server sends no COOP/COEP headers, \
                 and the service worker that adds them could not be registered ({detail})"
            ),
            Off::Pending => "this page is not cross-origin isolated yet: its service worker is \
                             being installed, and the page reloads itself once in a moment"
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_pages_say_how() {
        assert_eq!(
            Isolation::from_report(true, Some("headers"), None, "", false),
            Isolation::Headers
        );
        assert_eq!(
            Isolation::from_report(true, Some("service-worker"), None, "", false),
            Isolation::ServiceWorker
        );
        // Isolated without a report (a build without the boot script): the server did it.
        assert_eq!(
            Isolation::from_report(true, None, None, "", true),
            Isolation::Headers
        );
        assert!(Isolation::Headers.isolated());
        assert!(!Isolation::Off(Off::Frame).isolated());
    }

    #[test]
    fn a_frame_blames_its_host_page_and_the_playground_server_never_the_reader() {
        // A service worker that did not help, in a frame: the embedding page and the browser.
        for code in [Some("not-honoured"), Some("no-control"), None] {
            let frame = Isolation::from_report(false, None, code, "", true);
            assert_eq!(frame, Isolation::Off(Off::Frame), "{code:?}");
        }
        // What stopped the service worker itself is said as such, framed or not.
        assert_eq!(
            Isolation::from_report(false, None, Some("no-storage"), "", true),
            Isolation::Off(Off::NoStorage)
        );
        let why = Off::Frame.why();
        assert!(why.contains("the page embedding it"));
        assert!(why.contains("Document-Isolation-Policy"));
        assert!(why.contains("allow=\"cross-origin-isolated\""));
        assert!(why.contains("a tab of its own"));
        assert!(!why.contains("its server sends"));
    }

    #[test]
    fn every_boot_reason_is_read_and_named_back() {
        for code in [
            "file",
            "insecure",
            "frame",
            "no-service-worker",
            "not-honoured",
            "no-storage",
            "no-control",
            "register-failed",
            "pending",
        ] {
            let got = Isolation::from_report(false, None, Some(code), "", false);
            assert_eq!(got.code(), code, "{code}");
        }
        assert_eq!(
            Isolation::from_report(false, None, None, "", false),
            Isolation::Off(Off::NoHeaders)
        );
        assert_eq!(
            Isolation::from_report(false, None, Some("something new"), "", false).code(),
            "no-headers"
        );
    }

    #[test]
    fn reasons_name_who_can_change_it() {
        assert!(
            Off::NoHeaders
                .why()
                .contains("its server sends no COOP/COEP")
        );
        assert!(Off::File.why().contains("opened from a file"));
        assert!(Off::Insecure.why().contains("HTTPS or localhost"));
        assert!(Off::NoControl.why().contains("Shift-reload"));
        let failed = Off::RegisterFailed("SecurityError: denied".into()).why();
        assert!(failed.ends_with("(SecurityError: denied)"));
        assert!(!Off::RegisterFailed(String::new()).why().contains("()"));
    }
}
