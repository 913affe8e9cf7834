"""Redis fan-out between cockpits, through a redis-server of the test's own that it
stops and starts: no crash, polling carries on ("live updates paused"), fan-out
resumes, nothing missed and nothing twice. And presence appears and expires."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cockpit.model import Event
from cockpit.store.shared import SharedStore
from cockpit.store.spec import parse
from tests.support.pg import launch_name

pytestmark = pytest.mark.integration


def _wait(predicate, what: str, limit: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Inbox:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    def __call__(self, events: list[Event]) -> None:
        with self.lock:
            for e in events:
                self.events.append(e)
                self.at[e.id] = time.monotonic()


def _pair(pg_url: str, bus: str, tmp: Path, **kw):  # noqa: ANN003, ANN202
    launch = launch_name()
    a = SharedStore(parse(pg_url), launch, tmp / "a.db", bus=bus, poll=0.5, **kw)
    b = SharedStore(parse(pg_url), launch, tmp / "b.db", bus=bus, poll=0.5, **kw)
    return a, b


def test_redis_stopped_and_started_fan_out_resumes_nothing_missed(pg_url: str, own_redis,  # noqa: ANN001
                                                                 tmp_path: Path) -> None:
    a, b = _pair(pg_url, own_redis.url, tmp_path)
    inbox = Inbox()
    b.on_remote(inbox)
    _wait(lambda: a.bus.live and b.bus.live, "both subscribed")
    sent = []
    for n in range(20):
        e = Event("note", f"live #{n}")
        sent.append(e)
        t0 = time.monotonic()
        a.append(e)
        _wait(lambda e=e: e.id in inbox.at, "fan-out")
        assert inbox.at[e.id] - t0 < 1.0
    own_redis.stop()
    _wait(lambda: not b.bus.live and not a.bus.live, "the bus to be seen away")
    assert "live updates paused" in b.status().describe()
    for n in range(30):
        e = Event("note", f"paused #{n}")
        sent.append(e)
        a.append(e)
    _wait(lambda: len(inbox.events) == 50, "polling to bring the paused ones")
    own_redis.start()
    _wait(lambda: a.bus.live and b.bus.live, "the bus back", limit=30)
    assert "live updates paused" not in b.status().describe()
    for n in range(20):
        e = Event("note", f"again #{n}")
        sent.append(e)
        t0 = time.monotonic()
        a.append(e)
        _wait(lambda e=e: e.id in inbox.at, "fan-out after the restart")
        assert inbox.at[e.id] - t0 < 1.0
    assert [e.id for e in inbox.events] == [e.id for e in sent]  # in order, once each
    a.close()
    b.close()


def test_presence_appears_and_a_vanished_cockpit_drops_out(pg_url: str, own_redis,  # noqa: ANN001
                                                           tmp_path: Path) -> None:
    a, b = _pair(pg_url, own_redis.url, tmp_path, heartbeat=0.5, presence_ttl=2.0)
    a.join("alice", "bastion-1", "10.0.0.7", "captain")
    b.join("bob", "bastion-2", None, "operator")
    _wait(lambda: {w.user for w in a.watchers()} == {"alice", "bob"}, "both present")
    bob = next(w for w in a.watchers() if w.user == "bob")
    alice = next(w for w in b.watchers() if w.user == "alice")
    assert (alice.host, alice.ssh_client, alice.role) == ("bastion-1", "10.0.0.7", "captain")
    assert bob.since <= bob.last_seen
    # bob's cockpit vanishes without saying goodbye (its heartbeat just stops).
    b._stop.set()
    b._wake.set()
    b._thread.join(10)
    _wait(lambda: {w.user for w in a.watchers()} == {"alice"}, "bob to drop out", limit=10)
    a.close()
    b.bus.close()
    b.pg.close()
