"""The rollback lock across hosts: Redis (with a bus) or PostgreSQL (without). Two
captains racing: exactly one wins, 100 races out of 100; a dead holder's lock expires."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from cockpit.rollback.lock import LockHeld
from cockpit.rollback.shared_lock import LockUnavailable, PgLock, RedisLock, open_lock
from tests.support.identity import act_as
from tests.support.pg import free_port, launch_name

pytestmark = pytest.mark.integration


def _race(a, b) -> list[str]:  # noqa: ANN001
    """Both try at once; the names of the winners."""
    barrier = threading.Barrier(2)
    winners: list[str] = []
    held: list[LockHeld] = []

    def go(lock, name: str) -> None:  # noqa: ANN001
        rid = uuid.uuid4().hex
        lock.tried = rid
        barrier.wait()
        try:
            lock.acquire(rid)
            winners.append(name)
            lock.last = rid
        except LockHeld as exc:
            held.append(exc)

    threads = [threading.Thread(target=go, args=(lk, n)) for lk, n in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(held) == 2 - len(winners)
    for exc in held:
        assert "rolling back since" in str(exc)  # the loser is told who, and since when
    return winners


@pytest.mark.parametrize("kind", ["redis", "postgresql"])
def test_two_captains_racing_exactly_one_wins_100_of_100(kind: str, redis_url: str,
                                                         pg_url: str) -> None:
    launch = launch_name()
    if kind == "redis":
        a, b = RedisLock(redis_url, launch, ttl=60), RedisLock(redis_url, launch, ttl=60)
    else:
        a, b = PgLock({"url": pg_url}, launch, ttl=60), PgLock({"url": pg_url}, launch, ttl=60)
    for _ in range(100):
        winners = _race(a, b)
        assert len(winners) == 1
        winner, loser = (a, b) if winners == ["a"] else (b, a)
        assert not loser.release(loser.tried)  # only the holder's rollback id releases
        assert winner.holder().rollback_id == winner.last
        assert winner.release(winner.last) and winner.holder() is None


def test_only_the_holder_releases_and_the_holder_is_visible(redis_url: str,
                                                            monkeypatch) -> None:  # noqa: ANN001
    lock = RedisLock(redis_url, launch_name(), ttl=60)
    act_as(monkeypatch, "alice", "bastion-1")
    lock.acquire("r-alice")
    act_as(monkeypatch, "bob", "bastion-2")
    with pytest.raises(LockHeld) as held:
        lock.acquire("r-bob")
    assert held.value.info.holder == "alice@bastion-1"
    assert not lock.release("r-bob") and lock.holder().rollback_id == "r-alice"
    assert lock.hand_over("r-alice", 4242) and lock.read().pid == 4242
    assert lock.release("r-alice") and lock.holder() is None


def test_a_lock_whose_holder_died_expires(redis_url: str, pg_url: str) -> None:
    launch = launch_name()
    for lock in (RedisLock(redis_url, launch, ttl=60), PgLock({"url": pg_url}, launch, ttl=60)):
        # A holder process on this host that is gone: broken at once, and said why.
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        lock.acquire("r-dead", pid=dead.pid)
        lock.acquire("r-next")
        assert lock.broken and "is gone" in lock.broken[0][1]
        assert lock.release("r-next")
    # A holder on another host (no pid to look at): the expiry frees it.
    short = RedisLock(redis_url, launch_name(), ttl=1.0)
    short.acquire("r-other-host", pid=os.getpid())
    with pytest.raises(LockHeld):
        short.acquire("r-2")
    time.sleep(1.2)
    short.acquire("r-2")
    assert short.release("r-2")


def test_unreachable_shared_lock_refuses_the_rollback() -> None:
    lock = open_lock({"kind": "redis", "url": f"redis://127.0.0.1:{free_port()}/0",
                      "launch": launch_name(), "ttl": 60})
    with pytest.raises(LockUnavailable, match="no rollback starts without it"):
        lock.acquire("r1")
    assert lock.holder() is None
