//! The enumerator against hand counts and against a second method: a plain depth-first walk
//! that lists every schedule explicitly, with no memo.

use super::*;

/// Every schedule of `m`, written out by stepping the program one step at a time (no memo,
/// no state graph): the second method the counts are checked against.
fn all_schedules(m: &Model) -> Vec<(Vec<usize>, bool)> {
    fn walk(m: &Model, path: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, bool)>) {
        let now = program::walk(&m.program, path).unwrap();
        if let Some(ended) = now.ended {
            out.push((path.clone(), ended.bad));
            return;
        }
        for w in 0..m.workers() {
            if now.threads[w].status == program::Status::Ready {
                path.push(w);
                walk(m, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(m, &mut Vec::new(), &mut out);
    out
}

fn census_by_listing(m: &Model) -> Census {
    let all = all_schedules(m);
    let wrong: Vec<&Vec<usize>> = all.iter().filter(|(_, w)| *w).map(|(p, _)| p).collect();
    let shortest = wrong
        .iter()
        .min_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)))
        .map(|p| (*p).clone());
    Census {
        schedules: all.len() as u64,
        wrong: wrong.len() as u64,
        shortest_wrong: shortest,
    }
}

#[test]
fn every_model_is_a_program_shown_as_code() {
    for lesson in [LessonId::Race, LessonId::Deadlock] {
        for s in strategies(lesson) {
            let workers = if lesson == LessonId::Deadlock {
                2..=2
            } else {
                1..=MAX_WORKERS
            };
            for w in workers {
                for r in [1, MAX_ROUNDS] {
                    let m = model(lesson, s.name(), w, r).unwrap();
                    assert_eq!(m.program.threads().len(), w as usize, "{}", m.source);
                }
            }
        }
    }
    let m = model(LessonId::Race, "unsynchronized", 2, 1).unwrap();
    assert!(
        m.source
            .contains("thread w1:\n    r = balance\n    balance = r + 8\n"),
        "{}",
        m.source
    );
    assert!(m.source.ends_with("check balance == 0\n"), "{}", m.source);
}

#[test]
fn deadlock_counts_match_the_hand_count() {
    // Opposite orders: after 0,1 or 1,0 both hold one lock and wait for the other (2 wrong);
    // a worker that takes both first leaves 2 ways to finish, for each of the two workers.
    let m = model(LessonId::Deadlock, "opposite-order", 2, 1).unwrap();
    let c = enumerate(&m).unwrap();
    assert_eq!((c.schedules, c.wrong), (6, 2));
    assert_eq!(c.shortest_wrong, Some(vec![0, 1]));
    // One order: whoever locks A first runs to the end; the other then runs alone.
    let m = model(LessonId::Deadlock, "ordered", 2, 1).unwrap();
    let c = enumerate(&m).unwrap();
    assert_eq!((c.schedules, c.wrong, c.shortest_wrong), (2, 0, None));
}

#[test]
fn atomic_and_lone_workers_never_go_wrong() {
    // Two workers of two indivisible steps each: C(4, 2) = 6 interleavings.
    let c = enumerate(&model(LessonId::Race, "atomic", 2, 1).unwrap()).unwrap();
    assert_eq!((c.schedules, c.wrong), (6, 0));
    let c = enumerate(&model(LessonId::Race, "unsynchronized", 1, 3).unwrap()).unwrap();
    assert_eq!((c.schedules, c.wrong), (1, 0));
}

#[test]
fn unsynchronized_race_loses_updates_in_a_counted_share_of_schedules() {
    // Nothing blocks, so every interleaving is a schedule: C(8, 4) = 70.
    let m = model(LessonId::Race, "unsynchronized", 2, 1).unwrap();
    let c = enumerate(&m).unwrap();
    assert_eq!(c.schedules, 70);
    assert_eq!(c, census_by_listing(&m));
    assert!(c.wrong > 0);
    // The shortest wrong schedule is a full one (the race always finishes); the first in
    // lexicographic order is 0,0,0,1,0,1,1,1: worker 1 reads 5 just before worker 0 withdraws,
    // then stores 5 + 8 over the withdrawal.
    assert_eq!(c.wrong, 40);
    let shortest = c.shortest_wrong.unwrap();
    assert_eq!(shortest, vec![0, 0, 0, 1, 0, 1, 1, 1]);
    let r = replay(&m, &shortest).unwrap();
    assert!(r.wrong && r.end.balance != Some(0), "{r:?}");
}

#[test]
fn the_memoised_count_equals_listing_every_schedule() {
    for (lesson, strategy, workers, rounds) in [
        // Listing walks every prefix from the start: sizes of a few thousand schedules keep
        // it quick in a debug build (the program engine's own tests list larger ones).
        (LessonId::Race, "unsynchronized", 3, 1),
        (LessonId::Race, "mutex", 2, 1),
        (LessonId::Race, "mutex", 2, 2),
        (LessonId::Race, "mutex", 3, 1),
        (LessonId::Race, "atomic", 2, 2),
        (LessonId::Deadlock, "opposite-order", 2, 2),
        (LessonId::Deadlock, "ordered", 2, 3),
    ] {
        let m = model(lesson, strategy, workers, rounds).unwrap();
        assert_eq!(
            enumerate(&m).unwrap(),
            census_by_listing(&m),
            "{}",
            describe(&m)
        );
    }
}

#[test]
fn the_fixes_are_right_in_every_schedule_and_the_bug_is_not() {
    // What loom proves for the real code (race.rs, `--cfg loom`), the model shows too.
    for (strategy, can_go_wrong) in [
        ("unsynchronized", true),
        ("mutex", false),
        ("atomic", false),
    ] {
        let c = enumerate(&model(LessonId::Race, strategy, 2, 1).unwrap()).unwrap();
        assert_eq!(c.wrong > 0, can_go_wrong, "{strategy}");
    }
}

#[test]
fn mutex_schedules_are_fewer_than_interleavings_because_waiting_blocks() {
    let m = model(LessonId::Race, "mutex", 2, 1).unwrap();
    let c = enumerate(&m).unwrap();
    assert!(u128::from(c.schedules) < m.interleavings().unwrap());
    // Each of the four critical sections runs whole once started: 4!/(2!·2!) = 6 orders of
    // sections, and between sections the waiting worker's lock step ends up at the only free
    // moment, so every order is one schedule.
    assert_eq!(c.schedules, 6);
}

#[test]
fn too_large_spaces_are_refused_before_any_work() {
    let m = model(LessonId::Race, "unsynchronized", 3, 3).unwrap();
    let err = enumerate(&m).unwrap_err().to_string();
    assert!(
        err.contains(
            "race unsynchronized with 3 workers × 3 rounds has 3384731762521200 schedules"
        ) && err.contains("more than the 10000000"),
        "{err}"
    );
    // Locks make the interleavings a loose bound: the exact count decides, after bounded work.
    let m = model(LessonId::Race, "mutex", 2, 2).unwrap();
    assert!(m.interleavings().unwrap() > MAX_SCHEDULES);
    assert!(enumerate(&m).is_ok());
    let m = model(LessonId::Race, "mutex", 8, 16).unwrap();
    let err = enumerate(&m).unwrap_err().to_string();
    assert!(
        err.contains("race mutex with 8 workers × 16 rounds has"),
        "{err}"
    );
}

#[test]
fn replays_name_the_position_and_the_reason() {
    let m = model(LessonId::Deadlock, "opposite-order", 2, 1).unwrap();
    let r = replay(&m, &[0, 1]).unwrap();
    assert!(r.wrong);
    assert_eq!(r.end.locks, vec![Some(0), Some(1)]);
    let err = replay(&m, &[0, 0, 1]).unwrap_err().to_string();
    assert_eq!(
        err,
        "schedule position 2: worker 1 is blocked: its next step takes lock B held by worker 0"
    );
    let err = replay(&m, &[0, 2]).unwrap_err().to_string();
    assert!(err.contains("position 1: worker 2 does not exist"), "{err}");
    let err = replay(&m, &[0]).unwrap_err().to_string();
    assert!(
        err.contains("position 1: the schedule stops early"),
        "{err}"
    );
    let err = parse_schedule("0, x").unwrap_err().to_string();
    assert!(
        err.contains("position 1: 'x' is not a worker number"),
        "{err}"
    );
    let done = model(LessonId::Race, "atomic", 1, 1).unwrap();
    let err = replay(&done, &[0, 0, 0]).unwrap_err().to_string();
    assert!(
        err.contains("position 2: worker 0 has already finished"),
        "{err}"
    );
}

#[test]
fn models_refuse_what_they_do_not_have() {
    let err = model(LessonId::Cpu, "sequential", 2, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("explorable lessons: race, deadlock"), "{err}");
    let err = model(LessonId::Race, "spinlock", 2, 1)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("allowed: unsynchronized, mutex, atomic"),
        "{err}"
    );
    let err = model(LessonId::Deadlock, "ordered", 3, 1)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("workers 3 is out of range: allowed 2..=2"),
        "{err}"
    );
    let err = model(LessonId::Race, "mutex", 2, 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rounds 0 is out of range: allowed 1..=16"),
        "{err}"
    );
}

/// Loom, which runs the real atomics of the race lesson under every interleaving, and the
/// explorer, which enumerates the lesson's step model, agree on which strategies can lose an
/// update.
#[cfg(loom)]
#[test]
fn loom_and_the_explorer_agree_on_which_strategies_can_go_wrong() {
    use crate::catalogue::LessonId;
    use crate::lessons::race::Variant;
    use std::sync::atomic::{AtomicBool, Ordering as O};
    static LOST: AtomicBool = AtomicBool::new(false);
    for (variant, name) in [
        (Variant::Unsynchronized, "unsynchronized"),
        (Variant::Mutex, "mutex"),
        (Variant::Atomic, "atomic"),
    ] {
        LOST.store(false, O::SeqCst);
        loom::model(move || {
            if crate::lessons::race::loom_tests::two_workers(variant) != 0 {
                LOST.store(true, O::SeqCst);
            }
        });
        let m = model(LessonId::Race, name, 2, 1).unwrap();
        let census = enumerate(&m).unwrap();
        assert_eq!(LOST.load(O::SeqCst), census.wrong > 0, "{name}");
    }
}
