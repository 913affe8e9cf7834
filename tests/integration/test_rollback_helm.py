"""Plan and rollback through the real helm 3.17 binary, with its memory storage driver."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cockpit.model import EventKind
from cockpit.rollback.helm import plan_helm
from cockpit.rollback.plan import RollbackError, event_id
from cockpit.rollback.service import Rollbacks
from cockpit.store.sqlite import SqliteStore
from tests.support.helm import asr_history, memory_env, real_helm, write_releases
from tests.support.identity import act_as
from tests.support.rollback import events_of, load

pytestmark = pytest.mark.integration


@pytest.fixture
def helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    binary = real_helm()
    data = write_releases(tmp_path / "releases.yaml", asr_history())
    for key, value in memory_env(data).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("COCKPIT_HELM", binary)
    act_as(monkeypatch, "alice")
    return binary


async def test_plan_reads_history_and_skips_the_failed_revision(helm: str) -> None:
    plan = await plan_helm("asr", "asr", timeout=300)
    assert plan.current.number == 4
    assert (plan.current.chart, plan.current.app_version) == ("asr-2.3.1", "2.3.1")
    # Revision 3 failed: the last good one before 4 is 2.
    assert plan.to.number == 2
    assert (plan.to.chart, plan.to.app_version, plan.to.status) == (
        "asr-2.2.0",
        "2.2",
        "superseded",
    )
    assert plan.argv == (helm, "rollback", "asr", "2", "-n", "asr", "--wait", "--timeout", "5m0s")
    text = "\n".join(plan.lines())
    assert "namespace asr" in text and "current kubeconfig context" in text
    assert [r.number for r in plan.history] == [1, 2, 3, 4]


async def test_plan_with_an_operator_pick_and_a_context(helm: str) -> None:
    plan = await plan_helm("asr", "asr", context="prod-eu", pick=1, timeout=90)
    assert plan.to.number == 1 and plan.picked
    assert list(plan.argv) == [
        helm,
        "rollback",
        "asr",
        "1",
        "-n",
        "asr",
        "--kube-context",
        "prod-eu",
        "--wait",
        "--timeout",
        "1m30s",
    ]
    assert "kube context prod-eu, namespace asr" in plan.where


async def test_plan_unknown_release_is_helms_error(helm: str) -> None:
    with pytest.raises(RollbackError, match=r"helm history nope .*exit 1.*release: not found"):
        await plan_helm("nope", "asr")


async def test_plan_pick_not_in_history(helm: str) -> None:
    with pytest.raises(RollbackError, match="revision 9 is not in the history"):
        await plan_helm("asr", "asr", pick=9)
    with pytest.raises(RollbackError, match="is the one deployed now"):
        await plan_helm("asr", "asr", pick=4)


def test_real_helm_rollback_exit_codes(helm: str, tmp_path: Path) -> None:
    """What the runner relies on: helm's own exit codes and output for these cases."""
    ok = subprocess.run(
        [helm, "rollback", "asr", "2", "-n", "asr", "--wait", "--timeout", "5m0s"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Rollback was a success! Happy Helming!" in ok.stdout
    missing = subprocess.run(
        [helm, "rollback", "asr", "7", "-n", "asr"], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 1 and "release has no 7 version" in missing.stderr


async def test_rollback_through_runner_succeeds_and_is_logged(helm: str, tmp_path: Path) -> None:
    config = load(tmp_path, {"helm": {"release": "asr", "namespace": "asr"}})
    store = SqliteStore(config.store_path())
    rollbacks = Rollbacks(config, store)
    plan = await rollbacks.plan(verdict="NO-GO", failing=["errors"])
    run = rollbacks.start(plan)
    lines = [line async for line in run.lines()]
    state = await run.wait()
    assert state.state == "ended" and state.exit_code == 0
    assert lines == ["Rollback was a success! Happy Helming!"]
    assert rollbacks.holder() is None  # the runner released the lock
    store.close()
    db = config.store_path()
    kinds = [
        EventKind.ROLLBACK_PLAN,
        EventKind.ROLLBACK_CONFIRM,
        EventKind.ROLLBACK_START,
        EventKind.ROLLBACK_END,
    ]
    for kind in kinds:
        assert len(events_of(db, kind)) == 1, kind
    end = events_of(db, EventKind.ROLLBACK_END)[0]
    assert end.id == event_id(plan.id, "end")
    assert end.data["exit_code"] == 0 and end.data["to_revision"] == 2
    assert end.data["output_tail"] == ["Rollback was a success! Happy Helming!"]
    assert end.data["duration"] is not None and end.author.startswith("alice@")
    confirm = events_of(db, EventKind.ROLLBACK_CONFIRM)[0]
    assert confirm.data["confirmed_by"].startswith("alice@")
    plan_event = events_of(db, EventKind.ROLLBACK_PLAN)[0]
    assert plan_event.data["verdict"] == "NO-GO" and plan_event.data["failing"] == ["errors"]


async def test_rollback_to_a_revision_helm_lacks_fails_with_its_exit_code(
    helm: str, tmp_path: Path
) -> None:
    """The plan says revision 2; the storage then loses it: helm's error and exit code 1."""
    config = load(tmp_path, {"helm": {"release": "asr", "namespace": "asr"}})
    store = SqliteStore(config.store_path())
    rollbacks = Rollbacks(config, store)
    plan = await rollbacks.plan()
    write_releases(tmp_path / "releases.yaml", [r for r in asr_history() if r["version"] != 2])
    run = rollbacks.start(plan)
    state = await run.wait()
    assert state.exit_code == 1
    assert state.tail() == ["Error: release has no 2 version"]
    assert state.error == "Error: release has no 2 version"
    store.close()
    end = events_of(config.store_path(), EventKind.ROLLBACK_END)[0]
    assert end.severity == "error" and end.data["exit_code"] == 1
    assert "FAILED with exit code 1" in end.message
