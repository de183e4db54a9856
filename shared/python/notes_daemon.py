"""daemon: a background thread nobody waits for stops when the program ends.

Run this file: it runs each version as a child program and counts the steps the child printed.
"""
import subprocess
import sys
import threading
import time

STEPS, STEP_S = 10, 0.02


def background():
    for k in range(STEPS):
        time.sleep(STEP_S)
        print("step", k, flush=True)


# @code daemon:daemon
def as_daemon():
    threading.Thread(target=background, daemon=True).start()
    time.sleep(STEPS * STEP_S / 2)  # main returns halfway: the daemon is cut off mid-run
# @end


# @code daemon:joined
def joined():
    t = threading.Thread(target=background)
    t.start()
    time.sleep(STEPS * STEP_S / 2)
    t.join()  # main waits, so every step runs
# @end


if __name__ == "__main__":
    if len(sys.argv) > 1:
        {"daemon": as_daemon, "joined": joined}[sys.argv[1]]()
        sys.exit(0)
    steps = {}
    for mode in ("daemon", "joined"):
        out = subprocess.run([sys.executable, __file__, mode], capture_output=True, text=True,
                             check=True).stdout
        steps[mode] = out.count("step")
    assert steps["joined"] == STEPS and steps["daemon"] < STEPS, steps
    print("daemon: the daemon thread did", steps["daemon"], "of", STEPS, "steps; joined did all")
