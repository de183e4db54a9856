//! Where a master's run spent its time, phase by phase, in words a learner reads.

/// Where a master's run spent its time: milliseconds since the master started (before its
/// broker), each phase ending at its mark.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Phases {
    /// The workers' hosts (network namespaces) exist (0 without `hosts`).
    pub hosts_ready: f64,
    /// The private broker accepts connections (with an external broker: `hosts_ready`).
    pub broker_ready: f64,
    /// Connected, the run's streams and the workers' consumer created.
    pub queue_ready: f64,
    /// Worker processes started (spawned, not yet connected).
    pub workers_started: f64,
    /// Every task stored by the broker.
    pub published: f64,
    /// Every task answered.
    pub collected: f64,
    /// Workers ended, streams removed.
    pub ended: f64,
    /// The private broker stopped and its store removed, the hosts removed.
    pub cleaned_up: f64,
}

impl Phases {
    /// Where the master's time went, in words a learner reads beside the timeline (which shows
    /// only the tasks' part).
    pub fn summary(&self, tasks: usize, own_broker: bool) -> String {
        let mut parts = Vec::new();
        if self.hosts_ready > 0.0 {
            parts.push(format!(
                "hosts (network namespaces) made {:.0} ms",
                self.hosts_ready
            ));
        }
        if own_broker {
            parts.push(format!(
                "broker started {:.0} ms",
                self.broker_ready - self.hosts_ready
            ));
        }
        parts.push(format!(
            "queue set up {:.0} ms",
            self.queue_ready - self.broker_ready
        ));
        parts.push(format!(
            "{tasks} tasks out and answered {:.0} ms (the timeline)",
            self.collected - self.workers_started
        ));
        parts.push(format!(
            "workers stopped, queue removed {:.0} ms",
            self.ended - self.collected
        ));
        let cleaned = self.cleaned_up - self.ended;
        match (own_broker, self.hosts_ready > 0.0) {
            (true, true) => parts.push(format!("broker stopped, hosts removed {cleaned:.0} ms")),
            (true, false) => parts.push(format!("broker stopped {cleaned:.0} ms")),
            (false, true) => parts.push(format!("hosts removed {cleaned:.0} ms")),
            (false, false) => {}
        }
        format!("where the master's time went: {}", parts.join(", "))
    }
}
