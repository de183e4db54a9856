"""cost: what one task costs to start, from an async task to a whole process.

Run this file: it times n trivial tasks each way and checks that every one of them ran.
"""
import asyncio
import concurrent.futures
import subprocess
import sys
import threading
import time


def trivial(k):
    return k


# @code cost:async-task
async def async_tasks(n):
    return await asyncio.gather(*(asyncio.create_task(asyncio.sleep(0, k)) for k in range(n)))
# @end


# @code cost:pool-job cost:worker-message
def pool_jobs(n):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # started once, reused
        return [pool.submit(trivial, k).result() for k in range(n)]
# @end


# @code cost:thread
def threads(n):
    done = []
    for k in range(n):
        t = threading.Thread(target=done.append, args=(k,))  # a new thread each time
        t.start()
        t.join()
    return done
# @end


# @code cost:process cost:worker-start
def processes(n):
    # a whole new interpreter each time
    return [subprocess.run([sys.executable, "-c", "pass"]).returncode for _ in range(n)]
# @end


if __name__ == "__main__":
    for name, run, n, want in [
        ("async task", lambda n: asyncio.run(async_tasks(n)), 1000, list(range(1000))),
        ("pool job", pool_jobs, 1000, list(range(1000))),
        ("thread", threads, 200, list(range(200))),
        ("process", processes, 5, [0] * 5),
    ]:
        start = time.perf_counter()
        assert run(n) == want, name
        per = (time.perf_counter() - start) / n
        print(f"cost: {name:10} {per * 1e6:10.1f} µs per task")
