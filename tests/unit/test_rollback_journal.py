"""The journal a detached rollback leaves: read back as running, ended or lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from cockpit.rollback import journal
from cockpit.rollback.events import end_event
from cockpit.rollback.plan import Plan, Revision, event_id


def _plan() -> Plan:
    return Plan(
        kind="helm",
        target="asr",
        namespace="asr",
        timeout=300,
        current=Revision(4, "deployed"),
        to=Revision(2, "superseded"),
        argv=("helm", "rollback", "asr", "2", "-n", "asr", "--wait", "--timeout", "5m0s"),
    )


def test_running_then_ended(tmp_path: Path) -> None:
    plan = _plan()
    d = journal.create(tmp_path, plan, "alice@bastion", {"lock": None})
    assert journal.read(d).state == "starting"
    journal.set_status(d, state="running", pid=subprocess.os.getpid())
    state = journal.read(d)
    assert state.state == "running" and not state.finished
    assert "running since" in state.outcome()
    (d / journal.OUTPUT).write_text("line 1\nError: boom\n")
    journal.set_status(d, state="ended", exit_code=1, ended_at=state.started_at + 2.5, error="boom")
    state = journal.read(d)
    assert state.finished and not state.succeeded and state.duration == 2.5
    assert state.outcome() == (
        "rollback FAILED with exit code 1 in 2.5s: helm release asr 4 -> 2 "
        "(kube context (current kubeconfig context), namespace asr): boom"
    )
    event = end_event(state)
    assert event.id == event_id(plan.id, "end") and event.data["output_tail"] == [
        "line 1",
        "Error: boom",
    ]


def test_runner_that_died_without_an_outcome_is_lost(tmp_path: Path) -> None:
    d = journal.create(tmp_path, _plan(), "alice@bastion", {})
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    journal.set_status(d, state="running", pid=proc.pid)
    state = journal.read(d)
    assert state.state == "lost" and state.finished and state.exit_code is None
    assert state.outcome().startswith("rollback outcome UNKNOWN, the runner process died")
    assert end_event(state).severity == "error"


def test_never_started_is_lost_after_the_grace(tmp_path: Path) -> None:
    d = journal.create(tmp_path, _plan(), "alice@bastion", {})
    assert journal.read(d).state == "starting"
    assert journal.read(d, at=time.time() + journal.START_GRACE + 1).state == "lost"


async def test_follow_yields_lines_as_written_and_stops_at_the_end(tmp_path: Path) -> None:
    d = journal.create(tmp_path, _plan(), "alice@bastion", {})
    journal.set_status(d, state="running", pid=subprocess.os.getpid())
    out = open(d / journal.OUTPUT, "a")  # noqa: SIM115
    out.write("first\nsecond par")
    out.flush()
    lines = []
    async for line in journal.follow(d, poll=0.01):
        lines.append(line)
        if line == "first":
            out.write("tial\nlast")
            out.close()
            journal.set_status(d, state="ended", exit_code=0, ended_at=time.time())
    assert lines == ["first", "second partial", "last"]


def test_all_journals_skips_unreadable_dirs(tmp_path: Path) -> None:
    journal.create(tmp_path, _plan(), "a", {})
    (tmp_path / "junk").mkdir()
    assert len(journal.all_journals(tmp_path)) == 1
    assert journal.all_journals(tmp_path / "absent") == []
