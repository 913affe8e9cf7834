"""Fan-out between two cockpits of one launch, and the catch-up after a gap.

On the machine's PostgreSQL (a database of its own, dropped after) and Redis (a launch
name of its own): cockpit A writes notes at 100 events/s for 20 s; cockpit B's store
hands each to its listener (what the engine subscribes to). Latency is from A's
append (the operator's action) to B's listener, both in this process, so one clock.
Then the gap: B is away while A writes 10 minutes' worth at 100 events/s (60,000
events); B comes back (its journal kept) and catches up from PostgreSQL by sequence:
how long, and how much CPU. Last, the same latency without a bus (polling, 2 s).

Budget: fan-out p95 < 250 ms on loopback.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from cockpit.model import Event  # noqa: E402
from cockpit.store.shared import SharedStore  # noqa: E402
from cockpit.store.spec import parse  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
RATE = 100.0
SECONDS = 20.0
GAP_EVENTS = int(10 * 60 * RATE)
BUDGET_P95_MS = 250.0


class Receiver:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.done = threading.Event()
        self.want = 0

    def __call__(self, events: list[Event]) -> None:
        t = time.monotonic()
        for e in events:
            self.at.setdefault(e.id, t)
        if self.want and len(self.at) >= self.want:
            self.done.set()


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * (len(xs) - 1)))]


def fan_out(a: SharedStore, b: SharedStore, seconds: float) -> list[float]:
    rx = Receiver()
    b.on_remote(rx)
    n = int(seconds * RATE)
    rx.want = n
    sent: dict[str, float] = {}
    start = time.monotonic()
    for i in range(n):
        due = start + i / RATE
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        e = Event("note", f"bench #{i}", data={"n": i}, author="a@bench")
        sent[e.id] = time.monotonic()
        a.append(e)
    rx.done.wait(30)
    missing = [i for i in sent if i not in rx.at]
    if missing:
        raise SystemExit(f"{len(missing)} events never arrived")
    return [(rx.at[i] - t) * 1000 for i, t in sent.items()]


def report(name: str, lat: list[float]) -> float:
    p95 = _pct(lat, 0.95)
    print(f"  {name}: {len(lat)} events at {RATE:g}/s: p50 {statistics.median(lat):.1f} ms, "
          f"p95 {p95:.1f} ms, max {max(lat):.1f} ms")
    return p95


def main() -> int:
    db = f"cockpit_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{db}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return run(url, Path(tmp))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def run(url: str, tmp: Path) -> int:
    launch = f"bench-{uuid.uuid4().hex[:8]}"
    spec = parse(url)
    a = SharedStore(spec, launch, tmp / "a.db", bus=REDIS)
    b = SharedStore(spec, launch, tmp / "b.db", bus=REDIS)
    deadline = time.monotonic() + 10
    while not (a.bus.live and b.bus.live) and time.monotonic() < deadline:
        time.sleep(0.05)
    print("team fan-out (PostgreSQL + Redis on loopback), cockpit A -> cockpit B")
    p95 = report("with the bus", fan_out(a, b, SECONDS))
    b.close()

    # The gap: B away while A writes 10 minutes of events.
    t0 = time.monotonic()
    for i in range(GAP_EVENTS):
        a.append(Event("note", f"gap #{i}", data={"n": i}, author="a@bench"))
    a.flush(300)
    write_s = time.monotonic() - t0
    cpu0, w0 = time.process_time(), time.monotonic()
    back = SharedStore(spec, launch, tmp / "b.db", bus=REDIS, sync_timeout=300)
    catch_s, catch_cpu = time.monotonic() - w0, time.process_time() - cpu0
    have = len(back.events(kinds=["note"]))
    print(f"  catch-up after a 10-minute gap ({GAP_EVENTS} events, written and shipped by A "
          f"in {write_s:.1f} s): {catch_s:.2f} s wall, {catch_cpu:.2f} s CPU "
          f"({GAP_EVENTS / catch_s:,.0f} events/s); B has {have} notes")
    back.close()
    a.close()

    quiet = f"{launch}-poll"  # a launch of its own: no 60,000 events to catch up first
    a2 = SharedStore(spec, quiet, tmp / "a2.db")
    b2 = SharedStore(spec, quiet, tmp / "b2.db")
    report("without a bus (polling every 2 s)", fan_out(a2, b2, 5.0))
    a2.close()
    b2.close()
    ok = p95 < BUDGET_P95_MS and have >= GAP_EVENTS
    print(f"  budget p95 < {BUDGET_P95_MS:g} ms: {'within budget' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
