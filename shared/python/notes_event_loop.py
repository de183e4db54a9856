"""The notes' way: N asyncio tasks on one event loop, each computing a little and then awaiting
a timer a few times; one task blocks, hands the block to a thread, computes in slices with
yields between them, or is cancelled by a timeout while another fails. Run it: it checks its
own answers and how long the others waited."""
import asyncio
import time

TASKS, ROUNDS, NUMBERS = 4, 3, 10_000  # smaller rounds than the Rust: Python is slower
TIMER, BLOCK, SLICE, TIMEOUT, LONG = 0.010, 0.100, 0.002, 0.030, 0.200


def compute(task, rnd):
    start = (task * ROUNDS + rnd) * NUMBERS
    return sum(i * i for i in range(start, start + NUMBERS))


def expected(task):
    def squares_below(n):
        return (n - 1) * n * (2 * n - 1) // 6
    start, end = task * ROUNDS * NUMBERS, (task + 1) * ROUNDS * NUMBERS
    return squares_below(end) - squares_below(start)


async def task(n, special, waits):
    total = 0
    for rnd in range(ROUNDS):
        total += compute(n, rnd)
        if n == 0 and rnd == 1:
            await special()
        due = time.perf_counter() + TIMER
        await asyncio.sleep(TIMER)
        waits.append(time.perf_counter() - due)  # how late the loop woke it
    return total


# @code event-loop:cooperative
async def nothing():
    pass
# @end


# @code event-loop:blocking
async def blocking():
    time.sleep(BLOCK)  # no await: the loop's one thread sleeps, no other task runs
# @end


# @code event-loop:offloaded
async def offloaded():
    await asyncio.to_thread(time.sleep, BLOCK)  # a thread sleeps; the loop runs the others
# @end


# @code event-loop:yielding
async def yielding():
    start = time.perf_counter()
    while time.perf_counter() - start < BLOCK:
        until = time.perf_counter() + SLICE
        while time.perf_counter() < until:
            pass  # a slice of computation
        await asyncio.sleep(0)  # back of the loop's queue: the others run
# @end


async def run(special):
    waits = []
    results = await asyncio.gather(*(task(n, special, waits) for n in range(TASKS)))
    assert results == [expected(n) for n in range(TASKS)], "a task computed a wrong sum"
    return max(waits)


# @code event-loop:cancelled
async def cancelled():
    cleaned = []

    async def long_one():
        try:
            await asyncio.sleep(LONG)
        finally:
            cleaned.append(True)  # runs when wait_for cancels the task mid-await

    async def failing():
        raise RuntimeError("t1 raised on purpose")

    results = await asyncio.gather(
        asyncio.wait_for(long_one(), TIMEOUT),
        failing(),
        *(task(n, nothing, []) for n in range(2, TASKS)),
        return_exceptions=True,  # every other result is kept beside the failures
    )
    assert isinstance(results[0], asyncio.TimeoutError) and cleaned == [True]
    assert isinstance(results[1], RuntimeError)
    assert results[2:] == [expected(n) for n in range(2, TASKS)]
# @end


if __name__ == "__main__":
    late = {name: asyncio.run(run(f)) for name, f in
            [("cooperative", nothing), ("blocking", blocking),
             ("offloaded", offloaded), ("yielding", yielding)]}
    assert late["blocking"] > 0.6 * BLOCK, late  # the others' timers fired ~BLOCK late
    assert late["offloaded"] < 0.5 * BLOCK, late
    assert late["yielding"] < 0.5 * BLOCK, late
    asyncio.run(cancelled())
    print("event-loop: ok", {k: f"{v * 1000:.1f} ms late at most" for k, v in late.items()})
