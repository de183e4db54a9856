//! How much memory a run may still use here: what the kernel says is available, and what this
//! process's control group (a container, a systemd slice) still allows, whichever is less. A
//! run that would need more is refused before it starts, naming the figure, rather than being
//! killed half-way by the OOM killer (or aborting, as an allocation failure does).

/// The smaller of the two limits, with a phrase saying which it was; `None` where neither can
/// be read (not Linux, no /proc).
pub fn available() -> Option<(u64, String)> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let machine = meminfo.as_deref().and_then(mem_available).map(|b| {
        (
            b,
            "memory this machine has available (MemAvailable)".to_string(),
        )
    });
    let group = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|text| cgroup_room(&text, &|path| std::fs::read_to_string(path).ok()));
    match (machine, group) {
        (Some(m), Some(g)) => Some(if g.0 < m.0 { g } else { m }),
        (m, g) => m.or(g),
    }
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// Room left under the tightest `memory.max` of this process's cgroup (v2) and its ancestors:
/// `memory.max − memory.current` of each, the least of them. `read` reads a file (a parameter
/// so the walk is tested without a cgroup tree).
fn cgroup_room(self_cgroup: &str, read: &dyn Fn(&str) -> Option<String>) -> Option<(u64, String)> {
    // cgroup v2: one line "0::/path/of/the/group".
    let path = self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))?
        .trim();
    let mut best: Option<(u64, String)> = None;
    let mut dir = path.trim_end_matches('/').to_string();
    loop {
        let base = format!("/sys/fs/cgroup{dir}");
        let max = read(&format!("{base}/memory.max")).and_then(|m| m.trim().parse::<u64>().ok());
        if let Some(max) = max {
            let current = read(&format!("{base}/memory.current"))
                .and_then(|c| c.trim().parse::<u64>().ok())
                .unwrap_or(0);
            let room = max.saturating_sub(current);
            if best.as_ref().is_none_or(|(b, _)| room < *b) {
                let what = format!(
                    "room left under this process's cgroup limit ({base}/memory.max {max} bytes, \
                     {current} in use)"
                );
                best = Some((room, what));
            }
        }
        match dir.rfind('/') {
            Some(i) if !dir.is_empty() => dir.truncate(i),
            _ => break,
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_read_in_bytes() {
        let text = "MemTotal:       24684544 kB\nMemFree:        23318528 kB\nMemAvailable:   24231340 kB\n";
        assert_eq!(mem_available(text), Some(24_231_340 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }

    /// The tightest limit on the way up wins; "max" (no limit) counts for nothing.
    #[test]
    fn the_tightest_cgroup_limit_on_the_way_up_counts() {
        let files = |path: &str| -> Option<String> {
            match path {
                "/sys/fs/cgroup/a/b/memory.max" => Some("max\n".into()),
                "/sys/fs/cgroup/a/memory.max" => Some("6442450944\n".into()),
                "/sys/fs/cgroup/a/memory.current" => Some("1073741824\n".into()),
                "/sys/fs/cgroup/memory.max" => None,
                _ => None,
            }
        };
        let (room, what) = cgroup_room("0::/a/b\n", &files).unwrap();
        assert_eq!(room, 5 * 1024 * 1024 * 1024);
        assert!(
            what.contains("/sys/fs/cgroup/a/memory.max 6442450944"),
            "{what}"
        );
        assert_eq!(cgroup_room("0::/\n", &|_| Some("max".into())), None);
        assert_eq!(cgroup_room("1:cpu:/x\n", &files), None);
    }

    #[test]
    fn this_machine_has_some_memory_available() {
        let (bytes, what) = available().unwrap();
        assert!(bytes > 0, "{what}");
    }
}
