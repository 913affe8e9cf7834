"""Where the first frame's CPU goes: cProfile on `cockpit run` over the demo, in a real pty.

    .venv/bin/python bench/profile_startup.py [COLSxROWS] [TOP]

Starts the demo's simulators (as bench_peers does), then runs `cockpit run` on their config
in a pseudo-terminal under cProfile, from the interpreter's first cockpit import until the
screen's first frame (when the app gives the garbage collector back, `startup.resume_gc`),
and prints the phases (imports, engine, screen) and the TOP functions by cumulative and own
CPU time; the stats file goes to bench/results/startup-*.prof (for snakeviz or pstats).
cProfile roughly doubles Python's cost: read the shares, not the seconds. Not part of
`make bench`: a tool (issue 14: first frame under 0.6 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_peers import RESULTS, DemoSims, cockpit_ready, compile_bytecode  # noqa: E402
from tests.support.pty_app import PtyApp  # noqa: E402

# Runs in the profiled cockpit: profile from the start, stop and dump at the first frame.
CHILD = r"""
import cProfile, os, sys, time
out, t0 = sys.argv[1], time.process_time()
marks = []
profile = cProfile.Profile(time.process_time)
profile.enable()
import cockpit.startup as startup
_resume = startup.resume_gc
def at_first_frame():
    profile.disable()
    profile.dump_stats(out)
    with open(out + ".marks", "w") as f:
        for name, at in marks + [("first frame", time.process_time())]:
            f.write(f"{name} {at - t0:.4f}\n")
    _resume()
startup.resume_gc = at_first_frame
import cockpit.ui.app as ui_app
ui_app.resume_gc = at_first_frame
import cockpit.commands.common as common
_engine_from = common.engine_from
def engine_from(*a, **k):
    marks.append(("engine start", time.process_time()))
    try:
        return _engine_from(*a, **k)
    finally:
        marks.append(("engine built", time.process_time()))
common.engine_from = engine_from
import cockpit.commands.run as run
run.engine_from = engine_from
from cockpit.cli import main
sys.exit(main(sys.argv[2:]))
"""


def main() -> int:
    size = sys.argv[1] if len(sys.argv) > 1 else "200x60"
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 35
    cols, rows = (int(n) for n in size.split("x"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"startup-{stamp}.prof"
    compile_bytecode()  # as bench_peers measures it
    sims = DemoSims()
    try:
        argv = [sys.executable, "-c", CHILD, str(out), "run", str(sims.config),
                "--layout", "launch"]
        term = PtyApp(argv, cols, rows)
        try:
            term.wait_for(cockpit_ready, 60)
            deadline = time.monotonic() + 30
            while not Path(str(out) + ".marks").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            term.write("q")
            term.wait(10)
        finally:
            term.kill()
    finally:
        sims.stop()
    import pstats

    marks = Path(str(out) + ".marks").read_text().splitlines()
    print(f"{size}, CPU seconds from the first import (profiled): " + ", ".join(marks))
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(f"stats: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
