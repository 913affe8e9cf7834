"""The launch's rollback lock: one holder, named to the others, never held forever."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cockpit.rollback.lock import LockHeld, RollbackLock, pid_alive
from tests.support.identity import act_as


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_second_caller_is_told_who_holds_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    lock = RollbackLock(tmp_path / "rollback.lock")
    act_as(monkeypatch, "alice")
    lock.acquire("r1")
    act_as(monkeypatch, "bob")
    with pytest.raises(LockHeld) as held:
        RollbackLock(tmp_path / "rollback.lock").acquire("r2")
    info = held.value.info
    assert info.holder == f"alice@{socket.gethostname()}" and info.pid == os.getpid()
    assert info.rollback_id == "r1"
    assert f"alice@{socket.gethostname()} (pid {os.getpid()}) has been rolling back since" in str(
        held.value
    )


def test_exactly_one_of_many_racing_callers_wins(tmp_path: Path) -> None:
    path = tmp_path / "rollback.lock"
    results: list[str] = []
    barrier = threading.Barrier(8)

    def contender(i: int) -> None:
        barrier.wait()
        try:
            RollbackLock(path).acquire(f"r{i}")
            results.append("won")
        except LockHeld:
            results.append("held")

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["held"] * 7 + ["won"]


def test_a_dead_holder_on_this_host_is_stale(tmp_path: Path) -> None:
    lock = RollbackLock(tmp_path / "rollback.lock")
    lock.acquire("crashed", pid=_dead_pid())
    assert lock.holder() is None
    assert lock.acquire("next").rollback_id == "next"


def test_a_holder_on_another_host_is_trusted_until_its_ttl(tmp_path: Path) -> None:
    path = tmp_path / "rollback.lock"
    lock = RollbackLock(path, ttl=60)
    lock.acquire("elsewhere", pid=1)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "host": "other-bastion", "pid": 999999}))
    with pytest.raises(LockHeld):
        lock.acquire("mine")
    path.write_text(json.dumps({**data, "host": "other-bastion", "started": data["started"] - 61}))
    assert lock.acquire("mine").rollback_id == "mine"


def test_garbage_lock_file_counts_from_its_mtime(tmp_path: Path) -> None:
    path = tmp_path / "rollback.lock"
    path.write_text("{half")
    lock = RollbackLock(path, ttl=3600)
    with pytest.raises(LockHeld):
        lock.acquire("r")
    os.utime(path, (1, 1))
    assert lock.acquire("r").rollback_id == "r"


def test_release_and_hand_over_only_for_the_same_rollback(tmp_path: Path) -> None:
    lock = RollbackLock(tmp_path / "rollback.lock")
    lock.acquire("r1")
    assert not lock.release("r2")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not lock.hand_over("r2", child.pid)  # not ours to give
        assert lock.hand_over("r1", child.pid)
        assert lock.holder().pid == child.pid
    finally:
        child.kill()
        child.wait()
    assert not pid_alive(child.pid)
    assert lock.holder() is None  # the runner died: stale
    assert lock.release("r1") and not lock.path.exists()
    assert not lock.hand_over("r1", 1)  # a runner that already finished: nothing to hand over
