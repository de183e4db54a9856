"""processes: start children and wait for them; talk to a child through its pipes; send values
from one process to another.

Run this file: exit codes, echoed lines and received values are all checked.
"""
import multiprocessing
import subprocess
import sys


# @code processes:spawn
def spawn(n):
    children = [subprocess.Popen([sys.executable, "-c", "pass"]) for _ in range(n)]
    return [child.wait() for child in children]  # each exit code; 0 means success
# @end


# @code processes:pipe
def pipe(lines):
    child = subprocess.Popen([sys.executable, "-c",
                              "import sys\nfor l in sys.stdin: print(l.strip().upper())"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate("\n".join(lines) + "\n")  # write all, then read all
    return out.split()
# @end


# @code processes:queue
def writer(q, n):
    for value in range(n):
        q.put(value)
    q.put(None)

def reader(q, out):
    total = 0
    while (value := q.get()) is not None:
        total += value
    out.put(total)

def queue(n):
    q, out = multiprocessing.Queue(), multiprocessing.Queue()
    ps = [multiprocessing.Process(target=writer, args=(q, n)),
          multiprocessing.Process(target=reader, args=(q, out))]
    for p in ps:
        p.start()
    total = out.get()
    for p in ps:
        p.join()
    return total
# @end


if __name__ == "__main__":
    assert spawn(4) == [0, 0, 0, 0]
    assert pipe(["a", "b", "c"]) == ["A", "B", "C"]
    assert queue(1000) == sum(range(1000))
    print("processes: 4 children exited 0; the pipe echoed every line; the queue lost nothing")
