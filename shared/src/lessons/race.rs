//! `race`: a shared bank balance. Every worker deposits its amount and withdraws it again, many
//! times, so the balance must end at exactly 0 — unless updates are lost.
//!
//! - `unsynchronized` reads the balance, then writes back a new value (two separate atomic
//!   operations, so safe Rust and no undefined behaviour): another worker's update between the
//!   read and the write is overwritten. That is the notes' `balance = balance + n` under threads.
//! - `mutex` holds a lock around each read-modify-write, as the notes' `lock.acquire()` does.
//! - `atomic` uses one read-modify-write instruction (`fetch_add`), no lock at all.
//!
//! The Loom tests (`cargo test --cfg loom`, see README) check all three over every interleaving.

use super::{DefaultWorkers, LessonInfo, Quick, Source};
use crate::ParamSpec;
use crate::catalogue::{LessonId, Runs, Strategy, StrategyId as S};
use crate::claims::{Claim, Evidence, Test};
use crate::facts::Fact;
use crate::format::{fmt_ms, thousands};
use crate::prediction::{Answer, Question, YES_NO, yes_no};
use crate::record::{RunRecord, Side};
use crate::sync::{AtomicI64, Mutex, Ordering};
use crate::visual::Visual;

/// The catalogue entry.
pub static INFO: LessonInfo = LessonInfo {
    id: LessonId::Race,
    title: "Race condition: a shared balance",
    summary: "deposit and withdraw from one balance: unsynchronized updates get lost",
    explanation: "Two workers each deposit an amount and withdraw it again, ten million times (the \
        notes used 100,000 rounds and amounts 5 and 8; compiled code is so fast that it needs \
        more rounds for the two workers to run at the same time for long), so the balance must end at 0. Reading the balance and then \
        writing a new one is two steps: when the other worker writes in between, one update is \
        lost and the balance drifts. A mutex makes each read-modify-write one indivisible step \
        for the other workers; an atomic fetch_add does it in one instruction. Lost updates can \
        cancel out (a lost deposit and a lost withdrawal), so the run also counts the writes \
        that overwrote another worker's update: a balance of 0 alone would not prove that \
        nothing was lost. The table shows what each fix costs, and that the race has a cost \
        of its own: two cores writing one balance pass it back and forth between them.",
    native: &[
        Strategy::new(S::Unsynchronized, Runs::Threads).showing_bug(),
        Strategy::new(S::Mutex, Runs::Threads),
        Strategy::new(S::Atomic, Runs::Threads),
    ],
    web: &[
        Strategy::new(S::Unsynchronized, Runs::SharedMemoryWorkers).showing_bug(),
        Strategy::new(S::Mutex, Runs::SharedMemoryWorkers),
        Strategy::new(S::Atomic, Runs::SharedMemoryWorkers),
    ],
    size: ParamSpec {
        name: "size",
        default: 10_000_000,
        min: 1,
        max: 100_000_000,
        unit: "rounds per worker",
        help: "deposit/withdraw rounds each worker performs",
    },
    size_check: None,
    latency: None,
    bytes: None,
    insight: "a read followed by a write is not one step: without a lock or an atomic \
        read-modify-write, concurrent updates overwrite each other",
    default_workers: DefaultWorkers::Fixed(2),
    worker_bounds: None,
    uses_server: false,
    companion_max_size: 100_000_000,
    quick: Quick::size(1_000_000),
    claims: CLAIMS,
    question: QUESTION,
    speed_matters: false,
    visual: Some(Visual::Count {
        title: "Updates overwritten by the other worker",
        fact: Fact::Overwritten,
        noun: "updates overwritten",
    }),
    source: Source {
        title: "Python docs: threading — Lock objects",
        url: "https://docs.python.org/3/library/threading.html#lock-objects",
        teaches: "Two threads that read and write one variable can overwrite each other; a lock held around each read-modify-write makes it one step for everyone else.",
    },
};

/// How the balance is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Separate load and store: loses updates.
    Unsynchronized,
    /// A mutex around each update.
    Mutex,
    /// `fetch_add` / `fetch_sub`.
    Atomic,
}

impl Variant {
    /// The variant a strategy runs, if it is one of this lesson's.
    pub fn of(strategy: S) -> Option<Self> {
        match strategy {
            S::Unsynchronized => Some(Variant::Unsynchronized),
            S::Mutex => Some(Variant::Mutex),
            S::Atomic => Some(Variant::Atomic),
            _ => None,
        }
    }
}

/// The amount worker `w` moves: 5, 8, 11, ... (the notes used 5 and 8).
pub fn amount(worker: u32) -> i64 {
    5 + 3 * i64::from(worker)
}

/// The shared balance, in both representations (only the variant's one is used).
#[derive(Debug, Default)]
pub struct Balance {
    atomic: AtomicI64,
    locked: Mutex<Locked>,
    /// Unsynchronized writes that overwrote another worker's update (seen, not prevented).
    overwritten: AtomicI64,
}

/// The balance behind the mutex, with who held the lock last and how often it changed hands:
/// what a lock costs depends on that (a lock that stays with one worker for many rounds keeps
/// the balance in that core's cache; one that changes hands every round moves it every time).
#[derive(Debug, Default)]
pub struct Locked {
    /// The balance.
    pub balance: i64,
    holder: Option<u32>,
    handovers: u64,
}

impl Balance {
    /// Take the lock as worker `worker`, counting a hand-over when another worker held it last.
    /// A poisoned lock means another worker panicked; its value is still the balance, so keep
    /// counting.
    #[inline(always)]
    fn lock(&self, worker: u32) -> impl std::ops::DerefMut<Target = Locked> + '_ {
        let mut held = self.locked.lock().unwrap_or_else(|p| p.into_inner());
        if held.holder != Some(worker) {
            held.holder = Some(worker);
            held.handovers += 1;
        }
        held
    }

    /// How many times the mutex passed from one worker to another (mutex runs only; the first
    /// taking counts as one).
    pub fn handovers(&self) -> u64 {
        self.locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .handovers
    }

    /// A zero balance.
    pub fn new() -> Self {
        Self::default()
    }

    /// The unsynchronized read. `black_box` hides which balance it reads, so the compiler
    /// cannot answer it from this worker's own previous write: every read goes to memory, as
    /// Python's `balance = balance + n` does.
    #[inline(always)]
    fn read(&self) -> i64 {
        std::hint::black_box(&self.atomic).load(Ordering::Relaxed)
    }

    /// The unsynchronized write of `new`, computed from the read `read`; 1 if it overwrote
    /// another worker's write. It is a swap only to *see* what it replaced: it writes `new`
    /// whatever was there, so an update in between is still lost, and counted.
    #[inline(always)]
    fn write_back(&self, read: i64, new: i64) -> i64 {
        let was = std::hint::black_box(&self.atomic).swap(new, Ordering::Relaxed);
        i64::from(was != read)
    }

    /// Worker `worker` deposits and withdraws its amount `rounds` times.
    pub fn work(&self, variant: Variant, worker: u32, rounds: u64) {
        let n = amount(worker);
        let mut overwritten = 0;
        for _ in 0..rounds {
            match variant {
                // @code race:unsynchronized
                Variant::Unsynchronized => {
                    // `balance = balance + n` as two steps, as Python runs it: read, then write
                    // back. Another worker's write in between is overwritten: lost.
                    let v = self.read();
                    overwritten += self.write_back(v, v + n);
                    let v = self.read();
                    overwritten += self.write_back(v, v - n);
                }
                // @end
                // @code race:mutex
                Variant::Mutex => {
                    // Held until the end of this block: the other worker waits to take it.
                    let mut b = self.lock(worker);
                    b.balance += n;
                    b.balance -= n;
                }
                // @end
                // @code race:atomic
                Variant::Atomic => {
                    self.atomic.fetch_add(n, Ordering::Relaxed);
                    self.atomic.fetch_sub(n, Ordering::Relaxed);
                } // @end
            }
        }
        if overwritten > 0 {
            self.overwritten.fetch_add(overwritten, Ordering::Relaxed);
        }
    }

    /// How many writes overwrote another worker's update (unsynchronized only; 0 otherwise).
    /// Lost updates can cancel out — a lost deposit and a lost withdrawal of the same amount —
    /// so the balance can end at 0 although updates were lost: this count says they were.
    pub fn overwritten(&self) -> u64 {
        self.overwritten.load(Ordering::SeqCst).max(0) as u64
    }

    /// The final balance (0 unless updates were lost).
    pub fn value(&self, variant: Variant) -> i64 {
        match variant {
            Variant::Mutex => {
                self.locked
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .balance
            }
            _ => self.atomic.load(Ordering::SeqCst),
        }
    }
}

/// The result line of a run: the final balance and what it means.
pub fn render(balance: i64) -> String {
    if balance == 0 {
        "balance 0".to_string()
    } else {
        format!("balance {balance} (updates were lost)")
    }
}

/// The note under an unsynchronized run that lost updates (both sides show the same words).
pub fn drift_note(overwritten: u64, drift: i64) -> String {
    let lost = if overwritten == 1 {
        "1 update was".to_string()
    } else {
        format!("{overwritten} updates were")
    };
    format!(
        "{lost} overwritten between a read and a write, so the balance drifted by {drift} — run \
         it again and it drifts by another amount"
    )
}

/// Why the lock beat no lock, where it did (the learner pass saw mutex beat unsynchronized in
/// the browser in 7 of 8 loads under "the table shows what each fix costs"): one sentence per
/// side, from the run's own counts. Without a lock both workers write the one balance every
/// step, so its cache line moves between their cores all run long (the swap that counts the
/// overwrites waits for it each time); with the lock, the count of hand-overs says whether one
/// worker ran long stretches with the balance in its own core's cache.
pub fn lock_won(records: &[RunRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for side in [Side::Native, Side::Web] {
        let find = |s| {
            records
                .iter()
                .find(|r| r.lesson == LessonId::Race && r.side == side && r.strategy == s)
        };
        let (Some(un), Some(m)) = (find(S::Unsynchronized), find(S::Mutex)) else {
            continue;
        };
        if m.wall_ms >= un.wall_ms {
            continue;
        }
        let overwritten = un.fact(Fact::Overwritten).unwrap_or(0.0);
        let rounds = m.fact(Fact::Updates).unwrap_or(0.0) / 2.0;
        let mut text = format!(
            "The mutex run ({}) beat unsynchronized ({}) {}: without a lock both workers write \
             the one balance on every step ({} of those writes landed on the other's), so it \
             moves between their cores all run long",
            fmt_ms(m.wall_ms),
            fmt_ms(un.wall_ms),
            match side {
                Side::Native => "natively",
                Side::Web => "in the browser",
            },
            thousands(overwritten as u64)
        );
        match m.fact(Fact::LockHandovers) {
            Some(h) if h > 0.0 && rounds / h >= 10.0 => text.push_str(&format!(
                "; the lock changed hands only {} times in {} rounds, so one worker ran about \
                 {} rounds at a stretch with the balance in its own core's cache. Sharing \
                 costs too, not only the fix.",
                thousands(h as u64),
                thousands(rounds as u64),
                thousands((rounds / h).round() as u64)
            )),
            Some(h) => text.push_str(&format!(
                "; the lock changed hands {} times in {} rounds. Sharing costs too, not only \
                 the fix.",
                thousands(h as u64),
                thousands(rounds as u64)
            )),
            None => text.push_str(". Sharing costs too, not only the fix."),
        }
        out.push(text);
    }
    out
}

/// The result line of an unsynchronized run that also counted overwritten updates: lost
/// updates that cancelled out still show.
pub fn render_counted(balance: i64, overwritten: u64) -> String {
    match (balance, overwritten) {
        (0, 0) => "balance 0".to_string(),
        (0, 1) => "balance 0, yet 1 update was overwritten (it cancelled out)".to_string(),
        (0, k) => format!("balance 0, yet {k} updates were overwritten (they cancelled out)"),
        (b, 1) => format!("balance {b} (1 update was overwritten)"),
        (b, k) => format!("balance {b} ({k} updates were overwritten)"),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fixed_variants_always_end_at_zero_on_real_threads() {
        for variant in [Variant::Mutex, Variant::Atomic] {
            let b = Balance::new();
            std::thread::scope(|s| {
                for w in 0..4 {
                    let b = &b;
                    s.spawn(move || b.work(variant, w, 20_000));
                }
            });
            assert_eq!(b.value(variant), 0, "{variant:?}");
        }
    }

    #[test]
    fn one_worker_alone_never_loses_anything() {
        let b = Balance::new();
        b.work(Variant::Unsynchronized, 0, 1000);
        assert_eq!(b.value(Variant::Unsynchronized), 0);
        assert_eq!(render(0), "balance 0");
        assert_eq!(render(-13), "balance -13 (updates were lost)");
    }

    #[test]
    fn the_mutex_counts_its_hand_overs() {
        let b = Balance::new();
        b.work(Variant::Mutex, 0, 100);
        b.work(Variant::Mutex, 1, 100);
        b.work(Variant::Mutex, 0, 100);
        assert_eq!(b.handovers(), 3, "taken by w0, then w1, then w0 again");
        assert_eq!(b.value(Variant::Mutex), 0);
    }

    #[test]
    fn a_lock_that_beat_no_lock_is_explained_from_the_run() {
        use crate::record::fixture;
        let mut un = fixture(LessonId::Race, "unsynchronized", Side::Web, 339.0, 2, true);
        un.facts.insert(Fact::Overwritten, 1234.0);
        let mut m = fixture(LessonId::Race, "mutex", Side::Web, 177.0, 2, true);
        m.facts.insert(Fact::Updates, 40_000_000.0);
        m.facts.insert(Fact::LockHandovers, 2_000.0);
        let said = lock_won(&[un.clone(), m.clone()]);
        assert_eq!(said.len(), 1);
        assert!(
            said[0]
                .starts_with("The mutex run (177 ms) beat unsynchronized (339 ms) in the browser"),
            "{}",
            said[0]
        );
        assert!(said[0].contains("1,234 of those writes"), "{}", said[0]);
        assert!(
            said[0].contains("only 2,000 times in 20,000,000 rounds"),
            "{}",
            said[0]
        );
        assert!(
            said[0].contains("about 10,000 rounds at a stretch"),
            "{}",
            said[0]
        );
        // A lock that changed hands nearly every round does not get the stretch story.
        m.facts.insert(Fact::LockHandovers, 19_000_000.0);
        let said = lock_won(&[un.clone(), m.clone()]);
        assert!(!said[0].contains("stretch"), "{}", said[0]);
        // Where the lock was slower, nothing needs explaining.
        m.wall_ms = 400.0;
        assert!(lock_won(&[un, m]).is_empty());
    }

    #[test]
    fn the_count_of_overwritten_updates_reads_in_the_right_number() {
        assert_eq!(
            render_counted(-5, 1),
            "balance -5 (1 update was overwritten)"
        );
        assert_eq!(
            render_counted(8, 3),
            "balance 8 (3 updates were overwritten)"
        );
        assert_eq!(
            render_counted(0, 1),
            "balance 0, yet 1 update was overwritten (it cancelled out)"
        );
    }
}

#[cfg(all(test, loom))]
pub(crate) mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two workers, one round each, under Loom: the final balance (0 when nothing was lost).
    /// The explorer's tests hold its census against this.
    pub(crate) fn two_workers(variant: Variant) -> i64 {
        let b = Arc::new(Balance::new());
        let handles: Vec<_> = (0..2)
            .map(|w| {
                let b = b.clone();
                thread::spawn(move || b.work(variant, w, 1))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        b.value(variant)
    }

    #[test]
    fn mutex_is_correct_in_every_interleaving() {
        loom::model(|| assert_eq!(two_workers(Variant::Mutex), 0));
    }

    #[test]
    fn atomic_is_correct_in_every_interleaving() {
        loom::model(|| assert_eq!(two_workers(Variant::Atomic), 0));
    }

    #[test]
    fn loom_finds_the_lost_update() {
        use std::sync::atomic::{AtomicBool, Ordering as O};
        static LOST: AtomicBool = AtomicBool::new(false);
        loom::model(|| {
            if two_workers(Variant::Unsynchronized) != 0 {
                LOST.store(true, O::SeqCst);
            }
        });
        assert!(LOST.load(O::SeqCst), "no interleaving lost an update");
    }
}

/// What a run of `race` must show.
pub static CLAIMS: &[Claim] = &[
    Claim {
        id: "unsync-loses",
        text: "Unsynchronized loses updates: the balance does not end at 0",
        side: None,
        test: Test::ShowsBug(S::Unsynchronized),
    },
    Claim {
        id: "fixes-exact",
        text: "Mutex and atomic lose nothing: the balance ends at exactly 0",
        side: None,
        test: Test::Exact(&[S::Mutex, S::Atomic]),
    },
];

fn answer(ev: &Evidence) -> Option<Answer> {
    let r = ev.get(S::Unsynchronized)?;
    let updates = r.fact(Fact::Updates).unwrap_or(0.0);
    Some(Answer {
        choice: yes_no(!r.shows_bug),
        because: format!(
            "unsynchronized ended at {} after {updates:.0} updates",
            r.result
        ),
        why: if r.shows_bug {
            "`balance = balance + n` is a read and then a write; when another worker writes in \
             between, the second write overwrites the first and that update is lost."
                .into()
        } else {
            "This time no write landed between another worker's read and write; the explorer \
             shows the interleavings that lose an update."
                .into()
        },
    })
}

/// The question before Run.
pub const QUESTION: Question = Question {
    text: "Two workers each deposit and withdraw the same amounts, without a lock. Will the \
        balance end at 0?",
    choices: YES_NO,
    answer,
};
