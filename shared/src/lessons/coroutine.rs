//! `coroutine`: the notes' generator-style producer and consumer, handing values back and forth
//! with `send`/`yield` on one thread. Two versions run the same conversation: a hand-written
//! resumable state machine (what a generator compiles to) and async/await (what Rust compiles
//! async blocks to), polled by a minimal executor. Both must produce the reference transcript,
//! step by step.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::visual::Visual;
use crate::{Clock, ParamSpec, Span, SpanKind};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Coroutine,
    title: "Coroutines: producer and consumer taking turns",
    summary: "a generator-style consumer and a producer hand values back and forth on one thread",
    explanation: "A coroutine is a function that can stop in the middle and be resumed later. The \
        notes' consumer is a generator: `n = yield r` hands r back to whoever resumed it and \
        waits for the next n. The producer sends 1, 2, 3, … and prints what comes back. Nothing \
        runs in parallel; control simply passes back and forth. The same conversation is written \
        twice: as an explicit state machine with a send() method, and with async/await, which \
        the compiler turns into such a state machine.",
    native: &[
        Strategy::new(S::StateMachine, Runs::Caller),
        Strategy::new(S::Async, Runs::Caller),
    ],
    web: &[
        Strategy::new(S::StateMachine, Runs::Caller),
        Strategy::new(S::Async, Runs::Caller),
    ],
    size: ParamSpec {
        name: "size",
        default: 5,
        min: 1,
        max: 100_000,
        unit: "values",
        help: "values the producer sends",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "coroutines take turns on one thread at points they choose, so the interleaving is \
        exactly the same every run",
    default_workers: DefaultWorkers::Fixed(1),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 100_000,
    quick: Quick::DEFAULTS,
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Turns {
        title: "Who runs at each step: one thread, two sides taking turns",
    }),
    source: Source {
        title: "PEP 342: coroutines via enhanced generators",
        url: "https://peps.python.org/pep-0342/",
        teaches: "A generator can receive values with send() and hand results back with yield, so two functions take turns on one thread, each stopping exactly where it chooses.",
    },
};

/// Who spoke in a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The producer (timeline lane 0).
    Producer,
    /// The consumer (timeline lane 1).
    Consumer,
}

/// The conversation, line by line, with each line's moment for the timeline.
#[derive(Debug, Default)]
pub struct Transcript {
    /// `(who, text)` in order.
    pub lines: Vec<(Who, String)>,
    /// One span per line (worker 0 producer, 1 consumer).
    pub spans: Vec<Span>,
}

impl Transcript {
    fn say(&mut self, clock: &impl Clock, who: Who, text: String) {
        let t = clock.now_ms();
        let step = self.lines.len() as u32;
        self.spans.push(Span {
            worker: match who {
                Who::Producer => 0,
                Who::Consumer => 1,
            },
            task: step,
            start_ms: t,
            end_ms: t,
            kind: SpanKind::Compute,
        });
        if let Some(prev) = self
            .spans
            .len()
            .checked_sub(2)
            .and_then(|i| self.spans.get_mut(i))
        {
            prev.end_ms = t;
        }
        self.lines.push((who, text));
    }

    /// FNV-1a of the text, to compare transcripts in one line.
    pub fn digest(&self) -> String {
        let h = self
            .lines
            .iter()
            .flat_map(|(_, t)| t.bytes().chain(*b"\n"))
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        format!("{} steps, transcript {h:016x}", self.lines.len())
    }
}

/// Most transcript lines a record's note carries: the default run's 15 lines whole, and a
/// long run's first turns (every line is still checked against the reference).
pub const NOTE_LINES: usize = 45;

impl Transcript {
    /// The record's note: the whole transcript up to [`NOTE_LINES`] lines, joined by `sep`;
    /// beyond, its first lines and how many more there were. The learner pass found it cut at
    /// nine lines ("… 6 more steps") at the default size.
    pub fn note(&self, sep: &str) -> String {
        let mut lines: Vec<&str> = self
            .lines
            .iter()
            .take(NOTE_LINES)
            .map(|(_, l)| l.as_str())
            .collect();
        let more = self.lines.len().saturating_sub(NOTE_LINES);
        let tail = format!("… {more} more lines, every one checked against the notes' transcript");
        if more > 0 {
            lines.push(&tail);
        }
        lines.join(sep)
    }
}

/// The transcript the conversation must produce for `n` values.
pub fn reference(n: u64) -> Vec<String> {
    let mut v = Vec::new();
    for i in 1..=n {
        v.push(format!("[PRODUCER] Producing {i}..."));
        v.push(format!("[CONSUMER] Consuming {i}..."));
        v.push("[PRODUCER] Consumer return: 200 OK".to_string());
    }
    v
}

/// The one-line digest the reference transcript has.
pub fn reference_digest(n: u64) -> String {
    let t = Transcript {
        lines: reference(n)
            .into_iter()
            .map(|l| (Who::Producer, l))
            .collect(),
        spans: Vec::new(),
    };
    t.digest()
}

/// The consumer as an explicit resumable state machine: `send` is Python's `c.send(v)`.
#[derive(Debug)]
pub struct Consumer {
    state: State,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Created, not yet primed with `send(None)`.
    New,
    /// Suspended at `n = yield r`.
    Suspended,
    /// Returned (sent `None`/0 after priming, or closed).
    Finished,
}

impl Default for Consumer {
    fn default() -> Self {
        Self { state: State::New }
    }
}

impl Consumer {
    /// Resume with `value`; returns what the consumer yields, or `None` once it has finished.
    pub fn send(
        &mut self,
        value: Option<u64>,
        out: &mut Transcript,
        clock: &impl Clock,
    ) -> Option<&'static str> {
        // @code coroutine:state-machine
        match (&self.state, value) {
            (State::New, None) => {
                self.state = State::Suspended;
                Some("")
            }
            (State::Suspended, Some(n)) if n != 0 => {
                out.say(clock, Who::Consumer, format!("[CONSUMER] Consuming {n}..."));
                Some("200 OK")
            }
            _ => {
                self.state = State::Finished;
                None
            }
        }
        // @end
    }

    /// Python's `c.close()`.
    pub fn close(&mut self) {
        self.state = State::Finished;
    }
}

/// The notes' `produce(c)` driving the state machine.
pub fn run_state_machine(n: u64, clock: &impl Clock) -> Transcript {
    let mut out = Transcript::default();
    // @code coroutine:state-machine
    let mut c = Consumer::default();
    c.send(None, &mut out, clock);
    for i in 1..=n {
        out.say(clock, Who::Producer, format!("[PRODUCER] Producing {i}..."));
        let r = c.send(Some(i), &mut out, clock).unwrap_or("");
        out.say(
            clock,
            Who::Producer,
            format!("[PRODUCER] Consumer return: {r}"),
        );
    }
    c.close();
    // @end
    out
}

/// A one-value mailbox between two async functions on one thread.
type Slot<T> = Rc<RefCell<Option<T>>>;

/// Await until the slot holds a value, then take it (yielding to the other coroutine meanwhile).
struct Take<T>(Slot<T>);

impl<T> Future for Take<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<T> {
        match self.0.borrow_mut().take() {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        }
    }
}

/// The same conversation with async/await: two futures, two mailboxes, and an executor that
/// polls them in turn until both finish (no threads, no runtime).
pub fn run_async(n: u64, clock: &impl Clock) -> Transcript {
    let out = RefCell::new(Transcript::default());
    let to_consumer: Slot<Option<u64>> = Rc::default();
    let to_producer: Slot<&'static str> = Rc::default();
    // @code coroutine:async
    let consumer = {
        let (inbox, outbox, out) = (to_consumer.clone(), to_producer.clone(), &out);
        async move {
            while let Some(v) = Take(inbox.clone()).await {
                out.borrow_mut()
                    .say(clock, Who::Consumer, format!("[CONSUMER] Consuming {v}..."));
                *outbox.borrow_mut() = Some("200 OK");
            }
        }
    };
    // @end
    // @code coroutine:async
    let producer = {
        let (outbox, inbox, out) = (to_consumer.clone(), to_producer.clone(), &out);
        async move {
            for i in 1..=n {
                out.borrow_mut()
                    .say(clock, Who::Producer, format!("[PRODUCER] Producing {i}..."));
                *outbox.borrow_mut() = Some(Some(i));
                let r = Take(inbox.clone()).await;
                out.borrow_mut().say(
                    clock,
                    Who::Producer,
                    format!("[PRODUCER] Consumer return: {r}"),
                );
            }
            *outbox.borrow_mut() = Some(None);
        }
    };
    // @end
    let mut tasks: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> =
        vec![Box::pin(producer), Box::pin(consumer)];
    let mut cx = Context::from_waker(Waker::noop());
    // @code coroutine:async
    while !tasks.is_empty() {
        tasks.retain_mut(|t| t.as_mut().poll(&mut cx).is_pending());
    }
    // @end
    drop(tasks);
    out.into_inner()
}

/// What a run of `coroutine` must show.
pub static CLAIMS: &[Claim] = &[Claim {
    id: "same-transcript",
    text: "Both coroutine styles print exactly the notes' producer/consumer transcript, every \
        run: they take turns only where they choose to",
    side: None,
    test: Test::Exact(&[S::StateMachine, S::Async]),
}];

fn answer(ev: &Evidence) -> Option<Answer> {
    let rows: Vec<_> = [S::StateMachine, S::Async]
        .iter()
        .filter_map(|s| ev.get(*s))
        .collect();
    let first = rows.first()?;
    let same = rows.iter().all(|r| r.correct && r.result == first.result);
    Some(Answer {
        choice: yes_no(same),
        because: if same {
            "both printed the same transcript as the notes".into()
        } else {
            "the transcripts differed".into()
        },
        why: if same {
            "A coroutine runs until it hands control back and resumes where it stopped; a \
             hand-written state machine and an async fn are two ways to write the same turns."
                .into()
        } else {
            "The two styles took their turns in a different order: the transcripts above show \
             where they part."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "A producer and a consumer take turns on one thread. Will their output come out in \
        the same order every run?",
    choices: YES_NO,
    answer,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Tick(AtomicU64);
    impl Clock for Tick {
        fn now_ms(&self) -> f64 {
            self.0.fetch_add(1, Ordering::Relaxed) as f64
        }
    }

    #[test]
    fn both_versions_speak_the_reference_transcript() {
        for n in [1, 5, 40] {
            let want = reference(n);
            for t in [
                run_state_machine(n, &Tick(AtomicU64::new(0))),
                run_async(n, &Tick(AtomicU64::new(0))),
            ] {
                let got: Vec<String> = t.lines.iter().map(|(_, s)| s.clone()).collect();
                assert_eq!(got, want);
                assert_eq!(t.spans.len(), want.len());
                assert_eq!(t.spans[1].worker, 1, "the consumer speaks second");
            }
        }
    }

    #[test]
    fn the_note_holds_the_default_transcript_whole_and_bounds_a_long_one() {
        let t = run_state_machine(INFO.size.default, &Tick(AtomicU64::new(0)));
        let note = t.note("\n");
        assert_eq!(note.lines().count(), 15);
        assert!(!note.contains("more lines"));
        assert_eq!(
            note.lines().last(),
            Some("[PRODUCER] Consumer return: 200 OK")
        );
        let t = run_async(100, &Tick(AtomicU64::new(0)));
        let note = t.note("\n");
        assert_eq!(note.lines().count(), NOTE_LINES + 1);
        assert!(
            note.ends_with("… 255 more lines, every one checked against the notes' transcript")
        );
    }

    #[test]
    fn the_state_machine_follows_generator_rules() {
        let clock = Tick(AtomicU64::new(0));
        let mut out = Transcript::default();
        let mut c = Consumer::default();
        assert_eq!(c.send(None, &mut out, &clock), Some(""));
        assert_eq!(c.send(Some(3), &mut out, &clock), Some("200 OK"));
        assert_eq!(
            c.send(Some(0), &mut out, &clock),
            None,
            "a falsy value ends it, as `if not n: return`"
        );
        assert_eq!(c.send(Some(4), &mut out, &clock), None);
    }
}
