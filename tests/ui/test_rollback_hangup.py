"""`cockpit run` in a real pseudo-terminal: R, y, enter starts a slow rollback; the SSH
session drops (SIGHUP) and the cockpit is then killed (SIGKILL). The rollback runs on in
its own process to the end; a restarted cockpit shows its outcome and logs it once."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import yaml

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.model import EventKind
from cockpit.rollback import journal
from cockpit.rollback.service import Rollbacks
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.helm import asr_history, history_json, make_standin, recorded
from tests.support.identity import ME
from tests.support.pty_app import PtyApp
from tests.support.ui import CHECKLIST, FakeSource, layouts, screen_text

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


def _config(tmp: Path) -> Path:
    (tmp / "checklist.yaml").write_text(CHECKLIST)
    path = tmp / "launch.yaml"
    path.write_text(yaml.safe_dump({
        "launch": "hangup rollback",
        "checklist": "checklist.yaml",
        "store": f"sqlite:///{tmp / 'events.db'}",
        "captains": [ME],
        "http": {"api": {"url": "http://127.0.0.1:9/healthz", "every": "1h"}},
        "rollback": {"helm": {"release": "asr", "namespace": "asr"}},
    }))  # fmt: skip
    return path


def _wait(predicate, what: str, limit: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


async def test_rollback_survives_hangup_and_kill(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()), steps=3, gate=gate)
    config_path = _config(tmp_path)
    env = {"PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    term = PtyApp([COCKPIT, "run", str(config_path), "--layout", "compact"], 100, 30,
                  env=env, cwd=str(tmp_path))  # fmt: skip
    try:
        term.wait_for(lambda s: "R:rollback" in s, 30)
        term.write("R")
        term.wait_for(lambda s: "y: arm" in s, 30)
        term.write("y")
        term.wait_for(lambda s: "ARMED" in s, 10)
        term.write("\r")
        term.wait_for(lambda s: "Deployment is not ready" in s, 30)
        term.hangup()
        try:
            term.wait(5)
        finally:
            term.kill()  # SIGKILL if the hangup did not end it
    finally:
        term.kill()
    config = load_config(config_path)
    root = Rollbacks(config).journal_root
    (state,) = journal.all_journals(root)
    assert state.state == "running", state  # the runner outlived the cockpit
    gate.touch()
    _wait(lambda: journal.read(state.dir).finished, "the rollback to finish")
    assert journal.read(state.dir).succeeded
    assert recorded(record)[-1][0] == "rollback"

    # Restart twice: the outcome is shown and logged once.
    for _ in range(2):
        store = SqliteStore(tmp_path / "events.db")
        engine = Engine(config, store, [FakeSource()])
        app = CockpitApp(engine, layouts("compact"), start_engine=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.refresh_now()
            await pilot.pause()
            notes = [str(n.message) for n in app._notifications]
            assert any(n.startswith("last rollback: rollback succeeded in") for n in notes)
            assert "rollback succeeded in" in screen_text(app)  # the incident log
        store.close()
    store = SqliteStore(tmp_path / "events.db")
    ends = store.events(kinds=[EventKind.ROLLBACK_END])
    assert len(ends) == 1 and ends[0].data["exit_code"] == 0
    assert ends[0].data["output_tail"][-1] == "Rollback was a success! Happy Helming!"
    assert len(store.events(kinds=[EventKind.ROLLBACK_START])) == 1
    assert len(store.events(kinds=[EventKind.ROLLBACK_CONFIRM])) == 1
