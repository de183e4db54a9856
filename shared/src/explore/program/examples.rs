//! The example menu: small programs that each show one way concurrent code goes wrong (or
//! does not), and what a learner should see when checking them.

use serde::Serialize;

/// One example program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Short identifier, for the menu and the CLI.
    pub name: &'static str,
    /// The program.
    pub source: &'static str,
    /// What checking it shows, in a few words.
    pub expect: &'static str,
}

/// Every example, in menu order.
pub fn examples() -> &'static [Example] {
    &EXAMPLES
}

static EXAMPLES: [Example; 12] = [
    Example {
        name: "race",
        source: RACE,
        expect: "70 schedules, 40 wrong: an update is overwritten and the balance is not 0",
    },
    Example {
        name: "withdrawal",
        source: WITHDRAWAL,
        expect: "both pass the check before either withdraws: the balance goes below 0",
    },
    Example {
        name: "philosophers-same-order",
        source: PHILOSOPHERS_SAME,
        expect: "deadlock: each holds its left fork and waits for the right one",
    },
    Example {
        name: "philosophers-fixed-order",
        source: PHILOSOPHERS_FIXED,
        expect: "never deadlocks: forks taken in one global order leave no cycle of waiting",
    },
    Example {
        name: "handshake-flags",
        source: HANDSHAKE_FLAGS,
        expect: "both can get in: each sees the other's flag down before raising its own, and the assert fails",
    },
    Example {
        name: "handshake-peterson",
        source: PETERSON,
        expect: "never both in, and no livelock: with the turn variable spinning always lets the other through",
    },
    Example {
        name: "async-await",
        source: ASYNC_AWAIT,
        expect: "an update is lost: the other task runs at the await, between the read and the write",
    },
    Example {
        name: "async-no-await",
        source: ASYNC_NO_AWAIT,
        expect: "never loses an update: tasks switch only at await",
    },
    Example {
        name: "race-mutex",
        source: RACE_MUTEX,
        expect: "never wrong: the lock makes each read-then-write one block",
    },
    Example {
        name: "race-atomic",
        source: RACE_ATOMIC,
        expect: "6 schedules, none wrong: each update is one indivisible step",
    },
    Example {
        name: "deadlock-opposite-order",
        source: DEADLOCK_OPPOSITE,
        expect: "6 schedules, 2 deadlock: each holds one lock and waits for the other",
    },
    Example {
        name: "deadlock-ordered",
        source: DEADLOCK_ORDERED,
        expect: "2 schedules, no deadlock: both take A before B",
    },
];

const RACE: &str = "\
# The race lesson, unsynchronized, 2 workers x 1 round, written by hand
shared balance = 0
thread w0:
    r = balance
    balance = r + 5
    r = balance
    balance = r - 5
thread w1:
    r = balance
    balance = r + 8
    r = balance
    balance = r - 8
check balance == 0
";

const WITHDRAWAL: &str = "\
# Check-then-act: two withdrawals of 80 from 100, each checks the balance first
shared balance = 100
thread a:
    if balance >= 80:
        balance -= 80
thread b:
    if balance >= 80:
        balance -= 80
check balance >= 0
";

const PHILOSOPHERS_SAME: &str = "\
# Three philosophers: each takes the fork on its left, then the one on its right
lock fork[3]
thread p x 3:
    lock fork[me]
    lock fork[(me + 1) % 3]
    unlock fork[(me + 1) % 3]
    unlock fork[me]
";

const PHILOSOPHERS_FIXED: &str = "\
# Three philosophers: each takes the lower-numbered of its two forks first
lock fork[3]
thread p x 3:
    left = me
    right = (me + 1) % 3
    if left < right:
        lock fork[left]
        lock fork[right]
    else:
        lock fork[right]
        lock fork[left]
    unlock fork[left]
    unlock fork[right]
";

const HANDSHAKE_FLAGS: &str = "\
# A flag handshake: wait until the other's flag is down, then raise your own
shared flag[2] = 0, inside[2] = 0
thread t x 2:
    while flag[1 - me] == 1:
        pass
    flag[me] = 1
    inside[me] = 1
    assert inside[1 - me] == 0
    inside[me] = 0
    flag[me] = 0
";

const PETERSON: &str = "\
# Peterson's handshake: raise your flag, give the other the turn,
# and wait while it wants in and has the turn
shared flag[2] = 0, turn = 0, inside[2] = 0
thread t x 2:
    flag[me] = 1
    turn = 1 - me
    while flag[1 - me] == 1 and turn == 1 - me:
        pass
    inside[me] = 1
    assert inside[1 - me] == 0
    inside[me] = 0
    flag[me] = 0
";

const ASYNC_AWAIT: &str = "\
# Two async tasks on one thread add 1 to a counter, awaiting between the read and the write
shared count = 0
task t x 2:
    r = count
    await
    count = r + 1
check count == 2
";

const ASYNC_NO_AWAIT: &str = "\
# Two async tasks on one thread add 1 to a counter, with no await in between
shared count = 0
task t x 2:
    r = count
    count = r + 1
check count == 2
";

const RACE_MUTEX: &str = "\
# The race lesson with a mutex, 2 workers x 1 round
shared balance = 0
lock m
thread w x 2:
    lock m
    r = balance
    balance = r + (5 + 3 * me)
    unlock m
    lock m
    r = balance
    balance = r - (5 + 3 * me)
    unlock m
check balance == 0
";

const RACE_ATOMIC: &str = "\
# The race lesson with atomic adds, 2 workers x 1 round
shared balance = 0
thread w x 2:
    atomic balance += 5 + 3 * me
    atomic balance -= 5 + 3 * me
check balance == 0
";

const DEADLOCK_OPPOSITE: &str = "\
# The deadlock lesson: two workers take two locks in opposite orders
lock A, B
thread w0:
    lock A
    lock B
    unlock B
    unlock A
thread w1:
    lock B
    lock A
    unlock A
    unlock B
";

const DEADLOCK_ORDERED: &str = "\
# The deadlock lesson, fixed: both workers take A before B
lock A, B
thread w x 2:
    lock A
    lock B
    unlock B
    unlock A
";
