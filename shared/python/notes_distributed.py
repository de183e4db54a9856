"""distributed: a master serves a task queue and a result queue on the network behind an auth
key; workers connect with the key, take tasks, and put back results.

Run this file: it starts the manager on loopback, two worker processes that connect to it, and
checks the total; a worker with the wrong key must be refused.
"""
import multiprocessing
import queue
from multiprocessing.managers import BaseManager

PER_TASK, TASKS, KEY = 20_000, 20, b"s3cret"
tasks, results = queue.Queue(), queue.Queue()


def get_tasks():
    return tasks


def get_results():
    return results


class QueueManager(BaseManager):
    pass


# @code distributed:broker distributed:hosts
def worker(address, key):
    QueueManager.register("get_tasks")
    QueueManager.register("get_results")
    m = QueueManager(address=address, authkey=key)
    m.connect()  # a wrong key raises AuthenticationError here
    todo, done = m.get_tasks(), m.get_results()
    while True:
        try:
            n = todo.get(timeout=1)
        except queue.Empty:
            return
        done.put((n, sum(i * i for i in range(n * PER_TASK, (n + 1) * PER_TASK))))


def master():
    QueueManager.register("get_tasks", callable=get_tasks)
    QueueManager.register("get_results", callable=get_results)
    m = QueueManager(address=("127.0.0.1", 0), authkey=KEY)
    m.start()  # serves both queues on the network
    todo, done = m.get_tasks(), m.get_results()
    for n in range(TASKS):
        todo.put(n)
    ws = [multiprocessing.Process(target=worker, args=(m.address, KEY)) for _ in range(2)]
    for w in ws:
        w.start()
    answers = dict(done.get(timeout=30) for _ in range(TASKS))  # one answer per task id
    for w in ws:
        w.join()
    m.shutdown()
    return sum(answers.values())
# @end


# @code distributed:local-pool
def local_pool():
    with multiprocessing.pool.ThreadPool(2) as pool:
        return sum(pool.map(lambda n: sum(i * i for i in range(n * PER_TASK, (n + 1) * PER_TASK)),
                            range(TASKS)))
# @end


if __name__ == "__main__":
    import multiprocessing.pool
    n = TASKS * PER_TASK
    want = (n - 1) * n * (2 * n - 1) // 6
    assert master() == want
    assert local_pool() == want
    QueueManager.register("get_tasks", callable=get_tasks)
    m = QueueManager(address=("127.0.0.1", 0), authkey=KEY)
    m.start()
    try:
        QueueManager(address=m.address, authkey=b"wrong").connect()
        raise SystemExit("a wrong key was let in")
    except multiprocessing.AuthenticationError:
        pass
    m.shutdown()
    print("distributed: exact through the manager; a wrong key was refused")
