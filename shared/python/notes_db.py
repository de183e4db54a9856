"""db: producers make rows; something writes them to SQLite.

Run this file: every strategy must leave exactly the rows produced, each once.
"""
import os
import queue
import sqlite3
import tempfile
import threading

PRODUCERS, ROWS, BATCH = 4, 250, 100


def database(path):
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, value TEXT)")
    db.commit()
    return db


def produce(q, k):
    for i in range(ROWS):
        q.put((k * ROWS + i, f"row {k}.{i}"))


# @code db:batched db:per-row
def writer(path, q, batch):
    db = database(path)
    pending = 0
    while (row := q.get()) is not None:
        db.execute("INSERT INTO items VALUES (?, ?)", row)
        pending += 1
        if pending == batch:  # batch = 1 commits every row
            db.commit()
            pending = 0
    db.commit()

def one_writer(path, batch=BATCH):
    q = queue.Queue(maxsize=1000)
    w = threading.Thread(target=writer, args=(path, q, batch))
    w.start()
    ps = [threading.Thread(target=produce, args=(q, k)) for k in range(PRODUCERS)]
    for t in ps:
        t.start()
    for t in ps:
        t.join()
    q.put(None)  # every producer is done: the writer drains the queue and stops
    w.join()
# @end


# @code db:contending
def write_own_rows(path, k):
    db = database(path)  # one connection per producer
    for i in range(ROWS):
        db.execute("INSERT INTO items VALUES (?, ?)", (k * ROWS + i, f"row {k}.{i}"))
        db.commit()  # every commit waits for the database's one write lock

def contending(path):
    ts = [threading.Thread(target=write_own_rows, args=(path, k)) for k in range(PRODUCERS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
# @end


if __name__ == "__main__":
    for name, run in [("batched", one_writer), ("per-row", lambda p: one_writer(p, 1)),
                      ("contending", contending)]:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "items.db")
            run(path)
            ids = [r[0] for r in sqlite3.connect(path).execute("SELECT id FROM items ORDER BY id")]
            assert ids == list(range(PRODUCERS * ROWS)), f"{name}: {len(ids)} rows"
    print("db: every strategy stored all", PRODUCERS * ROWS, "rows once")
