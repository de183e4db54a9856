//! Who may talk to the companion. It starts processes on the user's machine, so a page on
//! another site must not reach it: cross-origin requests are already refused (no preflight
//! route, no form bodies), and this guard refuses DNS rebinding — a hostile name that resolves
//! to 127.0.0.1 makes the browser send that name as `Host`, which is not on the list.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Host names the companion answers to, and the port it listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGuard {
    names: Vec<String>,
    port: u16,
}

impl HostGuard {
    /// Loopback names (`localhost`, `127.0.0.1`, `::1`) plus `extra` (from `--allow-host`), on
    /// `port`.
    pub fn new(port: u16, extra: &[String]) -> Self {
        let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(String::from)
            .collect();
        names.extend(extra.iter().map(|n| n.trim().to_ascii_lowercase()));
        Self { names, port }
    }

    /// Whether a `Host` header value names us: an allowed name, and our port if it has one.
    /// (Trunk's proxy forwards with the backend's host and no port.)
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = if let Some(rest) = host.strip_prefix('[') {
            // [::1]:3917
            match rest.split_once(']') {
                Some((name, tail)) => (name.to_string(), tail.strip_prefix(':')),
                None => return false,
            }
        } else {
            match host.rsplit_once(':') {
                Some((name, port)) if !name.contains(':') => (name.to_string(), Some(port)),
                _ => (host.clone(), None),
            }
        };
        let port_ok = port.is_none_or(|p| p.parse::<u16>() == Ok(self.port));
        port_ok && self.names.contains(&name)
    }

    /// Whether an `Origin` header value is ours: `http(s)://NAME[:PORT]` with an allowed name on
    /// any port (the page comes through Trunk's proxy on its own port, 8080, not ours). A
    /// browser sends `Origin` on every POST, same-origin too, so its absence is fine.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        let Some(rest) = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
        else {
            return false;
        };
        let name = if let Some(v6) = rest.strip_prefix('[') {
            match v6.split_once(']') {
                Some((name, tail)) if tail.is_empty() || tail.starts_with(':') => name,
                _ => return false,
            }
        } else {
            match rest.rsplit_once(':') {
                Some((name, port)) if port.parse::<u16>().is_ok() => name,
                Some(_) => return false,
                None => rest,
            }
        };
        self.names.iter().any(|n| n == name)
    }

    /// The allowed names, for messages.
    fn listed(&self) -> String {
        self.names.join(", ")
    }
}

/// Middleware: answer 403 with a message to any request whose `Host` is not ours, whose
/// absolute-form target (`GET http://evil.example/…`) names another host, or whose `Origin` is
/// a page of another site.
pub async fn check(State(guard): State<Arc<HostGuard>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let refuse = |msg: String| {
        (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({ "error": msg })),
        )
            .into_response()
    };
    let host = match host {
        Some(h) if guard.allows(&h) => h,
        other => {
            return refuse(format!(
                "Host '{}' is not allowed: this companion answers only to {} on port {} \
                 (start it with --allow-host NAME to add a name)",
                other.unwrap_or_default(),
                guard.listed(),
                guard.port
            ));
        }
    };
    // An absolute-form target names its own host, which must be ours too.
    if let Some(authority) = req.uri().authority()
        && !guard.allows(authority.as_str())
    {
        return refuse(format!(
            "the request names host '{authority}' in its target while its Host is '{host}': \
             this companion answers only for itself"
        ));
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !guard.allows_origin(origin) {
            return refuse(format!(
                "Origin '{origin}' is not allowed: this companion serves pages from {} on any \
                 port (start it with --allow-host NAME to add a name)",
                guard.listed()
            ));
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_on_our_port_pass_and_others_do_not() {
        let g = HostGuard::new(3917, &["lab-box".into()]);
        for ok in [
            "127.0.0.1:3917",
            "localhost:3917",
            "LOCALHOST:3917",
            "[::1]:3917",
            "127.0.0.1",
            "lab-box:3917",
        ] {
            assert!(g.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:3917",
            "evil.example",
            "127.0.0.1:80",
            "localhost:39170",
            "127.0.0.1.evil.example:3917",
            "[::1",
            "",
        ] {
            assert!(!g.allows(bad), "{bad}");
        }
    }

    #[test]
    fn loopback_and_named_origins_on_any_port_pass_and_others_do_not() {
        let g = HostGuard::new(3917, &["lab-box".into()]);
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://localhost",
            "https://lab-box:443",
            "http://[::1]:8080",
        ] {
            assert!(g.allows_origin(ok), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://evil.example:8080",
            "http://127.0.0.1.evil.example:8080",
            "null",
            "file://",
            "http://localhost:notaport",
            "",
        ] {
            assert!(!g.allows_origin(bad), "{bad}");
        }
    }
}
