use super::*;

#[test]
fn round_robin_spreads_evenly_and_never_makes_empty_children() {
    let tasks: Vec<u32> = (0..5).collect();
    let per = round_robin(tasks.clone(), 2);
    assert_eq!(per, vec![vec![0, 2, 4], vec![1, 3]]);
    assert_eq!(round_robin(tasks, 9).len(), 5);
}

#[test]
fn a_hybrid_plan_gives_each_process_a_share_of_the_async_workers() {
    let tasks: Vec<Task> = (0..8)
        .map(|id| Task {
            id,
            job: Job::Echo { value: 1 },
        })
        .collect();
    let plan = Dispatch::new(Runs::Processes, 3, tasks.clone(), SpanKind::Wait);
    assert_eq!((plan.per_child.len(), plan.slots), (3, 1));
    let plan = Dispatch::new(Runs::ProcessesWithEventLoops, 8, tasks, SpanKind::Wait);
    let children = plan.per_child.len() as u32;
    assert_eq!(children, super::super::os::default_workers().clamp(1, 8));
    assert_eq!(plan.slots, 8u32.div_ceil(children));
}

/// The task a dead child was running is the first without an answer, found in one pass: a
/// child killed 200,000 tasks in (all answered but one) is reported at once. (Scanning every
/// answer for every task took about 2·10¹⁰ steps here.)
#[test]
fn the_unanswered_task_of_a_dead_child_is_found_in_one_pass() {
    let tasks: Vec<Task> = (0..200_000)
        .map(|id| Task {
            id,
            job: Job::Echo { value: 1 },
        })
        .collect();
    let answers = reader::ChildAnswers {
        outputs: (0..200_000u32)
            .filter(|&id| id != 123_456)
            .map(|id| (id, Output::Value { value: 1 }))
            .collect(),
        ..Default::default()
    };
    assert_eq!(death::unanswered(&tasks, Some(&answers)), Some(123_456));
    assert_eq!(death::unanswered(&tasks, None), Some(0));
    assert_eq!(death::unanswered(&tasks[..0], Some(&answers)), None);
}
