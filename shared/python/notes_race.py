"""race: two threads deposit and withdraw their amount from one balance, many times.

Run this file: the fixed strategies must end at exactly 0. The unsynchronized one may or may not
lose updates in CPython on a given run (the GIL switches threads only every few milliseconds),
so its result is printed, not checked.
"""
import threading

ROUNDS = 100_000
balance = 0
lock = threading.Lock()


# @code race:unsynchronized
def change_unsynchronized(n):
    global balance
    for _ in range(ROUNDS):
        balance = balance + n  # read, then write: another thread may write in between
        balance = balance - n
# @end


# @code race:mutex
def change_locked(n):
    global balance
    for _ in range(ROUNDS):
        with lock:  # one read-modify-write at a time
            balance = balance + n
            balance = balance - n
# @end


# @code race:atomic
# Python has no atomic integer; itertools.count's next() is the closest thing:
# a counter whose increment runs as one step under the GIL.
import itertools
deposits = itertools.count()

def change_atomic(n):
    for _ in range(ROUNDS):
        next(deposits)  # one indivisible step, no lock taken
# @end


def run(target):
    global balance
    balance = 0
    ts = [threading.Thread(target=target, args=(n,)) for n in (5, 8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return balance


if __name__ == "__main__":
    print("race: unsynchronized ended at", run(change_unsynchronized))
    assert run(change_locked) == 0
    run(change_atomic)
    assert next(deposits) == 2 * ROUNDS, "an atomic step was lost"
    print("race: the lock kept the balance at 0; the counter counted every step")
