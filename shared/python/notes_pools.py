"""pools: the pool API — map, map with a chunk size, starmap, apply_async with callbacks.

Run this file: every call must return the exact results, and apply_async must report every
tenth item's failure through its error callback.
"""
import multiprocessing
from multiprocessing.pool import ThreadPool

ITEMS = 2000


def setup():
    global session
    session = "one per worker"  # the initializer runs once in each worker


def work(x):
    if session is None:
        raise RuntimeError("initializer did not run")
    return x * x


def scaled(x, factor):
    return x * x * factor


def fails_every_tenth(x):
    if x % 10 == 9:
        raise ValueError(f"item {x} fails on purpose")
    return x * x


session = None


# @code pools:map pools:workers-map
def pool_map(pool):
    return pool.map(work, range(ITEMS), chunksize=1)  # one message per item
# @end


# @code pools:map-chunked pools:workers-map-chunked
def pool_map_chunked(pool):
    return pool.map(work, range(ITEMS), chunksize=200)  # one per 200 items
# @end


# @code pools:starmap
def pool_starmap(pool):
    return pool.starmap(scaled, [(x, 1) for x in range(ITEMS)])  # f(*args) per tuple
# @end


# @code pools:apply-async
def pool_apply_async(pool):
    results, errors = [], []
    for x in range(ITEMS):
        pool.apply_async(fails_every_tenth, (x,),
                         callback=results.append, error_callback=errors.append)
    pool.close()
    pool.join()  # every callback has run once join returns
    return results, errors
# @end


# @code pools:processes-map pools:processes-map-chunked
def processes(chunksize):
    with multiprocessing.Pool(2, initializer=setup) as pool:
        return pool.map(work, range(ITEMS), chunksize=chunksize)
# @end


if __name__ == "__main__":
    want = [x * x for x in range(ITEMS)]
    with ThreadPool(2, initializer=setup) as pool:
        assert pool_map(pool) == want
        assert pool_map_chunked(pool) == want
        assert pool_starmap(pool) == want
    results, errors = pool_apply_async(ThreadPool(2, initializer=setup))
    assert sorted(results) == [x * x for x in range(ITEMS) if x % 10 != 9]
    assert len(errors) == ITEMS // 10
    assert processes(1) == want and processes(200) == want
    print("pools: exact;", len(errors), "failures reached the error callback")
