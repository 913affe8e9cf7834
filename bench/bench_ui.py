"""The cockpit screen under a real pseudo-terminal: time to first frame, key-to-screen latency.

Runs `cockpit run` (the console script, as an operator would) in a pty read by a
terminal emulator (pyte), on a launch with a 40-item checklist and an HTTP check
against a loopback server sampled every second (so the screen is live while keys
are measured).

- First frame: from spawning the process until the emulated screen shows the verdict,
  the checklist rows and the log. Budget: < 1.0 s.
- Key-to-screen: `j`/`k` alternately on the checklist; from writing the key to the pty
  until the bytes that move the cursor row's highlight arrive. Budget: p95 < 50 ms.

Times are taken when the bytes arrive from the pty, before the (slow, pure-Python)
emulator digests them, so the harness's own cost is not counted; the child's CPU to
its first frame is printed too, as contention on a shared 2-core machine inflates wall
times.
- Bytes: what the terminal receives per second while idle (what an SSH link carries).
"""

from __future__ import annotations

import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.http_ok import OkHandler  # noqa: E402
from tests.support.pty_app import PtyApp  # noqa: E402

COCKPIT = str(Path(sys.executable).with_name("cockpit"))
FIRST_FRAME_BUDGET = 1.0
KEY_P95_BUDGET_MS = 50.0
STARTS = 5
KEYS = 120



def write_launch(tmp: Path, port: int) -> Path:
    items = "\n".join(f"      - {{id: item-{i}, text: Manual check number {i}, owner: team{i % 4}}}"
                      for i in range(40))
    (tmp / "checklist.yaml").write_text(
        "title: bench\nsections:\n  - title: Manual\n    items:\n" + items + "\n"
        "  - title: Live\n    items:\n"
        "      - {id: api-up, text: API answers, auto: \"http.api.up == true\", owner: sre}\n")
    config = tmp / "launch.yaml"
    config.write_text(f"launch: bench launch\nchecklist: checklist.yaml\nstore: {tmp}/events.db\n"
                      f"http:\n  api: {{url: \"http://127.0.0.1:{port}/\", every: 1s}}\n")
    return config


def ready(text: str) -> bool:
    return ("bench launch" in text and "Manual check number 3" in text
            and "Incident log" in text)


def cursor_rows(term: PtyApp, x: int) -> tuple:
    """Background colour down column x: the checklist's cursor row shows as its own colour."""
    with term.lock:
        return tuple(term.screen.buffer[y][x].bg for y in range(term.rows))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (from /proc): the cost, apart from contention."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_frames(config: Path, layout: str, cols: int,
                 rows: int) -> tuple[list[float], list[float]]:
    times, cpu = [], []
    for _ in range(STARTS):
        term = PtyApp([COCKPIT, "run", str(config), "--layout", layout], cols, rows)
        try:
            at = term.wait_for(ready, 20)
            cpu.append(cpu_seconds(term.proc.pid))
            times.append(at - term.started)
            term.write("q")
            term.wait(10)
        finally:
            term.kill()
    return times, cpu


def key_latency(config: Path, layout: str, cols: int, rows: int) -> tuple[list[float], float]:
    term = PtyApp([COCKPIT, "run", str(config), "--layout", layout], cols, rows)
    try:
        term.wait_for(ready, 20)
        time.sleep(1.5)  # engine started, first samples in
        x = 8  # inside the checklist pane, left column
        latencies = []
        for i in range(KEYS):
            before = cursor_rows(term, x)
            sent = time.perf_counter()
            term.write("j" if i % 2 == 0 else "k")
            deadline = sent + 2.0
            seen = sent + 2.0
            while time.perf_counter() < deadline:
                with term.lock:
                    term._changed.wait(0.005)  # noqa: SLF001
                if cursor_rows(term, x) != before:
                    seen = term.last_arrival()  # when those bytes reached the terminal
                    break
            latencies.append((seen - sent) * 1000)
            time.sleep(0.03)
        # Idle bytes per second (what an SSH link carries while nobody types).
        with term.lock:
            start = len(term.chunks)
        t0 = time.perf_counter()
        time.sleep(5.0)
        with term.lock:
            idle = sum(n for _, n in term.chunks[start:]) / (time.perf_counter() - t0)
        term.write("q")
        term.wait(10)
        return latencies, idle
    finally:
        term.kill()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OkHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        config = write_launch(Path(tmp), server.server_address[1])
        for layout, cols, rows in (("compact", 80, 24), ("launch", 160, 45)):
            frames, cpu = first_frames(config, layout, cols, rows)
            worst = max(frames)
            status = "ok" if worst < FIRST_FRAME_BUDGET else "OVER BUDGET"
            ok &= worst < FIRST_FRAME_BUDGET
            med = statistics.median(frames)
            print(f"ui first frame  {layout:8} {cols}x{rows}: median {med:.3f} s, "
                  f"max {worst:.3f} s over {len(frames)} starts "
                  f"(budget < {FIRST_FRAME_BUDGET:.1f} s) {status}; CPU to that frame: "
                  f"median {statistics.median(cpu):.2f} s")
            lat, idle = key_latency(config, layout, cols, rows)
            q = p95(lat)
            status = "ok" if q < KEY_P95_BUDGET_MS else "OVER BUDGET"
            ok &= q < KEY_P95_BUDGET_MS
            print(f"ui key-to-screen {layout:8} {cols}x{rows}: p50 {statistics.median(lat):.1f} ms"
                  f", p95 {q:.1f} ms, max {max(lat):.1f} ms over {len(lat)} keys "
                  f"(budget p95 < {KEY_P95_BUDGET_MS:.0f} ms) {status}")
            print(f"ui idle output  {layout:8} {cols}x{rows}: {idle / 1024:.1f} KiB/s")
    server.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
