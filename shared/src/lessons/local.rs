//! `local`: thread-local state, one HTTP client per thread (the notes' thread-local session),
//! against one shared client and a client per request. The companion counts the connections it
//! accepts, so the numbers are measured on the server side.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, ClaimOutcome, Evidence, Test};
use crate::facts::Fact;
use crate::prediction::{Answer, Choice, Question};
use crate::visual::Visual;

/// `local`: thread-local state, one HTTP client per thread (the notes' thread-local session).
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Local,
    title: "Thread-local state: one client per thread",
    summary: "one HTTP client per thread vs one shared vs one per request, counting connections",
    explanation: "An HTTP client keeps connections open to reuse them. The notes gave each thread \
        its own requests.Session through threading.local(), because a Session is not thread-safe: \
        each thread then opens one connection and reuses it. A client per request opens a \
        connection every time; one shared (thread-safe) client opens about as many as there are \
        requests in flight. The companion counts the connections it accepts, so the numbers are \
        measured on the server side.",
    native: &[
        Strategy::new(S::PerThread, Runs::Threads),
        Strategy::new(S::Shared, Runs::Threads),
        Strategy::new(S::PerRequest, Runs::Threads),
    ],
    web: &[],
    size: ParamSpec {
        name: "size",
        default: 40,
        min: 1,
        max: 10_000,
        unit: "requests",
        help: "requests in all",
    },
    size_check: None,
    latency: Some(ParamSpec {
        name: "latency",
        default: 20,
        min: 0,
        max: 30_000,
        unit: "ms",
        help: "server-side delay per request",
    }),
    bytes: None,
    insight: "state kept per thread is reused by that thread's later calls and never shared, so it \
        needs no lock and costs one set-up per thread",
    default_workers: DefaultWorkers::Fixed(4),
    worker_bounds: None,
    uses_server: true,
    companion_max_size: 10_000,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Count {
        title: "Connections the server accepted",
        fact: Fact::Connections,
        noun: "connections",
    }),
    source: Source {
        title: "Python docs: threading — thread-local data",
        url: "https://docs.python.org/3/library/threading.html#thread-local-data",
        teaches: "threading.local() gives each thread its own copy of a value, such as an HTTP session that must not be shared; each thread then reuses its own connection.",
    },
};

/// The expected connection count (exact for per-thread and per-request; for a
/// shared client a range, since it opens one per request in flight).
pub fn expected_connections(strategy: S, requests: u64, threads: u64) -> (u64, u64) {
    let busy = threads.min(requests).max(1);
    match strategy {
        S::PerThread => (busy, busy),
        S::PerRequest => (requests, requests),
        _ => (1, busy),
    }
}

/// What a run of `local` must show.
pub static CLAIMS: &[Claim] = &[Claim {
    id: "connections",
    text: "A client per thread opens one connection per thread; a client per request opens one \
        per request; a shared client opens at most one per thread",
    side: None,
    test: Test::Custom {
        about: &[S::PerThread, S::Shared, S::PerRequest],
        check: connections,
    },
}];

fn connections(ev: &Evidence) -> Option<ClaimOutcome> {
    let requests = ev.param("size")?;
    let mut parts = Vec::new();
    let mut held = true;
    for s in [S::PerThread, S::Shared, S::PerRequest] {
        let Some(r) = ev.get(s) else { continue };
        let opened = r.fact(Fact::Connections)? as u64;
        let (lo, hi) = expected_connections(s, requests, u64::from(r.workers));
        held &= (lo..=hi).contains(&opened);
        parts.push(format!("{s}: {opened} connections"));
    }
    (!parts.is_empty()).then(|| {
        ClaimOutcome::when(
            held,
            format!("{} for {requests} requests", parts.join(", ")),
        )
    })
}

fn answer(ev: &Evidence) -> Option<Answer> {
    let r = ev.get(S::PerThread)?;
    let opened = r.fact(Fact::Connections)?;
    let requests = ev.param("size")? as f64;
    let choice = if opened <= 1.0 {
        "one"
    } else if opened < requests {
        "per-thread"
    } else {
        "per-request"
    };
    Some(Answer {
        choice,
        because: format!(
            "per-thread opened {opened:.0} connections for {requests:.0} requests on {} threads",
            r.workers
        ),
        why: match choice {
            "per-thread" => "Each thread opens its connection once, keeps it in thread-local \
                storage and reuses it for every request it handles."
                .into(),
            "one" => {
                "Only one thread ended up handling requests, so one connection was opened.".into()
            }
            _ => "Every request opened its own connection: nothing was kept per thread.".into(),
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Four threads make 40 requests, each thread through its own client. How many \
        connections will the server see?",
    choices: &[
        Choice {
            id: "one",
            label: "1",
        },
        Choice {
            id: "per-thread",
            label: "One per thread (4)",
        },
        Choice {
            id: "per-request",
            label: "One per request (40)",
        },
    ],
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_exact_where_they_can_be() {
        assert_eq!(expected_connections(S::PerThread, 40, 4), (4, 4));
        assert_eq!(expected_connections(S::PerThread, 2, 4), (2, 2));
        assert_eq!(expected_connections(S::PerRequest, 40, 4), (40, 40));
        assert_eq!(expected_connections(S::Shared, 40, 4), (1, 4));
    }
}
