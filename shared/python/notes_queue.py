"""queue: producers put items on a bounded queue, slower consumers take them off.

Run this file: every item must be processed exactly once, and the producers must have had to
wait for room at least once (backpressure).
"""
import asyncio
import multiprocessing
import queue
import threading
import time

ITEMS, SLOTS, DONE = 200, 8, None


def process(item):
    time.sleep(0.0005)  # consuming is slower than producing
    return item


# @code queue:threads queue:workers
def threads(producers=1, consumers=1):
    q = queue.Queue(maxsize=SLOTS)
    seen, waits = [], [0]
    def produce(part):
        for item in part:
            if q.full():
                waits[0] += 1  # put() will block until a consumer makes room
            q.put(item)
    def consume():
        while (item := q.get()) is not DONE:
            seen.append(process(item))
    ps = [threading.Thread(target=produce, args=(range(k, ITEMS, producers),))
          for k in range(producers)]
    cs = [threading.Thread(target=consume) for _ in range(consumers)]
    for t in ps + cs:
        t.start()
    for t in ps:
        t.join()
    for _ in cs:
        q.put(DONE)  # one end marker per consumer: none is left waiting
    for t in cs:
        t.join()
    return sorted(seen), waits[0]
# @end


# @code queue:async
async def run_async():
    q = asyncio.Queue(maxsize=SLOTS)
    seen, waits = [], 0
    async def produce():
        nonlocal waits
        for item in range(ITEMS):
            waits += q.full()
            await q.put(item)  # suspends while the queue is full
        await q.put(DONE)
    async def consume():
        while (item := await q.get()) is not DONE:
            await asyncio.sleep(0.0005)
            seen.append(item)
    await asyncio.gather(produce(), consume())
    return sorted(seen), waits
# @end


# @code queue:processes
def consumer(q, out):
    total = 0
    while (item := q.get()) is not DONE:
        total += process(item)
    out.put(total)

def processes():
    q, out = multiprocessing.Queue(maxsize=SLOTS), multiprocessing.Queue()
    c = multiprocessing.Process(target=consumer, args=(q, out))
    c.start()
    for item in range(ITEMS):
        q.put(item)  # blocks while the pipe's 8 slots are taken
    q.put(DONE)
    total = out.get()
    c.join()
    return total
# @end


if __name__ == "__main__":
    seen, waits = threads()
    assert seen == list(range(ITEMS)) and waits > 0, (len(seen), waits)
    seen, waits = asyncio.run(run_async())
    assert seen == list(range(ITEMS)) and waits > 0, (len(seen), waits)
    assert processes() == sum(range(ITEMS))
    print("queue: every item processed once; producers waited", waits, "times (async)")
