//! Several hosts on one machine: a network namespace per worker, each with its own address,
//! joined by a veth pair to a bridge in this namespace where the broker listens. Only our own
//! namespaces and links, on a private 10.77.x.0/24; all of them are removed when [`Hosts`] is
//! dropped. Needs root (`ip netns add`); without it the caller says so and exits 2.
//!
//! A master killed outright (SIGKILL runs no Drop) would leave them behind: namespaces are
//! kept alive by their mounts, links by the kernel, neither dies with a process. So every name
//! carries the master's pid, and [`sweep_dead_masters`] (run before a master makes hosts, and by
//! `interleave clean`) removes those whose master no longer exists.

use anyhow::{Context, Result, bail};
use std::net::Ipv4Addr;
use std::process::Command;

/// The namespaces, links and bridge of one run.
#[derive(Debug)]
pub struct Hosts {
    /// The master's pid in base 36 (five characters) and the run's two-letter tag: see [`Owner`].
    owner: Owner,
    subnet: u8,
    created_bridge: bool,
    created: Vec<u32>,
}

/// Whose namespaces and links these are: the master's pid, written in five base-36 digits so
/// that a veth name ("ilo" + pid + tag + host number) stays within the kernel's 15 characters,
/// and a tag of two letters or digits that keeps two runs of one process apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pid: u32,
    tag: String,
}

/// Prefixes of the bridge and the outer and inner veth ends.
const LINK_PREFIXES: [&str; 3] = ["ilb", "ilo", "ili"];
/// Prefix of a namespace's name.
const NETNS_PREFIX: &str = "il-";
/// Base-36 digits of a pid (36⁵ > 2²², Linux's largest pid).
const PID_DIGITS: usize = 5;

impl Owner {
    /// This process, with `tag` (letters and digits; two are used).
    fn this_process(tag: &str) -> Result<Self> {
        let tag: String = tag.chars().take(2).collect();
        if tag.len() != 2 || !tag.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("a hosts tag is two letters or digits, not '{tag}'");
        }
        Ok(Owner {
            pid: std::process::id(),
            tag: tag.to_ascii_lowercase(),
        })
    }

    /// "0000ab" + tag: the part of every name that says whose it is.
    fn stem(&self) -> String {
        let mut digits = [b'0'; PID_DIGITS];
        let mut n = self.pid;
        for d in digits.iter_mut().rev() {
            *d = char::from_digit(n % 36, 36).map_or(b'0', |c| c as u8);
            n /= 36;
        }
        format!("{}{}", String::from_utf8_lossy(&digits), self.tag)
    }

    /// The owner of a name we made, `None` for any other name (older namings included).
    fn of_name(name: &str) -> Option<Owner> {
        let rest = name
            .strip_prefix(NETNS_PREFIX)
            .or_else(|| LINK_PREFIXES.iter().find_map(|p| name.strip_prefix(p)))?;
        let (pid, rest) = (rest.get(..PID_DIGITS)?, rest.get(PID_DIGITS..)?);
        let tag = rest.get(..2)?;
        let k = rest.get(2..)?.trim_start_matches('-');
        let well_formed = tag.chars().all(|c| c.is_ascii_alphanumeric())
            && k.chars().all(|c| c.is_ascii_digit())
            && (k.is_empty() == name.starts_with("ilb"));
        if !well_formed {
            return None;
        }
        Some(Owner {
            pid: u32::from_str_radix(pid, 36).ok()?,
            tag: tag.to_string(),
        })
    }

    /// Whether the master is gone (a pid that exists, whoever has it now, is kept: better a
    /// leftover until that process ends than someone else's namespace removed).
    fn is_gone(&self) -> bool {
        let Ok(pid) = libc::pid_t::try_from(self.pid) else {
            return false;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    }
}

/// What a sweep removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub namespaces: Vec<String>,
    pub links: Vec<String>,
}

impl Swept {
    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty() && self.links.is_empty()
    }
}

/// Names `ip ARGS` lists, one per line, first word (and before any '@' of a veth's peer).
fn listed(args: &[&str]) -> Vec<String> {
    let Ok(out) = Command::new("ip").args(args).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .collect()
}

/// Remove the namespaces, bridges and veth links of masters that no longer exist. Best effort
/// and quiet on a machine without `ip` or root: there is then nothing of ours to remove.
pub fn sweep_dead_masters() -> Swept {
    let mut swept = Swept::default();
    if !is_root() {
        return swept;
    }
    let dead = |name: &str| Owner::of_name(name).is_some_and(|o| o.is_gone());
    for ns in listed(&["netns", "list"]) {
        if dead(&ns) && ip(&["netns", "del", &ns]).is_ok() {
            swept.namespaces.push(ns);
        }
    }
    // Deleting a namespace took its inner veth ends and their peers; what is left is bridges
    // and outer ends whose namespace was never made or already gone.
    for link in listed(&["-brief", "link", "show"]) {
        if dead(&link) && ip(&["link", "del", &link]).is_ok() {
            swept.links.push(link);
        }
    }
    swept
}

/// Run `ip ARGS`, failing with its stderr.
fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip` (Debian's iproute2)")?;
    if !out.status.success() {
        bail!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

pub use crate::exec::is_root;

impl Hosts {
    /// Create `count` hosts. `tag` (two letters or digits) keeps two runs of this process
    /// apart; the pid in every name keeps masters apart and lets a sweep find a dead one's.
    pub fn create(count: u32, tag: &str) -> Result<Self> {
        if !is_root() {
            bail!("the hosts strategy needs root to create network namespaces");
        }
        if count > 250 {
            bail!("hosts are numbered 10.77.x.2..=251: {count} is more than 250");
        }
        sweep_dead_masters();
        let owner = Owner::this_process(tag)?;
        // A subnet from the names, so two runs at once do not share addresses.
        let subnet = owner
            .stem()
            .bytes()
            .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
            | 1;
        let mut hosts = Hosts {
            owner,
            subnet,
            created_bridge: false,
            created: Vec::new(),
        };
        let bridge = hosts.bridge();
        ip(&["link", "add", &bridge, "type", "bridge"])?;
        hosts.created_bridge = true;
        ip(&[
            "addr",
            "add",
            &format!("{}/24", hosts.broker_addr()),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for k in 0..count {
            let (ns, outer, inner) = hosts.names(k);
            ip(&["netns", "add", &ns])?;
            hosts.created.push(k);
            ip(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ])?;
            ip(&["link", "set", &inner, "netns", &ns])?;
            ip(&["link", "set", &outer, "master", &bridge])?;
            ip(&["link", "set", &outer, "up"])?;
            let addr = format!("{}/24", hosts.worker_addr(k));
            ip(&[
                "netns", "exec", &ns, "ip", "addr", "add", &addr, "dev", &inner,
            ])?;
            ip(&["netns", "exec", &ns, "ip", "link", "set", &inner, "up"])?;
            ip(&["netns", "exec", &ns, "ip", "link", "set", "lo", "up"])?;
        }
        Ok(hosts)
    }

    fn bridge(&self) -> String {
        format!("ilb{}", self.owner.stem())
    }

    /// Namespace, outer veth end, inner veth end of host `k`: "il-0000ab7x-3", "ilo0000ab7x3",
    /// "ili0000ab7x3" (at most 13 characters for k < 1000, under the kernel's 15).
    fn names(&self, k: u32) -> (String, String, String) {
        let stem = self.owner.stem();
        (
            format!("{NETNS_PREFIX}{stem}-{k}"),
            format!("ilo{stem}{k}"),
            format!("ili{stem}{k}"),
        )
    }

    /// Where the broker listens: the bridge's address.
    pub fn broker_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, self.subnet, 1)
    }

    /// Host `k`'s address.
    pub fn worker_addr(&self, k: u32) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, self.subnet, 2 + k as u8)
    }

    /// The command prefix that runs a program inside host `k`.
    pub fn exec_in(&self, k: u32) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.names(k).0]);
        c
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        // Deleting a namespace destroys the veth end inside it, and with it its peer.
        for &k in &self.created {
            let (ns, outer, _) = self.names(k);
            let _ = ip(&["link", "del", &outer]);
            let _ = ip(&["netns", "del", &ns]);
        }
        if self.created_bridge {
            let _ = ip(&["link", "del", &self.bridge()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(what: &[&str], name: &str) -> bool {
        let out = Command::new("ip").args(what).output().unwrap();
        String::from_utf8_lossy(&out.stdout).contains(name)
    }

    /// Without root, making hosts is refused with the reason (exit 2 at the CLI).
    #[test]
    fn hosts_without_root_are_refused_with_the_reason() {
        if is_root() {
            return;
        }
        let err = Hosts::create(2, "t0").unwrap_err().to_string();
        assert!(err.contains("needs root"), "{err}");
    }

    /// Two hosts reach the bridge's address from their own namespaces, and nothing of them
    /// is left once dropped.
    #[test]
    fn hosts_reach_the_bridge_and_vanish_when_dropped() {
        if !crate::needs::needs(
            "hosts_reach_the_bridge_and_vanish_when_dropped",
            &[crate::needs::Need::Root, crate::needs::Need::Program("ip")],
        ) {
            return;
        }
        let hosts = Hosts::create(2, "t1").unwrap();
        let stem = hosts.owner.stem();
        let target = hosts.broker_addr().to_string();
        for k in 0..2 {
            let ok = hosts
                .exec_in(k)
                .args(["ip", "route", "get", &target])
                .output()
                .unwrap();
            assert!(ok.status.success(), "host {k} has no route to {target}");
        }
        assert!(exists(&["netns", "list"], &format!("il-{stem}-0")));
        drop(hosts);
        assert!(!exists(&["netns", "list"], &format!("il-{stem}-")));
        assert!(!exists(&["link", "show"], &format!("ilb{stem}")));
        assert!(!exists(&["link", "show"], &format!("ilo{stem}")));
    }

    /// Names carry their master: read back exactly, others (older namings, other software's
    /// links) are not ours.
    #[test]
    fn names_say_whose_they_are() {
        let owner = Owner {
            pid: 4_194_304,
            tag: "7x".into(),
        };
        let stem = owner.stem();
        assert_eq!(stem.len(), 7);
        for name in [
            format!("il-{stem}-0"),
            format!("il-{stem}-12"),
            format!("ilb{stem}"),
            format!("ilo{stem}249"),
            format!("ili{stem}3"),
        ] {
            assert!(name.len() <= 15 || name.starts_with("il-"), "{name}");
            assert_eq!(Owner::of_name(&name), Some(owner.clone()), "{name}");
        }
        for other in [
            "il3fa2-0",
            "ilo3fa20",
            "ilb3fa2",
            "eth0",
            "ilbabc",
            "ilo0000ab",
            "ilb0000ab7x1",
            "ilo0000ab7x",
        ] {
            assert_eq!(Owner::of_name(other), None, "{other}");
        }
        assert!(Owner::this_process("!").is_err());
        assert!(!Owner::this_process("ab").unwrap().is_gone());
    }
}
