//! Several hosts on one machine: a network namespace per worker, each with its own address,
//! joined by a veth pair to a bridge in this namespace where the broker listens. Only our own
//! namespaces and links, on a private 10.77.x.0/24; all of them are removed when [`Hosts`] is
//! dropped. Needs root (`ip netns add`); without it the caller says so and exits 2.

use anyhow::{Context, Result, bail};
use std::net::Ipv4Addr;
use std::process::Command;

/// The namespaces, links and bridge of one run.
#[derive(Debug)]
pub struct Hosts {
    tag: String,
    subnet: u8,
    created_bridge: bool,
    created: Vec<u32>,
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
    /// Create `count` hosts. `tag` (a few letters and digits) keeps concurrent runs apart.
    pub fn create(count: u32, tag: &str) -> Result<Self> {
        if !is_root() {
            bail!("the hosts strategy needs root to create network namespaces");
        }
        // A subnet from the tag, so two runs at once do not share addresses.
        let subnet = tag
            .bytes()
            .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
            | 1;
        let mut hosts = Hosts {
            tag: tag.to_string(),
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
        format!("ilb{}", self.tag)
    }

    /// Namespace, outer veth end, inner veth end of host `k` (interface names stay under the
    /// kernel's 15 characters for tags of up to 6).
    fn names(&self, k: u32) -> (String, String, String) {
        (
            format!("il{}-{k}", self.tag),
            format!("ilo{}{k}", self.tag),
            format!("ili{}{k}", self.tag),
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
        let target = hosts.broker_addr().to_string();
        for k in 0..2 {
            let ok = hosts
                .exec_in(k)
                .args(["ip", "route", "get", &target])
                .output()
                .unwrap();
            assert!(ok.status.success(), "host {k} has no route to {target}");
        }
        assert!(exists(&["netns", "list"], "ilt1-0"));
        drop(hosts);
        assert!(!exists(&["netns", "list"], "ilt1-"));
        assert!(!exists(&["link", "show"], "ilbt1"));
        assert!(!exists(&["link", "show"], "ilot1"));
    }
}
