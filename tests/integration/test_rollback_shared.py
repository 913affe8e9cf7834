"""Two captains on two bastions (two state directories: no lock file in common) with a
bus configured: the Redis lock lets exactly one roll back, tells the other who, and the
detached runner releases it when the rollback ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.rollback.lock import LockHeld
from cockpit.rollback.service import Rollbacks
from cockpit.rollback.shared_lock import RedisLock
from cockpit.store.sqlite import SqliteStore
from tests.support.helm import asr_history, history_json, make_standin, recorded
from tests.support.identity import act_as
from tests.support.pg import launch_name
from tests.support.rollback import load

pytestmark = pytest.mark.integration

HELM = {"helm": {"release": "asr", "namespace": "asr", "kube_context": "prod-eu"}}


async def test_two_bastions_one_rollback_through_redis(tmp_path: Path, monkeypatch,  # noqa: ANN001
                                                       redis_url: str) -> None:
    gate = tmp_path / "gate"
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()), steps=2, gate=gate)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("COCKPIT_HELM", raising=False)
    config = load(tmp_path, HELM, captains=["alice", "bob"]).model_copy(
        update={"bus": redis_url, "launch": launch_name()})
    store = SqliteStore(tmp_path / "events.db")
    act_as(monkeypatch, "alice", "bastion-1")
    alice = Rollbacks(config, store, user="alice@bastion-1", state_dir=tmp_path / "b1")
    assert isinstance(alice.lock, RedisLock)
    run = alice.start(await alice.plan())
    act_as(monkeypatch, "bob", "bastion-2")
    bob = Rollbacks(config, store, user="bob@bastion-2", state_dir=tmp_path / "b2")
    with pytest.raises(LockHeld) as held:
        bob.start(await bob.plan())
    assert held.value.info.holder == "alice@bastion-1"
    assert bob.holder().holder == "alice@bastion-1"
    gate.touch()
    assert (await run.wait()).exit_code == 0
    assert sum(1 for argv in recorded(record) if argv[0] == "rollback") == 1
    assert alice.lock.read() is None  # the runner released it in Redis


def test_env_vars_naming_a_captain_make_nobody_a_captain(tmp_path: Path) -> None:
    import subprocess
    import sys

    from cockpit.model import EventKind
    from tests.support.identity import ME
    from tests.support.rollback import ROOT, events_of, write_config

    if ME == "alice":
        pytest.skip("the test account is called alice")
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    config = write_config(tmp_path, HELM, captains=["alice"])
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "COCKPIT_USER": "alice", "LOGNAME": "alice", "USER": "alice"}
    env.pop("COCKPIT_HELM", None)
    proc = subprocess.run([sys.executable, "-m", "cockpit", "rollback", str(config), "--yes"],
                          capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=60)
    assert proc.returncode == 77, proc.stderr
    assert f"{ME}@" in proc.stderr and "not a captain" in proc.stderr
    assert not any(argv[0] == "rollback" for argv in recorded(record))
    (denied,) = events_of(tmp_path / "events.db", EventKind.ROLLBACK_DENIED)
    assert denied.author.startswith(f"{ME}@") and denied.data["user"].startswith(f"{ME}@")
    proc = subprocess.run([sys.executable, "-m", "cockpit", "log", "add", "-c", str(config),
                           "who wrote this?"], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=60)
    assert proc.returncode == 0 and f"note added by {ME}@" in proc.stdout
