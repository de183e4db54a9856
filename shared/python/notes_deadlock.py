"""deadlock: two threads, two locks. Taken in opposite orders they can wait for each other
forever; taken in one order they cannot.

Run this file: the timeouts stand in for "forever", so the opposite order reports the cycle
instead of hanging, and the ordered version must always finish.
"""
import threading

a, b = threading.Lock(), threading.Lock()
both_hold_one = threading.Barrier(2, timeout=1)


# @code deadlock:opposite-order
def worker(first, second, results, name):
    with first:
        both_hold_one.wait()  # make the bad timing happen every time
        if second.acquire(timeout=0.5):  # the other thread holds it and waits for ours
            second.release()
            results[name] = "finished"
        else:
            results[name] = "stuck: waited for a lock the other thread holds"

def opposite_order():
    results = {}
    t0 = threading.Thread(target=worker, args=(a, b, results, 0))
    t1 = threading.Thread(target=worker, args=(b, a, results, 1))  # B before A
    for t in (t0, t1):
        t.start()
    for t in (t0, t1):
        t.join()
    return results
# @end


# @code deadlock:ordered
def ordered_worker(results, name, rounds=1000):
    for _ in range(rounds):
        with a:  # everyone takes A before B,
            with b:  # so nobody holds B while waiting for A
                pass
    results[name] = "finished"

def ordered():
    results = {}
    ts = [threading.Thread(target=ordered_worker, args=(results, k)) for k in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results
# @end


if __name__ == "__main__":
    stuck = opposite_order()
    assert any(v.startswith("stuck") for v in stuck.values()), stuck
    assert ordered() == {0: "finished", 1: "finished"}
    print("deadlock: opposite order", stuck, "; ordered: both finished")
