"""PtyApp(track_cpu=True) says how much CPU the program had used when some bytes of its
screen arrived (bench_peers: the CPU to the cockpit's first frame, issue 14)."""

from __future__ import annotations

import sys

from tests.support.pty_app import PtyApp, cpu_s

# Burns at least 0.2 s of CPU in a second thread (it counts too), then draws "ready";
# then waits to be told to go.
CHILD = """
import sys, threading, time
def burn():
    t = time.thread_time()
    while time.thread_time() - t < 0.2:
        pass
worker = threading.Thread(target=burn)
worker.start()
worker.join()
print("ready", flush=True)
sys.stdin.readline()
"""


def test_the_cpu_used_by_the_time_a_frame_arrived():
    term = PtyApp([sys.executable, "-c", CHILD], 40, 5, track_cpu=True)
    try:
        at = term.wait_for(lambda text: "ready" in text, 30)
        used = term.cpu_at(at)
        assert used is not None and used >= 0.2  # the thread's, which had ended by then
        now = cpu_s(term.proc.pid)
        assert now is not None and now >= used
        term.write("\n")
        term.wait(10)
    finally:
        term.kill()
    assert cpu_s(term.proc.pid) is None  # gone
