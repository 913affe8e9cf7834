"""Where the watch's CPU goes: py-spy on `cockpit run` over the demo, in a real pty.

    .venv/bin/python bench/profile_watch.py [SECONDS] [COLSxROWS] [--threads] [--default-intervals]

Starts the demo's simulators (as bench_peers does), runs `cockpit run` on their config
in a pseudo-terminal, waits 8 s, then samples it with py-spy (from .venv-peers, installed
by tools/bench.d/peers.sh) for SECONDS (default 30) at 1,000 samples a second, and prints
the functions that hold the most samples, inclusive and self, plus the collapsed stacks file
(bench/results/profile-*.txt) for a flame graph. --default-intervals: every source at its
default interval, as bench_peers measures the CPU budget. Not part of `make bench`: a tool.
"""

from __future__ import annotations

import collections
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_peers import (  # noqa: E402
    COCKPIT,
    PEERS_VENV,
    RESULTS,
    DemoSims,
    at_default_intervals,
    cockpit_ready,
)
from tests.support.pty_app import PtyApp  # noqa: E402


def summarise(collapsed: Path, top: int = 40) -> list[str]:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if f]
        for f in set(frames):
            inclusive[_short(f)] += n
        if frames:
            own[_short(frames[-1])] += n
    out = [f"{total} samples"]
    out.append("-- inclusive --")
    out += [f"{n / total * 100:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out.append("-- self --")
    out += [f"{n / total * 100:5.1f}%  {f}" for f, n in own.most_common(top)]
    return out


def _short(frame: str) -> str:
    # py-spy frames: "function (path/to/file.py:line)"; keep file name and function.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    tail = "/".join(parts[-2:]) if parts else path
    return f"{tail}:{name}"


def main(argv: list[str]) -> int:
    seconds = int(argv[0]) if argv and argv[0].isdigit() else 30
    size = next((a for a in argv if "x" in a and a[0].isdigit()), "200x60")
    cols, rows = (int(v) for v in size.split("x"))
    spy = PEERS_VENV / "py-spy"
    if not spy.exists():
        print("py-spy not installed: run tools/bench.d/peers.sh")
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{size}.txt"
    sims = DemoSims()
    try:
        config = at_default_intervals(sims.config) if "--default-intervals" in argv else (
            sims.config)
        term = PtyApp([COCKPIT, "run", str(config), "--layout", "launch"], cols, rows)
        try:
            term.wait_for(cockpit_ready, 30)
            time.sleep(8)
            cmd = [str(spy), "record", "--pid", str(term.proc.pid), "--duration", str(seconds),
                   "--format", "raw", "--output", str(out), "--rate", "1000", "--nonblocking"]
            if "--threads" in argv:
                cmd.append("--threads")
            subprocess.run(cmd, check=True, capture_output=True)
        finally:
            term.kill()
    finally:
        sims.stop()
    print("\n".join(summarise(out)))
    print(f"collapsed stacks: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
