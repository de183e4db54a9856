//! What a test needs from the machine beyond Rust: root (network namespaces), Debian's
//! nats-server (the distributed lesson's broker), `ip` (iproute2). A contributor's `cargo test`
//! runs without them: a test whose need is missing says so in one line and passes without
//! running. `scripts/test` sets `INTERLEAVE_REQUIRE_ALL=1`, under which a missing need fails
//! the test instead, so CI can never skip one silently.
//!
//! Shared by the binary's unit tests (`native/src/main.rs` includes this file) and the
//! integration tests in `native/tests/`.

#![allow(dead_code, reason = "each test file uses some of these")]

use std::path::Path;

/// Something a test needs that a contributor's machine may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Running as root: network namespaces and veth links.
    Root,
    /// A program on PATH, by name (`nats-server`, `ip`).
    Program(&'static str),
}

impl Need {
    fn met(self) -> bool {
        match self {
            // SAFETY: geteuid(2) has no preconditions and cannot fail.
            Need::Root => (unsafe { libc::geteuid() }) == 0,
            Need::Program(name) => on_path(name),
        }
    }

    fn describe(self) -> String {
        match self {
            Need::Root => "root (network namespaces; CI runs as root)".to_string(),
            Need::Program(name) => format!("{name} (`sudo scripts/setup test` installs it)"),
        }
    }
}

fn on_path(name: &str) -> bool {
    // Root's PATH has /usr/sbin (where Debian puts nats-server); a user's may not, and the
    // binary finds it there too.
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|d| is_executable(&d.join(name)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether every one of `needs` is met. When one is not: under `INTERLEAVE_REQUIRE_ALL=1`
/// panic (CI must run everything); otherwise print one line naming the test, what it needs
/// and how to get it, and return `false` so the test returns early.
pub fn needs(test: &str, needs: &[Need]) -> bool {
    let missing: Vec<String> = needs
        .iter()
        .filter(|n| !n.met())
        .map(|n| n.describe())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let line = format!("skipped: {test} needs {}", missing.join(" and "));
    if std::env::var_os("INTERLEAVE_REQUIRE_ALL").is_some_and(|v| v == "1") {
        panic!("{line} (INTERLEAVE_REQUIRE_ALL=1: nothing may be skipped)");
    }
    // Straight to the process's stderr, past the test harness's capture, so `cargo test`
    // shows every skip even though the test passes.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    false
}

/// The broker tests' need: nats-server.
pub const BROKER: &[Need] = &[Need::Program("nats-server")];
/// The hosts tests' needs: root and iproute2, besides the broker.
pub const HOSTS: &[Need] = &[
    Need::Root,
    Need::Program("ip"),
    Need::Program("nats-server"),
];

/// The needs behind a strategy's catalogue requirements.
pub fn for_requirements(requires: &[interleave_shared::Requirement]) -> Vec<Need> {
    requires
        .iter()
        .map(|r| match r {
            interleave_shared::Requirement::Root => Need::Root,
            interleave_shared::Requirement::Broker => Need::Program("nats-server"),
        })
        .collect()
}

/// Whether this machine can run a strategy with `requires`, without printing anything (for
/// counting what a command will leave out).
pub fn can_run(requires: &[interleave_shared::Requirement]) -> bool {
    for_requirements(requires).iter().all(|n| n.met())
}
