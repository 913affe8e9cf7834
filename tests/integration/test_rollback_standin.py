"""What helm's memory driver cannot show, through a recording stand-in helm on PATH:
the exact argv, a slow --wait streamed as it comes, a failure half-way, the lock
between two rollbacks, the captains rule, injection refused, and a killed cockpit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.model import EventKind
from cockpit.rollback import journal
from cockpit.rollback.helm import plan_helm
from cockpit.rollback.lock import LockHeld
from cockpit.rollback.plan import RollbackError, event_id
from cockpit.rollback.service import NotCaptain, Rollbacks, SecondRollbackRefused
from cockpit.rollback.validate import InvalidIdentifier
from cockpit.store.sqlite import SqliteStore
from tests.support.helm import asr_history, history_json, make_standin, recorded
from tests.support.identity import ME, act_as
from tests.support.rollback import ROOT, events_of, load, write_config

pytestmark = pytest.mark.integration

HELM = {"helm": {"release": "asr", "namespace": "asr", "kube_context": "prod-eu"}}
ROLLBACK_ARGV = [
    "rollback", "asr", "2", "-n", "asr", "--kube-context", "prod-eu", "--wait", "--timeout", "5m0s",
]  # fmt: skip


def _use(monkeypatch: pytest.MonkeyPatch, exe: Path, user: str = "alice") -> None:
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("COCKPIT_HELM", raising=False)
    act_as(monkeypatch, user)


def _wait_for(predicate, what: str, limit: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def _cli(config: Path, *args: str, **kw) -> subprocess.Popen[str]:  # noqa: ANN003
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # runs as the OS account, ME
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit", "rollback", str(config), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT), **kw,
    )  # fmt: skip


async def test_exact_argv_of_history_and_rollback(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = load(tmp_path, HELM)
    rollbacks = Rollbacks(config, SqliteStore(config.store_path()))
    plan = await rollbacks.plan()
    assert plan.argv == (str(exe), *ROLLBACK_ARGV)
    state = await rollbacks.start(plan).wait()
    assert state.exit_code == 0
    assert recorded(record) == [
        ["history", "asr", "-n", "asr", "--kube-context", "prod-eu", "-o", "json"],
        ROLLBACK_ARGV,
    ]


async def test_slow_wait_is_streamed_while_it_runs(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    gate = tmp_path / "gate"
    exe, _ = make_standin(tmp_path / "bin", history_json(asr_history()), steps=3, gate=gate)
    _use(monkeypatch, exe)
    config = load(tmp_path, HELM)
    rollbacks = Rollbacks(config, SqliteStore(config.store_path()))
    run = rollbacks.start(await rollbacks.plan())
    lines = []
    async for line in run.lines(poll=0.02):
        if not lines:
            # helm is blocked in its --wait: the first line arrived while it runs.
            assert run.state().state == "running"
            assert rollbacks.holder() is not None
            gate.touch()
        lines.append(line)
    assert lines[0].endswith(
        "Deployment is not ready: asr/asr-gateway. 0 out of 3 expected pods are ready"
    )
    assert lines[-1] == "Rollback was a success! Happy Helming!"
    assert len(lines) == 4
    assert (await run.wait()).exit_code == 0


async def test_failure_half_way_keeps_its_error_and_exit_code(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    error = "Error: timed out waiting for the condition"
    exe, _ = make_standin(
        tmp_path / "bin", history_json(asr_history()), steps=4, fail_at=2, error=error, exit_code=1
    )
    _use(monkeypatch, exe)
    config = load(tmp_path, HELM)
    store = SqliteStore(config.store_path())
    run = Rollbacks(config, store).start(await Rollbacks(config, store).plan())
    lines = [line async for line in run.lines(poll=0.02)]
    state = await run.wait()
    assert state.state == "ended" and state.exit_code == 1 and state.error == error
    assert len(lines) == 4 and lines[-1] == error and "2 out of 4" in lines[2]
    end = store.events(kinds=[EventKind.ROLLBACK_END])
    assert len(end) == 1 and end[0].data["exit_code"] == 1
    assert end[0].data["output_tail"][-1] == error
    assert end[0].severity == "error"


def test_cli_plan_changes_nothing_and_yes_executes(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = write_config(tmp_path, HELM)
    out, err = _cli(config, "--plan").communicate(timeout=60)
    assert "roll back helm release asr from revision 4 to 2" in out, err
    assert "kube context prod-eu, namespace asr" in out
    assert " ".join(ROLLBACK_ARGV) in out
    assert [argv[0] for argv in recorded(record)] == ["history"]
    proc = _cli(config, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "| Rollback was a success! Happy Helming!" in out
    lines = out.splitlines()
    assert any(line.startswith("rollback succeeded") for line in lines), out
    # No kube source: the rollout is judged by helm's own outcome, the gates by the verdict.
    assert lines[-1].startswith("rollback verified"), out
    assert recorded(record)[-1] == ROLLBACK_ARGV
    assert len(events_of(tmp_path / "events.db", EventKind.ROLLBACK_END)) == 1
    [verify] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_VERIFY)
    assert verify.data["verified"] is True


async def test_two_rollbacks_at_once_one_runs_the_other_is_told_who(
    tmp_path: Path, monkeypatch, request
) -> None:  # noqa: ANN001
    gate = tmp_path / "gate"
    # The detached runner's stand-in helm waits for the gate: open it whatever happens, or
    # a failed assertion leaves the runner waiting for ever after the test.
    request.addfinalizer(gate.touch)
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()), steps=2, gate=gate)
    _use(monkeypatch, exe)
    config_path = write_config(tmp_path, HELM, captains=["alice", "bob", ME])
    config = load(tmp_path, HELM, captains=["alice", "bob", ME])
    store = SqliteStore(config.store_path())
    alice = Rollbacks(config, store, user="alice@bastion-1")
    run = alice.start(await alice.plan())
    bob = Rollbacks(config, store, user="bob@bastion-2")
    with pytest.raises(LockHeld) as held:
        bob.start(await bob.plan())
    assert held.value.info.holder.startswith("alice@")
    assert "alice@" in str(held.value) and "rolling back since" in str(held.value)
    # The same from another process (the headless CLI): exit 75, the holder named.
    proc = _cli(config_path, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 75, (out, err)
    assert "alice@" in err and "not started" in err
    gate.touch()
    assert (await run.wait()).exit_code == 0
    assert sum(1 for argv in recorded(record) if argv[0] == "rollback") == 1
    # Both refusals are in the log, naming who held the lock.
    locked = store.events(kinds=[EventKind.ROLLBACK_LOCKED])
    assert [e.author.split("@")[0] for e in locked] == ["bob", ME]  # the CLI: the OS account
    assert all(e.data["holder"].startswith("alice@") and "alice@" in e.message for e in locked)
    # Once it ended, the lock is free again; but nothing was deployed since, so a rollback
    # now is a second one: refused, naming who did the last one, unless asked for.
    with pytest.raises(SecondRollbackRefused, match=r"started by alice@bastion-1 .*succeeded"):
        bob.start(await bob.plan())
    assert (await bob.start(await bob.plan(), again=True).wait()).exit_code == 0
    [refused] = store.events(kinds=[EventKind.ROLLBACK_REFUSED])
    assert refused.author == "bob@bastion-2" and refused.data["last"]["who"] == "alice@bastion-1"
    confirms = store.events(kinds=[EventKind.ROLLBACK_CONFIRM])
    assert [c.data["again"] for c in confirms] == [False, True]


async def test_non_captain_cannot_execute_and_it_is_logged(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe, user="mallory")
    config = load(tmp_path, HELM, captains=["alice"])
    store = SqliteStore(config.store_path())
    rollbacks = Rollbacks(config, store)
    assert not rollbacks.may_execute()
    plan = await rollbacks.plan()  # the plan can be seen
    with pytest.raises(NotCaptain, match="mallory@.* is not a captain"):
        rollbacks.start(plan)
    denied = store.events(kinds=[EventKind.ROLLBACK_DENIED])
    assert len(denied) == 1 and denied[0].author.startswith("mallory@")
    assert denied[0].data["captains"] == ["alice"] and denied[0].data["rollback_id"] == plan.id
    assert rollbacks.journals() == [] and rollbacks.holder() is None
    proc = _cli(tmp_path / "launch.yaml", "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 77 and "not a captain" in err
    assert all(argv[0] == "history" for argv in recorded(record))
    assert len(store.events(kinds=[EventKind.ROLLBACK_DENIED])) == 2
    assert store.events(kinds=[EventKind.ROLLBACK_START]) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("release", "asr; rm -rf /"),
        ("release", "--set x=y"),
        ("namespace", "asr\nkube-system"),
        ("release", "-n"),
        ("kube_context", "prod;id"),
        ("namespace", "$(id)"),
    ],
)
async def test_injection_refused_before_anything_runs(
    tmp_path: Path,
    monkeypatch,
    field: str,
    value: str,  # noqa: ANN001
) -> None:
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    target = {"release": "asr", "namespace": "asr", field: value}
    kwargs = {"context" if field == "kube_context" else field: value}
    with pytest.raises(InvalidIdentifier) as refused:
        await plan_helm(**{"release": "asr", "namespace": "asr", **kwargs})
    assert refused.value.value == value and "refused" in str(refused.value)
    config = write_config(tmp_path, {"helm": target})
    proc = _cli(config, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)
    assert f"rollback.helm.{field}" in err
    assert recorded(record) == []  # helm never ran


def test_injected_revision_refused(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = write_config(tmp_path, HELM)
    proc = _cli(config, "--yes", "--revision", "2 --set x=y")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3 and "refused revision" in err  # bad input, as everywhere
    assert recorded(record) == []


async def test_cockpit_killed_mid_rollback_the_rollback_completes_and_is_logged_once(
    tmp_path: Path,
    monkeypatch,  # noqa: ANN001
) -> None:
    gate = tmp_path / "gate"
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()), steps=3, gate=gate)
    _use(monkeypatch, exe)
    config_path = write_config(tmp_path, HELM)
    config = load(tmp_path, HELM)
    journal_root = Rollbacks(config).journal_root
    cockpit = _cli(config_path, "--yes", start_new_session=True)

    def running() -> bool:
        states = journal.all_journals(journal_root)
        return bool(states) and states[0].state == "running" and bool(states[0].output())

    _wait_for(running, "the rollback to be running")
    # The SSH session drops, then the cockpit is killed outright.
    os.killpg(cockpit.pid, signal.SIGHUP)
    try:
        cockpit.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(cockpit.pid, signal.SIGKILL)
        cockpit.wait(timeout=5)
    assert cockpit.returncode != 0
    (state,) = journal.all_journals(journal_root)
    assert state.state == "running" and state.pid != cockpit.pid  # the runner lives on
    gate.touch()
    _wait_for(lambda: journal.read(state.dir).finished, "the rollback to finish")
    # A restarted cockpit shows the outcome and logs it once, however often it restarts.
    store = SqliteStore(config.store_path())
    again = Rollbacks(config, store)
    assert again.recover() == []
    assert again.recover() == []
    outcome = again.latest()
    assert outcome is not None and outcome.succeeded
    assert outcome.output()[-1] == "Rollback was a success! Happy Helming!"
    ends = store.events(kinds=[EventKind.ROLLBACK_END])
    assert len(ends) == 1 and ends[0].id == event_id(state.rollback_id, "end")
    assert len(store.events(kinds=[EventKind.ROLLBACK_START])) == 1
    assert recorded(record)[-1] == ROLLBACK_ARGV
    _wait_for(lambda: again.holder() is None, "the lock to be released")


async def test_a_plan_runs_once(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = load(tmp_path, HELM)
    rollbacks = Rollbacks(config, SqliteStore(config.store_path()))
    plan = await rollbacks.plan()
    assert (await rollbacks.start(plan).wait()).exit_code == 0
    with pytest.raises(RollbackError, match="already executed: plan again"):
        rollbacks.start(plan, again=True)  # even asked for: the same plan never runs twice
    assert rollbacks.holder() is None
    assert sum(1 for argv in recorded(record) if argv[0] == "rollback") == 1
