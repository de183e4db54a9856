"""cpu: the sum of i*i for i < n, split into chunks, checked against the closed form.

Each strategy's excerpt (between the @code markers) is what the page shows beside the Rust that
ran. Run this file to check that every strategy gives the exact answer.
"""
import asyncio
import concurrent.futures
import multiprocessing
import threading


def squares(lo, hi):
    return sum(i * i for i in range(lo, hi))


def chunks(n, parts):
    step = -(-n // parts)
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


# @code cpu:sequential
def sequential(n):
    return sum(squares(lo, hi) for lo, hi in chunks(n, 8))
# @end


# @code cpu:threads
def threads(n, workers=2):
    parts = [0] * workers
    def run(k, lo, hi):
        parts[k] = squares(lo, hi)  # under CPython's GIL the threads take turns
    ts = [threading.Thread(target=run, args=(k, lo, hi))
          for k, (lo, hi) in enumerate(chunks(n, workers))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(parts)
# @end


# @code cpu:pool cpu:rayon
def pool(n, workers=2):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return sum(ex.map(lambda c: squares(*c), chunks(n, 4 * workers)))
# @end


# @code cpu:async
async def task(lo, hi):
    return squares(lo, hi)  # never awaits anything: the loop cannot switch

async def run_async(n):
    return sum(await asyncio.gather(*(task(lo, hi) for lo, hi in chunks(n, 8))))
# @end


# @code cpu:processes cpu:workers
def processes(n, workers=2):
    with multiprocessing.Pool(workers) as p:
        return sum(p.starmap(squares, chunks(n, 4 * workers)))
# @end


# @code cpu:hybrid
def one_process(part):
    # each process runs its own event loop over its share of the chunks
    async def all_of_it():
        return sum(await asyncio.gather(*(task(lo, hi) for lo, hi in part)))
    return asyncio.run(all_of_it())

def hybrid(n, workers=2):
    cs = chunks(n, 4 * workers)
    with multiprocessing.Pool(workers) as p:
        return sum(p.map(one_process, [cs[k::workers] for k in range(workers)]))
# @end


if __name__ == "__main__":
    n = 200_000
    want = (n - 1) * n * (2 * n - 1) // 6
    got = {
        "sequential": sequential(n),
        "threads": threads(n),
        "pool": pool(n),
        "async": asyncio.run(run_async(n)),
        "processes": processes(n),
        "hybrid": hybrid(n),
    }
    for name, value in got.items():
        assert value == want, f"{name}: {value} != {want}"
    print("cpu: every strategy gave", want)
