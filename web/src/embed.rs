//! What an embedded lesson says to the page that embeds it, and what it listens to.
//!
//! A tutorial page sizes its iframe to the lesson, hears when a run ends (with the records), and
//! may ask for a run. It names its own origin in the link (`parent=https://book.example`): the
//! lesson posts only to that origin and obeys only messages from it, so a lesson embedded
//! somewhere else can be neither read nor driven by a stranger. Without `parent=` it says nothing.
//!
//! Every message is a plain object with `type` and `version` ([`VERSION`]); a host checks the
//! version before reading the rest. docs/embedding.md documents them with a runnable example.

use interleave_shared::RunRecord;
use serde::Serialize;

/// The messages' schema version; raised only when a field changes meaning or goes away (new
/// fields may appear without it).
pub const VERSION: u32 = 1;

/// The `type` a host sends to ask for a run, and the lesson sends when a run ends.
pub const RUN: &str = "interleave:run";

/// Read `parent=`: an origin, `http(s)://host[:port]`, with nothing after it but an optional `/`.
pub fn parse_parent(value: &str) -> Result<String, String> {
    let bad = |why: &str| {
        Err(format!(
            "parent '{value}' {why}: allowed an origin such as https://book.example or \
             http://localhost:3000 (scheme, host, optional port; no path)"
        ))
    };
    let (scheme, rest) = match value.split_once("://") {
        Some((s @ ("http" | "https"), rest)) => (s, rest),
        Some(_) => return bad("is not http or https"),
        None => return bad("is not an origin"),
    };
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    if host_port.is_empty() {
        return bad("has no host");
    }
    if host_port.contains(['/', '?', '#', '@', ' ']) {
        return bad("has more than an origin");
    }
    let (host, port) = match host_port.rsplit_once(':') {
        // An IPv6 literal's colons sit inside brackets.
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (host_port, None),
    };
    if host.is_empty() {
        return bad("has no host");
    }
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return bad("has a port outside 1..=65535");
    }
    Ok(format!("{scheme}://{}", host_port.to_ascii_lowercase()))
}

/// What the lesson posts to its parent.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Outgoing<'a> {
    /// Loaded and listening: a host may now send [`RUN`].
    #[serde(rename = "interleave:ready")]
    Ready {
        /// [`VERSION`].
        version: u32,
        /// The lesson shown.
        lesson: &'a str,
    },
    /// The page's content height in CSS pixels: set the iframe's height to it and no scrollbar
    /// appears. Sent at load and whenever the height changes.
    #[serde(rename = "interleave:height")]
    Height {
        /// [`VERSION`].
        version: u32,
        /// `document.documentElement.scrollHeight`, rounded up.
        height: u32,
    },
    /// A run ended: `finished` with its records (the same JSON as `interleave run --json`), or
    /// `failed` with the message the page shows.
    #[serde(rename = "interleave:run")]
    Run {
        /// [`VERSION`].
        version: u32,
        /// The lesson run.
        lesson: &'a str,
        /// `finished` or `failed`.
        status: RunStatus,
        /// The run's records; empty when it failed.
        records: &'a [RunRecord],
        /// How many of the records' claims held, and how many were checked.
        claims_held: usize,
        /// Claims checked (held or not; the unchecked ones are not counted).
        claims: usize,
        /// Why the run failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
    },
}

/// How a run ended, for [`Outgoing::Run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Records came back.
    Finished,
    /// The run could not start or failed.
    Failed,
}

impl Outgoing<'_> {
    /// The message as JSON text (the page parses it into an object before posting).
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The run message for `records`, counting the claims as the results card does.
pub fn finished<'a>(lesson: &'a str, records: &'a [RunRecord]) -> Outgoing<'a> {
    let claims: Vec<_> = records.iter().flat_map(|r| r.claims.iter()).collect();
    Outgoing::Run {
        version: VERSION,
        lesson,
        status: RunStatus::Finished,
        records,
        claims_held: claims.iter().filter(|c| c.held).count(),
        claims: claims.len(),
        error: None,
    }
}

/// What a message from outside asks, if it is one the lesson obeys: it must come from the
/// parent origin named in the link, and be `{type: "interleave:run"}` (a `version`, if given,
/// must not be newer than ours).
pub fn is_run_request(
    origin: &str,
    parent: Option<&str>,
    kind: Option<&str>,
    version: Option<f64>,
) -> bool {
    parent == Some(origin)
        && kind == Some(RUN)
        && version.is_none_or(|v| v >= 1.0 && v <= f64::from(VERSION))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_takes_an_origin_and_names_what_is_wrong() {
        assert_eq!(
            parse_parent("https://Book.example").as_deref(),
            Ok("https://book.example")
        );
        assert_eq!(
            parse_parent("http://127.0.0.1:3000/").as_deref(),
            Ok("http://127.0.0.1:3000")
        );
        assert_eq!(
            parse_parent("http://[::1]:8080").as_deref(),
            Ok("http://[::1]:8080")
        );
        for (bad, why) in [
            ("book.example", "is not an origin"),
            ("javascript://x", "is not http or https"),
            ("https://", "has no host"),
            ("https://book.example/chapter-1", "has more than an origin"),
            ("https://a@book.example", "has more than an origin"),
            ("https://book.example:0", "port outside 1..=65535"),
            ("https://book.example:99999", "port outside 1..=65535"),
            ("https://:80", "has no host"),
        ] {
            let err = parse_parent(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(err.contains(&format!("'{bad}'")), "{err}");
            assert!(err.contains("allowed an origin"), "{err}");
        }
    }

    #[test]
    fn messages_carry_type_and_version() {
        let ready: serde_json::Value = serde_json::from_str(
            &Outgoing::Ready {
                version: VERSION,
                lesson: "race",
            }
            .to_json(),
        )
        .unwrap();
        assert_eq!(ready["type"], "interleave:ready");
        assert_eq!(ready["version"], 1);
        let height: serde_json::Value = serde_json::from_str(
            &Outgoing::Height {
                version: VERSION,
                height: 812,
            }
            .to_json(),
        )
        .unwrap();
        assert_eq!(height["type"], "interleave:height");
        assert_eq!(height["height"], 812);
        let run: serde_json::Value = serde_json::from_str(&finished("cpu", &[]).to_json()).unwrap();
        assert_eq!(run["type"], RUN);
        assert_eq!(run["status"], "finished");
        assert_eq!(run["records"], serde_json::json!([]));
        assert!(run.get("error").is_none());
    }

    #[test]
    fn only_the_named_parent_can_ask_for_a_run() {
        let parent = Some("https://book.example");
        assert!(is_run_request(
            "https://book.example",
            parent,
            Some(RUN),
            None
        ));
        assert!(is_run_request(
            "https://book.example",
            parent,
            Some(RUN),
            Some(1.0)
        ));
        // A stranger, no parent in the link, another type, a newer schema: ignored.
        assert!(!is_run_request(
            "https://evil.example",
            parent,
            Some(RUN),
            None
        ));
        assert!(!is_run_request(
            "https://book.example",
            None,
            Some(RUN),
            None
        ));
        assert!(!is_run_request(
            "https://book.example",
            parent,
            Some("interleave:height"),
            None
        ));
        assert!(!is_run_request("https://book.example", parent, None, None));
        assert!(!is_run_request(
            "https://book.example",
            parent,
            Some(RUN),
            Some(2.0)
        ));
    }
}
