//! What one lesson's records carry beyond every record's fields: the queue's fill over time, how
//! a broker delivered the tasks, the wait-for cycle of a deadlock. One enum, flattened into
//! [`RunRecord`](crate::RunRecord), so a lesson with data of its own adds a variant here rather
//! than a field to every record, and the JSON stays flat: `levels`, `delivery`, `hosts` and
//! `cycle` sit beside `wall_ms` as they always have.
//!
//! A leaf below `record`: lessons fill it in, views read it, and neither has to parse it back
//! out of a result's text.

use serde::{Deserialize, Serialize};

/// Lesson-specific data of a record. In JSON its fields sit at the record's top level; reading
/// tries the variants in order and falls back to [`LessonDetail::None`], so a record without
/// any of these keys (every lesson but three, and records written before a key existed) parses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LessonDetail {
    /// distributed: how the broker delivered the tasks, and where each worker ran.
    Distributed {
        /// Tasks, deliveries, redeliveries.
        delivery: Delivery,
        /// The address each worker ran at, by worker number.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hosts: Vec<String>,
    },
    /// queue: how many items waited in the queue over time, as `[ms, items]` at each change,
    /// thinned to at most [`MAX_LEVELS`] points (each kept point the fullest of its stretch).
    Queue {
        /// The fill, sorted by time.
        levels: Vec<(f64, u32)>,
    },
    /// event-loop: every task's states over the run, and the ready queue's length over time as
    /// `[ms, tasks ready]` at each change.
    EventLoop {
        /// The tasks, by id.
        tasks: Vec<crate::tasks::TaskTrace>,
        /// The ready queue.
        ready: Vec<(f64, u32)>,
    },
    /// deadlock: the wait-for cycle a worker reported (absent when every round completed).
    Deadlock {
        /// Its steps, starting at the lowest worker.
        cycle: Vec<WaitFor>,
    },
    /// Nothing beyond the common fields.
    None {},
}

impl Default for LessonDetail {
    fn default() -> Self {
        LessonDetail::None {}
    }
}

impl LessonDetail {
    /// The queue's fill from unsorted `samples`, sorted and thinned to [`MAX_LEVELS`].
    pub fn levels(mut samples: Vec<(f64, u32)>) -> Self {
        samples.sort_by(|a, b| a.0.total_cmp(&b.0));
        LessonDetail::Queue {
            levels: thin(samples, MAX_LEVELS),
        }
    }

    /// The queue's fill, empty for every other lesson.
    pub fn queue_levels(&self) -> &[(f64, u32)] {
        match self {
            LessonDetail::Queue { levels } => levels,
            _ => &[],
        }
    }

    /// The broker's delivery counts, for the distributed lesson.
    pub fn delivery(&self) -> Option<Delivery> {
        match self {
            LessonDetail::Distributed { delivery, .. } => Some(*delivery),
            _ => None,
        }
    }

    /// Where each worker ran, for the distributed lesson.
    pub fn hosts(&self) -> &[String] {
        match self {
            LessonDetail::Distributed { hosts, .. } => hosts,
            _ => &[],
        }
    }

    /// The event loop's tasks, for the event-loop lesson.
    pub fn tasks(&self) -> Option<&[crate::tasks::TaskTrace]> {
        match self {
            LessonDetail::EventLoop { tasks, .. } => Some(tasks),
            _ => None,
        }
    }

    /// The event loop's tasks, with the ready queue they add up to.
    pub fn event_loop(tasks: Vec<crate::tasks::TaskTrace>) -> Self {
        let ready = crate::tasks::ready_queue(&tasks);
        LessonDetail::EventLoop { tasks, ready }
    }

    /// The ready queue's length over time, for the event-loop lesson.
    pub fn ready(&self) -> &[(f64, u32)] {
        match self {
            LessonDetail::EventLoop { ready, .. } => ready,
            _ => &[],
        }
    }

    /// The reported wait-for cycle, for a deadlock that happened.
    pub fn cycle(&self) -> Option<&[WaitFor]> {
        match self {
            LessonDetail::Deadlock { cycle } if !cycle.is_empty() => Some(cycle),
            _ => None,
        }
    }
}

/// How a broker delivered a run's tasks: at least once each, more when a worker died holding
/// one. The answers were still counted once per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Tasks published.
    pub tasks: u64,
    /// Deliveries in all.
    pub deliveries: u64,
    /// Tasks whose counted answer came from a second or later delivery.
    pub redelivered: u64,
}

/// One step of a reported wait-for cycle: `worker` holds `holds` and waits for `wants`, which
/// `held_by` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitFor {
    /// The waiting worker.
    pub worker: u32,
    /// The locks it holds ("A", or "A+B").
    pub holds: String,
    /// The lock it waits for.
    pub wants: String,
    /// Who holds that lock.
    pub held_by: u32,
}

impl std::fmt::Display for WaitFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "w{} holds {} and waits for {} held by w{}",
            self.worker, self.holds, self.wants, self.held_by
        )
    }
}

/// Most points kept of a queue's fill over time: enough for a chart as wide as a page.
pub const MAX_LEVELS: usize = 400;

/// At most `max` of `samples` (sorted by time): the samples are cut into `max` stretches of
/// equal count and the fullest of each is kept, so a short burst to the top survives thinning.
pub fn thin(samples: Vec<(f64, u32)>, max: usize) -> Vec<(f64, u32)> {
    if samples.len() <= max || max == 0 {
        return samples;
    }
    let per = samples.len().div_ceil(max);
    samples
        .chunks(per)
        .filter_map(|c| c.iter().copied().max_by_key(|s| s.1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thinning keeps the peaks: a queue that was full for one instant still shows full.
    #[test]
    fn thinning_keeps_at_most_max_points_and_every_stretch_s_peak() {
        let mut samples: Vec<(f64, u32)> =
            (0..10_000).map(|i| (i as f64, (i % 7) as u32)).collect();
        samples[5_001].1 = 8;
        let thin = thin(samples.clone(), 400);
        assert!(thin.len() <= 400, "{}", thin.len());
        assert!(thin.contains(&(5_001.0, 8)));
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(super::thin(samples[..10].to_vec(), 400).len(), 10);
        let d = LessonDetail::levels(vec![(2.0, 1), (1.0, 0)]);
        assert_eq!(d.queue_levels(), &[(1.0, 0), (2.0, 1)]);
    }

    /// Each variant writes exactly its own keys and reads back as itself; a record with none
    /// of them reads as `None`.
    #[test]
    fn every_variant_round_trips_through_flat_keys() {
        let wait = WaitFor {
            worker: 0,
            holds: "A".into(),
            wants: "B".into(),
            held_by: 1,
        };
        let cases = [
            (
                LessonDetail::Distributed {
                    delivery: Delivery {
                        tasks: 3,
                        deliveries: 4,
                        redelivered: 1,
                    },
                    hosts: vec!["10.0.0.2".into()],
                },
                vec!["delivery", "hosts"],
            ),
            (LessonDetail::levels(vec![(1.0, 2)]), vec!["levels"]),
            (
                LessonDetail::Deadlock {
                    cycle: vec![wait.clone()],
                },
                vec!["cycle"],
            ),
            (LessonDetail::None {}, vec![]),
        ];
        for (detail, keys) in cases {
            let v = serde_json::to_value(&detail).unwrap();
            let mut got: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            got.sort_unstable();
            assert_eq!(got, keys, "{detail:?}");
            let back: LessonDetail = serde_json::from_value(v).unwrap();
            assert_eq!(back, detail);
        }
        assert_eq!(
            wait.to_string(),
            "w0 holds A and waits for B held by w1",
            "the text the result line is made of"
        );
    }
}
