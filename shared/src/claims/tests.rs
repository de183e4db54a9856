use super::*;
use crate::facts::Fact;
use crate::record::{Span, SpanKind, annotate_speedups, fixture};
use std::ops::Not;

fn rec(lesson: LessonId, strategy: &str, side: Side, wall_ms: f64, workers: u32) -> RunRecord {
    let mut r = fixture(lesson, strategy, side, wall_ms, workers, true);
    // One compute span per worker, each as long as the run: every worker busy throughout.
    r.spans = (0..workers)
        .map(|w| Span {
            worker: w,
            task: w,
            start_ms: 0.0,
            end_ms: wall_ms,
            kind: SpanKind::Compute,
        })
        .collect();
    r.workers_used = workers;
    r
}

fn claim<'a>(records: &'a [RunRecord], strategy: &str, id: &str) -> &'a ClaimResult {
    records
        .iter()
        .find(|r| r.strategy.name() == strategy)
        .and_then(|r| r.claims.iter().find(|c| c.id == id))
        .unwrap_or_else(|| panic!("no claim {id} on {strategy}"))
}

#[test]
fn a_parallel_win_holds_with_its_figures() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Native, 200.0, 1),
        rec(LessonId::Cpu, "threads", Side::Native, 105.0, 2),
        rec(LessonId::Cpu, "async", Side::Native, 198.0, 2),
    ];
    for s in ["pool", "rayon", "processes", "hybrid"] {
        rs.push(rec(LessonId::Cpu, s, Side::Native, 110.0, 2));
    }
    annotate_speedups(&mut rs);
    evaluate(&mut rs);
    let c = claim(&rs, "threads", "parallel-faster");
    assert!(c.held, "{c:?}");
    assert!(
        c.why.contains("threads 1.90×") && c.why.contains("sequential (200 ms)"),
        "{}",
        c.why
    );
    // The same result is attached to the baseline's record.
    assert!(claim(&rs, "sequential", "parallel-faster").held);
    assert!(claim(&rs, "async", "async-not-faster").held);
    // Claims of the other side are not checked here.
    assert!(
        rs.iter()
            .all(|r| r.claims.iter().all(|c| !c.text.contains("web-worker")))
    );
}

#[test]
fn a_parallel_strategy_forced_onto_one_worker_does_not_hold_and_says_why() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Web, 200.0, 1),
        rec(LessonId::Cpu, "pool", Side::Web, 198.0, 1),
    ];
    evaluate(&mut rs);
    let c = claim(&rs, "pool", "parallel-faster");
    assert!(!c.held);
    assert!(
        c.why
            .contains("it ran on 1 worker, so nothing ran at the same time"),
        "{}",
        c.why
    );
}

#[test]
fn busy_cores_are_named_from_the_spans() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Native, 100.0, 1),
        // Two workers, each computing 90 ms: 180 ms of computing for 100 ms of work.
        rec(LessonId::Cpu, "rayon", Side::Native, 90.0, 2),
    ];
    evaluate(&mut rs);
    let c = claim(&rs, "rayon", "parallel-faster");
    assert!(!c.held);
    assert!(
        c.why
            .contains("1.8× as long computing as sequential did alone"),
        "{}",
        c.why
    );
}

/// The same stretched computing, with what the machine was measured doing: the reason names
/// the cause that was measured, never "another program" when none was busy.
#[test]
fn a_stretch_is_blamed_on_what_the_machine_was_measured_doing() {
    use crate::machine::Machine;
    let sample = |other: Option<f64>, steal: Option<f64>, core: f64| Machine {
        other_cores: other,
        steal_cores: steal,
        core_ms: [core, core],
    };
    let why = |seq_core: f64, par: Machine| {
        let mut rs = vec![
            rec(LessonId::Cpu, "sequential", Side::Native, 100.0, 1),
            rec(LessonId::Cpu, "rayon", Side::Native, 90.0, 2),
        ];
        rs[0].machine = Some(sample(Some(0.0), Some(0.0), seq_core));
        rs[1].machine = Some(par);
        evaluate(&mut rs);
        claim(&rs, "rayon", "parallel-faster").why.clone()
    };
    let busy = why(0.5, sample(Some(0.9), Some(0.0), 0.5));
    assert!(
        busy.contains("other programs kept 0.9 cores busy"),
        "{busy}"
    );
    let stolen = why(0.5, sample(Some(0.05), Some(0.6), 0.5));
    assert!(stolen.contains("the hypervisor took 0.7 cores"), "{stolen}");
    let slower = why(0.5, sample(Some(0.05), Some(0.0), 0.7));
    assert!(
        slower.contains("this machine's cores ran 1.40× slower during it than during sequential"),
        "{slower}"
    );
    assert!(!slower.contains("another program"), "{slower}");
    let each_other = why(0.5, sample(Some(0.04), Some(0.0), 0.52));
    assert!(
        each_other.contains("other programs kept only 0.04 cores busy"),
        "{each_other}"
    );
    assert!(
        each_other.contains("slowed each other down"),
        "{each_other}"
    );
    // In a browser: no load figure, so both remaining causes are named as possible.
    let browser = why(0.5, sample(None, None, 0.5));
    assert!(
        browser.contains("a browser cannot see other programs' load"),
        "{browser}"
    );
}

#[test]
fn async_faster_than_sequential_does_not_hold_and_blames_the_warm_up() {
    let mut seq = rec(LessonId::Cpu, "sequential", Side::Web, 300.0, 1);
    // Four tasks, the first three times as long as the rest: a cold start.
    seq.spans = [(0.0, 150.0), (150.0, 200.0), (200.0, 250.0), (250.0, 300.0)]
        .iter()
        .enumerate()
        .map(|(i, (a, b))| Span {
            worker: 0,
            task: i as u32,
            start_ms: *a,
            end_ms: *b,
            kind: SpanKind::Compute,
        })
        .collect();
    let mut rs = vec![seq, rec(LessonId::Cpu, "async", Side::Web, 200.0, 2)];
    evaluate(&mut rs);
    let c = claim(&rs, "async", "async-not-faster");
    assert!(!c.held);
    assert!(
        c.why.contains("first task took 3.0× its typical one"),
        "{}",
        c.why
    );
}

#[test]
fn the_race_claims_read_the_bug_and_the_exact_fixes() {
    let mut lost = rec(LessonId::Race, "unsynchronized", Side::Native, 70.0, 2);
    lost.correct = false;
    lost.result = "balance 61".into();
    lost.shows_bug = true;
    let mut rs = vec![
        lost,
        rec(LessonId::Race, "mutex", Side::Native, 300.0, 2),
        rec(LessonId::Race, "atomic", Side::Native, 150.0, 2),
    ];
    evaluate(&mut rs);
    assert!(claim(&rs, "unsynchronized", "unsync-loses").held);
    assert!(claim(&rs, "mutex", "fixes-exact").held);
    // A run in which the two workers barely overlapped: the bug is not shown, and why.
    let mut rs = vec![rec(LessonId::Race, "unsynchronized", Side::Native, 70.0, 2)];
    rs[0].spans[1].start_ms = 69.7;
    rs[0].result = "balance 0".into();
    evaluate(&mut rs);
    let c = claim(&rs, "unsynchronized", "unsync-loses");
    assert!(!c.held);
    assert!(
        c.why
            .contains("ran at the same time for only 0.300 ms of 70.0 ms"),
        "{}",
        c.why
    );
}

#[test]
fn claims_that_need_a_missing_strategy_are_not_checked() {
    let mut rs = vec![rec(LessonId::Cpu, "threads", Side::Native, 100.0, 2)];
    evaluate(&mut rs);
    assert!(
        rs[0].claims.iter().all(|c| c.id != "parallel-faster"),
        "no sequential baseline, nothing to compare"
    );
    assert!(rs[0].claims.iter().any(|c| c.id == "exact"));
    let u = rs[0]
        .unchecked
        .iter()
        .find(|c| c.id == "parallel-faster")
        .expect("said to be not checked");
    assert!(u.why.contains("sequential"), "{}", u.why);
}

/// A claim that each of two strategies is faster is not "held" when one of them never ran (the
/// pool in a page that is not cross-origin isolated): it is not checked, and says which.
#[test]
fn a_claim_about_a_strategy_that_did_not_run_is_not_checked_not_held() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Web, 100.0, 1),
        rec(LessonId::Cpu, "workers", Side::Web, 40.0, 2),
    ];
    evaluate(&mut rs);
    assert!(
        listed(&rs).iter().all(|(_, c)| c.id != "parallel-faster"),
        "{:?}",
        listed(&rs)
    );
    let u = unchecked(&rs);
    let p = u
        .iter()
        .find(|(s, c)| *s == Side::Web && c.id == "parallel-faster")
        .expect("listed as not checked");
    assert_eq!(p.1.why, "pool did not run on this side in this run");
    // JSON: additive, and absent when empty.
    let json = serde_json::to_value(&rs[1]).unwrap();
    assert_eq!(json["unchecked"][0]["id"], "parallel-faster");
    let json = serde_json::to_value(rec(LessonId::Cpu, "sequential", Side::Web, 1.0, 1)).unwrap();
    assert!(json.get("unchecked").is_none());
}

#[test]
fn backpressure_reads_the_producer_waits() {
    let mut r = rec(LessonId::Queue, "threads", Side::Native, 5.0, 4);
    r.facts.insert(Fact::ProducerWaits, 0.0);
    r.facts.insert(Fact::MaxFill, 3.0);
    let mut rs = vec![r];
    evaluate(&mut rs);
    let c = claim(&rs, "threads", "backpressure");
    assert!(!c.held);
    assert!(
        c.why
            .contains("producers waited 0 times, the queue held up to 3 of 8"),
        "{}",
        c.why
    );
    rs[0].facts.insert(Fact::ProducerWaits, 12.0);
    evaluate(&mut rs);
    assert!(claim(&rs, "threads", "backpressure").held);
}

#[test]
fn listing_shows_each_claim_once_per_side() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Native, 200.0, 1),
        rec(LessonId::Cpu, "threads", Side::Native, 100.0, 2),
        rec(LessonId::Cpu, "sequential", Side::Web, 300.0, 1),
        rec(LessonId::Cpu, "pool", Side::Web, 150.0, 2),
        rec(LessonId::Cpu, "workers", Side::Web, 160.0, 2),
    ];
    for s in ["pool", "rayon", "processes", "hybrid"] {
        rs.push(rec(LessonId::Cpu, s, Side::Native, 110.0, 2));
    }
    evaluate(&mut rs);
    let ids: Vec<(Side, &str)> = listed(&rs)
        .iter()
        .map(|(s, c)| (*s, c.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (Side::Native, "parallel-faster"),
            (Side::Native, "exact"),
            (Side::Web, "parallel-faster"),
            (Side::Web, "exact"),
        ]
    );
}

#[test]
fn every_lesson_has_claims_and_a_question_with_choices() {
    for l in crate::lessons::catalogue() {
        assert!(!l.claims.is_empty(), "{} has no claims", l.name());
        assert!(l.question.choices.len() >= 2, "{}", l.name());
        for c in l.claims {
            for s in c.about() {
                assert!(
                    l.strategy(Side::Native, s).is_some() || l.strategy(Side::Web, s).is_some(),
                    "{}: claim {} is about {s}, which the lesson does not run",
                    l.name(),
                    c.id
                );
            }
        }
    }
}

#[test]
fn the_question_is_answered_from_the_browser_rows_first() {
    let mut lost = rec(LessonId::Race, "unsynchronized", Side::Web, 70.0, 2);
    lost.shows_bug = true;
    let kept = rec(LessonId::Race, "unsynchronized", Side::Native, 70.0, 2);
    let (side, a) = LessonId::Race
        .info()
        .question
        .answer(&[kept, lost])
        .expect("an answer");
    assert_eq!((side, a.choice), (Side::Web, "no"));
}

/// At `--quick` sizes a timing claim that did not hold is "not checked at this size"; a wrong
/// result is still not held.
#[test]
fn quick_sizes_set_timing_claims_aside_but_not_exactness() {
    let mut rs = vec![
        rec(LessonId::Cpu, "sequential", Side::Native, 10.0, 1),
        rec(LessonId::Cpu, "async", Side::Native, 5.0, 2),
    ];
    rs[1].correct = false;
    evaluate(&mut rs);
    assert!(claim(&rs, "async", "async-not-faster").held.not());
    unchecked_at_small_size(&mut rs, "too small at --quick sizes");
    assert!(rs[1].claims.iter().all(|c| c.id != "async-not-faster"));
    assert!(
        rs[1]
            .unchecked
            .iter()
            .any(|u| u.id == "async-not-faster" && u.why == "too small at --quick sizes")
    );
    assert!(
        !claim(&rs, "async", "exact").held,
        "a wrong sum stays NOT HELD"
    );
}

/// The answer says why in one sentence, and for io the browser's why names its six
/// connections per server while the native one does not.
#[test]
fn the_answer_says_why_for_the_side_that_answered() {
    let io = |side| {
        let mut r = rec(LessonId::Io, "async", side, 1_000.0, 20);
        r.params.insert("size".into(), serde_json::json!(20));
        r.params.insert("latency_ms".into(), serde_json::json!(250));
        r
    };
    let (_, web) = LessonId::Io
        .info()
        .question
        .answer(&[io(Side::Web)])
        .unwrap();
    assert_eq!(web.choice, "few");
    assert!(web.why.contains("six connections"), "{}", web.why);
    let mut fast = io(Side::Native);
    fast.wall_ms = 260.0;
    let (_, native) = LessonId::Io.info().question.answer(&[fast]).unwrap();
    assert_eq!(native.choice, "one");
    assert!(!native.why.contains("six"), "{}", native.why);
    for l in crate::lessons::catalogue() {
        let r = rec(l.id, l.native[0].id.name(), Side::Native, 10.0, 2);
        if let Some((_, a)) = l.question.answer(&[r]) {
            assert!(
                !a.why.is_empty() && a.why.len() < 300,
                "{}: {}",
                l.name(),
                a.why
            );
        }
    }
}

/// A race that lost nothing is explained by how long its workers overlapped, and, when they
/// overlapped for most of the run, by their taking turns on one core — never by "too little
/// overlap" when the spans say otherwise.
#[test]
fn a_race_without_lost_updates_is_explained_by_its_overlap() {
    let mut full = rec(LessonId::Race, "unsynchronized", Side::Native, 26.0, 2);
    full.spans[1].start_ms = 7.0;
    let why = why::explain_no_bug(&full);
    assert!(why.contains("overlapped for 19"), "{why}");
    assert!(why.contains("took turns on one core"), "{why}");
    let mut brief = rec(LessonId::Race, "unsynchronized", Side::Native, 26.0, 2);
    brief.spans[1].start_ms = 25.0;
    let why = why::explain_no_bug(&brief);
    assert!(why.contains("for only 1"), "{why}");
    assert!(why.contains("too little overlap"), "{why}");
}
