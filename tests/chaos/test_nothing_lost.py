"""Nothing the operator did is lost: notes and ticks written at a steady rate while the
process is killed (SIGKILL, SIGHUP) and restarted; every acknowledged event is in the
store exactly once.

The writer is the real engine on the real SQLite store (synchronous=FULL, WAL); an
event counts as acknowledged when `engine.note()`/`engine.tick()` has returned and the
writer has printed its id. Two writers run at once part of the time (a captain and a
watcher on one host), so kills land amid concurrent commits too.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cockpit.store.sqlite import SqliteStore
from tests.support.launch import write_launch

ROUNDS = 6
CHECKLIST = ("title: t\nsections:\n  - title: s\n    items:\n"
             "      - {id: a, text: A}\n      - {id: b, text: B}\n")
WRITER = """
import signal, sys, time
# A hangup ends the writer as it ends a process on a terminal, even when the tests run
# under nohup (SIGHUP ignored, and inherited): the test is of kills, not of nohup.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.store.sqlite import SqliteStore
config = load_config(sys.argv[1])
engine = Engine(config, SqliteStore(config.store_path()), sources=[], author=sys.argv[2])
i = 0
while True:
    i += 1
    if i % 3 == 0:
        event = engine.tick("a" if i % 2 else "b", f"{sys.argv[2]} #{i}")
    elif i % 3 == 1:
        event = engine.note(f"{sys.argv[2]} note #{i}")
    else:
        event = engine.untick("a" if i % 2 else "b")
    print(event.id, flush=True)   # acknowledged: the append has returned
    time.sleep(0.005)
"""


def _reader(proc: subprocess.Popen[str], acked: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        acked.append(line.strip())


def test_every_acknowledged_event_survives_kills_and_restarts(tmp_path: Path):
    config = write_launch(tmp_path, CHECKLIST)
    rng = random.Random(17)
    acked: list[str] = []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for round_ in range(ROUNDS):
        writers = [f"w{round_}-{k}@host" for k in range(1 + round_ % 2)]
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(config), w],
                                  stdout=subprocess.PIPE, text=True, env=env)
                 for w in writers]
        readers = [threading.Thread(target=_reader, args=(p, acked)) for p in procs]
        for r in readers:
            r.start()
        time.sleep(1.0 + rng.random())  # start-up, then a steady stream
        for p in procs:
            p.send_signal(signal.SIGKILL if round_ % 2 == 0 else signal.SIGHUP)
        for p in procs:
            p.wait(timeout=20)
        for r in readers:
            r.join(timeout=20)
    acked = [a for a in acked if a]
    assert len(acked) > 100, "the writers did write"
    store = SqliteStore(tmp_path / "events.db", read_only=True)
    ids = [e.id for e in store.events()]
    assert len(ids) == len(set(ids)), "no event twice"
    missing = set(acked) - set(ids)
    assert not missing, f"{len(missing)} acknowledged events lost"
    check = subprocess.run([sys.executable, "-m", "cockpit.cli", "log", "list", "--store",
                            str(tmp_path / "events.db")], capture_output=True, text=True,
                           timeout=60, check=False)
    assert check.returncode == 0 and "Traceback" not in check.stderr
